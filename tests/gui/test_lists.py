"""The list screens driven as a user would: open, sort, search, filter, smart lists, columns,
bulk actions (checked in the database), delete and undo, export, refresh on outside changes."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from desktopcrm.models import Profile, User
from desktopcrm.models.records import Contact, Deal, Lead, LeadStatus, LossReason, Stage
from desktopcrm.models.saved_lists import SavedList
from desktopcrm.qt import QApplication, QDate, QDialogButtonBox, QMessageBox, Qt
from desktopcrm.services import contacts, deals, leads, users
from desktopcrm.services.tags import tags_of
from desktopcrm.views.lists.dialogs import ReasonDialog, SaveViewDialog, TagDialog
from desktopcrm.views.lists.model import FIRST_ROWS
from desktopcrm.views.lists.screen import (
    CompaniesScreen,
    ContactsScreen,
    DealsScreen,
    LeadsScreen,
    ListScreen,
)


def person(actor: User, first: str, last: str, **fields: Any) -> Contact:
    return contacts.create_person(
        actor, first_name=first, last_name=last, check_duplicates=False, **fields
    )


def open_screen(qtbot, cls: type[ListScreen], context) -> ListScreen:  # type: ignore[no-untyped-def]
    screen = cls(context)
    qtbot.addWidget(screen)
    screen.resize(1200, 700)
    screen.show()
    settle(qtbot, screen)
    return screen


def settle(qtbot, screen: ListScreen) -> None:  # type: ignore[no-untyped-def]
    """Wait until the list has read its rows and its size."""
    qtbot.waitUntil(
        lambda: (
            screen.model.has_loaded
            and not screen._refresh_timer.isActive()
            and not screen._search_timer.isActive()
            and not screen.model.busy
            and screen.model._job is None
            and screen.model._open_pending is None
        ),
        timeout=5000,
    )


def shown(screen: ListScreen, column: str = "name") -> list[str]:
    index = screen.model.column_of(column)
    return [screen.model.index(r, index).data() for r in range(screen.model.rowCount())]


def select_all(qtbot, screen: ListScreen) -> None:  # type: ignore[no-untyped-def]
    screen.table.setFocus()
    qtbot.keyClick(screen.table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert screen.selected_count() == screen.model.rowCount()
    assert screen.bulk_bar.isVisible()


def wait_bulk(qtbot, screen: ListScreen) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: screen._bulk is None, timeout=5000)
    settle(qtbot, screen)


def accept(qtbot, dialog) -> None:  # type: ignore[no-untyped-def]
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)


def trigger(menu, text: str) -> None:  # type: ignore[no-untyped-def]
    menu.aboutToShow.emit()
    action = next(a for a in menu.actions() if a.text() == text)
    action.trigger()


# --------------------------------------------------------------------------- reading


def test_contacts_sort_search_and_open(qtbot, context) -> None:
    admin = context.user
    anna = person(admin, "Anna", "Berg", city="Berlin")
    person(admin, "Bruno", "Costa", city="Lisbon")
    person(admin, "Carla", "Dias", city="Porto")
    contacts.create_company(admin, "Acme", check_duplicates=False)
    screen = open_screen(qtbot, ContactsScreen, context)
    assert shown(screen) == ["Anna Berg", "Bruno Costa", "Carla Dias"]
    assert screen.count_label.text() == "3 people"
    assert screen.table.horizontalHeader().sortIndicatorSection() == 0

    # a click on the Name header sorts the other way; Owner is not sortable
    header = screen.table.horizontalHeader()
    header.sectionClicked.emit(0)
    settle(qtbot, screen)
    assert shown(screen) == ["Carla Dias", "Bruno Costa", "Anna Berg"]
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    header.sectionClicked.emit(screen.model.column_of("owner"))
    settle(qtbot, screen)
    assert shown(screen) == ["Carla Dias", "Bruno Costa", "Anna Berg"]

    # typing in the search box narrows the list
    qtbot.keyClicks(screen.search, "ann")
    qtbot.waitUntil(lambda: shown(screen) == ["Anna Berg"], timeout=3000)
    assert screen.count_label.text() == "1 person"

    # Enter on a row asks the window to open it
    screen.table.setFocus()
    screen.table.setCurrentIndex(screen.model.index(0, 0))
    with qtbot.waitSignal(context.open_record) as opened:
        qtbot.keyClick(screen.table, Qt.Key.Key_Return)
    assert opened.args == ["contact", str(anna.id)]

    # nothing matches: the empty state says so and clears
    qtbot.keyClicks(screen.search, "zzz")
    qtbot.waitUntil(lambda: screen.stack.currentWidget() is screen.empty, timeout=3000)
    assert screen.empty_title.text() == "No people match"
    qtbot.mouseClick(screen.clear_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: screen.model.rowCount() == 3, timeout=3000)
    assert screen.stack.currentWidget() is screen.table


def test_empty_list_says_how_to_add(qtbot, context) -> None:
    screen = open_screen(qtbot, CompaniesScreen, context)
    assert screen.stack.currentWidget() is screen.empty
    assert screen.empty_title.text() == "No companies yet"
    assert not screen.clear_button.isVisible()


def test_filter_panel_and_smart_lists(qtbot, context) -> None:
    admin = context.user
    working = LeadStatus.get(LeadStatus.kind == "working")
    leads.create_lead(admin, first_name="Ada", last_name="One", check_duplicates=False)
    hot = leads.create_lead(
        admin, first_name="Bea", last_name="Two", priority="A", check_duplicates=False
    )
    leads.set_lead_status(admin, hot, working)
    screen = open_screen(qtbot, LeadsScreen, context)
    assert sorted(shown(screen)) == ["Ada One", "Bea Two"]

    # a condition on the status, built in the panel
    qtbot.mouseClick(screen.filter_button, Qt.MouseButton.LeftButton)
    assert screen.filter_panel.isVisible()
    row = screen.filter_panel.rows[0]
    row.field_combo.setCurrentIndex(row.field_combo.findData("status"))
    row.choice_combo.setCurrentIndex(row.choice_combo.findText("Working"))
    qtbot.waitUntil(lambda: shown(screen) == ["Bea Two"], timeout=3000)
    assert screen.filter_button.text() == "Filters · 1"
    status_cell = screen.model.index(0, screen.model.column_of("status"))
    from desktopcrm.views.lists.model import CHIP_ROLE

    chip = status_cell.data(CHIP_ROLE)
    assert (chip.text, chip.fg, chip.bg) == ("Working", working.fg_color, working.bg_color)

    # saved as a smart list, through its dialog
    screen.save_view()
    dialog = screen.findChild(SaveViewDialog)
    qtbot.keyClicks(dialog.name_edit, "Working leads")
    accept(qtbot, dialog)
    qtbot.waitUntil(lambda: "Working leads" in _view_names(screen), timeout=3000)
    saved = SavedList.get(SavedList.name == "Working leads")
    assert (saved.kind, saved.owner_id, saved.shared) == ("lead", admin.id, False)
    assert '"field": "status"' in saved.definition

    # back to everything, then the smart list again: its filter comes back
    screen.choose_view("all")
    settle(qtbot, screen)
    assert len(shown(screen)) == 2 and screen.filter_panel.filters() == []
    screen.choose_view(saved.id.hex)
    settle(qtbot, screen)
    assert shown(screen) == ["Bea Two"]
    assert screen.filter_panel.filters()[0].field == "status"

    # renamed and deleted from its menu
    screen.update_smart_list(saved.id.hex, name="Hot", spec=False)
    qtbot.waitUntil(lambda: "Hot" in _view_names(screen), timeout=3000)
    screen.delete_smart_list(saved.id.hex)
    qtbot.waitUntil(lambda: "Hot" not in _view_names(screen), timeout=3000)
    assert SavedList.get_by_id(saved.id).deleted_at is not None
    assert screen.view_key == "all"


def test_date_picker_relative_dates_and_several_choices(qtbot, context) -> None:
    """Dates are picked in a calendar or relative to today (a smart list stays current);
    a choice field takes several values ("is any of"); all survive a smart list's save."""
    admin = context.user
    today = dt.date.today()
    for first, priority, age in (("Ada", None, 40), ("Bea", "A", 0), ("Cid", "B", 3)):
        lead = leads.create_lead(
            admin, first_name=first, last_name="Lead", priority=priority, check_duplicates=False
        )
        when = dt.datetime.combine(today - dt.timedelta(days=age), dt.time(12))
        Lead.update(created_at=when).where(Lead.id == lead.id).execute()
    screen = open_screen(qtbot, LeadsScreen, context)
    qtbot.mouseClick(screen.filter_button, Qt.MouseButton.LeftButton)
    row = screen.filter_panel.rows[0]
    row.field_combo.setCurrentIndex(row.field_combo.findData("created_at"))

    row.op_combo.setCurrentIndex(row.op_combo.findData("last_days"))
    assert not row.value_edit.isHidden() and row.date_edit.isHidden()
    qtbot.keyClicks(row.value_edit, "7")
    qtbot.waitUntil(lambda: sorted(shown(screen)) == ["Bea Lead", "Cid Lead"], timeout=3000)
    row.op_combo.setCurrentIndex(row.op_combo.findData("today"))
    qtbot.waitUntil(lambda: shown(screen) == ["Bea Lead"], timeout=3000)
    assert row.value_edit.isHidden() and row.date_edit.isHidden()

    row.op_combo.setCurrentIndex(row.op_combo.findData("between"))  # two calendars
    assert not row.date_edit.isHidden() and not row.high_date_edit.isHidden()
    assert row.date_edit.calendarPopup()
    row.date_edit.setDate(QDate(today - dt.timedelta(days=50)))
    row.high_date_edit.setDate(QDate(today - dt.timedelta(days=30)))
    qtbot.waitUntil(lambda: shown(screen) == ["Ada Lead"], timeout=3000)

    row.op_combo.setCurrentIndex(row.op_combo.findData("last_days"))
    row.value_edit.setText("7")
    second = screen.filter_panel.add_condition()
    second.field_combo.setCurrentIndex(second.field_combo.findData("priority"))
    second.op_combo.setCurrentIndex(second.op_combo.findData("in"))
    assert not second.choices_button.isHidden() and second.choice_combo.isHidden()
    for action in second.choices_button.menu_.actions():
        if action.data() in ("A", "B"):
            action.setChecked(True)
    assert second.choices_button.text() == "A (hot), B (warm)"
    qtbot.waitUntil(lambda: sorted(shown(screen)) == ["Bea Lead", "Cid Lead"], timeout=3000)

    screen.save_view()
    dialog = screen.findChild(SaveViewDialog)
    qtbot.keyClicks(dialog.name_edit, "Recent hot")
    accept(qtbot, dialog)
    qtbot.waitUntil(lambda: "Recent hot" in _view_names(screen), timeout=3000)
    saved = SavedList.get(SavedList.name == "Recent hot")
    assert '"op": "last_days"' in saved.definition  # relative: evaluated on the day it is read
    screen.choose_view("all")
    settle(qtbot, screen)
    screen.choose_view(saved.id.hex)
    settle(qtbot, screen)
    assert sorted(shown(screen)) == ["Bea Lead", "Cid Lead"]
    restored = screen.filter_panel.filters()
    assert [(f.field, f.op) for f in restored] == [("created_at", "last_days"), ("priority", "in")]
    assert sorted(restored[1].value) == ["A", "B"]


