"""A grid of labelled field editors that knows which ones the user changed.

``FieldGrid`` keeps, per field, the value last loaded from the database (``initial``) and the
editor. A refresh (``set_initial``) updates fields the user has not touched and leaves edited
ones alone, so someone else's save never wipes what is being typed. ``show_error`` puts a
service's ``ValidationError`` message under the field it names.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from desktopcrm.models.records import Contact
from desktopcrm.qt import QGridLayout, QHBoxLayout, QLabel, Qt, QVBoxLayout, QWidget, Signal
from desktopcrm.views.context import AppContext
from desktopcrm.views.record.editors import Editor
from desktopcrm.views.record.picker import PickedRecord, RecordPicker
from desktopcrm.views.record.widgets import error_label, field_label


class CompanyEditor(Editor):
    """A person's employer, picked by type-ahead among companies.

    ``raw`` is the company's id, None when cleared, or the typed text when nothing was picked
    (the page then asks to pick one)."""

    def __init__(self, context: AppContext, placeholder: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.picker = RecordPicker(context, ("company",), placeholder or "Type a company name…")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.picker)
        self.picker.picked.connect(lambda _p: self.edited.emit())
        self.picker.textEdited.connect(lambda _t: self.edited.emit())
        self.setFocusProxy(self.picker)

    def raw(self) -> Any:
        if self.picker.selected is not None:
            return self.picker.selected.record_id
        text = self.picker.text().strip()
        return text or None

    def set_raw(self, value: Any) -> None:
        if isinstance(value, uuid.UUID):
            company = Contact.get_or_none(Contact.id == value)
            name = company.display_name if company is not None else "(removed company)"
            self.picker.set_record(PickedRecord("company", value, name))
        else:
            self.picker.set_record(None)

    def focus_target(self) -> QWidget:
        return self.picker

    def set_read_only(self, read_only: bool) -> None:
        self.picker.setReadOnly(read_only)


@dataclass
class FieldRow:
    key: str
    label: QLabel
    editor: Editor
    error: QLabel
    initial: Any = None
    loaded: bool = False  # whether ``initial`` came from the database yet


class FieldGrid(QWidget):
    """Two columns of fields (wide ones span both); ``dirty_changed`` says how many differ."""

    dirty_changed = Signal(int)

    def __init__(self, columns: int = 2, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(20)
        self.grid.setVerticalSpacing(12)
        self.columns = columns
        for column in range(columns):
            self.grid.setColumnStretch(column, 1)
        self.rows: dict[str, FieldRow] = {}
        self._next = (0, 0)
        self._read_only = False

    def add_row(self, key: str, label: str, editor: Editor, *, wide: bool = False) -> FieldRow:
        cell = QWidget()
        box = QVBoxLayout(cell)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(4)
        title = field_label(label)
        title.setBuddy(editor.focus_target())
        box.addWidget(title)
        box.addWidget(editor)
        error = error_label()
        error.setAccessibleName(f"{label} problem")
        box.addWidget(error)
        editor.setObjectName(f"field-{key}")
        if not editor.accessibleName():
            editor.setAccessibleName(label)
            editor.focus_target().setAccessibleName(label)
        row, column = self._next
        if wide and column:
            row, column = row + 1, 0
        span = self.columns if wide else 1
        self.grid.addWidget(cell, row, column, 1, span, Qt.AlignmentFlag.AlignTop)
        column += span
        if column >= self.columns:
            row, column = row + 1, 0
        self._next = (row, column)
        field = FieldRow(key, title, editor, error)
        self.rows[key] = field
        editor.edited.connect(lambda k=key: self._edited(k))
        editor.set_read_only(self._read_only)
        return field

    def clear(self) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        self.rows.clear()
        self._next = (0, 0)

    def _edited(self, key: str) -> None:
        self.hide_error(key)
        self.dirty_changed.emit(len(self.edits()))

    def is_edited(self, key: str) -> bool:
        row = self.rows[key]
        if not row.loaded:
            return False
        return bool(_normal(row.editor.raw()) != _normal(row.initial))

    def edits(self) -> dict[str, Any]:
        """The fields whose editor differs from what was loaded: ``{key: raw}``."""
        return {key: row.editor.raw() for key, row in self.rows.items() if self.is_edited(key)}

    def set_initial(self, key: str, raw: Any, *, keep_edit: bool = True) -> bool:
        """Record the loaded value; show it unless the user edited the field. Returns whether
        an edit was kept over a value that changed underneath it."""
        row = self.rows[key]
        edited = keep_edit and self.is_edited(key)
        changed_under = edited and _normal(row.initial) != _normal(raw)
        row.initial = raw
        row.loaded = True
        if not edited:
            row.editor.set_raw(raw)
        return changed_under

    def discard(self) -> None:
        for row in self.rows.values():
            row.editor.set_raw(row.initial)
            self.hide_error(row.key)
        self.dirty_changed.emit(0)

    def show_error(self, key: str, message: str) -> bool:
        row = self.rows.get(key)
        if row is None:
            return False
        row.error.setText(message)
        row.error.show()
        row.editor.set_invalid(True)
        row.editor.focus_target().setFocus(Qt.FocusReason.OtherFocusReason)
        return True

    def hide_error(self, key: str) -> None:
        row = self.rows.get(key)
        if row is not None and row.error.isVisible():
            row.error.hide()
            row.editor.set_invalid(False)

    def clear_errors(self) -> None:
        for key in self.rows:
            self.hide_error(key)

    def error_text(self, key: str) -> str:
        row = self.rows[key]
        return row.error.text() if not row.error.isHidden() else ""

    def set_read_only(self, read_only: bool) -> None:
        self._read_only = read_only
        for row in self.rows.values():
            row.editor.set_read_only(read_only)


def _normal(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list):
        return sorted(str(item).casefold() for item in value)
    if isinstance(value, tuple):
        return tuple(_normal(item) for item in value)
    return value
