"""Leads: create, edit, statuses, ABC priority, read-only after conversion, admin-only statuses."""

from __future__ import annotations

import datetime as dt

import pytest

from desktopcrm.models import ChangeLog, StaleRecordError, utcnow
from desktopcrm.models.custom_fields import FieldType
from desktopcrm.models.records import Lead, LeadStatus, LeadStatusKind, RecordKind
from desktopcrm.models.search import SearchEntry
from desktopcrm.services import custom_fields, leads, tags
from desktopcrm.services.errors import PermissionDenied, ServiceError, ValidationError
from desktopcrm.services.records import DuplicatesFound
from desktopcrm.services.workspace import Workspace
from tests.unit.test_visibility import Team, make_team


@pytest.fixture
def team(workspace: Workspace) -> Team:
    return make_team(workspace.user)


def log_of(record_id: object) -> list[ChangeLog]:
    return list(ChangeLog.select().where(ChangeLog.row_id == record_id).order_by(ChangeLog.seq))


def status(name: str) -> LeadStatus:
    return LeadStatus.live().where(LeadStatus.name == name).get()


def test_new_lead_starts_new_owned_by_its_creator_logged_and_searchable(
    any_database: Workspace,
) -> None:
    team = make_team(any_database.user)
    lead = leads.create_lead(
        team.rep, first_name=" Giulia ", last_name="Bianchi", email="giulia@example.it"
    )
    stored = Lead.get_by_id(lead.id)
    assert stored.first_name == "Giulia"
    assert stored.status_id == leads.status_of_kind(LeadStatusKind.NEW).id
    assert stored.owner_id == team.rep.id
    assert stored.priority is None
    [entry] = log_of(lead.id)
    assert entry.operation == "insert" and entry.user_id == team.rep.id
    assert SearchEntry.get(SearchEntry.record_id == lead.id).title == "Giulia Bianchi"

    leads.update_lead(team.rep, lead, priority="a", city="Torino")
    assert Lead.get_by_id(lead.id).priority == "A"
    assert log_of(lead.id)[-1].changed == {"city": ["", "Torino"], "priority": [None, "A"]}


def test_a_lead_needs_a_name_or_a_company(team: Team) -> None:
    with pytest.raises(ValidationError, match="name or a company"):
        leads.create_lead(team.rep, email="x@example.com")
    lead = leads.create_lead(team.rep, company_name="ACME")
    with pytest.raises(ValidationError, match="name or a company"):
        leads.update_lead(team.rep, lead, company_name="")
    assert Lead.get_by_id(lead.id).company_name == "ACME"
    assert lead.company_name == "ACME"  # the object is restored after the refusal


def test_priority_is_a_b_c_or_none(team: Team) -> None:
    lead = leads.create_lead(team.rep, last_name="Rossi", priority="b")
    assert lead.priority == "B"
    leads.set_priority(team.rep, lead, None)
    assert Lead.get_by_id(lead.id).priority is None
    for bad in ("D", "hot", 1):
        with pytest.raises(ValidationError, match="not a priority") as caught:
            leads.set_priority(team.rep, lead, bad)  # type: ignore[arg-type]
        assert caught.value.field == "priority"


def test_unknown_and_read_only_fields_are_refused(team: Team) -> None:
    lead = leads.create_lead(team.rep, last_name="Rossi")
    for name in ("converted_at", "status", "version", "nickname"):
        with pytest.raises(ValidationError, match="not a field you can set"):
            leads.update_lead(team.rep, lead, **{name: None})


def test_owner_follows_the_assignment_rules(team: Team) -> None:
    with pytest.raises(PermissionDenied, match="cannot assign"):
        leads.create_lead(team.rep, last_name="Rossi", owner=team.rep2)
    lead = leads.create_lead(team.manager, last_name="Rossi", owner=team.rep2)
    assert lead.owner_id == team.rep2.id
    with pytest.raises(PermissionDenied):
        leads.update_lead(team.rep2, lead, owner=team.rep)
    leads.update_lead(team.manager, lead, owner=team.rep)
    assert Lead.get_by_id(lead.id).owner_id == team.rep.id
    assert not Lead.select().where(Lead.owner == team.outsider.id).exists()


