"""Convert a lead: a preview of what is created and what moves, the duplicate check, and an
optional deal. Conversion is one transaction (``services.conversion``) and cannot be undone."""

from __future__ import annotations

import logging
from typing import Any

from desktopcrm.models.records import Contact, Lead
from desktopcrm.qt import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QRadioButton,
    QSizePolicy,
    Qt,
    QVBoxLayout,
    QWidget,
)
from desktopcrm.services.conversion import ConversionPreview, ConversionResult
from desktopcrm.services.errors import ServiceError, ValidationError
from desktopcrm.services.records import DuplicatesFound
from desktopcrm.views.context import AppContext
from desktopcrm.views.record.style import apply_record_style
from desktopcrm.views.record.widgets import error_label

log = logging.getLogger("desktopcrm.views.record.convert")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


class ConvertLeadDialog(QDialog):
    """After a conversion, ``result`` holds what was created and the contact's page opens."""

    def __init__(self, context: AppContext, lead: Lead, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self.lead = lead
        self.result_: ConversionResult | None = None
        self.setObjectName("ConvertLeadDialog")
        apply_record_style(self, context)
        self.setWindowTitle("Convert lead")
        self.setMinimumWidth(520)
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(24, 20, 24, 18)
        self.layout_.setSpacing(12)
        title = QLabel(f"Convert {lead.display_name}")
        title.setObjectName("DialogTitle")
        self.layout_.addWidget(title)
        intro = QLabel(
            "The lead becomes a contact in your pipeline. This cannot be undone: the lead stays, "
            "read-only, and points at what it became."
        )
        intro.setObjectName("Muted")
        intro.setWordWrap(True)
        self.layout_.addWidget(intro)
        self.creates = QFrame()
        self.creates.setObjectName("PreviewBox")
        self.creates.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.creates_layout = QVBoxLayout(self.creates)
        self.creates_layout.setContentsMargins(14, 10, 14, 12)
        self.creates_layout.setSpacing(6)
        self.creates.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.layout_.addWidget(self.creates)
        self.duplicate_choice = QButtonGroup(self)
        self.duplicate_box = QWidget()
        self.duplicate_layout = QVBoxLayout(self.duplicate_box)
        self.duplicate_layout.setContentsMargins(0, 0, 0, 0)
        self.duplicate_layout.setSpacing(4)
        self.duplicate_box.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.layout_.addWidget(self.duplicate_box)

        self.deal_check = QCheckBox("Also create a deal")
        self.deal_check.setObjectName("CreateDeal")
        self.layout_.addWidget(self.deal_check)
        self.deal_form = QWidget()
        form = QFormLayout(self.deal_form)
        form.setContentsMargins(26, 0, 0, 0)
        self.deal_name = QLineEdit(lead.company_name or lead.display_name)
        self.deal_name.setAccessibleName("Deal name")
        self.deal_value = QLineEdit()
        self.deal_value.setPlaceholderText("0.00")
        self.deal_value.setAccessibleName("Deal value")
        form.addRow("Deal name", self.deal_name)
        form.addRow("Value", self.deal_value)
        self.deal_form.setVisible(False)
        self.deal_check.toggled.connect(self._toggle_deal)
        self.layout_.addWidget(self.deal_form)
        self.moves = QLabel()
        self.moves.setObjectName("Muted")
        self.moves.setWordWrap(True)
        self.layout_.addWidget(self.moves)
        self.error = error_label()
        self.layout_.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.convert_button = buttons.addButton(
            "Convert lead", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.convert_button.setObjectName("ConvertConfirm")
        self.convert_button.setProperty("primary", True)
        self.convert_button.setDefault(True)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        self.layout_.addWidget(buttons)
        self.preview: ConversionPreview | None = None
        self.refresh()

    def _toggle_deal(self, on: bool) -> None:
        self.deal_form.setVisible(on)
        self.adjustSize()  # grow with the deal's fields rather than squeeze the preview

    def refresh(self) -> None:
        """Ask the service what conversion would do now, and show it."""
        from desktopcrm.services.conversion import preview_conversion

        try:
            self.preview = preview_conversion(self._context.user, self.lead)
        except ServiceError as error:
            self.error.setText(str(error))
            self.error.show()
            self.convert_button.setEnabled(False)
            return
        self._show_preview(self.preview)

    def _show_preview(self, preview: ConversionPreview) -> None:
        while self.creates_layout.count():
            item = self.creates_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        heading = QLabel("What conversion creates")
        heading.setObjectName("PanelHeading")
        self.creates_layout.addWidget(heading)
        lines = []
        if preview.person_name:
            lines.append(f"A person: {preview.person_name}")
        if preview.company_name:
            if preview.existing_company is not None:
                lines.append(f"Links to the existing company {preview.existing_company.name}")
            else:
                lines.append(f"A company: {preview.company_name}")
        if not preview.person_name and preview.company_name:
            lines[-1] += " (the lead names no person: the company is the contact)"
        for line in lines:
            label = QLabel(f"•  {line}")
            self.creates_layout.addWidget(label)
        self._show_duplicates(preview.duplicates)
        moved = []
        if preview.notes:
            moved.append(_plural(preview.notes, "note"))
        if preview.documents:
            moved.append(_plural(preview.documents, "document"))
        if preview.tags:
            moved.append("tags " + ", ".join(preview.tags))
        carried = [k for k in preview.custom_values if k not in preview.custom_not_carried]
        if carried:
            moved.append("custom values " + ", ".join(carried))
        text = "Moves to the contact: " + ("; ".join(moved) if moved else "nothing else.")
        if preview.custom_not_carried:
            text += (
                " Not carried (contacts have no field with the same key): "
                + ", ".join(preview.custom_not_carried)
                + "."
            )
        self.moves.setText(text)
        self.adjustSize()

    def _show_duplicates(self, matches: list[Any]) -> None:
        for button in self.duplicate_choice.buttons():
            self.duplicate_choice.removeButton(button)
        while self.duplicate_layout.count():
            item = self.duplicate_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.duplicate_box.setVisible(bool(matches))
        if not matches:
            return
        warning = QLabel(
            f"{self.lead.display_name} looks like a contact you already have. Use the existing "
            "contact, or confirm this is someone else."
        )
        warning.setObjectName("DuplicateWarning")
        warning.setWordWrap(True)
        self.duplicate_layout.addWidget(warning)
        for match in matches:
            reasons = ", ".join(getattr(match, "reasons", ()) or ())
            button = QRadioButton(
                f"Use the existing contact {match.name}" + (f" ({reasons})" if reasons else "")
            )
            button.setProperty("record_id", match.record_id.hex)
            button.setObjectName("use-existing")
            self.duplicate_choice.addButton(button)
            self.duplicate_layout.addWidget(button)
        new = QRadioButton(
            f"Create a new person {self.preview.person_name if self.preview else ''}"
        )
        new.setObjectName("create-new")
        self.duplicate_choice.addButton(new)
        self.duplicate_layout.addWidget(new)
        self.duplicate_choice.buttons()[0].setChecked(True)
        self.adjustSize()

    def duplicate_buttons(self) -> list[QRadioButton]:
        return [b for b in self.duplicate_choice.buttons() if isinstance(b, QRadioButton)]

    def submit(self) -> None:
        from desktopcrm.services.conversion import convert_lead

        self.error.hide()
        existing: Contact | None = None
        confirmed_new = False
        chosen = self.duplicate_choice.checkedButton()
        if self.duplicate_box.isVisible() or self.duplicate_choice.buttons():
            if chosen is not None and chosen.objectName() == "use-existing":
                existing = Contact.get_or_none(Contact.id == _uuid(chosen.property("record_id")))
            elif chosen is not None:
                confirmed_new = True
        deal: dict[str, Any] | None = None
        if self.deal_check.isChecked():
            deal = {"name": self.deal_name.text()}
            if self.deal_value.text().strip():
                deal["value"] = self.deal_value.text()
        try:
            result = convert_lead(
                self._context.user,
                Lead.get_by_id(self.lead.id),
                create_deal=deal,
                use_existing_contact=existing,
                check_duplicates=not confirmed_new,
            )
        except DuplicatesFound as error:
            self._show_duplicates(error.matches)
            self.error.setText(str(error))
            self.error.show()
            return
        except ValidationError as error:
            self.error.setText(str(error))
            self.error.show()
            return
        except ServiceError as error:
            self.error.setText(str(error))
            self.error.show()
            return
        self.result_ = result
        log.info("converted lead %s", self.lead.id)
        for table in ("lead", "contact", "deal", "note", "document"):
            self._context.records_changed.emit(table)
        self._context.message.emit(f"Converted {self.lead.display_name}")
        self.accept()
        self._context.open_record.emit("contact", result.contact.id.hex)


def _uuid(value: object) -> Any:
    import uuid

    return uuid.UUID(str(value))
