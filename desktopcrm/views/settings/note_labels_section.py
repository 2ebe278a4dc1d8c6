"""Settings › Notes: the actions (what must be done), statuses (how far it got) and variables
(typed values) that notes carry, each with a name, an abbreviation and its colours."""

from __future__ import annotations

from typing import Any

from desktopcrm.models.notes import NoteAction, NoteStatus, NoteVariable, VariableType
from desktopcrm.qt import QHBoxLayout, QLabel, QPushButton, QWidget
from desktopcrm.services import notes
from desktopcrm.services.errors import ServiceError
from desktopcrm.views.context import AppContext
from desktopcrm.views.icons import icon
from desktopcrm.views.settings.editor_list import EditorItem, EditorList
from desktopcrm.views.settings.editor_section import EditorSection, segments
from desktopcrm.views.settings.label_dialog import VARIABLE_TYPES, LabelDialog, LabelValues
from desktopcrm.views.settings.widgets import Card

Model = type[NoteAction] | type[NoteStatus] | type[NoteVariable]

TABS: tuple[tuple[Model, str, str, str], ...] = (
    (NoteAction, "Actions", "action", "What must be done, and by whom: Call, Email, Send sample…"),
    (NoteStatus, "Statuses", "status", "How far it got: Awaiting approval, No answer, Done…"),
    (
        NoteVariable,
        "Variables",
        "variable",
        "Typed values on notes (text, currency, date, number, dropdown), e.g. a time zone.",
    ),
)


