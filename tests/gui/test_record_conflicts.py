"""Two people editing one record: someone else's save refreshes the page without losing edits,
and a save over their change of the same field opens the conflict dialog; nothing is
overwritten until the user chooses."""

from __future__ import annotations

from decimal import Decimal

import pytest

from desktopcrm.models import Profile
from desktopcrm.models.custom_fields import FieldType
from desktopcrm.models.records import Contact, Deal, RecordKind
from desktopcrm.services import contacts, custom_fields, deals, users
from desktopcrm.views.main_window import MainWindow
from desktopcrm.views.record.conflict_dialog import ConflictDialog
from tests.gui.record_helpers import open_page, type_into, wait_loaded


@pytest.fixture
def colleague(context):
    return users.create_user(context.user, "Bea Colleague", profile=Profile.ADMIN)


@pytest.fixture
def person(context) -> Contact:
    return contacts.create_person(
        context.user, first_name="Anna", last_name="Rossi", phone="111", city="Milano"
    )


def someone_else_saves(colleague, record_id, **changes) -> None:
    """A second write through the services, as another user, on their own fresh copy."""
    contacts.update_contact(colleague, Contact.get_by_id(record_id), **changes)


def conflict(qtbot, page) -> ConflictDialog:
    qtbot.waitUntil(lambda: page.conflict_dialog is not None)
    dialog = page.conflict_dialog
    assert dialog.isVisible()
    return dialog


def test_refresh_keeps_my_edits_and_takes_their_other_fields(
    qtbot, window: MainWindow, person, colleague, context
) -> None:
    page = open_page(qtbot, window, "contact", person)
    type_into(qtbot, page, "phone", "222")
    someone_else_saves(colleague, person.id, city="Torino")
    context.database_changed.emit()  # what the presence monitor says after their commit
    wait_loaded(qtbot, page)
    assert page.form.rows["city"].editor.raw() == "Torino"
    assert page.form.rows["phone"].editor.raw() == "222"  # my edit survives the refresh
    assert page.save()  # different fields: saved without a conflict
    saved = Contact.get_by_id(person.id)
    assert (saved.phone, saved.city) == ("222", "Torino")


def test_keep_theirs(qtbot, window: MainWindow, person, colleague) -> None:
    page = open_page(qtbot, window, "contact", person)
    type_into(qtbot, page, "phone", "222")
    type_into(qtbot, page, "city", "Roma")
    someone_else_saves(colleague, person.id, phone="333")
    assert not page.save()
    dialog = conflict(qtbot, page)
    [row] = dialog.rows
    assert (row.key, row.theirs, row.yours) == ("phone", "333", "222")
    assert dialog.title_text.startswith("Bea Colleague changed this person")
    assert Contact.get_by_id(person.id).phone == "333"  # nothing overwritten yet
    dialog.theirs_button.click()
    saved = Contact.get_by_id(person.id)
    assert (saved.phone, saved.city) == ("333", "Roma")  # their phone, my other edit
    wait_loaded(qtbot, page)
    assert page.form.rows["phone"].editor.raw() == "333"
    assert not page.is_dirty()


def test_overwrite_with_mine(qtbot, window: MainWindow, person, colleague) -> None:
    page = open_page(qtbot, window, "contact", person)
    type_into(qtbot, page, "phone", "222")
    someone_else_saves(colleague, person.id, phone="333", city="Napoli")
    page.save_button.click()
    dialog = conflict(qtbot, page)
    assert {r.key for r in dialog.rows} == {"phone", "city"}
    city = next(r for r in dialog.rows if r.key == "city")
    assert city.yours is None  # theirs only: shown, not in question
    dialog.mine_button.click()
    saved = Contact.get_by_id(person.id)
    assert (saved.phone, saved.city) == ("222", "Napoli")


def test_merge_field_by_field(qtbot, window: MainWindow, person, colleague) -> None:
    page = open_page(qtbot, window, "contact", person)
    type_into(qtbot, page, "phone", "222")
    type_into(qtbot, page, "city", "Roma")
    someone_else_saves(colleague, person.id, phone="333", city="Napoli")
    assert not page.save()
    dialog = conflict(qtbot, page)
    dialog.choose("phone", mine=False)
    dialog.choose("city", mine=True)
    dialog.merge_button.click()
    saved = Contact.get_by_id(person.id)
    assert (saved.phone, saved.city) == ("333", "Roma")


def test_keep_editing_saves_nothing(qtbot, window: MainWindow, person, colleague) -> None:
    page = open_page(qtbot, window, "contact", person)
    type_into(qtbot, page, "phone", "222")
    someone_else_saves(colleague, person.id, phone="333")
    assert not page.save()
    conflict(qtbot, page).cancel_button.click()
    assert Contact.get_by_id(person.id).phone == "333"
    assert page.is_dirty()
    assert "Not saved" in page.save_text.text()


def test_deleted_meanwhile(qtbot, window: MainWindow, person, colleague) -> None:
    page = open_page(qtbot, window, "contact", person)
    type_into(qtbot, page, "phone", "222")
    contacts.delete_contact(colleague, Contact.get_by_id(person.id))
    assert not page.save()
    dialog = conflict(qtbot, page)
    assert dialog.deleted
    dialog.discard_button.click()
    wait_loaded(qtbot, page)
    assert "no longer exists" in page.placeholder.text()


def test_deal_value_conflict(qtbot, window: MainWindow, context, colleague) -> None:
    deal = deals.create_deal(context.user, "Licences", "1000")
    page = open_page(qtbot, window, "deal", deal)
    type_into(qtbot, page, "value", "2000")
    deals.update_deal(colleague, Deal.get_by_id(deal.id), value="1500")
    assert not page.save()
    dialog = conflict(qtbot, page)
    [row] = dialog.rows
    assert (row.theirs, row.yours) == ("1500.00", "2000")
    dialog.mine_button.click()
    assert Deal.get_by_id(deal.id).value == Decimal("2000")


def test_custom_field_conflict_shows_both_values_and_merges(
    qtbot, window: MainWindow, person, colleague, context
) -> None:
    """Custom values are versioned with the record: their change of the same custom field
    opens the dialog with both values; their change of another one is kept."""
    custom_fields.create_field(context.user, RecordKind.CONTACT, "Region", FieldType.TEXT)
    custom_fields.create_field(context.user, RecordKind.CONTACT, "Segment", FieldType.TEXT)
    page = open_page(qtbot, window, "contact", person)
    qtbot.waitUntil(lambda: "region" in page.custom_form.rows)
    type_into(qtbot, page, "region", "North", custom=True)
    type_into(qtbot, page, "phone", "222")
    contacts.update_contact(
        colleague, Contact.get_by_id(person.id), custom={"region": "South", "segment": "SMB"}
    )
    assert not page.save()
    dialog = conflict(qtbot, page)
    rows = {row.key: row for row in dialog.rows}
    assert (rows["custom.region"].label, rows["custom.region"].theirs) == ("Region", "South")
    assert rows["custom.region"].yours == "North"
    assert rows["custom.segment"].yours is None  # theirs only
    assert custom_fields.get_values(RecordKind.CONTACT, person.id)["region"] == "South"
    dialog.choose("custom.region", mine=True)
    dialog.merge_button.click()
    values = custom_fields.get_values(RecordKind.CONTACT, person.id)
    assert (values["region"], values["segment"]) == ("North", "SMB")
    assert Contact.get_by_id(person.id).phone == "222"
    wait_loaded(qtbot, page)
    assert page.custom_form.rows["segment"].editor.raw() == "SMB"
    assert not page.is_dirty()
