"""Settings editors driven as a user: pipelines and stages, loss reasons, custom fields with
options, note labels with colours, lead statuses, and the read-only view of non-admins."""

from __future__ import annotations

from desktopcrm.models import Profile
from desktopcrm.models.custom_fields import FieldType
from desktopcrm.models.notes import NoteAction, NoteVariable, VariableType
from desktopcrm.models.records import Deal, Lead, RecordKind, StageKind
from desktopcrm.qt import QAbstractItemView, QLineEdit, QMessageBox, Qt
from desktopcrm.services import custom_fields, deals, leads, notes, pipelines, users
from desktopcrm.views.settings.custom_fields_section import CustomFieldsSection
from desktopcrm.views.settings.editor_list import EditorList
from desktopcrm.views.settings.lead_statuses_section import LeadStatusesSection
from desktopcrm.views.settings.note_labels_section import NoteLabelsSection
from desktopcrm.views.settings.pipelines_section import PipelinesSection


def _names(editor: EditorList) -> list[str]:
    return [editor.list.item(row).text() for row in range(editor.list.count())]


def _stage_names(pipeline) -> list[str]:  # type: ignore[no-untyped-def]
    return [s.name for s in pipelines.stages_of(pipeline)]


def _rename_in_place(qtbot, editor: EditorList, row: int, text: str) -> None:  # type: ignore[no-untyped-def]
    editor.list.setCurrentRow(row)
    editor.list.setFocus()
    qtbot.keyClick(editor.list, Qt.Key.Key_F2)
    assert editor.list.state() == QAbstractItemView.State.EditingState
    line = next(w for w in editor.list.findChildren(QLineEdit) if w.isVisible())
    line.selectAll()
    qtbot.keyClicks(line, text)
    qtbot.keyClick(line, Qt.Key.Key_Return)  # the delegate commits in a queued call
    qtbot.waitUntil(lambda: editor.list.state() != QAbstractItemView.State.EditingState)