def _view_names(screen: ListScreen) -> list[str]:
    return [screen.views.list.item(r).text() for r in range(screen.views.list.count())]


def test_my_view_and_column_chooser_remembered(qtbot, context) -> None:
    admin = context.user
    other = users.create_user(admin, "Olga Other")
    person(admin, "Mine", "Person", city="Rome")
    person(admin, "Their", "Person", owner=other)
    screen = open_screen(qtbot, ContactsScreen, context)
    screen.views.select("mine")
    screen.choose_view("mine")
    settle(qtbot, screen)
    assert shown(screen) == ["Mine Person"]
    screen.choose_view("all")
    settle(qtbot, screen)

    assert screen.model.column_of("city") == -1
    trigger(screen.columns_menu, "City")
    settle(qtbot, screen)
    assert shown(screen, "city") == ["Rome", ""]
    again = open_screen(qtbot, ContactsScreen, context)
    assert again.model.column_of("city") >= 0


# --------------------------------------------------------------------------- bulk actions


def test_bulk_assign_tags_and_lead_status(qtbot, context) -> None:
    admin = context.user
    bea = users.create_user(admin, "Bea Seller")
    for name in ("One", "Two", "Three"):
        leads.create_lead(admin, last_name=name, check_duplicates=False)
    screen = open_screen(qtbot, LeadsScreen, context)
    select_all(qtbot, screen)
    assert screen.bulk_bar.count_label.text() == "3 leads selected"

    trigger(screen.bulk_bar.owner_button.menu(), "Bea Seller")
    wait_bulk(qtbot, screen)
    assert {lead.owner_id for lead in Lead.select()} == {bea.id}

    select_all(qtbot, screen)
    trigger(screen.bulk_bar.tag_button.menu(), "Add tags…")
    dialog = screen.findChild(TagDialog)
    dialog.tag_combo.setEditText("Fair 2025, VIP")
    accept(qtbot, dialog)
    wait_bulk(qtbot, screen)
    assert all(tags_of(lead.id) == ["Fair 2025", "VIP"] for lead in Lead.select())
    tag_column = screen.model.column_of("tags")
    assert screen.model.index(0, tag_column).data() == "Fair 2025, VIP"

    select_all(qtbot, screen)
    trigger(screen.bulk_bar.tag_button.menu(), "Remove tags…")
    dialog = next(d for d in screen.findChildren(TagDialog) if d.isVisible())
    dialog.tag_combo.setEditText("vip")
    accept(qtbot, dialog)
    wait_bulk(qtbot, screen)
    assert all(tags_of(lead.id) == ["Fair 2025"] for lead in Lead.select())

    select_all(qtbot, screen)
    trigger(screen.bulk_bar.status_button.menu(), "Unqualified")
    wait_bulk(qtbot, screen)
    unqualified = LeadStatus.get(LeadStatus.kind == "unqualified")
    assert {lead.status_id for lead in Lead.select()} == {unqualified.id}
    assert set(shown(screen, "status")) == {"Unqualified"}


