"""Notes on a record: a composer with the admin-defined action, status and typed variables
(seed 003), and the notes, newest first, colour-coded with the labels' own colours."""

from __future__ import annotations

import uuid
from typing import Any

from desktopcrm.models.errors import StaleRecordError
from desktopcrm.models.notes import NoteVariable, VariableType
from desktopcrm.qt import (
    QComboBox,
    QHBoxLayout,
    QIcon,
    QKeySequence,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QShortcut,
    Qt,
    QToolButton,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desktopcrm.services.errors import ServiceError, ValidationError
from desktopcrm.services.notes import VARIABLE_FIELD_TYPES, NoteView
from desktopcrm.services.record_details import NoteChoices, RecordDetails, display_value
from desktopcrm.views.context import AppContext
from desktopcrm.views.record.editors import (
    ComboEditor,
    Editor,
    LineEditor,
    MoneyEditor,
    custom_raw,
)
from desktopcrm.views.record.form import FieldGrid
from desktopcrm.views.record.widgets import ChipFlow, chip, colour_swatch, error_label, local_time

SHOWN = 30


def variable_editor(variable: NoteVariable, options: list[str]) -> Editor:
    kind = VariableType(variable.type)
    editor: Editor
    if kind is VariableType.DROPDOWN:
        editor = ComboEditor([("—", None), *((o, o) for o in options)])
    elif kind is VariableType.CURRENCY:
        editor = MoneyEditor("")
    elif kind is VariableType.DATE:
        editor = LineEditor("YYYY-MM-DD")
    elif kind is VariableType.NUMBER:
        editor = LineEditor("0")
    else:
        editor = LineEditor()
    return editor


class NoteComposer(QWidget):
    """Write a note, or change one (``edit``); ``submitted`` fires after it is saved,
    ``cancelled`` when an edit is abandoned."""

    submitted = Signal()
    cancelled = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self.record: Any = None
        self.editing: NoteView | None = None
        self.choices: NoteChoices | None = None
        self.setObjectName("NoteComposer")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        self.body = QPlainTextEdit()
        self.body.setObjectName("NoteBody")
        self.body.setPlaceholderText("Write a note… (Ctrl+Enter to add)")
        self.body.setAccessibleName("Note text")
        self.body.setTabChangesFocus(True)
        self.body.setFixedHeight(72)
        layout.addWidget(self.body)
        row = QHBoxLayout()
        row.setSpacing(8)
        self.action = QComboBox()
        self.action.setObjectName("NoteAction")
        self.action.setAccessibleName("Action")
        self.status = QComboBox()
        self.status.setObjectName("NoteStatus")
        self.status.setAccessibleName("Status")
        row.addWidget(self.action, 1)
        row.addWidget(self.status, 1)
        self.variables_toggle = QToolButton()
        self.variables_toggle.setText("Variables")
        self.variables_toggle.setCheckable(True)
        self.variables_toggle.setAccessibleName("Show note variables")
        self.variables_toggle.toggled.connect(self._toggle_variables)
        row.addWidget(self.variables_toggle)
        self.add_button = QPushButton("Add note")
        self.add_button.setObjectName("AddNoteButton")
        self.add_button.setProperty("primary", True)
        self.add_button.clicked.connect(self.submit)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(lambda: self.cancelled.emit())
        self.cancel_button.hide()
        row.addWidget(self.cancel_button)
        row.addWidget(self.add_button)
        layout.addLayout(row)
        self.variables = FieldGrid(columns=3)
        self.variables.hide()
        layout.addWidget(self.variables)
        self.error = error_label()
        self.error.setAccessibleName("Note problem")
        layout.addWidget(self.error)
        shortcut = QShortcut(QKeySequence("Ctrl+Return"), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self.submit)
        self._variables: dict[str, NoteVariable] = {}

    def _toggle_variables(self, on: bool) -> None:
        self.variables.setVisible(on)

    def set_choices(self, choices: NoteChoices) -> None:
        """Offer the active actions, statuses and variables (kept across refreshes)."""
        if self.choices is not None and _same(self.choices, choices):
            return
        self.choices = choices
        for combo, empty, labels in (
            (self.action, "No action", choices.actions),
            (self.status, "No status", choices.statuses),
        ):
            current = combo.currentData()
            combo.clear()
            combo.addItem(empty, None)
            for label in labels:
                combo.addItem(
                    QIcon(colour_swatch(label.fg_color, label.bg_color)), label.name, label.id
                )
            index = combo.findData(current)
            combo.setCurrentIndex(max(index, 0))
        self.variables.clear()
        self._variables = {}
        for variable in choices.variables:
            key = variable.id.hex
            editor = variable_editor(variable, choices.options.get(variable.id, []))
            self.variables.add_row(key, variable.name, editor)
            self._variables[key] = variable
        self.variables_toggle.setVisible(bool(choices.variables))

    def pick(self, action: str | None = None, status: str | None = None) -> None:
        """Choose an action and a status by name (what a user does with the two lists)."""
        for combo, name in ((self.action, action), (self.status, status)):
            if name is not None:
                combo.setCurrentIndex(max(combo.findText(name), 0))

    def edit(self, view: NoteView) -> None:
        """Show ``view``'s text, labels and variables to change them; Save writes them."""
        self.editing = view
        # Framed like the note's card, in the focus colour (record.qss #NoteEditor).
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        box = self.layout()
        if box is not None:
            box.setContentsMargins(14, 10, 10, 12)
        self.body.setPlainText(view.note.body)
        self.body.setPlaceholderText("The note… (Ctrl+Enter to save)")
        for combo, label in ((self.action, view.action), (self.status, view.status)):
            wanted = label.id if label else None
            # findData compares wrapped Python objects by identity: compare the ids.
            found = [i for i in range(combo.count()) if combo.itemData(i) == wanted]
            combo.setCurrentIndex(found[0] if found else 0)
        for key, variable in self._variables.items():
            kind = VARIABLE_FIELD_TYPES[VariableType(variable.type)]
            self.variables.rows[key].editor.set_raw(
                custom_raw(kind, view.variables.get(variable.name))
            )
        shown = any(variable.name in view.variables for variable in self._variables.values())
        self.variables_toggle.setChecked(shown)
        self.add_button.setText("Save")
        self.add_button.setAccessibleName("Save the note")
        self.cancel_button.show()
        escape = QShortcut(QKeySequence("Escape"), self)
        escape.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        escape.activated.connect(lambda: self.cancelled.emit())

    def set_variable(self, name: str, raw: Any) -> None:
        for key, variable in self._variables.items():
            if variable.name == name:
                self.variables.rows[key].editor.set_raw(raw)

    def submit(self) -> bool:
        from desktopcrm.services.notes import add_note, update_note

        if self.record is None:
            return False
        self.error.hide()
        self.variables.clear_errors()
        values: dict[str | uuid.UUID, object] = {}
        for key, variable in self._variables.items():
            raw = self.variables.rows[key].editor.raw()
            if raw not in (None, "", []):
                values[variable.id] = raw
            elif self.editing is not None:
                values[variable.id] = None  # cleared
        try:
            if self.editing is not None:
                update_note(
                    self._context.user,
                    self.editing.note,
                    body=self.body.toPlainText(),
                    action=self.action.currentData(),
                    status=self.status.currentData(),
                    variables=values,
                )
            else:
                add_note(
                    self._context.user,
                    self.record,
                    self.body.toPlainText(),
                    action=self.action.currentData(),
                    status=self.status.currentData(),
                    variables=values,
                )
        except StaleRecordError as error:
            self.error.setText(
                f"{error.changed_by or 'Someone else'} changed this note meanwhile: cancel to "
                "see their version, then edit it again."
            )
            self.error.show()
            return False
        except ValidationError as error:
            self._show_error(error)
            return False
        except ServiceError as error:
            self.error.setText(str(error))
            self.error.show()
            return False
        self.body.clear()
        self.action.setCurrentIndex(0)
        self.status.setCurrentIndex(0)
        for row in self.variables.rows.values():
            row.editor.set_raw(None)
        self.submitted.emit()
        return True

    def _show_error(self, error: ValidationError) -> None:
        for key, variable in self._variables.items():
            if error.field in (variable.name, variable.id.hex, str(variable.id)):
                self.variables.setVisible(True)
                self.variables_toggle.setChecked(True)
                self.variables.show_error(key, str(error))
                return
        self.error.setText(str(error))
        self.error.show()
        if error.field == "body":
            self.body.setFocus()


def _same(a: NoteChoices, b: NoteChoices) -> bool:
    def ids(choices: NoteChoices) -> list[Any]:
        return [
            (x.id, x.version) for x in (*choices.actions, *choices.statuses, *choices.variables)
        ] + sorted((str(k), v) for k, v in choices.options.items())

    return ids(a) == ids(b)


class NoteCard(QWidget):
    """One note: its labels, author and time, text; Edit and Delete for its author or an
    admin (``can_change``)."""

    delete_requested = Signal(object)
    edit_requested = Signal(object)

    def __init__(
        self, view: NoteView, author: str, can_change: bool, colours: dict[str, tuple[str, str]]
    ) -> None:
        super().__init__()
        self.view = view
        self.setObjectName("NoteCard")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 10, 12)
        layout.setSpacing(6)
        top = QHBoxLayout()
        top.setSpacing(6)
        labels = []
        if view.action is not None:
            labels.append(chip(view.action.name, view.action.fg_color, view.action.bg_color))
        if view.status is not None:
            labels.append(chip(view.status.name, view.status.fg_color, view.status.bg_color))
        for name, value in view.variables.items():
            fg, bg = colours.get(name, ("", ""))
            labels.append(chip(f"{name}: {display_value(value)}", fg, bg))
        self.chips = ChipFlow()
        self.chips.set_widgets(list(labels))
        self.chips.setVisible(bool(labels))
        top.addWidget(self.chips, 1)
        meta = QLabel(f"{author} · {local_time(view.note.created_at)}")
        meta.setObjectName("RowSubtitle")
        top.addWidget(meta, 0, Qt.AlignmentFlag.AlignTop)
        self.delete_button: QToolButton | None = None
        self.edit_button: QToolButton | None = None
        if can_change:
            edit = QToolButton()
            edit.setObjectName("RowMenu")
            edit.setProperty("flat", True)
            edit.setText("Edit")
            edit.setToolTip("Change this note")
            edit.setAccessibleName("Edit this note")
            edit.clicked.connect(lambda: self.edit_requested.emit(view))
            top.addWidget(edit, 0, Qt.AlignmentFlag.AlignTop)
            self.edit_button = edit
            button = QToolButton()
            button.setObjectName("RowMenu")
            button.setProperty("flat", True)
            button.setText("×")
            button.setToolTip("Delete this note")
            button.setAccessibleName("Delete this note")
            button.clicked.connect(lambda: self.delete_requested.emit(view))
            top.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
            self.delete_button = button
        layout.addLayout(top)
        if view.note.body:
            body = QLabel(view.note.body)
            body.setObjectName("NoteText")
            body.setWordWrap(True)
            body.setTextFormat(Qt.TextFormat.PlainText)
            body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            layout.addWidget(body)
        self.setAccessibleName(
            " · ".join([*(label.text() for label in labels), view.note.body[:200], author])
        )


