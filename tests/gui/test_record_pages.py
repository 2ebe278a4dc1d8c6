"""Record pages driven as a user would: open, edit (valid and invalid), custom fields, status,
notes, tags, documents, delete with undo, back navigation. Outcomes are read back from the
database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from desktopcrm.models import Profile
from desktopcrm.models.attachments import Document
from desktopcrm.models.custom_fields import FieldType
from desktopcrm.models.notes import Note
from desktopcrm.models.records import Contact, Deal, Lead, RecordKind
from desktopcrm.qt import QDesktopServices, Qt
from desktopcrm.services import (
    contacts,
    custom_fields,
    deals,
    leads,
    notes,
    pipelines,
    tags,
    users,
)
from desktopcrm.services.typed_values import Money
from desktopcrm.views.main_window import MainWindow
from tests.gui.conftest import show_active
from tests.gui.record_helpers import open_page, reload_and_wait, type_into, wait_loaded


@pytest.fixture
def person(context) -> Contact:
    company = contacts.create_company(context.user, "Globex Corporation", city="Springfield")
    return contacts.create_person(
        context.user,
        first_name="Anna",
        last_name="Rossi",
        email="anna@globex.example",
        company=company,
    )


def test_open_record_shows_the_page_in_the_window_and_back_returns(
    qtbot, window: MainWindow, person: Contact
) -> None:
    before = window.current_key
    page = open_page(qtbot, window, "contact", person)
    assert window.stack.currentWidget() is page
    assert window.top_bar.title.text() == "Contacts"  # the list; the page's header names her
    assert page.title_label.text() == "Anna Rossi"
    assert window.windowTitle().startswith("Anna Rossi")
    assert page.kind_badge.text() == "Person"
    assert page.form.rows["email"].editor.raw() == "anna@globex.example"
    assert not page.save_bar.isVisible()
    company_section = next(s for s in page.details.related if s.title == "Company")
    assert company_section.items[0].title == "Globex Corporation"
    # the company link opens the company's page; Alt+Left goes back to the person, then on
    page.related.rows[0].link.click()
    company_page = window.current_record
    wait_loaded(qtbot, company_page)
    assert company_page.title == "Globex Corporation"
    employees = next(s for s in company_page.details.related if s.title == "Employees")
    assert [i.title for i in employees.items] == ["Anna Rossi"]
    qtbot.keyClick(window, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert window.current_record is page
    page.back_button.click()
    assert window.current_record is None
    assert window.current_key == before


def test_editing_a_field_saves_it_and_a_refused_value_shows_under_the_field(
    qtbot, window: MainWindow, person: Contact
) -> None:
    page = open_page(qtbot, window, "contact", person)
    type_into(qtbot, page, "email", "anna at globex")
    assert page.save_bar.isVisible()
    assert "1 unsaved change" in page.save_text.text()
    qtbot.keyClick(
        page.form.rows["email"].editor.focus_target(),
        Qt.Key.Key_S,
        Qt.KeyboardModifier.ControlModifier,
    )
    assert "is not an email address" in page.form.error_text("email")
    assert Contact.get_by_id(person.id).email == "anna@globex.example"

    type_into(qtbot, page, "email", "anna.rossi@globex.example")
    assert page.form.error_text("email") == ""  # typing clears the message
    type_into(qtbot, page, "phone", "+39 02 1234 5678")
    page.save_button.click()
    saved = Contact.get_by_id(person.id)
    assert (saved.email, saved.phone) == ("anna.rossi@globex.example", "+39 02 1234 5678")
    assert not page.is_dirty()
    reload_and_wait(qtbot, page)
    assert not page.save_bar.isVisible()
    assert any("changed Email and Phone" in text for text in page.timeline.texts())


def test_person_name_cannot_be_emptied(qtbot, window: MainWindow, person: Contact) -> None:
    page = open_page(qtbot, window, "contact", person)
    type_into(qtbot, page, "first_name", "")
    type_into(qtbot, page, "last_name", "")
    assert not page.save()
    assert "first or last name" in page.form.error_text("last_name")
    assert Contact.get_by_id(person.id).name == "Anna Rossi"
    page.discard()
    assert page.form.rows["last_name"].editor.raw() == "Rossi"


def test_custom_fields_of_every_type(qtbot, window: MainWindow, context) -> None:
    user = context.user
    kind = RecordKind.LEAD
    custom_fields.create_field(user, kind, "Budget", FieldType.CURRENCY, currency="EUR")
    custom_fields.create_field(user, kind, "Seats", FieldType.NUMBER)
    custom_fields.create_field(user, kind, "Trial ends", FieldType.DATE)
    custom_fields.create_field(user, kind, "Newsletter", FieldType.CHECKBOX)
    custom_fields.create_field(user, kind, "Size", FieldType.DROPDOWN, options=["S", "M", "L"])
    custom_fields.create_field(
        user, kind, "Products", FieldType.MULTISELECT, options=["CRM", "ERP", "Mail"]
    )
    custom_fields.create_field(user, kind, "Homepage", FieldType.URL)
    custom_fields.create_field(user, kind, "Notes", FieldType.PARAGRAPH)
    lead = leads.create_lead(user, first_name="Ivo", last_name="Bianchi", company_name="Acme")
    page = open_page(qtbot, window, "lead", lead)
    assert page.custom_card.isVisibleTo(page)
    rows = page.custom_form.rows
    assert set(rows) >= {"budget", "seats", "trial_ends", "newsletter", "size", "products"}

    type_into(qtbot, page, "seats", "twelve", custom=True)
    assert not page.save()
    assert "is not a number" in page.custom_form.error_text("seats")
    assert custom_fields.get_values(kind, lead.id) == {}

    type_into(qtbot, page, "seats", "12", custom=True)
    type_into(qtbot, page, "trial_ends", "2026-03-31", custom=True)
    type_into(qtbot, page, "homepage", "acme.example", custom=True)
    rows["budget"].editor.amount.setFocus()
    qtbot.keyClicks(rows["budget"].editor.amount, "1250.50")
    rows["newsletter"].editor.check.click()
    size = rows["size"].editor.combo
    size.setCurrentIndex(size.findText("M"))
    size.activated.emit(size.currentIndex())
    products = rows["products"].editor.list
    products.item(0).setCheckState(Qt.CheckState.Checked)
    products.item(2).setCheckState(Qt.CheckState.Checked)
    assert page.save(), page.save_text.text()
    values = custom_fields.get_values(kind, lead.id)
    assert values["seats"] == Decimal(12)
    assert values["trial_ends"] == dt.date(2026, 3, 31)
    assert values["budget"] == Money(Decimal("1250.5"), "EUR")
    assert values["newsletter"] is True
    assert values["size"] == "M"
    assert values["products"] == ["CRM", "Mail"]
    assert values["homepage"] == "https://acme.example"
    reload_and_wait(qtbot, page)
    assert not page.is_dirty()
    assert rows is not page.custom_form.rows or rows["seats"].editor.raw() == "12"
    assert page.custom_form.rows["products"].editor.raw() == ["CRM", "Mail"]


def test_lead_status_and_priority(qtbot, window: MainWindow, context) -> None:
    lead = leads.create_lead(context.user, first_name="Ivo", last_name="Bianchi")
    page = open_page(qtbot, window, "lead", lead)
    combo = page.status_panel.combos["lead_status"]
    assert combo.currentText() == "New"
    combo.setCurrentIndex(combo.findText("Working"))
    combo.activated.emit(combo.currentIndex())
    assert Lead.get_by_id(lead.id).status.name == "Working"
    priority = page.form.rows["priority"].editor.combo
    priority.setCurrentIndex(priority.findData("A"))
    priority.activated.emit(priority.currentIndex())
    assert page.save()
    assert Lead.get_by_id(lead.id).priority == "A"


def test_prospect_status_refusal_is_shown_plainly(
    qtbot, window: MainWindow, person: Contact, context
) -> None:
    deals.create_deal(context.user, "Licences", "1000", primary_contact=person)
    page = open_page(qtbot, window, "contact", person)
    prospect = page.status_panel.combos["prospect"]
    assert prospect.currentText() == "Current"
    prospect.setCurrentIndex(prospect.findText("Lost"))
    prospect.activated.emit(prospect.currentIndex())
    assert "has an open deal, so it cannot be a lost prospect" in page.status_panel.error.text()
    assert not page.status_panel.error.isHidden()
    assert prospect.currentText() == "Current"
    assert Contact.get_by_id(person.id).prospect_status == "current"
    deals_section = next(s for s in page.details.related if s.title == "Deals")
    assert deals_section.items[0].starred  # the person is the deal's primary contact


def test_deal_page_stage_contacts_and_primary_star(
    qtbot, window: MainWindow, person: Contact, context, monkeypatch
) -> None:
    other = contacts.create_person(context.user, first_name="Bruno", last_name="Verdi")
    deal = deals.create_deal(context.user, "Licences", "1000", primary_contact=person)
    page = open_page(qtbot, window, "deal", deal)
    people = next(s for s in page.details.related if s.title == "Contacts")
    assert [(i.title, i.starred) for i in people.items] == [("Anna Rossi", True)]
    # add a contact by type-ahead, then star it
    picker = page.related.picker
    picker.setFocus()
    qtbot.keyClicks(picker, "Brun")
    assert picker.refresh() >= 1
    assert picker.suggestions()[0] == "Bruno Verdi"
    picker.choose(0)
    wait_loaded(qtbot, page)
    assert {c.id for c in deals.contacts_of(Deal.get_by_id(deal.id))} == {person.id, other.id}
    bruno = next(i for i in page.related.rows if i.item.title == "Bruno Verdi")
    page.related.make_primary(bruno.item)
    assert Deal.get_by_id(deal.id).primary_contact_id == other.id
    # a lost stage asks for a reason; cancelling leaves the deal where it was
    reason = pipelines.loss_reasons("lost")[1]
    wait_loaded(qtbot, page)
    stage = page.status_panel.combos["stage"]
    before = stage.currentText()
    stage.setCurrentIndex(stage.findText("Lost"))
    stage.activated.emit(stage.currentIndex())
    dialog = page.status_panel.reason_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.reject()
    assert stage.currentText() == before and Deal.get_by_id(deal.id).stage.name != "Lost"
    stage.setCurrentIndex(stage.findText("Lost"))
    stage.activated.emit(stage.currentIndex())
    dialog = page.status_panel.reason_dialog
    dialog.reasons.setCurrentIndex(dialog.reasons.findText(reason.name))
    qtbot.keyClicks(dialog.note, "Went with a competitor")
    qtbot.keyClick(dialog.note, Qt.Key.Key_Return)
    saved = Deal.get_by_id(deal.id)
    assert saved.stage.name == "Lost"
    assert saved.loss_reason_id == reason.id
    wait_loaded(qtbot, page)
    assert "reason" in page.status_panel.info.text()


def test_notes_with_action_status_and_variables(
    qtbot, window: MainWindow, person: Contact, context
) -> None:
    from desktopcrm.models.notes import VariableType

    notes.create_variable(
        context.user,
        "Time zone",
        VariableType.DROPDOWN,
        options=["EST", "CET"],
        fg_color="#7c2d12",
        bg_color="#ffedd5",
    )
    notes.create_variable(context.user, "Order value", VariableType.CURRENCY)
    page = open_page(qtbot, window, "contact", person)
    composer = page.notes.composer
    assert composer.action.findText("Call") > 0
    composer.body.setFocus()
    qtbot.keyClicks(composer.body, "Called about the renewal")
    composer.pick(action="Call", status="No answer")
    composer.variables_toggle.click()
    composer.set_variable("Order value", ("abc", ""))
    assert not composer.submit()
    assert "Order value" in composer.variables.error_text(
        next(k for k, v in composer._variables.items() if v.name == "Order value")
    )
    composer.set_variable("Order value", ("120.50", "EUR"))
    composer.set_variable("Time zone", "CET")
    qtbot.keyClick(composer.body, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert composer.error.isHidden(), composer.error.text()
    assert composer.body.toPlainText() == ""
    [view] = notes.notes_of(RecordKind.CONTACT, person.id)
    assert view.note.body == "Called about the renewal"
    assert (view.action.name, view.status.name) == ("Call", "No answer")
    assert view.variables == {"Time zone": "CET", "Order value": Money(Decimal("120.5"), "EUR")}
    wait_loaded(qtbot, page)
    [card] = page.notes.cards
    chips = [w.text() for w in card.chips.widgets()]
    assert chips[:2] == ["Call", "No answer"]
    assert "Time zone: CET" in chips
    assert "#dbeafe" in card.chips.widgets()[0].styleSheet()  # the action's own colour
    page.tabs.setCurrentIndex(1)
    assert any("added a note" in text for text in page.timeline.texts())
    card.delete_button.click()
    assert Note.get_by_id(view.note.id).deleted_at is not None
    assert not page.notes.undo_bar.isHidden()
    page.notes.undo_button.click()
    assert Note.get_by_id(view.note.id).deleted_at is None
    wait_loaded(qtbot, page)
    assert len(page.notes.cards) == 1 and page.notes.undo_bar.isHidden()


def test_edit_a_note_keeps_the_edit_across_a_refresh_and_saves(
    qtbot, window: MainWindow, person: Contact, context
) -> None:
    from desktopcrm.models.notes import VariableType

    notes.create_variable(context.user, "Time zone", VariableType.DROPDOWN, options=["EST", "CET"])
    note = notes.add_note(
        context.user, person, "Called", action="Call", variables={"Time zone": "EST"}
    )
    page = open_page(qtbot, window, "contact", person)
    show_active(qtbot, window)
    [card] = page.notes.cards
    card.edit_button.click()
    editor = page.notes.editor
    assert editor is not None and editor.isVisible() and editor.body.hasFocus()
    assert editor.body.toPlainText() == "Called"
    assert editor.action.currentText() == "Call"
    editor.body.selectAll()
    qtbot.keyClicks(editor.body, "Called twice, no answer")
    editor.pick(status="No answer")
    editor.set_variable("Time zone", None)  # cleared
    contacts.update_contact(context.user, Contact.get_by_id(person.id), city="Oslo")
    context.database_changed.emit()  # the page reads itself again: the edit survives
    wait_loaded(qtbot, page)
    assert page.notes.editor is editor and editor.body.toPlainText() == "Called twice, no answer"
    assert editor.body.hasFocus()  # typing goes on where it was
    qtbot.keyClick(editor.body, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert editor.error.isHidden(), editor.error.text()
    [view] = notes.notes_of(RecordKind.CONTACT, person.id)
    assert view.note.body == "Called twice, no answer"
    assert (view.action.name, view.status.name) == ("Call", "No answer")
    assert view.variables == {}
    wait_loaded(qtbot, page)
    assert page.notes.editor is None and page.notes.cards[0].view.note.body.startswith("Called tw")

    # someone else changes it while I edit: nothing overwritten, a message says so
    show_active(qtbot, window)
    page.notes.cards[0].edit_button.click()
    editor = page.notes.editor
    notes.update_note(context.user, Note.get_by_id(note.id), body="Their text")
    editor.body.selectAll()
    qtbot.keyClicks(editor.body, "Mine")
    assert not editor.submit()
    assert "changed this note meanwhile" in editor.error.text()
    assert Note.get_by_id(note.id).body == "Their text"
    qtbot.keyClick(editor.body, Qt.Key.Key_Escape)
    wait_loaded(qtbot, page)
    assert page.notes.editor is None
    assert page.notes.cards[0].view.note.body == "Their text"


def test_only_the_author_or_an_admin_may_change_a_note(
    qtbot, window: MainWindow, person: Contact, context
) -> None:
    colleague = users.create_user(context.user, "Uma User", profile=Profile.USER)
    notes.add_note(context.user, person, "Admin's note")
    contacts.update_contact(context.user, Contact.get_by_id(person.id), owner=colleague)
    context.switch_user(colleague)
    page = open_page(qtbot, window, "contact", person)
    [card] = page.notes.cards
    assert card.edit_button is None and card.delete_button is None


def test_empty_note_is_refused(qtbot, window: MainWindow, person: Contact) -> None:
    page = open_page(qtbot, window, "contact", person)
    assert not page.notes.composer.submit()
    assert "Write the note" in page.notes.composer.error.text()


def test_tags_add_with_completion_and_remove(
    qtbot, window: MainWindow, person: Contact, context
) -> None:
    other = contacts.create_person(context.user, first_name="Bruno", last_name="Verdi")
    tags.set_tags(other, ["Partner"])
    page = open_page(qtbot, window, "contact", person)
    assert "Partner" in page.tags.completions.stringList()
    page.tags.edit.setFocus()
    qtbot.keyClicks(page.tags.edit, "VIP, Trade fair")
    qtbot.keyClick(page.tags.edit, Qt.Key.Key_Return)
    assert tags.tags_of(person.id) == ["Trade fair", "VIP"]
    assert page.tags.tag_names() == ["Trade fair", "VIP"]
    assert page.tags.edit.text() == ""
    chip = next(w for w in page.tags.flow.widgets() if w.name == "VIP")
    chip.remove.click()
    assert tags.tags_of(person.id) == ["Trade fair"]
    wait_loaded(qtbot, page)
    page.tabs.setCurrentIndex(1)
    assert any("removed tag VIP" in text for text in page.timeline.texts())


def test_documents_add_open_remove_and_undo(
    qtbot, window: MainWindow, person: Contact, tmp_path: Path, monkeypatch
) -> None:
    page = open_page(qtbot, window, "contact", person)
    source = tmp_path / "offer.pdf"
    source.write_bytes(b"%PDF-1.4 offer")
    monkeypatch.setattr(
        "desktopcrm.views.record.documents_panel.QFileDialog.getOpenFileNames",
        lambda *a, **k: ([str(source)], ""),
    )
    with qtbot.waitSignal(page.documents.saved, timeout=10_000):
        page.documents.add_button.click()
    wait_loaded(qtbot, page)
    [document] = Document.live().where(Document.record_id == person.id)
    assert document.filename == "offer.pdf"
    assert [row.document.filename for row in page.documents.rows] == ["offer.pdf"]
    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()))
    page.documents.rows[0].open_button.click()
    assert Path(opened[0]).read_bytes() == b"%PDF-1.4 offer"
    page.documents.rows[0].remove_button.click()
    assert Document.get_by_id(document.id).deleted_at is not None
    assert page.documents.undo_row.isVisibleTo(page)
    page.documents.undo_button.click()
    assert Document.get_by_id(document.id).deleted_at is None
    wait_loaded(qtbot, page)
    assert len(page.documents.rows) == 1


def test_missing_file_is_refused_under_the_documents(
    qtbot, window: MainWindow, person: Contact, tmp_path: Path
) -> None:
    page = open_page(qtbot, window, "contact", person)
    operation = page.documents.add_files([tmp_path / "gone.pdf"])
    qtbot.waitUntil(lambda: not operation.running, timeout=10_000)
    assert "does not exist" in page.documents.error.text()


def test_delete_with_undo(qtbot, window: MainWindow, person: Contact) -> None:
    page = open_page(qtbot, window, "contact", person)
    page.delete_button.click()
    assert Contact.get_by_id(person.id).deleted_at is not None
    assert page.notice.isVisibleTo(page)
    assert "was deleted" in page.notice_text.text()
    page.undo_button.click()
    assert Contact.get_by_id(person.id).deleted_at is None
    wait_loaded(qtbot, page)
    assert page.delete_button.isEnabled()


def test_a_missing_record_says_so(qtbot, window: MainWindow) -> None:
    import uuid

    window.context.open_record.emit("lead", uuid.uuid4().hex)
    page = window.current_record
    wait_loaded(qtbot, page)
    assert "no longer exists" in page.placeholder.text()


def test_dark_theme_and_accessible_names(qtbot, window: MainWindow, person, context) -> None:
    page = open_page(qtbot, window, "contact", person)
    context.theme.set_choice("dark")
    assert "#25284a" in page.styleSheet()  # the dark accent_soft of the kind badge
    assert page.back_button.accessibleName() == "Back"
    assert page.form.rows["email"].editor.focus_target().accessibleName() == "Email"
    assert page.tags.edit.accessibleName() == "Add a tag"
    assert page.notes.composer.action.accessibleName() == "Action"
