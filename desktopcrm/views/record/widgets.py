"""Small pieces the record pages share: coloured chips, a wrapping row of chips, local times,
cards and error labels."""

from __future__ import annotations

import datetime as dt
from typing import Any

from desktopcrm.qt import (
    QColor,
    QFrame,
    QLabel,
    QPixmap,
    QSize,
    Qt,
    QVBoxLayout,
    QWidget,
)


def chip(text: str, fg: str = "", bg: str = "", *, name: str = "Chip") -> QLabel:
    """A rounded label in an admin-chosen font and background colour (or the theme's)."""
    label = QLabel(text)
    label.setObjectName(name)
    if fg and bg:
        label.setStyleSheet(
            f"QLabel#{name} {{ color: {fg}; background: {bg}; border: 1px solid {bg}; }}"
        )
    label.setAccessibleName(text)
    return label


def colour_swatch(fg: str, bg: str, size: int = 14) -> QPixmap:
    """A small rounded square in a label's colours, for combo box items."""
    pixmap = QPixmap(QSize(size, size))
    pixmap.fill(QColor(bg))
    from desktopcrm.qt import QPainter

    painter = QPainter(pixmap)
    painter.setPen(QColor(fg))
    painter.drawRect(0, 0, size - 1, size - 1)
    painter.end()
    return pixmap


def error_label() -> QLabel:
    label = QLabel()
    label.setObjectName("FieldError")
    label.setWordWrap(True)
    label.hide()
    return label


def field_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("FieldLabel")
    return label


class Card(QFrame):
    """A rounded surface with an optional title; ``body`` is its vertical layout."""

    def __init__(self, title: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Card")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(18, 14, 18, 16)
        self.body.setSpacing(10)
        self.title_label: QLabel | None = None
        if title:
            self.title_label = QLabel(title)
            self.title_label.setObjectName("CardTitle")
            self.body.addWidget(self.title_label)


class ChipFlow(QWidget):
    """Child widgets laid out left to right, wrapping to new lines (tags, labels)."""

    SPACING = 6

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._items: list[QWidget] = []
        self.setSizePolicy(self.sizePolicy().horizontalPolicy(), self.sizePolicy().verticalPolicy())

    def set_widgets(self, widgets: list[QWidget]) -> None:
        for old in self._items:
            old.hide()
            old.setParent(None)
            old.deleteLater()
        self._items = list(widgets)
        for widget in self._items:
            widget.setParent(self)
            widget.show()
        self._relayout(self.width())
        self.updateGeometry()

    def widgets(self) -> list[QWidget]:
        return list(self._items)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._relayout(width, apply=False)

    def sizeHint(self) -> QSize:
        return QSize(200, self._relayout(max(self.width(), 200), apply=False))

    def minimumSizeHint(self) -> QSize:
        return QSize(60, self._relayout(max(self.width(), 60), apply=False))

    def resizeEvent(self, event: Any) -> None:
        self._relayout(self.width())
        super().resizeEvent(event)

    def _relayout(self, width: int, apply: bool = True) -> int:
        x = y = line = 0
        for widget in self._items:
            hint = widget.sizeHint()
            if x and x + hint.width() > width:
                x = 0
                y += line + self.SPACING
                line = 0
            if apply:
                widget.setGeometry(x, y, min(hint.width(), max(width, 1)), hint.height())
            x += hint.width() + self.SPACING
            line = max(line, hint.height())
        return y + line


def local_time(at: dt.datetime | None, *, now: dt.datetime | None = None) -> str:
    """A stored (naive UTC) time as the user reads it: today 14:05, yesterday 09:12, 3 Mar
    2026 14:05."""
    if at is None:
        return ""
    local = at.replace(tzinfo=dt.UTC).astimezone()
    today = (now or dt.datetime.now().astimezone()).date()
    if local.date() == today:
        return f"Today {local:%H:%M}"
    if local.date() == today - dt.timedelta(days=1):
        return f"Yesterday {local:%H:%M}"
    if local.year == today.year:
        return f"{local.day} {local:%b %H:%M}"
    return f"{local.day} {local:%b %Y}"


def file_size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"