class NotesPanel(QWidget):
    """The composer, then the notes newest first. A note being edited keeps its editor (and
    the user's text) when the page refreshes; a deleted note can be brought back (Undo)."""

    saved = Signal(str)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self.details: RecordDetails | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        self.composer = NoteComposer(context)
        self.composer.submitted.connect(lambda: self.saved.emit("note"))
        layout.addWidget(self.composer)
        self.undo_bar = QWidget()
        undo_row = QHBoxLayout(self.undo_bar)
        undo_row.setContentsMargins(0, 0, 0, 0)
        undo_text = QLabel("Note deleted.")
        undo_text.setObjectName("Muted")
        self.undo_button = QPushButton("Undo")
        self.undo_button.setProperty("flat", True)
        self.undo_button.setAccessibleName("Undo the note's delete")
        self.undo_button.clicked.connect(self.undo_delete)
        undo_row.addWidget(undo_text)
        undo_row.addWidget(self.undo_button)
        undo_row.addStretch(1)
        self.undo_bar.hide()
        layout.addWidget(self.undo_bar)
        self.list = QVBoxLayout()
        self.list.setSpacing(8)
        layout.addLayout(self.list)
        self.empty = QLabel("No notes yet. Calls, emails, samples sent: write down what happened.")
        self.empty.setObjectName("Muted")
        self.empty.setWordWrap(True)
        layout.addWidget(self.empty)
        self.more = QPushButton()
        self.more.setProperty("flat", True)
        self.more.clicked.connect(self._show_all)
        self.more.hide()
        layout.addWidget(self.more, 0, Qt.AlignmentFlag.AlignLeft)
        self.error = error_label()
        layout.addWidget(self.error)
        self.cards: list[NoteCard] = []
        self.editor: NoteComposer | None = None
        self._deleted: NoteView | None = None
        self._limit = SHOWN

    def show_details(self, details: RecordDetails) -> None:
        if self.details is not None and self.details.record.id != details.record.id:
            self._stop_editing()
            self.undo_bar.hide()
        self.details = details
        self.composer.record = details.record
        self.composer.set_choices(details.note_choices)
        converted = getattr(details.record, "converted_at", None) is not None
        self.composer.setVisible(not converted)
        self._show_notes()

    def _show_notes(self) -> None:
        assert self.details is not None
        for card in self.cards:
            card.hide()
            card.deleteLater()
        self.cards = []
        if self.editor is not None:
            self.list.removeWidget(self.editor)
        user = self._context.user
        colours = {v.name: (v.fg_color, v.bg_color) for v in self.details.note_choices.variables}
        editing = self.editor.editing.note.id if self.editor and self.editor.editing else None
        for view in self.details.notes[: self._limit]:
            if view.note.id == editing and self.editor is not None:
                self.list.addWidget(self.editor)
                self.editor.show()
                continue
            author_id = view.note.author_id
            author = self.details.user_names.get(author_id, "Someone") if author_id else "Someone"
            can_change = user.is_admin or view.note.author_id == user.id
            card = NoteCard(view, author, can_change, colours)
            card.delete_requested.connect(self.delete_note)
            card.edit_requested.connect(self.edit_note)
            self.list.addWidget(card)
            self.cards.append(card)
        if editing is not None and not any(v.note.id == editing for v in self.details.notes):
            self._stop_editing()  # deleted meanwhile
        total = len(self.details.notes)
        self.empty.setVisible(total == 0)
        self.more.setVisible(total > self._limit)
        self.more.setText(f"Show all {total} notes")

    def _show_all(self) -> None:
        self._limit = 10**9
        self._show_notes()

    def edit_note(self, view: NoteView) -> None:
        """Swap the note's card for an editor with its text, labels and variables."""
        assert self.details is not None
        self._stop_editing()
        editor = NoteComposer(self._context)
        editor.setObjectName("NoteEditor")
        editor.record = self.details.record
        editor.set_choices(self.details.note_choices)
        editor.edit(view)
        editor.submitted.connect(self._edited)
        editor.cancelled.connect(self._cancel_edit)
        self.editor = editor
        self._show_notes()
        editor.body.setFocus()

    def _edited(self) -> None:
        self._stop_editing()
        self.saved.emit("note")

    def _cancel_edit(self) -> None:
        self._stop_editing()
        self.saved.emit("note")  # read the notes again: someone may have changed this one

    def _stop_editing(self) -> None:
        if self.editor is not None:
            self.list.removeWidget(self.editor)
            self.editor.hide()
            self.editor.deleteLater()
            self.editor = None

    def delete_note(self, view: NoteView) -> None:
        from desktopcrm.services.notes import delete_note

        self.error.hide()
        try:
            delete_note(self._context.user, view.note)
        except ServiceError as error:
            self.error.setText(str(error))
            self.error.show()
            return
        self._deleted = view
        self.undo_bar.show()
        self.saved.emit("note")

    def undo_delete(self) -> None:
        """Bring back the note deleted last."""
        from desktopcrm.services.notes import restore_note

        if self._deleted is None:
            return
        self.error.hide()
        try:
            restore_note(self._context.user, self._deleted.note)
        except (ServiceError, StaleRecordError) as error:
            self.error.setText(str(error))
            self.error.show()
            return
        self._deleted = None
        self.undo_bar.hide()
        self.saved.emit("note")
