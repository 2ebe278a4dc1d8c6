"""Settings › Custom fields: fields of the office's own on leads, contacts and deals."""

from __future__ import annotations

from desktopcrm.models.custom_fields import CustomField
from desktopcrm.models.records import RecordKind
from desktopcrm.qt import QHBoxLayout, QMessageBox, QPushButton, QWidget
from desktopcrm.services import custom_fields
from desktopcrm.views.context import AppContext
from desktopcrm.views.icons import icon
from desktopcrm.views.settings.editor_list import EditorItem, EditorList
from desktopcrm.views.settings.editor_section import EditorSection, segments
from desktopcrm.views.settings.field_dialog import TYPE_LABELS, FieldDialog
from desktopcrm.views.settings.widgets import Card

KINDS = (
    (RecordKind.LEAD, "Leads"),
    (RecordKind.CONTACT, "Contacts"),
    (RecordKind.DEAL, "Deals"),
)


def describe(field: CustomField, option_count: int) -> str:
    parts = [TYPE_LABELS[field.type_enum]]
    if field.type_enum.has_options:
        parts.append(f"{option_count} option{'s' if option_count != 1 else ''}")
    if field.currency:
        parts.append(field.currency)
    if field.required:
        parts.append("required")
    return " · ".join(parts)


class CustomFieldsSection(EditorSection):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(
            context,
            "Custom fields",
            "Fields of your own, filterable and sortable like the built-in ones, and included "
            "in import and export. Contact fields apply to people and companies.",
            what="add, change or remove custom fields",
            tables=("custom_field", "custom_field_option"),
            parent=parent,
        )
        self._fields: dict[str, CustomField] = {}
        self.dialog: FieldDialog | None = None
        self.confirm_box: QMessageBox | None = None
        card = Card()
        top = QHBoxLayout()
        self.kind_tabs = segments([label for _, label in KINDS], "Record kind")
        self.kind_tabs.currentChanged.connect(lambda _i: self.reload())
        top.addWidget(self.kind_tabs)
        top.addStretch(1)
        self.add_button = QPushButton(icon("add", "accent_text"), "Add field…")
        self.add_button.setProperty("primary", True)
        self.add_button.clicked.connect(self.add_field)
        top.addWidget(self.add_button)
        card.body.addLayout(top)
        self.list = EditorList("Custom fields", rename_in_place=False)
        self.list.setMinimumHeight(300)
        self.list.reordered.connect(self._reordered)
        self.list.activated.connect(self.edit_field)
        self.list.delete_requested.connect(self.confirm_delete)
        card.body.addWidget(self.list)
        self.controls = QWidget()
        row = QHBoxLayout(self.controls)
        row.setContentsMargins(0, 0, 0, 0)
        self.edit_button = QPushButton(icon("edit"), "Edit…")
        self.edit_button.setAccessibleName("Edit the selected field")
        self.edit_button.clicked.connect(lambda: self.edit_field(self.list.current_id() or ""))
        row.addWidget(self.edit_button)
        row.addStretch(1)
        self.delete_button = QPushButton(icon("trash"), "Delete…")
        self.delete_button.setAccessibleName("Delete the selected field")
        self.delete_button.setProperty("danger", True)
        self.delete_button.clicked.connect(
            lambda: self.confirm_delete(self.list.current_id() or "")
        )
        row.addWidget(self.delete_button)
        card.body.addWidget(self.controls)
        self.add(card)
        self.refresh()

    def entity(self) -> RecordKind:
        return KINDS[max(self.kind_tabs.currentIndex(), 0)][0]

    def show_kind(self, entity: RecordKind) -> None:
        self.kind_tabs.setCurrentIndex([k for k, _ in KINDS].index(entity))

    def reload(self) -> None:
        found = custom_fields.fields_of(self.entity())
        self._fields = {f.id.hex: f for f in found}
        counts = {
            f.id.hex: len(custom_fields.options_of(f)) if f.type_enum.has_options else 0
            for f in found
        }
        self.list.set_items(
            [
                EditorItem(f.id.hex, f.name, detail=describe(f, counts[f.id.hex]), tooltip=f.key)
                for f in found
            ]
        )
        has = bool(found)
        self.edit_button.setEnabled(has)
        self.delete_button.setEnabled(has)

    def set_editable(self, editable: bool) -> None:
        self.list.set_editable(editable)
        self.add_button.setVisible(editable)
        self.controls.setVisible(editable)

    def add_field(self) -> FieldDialog:
        return self._open(FieldDialog(self.context.user, self.entity(), parent=self))

    def edit_field(self, field_id: str) -> FieldDialog | None:
        field = self._fields.get(field_id)
        if field is None or not self.editable:
            return None
        return self._open(FieldDialog(self.context.user, self.entity(), field, parent=self))

    def _open(self, dialog: FieldDialog) -> FieldDialog:
        def saved() -> None:
            self.context.records_changed.emit("custom_field")
            if dialog.saved is not None:
                self.list.select(dialog.saved.id.hex)

        dialog.accepted.connect(saved)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _reordered(self, ids: list[str]) -> None:
        ordered = [self._fields[i] for i in ids]
        actor, entity = self.context.user, self.entity()
        self.write(
            "reorder the fields",
            lambda: custom_fields.reorder_fields(actor, entity, ordered),
        )

    def confirm_delete(self, field_id: str) -> QMessageBox | None:
        field = self._fields.get(field_id)
        if field is None:
            return None
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Delete field",
            f"Delete the field {field.name}?\n\nIt disappears from records, lists, filters, "
            "import and export. The values stay in the database, hidden.",
            QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setObjectName("ConfirmDeleteField")
        delete = box.addButton("Delete field", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        actor = self.context.user
        box.buttonClicked.connect(
            lambda button: (
                self.write("delete the field", lambda: custom_fields.delete_field(actor, field))
                if button is delete
                else None
            )
        )
        self.confirm_box = box
        box.open()
        return box
