"""Opening files: modes and their settings, refusing what is not ours, migrations, backups."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from pathlib import Path

import peewee
import pytest

from desktopcrm.models import (
    SCHEMA_VERSION,
    DatabaseMode,
    MigrationError,
    NewerDatabaseError,
    NotADatabaseError,
    User,
    close_database,
    database,
    open_database,
    resolve_location,
    schema,
    write_transaction,
)
from desktopcrm.models import backup as backups
from desktopcrm.models import db as dbmodule
from desktopcrm.models.errors import CorruptDatabaseError, DatabaseError


def fingerprint(path: Path) -> tuple[str, int]:
    """The file's bytes, and the bytes in its write-ahead log (a WAL-mode file opened read-only
    may get an empty -wal beside it: SQLite's own bookkeeping, holding nothing)."""
    wal = path.with_name(path.name + "-wal")
    return hashlib.sha256(path.read_bytes()).hexdigest(), wal.stat().st_size if wal.exists() else 0


def make_database(path: Path) -> None:
    open_database(resolve_location(path))
    User(name="Someone").save()
    close_database()


def pragma(name: str) -> object:
    return database.execute_sql(f"PRAGMA {name}").fetchone()[0]


# -- where and how ---------------------------------------------------------------------------


def test_default_location_is_in_the_user_data_folder(isolated_user_dirs: Path) -> None:
    location = resolve_location()
    assert location.mode is DatabaseMode.LOCAL
    assert location.path == isolated_user_dirs / "data" / "DesktopCRM" / "desktopcrm.sqlite"


def test_environment_variable_names_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DESKTOPCRM_DATABASE", str(tmp_path / "office.sqlite"))
    assert resolve_location().path == tmp_path / "office.sqlite"
    assert resolve_location(tmp_path / "other.sqlite").path == tmp_path / "other.sqlite"


def test_url_selects_postgresql_and_hides_the_password() -> None:
    location = resolve_location("postgresql://crm:s3cret@db.office.lan:5433/crm")
    assert location.mode is DatabaseMode.POSTGRESQL
    assert "s3cret" not in location.display()
    assert location.display() == "postgresql://crm@db.office.lan:5433/crm"


def test_local_mode_uses_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    open_database(resolve_location(tmp_path / "crm.sqlite"))
    try:
        assert pragma("journal_mode") == "wal"
        assert pragma("foreign_keys") == 1
        assert pragma("busy_timeout") == 5000
    finally:
        close_database()


def test_write_transactions_take_the_write_lock_at_begin(tmp_path: Path) -> None:
    path = tmp_path / "crm.sqlite"
    open_database(resolve_location(path))
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        # Nothing written yet, but BEGIN IMMEDIATE already holds the write lock.
        with write_transaction(), pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    finally:
        other.close()
        close_database()


def test_shared_mode_uses_a_rollback_journal_and_is_remembered(tmp_path: Path) -> None:
    path = tmp_path / "office.sqlite"
    make_database(path)  # created in local (WAL) mode
    location = resolve_location(path, shared=True)
    assert location.mode is DatabaseMode.SHARED
    open_database(location)
    try:
        assert pragma("journal_mode") == "delete"
        assert pragma("busy_timeout") == 20000
    finally:
        close_database()
    again = resolve_location(path)
    assert again.mode is DatabaseMode.SHARED
    assert again.reason == "the database is marked as shared"
    assert resolve_location(path, shared=False).mode is DatabaseMode.LOCAL


def test_shared_mode_by_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESKTOPCRM_SHARED_FILE", "1")
    assert resolve_location(tmp_path / "x.sqlite").mode is DatabaseMode.SHARED


def test_network_file_system_selects_shared_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    share = tmp_path / "share"
    share.mkdir()
    real_mounts = dbmodule._read_mounts()
    monkeypatch.setattr(
        dbmodule, "_read_mounts", lambda: [*real_mounts, (str(share.resolve()), "cifs")]
    )
    location = resolve_location(share / "office.sqlite")
    assert location.mode is DatabaseMode.SHARED
    assert "network file system (cifs)" in location.reason
    assert resolve_location(tmp_path / "local.sqlite").mode is DatabaseMode.LOCAL


