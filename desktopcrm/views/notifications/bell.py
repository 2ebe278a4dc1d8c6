"""The bell in the top bar: opens the notification centre, shows how many are unread."""

from __future__ import annotations

from desktopcrm.qt import (
    QColor,
    QFont,
    QPainter,
    QPaintEvent,
    QRectF,
    QSize,
    Qt,
    QToolButton,
    QWidget,
)
from desktopcrm.views.icons import icon
from desktopcrm.views.theme import ThemeManager, tokens


class BellButton(QToolButton):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("NotificationBell")
        self.setIcon(icon("bell"))
        self.setIconSize(QSize(20, 20))
        self.setFixedSize(QSize(38, 38))
        self.setAutoRaise(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.unread = 0
        self.set_unread(0)

    def set_unread(self, count: int) -> None:
        self.unread = max(count, 0)
        words = f"{self.unread} unread" if self.unread else "none unread"
        self.setToolTip(f"Notifications ({words})")
        self.setAccessibleName(f"Notifications, {words}")
        self.update()

    def badge_text(self) -> str:
        return "" if not self.unread else ("99+" if self.unread > 99 else str(self.unread))

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        text = self.badge_text()
        if not text:
            return
        colors = tokens(ThemeManager.current_scheme())
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = QFont(self.font())
        font.setPixelSize(10)
        font.setBold(True)
        painter.setFont(font)
        width = max(16.0, painter.fontMetrics().horizontalAdvance(text) + 8.0)
        box = QRectF(self.width() - width - 1, 2, width, 16)
        painter.setPen(QColor(colors["window"]))
        painter.setBrush(QColor(colors["danger"]))
        painter.drawRoundedRect(box, 8, 8)
        painter.setPen(QColor("#ffffff"))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        painter.end()