def test_deal_stage_needs_a_reason(qtbot, context) -> None:
    admin = context.user
    first = deals.create_deal(admin, "Alpha", 100)
    deals.create_deal(admin, "Beta", 200)
    screen = open_screen(qtbot, DealsScreen, context)
    select_all(qtbot, screen)
    lost = Stage.get(Stage.kind == "lost", Stage.pipeline == first.pipeline_id)
    trigger(screen.bulk_bar.status_button.menu(), lost.name)
    dialog = screen.findChild(ReasonDialog)
    assert dialog is not None and dialog.reason_combo.count() > 0
    dialog.note_edit.setPlainText("Budget cut")
    reason = LossReason.get_by_id(dialog.reason)
    accept(qtbot, dialog)
    wait_bulk(qtbot, screen)
    for deal in Deal.select():
        assert (deal.stage_id, deal.loss_reason_id, deal.loss_note) == (
            lost.id,
            reason.id,
            "Budget cut",
        )
    assert set(shown(screen, "stage")) == {lost.name}


def test_refusals_are_shown_plainly(qtbot, context) -> None:
    admin = context.user
    seller = users.create_user(admin, "Sam Seller", profile=Profile.USER)
    other = users.create_user(admin, "Olga Other", profile=Profile.USER)
    person(admin, "Own", "Record", owner=seller)
    context.switch_user(seller)
    screen = open_screen(qtbot, ContactsScreen, context)
    assert shown(screen) == ["Own Record"]
    select_all(qtbot, screen)
    screen.assign_owner(other.id)
    qtbot.waitUntil(lambda: screen.findChild(QMessageBox, "BulkRefusals") is not None)
    box = screen.findChild(QMessageBox, "BulkRefusals")
    assert "Own Record: You cannot assign records to Olga Other" in box.text()
    wait_bulk(qtbot, screen)
    assert Contact.get(Contact.name == "Own Record").owner_id == seller.id


