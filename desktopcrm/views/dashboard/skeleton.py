"""Placeholders in the shape of a card's content (grey bars in the theme's border colour),
painted while the card's data is being read: the screen paints its frame at once and fills
each card as its read arrives."""

from __future__ import annotations

from desktopcrm.qt import (
    QColor,
    QPainter,
    QPaintEvent,
    QRectF,
    QSize,
    QSizePolicy,
    Qt,
    QWidget,
)
from desktopcrm.views.theme import ThemeManager, tokens

#: Row heights per shape (the feed's matches its delegate's rows).
ROW = {"feed": 58, "lines": 46, "bars": 30, "figure": 22}
#: Each row's text bars as (left offset, share of the width), varied so it reads as text.
WIDTHS = (0.82, 0.64, 0.74, 0.56, 0.7)


class Skeleton(QWidget):
    """Args:
    shape: ``feed`` (avatar and two lines per row), ``lines`` (a title and a line under it),
        ``bars`` (a name and a bar, like the stage chart) or ``figure`` (one short bar).
    rows: how many rows to draw (the feed fills its height).
    """

    def __init__(self, shape: str, rows: int = 3, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.shape = shape
        self.rows = rows
        self.setObjectName("Skeleton")
        self.setAccessibleName("Loading")
        policy = QSizePolicy.Policy
        tall = shape == "feed"
        self.setSizePolicy(policy.Expanding, policy.Expanding if tall else policy.Fixed)

    def sizeHint(self) -> QSize:
        return QSize(200, ROW[self.shape] * self.rows)

    def minimumSizeHint(self) -> QSize:
        return QSize(40, ROW[self.shape] if self.shape == "feed" else self.sizeHint().height())

    def paintEvent(self, event: QPaintEvent) -> None:
        c = tokens(ThemeManager.current_scheme())
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(c["border"]))
        height = ROW[self.shape]
        rows = self.height() // height if self.shape == "feed" else self.rows
        width = self.width()
        for row in range(max(1, rows)):
            top = row * height
            share = WIDTHS[row % len(WIDTHS)]
            if self.shape == "feed":
                painter.drawEllipse(QRectF(14, top + 10, 30, 30))
                painter.drawRoundedRect(QRectF(56, top + 13, (width - 80) * share, 11), 5, 5)
                painter.drawRoundedRect(QRectF(56, top + 33, (width - 80) * share * 0.5, 9), 4, 4)
            elif self.shape == "lines":
                painter.drawRoundedRect(QRectF(0, top + 8, width * share, 11), 5, 5)
                painter.drawRoundedRect(QRectF(0, top + 26, width * share * 0.6, 9), 4, 4)
            elif self.shape == "bars":
                painter.drawRoundedRect(QRectF(0, top + 7, 70, 10), 5, 5)
                painter.drawRoundedRect(QRectF(96, top + 2, (width - 98) * share, 22), 5, 5)
            else:
                painter.drawRoundedRect(QRectF(0, top + 4, min(width, 70), 16), 6, 6)
        painter.end()
