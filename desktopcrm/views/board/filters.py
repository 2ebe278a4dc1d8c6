"""The board's toolbar: pipeline switcher, text search, owner ("My deals" by default for the
User profile), tag, value range and expected close. ``changed`` fires when any of them does;
``board_filter()`` says what they mean, or raises ``ValidationError`` for an amount that is not
one (the field turns red and says what to type)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from desktopcrm.models import User
from desktopcrm.models.attachments import Tag
from desktopcrm.models.records import Pipeline
from desktopcrm.qt import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTimer,
    QWidget,
    Signal,
)
from desktopcrm.services.board import BoardFilter
from desktopcrm.services.errors import ValidationError
from desktopcrm.views.top_bar import SearchField

#: Expected-close choices: label -> (first day, last day) from today.
CLOSE_CHOICES = (
    "Any close date",
    "Past due",
    "This month",
    "Next 30 days",
    "This quarter",
    "This year",
)
TEXT_DEBOUNCE_MS = 150
MINE = "mine"


def close_range(choice: str, today: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """The expected-close bounds of a ``CLOSE_CHOICES`` entry."""
    if choice == "Past due":
        return None, today - dt.timedelta(days=1)
    if choice == "This month":
        start = today.replace(day=1)
        following = (start + dt.timedelta(days=32)).replace(day=1)
        return start, following - dt.timedelta(days=1)
    if choice == "Next 30 days":
        return today, today + dt.timedelta(days=30)
    if choice == "This quarter":
        first_month = 3 * ((today.month - 1) // 3) + 1
        start = today.replace(month=first_month, day=1)
        following = (start + dt.timedelta(days=95)).replace(day=1)
        return start, following - dt.timedelta(days=1)
    if choice == "This year":
        return today.replace(month=1, day=1), today.replace(month=12, day=31)
    return None, None


def _amount(edit: QLineEdit, what: str) -> Decimal | None:
    text = edit.text().strip().replace(" ", "").replace(",", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or value < 0:
        raise ValidationError(
            "value",
            f"{edit.text()!r} is not an amount: type the {what} value in digits, e.g. 1500.",
        )
    return value


class FilterBar(QFrame):
    """What the board shows. Signals: ``pipeline_changed``, ``changed`` (any filter)."""

    pipeline_changed = Signal()
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("BoardToolbar")
        row = self.row = QHBoxLayout(self)
        row.setContentsMargins(20, 12, 20, 10)
        row.setSpacing(8)
        self.pipeline = QComboBox()
        self.pipeline.setObjectName("PipelineSwitch")
        self.pipeline.setAccessibleName("Pipeline")
        self.pipeline.setMinimumWidth(150)
        row.addWidget(self.pipeline)
        self.search_field = SearchField()
        self.search_field.key_hint.setText("Ctrl ⇧ F")
        self.search_field.setMinimumWidth(200)
        self.search_field.setMaximumWidth(320)
        self.search = self.search_field.edit
        self.search.setPlaceholderText("Search deals…")
        self.search.setAccessibleName("Search deals")
        self.search.setClearButtonEnabled(True)
        row.addWidget(self.search_field, 1)
        self.owner = QComboBox()
        self.owner.setAccessibleName("Owner")
        row.addWidget(self.owner)
        self.tag = QComboBox()
        self.tag.setAccessibleName("Tag")
        row.addWidget(self.tag)
        self.min_value = QLineEdit()
        self.min_value.setPlaceholderText("Min value")
        self.min_value.setAccessibleName("Lowest value")
        self.min_value.setFixedWidth(88)
        row.addWidget(self.min_value)
        dash = QLabel("–")
        dash.setObjectName("Faint")
        row.addWidget(dash)
        self.max_value = QLineEdit()
        self.max_value.setPlaceholderText("Max value")
        self.max_value.setAccessibleName("Highest value")
        self.max_value.setFixedWidth(88)
        row.addWidget(self.max_value)
        self.close_date = QComboBox()
        self.close_date.setAccessibleName("Expected close")
        self.close_date.addItems(list(CLOSE_CHOICES))
        row.addWidget(self.close_date)
        row.addStretch(0)

        self._text_timer = QTimer(self)
        self._text_timer.setSingleShot(True)
        self._text_timer.setInterval(TEXT_DEBOUNCE_MS)
        self._text_timer.timeout.connect(self.changed)
        self.search.textChanged.connect(lambda _t: self._text_timer.start())
        self.min_value.editingFinished.connect(self._value_edited)
        self.max_value.editingFinished.connect(self._value_edited)
        for combo in (self.owner, self.tag, self.close_date):
            combo.activated.connect(lambda _i: self.changed.emit())
        self.pipeline.activated.connect(lambda _i: self.pipeline_changed.emit())
        self._values = ("", "")

    # ----------------------------------------------------------------- filling

    def set_pipelines(self, pipelines: list[Pipeline], current: uuid.UUID | None) -> None:
        self.pipeline.blockSignals(True)
        self.pipeline.clear()
        for pipeline in pipelines:
            self.pipeline.addItem(pipeline.name, pipeline.id)
        index = self.pipeline.findData(current) if current is not None else 0
        self.pipeline.setCurrentIndex(max(0, index))
        self.pipeline.blockSignals(False)

    def set_choices(self, me: User, owners: list[User], tags: list[Tag], *, mine: bool) -> None:
        """Fill the owner and tag lists, keeping what was chosen (``mine``: start with My
        deals)."""
        owner = self.owner.currentData() if self.owner.count() else (MINE if mine else None)
        self.owner.blockSignals(True)
        self.owner.clear()
        self.owner.addItem("Everyone's deals", None)
        self.owner.addItem("My deals", MINE)
        for user in owners:
            if user.id != me.id:
                self.owner.addItem(user.name, user.id)
        self.owner.setCurrentIndex(max(0, self.owner.findData(owner)))
        self.owner.blockSignals(False)
        tag = self.tag.currentData()
        self.tag.blockSignals(True)
        self.tag.clear()
        self.tag.addItem("All tags", None)
        for item in tags:
            self.tag.addItem(item.name, item.key)
        self.tag.setCurrentIndex(max(0, self.tag.findData(tag)))
        self.tag.blockSignals(False)

    def pipeline_id(self) -> Any:
        return self.pipeline.currentData()

    # ----------------------------------------------------------------- reading

    def board_filter(self, me: User, today: dt.date) -> BoardFilter:
        """The filter the bar shows; ``ValidationError`` for an amount that is not one."""
        owner = self.owner.currentData()
        low, high = close_range(self.close_date.currentText(), today)
        return BoardFilter(
            owner_id=me.id if owner == MINE else owner,
            tag=self.tag.currentData(),
            min_value=self._checked(self.min_value, "lowest"),
            max_value=self._checked(self.max_value, "highest"),
            close_from=low,
            close_to=high,
            text=self.search.text().strip(),
        )

    def _checked(self, edit: QLineEdit, what: str) -> Decimal | None:
        try:
            value = _amount(edit, what)
        except ValidationError:
            edit.setProperty("invalid", True)
            edit.setToolTip(f"Type the {what} value in digits, e.g. 1500")
            edit.style().unpolish(edit)
            edit.style().polish(edit)
            raise
        if edit.property("invalid"):
            edit.setProperty("invalid", False)
            edit.setToolTip("")
            edit.style().unpolish(edit)
            edit.style().polish(edit)
        return value

    def _value_edited(self) -> None:
        values = (self.min_value.text(), self.max_value.text())
        if values != self._values:
            self._values = values
            self.changed.emit()

    def clear(self) -> None:
        """Show every deal (Everyone's, any tag, value and date, no text)."""
        for combo in (self.owner, self.tag, self.close_date):
            combo.setCurrentIndex(0)
        for edit in (self.min_value, self.max_value):
            edit.clear()
        self._values = ("", "")
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self.changed.emit()
