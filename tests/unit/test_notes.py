"""Notes with admin-defined actions, statuses and typed variables (seed 003_*)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import pytest

from desktopcrm.models import ChangeLog, Profile, StaleRecordError, User
from desktopcrm.models.notes import (
    Note,
    NoteAction,
    NoteStatus,
    NoteVariable,
    NoteVariableOption,
    NoteVariableValue,
    VariableType,
)
from desktopcrm.models.records import Contact, Lead, LeadStatus, RecordKind
from desktopcrm.models.search import SearchEntry
from desktopcrm.services import notes
from desktopcrm.services.custom_fields import Money
from desktopcrm.services.errors import PermissionDenied, ValidationError
from desktopcrm.services.workspace import Workspace


def make_user(profile: Profile = Profile.USER) -> User:
    user = User(name=f"{profile.value} {uuid.uuid4().hex[:4]}", profile=profile.value)
    user.save()
    return user


def make_lead(owner: User, name: str = "Ada") -> Lead:
    lead = Lead(first_name=name, status=LeadStatus.select().first(), owner=owner.id)
    lead.save()
    return lead


def changes_of(row_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = ChangeLog.select().where(ChangeLog.row_id == row_id).order_by(ChangeLog.seq)
    return [row.changed for row in rows]


# --------------------------------------------------------------------------- labels


def test_admin_defines_actions_statuses_variables(any_database: Workspace) -> None:
    admin = any_database.user
    action = notes.create_action(admin, "Wysyłka próbki", "", "#7C2D12", "#ffedd5")
    assert action.abbreviation == "WP" and action.fg_color == "#7c2d12"
    assert action.position == NoteAction.select().count() - 1  # after the seeded ones
    status = notes.create_status(admin, "Prowadzący", "LEAD")
    zone = notes.create_variable(admin, "Strefa czasowa", VariableType.DROPDOWN, options=["EST"])
    pst = notes.create_variable_option(admin, zone, "PST", "P", "#000000", "#ffffff")
    assert [o.name for o in notes.variable_options(zone)] == ["EST", "PST"]
    assert pst.position == 1
    assert ChangeLog.get(ChangeLog.row_id == status.id).operation == "insert"
    user = make_user()
    for attempt in (
        lambda: notes.create_action(user, "Visit"),
        lambda: notes.create_status(user, "Later"),
        lambda: notes.create_variable(user, "Budget", VariableType.CURRENCY),
        lambda: notes.update_label(user, action, name="x"),
        lambda: notes.remove_label(user, action),
        lambda: notes.reorder_labels(user, [action]),
    ):
        with pytest.raises(PermissionDenied, match="Only an admin"):
            attempt()


def test_label_validation(workspace: Workspace) -> None:
    admin = workspace.user
    with pytest.raises(ValidationError, match="not a colour") as err:
        notes.create_action(admin, "Visit", fg_color="red")
    assert err.value.field == "fg_color"
    with pytest.raises(ValidationError, match="not a colour"):
        notes.create_status(admin, "Later", bg_color="#12345")
    with pytest.raises(ValidationError, match='already is a action "Call"'):
        notes.create_action(admin, " call ")
    with pytest.raises(ValidationError, match="Enter a name"):
        notes.create_status(admin, "  ")
    with pytest.raises(ValidationError, match="at most 16"):
        notes.create_status(admin, "Later", abbreviation="x" * 17)
    text = notes.create_variable(admin, "Shop", VariableType.TEXT)
    with pytest.raises(ValidationError, match="not a dropdown"):
        notes.create_variable_option(admin, text, "A")
    with pytest.raises(ValidationError, match="Only dropdown"):
        notes.create_variable(admin, "Kind", VariableType.NUMBER, options=["a"])


def test_update_and_reorder_labels(workspace: Workspace) -> None:
    admin = workspace.user
    call = NoteAction.get(NoteAction.name == "Call")
    notes.update_label(admin, call, name="Phone call", abbreviation="TEL", bg_color="#FFFFFF")
    stored = NoteAction.get_by_id(call.id)
    assert (stored.name, stored.abbreviation, stored.bg_color) == ("Phone call", "TEL", "#ffffff")
    assert changes_of(call.id)[-1]["name"] == ["Call", "Phone call"]
    actions = notes.labels(NoteAction)
    notes.reorder_labels(admin, list(reversed(actions)))
    assert [a.id for a in notes.labels(NoteAction)] == [a.id for a in reversed(actions)]


def test_label_in_use_is_deactivated_not_removed(any_database: Workspace) -> None:
    admin = any_database.user
    lead = make_lead(admin)
    fax = NoteAction.get(NoteAction.name == "Fax")
    email = NoteAction.get(NoteAction.name == "Email")
    notes.add_note(admin, lead, "Faxed the offer", action=fax)
    assert notes.remove_label(admin, fax) == "deactivated"
    assert notes.remove_label(admin, email) == "deleted"
    assert NoteAction.get_by_id(fax.id).active is False
    assert NoteAction.get_by_id(fax.id).deleted_at is None
    assert NoteAction.get_by_id(email.id).deleted_at is not None
    assert fax.id not in {a.id for a in notes.labels(NoteAction)}
    assert fax.id in {a.id for a in notes.labels(NoteAction, include_inactive=True)}
    [view] = notes.notes_of(RecordKind.LEAD, lead.id)
    assert view.action is not None and view.action.name == "Fax"  # old notes keep it
    with pytest.raises(ValidationError, match="no longer in use"):
        notes.add_note(admin, lead, "again", action=fax)
    zone = notes.create_variable(admin, "Zone", VariableType.DROPDOWN, options=["EST", "PST"])
    est, pst = notes.variable_options(zone)
    notes.add_note(admin, lead, "x", variables={"Zone": "EST"})
    assert notes.remove_label(admin, est) == "deactivated"
    assert notes.remove_label(admin, pst) == "deleted"
    assert notes.remove_label(admin, zone) == "deactivated"


# --------------------------------------------------------------------------- notes


def test_add_note_with_labels_and_typed_variables(any_database: Workspace) -> None:
    admin = any_database.user
    lead = make_lead(admin)
    notes.create_variable(admin, "Shop", VariableType.TEXT)
    notes.create_variable(admin, "Budget", VariableType.CURRENCY)
    notes.create_variable(admin, "Close by", VariableType.DATE)
    notes.create_variable(admin, "Pallets", VariableType.NUMBER)
    zone = notes.create_variable(admin, "Zone", VariableType.DROPDOWN, options=["EST", "PST"])
    note = notes.add_note(
        admin,
        lead,
        "  Called about the sample order  ",
        action="call",
        status=NoteStatus.get(NoteStatus.name == "No answer").id,
        variables={
            "shop": "Green Grocer",
            "Budget": "1 200,50",
            "Close by": "2025-06-30",
            "Pallets": 3,
            zone.id: "pst",
        },
    )
    stored = Note.get_by_id(note.id)
    assert stored.body == "Called about the sample order"
    assert stored.record_type == "lead" and stored.record_id == lead.id
    assert stored.author_id == admin.id
    [view] = notes.notes_of(RecordKind.LEAD, lead.id)
    assert view.action is not None and view.action.name == "Call"
    assert view.status is not None and view.status.abbreviation == "N/A"
    assert view.variables == {
        "Shop": "Green Grocer",
        "Budget": Money(Decimal("1200.5"), ""),
        "Close by": dt.date(2025, 6, 30),
        "Pallets": Decimal(3),
        "Zone": "PST",
    }
    insert, variables = changes_of(note.id)
    assert insert["body"] == "Called about the sample order"
    assert variables["var.Zone"] == [None, "PST"]
    assert variables["var.Close by"] == [None, "2025-06-30"]
    entry = SearchEntry.get(SearchEntry.record_id == note.id)
    assert entry.kind == "note"


@pytest.mark.parametrize(
    ("variable", "kind", "raw", "message"),
    [
        ("Pallets", VariableType.NUMBER, "three", "not a number"),
        ("Close by", VariableType.DATE, "next week", "YYYY-MM-DD"),
        ("Budget", VariableType.CURRENCY, "lots", "not a number"),
        ("Shop", VariableType.TEXT, "x" * 256, "at most 255"),
        ("Zone", VariableType.DROPDOWN, "CET", '"CET" is not an option'),
    ],
)
def test_variable_values_are_validated(
    workspace: Workspace, variable: str, kind: VariableType, raw: object, message: str
) -> None:
    admin = workspace.user
    options = ["EST"] if kind is VariableType.DROPDOWN else ()
    notes.create_variable(admin, variable, kind, options=options)
    lead = make_lead(admin)
    with pytest.raises(ValidationError, match=message) as err:
        notes.add_note(admin, lead, "text", variables={variable: raw})
    assert err.value.field == variable
    assert Note.select().count() == 0 and NoteVariableValue.select().count() == 0


def test_note_needs_content_and_known_labels(workspace: Workspace) -> None:
    admin = workspace.user
    lead = make_lead(admin)
    with pytest.raises(ValidationError, match="Write the note"):
        notes.add_note(admin, lead, "   ")
    with pytest.raises(ValidationError, match='no action "Dance"'):
        notes.add_note(admin, lead, "x", action="Dance")
    with pytest.raises(ValidationError, match='no note variable "Mood"'):
        notes.add_note(admin, lead, "x", variables={"Mood": "good"})
    assert notes.add_note(admin, lead, "", status="Done").body == ""


def test_only_people_who_may_edit_the_record_write_notes(workspace: Workspace) -> None:
    admin = workspace.user
    alice, bob = make_user(), make_user()
    lead = make_lead(alice)
    with pytest.raises(PermissionDenied):
        notes.add_note(bob, lead, "I should not")
    note = notes.add_note(alice, lead, "Mine")
    with pytest.raises(PermissionDenied, match="author"):
        notes.update_note(bob, note, body="changed")
    with pytest.raises(PermissionDenied, match="author"):
        notes.delete_note(bob, note)
    notes.update_note(admin, note, body="Admin edit")
    assert Note.get_by_id(note.id).body == "Admin edit"


def test_update_and_delete_note(any_database: Workspace) -> None:
    admin = any_database.user
    lead = make_lead(admin)
    notes.create_variable(admin, "Pallets", VariableType.NUMBER)
    note = notes.add_note(admin, lead, "First", action="Call", variables={"Pallets": 2})
    other_copy = Note.get_by_id(note.id)
    notes.update_note(admin, note, body="Second", action=None, status="Done",
                      variables={"Pallets": None})  # fmt: skip
    [view] = notes.notes_of(RecordKind.LEAD, lead.id)
    assert view.note.body == "Second" and view.action is None and view.status is not None
    assert view.variables == {}
    last = changes_of(note.id)
    assert last[-2]["body"] == ["First", "Second"]
    assert last[-1] == {"var.Pallets": ["2", None]}
    with pytest.raises(StaleRecordError):
        notes.update_note(admin, other_copy, body="Lost update")
    notes.delete_note(admin, note)
    assert notes.notes_of(RecordKind.LEAD, lead.id) == []
    assert Note.get_by_id(note.id).deleted_at is not None
    assert SearchEntry.get_or_none(SearchEntry.record_id == note.id) is None


def test_notes_newest_first_and_moved_on_conversion(any_database: Workspace) -> None:
    admin = any_database.user
    lead = make_lead(admin)
    first = notes.add_note(admin, lead, "first")
    second = notes.add_note(admin, lead, "second")
    gone = notes.add_note(admin, lead, "deleted one")
    notes.delete_note(admin, gone)
    assert [v.note.id for v in notes.notes_of(RecordKind.LEAD, lead.id)] == [second.id, first.id]
    contact = Contact(name="Ada", owner=admin.id)
    contact.save()
    assert notes.move_notes(RecordKind.LEAD, lead.id, RecordKind.CONTACT, contact) == 3
    assert notes.notes_of(RecordKind.LEAD, lead.id) == []
    moved = notes.notes_of(RecordKind.CONTACT, contact.id)
    assert [v.note.id for v in moved] == [second.id, first.id]
    logged = changes_of(first.id)[-1]
    assert logged["record_type"] == ["lead", "contact"]
    assert [uuid.UUID(str(v)) for v in logged["record_id"]] == [lead.id, contact.id]
    assert Note.get_by_id(gone.id).record_id == contact.id


def test_variable_option_labels_are_per_variable(workspace: Workspace) -> None:
    admin = workspace.user
    a = notes.create_variable(admin, "A", VariableType.DROPDOWN, options=["One"])
    b = notes.create_variable(admin, "B", VariableType.DROPDOWN, options=["One"])
    assert NoteVariableOption.select().count() == 2
    assert NoteVariable.get_by_id(a.id).type == "dropdown" and b.name == "B"