def test_others_cannot_edit_or_delete(team: Team) -> None:
    lead = leads.create_lead(team.rep, last_name="Rossi")
    with pytest.raises(PermissionDenied):
        leads.update_lead(team.outsider, lead, city="Roma")
    with pytest.raises(PermissionDenied):
        leads.set_lead_status(team.rep2, lead, status("Working"))
    with pytest.raises(PermissionDenied):
        leads.delete_lead(team.outsider, lead)
    with pytest.raises(PermissionDenied):
        leads.get_lead(team.rep2, lead.id)
    assert leads.get_lead(team.manager, lead.id).id == lead.id
    assert Lead.get_by_id(lead.id).version == 1


def test_a_stale_copy_is_refused(any_database: Workspace) -> None:
    team = make_team(any_database.user)
    lead = leads.create_lead(team.rep, last_name="Rossi")
    theirs = Lead.get_by_id(lead.id)
    leads.update_lead(team.manager, theirs, city="Milano")
    with pytest.raises(StaleRecordError, match="Marta Manager"):
        leads.update_lead(team.rep, lead, city="Napoli")
    assert Lead.get_by_id(lead.id).city == "Milano"
    assert lead.city == ""


def test_set_status_and_refuse_a_deleted_status(team: Team) -> None:
    lead = leads.create_lead(team.rep, last_name="Rossi")
    leads.set_lead_status(team.rep, lead, status("Working"))
    assert Lead.get_by_id(lead.id).status_id == status("Working").id
    assert "status" in log_of(lead.id)[-1].changed
    cold = leads.add_lead_status(team.admin, "Cold")
    leads.delete_lead_status(team.admin, cold)
    with pytest.raises(ValidationError, match="no longer exists"):
        leads.set_lead_status(team.rep, lead, cold)


def test_converted_leads_are_read_only(team: Team) -> None:
    lead = leads.create_lead(team.rep, last_name="Rossi")
    lead.converted_at = utcnow()
    lead.save()
    day = f"{lead.converted_at.replace(tzinfo=dt.UTC).astimezone():%Y-%m-%d}"
    with pytest.raises(ServiceError, match=f"converted on {day}; edit the contact instead"):
        leads.update_lead(team.rep, lead, city="Roma")
    with pytest.raises(ServiceError, match="edit the contact instead"):
        leads.set_lead_status(team.rep, lead, status("Working"))
    with pytest.raises(ServiceError, match="edit the contact instead"):
        leads.set_priority(team.rep, lead, "A")
    leads.delete_lead(team.rep, lead)
    assert Lead.get_by_id(lead.id).deleted_at is not None


def test_delete_is_soft_and_leaves_lists_and_search(team: Team) -> None:
    lead = leads.create_lead(team.rep, last_name="Rossi")
    leads.delete_lead(team.rep, lead)
    stored = Lead.get_by_id(lead.id)
    assert stored.deleted_at is not None
    assert log_of(lead.id)[-1].operation == "delete"
    assert leads.list_leads(team.rep).total == 0
    assert not SearchEntry.select().where(SearchEntry.record_id == lead.id).exists()


def test_list_is_scoped_paged_and_filtered(team: Team) -> None:
    for index in range(3):
        leads.create_lead(team.rep, last_name=f"Rep {index}")
    working = leads.create_lead(team.rep2, last_name="Rep2", status=status("Working"))
    leads.create_lead(team.outsider, last_name="Outside")
    converted = leads.create_lead(team.rep, last_name="Converted")
    converted.converted_at = utcnow()
    converted.save()

    page = leads.list_leads(team.rep, limit=2)
    assert page.total == 3 and len(page.items) == 2 and page.has_more
    assert leads.list_leads(team.manager).total == 4
    assert leads.list_leads(team.manager, include_converted=True).total == 5
    assert [x.id for x in leads.list_leads(team.manager, status=status("Working")).items] == [
        working.id
    ]
    assert leads.list_leads(team.admin).total == 5


