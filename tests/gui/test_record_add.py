"""Universal Add (Ctrl+N): new lead, person, company, deal and note, with validation,
duplicates and type-ahead linking; the new record's page opens. And lead conversion."""

from __future__ import annotations

from decimal import Decimal

from desktopcrm.models.notes import Note
from desktopcrm.models.records import Contact, Deal, Lead, RecordKind
from desktopcrm.qt import QApplication, QMenu, Qt
from desktopcrm.services import contacts, leads, notes, tags
from desktopcrm.views.main_window import MainWindow
from desktopcrm.views.record.add_dialogs import (
    AddDealDialog,
    AddLeadDialog,
    AddNoteDialog,
    AddPersonDialog,
)
from desktopcrm.views.record.convert_dialog import ConvertLeadDialog
from tests.gui.record_helpers import open_page, wait_loaded


def active_dialog(qtbot, kind):  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), kind))
    return QApplication.activeModalWidget()


def fill(qtbot, dialog, **values) -> None:  # type: ignore[no-untyped-def]
    for key, text in values.items():
        target = dialog.grid.rows[key].editor.focus_target()
        target.setFocus()
        qtbot.keyClicks(target, text)


def test_ctrl_n_new_lead_validates_then_opens_its_page(qtbot, window: MainWindow) -> None:
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    menu: QMenu = window.top_bar.add_button.menu_
    qtbot.waitUntil(menu.isVisible)
    assert menu.actions()[0].text() == "Lead…"
    qtbot.keyClick(menu, Qt.Key.Key_Return)
    dialog = active_dialog(qtbot, AddLeadDialog)
    dialog.create_button.click()
    assert "Enter a name or a company" in dialog.grid.error_text("last_name")
    assert Lead.select().count() == 0
    fill(qtbot, dialog, last_name="Ferrari", company_name="Ferrari Srl")
    dialog.create_button.click()
    [lead] = Lead.select()
    assert (lead.last_name, lead.company_name) == ("Ferrari", "Ferrari Srl")
    assert lead.status.name == "New"
    page = window.current_record
    wait_loaded(qtbot, page)
    assert page.kind is RecordKind.LEAD and page.record_id == lead.id
    assert window.windowTitle().startswith("Ferrari")
    assert window.top_bar.title.text() == "Leads"


def test_invalid_email_is_shown_under_the_field(qtbot, window: MainWindow) -> None:
    window.add_record("lead")
    dialog = active_dialog(qtbot, AddLeadDialog)
    fill(qtbot, dialog, last_name="Ferrari", email="ferrari at example")
    dialog.create_button.click()
    assert "is not an email address" in dialog.grid.error_text("email")
    dialog.reject()


def test_duplicate_lead_can_be_opened_or_created_anyway(qtbot, window: MainWindow, context) -> None:
    leads.create_lead(context.user, first_name="Marco", last_name="Polo", email="marco@polo.it")
    window.add_record("lead")
    dialog = active_dialog(qtbot, AddLeadDialog)
    fill(qtbot, dialog, first_name="Marco", last_name="Polo", email="marco@polo.it")
    dialog.create_button.click()
    assert dialog.duplicates.isVisibleTo(dialog)
    assert dialog.create_button.text() == "Create lead anyway"
    assert Lead.select().count() == 1
    dialog.create_button.click()
    assert Lead.select().count() == 2


def test_new_person_links_a_company_by_type_ahead(qtbot, window: MainWindow, context) -> None:
    company = contacts.create_company(context.user, "Globex Corporation")
    contacts.create_company(context.user, "Initech")
    window.add_record("person")
    dialog = active_dialog(qtbot, AddPersonDialog)
    fill(qtbot, dialog, first_name="Hank", last_name="Scorpio")
    picker = dialog.company.picker
    picker.setFocus()
    qtbot.keyClicks(picker, "glob")
    qtbot.waitUntil(lambda: picker.suggestions() == ["Globex Corporation"])
    assert picker.popup().isVisible()
    qtbot.keyClick(picker.popup(), Qt.Key.Key_Return)
    assert picker.selected is not None and picker.selected.record_id == company.id
    dialog.create_button.click()
    person = Contact.get(Contact.name == "Hank Scorpio")
    assert person.company_id == company.id
    page = window.current_record
    wait_loaded(qtbot, page)
    assert page.record_id == person.id


def test_typed_company_without_picking_is_refused(qtbot, window: MainWindow) -> None:
    window.add_record("person")
    dialog = active_dialog(qtbot, AddPersonDialog)
    fill(qtbot, dialog, last_name="Scorpio", company="Nowhere Inc")
    dialog.create_button.click()
    assert "Pick the company" in dialog.grid.error_text("company")
    assert not Contact.select().where(Contact.name == "Scorpio").exists()
    dialog.reject()