def test_delete_with_del_and_undo(qtbot, context) -> None:
    admin = context.user
    ann = person(admin, "Ann", "Gone")
    person(admin, "Ben", "Stays")
    screen = open_screen(qtbot, ContactsScreen, context)
    screen.table.setFocus()
    screen.table.selectRow(0)
    qtbot.keyClick(screen.table, Qt.Key.Key_Delete)
    wait_bulk(qtbot, screen)
    assert Contact.get_by_id(ann.id).deleted_at is not None
    assert shown(screen) == ["Ben Stays"]
    assert screen.undo_bar.isVisible()
    assert screen.undo_bar.text.text() == "Deleted 1 person."
    qtbot.mouseClick(screen.undo_bar.undo_button, Qt.MouseButton.LeftButton)
    wait_bulk(qtbot, screen)
    qtbot.waitUntil(lambda: shown(screen) == ["Ann Gone", "Ben Stays"], timeout=3000)
    assert Contact.get_by_id(ann.id).deleted_at is None
    assert not screen.undo_bar.isVisible()


def test_export_selection_to_csv(qtbot, context, tmp_path: Path) -> None:
    admin = context.user
    for first in ("Ann", "Ben", "Cid"):
        person(admin, first, "Export", email=f"{first.lower()}@example.com")
    screen = open_screen(qtbot, ContactsScreen, context)
    screen.table.selectRow(0)
    screen.table.selectionModel().select(
        screen.model.index(2, 0),
        screen.table.selectionModel().SelectionFlag.Select
        | screen.table.selectionModel().SelectionFlag.Rows,
    )
    target = tmp_path / "people.csv"
    with qtbot.waitSignal(context.message, timeout=5000) as said:
        screen.export(selection=True, path=str(target))
    assert said.args == [f"Exported 2 people to {target}"]
    with target.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(r["Email"] for r in rows) == ["ann@example.com", "cid@example.com"]

    # the whole list, in the order it is shown (sorted by name, descending)
    screen.table.horizontalHeader().sectionClicked.emit(0)
    settle(qtbot, screen)
    assert shown(screen) == ["Cid Export", "Ben Export", "Ann Export"]
    everything = tmp_path / "all.csv"
    with qtbot.waitSignal(context.message, timeout=5000):
        screen.export(selection=False, path=str(everything))
    with everything.open(encoding="utf-8-sig") as handle:
        assert [r["First name"] for r in csv.DictReader(handle)] == ["Cid", "Ben", "Ann"]


