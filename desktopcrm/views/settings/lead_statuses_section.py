"""Settings › Lead statuses: New (always first), Working, Unqualified and the office's own,
with the colours lists show them in."""

from __future__ import annotations

from desktopcrm.models.records import LeadStatus, LeadStatusKind
from desktopcrm.qt import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from desktopcrm.services import leads
from desktopcrm.services.errors import ServiceError
from desktopcrm.views.context import AppContext
from desktopcrm.views.icons import icon
from desktopcrm.views.settings.editor_list import EditorItem, EditorList
from desktopcrm.views.settings.editor_section import EditorSection
from desktopcrm.views.settings.label_dialog import LabelDialog, LabelValues
from desktopcrm.views.settings.widgets import Card

BUILT_IN = {
    LeadStatusKind.NEW.value: "built-in · always first",
    LeadStatusKind.WORKING.value: "built-in",
    LeadStatusKind.UNQUALIFIED.value: "built-in",
}


class ReplacementDialog(QDialog):
    """Delete a status: which status its leads get instead."""

    def __init__(
        self, status: LeadStatus, others: list[LeadStatus], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("DeleteLeadStatusDialog")
        self.setWindowTitle("Delete lead status")
        self.setMinimumWidth(420)
        self._others = others
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.setSpacing(12)
        title = QLabel(f"Delete the status {status.name}?")
        title.setObjectName("DialogTitle")
        layout.addWidget(title)
        text = QLabel("Leads with this status get the status you choose instead.")
        text.setObjectName("Muted")
        text.setWordWrap(True)
        layout.addWidget(text)
        self.combo = QComboBox()
        self.combo.setAccessibleName("Their new status")
        for other in others:
            self.combo.addItem(other.name)
        layout.addWidget(self.combo)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        delete = buttons.addButton("Delete status", QDialogButtonBox.ButtonRole.AcceptRole)
        delete.setProperty("danger", True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def replacement(self) -> LeadStatus:
        return self._others[self.combo.currentIndex()]


class LeadStatusesSection(EditorSection):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(
            context,
            "Lead statuses",
            "Every new lead starts as New. A lead nobody could reach stays New (give it "
            "another owner); add statuses for the steps of your own process.",
            what="change lead statuses",
            tables=("lead_status",),
            parent=parent,
        )
        self._statuses: dict[str, LeadStatus] = {}
        self.dialog: QDialog | None = None
        card = Card(
            "Statuses",
            "Drag, or press Alt+Up/Alt+Down, to reorder; F2 renames; Enter edits the colours.",
        )
        self.list = EditorList("Lead statuses")
        self.list.setMinimumHeight(240)
        self.list.reordered.connect(self._reordered)
        self.list.renamed.connect(self._renamed)
        self.list.activated.connect(self.edit_status)
        self.list.delete_requested.connect(self.confirm_delete)
        self.list.current_changed.connect(lambda _id: self._selection_changed())
        card.body.addWidget(self.list)
        self.controls = QWidget()
        row = QHBoxLayout(self.controls)
        row.setContentsMargins(0, 0, 0, 0)
        self.add_button = QPushButton(icon("add", "accent_text"), "Add status…")
        self.add_button.setProperty("primary", True)
        self.add_button.clicked.connect(self.add_status)
        row.addWidget(self.add_button)
        self.edit_button = QPushButton(icon("edit"), "Edit…")
        self.edit_button.setAccessibleName("Edit the selected status")
        self.edit_button.clicked.connect(lambda: self.edit_status(self.list.current_id() or ""))
        row.addWidget(self.edit_button)
        row.addStretch(1)
        self.delete_button = QPushButton(icon("trash"), "Delete…")
        self.delete_button.setAccessibleName("Delete the selected status")
        self.delete_button.setProperty("danger", True)
        self.delete_button.clicked.connect(
            lambda: self.confirm_delete(self.list.current_id() or "")
        )
        row.addWidget(self.delete_button)
        card.body.addWidget(self.controls)
        self.add(card)
        self.refresh()

    def reload(self) -> None:
        found = leads.lead_statuses()
        self._statuses = {s.id.hex: s for s in found}
        self.list.set_items(
            [
                EditorItem(
                    s.id.hex,
                    s.name,
                    detail=BUILT_IN.get(s.kind, ""),
                    chip=s.name,
                    fg=s.fg_color,
                    bg=s.bg_color,
                    fixed=s.kind == LeadStatusKind.NEW.value,
                )
                for s in found
            ]
        )
        self._selection_changed()

    def set_editable(self, editable: bool) -> None:
        self.list.set_editable(editable)
        self.controls.setVisible(editable)

    def _selection_changed(self) -> None:
        status = self._statuses.get(self.list.current_id() or "")
        self.edit_button.setEnabled(status is not None)
        self.delete_button.setEnabled(
            status is not None and status.kind == LeadStatusKind.CUSTOM.value
        )

    def _done(self) -> None:
        self.context.records_changed.emit("lead_status")

    def add_status(self) -> LabelDialog:
        actor = self.context.user

        def submit(values: LabelValues) -> str | None:
            try:
                created = leads.add_lead_status(
                    actor, values.name, fg_color=values.fg, bg_color=values.bg
                )
            except ServiceError as error:
                return str(error)
            self._done()
            self.list.select(created.id.hex)
            return None

        dialog = LabelDialog(
            "Add lead status", submit, abbreviation=None, action="Add status", parent=self
        )
        self.dialog = dialog
        dialog.open()
        return dialog

    def edit_status(self, status_id: str) -> LabelDialog | None:
        status = self._statuses.get(status_id)
        if status is None or not self.editable:
            return None
        actor = self.context.user

        def submit(values: LabelValues) -> str | None:
            try:
                if values.name.strip() != status.name:
                    leads.rename_lead_status(actor, status, values.name)
                leads.recolour_lead_status(actor, status, fg_color=values.fg, bg_color=values.bg)
            except ServiceError as error:
                return str(error)
            self._done()
            return None

        dialog = LabelDialog(
            f"Edit {status.name}",
            submit,
            name=status.name,
            abbreviation=None,
            fg=status.fg_color,
            bg=status.bg_color,
            parent=self,
        )
        self.dialog = dialog
        dialog.open()
        return dialog

    def _renamed(self, status_id: str, name: str) -> None:
        status = self._statuses[status_id]
        actor = self.context.user
        self.write("rename the status", lambda: leads.rename_lead_status(actor, status, name))

    def _reordered(self, ids: list[str]) -> None:
        ordered = [self._statuses[i] for i in ids]
        actor = self.context.user
        self.write("reorder the statuses", lambda: leads.reorder_lead_statuses(actor, ordered))

    def confirm_delete(self, status_id: str) -> ReplacementDialog | None:
        status = self._statuses.get(status_id)
        if status is None:
            return None
        if status.kind != LeadStatusKind.CUSTOM.value:
            self.context.message.emit(
                f"{status.name} is a built-in status: it cannot be deleted, but you can rename it."
            )
            return None
        others = [s for s in self._statuses.values() if s.id != status.id]
        dialog = ReplacementDialog(status, others, self)
        actor = self.context.user
        dialog.accepted.connect(
            lambda: self.write(
                "delete the status",
                lambda: leads.delete_lead_status(actor, status, replacement=dialog.replacement()),
                "lead_status",
                "lead",
            )
        )
        self.dialog = dialog
        dialog.open()
        return dialog
