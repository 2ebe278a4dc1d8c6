"""Tags: case-insensitive names, changes logged on the record, search re-indexed, admin rename."""

from __future__ import annotations

import uuid
from typing import Any

import peewee
import pytest

from desktopcrm.models import ChangeLog, Profile, User, database
from desktopcrm.models.attachments import RecordTag, Tag
from desktopcrm.models.records import Contact, Lead, LeadStatus
from desktopcrm.models.search import SearchEntry
from desktopcrm.services import search
from desktopcrm.services import tags as tag_service
from desktopcrm.services.errors import PermissionDenied, ValidationError
from desktopcrm.services.workspace import Workspace


def make_lead(name: str = "Ada") -> Lead:
    lead = Lead(first_name=name, status=LeadStatus.select().first())
    lead.save()
    search.index_record(lead)
    return lead


def tag_log(record_id: uuid.UUID) -> list[Any]:
    rows = ChangeLog.select().where(ChangeLog.row_id == record_id).order_by(ChangeLog.seq)
    return [row.changed["tags"] for row in rows if "tags" in row.changed]


def indexed_text(record_id: uuid.UUID) -> str:
    """The words the search index holds for a record (FTS5 row or tsvector)."""
    entry = SearchEntry.get(SearchEntry.record_id == record_id)
    db = database.obj
    if isinstance(db, peewee.PostgresqlDatabase):
        sql = "SELECT tsv::text FROM search_entry WHERE id = %s"
    else:
        sql = "SELECT title || ' ' || body FROM search_fts WHERE rowid = ?"
    return str(db.execute_sql(sql, (entry.id,)).fetchone()[0])


def test_set_add_remove_with_change_log(any_database: Workspace) -> None:
    lead = make_lead()
    assert tag_service.set_tags(lead, ["  VIP ", "fair 2025", "vip"]) == ["fair 2025", "VIP"]
    assert tag_service.tags_of(lead.id) == ["fair 2025", "VIP"]
    assert tag_service.add_tags(lead, ["Hot", "FAIR 2025"]) == ["fair 2025", "Hot", "VIP"]
    assert tag_service.remove_tags(lead, ["vip", "unknown"]) == ["fair 2025", "Hot"]
    assert tag_service.set_tags(lead, ["Hot", "fair 2025"]) == ["fair 2025", "Hot"]
    assert tag_log(lead.id) == [
        [[], ["fair 2025", "VIP"]],
        [["fair 2025", "VIP"], ["fair 2025", "Hot", "VIP"]],
        [["fair 2025", "Hot", "VIP"], ["fair 2025", "Hot"]],
    ]
    entry = ChangeLog.select().where(ChangeLog.row_id == lead.id).order_by(ChangeLog.seq.desc())
    assert entry.first().table_name == "lead" and entry.first().user_id == any_database.user.id
    assert Tag.select().count() == 3  # VIP stays as a tag, just not on the lead
    assert RecordTag.select().where(RecordTag.record_id == lead.id).count() == 2
    assert {link.record_type for link in RecordTag.select()} == {"lead"}


def test_names_are_checked(workspace: Workspace) -> None:
    lead = make_lead()
    with pytest.raises(ValidationError, match="needs a name") as err:
        tag_service.set_tags(lead, ["ok", "  "])
    assert err.value.field == "tags"
    with pytest.raises(ValidationError, match="at most 100 characters"):
        tag_service.add_tags(lead, ["x" * 101])
    assert tag_service.tags_of(lead.id) == []
    assert tag_service.add_tags(lead, ["x" * 100]) == ["x" * 100]


def test_existing_tag_is_reused_whatever_the_case(workspace: Workspace) -> None:
    first, second = make_lead("A"), make_lead("B")
    tag_service.set_tags(first, ["Trade Fair"])
    assert tag_service.set_tags(second, ["trade   fair"]) == ["Trade Fair"]
    assert [t.name for t in tag_service.all_tags()] == ["Trade Fair"]
    assert tag_service.tags_of_many([first.id, second.id, uuid.uuid4()]) == {
        first.id: ["Trade Fair"],
        second.id: ["Trade Fair"],
    }


def test_tags_are_searchable_after_a_change(any_database: Workspace) -> None:
    lead = make_lead()
    tag_service.add_tags(lead, ["Zebrafish"])
    entry = SearchEntry.get(SearchEntry.record_id == lead.id)
    assert entry.kind == "lead"
    assert "zebrafish" in indexed_text(lead.id)
    tag_service.remove_tags(lead, ["zebrafish"])
    assert "zebrafish" not in indexed_text(lead.id)


def test_rename_is_admin_only_and_refuses_taken_names(any_database: Workspace) -> None:
    admin = any_database.user
    lead = make_lead()
    tag_service.set_tags(lead, ["Hot", "Cold"])
    hot = Tag.get(Tag.key == "hot")
    user = User(name="Bob", profile=Profile.USER.value)
    user.save()
    with pytest.raises(PermissionDenied):
        tag_service.rename_tag(user, hot, "Warm")
    with pytest.raises(ValidationError, match="Merge the two tags"):
        tag_service.rename_tag(admin, hot, "cold")
    tag_service.rename_tag(admin, hot, "Burning")
    assert tag_service.tags_of(lead.id) == ["Burning", "Cold"]
    assert Tag.get_by_id(hot.id).key == "burning"
    assert "burning" in indexed_text(lead.id)


def test_merge_tags(workspace: Workspace) -> None:
    admin = workspace.user
    both, one = make_lead("Both"), make_lead("One")
    tag_service.set_tags(both, ["VIP", "Important"])
    tag_service.set_tags(one, ["Important"])
    important, vip = Tag.get(Tag.key == "important"), Tag.get(Tag.key == "vip")
    with pytest.raises(PermissionDenied):
        tag_service.merge_tags(_user(), important, vip)
    assert tag_service.merge_tags(admin, important, vip) == 2
    assert tag_service.tags_of(both.id) == ["VIP"]
    assert tag_service.tags_of(one.id) == ["VIP"]
    assert Tag.get_by_id(important.id).deleted_at is not None
    assert tag_log(one.id)[-1] == [["Important"], ["VIP"]]
    # A deleted tag's name can be used again: the tag comes back.
    tag_service.add_tags(one, ["important"])
    assert Tag.get_by_id(important.id).deleted_at is None


def _user() -> User:
    user = User(name="Bob", profile=Profile.USER.value)
    user.save()
    return user


def test_move_tags_for_conversion(any_database: Workspace) -> None:
    lead = make_lead()
    contact = Contact(name="Ada Lovelace")
    contact.save()
    tag_service.set_tags(lead, ["Fair", "VIP"])
    tag_service.set_tags(contact, ["vip", "Customer"])
    assert tag_service.move_tags(lead.id, contact) == ["Customer", "Fair", "VIP"]
    assert tag_service.tags_of(lead.id) == []
    assert tag_log(contact.id)[-1] == [["Customer", "VIP"], ["Customer", "Fair", "VIP"]]
    assert tag_log(lead.id)[-1] == [["Fair", "VIP"], []]
    assert tag_service.move_tags(lead.id, contact) == ["Customer", "Fair", "VIP"]
