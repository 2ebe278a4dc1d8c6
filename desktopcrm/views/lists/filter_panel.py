"""The filter panel of a list screen: rows of *field · operator · value*, all of which must
hold. Emits ``changed`` whenever the complete conditions change (incomplete rows, e.g. a value
not typed yet, are left out)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from desktopcrm.qt import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    Qt,
    QToolButton,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desktopcrm.services.lists import Filter
from desktopcrm.views.icons import icon
from desktopcrm.views.lists.filter_values import ChoicesButton, DateValue
from desktopcrm.views.lists.filters import DAY_COUNT, MANY, NO_VALUE, FilterField


class ConditionRow(QWidget):
    """One condition: a field, an operator and a value editor that suits them."""

    changed = Signal()
    remove_requested = Signal(object)

    def __init__(self, fields: Sequence[FilterField], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("FilterCondition")
        self._fields = list(fields)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        self.field_combo = QComboBox()
        self.field_combo.setAccessibleName("Filter field")
        self.field_combo.setMinimumWidth(150)
        for item in self._fields:
            self.field_combo.addItem(item.label, item.key)
        self.op_combo = QComboBox()
        self.op_combo.setAccessibleName("Filter operator")
        self.op_combo.setMinimumWidth(110)
        self.value_edit = QLineEdit()
        self.value_edit.setAccessibleName("Filter value")
        self.value_edit.setClearButtonEnabled(True)
        self.high_edit = QLineEdit()
        self.high_edit.setAccessibleName("Filter upper value")
        self.and_label = QLabel("and")
        self.and_label.setProperty("muted", True)
        self.choice_combo = QComboBox()
        self.choice_combo.setAccessibleName("Filter value")
        self.choice_combo.setMinimumWidth(160)
        self.choices_button = ChoicesButton("Filter values")
        self.date_edit = DateValue("Filter date")
        self.high_date_edit = DateValue("Filter upper date")
        self.remove_button = QToolButton()
        self.remove_button.setIcon(icon("close"))
        self.remove_button.setProperty("flat", True)
        self.remove_button.setToolTip("Remove this condition")
        self.remove_button.setAccessibleName("Remove condition")
        for widget in (self.field_combo, self.op_combo, self.choice_combo, self.choices_button):
            row.addWidget(widget)
        row.addWidget(self.value_edit, 1)
        row.addWidget(self.date_edit)
        row.addWidget(self.and_label)
        row.addWidget(self.high_edit, 1)
        row.addWidget(self.high_date_edit)
        self.spacer = QWidget()  # keeps the remove button at the right when no editor stretches
        row.addWidget(self.spacer, 1)
        row.addWidget(self.remove_button)
        self.field_combo.currentIndexChanged.connect(self._field_changed)
        self.op_combo.currentIndexChanged.connect(self._op_changed)
        self.value_edit.textChanged.connect(self.changed)
        self.high_edit.textChanged.connect(self.changed)
        self.choice_combo.currentIndexChanged.connect(self.changed)
        self.choice_combo.editTextChanged.connect(self.changed)
        self.choices_button.changed.connect(self.changed)
        self.date_edit.dateChanged.connect(self.changed)
        self.high_date_edit.dateChanged.connect(self.changed)
        self.remove_button.clicked.connect(lambda: self.remove_requested.emit(self))
        self._field_changed()

    @property
    def field(self) -> FilterField:
        return self._fields[max(0, self.field_combo.currentIndex())]

    @property
    def op(self) -> str:
        return str(self.op_combo.currentData() or "")

    def _field_changed(self) -> None:
        field = self.field
        self.op_combo.blockSignals(True)
        self.op_combo.clear()
        for op, label in field.ops:
            self.op_combo.addItem(label, op)
        self.op_combo.blockSignals(False)
        self.choice_combo.blockSignals(True)
        self.choice_combo.clear()
        self.choice_combo.setEditable(field.type == "tags")
        for label, value in field.choices:
            self.choice_combo.addItem(label, value)
        self.choice_combo.blockSignals(False)
        self.choices_button.set_choices(field.choices)
        placeholder = {"number": "Number"}.get(field.type, "Value")
        line = self.choice_combo.lineEdit()
        if field.type == "tags" and line is not None:
            line.setPlaceholderText("Tag (several: VIP, Partner)")
        self.value_edit.setPlaceholderText(placeholder)
        self.high_edit.setPlaceholderText(placeholder)
        self._op_changed()

    def _op_changed(self) -> None:
        field, op = self.field, self.op
        valued = op not in NO_VALUE
        chooses = field.type in ("choice", "enum", "tags", "check") and valued
        dated = field.type == "date" and valued and op not in DAY_COUNT
        typed = not chooses and not dated and valued
        self.choice_combo.setVisible(chooses and op not in MANY)
        self.choices_button.setVisible(chooses and op in MANY)
        self.date_edit.setVisible(dated)
        self.value_edit.setVisible(typed)
        self.value_edit.setPlaceholderText(
            "Days" if op in DAY_COUNT else {"number": "Number"}.get(field.type, "Value")
        )
        self.and_label.setVisible(op == "between")
        self.high_edit.setVisible(op == "between" and not dated)
        self.high_date_edit.setVisible(op == "between" and dated)
        self.spacer.setVisible(not typed)
        self.changed.emit()

    def condition(self) -> Filter | None:
        """The condition, or None while it is incomplete."""
        field, op = self.field, self.op
        if not op:
            return None
        if op in NO_VALUE:
            return Filter(field.key, op)
        if field.type == "tags":
            names = [n.strip() for n in self.choice_combo.currentText().split(",") if n.strip()]
            return Filter("tags", op, names) if names else None
        if field.type in ("choice", "enum", "check"):
            if op in MANY:
                chosen = self.choices_button.values()
                return Filter(field.key, op, chosen) if chosen else None
            if self.choice_combo.currentIndex() < 0:
                return None
            value: Any = self.choice_combo.currentData()
            return Filter(field.key, op, value)
        if field.type == "date" and op not in DAY_COUNT:
            if op == "between":
                return Filter(field.key, op, (self.date_edit.iso(), self.high_date_edit.iso()))
            return Filter(field.key, op, self.date_edit.iso())
        low = self.value_edit.text().strip()
        if not low:
            return None
        if op == "between":
            high = self.high_edit.text().strip()
            return Filter(field.key, op, (low, high)) if high else None
        return Filter(field.key, op, low)

    def set_condition(self, item: Filter) -> bool:
        """Show ``item``; False when its field is not one of this list's."""
        index = self.field_combo.findData(item.field)
        if index < 0:
            return False
        self.field_combo.setCurrentIndex(index)
        op_index = self.op_combo.findData(item.op)
        if op_index < 0:
            return False
        self.op_combo.setCurrentIndex(op_index)
        value = item.value
        dated = self.field.type == "date" and item.op not in DAY_COUNT
        if self.field.type == "tags":
            names = [value] if isinstance(value, str) else list(value or [])
            self.choice_combo.setEditText(", ".join(str(n) for n in names))
        elif item.op in MANY and self.field.type in ("choice", "enum", "check"):
            many = list(value) if isinstance(value, list | tuple) else [value]
            self.choices_button.set_values(many)
        elif dated and item.op == "between" and isinstance(value, list | tuple) and len(value) == 2:
            return self.date_edit.set_iso(value[0]) and self.high_date_edit.set_iso(value[1])
        elif dated and value is not None:
            return self.date_edit.set_iso(str(value))
        elif self.field.type in ("choice", "enum", "check"):
            wanted = value[0] if isinstance(value, list | tuple) and value else value
            found = self.choice_combo.findData(wanted)
            if found < 0:
                found = self.choice_combo.findData(str(wanted))
            self.choice_combo.setCurrentIndex(found)
        elif item.op == "between" and isinstance(value, list | tuple) and len(value) == 2:
            self.value_edit.setText(str(value[0]))
            self.high_edit.setText(str(value[1]))
        elif value is not None:
            self.value_edit.setText(str(value))
        return True