def test_likely_duplicates_are_reported_before_creating(team: Team) -> None:
    leads.create_lead(team.rep, first_name="Anna", last_name="Verdi", email="anna@example.it")
    with pytest.raises(DuplicatesFound, match="looks like a record that already exists") as found:
        leads.create_lead(team.rep2, first_name="Anna", last_name="Verdi", email="Anna@Example.it")
    assert found.value.matches[0].name == "Anna Verdi"
    assert Lead.select().count() == 1
    leads.create_lead(
        team.rep2,
        first_name="Anna",
        last_name="Verdi",
        email="anna@example.it",
        check_duplicates=False,
    )
    assert Lead.select().count() == 2


def test_custom_values_are_validated_and_written_with_the_lead(team: Team) -> None:
    custom_fields.create_field(team.admin, RecordKind.LEAD, "Budget", FieldType.NUMBER)
    with pytest.raises(ValidationError) as bad:
        leads.create_lead(team.rep, last_name="Rossi", custom={"budget": "lots"})
    assert bad.value.field == "budget"
    assert Lead.select().count() == 0
    lead = leads.create_lead(team.rep, last_name="Rossi", custom={"budget": "1200"})
    assert custom_fields.get_values(RecordKind.LEAD, lead.id)["budget"] == 1200
    with pytest.raises(ValidationError):
        leads.update_lead(team.rep, lead, city="Roma", custom={"budget": "x"})
    assert Lead.get_by_id(lead.id).city == ""
    assert lead.city == "" and lead.version == 1


def test_custom_values_are_versioned_like_the_lead_own_fields(team: Team) -> None:
    """A custom value is part of the record: changing one makes a new version, so a stale
    copy that changes the same field is refused, and one that changes another field merges."""
    custom_fields.create_field(team.admin, RecordKind.LEAD, "Budget", FieldType.NUMBER)
    custom_fields.create_field(team.admin, RecordKind.LEAD, "Source note", FieldType.TEXT)
    lead = leads.create_lead(team.rep, last_name="Rossi", custom={"budget": "100"})
    assert lead.version == 1
    mine, theirs = Lead.get_by_id(lead.id), Lead.get_by_id(lead.id)

    saved = leads.update_lead(team.manager, theirs, custom={"budget": "200"})
    assert saved.version == 2
    assert log_of(lead.id)[-1].changed == {"custom.budget": ["100", "200"]}

    with pytest.raises(StaleRecordError) as conflict:
        leads.update_lead(team.rep, mine, city="Roma", custom={"budget": "300"})
    assert "custom.budget" in conflict.value.changed_fields
    assert conflict.value.expected_version == 1
    assert custom_fields.get_values(RecordKind.LEAD, lead.id)["budget"] == 200
    assert Lead.get_by_id(lead.id).city == ""

    merged = leads.update_lead(team.rep, mine, city="Roma", custom={"source_note": "fair"})
    assert merged.version == 4  # the city, then the note
    assert custom_fields.get_values(RecordKind.LEAD, lead.id) == {
        "budget": 200,
        "source_note": "fair",
    }


# --------------------------------------------------------------------------- statuses


def test_only_admins_manage_lead_statuses(team: Team) -> None:
    new = status("New")
    for call in (
        lambda: leads.add_lead_status(team.manager, "Cold"),
        lambda: leads.rename_lead_status(team.manager, new, "Fresh"),
        lambda: leads.recolour_lead_status(team.manager, new, bg_color="#ffffff"),
        lambda: leads.reorder_lead_statuses(team.manager, leads.lead_statuses()),
        lambda: leads.delete_lead_status(team.rep, new),
    ):
        with pytest.raises(PermissionDenied, match="Only an admin can change lead statuses"):
            call()