# --------------------------------------------------------------------------- live refresh


def test_refreshes_when_records_change_elsewhere(qtbot, context) -> None:
    admin = context.user
    person(admin, "Ann", "First")
    screen = open_screen(qtbot, ContactsScreen, context)
    screen.table.selectRow(0)
    person(admin, "Zed", "Later")
    context.records_changed.emit("contact")
    qtbot.waitUntil(lambda: shown(screen) == ["Ann First", "Zed Later"], timeout=3000)
    assert screen.count_label.text() == "2 people"
    assert screen.selected_count() == 1  # the selection stays
    Contact.update(city="Oslo").where(Contact.name == "Zed Later").execute()
    screen.set_columns(["name", "city"])
    settle(qtbot, screen)
    contacts.update_contact(admin, Contact.get(Contact.name == "Ann First"), city="Bergen")
    context.database_changed.emit()  # another app committed
    qtbot.waitUntil(lambda: shown(screen, "city") == ["Bergen", "Oslo"], timeout=3000)


def test_selection_follows_its_records_when_rows_move(qtbot, context) -> None:
    """A record added above (or a selected one deleted) moves rows: the selection stays on
    the same records, so a bulk action never hits the record that slid into their place."""
    admin = context.user
    for first in ("Bea", "Cid", "Dan", "Eve"):
        person(admin, first, "Kept")
    screen = open_screen(qtbot, ContactsScreen, context)
    model = screen.model
    flags = screen.table.selectionModel().SelectionFlag
    screen.table.selectRow(1)  # Cid
    screen.table.selectionModel().select(model.index(3, 0), flags.Select | flags.Rows)  # Eve
    person(admin, "Abe", "Kept")  # sorts first: every row moves down one
    contacts.delete_contact(admin, Contact.get(Contact.first_name == "Eve"))
    context.records_changed.emit("contact")
    qtbot.waitUntil(lambda: shown(screen)[0] == "Abe Kept", timeout=3000)
    settle(qtbot, screen)
    chosen = [shown(screen)[i.row()] for i in screen.table.selectionModel().selectedRows()]
    assert chosen == ["Cid Kept"]  # Eve left the list, Cid is one row lower
    assert screen.bulk_bar.count_label.text() == "1 person selected"
    assert shown(screen)[screen.table.currentIndex().row()] in {"Cid Kept", "Dan Kept"}

    select_all(qtbot, screen)  # the four records, not the one that arrives next
    person(admin, "Fay", "Kept")
    context.records_changed.emit("contact")
    qtbot.waitUntil(lambda: "Fay Kept" in shown(screen), timeout=3000)
    settle(qtbot, screen)
    assert screen.selected_count() == 4 and model.rowCount() == 5
    fay = screen.model.index(shown(screen).index("Fay Kept"), 0)
    assert not screen.table.selectionModel().isRowSelected(fay.row())