class NoteLabelsSection(EditorSection):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(
            context,
            "Notes",
            "A note on a lead, contact or deal carries an action and a status, and can carry "
            "variables. Their colours make lists readable at a glance. A label that notes "
            "already use is deactivated rather than deleted, so old notes keep showing it.",
            what="define note actions, statuses and variables",
            tables=("note_action", "note_status", "note_variable", "note_variable_option"),
            parent=parent,
        )
        self._labels: dict[str, Any] = {}
        self.dialog: LabelDialog | None = None
        card = Card()
        top = QHBoxLayout()
        self.tabs = segments([title for _, title, _, _ in TABS], "Kind of note label")
        self.tabs.currentChanged.connect(lambda _i: self.refresh())
        top.addWidget(self.tabs)
        top.addStretch(1)
        self.add_button = QPushButton(icon("add", "accent_text"), "Add action…")
        self.add_button.setProperty("primary", True)
        self.add_button.clicked.connect(self.add_label)
        top.addWidget(self.add_button)
        card.body.addLayout(top)
        self.hint = QLabel()
        self.hint.setObjectName("Muted")
        self.hint.setWordWrap(True)
        card.body.addWidget(self.hint)
        self.list = EditorList("Note labels", rename_in_place=False)
        self.list.setMinimumHeight(320)
        self.list.reordered.connect(self._reordered)
        self.list.activated.connect(self.edit_label)
        self.list.delete_requested.connect(self.remove_label)
        card.body.addWidget(self.list)
        self.controls = QWidget()
        row = QHBoxLayout(self.controls)
        row.setContentsMargins(0, 0, 0, 0)
        self.edit_button = QPushButton(icon("edit"), "Edit…")
        self.edit_button.setAccessibleName("Edit the selected label")
        self.edit_button.clicked.connect(lambda: self.edit_label(self.list.current_id() or ""))
        row.addWidget(self.edit_button)
        row.addStretch(1)
        self.remove_button = QPushButton(icon("trash"), "Remove")
        self.remove_button.setAccessibleName("Remove the selected label")
        self.remove_button.setProperty("danger", True)
        self.remove_button.clicked.connect(lambda: self.remove_label(self.list.current_id() or ""))
        row.addWidget(self.remove_button)
        card.body.addWidget(self.controls)
        self.add(card)
        self.refresh()

    def model(self) -> Model:
        return TABS[max(self.tabs.currentIndex(), 0)][0]

    def what(self) -> str:
        return TABS[max(self.tabs.currentIndex(), 0)][2]

    def show_tab(self, model: Model) -> None:
        self.tabs.setCurrentIndex([m for m, _, _, _ in TABS].index(model))

    def reload(self) -> None:
        model = self.model()
        _, _, what, hint = TABS[max(self.tabs.currentIndex(), 0)]
        self.hint.setText(hint)
        self.add_button.setText(f"Add {what}…")
        found: list[Any] = notes.labels(model, include_inactive=True)
        self._labels = {label.id.hex: label for label in found}
        items = []
        for label in found:
            details = []
            if isinstance(label, NoteVariable):
                kind = VariableType(label.type)
                details.append(VARIABLE_TYPES[kind].split(" (")[0])
                if kind is VariableType.DROPDOWN:
                    count = len(notes.variable_options(label))
                    details.append(f"{count} option{'s' if count != 1 else ''}")
            if not label.active:
                details.append("inactive")
            items.append(
                EditorItem(
                    label.id.hex,
                    label.name,
                    detail=" · ".join(details),
                    chip=label.abbreviation or label.name[:4].upper(),
                    fg=label.fg_color,
                    bg=label.bg_color,
                )
            )
        self.list.set_items(items)
        has = bool(found)
        self.edit_button.setEnabled(has)
        self.remove_button.setEnabled(has)

    def set_editable(self, editable: bool) -> None:
        self.list.set_editable(editable)
        self.add_button.setVisible(editable)
        self.controls.setVisible(editable)

    # ---- dialogs -----------------------------------------------------------

    def _open(self, dialog: LabelDialog) -> LabelDialog:
        self.dialog = dialog
        dialog.open()
        return dialog

    def _done(self) -> None:
        for table in self._tables:
            self.context.records_changed.emit(table)

    def add_label(self) -> LabelDialog:
        model, what, actor = self.model(), self.what(), self.context.user

        def submit(values: LabelValues) -> str | None:
            try:
                if model is NoteVariable:
                    created: Any = notes.create_variable(
                        actor,
                        values.name,
                        values.type or VariableType.TEXT,
                        values.abbreviation,
                        values.fg,
                        values.bg,
                        options=[o for o in values.options if isinstance(o, str)],
                    )
                else:
                    create = notes.create_action if model is NoteAction else notes.create_status
                    created = create(actor, values.name, values.abbreviation, values.fg, values.bg)
            except ServiceError as error:
                return str(error)
            self._done()
            self.list.select(created.id.hex)
            return None

        return self._open(
            LabelDialog(
                f"Add {what}",
                submit,
                variable_type=VariableType.TEXT if model is NoteVariable else None,
                action=f"Add {what}",
                parent=self,
            )
        )

    def edit_label(self, label_id: str) -> LabelDialog | None:
        label = self._labels.get(label_id)
        if label is None or not self.editable:
            return None
        actor = self.context.user
        variable = label if isinstance(label, NoteVariable) else None
        options = notes.variable_options(variable) if variable is not None else []

        def submit(values: LabelValues) -> str | None:
            try:
                notes.update_label(
                    actor,
                    label,
                    name=values.name,
                    abbreviation=values.abbreviation,
                    fg_color=values.fg,
                    bg_color=values.bg,
                    active=values.active,
                )
                if variable is not None and variable.type == VariableType.DROPDOWN.value:
                    self._save_options(variable, options, values.options)
            except ServiceError as error:
                return str(error)
            self._done()
            return None

        return self._open(
            LabelDialog(
                f"Edit {label.name}",
                submit,
                name=label.name,
                abbreviation=label.abbreviation,
                fg=label.fg_color,
                bg=label.bg_color,
                active=bool(label.active),
                variable_type=VariableType(variable.type) if variable is not None else None,
                type_fixed=True,
                options=[(o.id, o.name) for o in options],
                parent=self,
            )
        )

    def _save_options(
        self, variable: NoteVariable, before: list[Any], wanted: list[str | tuple[object, str]]
    ) -> None:
        """Apply the options editor's list: renames, new options, removals, then the order."""
        actor = self.context.user
        by_id = {option.id: option for option in before}
        kept = {spec[0] for spec in wanted if isinstance(spec, tuple)}
        for option in before:
            if option.id not in kept:
                notes.remove_label(actor, option)
        ordered = []
        for spec in wanted:
            if isinstance(spec, tuple):
                option = by_id[spec[0]]
                if option.name != spec[1]:
                    notes.update_label(actor, option, name=spec[1])
                ordered.append(option)
            else:
                ordered.append(
                    notes.create_variable_option(
                        actor,
                        variable,
                        spec,
                        fg_color=variable.fg_color,
                        bg_color=variable.bg_color,
                    )
                )
        notes.reorder_labels(actor, ordered)

    # ---- list actions --------------------------------------------------------

    def _reordered(self, ids: list[str]) -> None:
        ordered = [self._labels[i] for i in ids]
        actor = self.context.user
        self.write("reorder", lambda: notes.reorder_labels(actor, ordered))

    def remove_label(self, label_id: str) -> str | None:
        """Remove (or, when notes use it, deactivate) a label; says which in the status bar."""
        label = self._labels.get(label_id)
        if label is None:
            return None
        actor = self.context.user
        outcome = self.write(f"remove the {self.what()}", lambda: notes.remove_label(actor, label))
        if outcome == "deactivated":
            self.context.message.emit(
                f"{label.name} is used by notes, so it was deactivated: old notes keep it, new "
                "notes cannot pick it."
            )
        elif outcome == "deleted":
            self.context.message.emit(f"Removed {label.name}.")
        return outcome if isinstance(outcome, str) else None