def test_new_deal_with_primary_contact(qtbot, window: MainWindow, context) -> None:
    person = contacts.create_person(context.user, first_name="Anna", last_name="Rossi")
    window.add_record("deal")
    dialog = active_dialog(qtbot, AddDealDialog)
    fill(qtbot, dialog, name="Licences", primary_contact="anna ro")
    picker = dialog.contact_picker
    qtbot.waitUntil(lambda: picker.suggestions() == ["Anna Rossi"])
    picker.choose(0)
    value = dialog.grid.rows["value"].editor
    value.amount.setText("-5")
    dialog.create_button.click()
    assert "cannot be negative" in dialog.grid.error_text("value")
    value.amount.setText("1250.50")
    fill(qtbot, dialog, expected_close="2026-13-01")
    dialog.create_button.click()
    assert "is a date" in dialog.grid.error_text("expected_close")
    dialog.grid.rows["expected_close"].editor.set_raw("2026-12-01")
    dialog.create_button.click()
    deal = Deal.get(Deal.name == "Licences")
    assert deal.primary_contact_id == person.id
    assert deal.value == Decimal("1250.50")
    assert Contact.get_by_id(person.id).prospect_status == "current"
    wait_loaded(qtbot, window.current_record)
    assert window.current_record.record_id == deal.id


def test_new_note_on_the_record_on_screen(qtbot, window: MainWindow, context) -> None:
    person = contacts.create_person(context.user, first_name="Anna", last_name="Rossi")
    page = open_page(qtbot, window, "contact", person)
    window.add_record("note")
    dialog = active_dialog(qtbot, AddNoteDialog)
    assert dialog.record_picker.selected.record_id == person.id
    dialog.action.combo.setCurrentIndex(dialog.action.combo.findText("Email"))
    dialog.status.combo.setCurrentIndex(dialog.status.combo.findText("Done"))
    fill(qtbot, dialog, body="Sent the price list")
    dialog.create_button.click()
    [view] = notes.notes_of(RecordKind.CONTACT, person.id)
    assert (view.note.body, view.action.name, view.status.name) == (
        "Sent the price list",
        "Email",
        "Done",
    )
    assert window.current_record is page
    wait_loaded(qtbot, page)
    assert len(page.notes.cards) == 1


def test_new_note_needs_a_record(qtbot, window: MainWindow) -> None:
    window.add_record("note")
    dialog = active_dialog(qtbot, AddNoteDialog)
    fill(qtbot, dialog, body="Orphan")
    dialog.create_button.click()
    assert "Choose the lead, contact or deal" in dialog.grid.error_text("record")
    assert Note.select().count() == 0
    dialog.reject()


def test_convert_lead_with_a_duplicate_and_a_deal(qtbot, window: MainWindow, context) -> None:
    existing = contacts.create_person(
        context.user, first_name="Giulia", last_name="Neri", email="giulia@neri.it"
    )
    lead = leads.create_lead(
        context.user,
        first_name="Giulia",
        last_name="Neri",
        email="giulia@neri.it",
        company_name="Neri Design",
        check_duplicates=False,
    )
    tags.set_tags(lead, ["Fair 2026"])
    notes.add_note(context.user, lead, "Met at the fair")
    page = open_page(qtbot, window, "lead", lead)
    assert page.convert_button.isVisible()
    page.convert_button.click()
    dialog = active_dialog(qtbot, ConvertLeadDialog)
    assert dialog.duplicate_box.isVisibleTo(dialog)
    buttons = dialog.duplicate_buttons()
    assert "Giulia Neri" in buttons[0].text() and buttons[0].isChecked()
    assert "A company: Neri Design" in " ".join(
        label.text() for label in dialog.creates.findChildren(type(dialog.moves))
    )
    assert "1 note" in dialog.moves.text() and "Fair 2026" in dialog.moves.text()
    next(b for b in buttons if b.objectName() == "create-new").setChecked(True)
    dialog.deal_check.setChecked(True)
    dialog.deal_value.setText("900")
    dialog.convert_button.click()
    converted = Lead.get_by_id(lead.id)
    assert converted.converted_at is not None
    assert converted.converted_contact_id != existing.id
    contact = Contact.get_by_id(converted.converted_contact_id)
    assert Contact.get_by_id(contact.company_id).name == "Neri Design"
    deal = Deal.get_by_id(converted.converted_deal_id)
    assert (deal.primary_contact_id, deal.value) == (contact.id, Decimal("900"))
    assert tags.tags_of(contact.id) == ["Fair 2026"]
    assert [v.note.body for v in notes.notes_of(RecordKind.CONTACT, contact.id)] == [
        "Met at the fair"
    ]
    contact_page = window.current_record
    wait_loaded(qtbot, contact_page)
    assert contact_page.record_id == contact.id
    # the lead's page is read-only now
    lead_page = open_page(qtbot, window, "lead", lead)
    assert not lead_page.convert_button.isVisible()
    assert "was converted" in lead_page.notice_text.text()


def test_convert_lead_into_the_existing_contact(qtbot, window: MainWindow, context) -> None:
    existing = contacts.create_person(
        context.user, first_name="Giulia", last_name="Neri", email="giulia@neri.it"
    )
    lead = leads.create_lead(
        context.user,
        first_name="Giulia",
        last_name="Neri",
        email="giulia@neri.it",
        check_duplicates=False,
    )
    page = open_page(qtbot, window, "lead", lead)
    page.convert()
    dialog = active_dialog(qtbot, ConvertLeadDialog)
    dialog.convert_button.click()  # the first choice: use the existing contact
    assert Lead.get_by_id(lead.id).converted_contact_id == existing.id
    assert Contact.select().where(Contact.name == "Giulia Neri").count() == 1