def test_admin_adds_renames_recolours_and_reorders_statuses(any_database: Workspace) -> None:
    admin = any_database.user
    cold = leads.add_lead_status(admin, " Cold ", fg_color="#112233", bg_color="#AABBCC")
    assert [s.name for s in leads.lead_statuses()] == ["New", "Working", "Unqualified", "Cold"]
    assert (cold.fg_color, cold.bg_color, cold.kind) == ("#112233", "#aabbcc", "custom")
    with pytest.raises(ValidationError, match="already a lead status named Cold"):
        leads.add_lead_status(admin, "cold")
    with pytest.raises(ValidationError, match="Enter a name"):
        leads.add_lead_status(admin, "  ")
    with pytest.raises(ValidationError, match="not a colour") as colour:
        leads.add_lead_status(admin, "Warm", bg_color="red")
    assert colour.value.field == "bg_color"

    leads.rename_lead_status(admin, status("Working"), "In progress")
    leads.recolour_lead_status(admin, cold, bg_color="#000000")
    assert LeadStatus.get_by_id(cold.id).bg_color == "#000000"
    assert LeadStatus.get_by_id(cold.id).fg_color == "#112233"

    new, working, unqualified, cold = leads.lead_statuses()
    leads.reorder_lead_statuses(admin, [new, cold, working, unqualified])
    assert [s.name for s in leads.lead_statuses()] == ["New", "Cold", "In progress", "Unqualified"]
    assert log_of(cold.id)[-1].changed["position"] == [3, 1]


def test_new_stays_first_and_a_reorder_lists_every_status(team: Team) -> None:
    new, working, unqualified = leads.lead_statuses()
    with pytest.raises(ValidationError, match="New must stay the first"):
        leads.reorder_lead_statuses(team.admin, [working, new, unqualified])
    with pytest.raises(ValidationError, match="exactly once"):
        leads.reorder_lead_statuses(team.admin, [new, working])
    with pytest.raises(ValidationError, match="exactly once"):
        leads.reorder_lead_statuses(team.admin, [new, working, working])
    assert [s.name for s in leads.lead_statuses()] == ["New", "Working", "Unqualified"]


def test_built_in_statuses_cannot_be_deleted(team: Team) -> None:
    for built_in in leads.lead_statuses():
        with pytest.raises(ServiceError, match="built-in lead status and cannot be deleted"):
            leads.delete_lead_status(team.admin, built_in)


def test_deleting_a_status_in_use_needs_a_replacement(team: Team) -> None:
    cold = leads.add_lead_status(team.admin, "Cold")
    lead = leads.create_lead(team.rep, last_name="Rossi", status=cold)
    with pytest.raises(ValidationError, match="choose the status they should get") as caught:
        leads.delete_lead_status(team.admin, cold)
    assert caught.value.field == "replacement"
    with pytest.raises(ValidationError, match="different status"):
        leads.delete_lead_status(team.admin, cold, replacement=cold)
    assert LeadStatus.get_by_id(cold.id).deleted_at is None

    moved = leads.delete_lead_status(team.admin, cold, replacement=status("Working"))
    assert moved == 1
    assert Lead.get_by_id(lead.id).status_id == status("Working").id
    assert log_of(lead.id)[-1].user_id == team.admin.id
    assert LeadStatus.get_by_id(cold.id).deleted_at is not None
    assert [s.name for s in leads.lead_statuses()] == ["New", "Working", "Unqualified"]


def test_an_unused_status_is_deleted_without_replacement(team: Team) -> None:
    warm = leads.add_lead_status(team.admin, "Warm")
    assert leads.delete_lead_status(team.admin, warm) == 0
    assert log_of(warm.id)[-1].operation == "delete"


def test_tags_are_set_with_the_lead_and_searchable(team: Team) -> None:
    lead = leads.create_lead(team.rep, last_name="Rossi", tags=["VIP", "Fair 2025"])
    assert tags.tags_of(lead.id) == ["Fair 2025", "VIP"]
    leads.update_lead(team.rep, lead, tags=["VIP"])
    assert tags.tags_of(lead.id) == ["VIP"]
    assert log_of(lead.id)[-1].changed == {"tags": [["Fair 2025", "VIP"], ["VIP"]]}