def test_admin_adds_renames_reorders_and_deletes_stages(qtbot, context) -> None:
    section = PipelinesSection(context)
    qtbot.addWidget(section)
    section.show()
    sales = pipelines.pipelines()[0]
    active = section.stage_list

    # add a stage by typing its name and pressing Enter
    qtbot.keyClicks(section.new_stage_edit, "Proposal")
    with qtbot.waitSignal(context.records_changed):
        qtbot.keyClick(section.new_stage_edit, Qt.Key.Key_Return)
    assert _stage_names(sales)[:7] == [
        "Incoming",
        "Qualified",
        "Demo",
        "Quote",
        "Negotiation",
        "Closure",
        "Proposal",
    ]
    assert _names(active)[-1] == "Proposal"
    assert active.list.currentRow() == 6

    # rename in place with F2
    _rename_in_place(qtbot, active, 2, "Product demo")
    assert _stage_names(sales)[2] == "Product demo"

    # reorder with the keyboard: Proposal up twice
    active.list.setCurrentRow(6)
    active.list.setFocus()
    qtbot.keyClick(active.list, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    qtbot.keyClick(active.list, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert _stage_names(sales)[3:7] == ["Quote", "Proposal", "Negotiation", "Closure"]
    assert active.list.currentItem().text() == "Proposal"
    # closed stages stayed last
    assert [s.kind for s in pipelines.stages_of(sales)][-3:] == ["won", "lost", "unqualified"]

    # a drag-and-drop moves rows in the model the same way: Closure to the top
    active.list.model().moveRow(active.list.rootIndex(), 6, active.list.rootIndex(), 0)
    qtbot.waitUntil(lambda: _stage_names(sales)[0] == "Closure")
    assert _names(active)[0] == "Closure"

    # the probability of the selected stage
    active.select(next(s.id.hex for s in pipelines.stages_of(sales) if s.name == "Quote"))
    section.probability_spin.setValue(65)
    assert next(s for s in pipelines.stages_of(sales) if s.name == "Quote").probability == 65


def test_delete_a_stage_moves_its_deals_where_the_admin_chose(qtbot, context) -> None:
    sales = pipelines.pipelines()[0]
    stages = {s.name: s for s in pipelines.stages_of(sales)}
    on_quote = [
        deals.create_deal(context.user, f"Deal {i}", 100, stage=stages["Quote"]) for i in range(3)
    ]
    section = PipelinesSection(context)
    qtbot.addWidget(section)
    section.show()
    section.stage_list.select(stages["Quote"].id.hex)
    section.stage_list.list.setFocus()
    qtbot.keyClick(section.stage_list.list, Qt.Key.Key_Delete)
    dialog = section.delete_dialog
    assert dialog is not None and dialog.isVisible()
    assert not dialog.reason_combo.isVisible()
    dialog.choose_target("Lost")
    assert dialog.reason_combo.isVisible()  # a lost deal needs its reason
    dialog.reason_combo.setCurrentIndex(dialog.reason_combo.findText("Price"))
    with qtbot.waitSignal(context.records_changed, check_params_cb=lambda t: t == "deal"):
        qtbot.mouseClick(dialog.delete_button, Qt.MouseButton.LeftButton)
    assert "Quote" not in _stage_names(sales)
    assert "Quote" not in _names(section.stage_list)
    for deal in on_quote:
        moved = Deal.get_by_id(deal.id)
        assert moved.stage_id == stages["Lost"].id
        assert pipelines.LossReason.get_by_id(moved.loss_reason_id).name == "Price"


def test_closed_stages_are_fixed_but_renamable(qtbot, context) -> None:
    section = PipelinesSection(context)
    qtbot.addWidget(section)
    section.show()
    closed = section.closed_list
    assert _names(closed) == ["Won", "Lost", "Unqualified"]
    assert not closed.up_button.isVisible()
    flags = closed.list.item(0).flags()
    assert not flags & Qt.ItemFlag.ItemIsDragEnabled
    assert section.confirm_delete(closed.ids()[0]) is None  # no deleting a closed stage
    _rename_in_place(qtbot, closed, 0, "Closed won")
    sales = pipelines.pipelines()[0]
    won = next(s for s in pipelines.stages_of(sales) if s.kind == StageKind.WON.value)
    assert won.name == "Closed won"


def test_new_pipeline_and_refused_duplicate_name(qtbot, context) -> None:
    section = PipelinesSection(context)
    qtbot.addWidget(section)
    section.show()
    dialog = section.add_pipeline()
    qtbot.keyClicks(dialog.name_edit, "Sales")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert "already a pipeline named Sales" in dialog.error.text()
    dialog.name_edit.clear()
    qtbot.keyClicks(dialog.name_edit, "Services")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert [p.name for p in pipelines.pipelines()] == ["Sales", "Services"]
    assert section.pipeline_combo.currentText() == "Services"
    assert section.stage_list.list.count() == 6


def test_loss_reasons_add_and_remove(qtbot, context) -> None:
    section = PipelinesSection(context)
    qtbot.addWidget(section)
    section.show()
    card = section.reason_cards["unqualified"]
    qtbot.keyClicks(card.new_edit, "Merger")
    qtbot.mouseClick(card.add_button, Qt.MouseButton.LeftButton)
    assert "Merger" in [r.name for r in pipelines.loss_reasons("unqualified")]
    assert "Merger" in _names(card.list)
    card.list.select(card.list.ids()[_names(card.list).index("Timing")])
    qtbot.mouseClick(card.delete_button, Qt.MouseButton.LeftButton)
    assert "Timing" not in [r.name for r in pipelines.loss_reasons("unqualified")]
    assert "Timing" in [r.name for r in pipelines.loss_reasons("lost")]


def test_custom_field_with_options(qtbot, context) -> None:
    section = CustomFieldsSection(context)
    qtbot.addWidget(section)
    section.show()
    section.show_kind(RecordKind.DEAL)
    dialog = section.add_field()
    qtbot.keyClicks(dialog.name_edit, "Product line")
    dialog.choose_type(FieldType.MULTISELECT)
    assert dialog.options.isVisible()
    for label in ("Forklifts", "Racks"):
        qtbot.keyClicks(dialog.options.new_edit, label)
        qtbot.keyClick(dialog.options.new_edit, Qt.Key.Key_Return)
    qtbot.mouseClick(dialog.options.paste_button, Qt.MouseButton.LeftButton)
    dialog.options.paste_edit.setPlainText("Belts\nracks\n\nTraining\n")
    qtbot.mouseClick(dialog.options.add_lines_button, Qt.MouseButton.LeftButton)
    assert dialog.options.labels() == ["Forklifts", "Racks", "Belts", "Training"]
    assert dialog.options.count_label.text() == "4 of 500"
    with qtbot.waitSignal(context.records_changed):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    field = custom_fields.field_by_key(RecordKind.DEAL, "product_line")
    assert field is not None and field.type == "multiselect"
    assert [o.label for o in custom_fields.options_of(field)] == [
        "Forklifts",
        "Racks",
        "Belts",
        "Training",
    ]
    assert _names(section.list) == ["Product line"]
    assert section.list.list.item(0).data(Qt.ItemDataRole.UserRole + 4) == (
        "Multi-select · 4 options"
    )

    # edit: rename an option in place, move it first, remove another
    section.list.list.setFocus()
    qtbot.keyClick(section.list.list, Qt.Key.Key_Return)
    edit = section.dialog
    assert edit is not None and edit.field is not None
    _rename_in_place(qtbot, edit.options.list, 2, "Conveyor belts")
    edit.options.list.list.setCurrentRow(2)
    edit.options.list.move_current(-1)
    edit.options.list.move_current(-1)
    edit.options.list.select(edit.options.list.ids()[3])
    qtbot.mouseClick(edit.options.remove_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(edit.save_button, Qt.MouseButton.LeftButton)
    assert not edit.isVisible()
    labels = [o.label for o in custom_fields.options_of(field)]
    assert labels == ["Conveyor belts", "Forklifts", "Racks"]


def test_custom_field_type_without_options_and_delete(qtbot, context) -> None:
    field = custom_fields.create_field(context.user, RecordKind.LEAD, "Budget", FieldType.CURRENCY)
    other = custom_fields.create_field(context.user, RecordKind.LEAD, "Region", FieldType.TEXT)
    section = CustomFieldsSection(context)
    qtbot.addWidget(section)
    section.show()
    assert _names(section.list) == ["Budget", "Region"]
    section.list.select(other.id.hex)
    section.list.move_current(-1)
    assert [f.name for f in custom_fields.fields_of(RecordKind.LEAD)] == ["Region", "Budget"]
    box = section.confirm_delete(field.id.hex)
    assert box is not None
    delete = next(b for b in box.buttons() if b.text() == "Delete field")
    qtbot.mouseClick(delete, Qt.MouseButton.LeftButton)
    assert [f.name for f in custom_fields.fields_of(RecordKind.LEAD)] == ["Region"]
    assert _names(section.list) == ["Region"]


def test_note_action_with_colours(qtbot, context) -> None:
    section = NoteLabelsSection(context)
    qtbot.addWidget(section)
    section.show()
    dialog = section.add_label()
    qtbot.keyClicks(dialog.name_edit, "Visit")
    assert dialog.abbreviation_edit is not None
    qtbot.keyClicks(dialog.abbreviation_edit, "VST")
    picker = dialog.bg_field.pick()
    assert picker.isVisible()
    from desktopcrm.qt import QColor

    picker.setCurrentColor(QColor("#fde68a"))
    picker.accept()
    assert dialog.bg_field.colour() == "#fde68a"
    dialog.fg_field.edit.clear()
    qtbot.keyClicks(dialog.fg_field.edit, "#78350F")
    assert dialog.fg_field.colour() == "#78350f"
    assert dialog.preview.text() == "VST"
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    visit = NoteAction.get(NoteAction.name == "Visit")
    assert (visit.abbreviation, visit.fg_color, visit.bg_color) == ("VST", "#78350f", "#fde68a")
    row = _names(section.list).index("Visit")
    item = section.list.list.item(row)
    assert item.data(Qt.ItemDataRole.UserRole + 2) == "#fde68a"

    # a bad colour typed by hand is refused, the valid one stays
    edit = section.edit_label(visit.id.hex)
    assert edit is not None
    edit.fg_field.edit.clear()
    qtbot.keyClicks(edit.fg_field.edit, "#12")
    assert edit.fg_field.edit.property("invalid") is True
    assert edit.fg_field.colour() == "#78350f"


def test_note_action_in_use_is_deactivated(qtbot, context) -> None:
    lead = leads.create_lead(context.user, first_name="Ada", last_name="Byron")
    notes.add_note(context.user, lead, "Call back", action="Call")
    section = NoteLabelsSection(context)
    qtbot.addWidget(section)
    section.show()
    call = NoteAction.get(NoteAction.name == "Call")
    assert section.remove_label(call.id.hex) == "deactivated"
    assert not NoteAction.get_by_id(call.id).active
    assert "inactive" in section.list.list.item(0).data(Qt.ItemDataRole.UserRole + 4)


def test_dropdown_variable_with_options(qtbot, context) -> None:
    section = NoteLabelsSection(context)
    qtbot.addWidget(section)
    section.show()
    section.show_tab(NoteVariable)
    dialog = section.add_label()
    assert dialog.type_combo is not None and dialog.options is not None
    qtbot.keyClicks(dialog.name_edit, "Time zone")
    dialog.type_combo.setCurrentIndex(dialog.type_combo.findData(VariableType.DROPDOWN.value))
    assert dialog.options.isVisible()
    for label in ("EST", "PST"):
        qtbot.keyClicks(dialog.options.new_edit, label)
        qtbot.keyClick(dialog.options.new_edit, Qt.Key.Key_Return)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    variable = NoteVariable.get(NoteVariable.name == "Time zone")
    assert variable.type == "dropdown"
    assert [o.name for o in notes.variable_options(variable)] == ["EST", "PST"]
    assert "Dropdown · 2 options" in section.list.list.item(0).data(Qt.ItemDataRole.UserRole + 4)

    edit = section.edit_label(variable.id.hex)
    assert edit is not None and edit.options is not None
    qtbot.keyClicks(edit.options.new_edit, "CET")
    qtbot.keyClick(edit.options.new_edit, Qt.Key.Key_Return)
    edit.options.list.select(edit.options.list.ids()[0])
    qtbot.mouseClick(edit.options.remove_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(edit.save_button, Qt.MouseButton.LeftButton)
    assert [o.name for o in notes.variable_options(variable)] == ["PST", "CET"]


def test_lead_statuses_add_recolour_reorder_delete(qtbot, context) -> None:
    section = LeadStatusesSection(context)
    qtbot.addWidget(section)
    section.show()
    dialog = section.add_status()
    assert dialog.abbreviation_edit is None
    qtbot.keyClicks(dialog.name_edit, "Nurturing")
    dialog.bg_field.set_colour("#dcfce7")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert [s.name for s in leads.lead_statuses()] == [
        "New",
        "Working",
        "Unqualified",
        "Nurturing",
    ]
    nurturing = leads.lead_statuses()[3]
    assert nurturing.bg_color == "#dcfce7"
    # New stays first: the keyboard cannot move a status above it
    section.list.select(leads.lead_statuses()[1].id.hex)
    section.list.move_current(-1)
    assert leads.lead_statuses()[0].name == "New"
    section.list.select(nurturing.id.hex)
    section.list.move_current(-1)
    assert [s.name for s in leads.lead_statuses()][2:] == ["Nurturing", "Unqualified"]

    lead = leads.create_lead(context.user, first_name="Bo", status=nurturing)
    dialog2 = section.confirm_delete(nurturing.id.hex)
    assert dialog2 is not None
    dialog2.combo.setCurrentIndex(dialog2.combo.findText("Working"))
    dialog2.accept()
    assert [s.name for s in leads.lead_statuses()] == ["New", "Working", "Unqualified"]
    assert Lead.get_by_id(lead.id).status.name == "Working"
    # built-in statuses cannot be deleted
    assert section.confirm_delete(leads.lead_statuses()[0].id.hex) is None


def test_non_admins_see_every_editor_read_only(qtbot, window, context) -> None:
    plain = users.create_user(context.user, "Carla Neri", profile=Profile.USER)
    context.switch_user(plain)
    screen = window.screen_widget("settings")
    for key in ("pipelines", "custom-fields", "notes", "lead-statuses"):
        window.show_screen("settings", key)
        page = screen.page(key)
        assert page.read_only_note.isVisible(), key
        assert "Only an admin can" in page.read_only_note.text()
        assert "Carla Neri (User)" in page.read_only_note.text()
    pipelines_page = screen.page("pipelines")
    assert not pipelines_page.stage_controls.isVisible()
    assert not pipelines_page.add_pipeline_button.isVisible()
    assert pipelines_page.stage_list.list.count() == 6  # still shown
    assert not pipelines_page.stage_list.list.item(0).flags() & Qt.ItemFlag.ItemIsEditable
    assert not pipelines_page.stage_list.up_button.isVisible()
    fields_page = screen.page("custom-fields")
    assert not fields_page.add_button.isVisible()
    # even a call that reaches the service is refused, and the refusal is shown plainly
    pipelines_page.new_stage_edit.setText("Sneaky")
    pipelines_page.add_stage()
    box: QMessageBox | None = pipelines_page.last_failure
    assert box is not None
    assert "Only an admin can change pipelines" in box.text()
    assert "Sneaky" not in _stage_names(pipelines.pipelines()[0])
    box.close()


def test_palette_finds_the_new_settings_sections(qtbot, window) -> None:
    window.focus_search()
    qtbot.keyClicks(window.top_bar.search, "stages")
    titles = [
        window.palette_popup.model.result(r).title
        for r in range(window.palette_popup.model.rowCount())
    ]
    assert "Settings › Pipelines" in titles