class FilterPanel(QFrame):
    """Conditions on a list; ``filters()`` are those complete, ``changed`` when they change."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("FilterPanel")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self._fields: list[FilterField] = []
        self.rows: list[ConditionRow] = []
        self._last: list[Filter] = []
        outer = QVBoxLayout(self)
        outer.setContentsMargins(14, 10, 14, 10)
        outer.setSpacing(8)
        self._rows_layout = QVBoxLayout()
        self._rows_layout.setSpacing(6)
        outer.addLayout(self._rows_layout)
        buttons = QHBoxLayout()
        buttons.setSpacing(8)
        self.add_button = QPushButton(icon("add"), "Add condition")
        self.add_button.setProperty("flat", True)
        self.add_button.setAccessibleName("Add a filter condition")
        self.add_button.clicked.connect(self.add_condition)
        self.clear_button = QPushButton("Clear all")
        self.clear_button.setProperty("flat", True)
        self.clear_button.clicked.connect(self.clear)
        self.hint = QLabel("Records that match every condition are listed.")
        self.hint.setProperty("muted", True)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.clear_button)
        buttons.addStretch(1)
        buttons.addWidget(self.hint)
        outer.addLayout(buttons)

    def set_fields(self, fields: Sequence[FilterField]) -> None:
        """The fields conditions may use (kept conditions are rebuilt on them)."""
        current = self.filters()
        self._fields = list(fields)
        self._clear_rows()
        for item in current:
            self._add(item)

    def add_condition(self, item: Filter | None = None) -> ConditionRow | None:
        row = self._add(item if isinstance(item, Filter) else None)
        if row is not None:
            row.field_combo.setFocus(Qt.FocusReason.OtherFocusReason)
        return row

    def _add(self, item: Filter | None) -> ConditionRow | None:
        if not self._fields:
            return None
        row = ConditionRow(self._fields)
        if item is not None and not row.set_condition(item):
            row.deleteLater()
            return None
        row.changed.connect(self._emit_if_changed)
        row.remove_requested.connect(self._remove)
        self.rows.append(row)
        self._rows_layout.addWidget(row)
        self.clear_button.setEnabled(True)
        self._emit_if_changed()
        return row

    def _remove(self, row: ConditionRow) -> None:
        if row in self.rows:
            self.rows.remove(row)
            row.hide()
            row.deleteLater()
        self.clear_button.setEnabled(bool(self.rows))
        self._emit_if_changed()

    def _clear_rows(self) -> None:
        for row in self.rows:
            row.hide()
            row.deleteLater()
        self.rows.clear()

    def clear(self) -> None:
        self._clear_rows()
        self.clear_button.setEnabled(False)
        self._emit_if_changed()

    def set_filters(self, filters: Sequence[Filter]) -> None:
        """Show these conditions (a smart list's), without emitting ``changed``."""
        self.blockSignals(True)
        try:
            self._clear_rows()
            for item in filters:
                self._add(item)
        finally:
            self.blockSignals(False)
        self._last = self.filters()
        self.clear_button.setEnabled(bool(self.rows))

    def filters(self) -> list[Filter]:
        return [c for c in (row.condition() for row in self.rows) if c is not None]

    def _emit_if_changed(self) -> None:
        current = self.filters()
        if current != self._last:
            self._last = current
            self.changed.emit()
