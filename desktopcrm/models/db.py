"""Where the database lives and how it is opened: local file, shared file or PostgreSQL.

``resolve_location`` turns ``--database`` / ``DESKTOPCRM_DATABASE`` (a path or a URL) into a
``DatabaseLocation`` that says which mode applies and why. ``open_database`` checks the file
before writing anything (a file that is not a database, a damaged one or one written by a
newer app is refused untouched), opens it with the settings of its mode, binds every model to
it and brings the schema up to date.
"""

from __future__ import annotations

import contextlib
import enum
import itertools
import logging
import os
import sqlite3
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import peewee
import platformdirs

from desktopcrm.models.errors import (
    CorruptDatabaseError,
    DatabaseLockedError,
    NewerDatabaseError,
    NotADatabaseError,
)

log = logging.getLogger("desktopcrm.db")

APP_DIR_NAME = "DesktopCRM"
DATABASE_ENV = "DESKTOPCRM_DATABASE"
SHARED_ENV = "DESKTOPCRM_SHARED_FILE"
SQLITE_HEADER = b"SQLite format 3\x00"
LOCAL_BUSY_TIMEOUT_S = 5.0
SHARED_BUSY_TIMEOUT_S = 20.0

#: File system types on which SQLite's WAL mode is unsafe (no shared memory across hosts).
NETWORK_FILESYSTEMS = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smb",
        "smb2",
        "smb3",
        "smbfs",
        "afpfs",
        "webdav",
        "davfs",
        "fuse.davfs2",
        "fuse.sshfs",
        "sshfs",
        "9p",
        "afs",
        "ncpfs",
        "glusterfs",
        "fuse.glusterfs",
        "ceph",
        "fuse.cephfs",
        "lustre",
        "fuse.rclone",
    }
)

#: Folder names of cloud-sync clients; they copy files mid-write and corrupt SQLite.
CLOUD_SYNC_MARKERS = {
    "dropbox": "Dropbox",
    "onedrive": "OneDrive",
    "google drive": "Google Drive",
    "googledrive": "Google Drive",
    "my drive": "Google Drive",
    "icloud drive": "iCloud Drive",
    "icloud": "iCloud Drive",
    "mobile documents": "iCloud Drive",
    "cloudstorage": "a cloud storage provider",
    "box": "Box",
    "pcloud drive": "pCloud",
    "mega": "MEGA",
    "nextcloud": "Nextcloud",
    "owncloud": "ownCloud",
}


class DatabaseMode(enum.StrEnum):
    """How the database is stored and shared."""

    LOCAL = "local"
    SHARED = "shared"
    POSTGRESQL = "postgresql"

    @property
    def label(self) -> str:
        return {
            DatabaseMode.LOCAL: "Local file",
            DatabaseMode.SHARED: "Shared file",
            DatabaseMode.POSTGRESQL: "PostgreSQL",
        }[self]


@dataclass(frozen=True)
class DatabaseLocation:
    """A resolved database: its mode, its file or URL, and what the user should know."""

    mode: DatabaseMode
    path: Path | None = None
    url: str | None = None
    reason: str = ""
    warnings: tuple[str, ...] = field(default=())

    @property
    def is_sqlite(self) -> bool:
        return self.path is not None

    def display(self) -> str:
        """The path, or the URL without its password: safe to show and to log."""
        if self.path is not None:
            return str(self.path)
        assert self.url is not None
        parts = urlsplit(self.url)
        netloc = parts.hostname or ""
        if parts.port:
            netloc += f":{parts.port}"
        if parts.username:
            netloc = f"{parts.username}@{netloc}"
        query = dict(parse_qsl(parts.query))
        host = query.get("host")
        suffix = f" (socket {host})" if host else ""
        return f"{parts.scheme}://{netloc}{parts.path}{suffix}"


def user_data_dir() -> Path:
    return platformdirs.user_data_path(APP_DIR_NAME, appauthor=False)


def default_database_path() -> Path:
    """``desktopcrm.sqlite`` in the platform's user data folder."""
    return user_data_dir() / "desktopcrm.sqlite"


