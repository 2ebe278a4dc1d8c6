"""Backups of a SQLite database with SQLite's online backup API, rotated, and restore."""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import shutil
import sqlite3
from pathlib import Path

from desktopcrm.models.db import SQLITE_HEADER, probe_file
from desktopcrm.models.errors import DatabaseError

log = logging.getLogger("desktopcrm.backup")

KEEP_BACKUPS = 10
_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def backup_file(source: Path, destination: Path) -> Path:
    """Copy a live SQLite database (WAL included) to ``destination``, consistently.

    Works while other connections read and write: SQLite's backup API restarts on change.
    """
    destination = destination.expanduser().absolute()
    if destination.is_dir():
        destination = destination / f"{source.stem}-{_stamp()}.sqlite"
    destination.parent.mkdir(parents=True, exist_ok=True)
    if destination.resolve() == source.resolve():
        raise DatabaseError("The backup must go to another file than the database itself.")
    partial = destination.with_name(destination.name + ".partial")
    src = sqlite3.connect(source.as_uri() + "?mode=ro", uri=True, timeout=20)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst, pages=4096)
            dst.execute("PRAGMA journal_mode=delete")
        finally:
            dst.close()
    finally:
        src.close()
    partial.replace(destination)
    # After the snapshot: every document it references was stored before its row committed.
    mirror_documents(documents_folder(source), backup_documents_folder(destination))
    log.info("backed up %s to %s", source, destination)
    return destination


def documents_folder(database_path: Path) -> Path:
    """The attached files of the SQLite database ``X/name.sqlite``: ``X/name-documents``."""
    return database_path.with_name(f"{database_path.stem}-documents")


def backup_documents_folder(backup_path: Path) -> Path:
    """The copy of the documents folder that goes with a backup file: ``<backup>.documents``."""
    return backup_path.with_name(backup_path.name + ".documents")


def mirror_documents(source: Path, destination: Path) -> int:
    """Bring the content-addressed files of ``source`` into ``destination`` (same layout).

    Only files missing there are added, as hard links where the file system allows (files are
    named by their hash and never change), else copies. Nothing is deleted. Returns how many
    files were added.
    """
    if not source.is_dir():
        return 0
    added = 0
    for folder in sorted(source.iterdir()):
        if not folder.is_dir() or len(folder.name) != 2:
            continue
        for blob in folder.iterdir():
            if not blob.is_file() or blob.name.startswith("."):
                continue
            target = destination / folder.name / blob.name
            if target.is_file() and target.stat().st_size == blob.stat().st_size:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(f".{blob.name}.partial")
            partial.unlink(missing_ok=True)
            try:
                os.link(blob, partial)
            except OSError:
                shutil.copyfile(blob, partial)
            partial.replace(target)
            added += 1
    if added:
        log.info("copied %d documents from %s to %s", added, source, destination)
    return added


def _stamp() -> str:
    return dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")


def automatic_backup(source: Path, backup_dir: Path, reason: str, keep: int = KEEP_BACKUPS) -> Path:
    """Back up ``source`` into ``backup_dir`` and keep only the newest ``keep`` of this reason."""
    prefix = f"{_SAFE.sub('_', source.stem)}-{_SAFE.sub('_', reason)}-"
    destination = backup_dir / f"{prefix}{_stamp()}.sqlite"
    backup_file(source, destination)
    old = sorted(backup_dir.glob(f"{prefix}*.sqlite"))[:-keep]
    for path in old:
        path.unlink(missing_ok=True)
        shutil.rmtree(backup_documents_folder(path), ignore_errors=True)
    return destination


def list_backups(backup_dir: Path) -> list[Path]:
    """Backups in ``backup_dir``, newest first."""
    if not backup_dir.is_dir():
        return []
    return sorted(backup_dir.glob("*.sqlite"), key=lambda p: p.stat().st_mtime, reverse=True)


def restore_file(backup: Path, target: Path, backup_dir: Path, newest_schema: int) -> Path | None:
    """Replace ``target`` with the contents of ``backup``, after checking the backup is sound.

    The current database is first backed up (reason ``pre-restore``); that backup's path is
    returned so the user can go back. Uses the backup API so open readers see a consistent file.
    """
    if not backup.is_file():
        raise DatabaseError(f"There is no backup file at {backup}.")
    with backup.open("rb") as handle:
        if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise DatabaseError(f"{backup} is not a DesktopCRM backup (not a SQLite file).")
    probe = probe_file(backup)
    if probe.foreign or probe.schema_version == 0:
        raise DatabaseError(f"{backup} is not a DesktopCRM backup.")
    if probe.schema_version > newest_schema:
        raise DatabaseError(
            f"{backup} was made by a newer version of DesktopCRM (schema "
            f"{probe.schema_version}); install that version to restore it."
        )
    conn = sqlite3.connect(backup.as_uri() + "?mode=ro", uri=True)
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()
    if result != "ok":
        raise DatabaseError(f"{backup} is damaged ({result}); choose another backup.")
    saved = None
    if target.exists() and target.stat().st_size > 0:
        saved = automatic_backup(target, backup_dir, "pre-restore")
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(backup.as_uri() + "?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(target, timeout=20)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    mirror_documents(backup_documents_folder(backup), documents_folder(target))
    log.info("restored %s from %s", target, backup)
    return saved
