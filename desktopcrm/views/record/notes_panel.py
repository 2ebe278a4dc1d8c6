"""Notes on a record: a composer with the admin-defined action, status and typed variables
(seed 003), and the notes, newest first, colour-coded with the labels' own colours."""

from __future__ import annotations

import uuid
from typing import Any

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
from desktopcrm.services.notes import NoteView
from desktopcrm.services.record_details import NoteChoices, RecordDetails, display_value
from desktopcrm.views.context import AppContext
from desktopcrm.views.record.editors import ComboEditor, Editor, LineEditor, MoneyEditor
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
    """Write a note; ``submitted`` fires after it is saved."""

    submitted = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self.record: Any = None
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

    def set_variable(self, name: str, raw: Any) -> None:
        for key, variable in self._variables.items():
            if variable.name == name:
                self.variables.rows[key].editor.set_raw(raw)

    def submit(self) -> bool:
        from desktopcrm.services.notes import add_note

        if self.record is None:
            return False
        self.error.hide()
        self.variables.clear_errors()
        values: dict[str | uuid.UUID, object] = {
            variable.id: self.variables.rows[key].editor.raw()
            for key, variable in self._variables.items()
            if self.variables.rows[key].editor.raw() not in (None, "", [])
        }
        try:
            add_note(
                self._context.user,
                self.record,
                self.body.toPlainText(),
                action=self.action.currentData(),
                status=self.status.currentData(),
                variables=values,
            )
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
    delete_requested = Signal(object)

    def __init__(
        self, view: NoteView, author: str, can_delete: bool, colours: dict[str, tuple[str, str]]
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
        if can_delete:
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
        self._limit = SHOWN

    def show_details(self, details: RecordDetails) -> None:
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
        user = self._context.user
        colours = {v.name: (v.fg_color, v.bg_color) for v in self.details.note_choices.variables}
        for view in self.details.notes[: self._limit]:
            author_id = view.note.author_id
            author = self.details.user_names.get(author_id, "Someone") if author_id else "Someone"
            can_delete = user.is_admin or view.note.author_id == user.id
            card = NoteCard(view, author, can_delete, colours)
            card.delete_requested.connect(self.delete_note)
            self.list.addWidget(card)
            self.cards.append(card)
        total = len(self.details.notes)
        self.empty.setVisible(total == 0)
        self.more.setVisible(total > self._limit)
        self.more.setText(f"Show all {total} notes")

    def _show_all(self) -> None:
        self._limit = 10**9
        self._show_notes()

    def delete_note(self, view: NoteView) -> None:
        from desktopcrm.services.notes import delete_note

        self.error.hide()
        try:
            delete_note(self._context.user, view.note)
        except ServiceError as error:
            self.error.setText(str(error))
            self.error.show()
            return
        self.saved.emit("note")