def test_this_machines_disk_is_not_a_network_file_system(tmp_path: Path) -> None:
    fstype = dbmodule.filesystem_type(tmp_path)
    assert fstype
    assert not dbmodule.is_network_filesystem(fstype)
    assert dbmodule.is_network_filesystem("nfs4")
    assert dbmodule.is_network_filesystem("fuse.sshfs")


@pytest.mark.parametrize(
    ("folder", "service"),
    [
        ("Dropbox", "Dropbox"),
        ("OneDrive - Acme Ltd", "OneDrive"),
        ("Google Drive", "Google Drive"),
        ("iCloud Drive", "iCloud Drive"),
    ],
)
def test_cloud_sync_folders_get_a_loud_warning(tmp_path: Path, folder: str, service: str) -> None:
    location = resolve_location(tmp_path / folder / "crm" / "crm.sqlite")
    assert len(location.warnings) == 1
    assert service in location.warnings[0]
    assert "corrupt" in location.warnings[0]
    assert resolve_location(tmp_path / "Documents" / "crm.sqlite").warnings == ()


# -- refusing what is not ours -----------------------------------------------------------------


def test_a_text_file_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_text("these are my notes, not a database\n")
    before = fingerprint(path)
    with pytest.raises(NotADatabaseError, match="not a DesktopCRM database"):
        open_database(resolve_location(path))
    assert fingerprint(path) == before


def test_another_programs_sqlite_file_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "places.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
    conn.commit()
    conn.close()
    before = fingerprint(path)
    with pytest.raises(NotADatabaseError, match="another program"):
        open_database(resolve_location(path))
    assert fingerprint(path) == before


def test_a_damaged_file_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "crm.sqlite"
    make_database(path)
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # the schema page
    path.write_bytes(bytes(data))
    before = fingerprint(path)
    with pytest.raises(CorruptDatabaseError, match="Restore it from a backup"):
        open_database(resolve_location(path))
    assert fingerprint(path) == before


def test_a_newer_database_is_refused_byte_for_byte_untouched(tmp_path: Path) -> None:
    path = tmp_path / "crm.sqlite"
    make_database(path)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=delete")
    conn.execute(
        "UPDATE schema_meta SET value = ? WHERE key = 'schema_version'", (SCHEMA_VERSION + 5,)
    )
    conn.commit()
    conn.close()
    before = fingerprint(path)
    with pytest.raises(NewerDatabaseError) as caught:
        open_database(resolve_location(path))
    assert "newer version of DesktopCRM" in str(caught.value)
    assert "nothing in it was changed" in str(caught.value)
    assert fingerprint(path) == before


def test_newer_postgresql_database_is_refused(pg_url: str) -> None:
    open_database(resolve_location(pg_url))
    schema.set_meta("schema_version", str(SCHEMA_VERSION + 1))
    close_database()
    with pytest.raises(NewerDatabaseError):
        open_database(resolve_location(pg_url))


