"""Field editors of the record pages and dialogs: one widget per kind of value.

Every editor has ``raw()`` (what the user entered, in the form the services parse: text, a
bool, a label or list of labels, an (amount, currency) pair) and ``set_raw()``; ``edited``
fires on user input only, so a refresh that sets values does not count as an edit.
Custom fields get their editor from ``custom_editor`` by ``FieldType``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from desktopcrm.models.custom_fields import CustomField, FieldType
from desktopcrm.qt import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QSizePolicy,
    Qt,
    QWidget,
    Signal,
)
from desktopcrm.services.typed_values import Money


class Editor(QWidget):
    """Base of every editor: ``raw``/``set_raw``, ``edited``, and an invalid look."""

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # as tall as its field: a crowded dialog grows instead of squashing the inputs
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def raw(self) -> Any:
        raise NotImplementedError

    def set_raw(self, value: Any) -> None:
        raise NotImplementedError

    def focus_target(self) -> QWidget:
        return self

    def set_invalid(self, invalid: bool) -> None:
        target = self.focus_target()
        target.setProperty("invalid", invalid)
        target.style().unpolish(target)
        target.style().polish(target)

    def set_read_only(self, read_only: bool) -> None:
        self.setEnabled(not read_only)


def _bare(layout: QHBoxLayout) -> QHBoxLayout:
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(6)
    return layout


class LineEditor(Editor):
    def __init__(self, placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(placeholder)
        _bare(QHBoxLayout(self)).addWidget(self.edit)
        self.edit.textEdited.connect(lambda _text: self.edited.emit())
        self.setFocusProxy(self.edit)

    def raw(self) -> str:
        return self.edit.text()

    def set_raw(self, value: Any) -> None:
        self.edit.setText("" if value is None else str(value))
        self.edit.setCursorPosition(0)

    def focus_target(self) -> QWidget:
        return self.edit

    def set_read_only(self, read_only: bool) -> None:
        self.edit.setReadOnly(read_only)


class ParagraphEditor(Editor):
    def __init__(self, placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QPlainTextEdit()
        self.edit.setPlaceholderText(placeholder)
        self.edit.setTabChangesFocus(True)
        self.edit.setFixedHeight(84)
        _bare(QHBoxLayout(self)).addWidget(self.edit)
        self._setting = False
        self.edit.textChanged.connect(self._changed)
        self.setFocusProxy(self.edit)

    def _changed(self) -> None:
        if not self._setting:
            self.edited.emit()

    def raw(self) -> str:
        return self.edit.toPlainText()

    def set_raw(self, value: Any) -> None:
        self._setting = True
        try:
            self.edit.setPlainText("" if value is None else str(value))
        finally:
            self._setting = False

    def focus_target(self) -> QWidget:
        return self.edit

    def set_read_only(self, read_only: bool) -> None:
        self.edit.setReadOnly(read_only)


class ComboEditor(Editor):
    """A choice among ``(label, data)`` items; ``raw`` is the chosen data."""

    def __init__(
        self, items: list[tuple[str, Any]] | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.combo = QComboBox()
        self.combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.combo.setMinimumContentsLength(8)
        _bare(QHBoxLayout(self)).addWidget(self.combo)
        self.combo.activated.connect(lambda _index: self.edited.emit())
        self.setFocusProxy(self.combo)
        if items is not None:
            self.set_items(items)

    def set_items(self, items: list[tuple[str, Any]]) -> None:
        current = self.raw() if self.combo.count() else None
        self.combo.blockSignals(True)
        self.combo.clear()
        for label, data in items:
            self.combo.addItem(label, data)
        self.combo.blockSignals(False)
        self.set_raw(current)

    def raw(self) -> Any:
        return self.combo.currentData()

    def set_raw(self, value: Any) -> None:
        for index in range(self.combo.count()):
            if self.combo.itemData(index) == value:
                self.combo.setCurrentIndex(index)
                return
        if value is not None:
            self.combo.addItem(str(value), value)
            self.combo.setCurrentIndex(self.combo.count() - 1)
        elif self.combo.count():
            self.combo.setCurrentIndex(0)

    def focus_target(self) -> QWidget:
        return self.combo


class CheckEditor(Editor):
    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.check = QCheckBox(text or "Yes")
        _bare(QHBoxLayout(self)).addWidget(self.check)
        self.check.clicked.connect(lambda _checked: self.edited.emit())
        self.setFocusProxy(self.check)

    def raw(self) -> bool:
        return self.check.isChecked()

    def set_raw(self, value: Any) -> None:
        self.check.setChecked(bool(value))

    def focus_target(self) -> QWidget:
        return self.check


class MultiSelectEditor(Editor):
    """Checkable options (Space toggles the current one); ``raw`` is the checked labels."""

    def __init__(self, options: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.list = QListWidget()
        self.list.setObjectName("MultiSelect")
        self._setting = False
        for label in options:
            item = QListWidgetItem(label)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.list.addItem(item)
        rows = min(max(len(options), 1), 5)
        self.list.setFixedHeight(rows * 28 + 8)
        _bare(QHBoxLayout(self)).addWidget(self.list)
        self.list.itemChanged.connect(self._changed)
        self.setFocusProxy(self.list)

    def _changed(self, _item: QListWidgetItem) -> None:
        if not self._setting:
            self.edited.emit()

    def raw(self) -> list[str]:
        return [
            self.list.item(row).text()
            for row in range(self.list.count())
            if self.list.item(row).checkState() == Qt.CheckState.Checked
        ]

    def set_raw(self, value: Any) -> None:
        chosen = {str(v).casefold() for v in (value or [])}
        self._setting = True
        try:
            for row in range(self.list.count()):
                item = self.list.item(row)
                checked = item.text().casefold() in chosen
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        finally:
            self._setting = False

    def focus_target(self) -> QWidget:
        return self.list


class MoneyEditor(Editor):
    """An amount and a three-letter currency; ``raw`` is ``(amount, code)`` or None."""

    def __init__(self, currency: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.amount = QLineEdit()
        self.amount.setPlaceholderText("0.00")
        self.amount.setAccessibleName("Amount")
        self.currency = QLineEdit(currency)
        self.currency.setPlaceholderText("EUR")
        self.currency.setMaxLength(3)
        self.currency.setFixedWidth(64)
        self.currency.setAccessibleName("Currency")
        self._default_currency = currency
        layout = _bare(QHBoxLayout(self))
        layout.addWidget(self.amount, 1)
        layout.addWidget(self.currency)
        self.amount.textEdited.connect(lambda _t: self.edited.emit())
        self.currency.textEdited.connect(lambda _t: self.edited.emit())
        self.setFocusProxy(self.amount)

    def raw(self) -> tuple[str, str] | None:
        amount = self.amount.text().strip()
        if not amount:
            return None
        return (amount, self.currency.text().strip().upper())

    def set_raw(self, value: Any) -> None:
        if value is None:
            self.amount.clear()
            self.currency.setText(self._default_currency)
        else:
            amount, code = value
            self.amount.setText(str(amount))
            self.currency.setText(code)

    def focus_target(self) -> QWidget:
        return self.amount


def custom_editor(field: CustomField, options: list[str]) -> Editor:
    """The editor for a custom field of any ``FieldType``."""
    kind = field.type_enum
    placeholders = {
        FieldType.EMAIL: "name@example.com",
        FieldType.PHONE: "+48 22 123 45 67",
        FieldType.URL: "https://example.com",
        FieldType.DATE: "YYYY-MM-DD",
        FieldType.NUMBER: "0",
    }
    editor: Editor
    if kind in (FieldType.PARAGRAPH, FieldType.ADDRESS):
        editor = ParagraphEditor()
    elif kind is FieldType.CHECKBOX:
        editor = CheckEditor()
    elif kind is FieldType.DROPDOWN:
        editor = ComboEditor([("—", None), *((label, label) for label in options)])
    elif kind is FieldType.MULTISELECT:
        editor = MultiSelectEditor(options)
    elif kind is FieldType.CURRENCY:
        editor = MoneyEditor(field.currency)
    else:
        editor = LineEditor(placeholders.get(kind, ""))
    editor.setAccessibleName(field.name)
    editor.focus_target().setAccessibleName(field.name)
    return editor


def custom_raw(kind: FieldType, value: Any) -> Any:
    """A stored custom value (``get_values``) in the form its editor shows."""
    if value is None:
        if kind is FieldType.CHECKBOX:
            return False
        if kind is FieldType.MULTISELECT:
            return []
        if kind in (FieldType.DROPDOWN, FieldType.CURRENCY):
            return None
        return ""
    if isinstance(value, Money):
        return (_number(value.amount), value.currency)
    if isinstance(value, Decimal):
        return _number(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def custom_text(raw: Any) -> str:
    """A custom value in its editor's form (``custom_raw``) as one line of text."""
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "Yes" if raw else "No"
    if isinstance(raw, tuple):
        return " ".join(str(part) for part in raw if part)
    if isinstance(raw, list):
        return ", ".join(str(part) for part in raw)
    return str(raw)


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
