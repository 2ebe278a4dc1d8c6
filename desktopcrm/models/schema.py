"""Schema version and migrations.

The schema version is an integer in ``schema_meta``. A new database runs every step and gets
the latest version in one transaction, without a backup (there is nothing to lose). An older
one is backed up first, then brought forward by ordered steps, each in its own transaction
together with the new version number, so a failing step leaves the database at the previous
version. A database with a
version above ``SCHEMA_VERSION`` was written by a newer app and is refused untouched.

Adding a table or column: append a ``Migration`` whose step uses ``add_tables`` /
``add_column``. Tables are created from the current model classes, so a column added later
may already exist when an older step ran on a fresh database: ``add_column`` tolerates that.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import peewee
from playhouse.migrate import PostgresqlMigrator, SchemaMigrator, SqliteMigrator

from desktopcrm.models.backup import automatic_backup
from desktopcrm.models.base import ChangeLog
from desktopcrm.models.calendar import Appointment, Attendee, Calendar
from desktopcrm.models.db import DatabaseLocation, database, default_backup_dir
from desktopcrm.models.defaults import CRM_MODELS, seed_defaults
from desktopcrm.models.errors import MigrationError, NewerDatabaseError
from desktopcrm.models.mail import MAIL_MODELS, create_mail_tables
from desktopcrm.models.mail_counts import MailFolderCount, create_folder_counts
from desktopcrm.models.mail_templates import MAIL_TEMPLATE_MODELS
from desktopcrm.models.notifications import NOTIFICATION_MODELS
from desktopcrm.models.saved_lists import SavedList
from desktopcrm.models.search import create_search_index
from desktopcrm.models.tasks import FiredReminder, Task
from desktopcrm.models.user import Session, User


class SchemaMeta(peewee.Model):
    """Key/value facts about the database itself: schema version, id, storage mode."""

    key = peewee.CharField(primary_key=True, max_length=64)
    value = peewee.TextField()

    class Meta:
        database = database
        table_name = "schema_meta"


log = logging.getLogger("desktopcrm.schema")

#: Tasks, calendars and reminders (schema 2).
TIME_MODELS: list[type[peewee.Model]] = [Task, FiredReminder, Calendar, Appointment, Attendee]

#: Every table of the current schema, in creation order.
ALL_MODELS: list[type[peewee.Model]] = [
    SchemaMeta,
    User,
    Session,
    ChangeLog,
    *CRM_MODELS,
    SavedList,
    *TIME_MODELS,
    *MAIL_MODELS,
    *NOTIFICATION_MODELS,
    *MAIL_TEMPLATE_MODELS,
    MailFolderCount,
]


@dataclass(frozen=True)
class Migration:
    """One step: brings a database from ``version - 1`` to ``version``."""

    version: int
    description: str
    apply: Callable[[peewee.Database], None]


def add_tables(db: peewee.Database, models: Sequence[type[peewee.Model]]) -> None:
    """Create tables (and their indexes) that do not exist yet."""
    db.create_tables(list(models), safe=True)


def add_column(db: peewee.Database, table: str, name: str, field: peewee.Field) -> None:
    """Add a column unless the table already has it."""
    if name in {c.name for c in db.get_columns(table)}:
        return
    migrator: SchemaMigrator
    if isinstance(db, peewee.PostgresqlDatabase):
        migrator = PostgresqlMigrator(db)
    else:
        migrator = SqliteMigrator(db)
    migrator.add_column(table, name, field).run()


def _initial_schema(db: peewee.Database) -> None:
    add_tables(db, [SchemaMeta, User, Session, ChangeLog])


def _crm_records(db: peewee.Database) -> None:
    add_tables(db, [*CRM_MODELS, SavedList, *TIME_MODELS])
    create_search_index(db)
    seed_defaults()


MIGRATIONS: list[Migration] = [
    Migration(1, "users, sessions and the change log", _initial_schema),
    Migration(
        2,
        "leads, contacts, deals, pipelines, custom fields, notes, tags, search, saved lists, "
        "tasks, calendars, appointments, reminders",
        _crm_records,
    ),
    Migration(
        3,
        "Gmail accounts, messages, attachments, links to records, outbox and mail search",
        create_mail_tables,
    ),
    Migration(
        4,
        "notification preferences, custom notification rules, the notification centre",
        lambda db: add_tables(db, NOTIFICATION_MODELS),
    ),
    Migration(5, "mail templates", lambda db: add_tables(db, MAIL_TEMPLATE_MODELS)),
    Migration(6, "mail folder counts kept by triggers", create_folder_counts),
]

SCHEMA_VERSION = MIGRATIONS[-1].version


def newer_database_error(where: str, version: int) -> NewerDatabaseError:
    return NewerDatabaseError(
        f"{where} was last used by a newer version of DesktopCRM (schema {version}; this "
        f"version understands up to {SCHEMA_VERSION}). It was not opened and nothing in it "
        "was changed. Install the newer DesktopCRM to open it."
    )


def get_meta(key: str, default: str | None = None) -> str | None:
    row = SchemaMeta.get_or_none(SchemaMeta.key == key)
    return row.value if row else default


def set_meta(key: str, value: str) -> None:
    """Store a fact about the database (no-op when it already has this value)."""
    if get_meta(key) == value:
        return
    with database.atomic():
        SchemaMeta.insert(key=key, value=value).on_conflict(
            conflict_target=[SchemaMeta.key], update={SchemaMeta.value: value}
        ).execute()


def read_schema_version(db: peewee.Database) -> int:
    if not db.table_exists("schema_meta"):
        return 0
    return int(get_meta("schema_version", "0") or 0)


def database_id() -> str:
    """A UUID that names this database (kept across copies, backups and restores)."""
    return get_meta("database_id") or ""


def ensure_compatible(db: peewee.Database, location: DatabaseLocation) -> int:
    version = read_schema_version(db)
    if version > SCHEMA_VERSION:
        raise newer_database_error(location.display(), version)
    return version


def upgrade(
    db: peewee.Database,
    location: DatabaseLocation,
    *,
    migrations: Sequence[Migration] = MIGRATIONS,
    backup_dir: Path | None = None,
) -> list[int]:
    """Bring the schema to the newest version; returns the versions applied.

    Args:
        migrations: the ordered steps (tests pass their own).
        backup_dir: where the pre-migration backup of a SQLite file goes.
    """
    target = migrations[-1].version
    version = read_schema_version(db)
    if version > target:
        raise newer_database_error(location.display(), version)
    if version == target:
        return []
    if version == 0 and not db.get_tables():
        with db.atomic():
            for step in migrations:
                step.apply(db)
            _stamp(target)
        log.info("created a new database at schema %d", target)
        return [step.version for step in migrations]
    if location.is_sqlite:
        assert location.path is not None
        saved = automatic_backup(
            location.path, backup_dir or default_backup_dir(), f"before-schema-{target}"
        )
        log.info("backed up %s to %s before upgrading", location.path, saved)
    applied: list[int] = []
    for step in migrations:
        if step.version <= version:
            continue
        try:
            with db.atomic():
                step.apply(db)
                _stamp(step.version)
        except Exception as exc:
            raise MigrationError(
                f"Upgrading the database to schema {step.version} ({step.description}) failed: "
                f"{exc}. The database was left at schema {step.version - 1}; a backup was "
                "taken before the upgrade. Report this problem with the log file."
            ) from exc
        applied.append(step.version)
        log.info("upgraded database to schema %d: %s", step.version, step.description)
    return applied


def _stamp(version: int) -> None:
    if not SchemaMeta.table_exists():
        SchemaMeta.create_table()
    set_meta("schema_version", str(version))
    if not get_meta("database_id"):
        set_meta("database_id", uuid.uuid4().hex)