def default_backup_dir() -> Path:
    return user_data_dir() / "backups"


def _truthy(value: str | None) -> bool | None:
    if value is None or value.strip() == "":
        return None
    return value.strip().lower() in {"1", "true", "yes", "on", "shared"}


def resolve_location(
    spec: str | os.PathLike[str] | None = None,
    *,
    shared: bool | None = None,
    environ: Mapping[str, str] | None = None,
) -> DatabaseLocation:
    """Decide which database to open and in which mode.

    Args:
        spec: a path or a ``postgresql://`` URL; falls back to ``DESKTOPCRM_DATABASE`` and then
            to the default file in the user data folder.
        shared: force shared-file mode on (True) or off (False); None means decide from
            ``DESKTOPCRM_SHARED_FILE``, the file's own stored preference and its file system.
    """
    env = os.environ if environ is None else environ
    raw = os.fspath(spec) if spec is not None else env.get(DATABASE_ENV) or ""
    if raw.startswith(("postgresql://", "postgres://")):
        return DatabaseLocation(DatabaseMode.POSTGRESQL, url=raw, reason="PostgreSQL URL")
    path = Path(raw).expanduser() if raw else default_database_path()
    path = path.absolute()
    warnings: list[str] = []
    cloud = cloud_sync_service(path)
    if cloud:
        warnings.append(
            f"The database is inside a {cloud} folder. Cloud-sync programs copy files while "
            "they are being written and can corrupt the database: move it to a local folder "
            "or a network share (Settings > Database), and keep backups."
        )
    if shared is None:
        shared = _truthy(env.get(SHARED_ENV))
    if shared is not None:
        mode = DatabaseMode.SHARED if shared else DatabaseMode.LOCAL
        reason = "chosen by setting"
    else:
        fstype = filesystem_type(path)
        stored = stored_storage_mode(path)
        if fstype and is_network_filesystem(fstype):
            mode, reason = DatabaseMode.SHARED, f"file is on a network file system ({fstype})"
        elif stored == DatabaseMode.SHARED.value:
            mode, reason = DatabaseMode.SHARED, "the database is marked as shared"
        else:
            mode, reason = DatabaseMode.LOCAL, "local disk"
    return DatabaseLocation(mode, path=path, reason=reason, warnings=tuple(warnings))


def is_network_filesystem(fstype: str) -> bool:
    fstype = fstype.lower()
    return fstype in NETWORK_FILESYSTEMS or fstype.startswith(("nfs", "smb", "cifs"))


def filesystem_type(path: Path) -> str | None:
    """The type of the file system holding ``path`` (or its nearest existing parent)."""
    probe = path
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    if sys.platform.startswith("win"):
        return _windows_filesystem_type(probe)
    mounts = _read_mounts()
    resolved = str(probe.resolve())
    containing = [
        (len(mount_point), fstype)
        for mount_point, fstype in mounts
        if resolved == mount_point or resolved.startswith(mount_point.rstrip("/") + "/")
    ]
    return max(containing)[1] if containing else None


