"""Universal Add: new lead, person, company, deal, or a note on a chosen record.

Each dialog validates through its service (a refusal shows under the field it names), links
records by type-ahead (``RecordPicker``), shows likely duplicates with a way to open them or
to create anyway, and opens the new record's page (``AppContext.open_record``) when done.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from typing import Any

from desktopcrm.models.records import Contact, Deal, Lead, record_kind
from desktopcrm.qt import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
)
from desktopcrm.services.errors import ServiceError, ValidationError
from desktopcrm.services.records import DuplicatesFound
from desktopcrm.views.context import AppContext
from desktopcrm.views.record.editors import ComboEditor, Editor, LineEditor, MoneyEditor
from desktopcrm.views.record.fields import PRIORITY_CHOICES
from desktopcrm.views.record.form import CompanyEditor, FieldGrid
from desktopcrm.views.record.picker import PickedRecord, RecordPicker
from desktopcrm.views.record.style import apply_record_style
from desktopcrm.views.record.widgets import colour_swatch, error_label

log = logging.getLogger("desktopcrm.views.record.add")


class PickerEditor(Editor):
    """A record chosen by type-ahead; ``raw`` is the ``PickedRecord`` (None when none)."""

    def __init__(self, picker: RecordPicker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.picker = picker
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(picker)
        picker.picked.connect(lambda _p: self.edited.emit())
        self.setFocusProxy(picker)

    def raw(self) -> Any:
        return self.picker.selected

    def set_raw(self, value: Any) -> None:
        self.picker.set_record(value)

    def focus_target(self) -> QWidget:
        return self.picker


class AddRecordDialog(QDialog):
    """The frame every Add dialog shares; subclasses fill ``grid`` (``build``) and implement
    ``create_record``."""

    kind_title = "record"
    record_kind_value = "lead"

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self.created: Any = None
        self.allow_duplicates = False
        self.setObjectName(f"Add{self.kind_title.capitalize()}Dialog")
        apply_record_style(self, context)
        self.setWindowTitle(f"New {self.kind_title}")
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.setSpacing(14)
        title = QLabel(f"New {self.kind_title}")
        title.setObjectName("DialogTitle")
        layout.addWidget(title)
        self.grid = FieldGrid()
        layout.addWidget(self.grid)
        self.duplicates = QWidget()
        self.duplicates.setObjectName("DuplicatesBox")
        self.duplicates_layout = QVBoxLayout(self.duplicates)
        self.duplicates_layout.setContentsMargins(0, 0, 0, 0)
        self.duplicates_layout.setSpacing(4)
        self.duplicates.hide()
        layout.addWidget(self.duplicates)
        self.error = error_label()
        self.error.setAccessibleName("Problem")
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.create_button = self.buttons.addButton(
            f"Create {self.kind_title}", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.create_button.setObjectName("CreateButton")
        self.create_button.setProperty("primary", True)
        self.create_button.setDefault(True)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.build()
        first = next(iter(self.grid.rows.values()), None)
        if first is not None:
            first.editor.focus_target().setFocus()

    def build(self) -> None:
        raise NotImplementedError

    def create_record(self, values: dict[str, Any]) -> Any:
        raise NotImplementedError

    def line(self, key: str, label: str, placeholder: str = "", wide: bool = False) -> Editor:
        editor = LineEditor(placeholder)
        self.grid.add_row(key, label, editor, wide=wide)
        return editor

    def values(self) -> dict[str, Any]:
        return {key: row.editor.raw() for key, row in self.grid.rows.items()}

    def set_value(self, key: str, raw: Any) -> None:
        self.grid.rows[key].editor.set_raw(raw)

    def submit(self) -> None:
        """Create the record; refusals show under their field and the dialog stays open."""
        self.error.hide()
        self.grid.clear_errors()
        try:
            created = self.create_record(self.values())
        except DuplicatesFound as error:
            self._show_duplicates(error)
            return
        except ValidationError as error:
            if not self.grid.show_error(error.field, str(error)):
                self.error.setText(str(error))
                self.error.show()
            return
        except ServiceError as error:
            self.error.setText(str(error))
            self.error.show()
            return
        self.created = created
        table = created._meta.table_name
        log.info("created %s %s", table, created.id)
        self._context.records_changed.emit(table)
        self._context.message.emit(f"Created {self.kind_title} {_title(created)}")
        self.accept()
        target = self.opens(created) or (record_kind(created).value, created.id.hex)
        self._context.open_record.emit(*target)

    def opens(self, created: Any) -> tuple[str, str] | None:
        """Which page to open after creating (default: the new record's)."""
        return None

    def _show_duplicates(self, error: DuplicatesFound) -> None:
        while self.duplicates_layout.count():
            item = self.duplicates_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        warning = QLabel(str(error))
        warning.setObjectName("DuplicateWarning")
        warning.setWordWrap(True)
        self.duplicates_layout.addWidget(warning)
        for match in error.matches:
            button = QPushButton(f"Open {match.name}")
            button.setObjectName("RecordLink")
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            kind = "contact" if match.kind in ("contact", "company") else match.kind
            button.clicked.connect(lambda _c=False, k=kind, m=match: self._open_existing(k, m))
            self.duplicates_layout.addWidget(button, 0, Qt.AlignmentFlag.AlignLeft)
        self.duplicates.show()
        self.allow_duplicates = True
        self.create_button.setText(f"Create {self.kind_title} anyway")
        self.adjustSize()

    def _open_existing(self, kind: str, match: Any) -> None:
        self.reject()
        self._context.open_record.emit(kind, match.record_id.hex)


def _title(record: Any) -> str:
    if isinstance(record, Deal):
        return record.name
    return str(getattr(record, "display_name", ""))


class AddLeadDialog(AddRecordDialog):
    kind_title = "lead"

    def build(self) -> None:
        self.line("first_name", "First name")
        self.line("last_name", "Last name")
        self.line("company_name", "Company", "The company they work for", wide=True)
        self.line("email", "Email", "name@example.com")
        self.line("phone", "Phone")
        self.grid.add_row("priority", "Priority", ComboEditor(PRIORITY_CHOICES))
        self.line("source", "Source", "e.g. Trade fair")

    def create_record(self, values: dict[str, Any]) -> Lead:
        from desktopcrm.services.leads import create_lead

        return create_lead(self._context.user, check_duplicates=not self.allow_duplicates, **values)


class AddPersonDialog(AddRecordDialog):
    kind_title = "person"

    def build(self) -> None:
        self.line("first_name", "First name")
        self.line("last_name", "Last name")
        self.company = CompanyEditor(self._context)
        self.grid.add_row("company", "Company", self.company, wide=True)
        self.line("title", "Job title")
        self.line("email", "Email", "name@example.com")
        self.line("phone", "Phone")

    def create_record(self, values: dict[str, Any]) -> Contact:
        from desktopcrm.services.contacts import create_person

        raw = values.pop("company")
        if isinstance(raw, str):
            raise ValidationError(
                "company", "Pick the company from the suggestions, or clear the field."
            )
        company = Contact.get_or_none(Contact.id == raw) if raw is not None else None
        return create_person(
            self._context.user,
            company=company,
            check_duplicates=not self.allow_duplicates,
            **values,
        )


class AddCompanyDialog(AddRecordDialog):
    kind_title = "company"

    def build(self) -> None:
        self.line("name", "Name", wide=True)
        self.line("website", "Website", "https://")
        self.line("email", "Email", "info@example.com")
        self.line("phone", "Phone")
        self.line("city", "City")

    def create_record(self, values: dict[str, Any]) -> Contact:
        from desktopcrm.services.contacts import create_company

        name = values.pop("name")
        return create_company(
            self._context.user, name, check_duplicates=not self.allow_duplicates, **values
        )


class AddDealDialog(AddRecordDialog):
    kind_title = "deal"

    def build(self) -> None:
        from desktopcrm.services.record_details import stage_choices

        self.line("name", "Name", "e.g. 40 licences for Acme", wide=True)
        self.contact_picker = RecordPicker(self._context, ("contact", "company"))
        self.contact_picker.setAccessibleName("Primary contact")
        self.grid.add_row(
            "primary_contact", "Primary contact", PickerEditor(self.contact_picker), wide=True
        )
        self.choices = stage_choices()
        open_stages = [c for c in self.choices if c.stage.kind == "open"]
        many = len({c.pipeline.id for c in open_stages}) > 1
        items = [
            (f"{c.pipeline.name} › {c.stage.name}" if many else c.stage.name, c.stage.id)
            for c in open_stages
        ]
        self.stage_editor = ComboEditor(items)
        self.grid.add_row("stage", "Stage", self.stage_editor)
        currency = open_stages[0].pipeline.currency if open_stages else "EUR"
        self.grid.add_row("value", "Value", MoneyEditor(currency))
        self.line("expected_close", "Expected close", "YYYY-MM-DD")

    def create_record(self, values: dict[str, Any]) -> Deal:
        from desktopcrm.services.deals import create_deal

        picked: PickedRecord | None = values["primary_contact"]
        contact = Contact.get_or_none(Contact.id == picked.record_id) if picked else None
        stage = next((c.stage for c in self.choices if c.stage.id == values["stage"]), None)
        amount, currency = values["value"] or ("0", None)
        close: Any = values["expected_close"].strip() or None
        if close:
            with contextlib.suppress(ValueError):  # else the service says what a date is
                close = dt.date.fromisoformat(close)
        return create_deal(
            self._context.user,
            values["name"],
            amount,
            currency or None,
            stage=stage,
            primary_contact=contact,
            expected_close=close,
        )


class AddNoteDialog(AddRecordDialog):
    kind_title = "note"

    def __init__(
        self, context: AppContext, parent: QWidget | None = None, current: Any = None
    ) -> None:
        self._current = current
        super().__init__(context, parent)
        self.create_button.setText("Add note")

    def build(self) -> None:
        from desktopcrm.services.record_details import note_choices
        from desktopcrm.views.record.editors import ParagraphEditor

        self.record_picker = RecordPicker(
            self._context, ("lead", "contact", "company", "deal"), "Type a lead, contact or deal…"
        )
        self.record_picker.setAccessibleName("On record")
        self.grid.add_row("record", "On", PickerEditor(self.record_picker), wide=True)
        if self._current is not None:
            kind = record_kind(self._current).value
            if kind == "contact" and getattr(self._current, "is_company", False):
                kind = "company"
            title = (
                self._current.name
                if isinstance(self._current, Deal)
                else (self._current.display_name)
            )
            self.record_picker.set_record(PickedRecord(kind, self._current.id, title))
        choices = note_choices()
        self.action = ComboEditor([("No action", None)])
        self.status = ComboEditor([("No status", None)])
        for editor, labels in ((self.action, choices.actions), (self.status, choices.statuses)):
            combo: QComboBox = editor.combo
            for label in labels:
                from desktopcrm.qt import QIcon

                combo.addItem(
                    QIcon(colour_swatch(label.fg_color, label.bg_color)), label.name, label.id
                )
        self.grid.add_row("action", "Action", self.action)
        self.grid.add_row("status", "Status", self.status)
        self.grid.add_row(
            "body", "Note", ParagraphEditor("What happened, what is next…"), wide=True
        )

    def create_record(self, values: dict[str, Any]) -> Any:
        from desktopcrm.services.notes import add_note
        from desktopcrm.services.record_details import get_record

        picked: PickedRecord | None = values["record"]
        if picked is None:
            raise ValidationError("record", "Choose the lead, contact or deal the note is about.")
        record = get_record(self._context.user, picked.record_kind, picked.record_id)
        self._target = (picked.record_kind, picked.record_id.hex)
        return add_note(
            self._context.user,
            record,
            values["body"],
            action=values["action"],
            status=values["status"],
        )

    def opens(self, created: Any) -> tuple[str, str] | None:
        return self._target


DIALOGS: dict[str, type[AddRecordDialog]] = {
    "lead": AddLeadDialog,
    "person": AddPersonDialog,
    "company": AddCompanyDialog,
    "deal": AddDealDialog,
}


def open_add_dialog(
    context: AppContext, kind: str, parent: QWidget | None = None, current: Any = None
) -> AddRecordDialog:
    """Open (non-blocking) the Add dialog for ``kind``; ``current`` is the record on screen,
    which a new note is about unless the user picks another."""
    dialog: AddRecordDialog
    if kind == "note":
        dialog = AddNoteDialog(context, parent, current)
    else:
        dialog = DIALOGS[kind](context, parent)
        if kind == "deal" and isinstance(current, Contact):
            picked_kind = "company" if current.is_company else "contact"
            dialog.set_value(
                "primary_contact", PickedRecord(picked_kind, current.id, current.display_name)
            )
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
