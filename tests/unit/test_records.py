"""The record conventions and the one write path, in every database mode."""

from __future__ import annotations

import uuid

import pytest

from desktopcrm.models import (
    ChangeLog,
    Profile,
    StaleRecordError,
    User,
    acting_as,
    write_transaction,
)
from desktopcrm.services.workspace import Workspace


def log_for(record: User) -> list[ChangeLog]:
    return list(ChangeLog.select().where(ChangeLog.row_id == record.id).order_by(ChangeLog.seq))


def test_new_record_gets_uuid_timestamps_version_and_insert_log(any_database: Workspace) -> None:
    user = User(name="Ana Souza", email="ana@example.com")
    assert user.is_new
    user.save()
    assert isinstance(user.id, uuid.UUID)
    assert user.version == 1
    assert user.created_at == user.updated_at
    stored = User.get_by_id(user.id)
    assert stored.name == "Ana Souza" and stored.version == 1 and stored.deleted_at is None
    [entry] = log_for(user)
    assert entry.table_name == "users"
    assert entry.operation == "insert"
    assert entry.version == 1
    assert entry.changed["name"] == "Ana Souza"
    assert entry.user_id == any_database.user.id


def test_update_bumps_version_and_logs_old_and_new_values(any_database: Workspace) -> None:
    user = User(name="Jan Kowalski")
    user.save()
    user.name = "Jan Nowak"
    user.profile = Profile.MANAGER.value
    assert user.save() == 1
    assert user.version == 2
    assert User.get_by_id(user.id).name == "Jan Nowak"
    entry = log_for(user)[-1]
    assert entry.operation == "update"
    assert entry.version == 2
    assert entry.changed == {"name": ["Jan Kowalski", "Jan Nowak"], "profile": ["user", "manager"]}


def test_saving_unchanged_values_writes_nothing(any_database: Workspace) -> None:
    user = User(name="Olga")
    user.save()
    user.name = "Olga"
    assert user.save() == 0
    assert user.version == 1
    assert len(log_for(user)) == 1


def test_stale_update_of_the_same_field_is_refused_and_names_the_other_writer(
    any_database: Workspace,
) -> None:
    boss = User(name="Marta Puig", profile=Profile.ADMIN.value)
    boss.save()
    mine = User(name="Contact owner")
    mine.save()
    theirs = User.get_by_id(mine.id)
    with acting_as(boss.id):
        theirs.email = "owner@example.com"
        theirs.save()
    mine.email = "mine@example.com"
    with pytest.raises(StaleRecordError) as caught:
        mine.save()
    error = caught.value
    assert error.changed_by == "Marta Puig"
    assert error.changed_fields == ("email",)
    assert error.expected_version == 1
    assert error.current["version"] == 2
    assert "Marta Puig" in str(error) and "not saved" in str(error)
    stored = User.get_by_id(mine.id)
    assert stored.email == "owner@example.com"
    assert [e.operation for e in log_for(mine)] == ["insert", "update"]


def test_stale_update_of_other_fields_merges_without_losing_either_change(
    any_database: Workspace,
) -> None:
    mine = User(name="Contact owner")
    mine.save()
    theirs = User.get_by_id(mine.id)
    theirs.email = "owner@example.com"
    theirs.save()
    mine.name = "New name"
    assert mine.save() == 1
    stored = User.get_by_id(mine.id)
    assert (stored.name, stored.email, stored.version) == ("New name", "owner@example.com", 3)
    assert (mine.email, mine.version) == ("owner@example.com", 3)
    entry = log_for(mine)[-1]
    assert (entry.version, entry.changed) == (3, {"name": ["Contact owner", "New name"]})


def test_update_of_a_record_deleted_meanwhile_is_refused(any_database: Workspace) -> None:
    mine = User(name="Soon gone")
    mine.save()
    User.get_by_id(mine.id).delete_instance()
    mine.name = "Edited"
    with pytest.raises(StaleRecordError, match="deleted"):
        mine.save()


def test_stale_delete_is_refused(any_database: Workspace) -> None:
    user = User(name="Old copy")
    user.save()
    fresh = User.get_by_id(user.id)
    fresh.name = "New name"
    fresh.save()
    with pytest.raises(StaleRecordError):
        user.delete_instance()
    assert User.get_by_id(user.id).deleted_at is None


def test_soft_delete_restore_and_purge(any_database: Workspace) -> None:
    user = User(name="Temp")
    user.save()
    user.delete_instance()
    assert user.is_deleted and user.version == 2
    assert User.live().where(User.id == user.id).count() == 0
    assert User.select().where(User.id == user.id).count() == 1
    user.restore()
    assert User.live().where(User.id == user.id).count() == 1
    user.purge()
    assert User.select().where(User.id == user.id).count() == 0
    assert [e.operation for e in log_for(user)] == ["insert", "delete", "restore", "purge"]


def test_change_and_its_log_roll_back_together(any_database: Workspace) -> None:
    before = ChangeLog.last_seq()
    with pytest.raises(RuntimeError), write_transaction():
        User(name="Never saved").save()
        raise RuntimeError("boom")
    assert User.select().where(User.name == "Never saved").count() == 0
    assert ChangeLog.last_seq() == before


def test_change_log_sequence_only_grows(any_database: Workspace) -> None:
    start = ChangeLog.last_seq()
    users = [User(name=f"User {i}") for i in range(5)]
    for user in users:
        user.save()
    entries = ChangeLog.after(start)
    assert [e.row_id for e in entries] == [u.id for u in users]
    seqs = [e.seq for e in entries]
    assert seqs == sorted(seqs) and len(set(seqs)) == 5