def _read_mounts() -> list[tuple[str, str]]:
    mounts: list[tuple[str, str]] = []
    try:
        text = Path("/proc/self/mounts").read_text()
    except OSError:
        text = ""
    if text:
        for line in text.splitlines():
            parts = line.split()
            if len(parts) >= 3:
                mount_point = parts[1].replace("\\040", " ")
                mounts.append((mount_point, parts[2]))
        return mounts
    # macOS and BSDs: "server:/x on /Volumes/x (nfs, nodev, ...)"
    import subprocess

    try:
        output = subprocess.run(
            ["/sbin/mount"], capture_output=True, text=True, timeout=2, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return mounts
    for line in output.splitlines():
        if " on " in line and "(" in line:
            mount_point = line.split(" on ", 1)[1].rsplit(" (", 1)[0]
            fstype = line.rsplit("(", 1)[1].split(",")[0].strip(" )")
            mounts.append((mount_point, fstype))
    return mounts


def _windows_filesystem_type(path: Path) -> str | None:
    text = str(path)
    if text.startswith("\\\\"):
        return "smb"
    try:
        import ctypes

        drive = os.path.splitdrive(text)[0] + "\\"
        drive_remote = 4
        if ctypes.windll.kernel32.GetDriveTypeW(drive) == drive_remote:  # type: ignore[attr-defined]
            return "smb"
    except (AttributeError, OSError):
        return None
    return "ntfs"


def cloud_sync_service(path: Path) -> str | None:
    """Name of the cloud-sync service whose folder holds ``path``, if any."""
    for part in path.parts[:-1]:
        lowered = part.lower()
        for marker, service in CLOUD_SYNC_MARKERS.items():
            if lowered == marker or lowered.startswith((marker + " ", marker + "-")):
                return service
    return None


@dataclass(frozen=True)
class FileProbe:
    """What a read-only look at a SQLite file found, before anything writes to it."""

    exists: bool
    schema_version: int = 0
    storage_mode: str | None = None
    foreign: bool = False  # a SQLite database, but not one of ours


def _readonly_connection(path: Path) -> sqlite3.Connection:
    uri = path.as_uri() + "?mode=ro"
    return sqlite3.connect(uri, uri=True, timeout=LOCAL_BUSY_TIMEOUT_S)


def probe_file(path: Path) -> FileProbe:
    """Look at a SQLite file without changing a byte of it.

    Raises:
        NotADatabaseError: the file is not a SQLite database.
        CorruptDatabaseError: SQLite cannot read its schema.
    """
    if not path.exists() or path.stat().st_size == 0:
        return FileProbe(exists=path.exists())
    if path.is_dir():
        raise NotADatabaseError(f"{path} is a folder. Choose a database file instead.")
    with path.open("rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        raise NotADatabaseError(
            f"{path} is not a DesktopCRM database (it is not a SQLite file). "
            "Choose another file, or start with a new database."
        )
    try:
        conn = _readonly_connection(path)
    except sqlite3.Error as exc:
        raise _translate_sqlite_error(path, exc) from exc
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        if not tables:
            return FileProbe(exists=True)
        if "schema_meta" not in tables:
            return FileProbe(exists=True, foreign=True)
        meta = dict(conn.execute("SELECT key, value FROM schema_meta").fetchall())
    except sqlite3.Error as exc:
        raise _translate_sqlite_error(path, exc) from exc
    finally:
        conn.close()
    try:
        version = int(meta.get("schema_version", 0))
    except ValueError as exc:
        raise CorruptDatabaseError(
            f"{path} has an unreadable schema version. Restore it from a backup."
        ) from exc
    return FileProbe(exists=True, schema_version=version, storage_mode=meta.get("storage_mode"))


def stored_storage_mode(path: Path) -> str | None:
    """The storage mode recorded in the file itself, or None (also for unreadable files)."""
    try:
        return probe_file(path).storage_mode
    except Exception:
        return None


def _translate_sqlite_error(path: Path, exc: BaseException) -> Exception:
    text = str(exc).lower()
    if "not a database" in text or "file is encrypted" in text:
        return NotADatabaseError(
            f"{path} is not a DesktopCRM database. Choose another file, or start a new one."
        )
    if "malformed" in text or "corrupt" in text or "disk image" in text:
        return CorruptDatabaseError(
            f"{path} is damaged ({exc}). Restore it from a backup "
            "(desktopcrm restore BACKUP, or Settings > Database > Restore)."
        )
    if "locked" in text or "busy" in text:
        return DatabaseLockedError(
            f"{path} is locked by another program. Close the other program "
            "(or wait for it to finish) and try again."
        )
    if "unable to open" in text or "readonly" in text or "read-only" in text:
        return NotADatabaseError(
            f"{path} cannot be opened ({exc}). Check that the folder exists and that you "
            "may write to it."
        )
    return CorruptDatabaseError(f"{path} could not be read ({exc}).")


database = peewee.DatabaseProxy()
_current_location: DatabaseLocation | None = None


def current_location() -> DatabaseLocation:
    if _current_location is None:
        raise RuntimeError("no database is open")
    return _current_location


def make_database(location: DatabaseLocation) -> peewee.Database:
    """A peewee database for ``location``, configured for its mode (not yet connected)."""
    if location.mode is DatabaseMode.POSTGRESQL:
        assert location.url is not None
        return _postgres_database(location.url)
    assert location.path is not None
    if location.mode is DatabaseMode.SHARED:
        timeout, journal, synchronous = SHARED_BUSY_TIMEOUT_S, "delete", "full"
    else:
        timeout, journal, synchronous = LOCAL_BUSY_TIMEOUT_S, "wal", "normal"
    return peewee.SqliteDatabase(
        str(location.path),
        timeout=timeout,
        lock_type="IMMEDIATE",
        pragmas=[
            ("journal_mode", journal),
            ("foreign_keys", 1),
            ("busy_timeout", int(timeout * 1000)),
            ("synchronous", synchronous),
            ("cache_size", -16000),
            ("temp_store", "memory"),
        ],
    )


def _postgres_database(url: str) -> peewee.PostgresqlDatabase:
    parts = urlsplit(url)
    params: dict[str, Any] = dict(parse_qsl(parts.query))
    if parts.username:
        params["user"] = unquote(parts.username)
    if parts.password:
        params["password"] = unquote(parts.password)
    if parts.hostname and "host" not in params:
        params["host"] = parts.hostname
    if parts.port:
        params["port"] = parts.port
    name = unquote(parts.path.lstrip("/")) or "postgres"
    return peewee.PostgresqlDatabase(name, prefer_psycopg3=True, **params)


def open_database(
    location: DatabaseLocation,
    *,
    create: bool = True,
    upgrade: bool = True,
    backup_dir: Path | None = None,
) -> peewee.Database:
    """Open ``location``, bind the models to it and bring its schema up to date.

    Nothing is written to a file that turns out not to be a database, to a damaged one, or to
    one written by a newer version of the app.

    Args:
        create: create the file and its schema if it does not exist yet.
        upgrade: run pending migrations (after an automatic backup).
        backup_dir: where the automatic pre-migration backup goes.
    """
    from desktopcrm.models import schema

    global _current_location
    if location.is_sqlite:
        assert location.path is not None
        probe = probe_file(location.path)
        if not probe.exists and not create:
            raise NotADatabaseError(
                f"There is no database at {location.path}. Start DesktopCRM once to create it, "
                "or pass --database with the path of an existing one."
            )
        if probe.foreign:
            raise NotADatabaseError(
                f"{location.path} is a SQLite database of another program, not a DesktopCRM "
                "database. Choose another file, or start with a new database."
            )
        if probe.schema_version > schema.SCHEMA_VERSION:
            raise schema.newer_database_error(location.display(), probe.schema_version)
        location.path.parent.mkdir(parents=True, exist_ok=True)
    db = make_database(location)
    try:
        db.connect()
    except peewee.OperationalError as exc:
        if location.is_sqlite:
            assert location.path is not None
            raise _translate_sqlite_error(location.path, exc) from exc
        raise NotADatabaseError(
            f"Could not connect to {location.display()}: {exc}. Check the URL, the password "
            "and that the server is running."
        ) from exc
    except peewee.DatabaseError as exc:
        assert location.path is not None
        raise _translate_sqlite_error(location.path, exc) from exc
    database.initialize(db)
    _current_location = location
    try:
        if upgrade:
            schema.upgrade(db, location, backup_dir=backup_dir)
        else:
            schema.ensure_compatible(db, location)
    except NewerDatabaseError:
        close_database()
        raise
    except peewee.DatabaseError as exc:
        close_database()
        if location.is_sqlite:
            assert location.path is not None
            raise _translate_sqlite_error(location.path, exc) from exc
        raise
    except BaseException:
        close_database()
        raise
    if location.mode is DatabaseMode.SHARED:
        schema.set_meta("storage_mode", DatabaseMode.SHARED.value)
    log.info("opened %s database at %s (%s)", location.mode, location.display(), location.reason)
    for warning in location.warnings:
        log.warning(warning)
    return db


def close_database() -> None:
    """Close this thread's connection and unbind the models.

    SQLite gets ``PRAGMA optimize`` first: it refreshes the planner's statistics of the tables
    that changed much since they were last analysed (bounded by ``analysis_limit``, so it
    stays quick on a big file), e.g. after an import.
    """
    global _current_location
    db = database.obj
    if db is not None and not db.is_closed():
        if isinstance(db, peewee.SqliteDatabase):
            with contextlib.suppress(peewee.DatabaseError):
                db.execute_sql(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}")
                db.execute_sql("PRAGMA optimize")
        db.close()
    _current_location = None


#: Rows ANALYZE samples per index (SQLite); enough for the planner, quick on 100k rows.
ANALYSIS_LIMIT = 1000


def refresh_statistics() -> None:
    """Update the query planner's statistics after bulk writes (import, demo data, merge).

    Without them SQLite may walk the all-NULL ``deleted_at`` index or a sort index when a
    filter's index would find the rows at once (measured: 2-10x slower list pages).
    """
    db = database.obj
    if isinstance(db, peewee.SqliteDatabase):
        db.execute_sql(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}")
    db.execute_sql("ANALYZE")


@contextlib.contextmanager
def write_transaction() -> Iterator[None]:
    """A short write transaction (``BEGIN IMMEDIATE`` on SQLite); nested calls are savepoints."""
    with database.atomic():
        yield


def data_version() -> int:
    """A counter that changes when another connection commits (SQLite); cheap to poll."""
    db = database.obj
    if isinstance(db, peewee.SqliteDatabase):
        return int(db.execute_sql("PRAGMA data_version").fetchone()[0])
    return 0


#: Turns driver errors into peewee's, as ``Database.execute_sql`` does.
_PEEWEE_ERRORS = peewee.__exception_wrapper__  # type: ignore[attr-defined]

#: Rows per ``INSERT ... VALUES (...), (...)`` statement at most (``insert_many``).
ROWS_PER_INSERT = 2000


def insert_many(
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    on_conflict_ignore: bool = False,
) -> None:
    """Insert ``rows`` (tuples of driver values, in ``columns`` order) into ``table``; with
    ``on_conflict_ignore``, rows that break a unique index are skipped (``ON CONFLICT DO
    NOTHING``, SQLite and PostgreSQL alike).

    On SQLite, a few thousand rows go into each statement (``VALUES (...), (...), ...``, as many
    as the driver's bound-parameter limit allows), not one statement per row as
    ``executemany`` does: as fast alone, and the driver releases the GIL for a whole chunk
    instead of once per row, so a writer thread does not stall behind a busy Python thread
    (measured: 50,000 change-log rows in 0.8 s beside a busy thread, 120 s by
    ``executemany``). PostgreSQL takes them by ``executemany`` (psycopg pipelines it).
    """
    if not rows:
        return
    db = database.obj
    names = ", ".join(f'"{c}"' for c in columns)
    tail = " ON CONFLICT DO NOTHING" if on_conflict_ignore else ""
    with _PEEWEE_ERRORS:
        cursor = db.cursor()
        if not isinstance(db, peewee.SqliteDatabase):
            marks = ", ".join([db.param] * len(columns))
            cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks}){tail}', rows)
            return
        limit = db.connection().getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        per = max(1, min(ROWS_PER_INSERT, limit // len(columns)))
        one = "(" + ", ".join("?" * len(columns)) + ")"
        statements: dict[int, str] = {}
        for start in range(0, len(rows), per):
            chunk = rows[start : start + per]
            sql = statements.get(len(chunk))
            if sql is None:
                values = ", ".join([one] * len(chunk))
                sql = f'INSERT INTO "{table}" ({names}) VALUES {values}{tail}'
                statements[len(chunk)] = sql
            cursor.execute(sql, list(itertools.chain.from_iterable(chunk)))
