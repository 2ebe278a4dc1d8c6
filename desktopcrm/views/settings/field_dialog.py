"""Add or edit a custom field: name, type, required, default currency, and the options of a
dropdown or multi-select field. Saved through ``services.custom_fields``; a refusal is shown
in the dialog as the service worded it."""

from __future__ import annotations

from desktopcrm.models import User
from desktopcrm.models.custom_fields import CustomField, FieldType
from desktopcrm.models.records import RecordKind
from desktopcrm.qt import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)
from desktopcrm.services import custom_fields
from desktopcrm.services.errors import ServiceError
from desktopcrm.views.settings.options_editor import OptionsEditor

TYPE_LABELS = {
    FieldType.TEXT: "Single-line text",
    FieldType.PARAGRAPH: "Paragraph",
    FieldType.CHECKBOX: "Checkbox",
    FieldType.DROPDOWN: "Dropdown",
    FieldType.MULTISELECT: "Multi-select",
    FieldType.DATE: "Date",
    FieldType.EMAIL: "Email",
    FieldType.PHONE: "Phone",
    FieldType.ADDRESS: "Address",
    FieldType.URL: "URL",
    FieldType.NUMBER: "Number",
    FieldType.CURRENCY: "Currency",
}
KIND_WORDS = {RecordKind.LEAD: "leads", RecordKind.CONTACT: "contacts", RecordKind.DEAL: "deals"}


class FieldDialog(QDialog):
    """``saved`` holds the field once the dialog is accepted."""

    def __init__(
        self,
        actor: User,
        entity: RecordKind,
        field: CustomField | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._actor = actor
        self._entity = entity
        self.field = field
        self.saved: CustomField | None = None
        self.setObjectName("FieldDialog")
        self.setWindowTitle("Edit field" if field else "Add field")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.setSpacing(12)
        heading = QLabel(f"Edit {field.name}" if field else f"Add a field to {KIND_WORDS[entity]}")
        heading.setObjectName("DialogTitle")
        layout.addWidget(heading)
        form = QFormLayout()
        form.setHorizontalSpacing(16)
        form.setVerticalSpacing(10)
        self.name_edit = QLineEdit(field.name if field else "")
        self.name_edit.setAccessibleName("Field name")
        self.name_edit.setPlaceholderText("e.g. Industry")
        form.addRow("Name", self.name_edit)
        self.type_combo = QComboBox()
        self.type_combo.setAccessibleName("Field type")
        for kind, label in TYPE_LABELS.items():
            self.type_combo.addItem(label, kind.value)
        if field is not None:
            self.type_combo.setCurrentIndex(self.type_combo.findData(field.type))
            self.type_combo.setEnabled(False)
            self.type_combo.setToolTip("A field keeps its type; add a new field for another.")
        form.addRow("Type", self.type_combo)
        self.required_check = QCheckBox("Required: a record cannot be saved without it")
        self.required_check.setChecked(bool(field.required) if field else False)
        form.addRow("", self.required_check)
        self.currency_label = QLabel("Default currency")
        self.currency_edit = QLineEdit(field.currency if field else "")
        self.currency_edit.setAccessibleName("Default currency")
        self.currency_edit.setPlaceholderText("EUR")
        self.currency_edit.setMaxLength(3)
        self.currency_edit.setFixedWidth(80)
        form.addRow(self.currency_label, self.currency_edit)
        layout.addLayout(form)
        self.options = OptionsEditor()
        if field is not None and field.type_enum.has_options:
            self.options.set_options([(o.id, o.label) for o in custom_fields.options_of(field)])
        layout.addWidget(self.options, 1)
        self.error = QLabel()
        self.error.setObjectName("FieldError")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.save_button = buttons.addButton(
            "Save field" if field else "Add field", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.save_button.setProperty("primary", True)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.type_combo.currentIndexChanged.connect(self._type_changed)
        self._type_changed()

    def field_type(self) -> FieldType:
        return FieldType(self.type_combo.currentData())

    def choose_type(self, kind: FieldType) -> None:
        self.type_combo.setCurrentIndex(self.type_combo.findData(kind.value))

    def _type_changed(self) -> None:
        kind = self.field_type()
        self.options.setVisible(kind.has_options)
        self.currency_label.setVisible(kind is FieldType.CURRENCY)
        self.currency_edit.setVisible(kind is FieldType.CURRENCY)
        self.adjustSize()

    def save(self) -> None:
        kind = self.field_type()
        try:
            if self.field is None:
                self.saved = custom_fields.create_field(
                    self._actor,
                    self._entity,
                    self.name_edit.text(),
                    kind,
                    options=self.options.labels() if kind.has_options else (),
                    required=self.required_check.isChecked(),
                    currency=self.currency_edit.text() if kind is FieldType.CURRENCY else "",
                )
            else:
                field = custom_fields.update_field(
                    self._actor,
                    self.field,
                    name=self.name_edit.text(),
                    required=self.required_check.isChecked(),
                    currency=self.currency_edit.text() if kind is FieldType.CURRENCY else None,
                )
                if kind.has_options:
                    custom_fields.set_options(self._actor, field, self.options.specs())
                self.saved = field
        except ServiceError as error:
            self.error.setText(str(error))
            self.error.show()
            return
        self.accept()
