"""Keeping the database healthy: integrity check, backups, restore."""

from __future__ import annotations

import dataclasses
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import peewee

from desktopcrm.models import (
    ALL_MODELS,
    SCHEMA_VERSION,
    BaseModel,
    DatabaseLocation,
    database,
    default_backup_dir,
    schema,
)
from desktopcrm.models import backup as backups
from desktopcrm.models.errors import DatabaseError


@dataclass
class CheckReport:
    """What ``check_database`` found; ``ok`` is False when anything needs attention."""

    location: str
    mode: str
    schema_version: int
    app_schema_version: int
    integrity: list[str] = field(default_factory=list)
    foreign_key_problems: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, object]:
        data = dataclasses.asdict(self)
        data["ok"] = self.ok
        return data

    def as_text(self) -> str:
        lines = [
            f"Database:       {self.location}",
            f"Mode:           {self.mode}",
            f"Schema version: {self.schema_version} (this app: {self.app_schema_version})",
            f"Integrity:      {', '.join(self.integrity) or 'not checked'}",
        ]
        lines.append("Records:")
        width = max((len(name) for name in self.counts), default=0)
        for name, count in self.counts.items():
            extra = f" (+{self.deleted[name]} deleted)" if self.deleted.get(name) else ""
            lines.append(f"  {name.ljust(width)}  {count}{extra}")
        lines.append("Result:         " + ("OK" if self.ok else "PROBLEMS FOUND"))
        lines.extend(f"  - {problem}" for problem in self.problems)
        return "\n".join(lines)


def check_database(location: DatabaseLocation) -> CheckReport:
    """Integrity check, schema version and record counts of the open database."""
    db = database.obj
    version = schema.read_schema_version(db)
    report = CheckReport(
        location=location.display(),
        mode=location.mode.label,
        schema_version=version,
        app_schema_version=SCHEMA_VERSION,
    )
    if version != SCHEMA_VERSION:
        report.problems.append(f"schema version {version} differs from this app's {SCHEMA_VERSION}")
    try:
        _check_contents(db, report)
    except (peewee.DatabaseError, sqlite3.DatabaseError) as exc:
        report.problems.append(
            f"the database is damaged ({exc}): restore it from a backup "
            "(desktopcrm restore BACKUP, or Settings > Database > Restore)"
        )
    return report


def _check_contents(db: peewee.Database, report: CheckReport) -> None:
    if isinstance(db, peewee.SqliteDatabase):
        rows = db.execute_sql("PRAGMA integrity_check").fetchall()
        report.integrity = [str(row[0]) for row in rows]
        if report.integrity != ["ok"]:
            report.problems.extend(f"integrity: {line}" for line in report.integrity[:20])
        fk = db.execute_sql("PRAGMA foreign_key_check").fetchall()
        report.foreign_key_problems = len(fk)
        if fk:
            report.problems.append(f"{len(fk)} rows point at records that do not exist")
    else:
        db.execute_sql("SELECT 1")
        report.integrity = ["server-managed"]
    for model in ALL_MODELS:
        name = model._meta.table_name
        if not db.table_exists(name):
            report.problems.append(f"table {name} is missing")
            continue
        if issubclass(model, BaseModel):
            report.counts[name] = model.live().count()
            report.deleted[name] = model.select().where(model.deleted_at.is_null(False)).count()
        else:
            report.counts[name] = model.select().count()


def backup_to(location: DatabaseLocation, destination: Path) -> Path:
    """Copy the open SQLite database to ``destination`` (a file or a folder)."""
    if not location.is_sqlite:
        raise DatabaseError(
            "This database is on a PostgreSQL server: back it up with the server's tools (pg_dump)."
        )
    assert location.path is not None
    return backups.backup_file(location.path, destination)


def backup_now(location: DatabaseLocation, backup_dir: Path | None = None) -> Path:
    """A rotated manual backup in the backups folder."""
    if not location.is_sqlite:
        return backup_to(location, Path())
    assert location.path is not None
    return backups.automatic_backup(location.path, backup_dir or default_backup_dir(), "manual")


def restore_from(
    location: DatabaseLocation, source: Path, backup_dir: Path | None = None
) -> Path | None:
    """Replace the database at ``location`` with the backup ``source``.

    The database must not be open in this process. Returns the backup taken of the replaced
    database (None if there was none).
    """
    if not location.is_sqlite:
        raise DatabaseError(
            "This database is on a PostgreSQL server: restore it with the server's tools "
            "(pg_restore)."
        )
    assert location.path is not None
    return backups.restore_file(
        source.expanduser().absolute(),
        location.path,
        backup_dir or default_backup_dir(),
        SCHEMA_VERSION,
    )