def test_an_empty_file_becomes_a_new_database(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite"
    path.touch()
    open_database(resolve_location(path))
    try:
        assert schema.read_schema_version(database.obj) == SCHEMA_VERSION
        assert len(schema.database_id()) == 32
    finally:
        close_database()


def test_missing_file_is_not_created_when_creation_is_off(tmp_path: Path) -> None:
    with pytest.raises(NotADatabaseError, match="There is no database"):
        open_database(resolve_location(tmp_path / "missing.sqlite"), create=False)
    assert not (tmp_path / "missing.sqlite").exists()


def test_unreachable_postgresql_server_gets_a_plain_message() -> None:
    url = "postgresql://nobody@127.0.0.1:1/nothing?connect_timeout=2"
    with pytest.raises(DatabaseError, match="Could not connect"):
        open_database(resolve_location(url))


# -- migrations -------------------------------------------------------------------------------


class Widget(peewee.Model):
    name = peewee.CharField()

    class Meta:
        database = database
        table_name = "widget"


def step_add_widget(db: peewee.Database) -> None:
    schema.add_tables(db, [Widget])
    schema.add_column(db, "users", "nickname", peewee.CharField(null=True))


def step_that_fails(db: peewee.Database) -> None:
    db.execute_sql("CREATE TABLE half_done (id INTEGER)")
    raise RuntimeError("disk on fire")


def upgrade_with(path: Path, backup_dir: Path, steps: list[schema.Migration]) -> list[int]:
    location = resolve_location(path)
    db = dbmodule.make_database(location)
    db.connect()
    database.initialize(db)
    try:
        return schema.upgrade(db, location, migrations=steps, backup_dir=backup_dir)
    finally:
        db.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migrations_run_in_order_after_a_backup_and_each_is_atomic(
    tmp_path: Path, request: pytest.FixtureRequest, backend: str
) -> None:
    spec = tmp_path / "crm.sqlite" if backend == "sqlite" else request.getfixturevalue("pg_url")
    location = resolve_location(spec)
    open_database(location)
    User(name="Kept").save()
    close_database()
    base = schema.MIGRATIONS
    v = SCHEMA_VERSION
    steps = [
        *base,
        schema.Migration(v + 1, "widgets", step_add_widget),
        schema.Migration(v + 2, "broken", step_that_fails),
    ]
    db = dbmodule.make_database(location)
    database.initialize(db)
    backup_dir = tmp_path / "backups"
    with pytest.raises(MigrationError) as caught:
        schema.upgrade(db, location, migrations=steps, backup_dir=backup_dir)
    assert f"left at schema {v + 1}" in str(caught.value)
    assert schema.read_schema_version(db) == v + 1
    assert db.table_exists("widget")
    assert "nickname" in {c.name for c in db.get_columns("users")}
    assert not db.table_exists("half_done")  # the failed step left nothing behind
    assert User.select().where(User.name == "Kept").count() == 1
    if backend == "sqlite":
        [saved] = backups.list_backups(backup_dir)
        conn = sqlite3.connect(saved)
        assert conn.execute("SELECT value FROM schema_meta WHERE key='schema_version'").fetchone()[
            0
        ] == str(v)
        assert conn.execute("SELECT name FROM users WHERE name='Kept'").fetchone()
        conn.close()
    # Fixing the step and running again applies only what is missing.
    steps[-1] = schema.Migration(v + 2, "fixed", lambda db: None)
    assert schema.upgrade(db, location, migrations=steps, backup_dir=backup_dir) == [v + 2]
    assert schema.upgrade(db, location, migrations=steps, backup_dir=backup_dir) == []
    db.close()
    close_database()


def test_a_fresh_database_is_created_at_the_latest_shape_without_a_backup(tmp_path: Path) -> None:
    steps = [*schema.MIGRATIONS, schema.Migration(SCHEMA_VERSION + 1, "widgets", step_add_widget)]
    applied = upgrade_with(tmp_path / "new.sqlite", tmp_path / "backups", steps)
    assert applied == list(range(1, SCHEMA_VERSION + 2))
    assert not (tmp_path / "backups").exists()


# -- backups ----------------------------------------------------------------------------------


def test_backup_while_another_thread_writes_and_restore(tmp_path: Path) -> None:
    path = tmp_path / "crm.sqlite"
    open_database(resolve_location(path))
    for i in range(20):
        User(name=f"Before {i}").save()
    stop = threading.Event()

    def writer() -> None:
        while not stop.is_set():
            User(name="During").save()
        database.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        saved = backups.backup_file(path, tmp_path / "copy.sqlite")
    finally:
        stop.set()
        thread.join()
    close_database()
    conn = sqlite3.connect(saved)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT COUNT(*) FROM users WHERE name LIKE 'Before%'").fetchone()[0] == 20
    conn.close()
    # Restore puts the backup's content back and keeps what it replaced.
    replaced = backups.restore_file(saved, path, tmp_path / "backups", SCHEMA_VERSION)
    assert replaced is not None and replaced.exists()
    open_database(resolve_location(path))
    try:
        assert User.select().where(User.name == "Before 0").count() == 1
    finally:
        close_database()


def test_backups_rotate(tmp_path: Path) -> None:
    path = tmp_path / "crm.sqlite"
    make_database(path)
    for _ in range(4):
        backups.automatic_backup(path, tmp_path / "b", "manual", keep=3)
    assert len(backups.list_backups(tmp_path / "b")) == 3


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "crm.sqlite"
    make_database(path)
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"junk" * 100)
    before = fingerprint(path)
    with pytest.raises(DatabaseError, match="not a DesktopCRM backup"):
        backups.restore_file(junk, path, tmp_path / "b", SCHEMA_VERSION)
    assert fingerprint(path) == before
