"""Smart lists (saved filters) and the list screens' bulk actions, through the services."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from desktopcrm.models import ChangeLog, Profile, StaleRecordError, User
from desktopcrm.models.records import Contact, Deal, Lead, LossReason, Stage, StageKind
from desktopcrm.models.saved_lists import SavedList
from desktopcrm.services import bulk_actions, contacts, deals, leads, saved_lists, users
from desktopcrm.services.errors import PermissionDenied, ValidationError
from desktopcrm.services.lists import Filter, ListQuery, ListSpec, SortKey
from desktopcrm.services.search import search
from desktopcrm.services.tags import tags_of
from desktopcrm.services.workspace import Workspace


def person(actor: User, first: str, last: str, **fields: Any) -> Contact:
    return contacts.create_person(
        actor, first_name=first, last_name=last, check_duplicates=False, **fields
    )


# --------------------------------------------------------------------------- smart lists


def test_a_saved_list_keeps_its_spec_and_is_logged(workspace: Workspace) -> None:
    admin = workspace.user
    owner_id = uuid.uuid4()
    spec = ListSpec(
        "person",
        filters=(
            Filter("city", "eq", "Berlin"),
            Filter("owner", "in", [owner_id]),
            Filter("created_at", "between", (dt.date(2024, 1, 1), dt.date(2024, 12, 31))),
            Filter("tags", "has_any", ["VIP"]),
        ),
        sort=(SortKey("name", descending=True),),
        search_text="ann",
        columns=("name", "email", "tags"),
    )
    before = ChangeLog.last_seq()
    saved = saved_lists.save_list(admin, "  Berlin   VIPs ", spec, shared=True)
    assert saved.name == "Berlin VIPs"
    loaded = saved_lists.spec_of(SavedList.get_by_id(saved.id))
    assert loaded.kind == "person"
    assert loaded.filters[0] == Filter("city", "eq", "Berlin")
    assert loaded.filters[1] == Filter("owner", "in", (str(owner_id),))
    assert loaded.filters[2] == Filter("created_at", "between", ("2024-01-01", "2024-12-31"))
    assert loaded.sort == (SortKey("name", True),)
    assert loaded.search_text == "ann"
    assert loaded.columns == ("name", "email", "tags")
    ListQuery(admin, loaded).rows_at(0, 10)  # the engine accepts what was stored
    log = ChangeLog.after(before)
    assert [(c.table_name, c.operation, c.user_id) for c in log] == [
        ("saved_list", "insert", admin.id)
    ]


def test_smart_lists_are_per_user_unless_shared(workspace: Workspace) -> None:
    admin = workspace.user
    bea = users.create_user(admin, "Bea", profile=Profile.USER)
    mine = saved_lists.save_list(admin, "Mine", ListSpec("lead"))
    shared = saved_lists.save_list(admin, "Team", ListSpec("lead"), shared=True)
    saved_lists.save_list(admin, "Deals", ListSpec("deal"))
    own = saved_lists.save_list(bea, "Bea's", ListSpec("lead"))
    assert [s.name for s in saved_lists.saved_lists(admin, "lead")] == ["Mine", "Team"]
    assert [s.name for s in saved_lists.saved_lists(bea, "lead")] == ["Bea's", "Team"]
    assert saved_lists.get_saved_list(bea, shared.id).name == "Team"
    with pytest.raises(PermissionDenied):
        saved_lists.get_saved_list(bea, mine.id)
    with pytest.raises(PermissionDenied, match="belongs to someone else"):
        saved_lists.rename_list(bea, SavedList.get_by_id(shared.id), "Mine now")
    saved_lists.rename_list(admin, SavedList.get_by_id(own.id), "Renamed by admin")
    assert SavedList.get_by_id(own.id).name == "Renamed by admin"


def test_rename_update_delete_and_name_rules(workspace: Workspace) -> None:
    admin = workspace.user
    first = saved_lists.save_list(admin, "Hot", ListSpec("lead"))
    with pytest.raises(ValidationError, match="already have"):
        saved_lists.save_list(admin, "Hot", ListSpec("lead"))
    with pytest.raises(ValidationError, match="name"):
        saved_lists.save_list(admin, "   ", ListSpec("lead"))
    saved_lists.save_list(admin, "Hot", ListSpec("deal"))  # another kind: no clash
    saved_lists.rename_list(admin, first, "Hot leads")
    saved_lists.update_list(
        admin, first, spec=ListSpec("lead", filters=(Filter("priority", "eq", "A"),))
    )
    fresh = SavedList.get_by_id(first.id)
    assert fresh.name == "Hot leads" and fresh.version == 3
    assert saved_lists.spec_of(fresh).filters == (Filter("priority", "eq", "A"),)
    stale = SavedList.get_by_id(first.id)
    saved_lists.rename_list(admin, fresh, "Warm")
    with pytest.raises(StaleRecordError):
        saved_lists.rename_list(admin, stale, "Cold")
    saved_lists.delete_list(admin, SavedList.get_by_id(first.id))
    assert [s.name for s in saved_lists.saved_lists(admin, "lead")] == []


# --------------------------------------------------------------------------- bulk actions


def test_bulk_assign_tag_and_refusals(workspace: Workspace) -> None:
    admin = workspace.user
    manager = users.create_user(admin, "Mia Manager", profile=Profile.MANAGER)
    report = users.create_user(admin, "Rui Report", profile=Profile.USER)
    report.reports_to = manager.id
    report.save()
    stranger = users.create_user(admin, "Sara Stranger", profile=Profile.USER)
    ann = person(admin, "Ann", "A", owner=manager)
    bob = person(admin, "Bob", "B", owner=stranger)
    ids = [ann.id, bob.id]

    result = bulk_actions.assign_owner(manager, "person", ids, report)
    assert result.done == [ann.id]
    assert [name for name, _ in result.refused] == ["Bob B"]
    assert "outside your team" in result.refused[0][1]
    assert Contact.get_by_id(ann.id).owner_id == report.id
    assert Contact.get_by_id(bob.id).owner_id == stranger.id

    seen: list[tuple[int, int]] = []
    result = bulk_actions.add_tags(
        admin, "person", ids, ["VIP", "Fair"], progress=lambda d, t: seen.append((d, t))
    )
    assert result.done == ids and seen[-1] == (2, 2)
    assert tags_of(ann.id) == ["Fair", "VIP"]
    result = bulk_actions.remove_tags(admin, "person", ids, ["vip"])
    assert tags_of(bob.id) == ["Fair"]
    with pytest.raises(ValidationError):
        bulk_actions.add_tags(admin, "person", ids, [])


def test_bulk_lead_status_and_deal_stage(workspace: Workspace) -> None:
    admin = workspace.user
    a = leads.create_lead(admin, last_name="Alpha", check_duplicates=False)
    b = leads.create_lead(admin, last_name="Beta", check_duplicates=False)
    working = next(s for s in leads.lead_statuses() if s.kind == "working")
    result = bulk_actions.set_lead_status(admin, [a.id, b.id], working)
    assert len(result.done) == 2
    assert {lead.status_id for lead in Lead.select()} == {working.id}

    d1 = deals.create_deal(admin, "One", 10)
    d2 = deals.create_deal(admin, "Two", 20)
    lost = Stage.get(Stage.kind == StageKind.LOST.value, Stage.pipeline == d1.pipeline_id)
    result = bulk_actions.move_deals(admin, [d1.id, d2.id], lost)
    assert result.done == [] and len(result.refused) == 2
    assert "Choose why" in result.refused[0][1]
    reason = LossReason.get(LossReason.kind == "lost")
    result = bulk_actions.move_deals(admin, [d1.id, d2.id], lost, reason, "Too pricey")
    assert len(result.done) == 2
    moved = Deal.get_by_id(d1.id)
    assert (moved.stage_id, moved.loss_reason_id, moved.loss_note) == (
        lost.id,
        reason.id,
        "Too pricey",
    )
    assert moved.closed_at is not None


def test_bulk_delete_and_restore(workspace: Workspace) -> None:
    admin = workspace.user
    acme = contacts.create_company(admin, "Acme Zebra", check_duplicates=False)
    ann = person(admin, "Ann", "Zebra", company=acme)
    deal = deals.create_deal(admin, "Zebra deal", 5, primary_contact=ann)
    assert Contact.get_by_id(ann.id).prospect_status == "current"
    result = bulk_actions.delete_records(admin, "deal", [deal.id])
    assert result.done == [deal.id]
    assert Deal.get_by_id(deal.id).deleted_at is not None
    assert Contact.get_by_id(ann.id).prospect_status == "non_prospect"
    result = bulk_actions.restore_records(admin, "deal", result.done)
    assert result.done == [deal.id]
    assert Deal.get_by_id(deal.id).deleted_at is None
    assert Contact.get_by_id(ann.id).prospect_status == "current"
    assert Contact.get_by_id(acme.id).prospect_status == "current"

    result = bulk_actions.delete_records(admin, "person", [ann.id])
    assert not any(hit.record_id == ann.id for hit in search(admin, "Zebra"))
    bulk_actions.restore_records(admin, "person", result.done)
    assert any(hit.record_id == ann.id for hit in search(admin, "Zebra"))
    again = bulk_actions.restore_records(admin, "person", [ann.id])
    assert again.done == [] and again.refused == [(str(ann.id), "It no longer exists.")]
