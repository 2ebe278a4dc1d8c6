"""Add or edit a colour-coded label: a note action, status or variable, or a lead status.

Name, abbreviation (not for lead statuses), font and background colour with a live preview
of the chip, and for note variables their type and the options of a dropdown. ``submit`` does
the service call and returns its refusal (shown inline) or None, which closes the dialog.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from desktopcrm.models.notes import VariableType
from desktopcrm.qt import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)
from desktopcrm.views.settings.colour_field import ColourField
from desktopcrm.views.settings.options_editor import OptionsEditor

VARIABLE_TYPES = {
    VariableType.TEXT: "Text",
    VariableType.CURRENCY: "Currency (a decimal amount)",
    VariableType.DATE: "Date",
    VariableType.NUMBER: "Number",
    VariableType.DROPDOWN: "Dropdown (a list of choices)",
}


@dataclass
class LabelValues:
    """What the dialog holds when it is submitted."""

    name: str
    abbreviation: str
    fg: str
    bg: str
    active: bool = True
    type: VariableType | None = None
    options: list[str | tuple[object, str]] = field(default_factory=list)


class LabelDialog(QDialog):
    def __init__(
        self,
        title: str,
        submit: Callable[[LabelValues], str | None],
        *,
        name: str = "",
        abbreviation: str | None = "",
        fg: str = "#1f2937",
        bg: str = "#e5e7eb",
        active: bool | None = None,
        variable_type: VariableType | None = None,
        type_fixed: bool = False,
        options: list[tuple[object, str]] | None = None,
        action: str = "Save",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("LabelDialog")
        self.setWindowTitle(title)
        self.setMinimumWidth(480)
        self._submit = submit
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.setSpacing(12)
        head = QHBoxLayout()
        heading = QLabel(title)
        heading.setObjectName("DialogTitle")
        head.addWidget(heading, 1)
        self.preview = QLabel()
        self.preview.setObjectName("ChipPreview")
        self.preview.setAccessibleName("Preview")
        head.addWidget(self.preview)
        layout.addLayout(head)
        form = QFormLayout()
        form.setHorizontalSpacing(16)
        form.setVerticalSpacing(10)
        self.name_edit = QLineEdit(name)
        self.name_edit.setAccessibleName("Name")
        form.addRow("Name", self.name_edit)
        self.abbreviation_edit: QLineEdit | None = None
        if abbreviation is not None:
            self.abbreviation_edit = QLineEdit(abbreviation)
            self.abbreviation_edit.setAccessibleName("Abbreviation")
            self.abbreviation_edit.setPlaceholderText("Made from the name when empty")
            self.abbreviation_edit.setMaxLength(16)
            self.abbreviation_edit.textEdited.connect(lambda _t: self._preview())
            form.addRow("Abbreviation", self.abbreviation_edit)
        self.fg_field = ColourField("Font colour", fg)
        self.bg_field = ColourField("Background colour", bg)
        form.addRow("Font colour", self.fg_field)
        form.addRow("Background colour", self.bg_field)
        self.type_combo: QComboBox | None = None
        if variable_type is not None:
            self.type_combo = QComboBox()
            self.type_combo.setAccessibleName("Variable type")
            for kind, label in VARIABLE_TYPES.items():
                self.type_combo.addItem(label, kind.value)
            self.type_combo.setCurrentIndex(self.type_combo.findData(variable_type.value))
            self.type_combo.setEnabled(not type_fixed)
            form.addRow("Type", self.type_combo)
        self.active_check: QCheckBox | None = None
        if active is not None:
            self.active_check = QCheckBox("Offered on new notes")
            self.active_check.setChecked(active)
            form.addRow("", self.active_check)
        layout.addLayout(form)
        self.options: OptionsEditor | None = None
        if variable_type is not None:
            self.options = OptionsEditor()
            if options:
                self.options.set_options(options)  # type: ignore[arg-type]
            layout.addWidget(self.options, 1)
            assert self.type_combo is not None
            self.type_combo.currentIndexChanged.connect(self._type_changed)
            self._type_changed()
        self.error = QLabel()
        self.error.setObjectName("FieldError")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.save_button = buttons.addButton(action, QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setProperty("primary", True)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.name_edit.textEdited.connect(lambda _t: self._preview())
        self.fg_field.colour_changed.connect(lambda _c: self._preview())
        self.bg_field.colour_changed.connect(lambda _c: self._preview())
        self._preview()

    def variable_type(self) -> VariableType | None:
        return VariableType(self.type_combo.currentData()) if self.type_combo else None

    def _type_changed(self) -> None:
        if self.options is not None:
            self.options.setVisible(self.variable_type() is VariableType.DROPDOWN)
            self.adjustSize()

    def values(self) -> LabelValues:
        kind = self.variable_type()
        return LabelValues(
            name=self.name_edit.text(),
            abbreviation=self.abbreviation_edit.text() if self.abbreviation_edit else "",
            fg=self.fg_field.colour(),
            bg=self.bg_field.colour(),
            active=self.active_check.isChecked() if self.active_check else True,
            type=kind,
            options=list(self.options.specs())
            if self.options is not None and kind is VariableType.DROPDOWN
            else [],
        )

    def _preview(self) -> None:
        text = ""
        if self.abbreviation_edit is not None:
            text = self.abbreviation_edit.text().strip()
        if not text:
            name = self.name_edit.text().strip()
            text = (
                "".join(w[0] for w in name.split())[:4].upper()
                if self.abbreviation_edit is not None
                else name
            ) or "Aa"
        self.preview.setText(text)
        self.preview.setStyleSheet(
            f"color: {self.fg_field.colour()}; background: {self.bg_field.colour()};"
        )

    def _accept(self) -> None:
        refusal = self._submit(self.values())
        if refusal:
            self.error.setText(refusal)
            self.error.show()
            return
        self.accept()