def test_select_all_of_a_long_list_stays_select_all(qtbot, context) -> None:
    """Rows not loaded have no id at hand: a select-all over them stays a select-all."""
    admin = context.user
    for number in range(FIRST_ROWS + 20):
        person(admin, f"P{number:03d}", "Long")
    screen = open_screen(qtbot, ContactsScreen, context)
    screen.resize(1200, 400)
    select_all(qtbot, screen)
    assert len(screen.model.loaded_rows()) < screen.model.rowCount()
    person(admin, "A000", "First")
    context.records_changed.emit("contact")
    qtbot.waitUntil(lambda: screen.model.rowCount() == FIRST_ROWS + 21, timeout=3000)
    settle(qtbot, screen)
    assert screen.selected_count() == FIRST_ROWS + 21


@pytest.mark.parametrize("cls", [LeadsScreen, ContactsScreen, CompaniesScreen, DealsScreen])
def test_every_list_passes_the_model_tester(qtbot, context, qtmodeltester, cls) -> None:
    admin = context.user
    acme = contacts.create_company(admin, "Acme", check_duplicates=False)
    ann = person(admin, "Ann", "Tester", company=acme, tags=["VIP"])
    leads.create_lead(admin, last_name="Lead", check_duplicates=False, tags=["VIP"])
    deals.create_deal(admin, "Deal", 10, primary_contact=ann)
    screen = open_screen(qtbot, cls, context)
    assert screen.model.rowCount() == 1
    qtmodeltester.check(screen.model)
    screen.grab()  # paints chips, pills and avatars without warnings
    QApplication.processEvents()


def test_cells_are_painted_by_the_delegate(qtbot, context) -> None:
    """Text, chips, tags and owners are painted from the rows' cached lines (chips and avatars
    drawn once into pixmaps), selected rows in the selection colour, unread rows as bars."""
    from desktopcrm.qt import QColor
    from desktopcrm.views.lists.delegate import _scheme_colours

    admin = context.user
    acme = contacts.create_company(admin, "Acme", check_duplicates=False)
    person(admin, "Anna", "Berg", company=acme, tags=["VIP", "Fair"])
    person(admin, "Bob", "Berg", owner=None)
    screen = open_screen(qtbot, ContactsScreen, context)
    screen.table.selectRow(0)
    image = screen.table.viewport().grab().toImage()
    assert screen.delegate._pixmaps  # chips, tag pills and the avatar
    assert any(key[0] == "avatar" for key in screen.delegate._pixmaps)
    selection = _scheme_colours("light")["selection"]
    name_rect = screen.table.visualRect(screen.model.index(0, 0))
    assert QColor(image.pixel(name_rect.right() - 2, name_rect.top() + 2)) == selection
    assert screen.model.line(0) is not None and screen.model.line(0).texts[:2] == (
        "Anna Berg",
        "Acme",
    )
    screen.model._blocks.clear()  # rows not read yet: placeholders, and a read is asked for
    screen.model._lines.clear()
    screen.table.viewport().grab()
    assert screen.model._wanted == [0]
    qtbot.waitUntil(lambda: screen.model.row(0) is not None, timeout=3000)
