"""Paints a notification: an unread dot, the title (bold while unread), its age, the body."""

from __future__ import annotations

from desktopcrm.qt import (
    QColor,
    QFont,
    QFontMetrics,
    QModelIndex,
    QPainter,
    QPersistentModelIndex,
    QRect,
    QSize,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    Qt,
)
from desktopcrm.views.notifications.model import BODY_ROLE, UNREAD_ROLE, WHEN_ROLE
from desktopcrm.views.theme import ThemeManager, tokens

Index = QModelIndex | QPersistentModelIndex
PAD = 12
DOT = 8


class NotificationDelegate(QStyledItemDelegate):
    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        line = QFontMetrics(option.font).height()
        return QSize(300, PAD * 2 + line * 2 + 4)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        colors = tokens(ThemeManager.current_scheme())
        rect: QRect = option.rect
        state = option.state
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if state & QStyle.StateFlag.State_Selected:
            painter.fillRect(rect, QColor(colors["accent_soft"]))
        elif state & QStyle.StateFlag.State_MouseOver:
            painter.fillRect(rect, QColor(colors["hover"]))
        unread = bool(index.data(UNREAD_ROLE))
        base = QFont(option.font)
        line = QFontMetrics(base).height()
        left = rect.left() + PAD + DOT + 8
        if unread:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(colors["accent"]))
            painter.drawEllipse(rect.left() + PAD, rect.top() + PAD + (line - DOT) // 2, DOT, DOT)
        when = str(index.data(WHEN_ROLE) or "")
        small = QFont(base)
        small.setPointSizeF(max(base.pointSizeF() - 1, 7))
        when_width = QFontMetrics(small).horizontalAdvance(when)
        right = rect.right() - PAD
        painter.setFont(small)
        painter.setPen(QColor(colors["text_muted"]))
        painter.drawText(
            QRect(right - when_width, rect.top() + PAD, when_width, line),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            when,
        )
        title_font = QFont(base)
        title_font.setBold(unread)
        painter.setFont(title_font)
        painter.setPen(QColor(colors["text"]))
        width = right - when_width - 10 - left
        title = QFontMetrics(title_font).elidedText(
            str(index.data() or ""), Qt.TextElideMode.ElideRight, max(width, 0)
        )
        painter.drawText(
            QRect(left, rect.top() + PAD, max(width, 0), line),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            title,
        )
        body = str(index.data(BODY_ROLE) or "")
        if body:
            painter.setFont(base)
            painter.setPen(QColor(colors["text_muted"]))
            text = QFontMetrics(base).elidedText(body, Qt.TextElideMode.ElideRight, right - left)
            painter.drawText(
                QRect(left, rect.top() + PAD + line + 4, right - left, line),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                text,
            )
        painter.setPen(QColor(colors["border"]))
        painter.drawLine(rect.left() + PAD, rect.bottom(), rect.right() - PAD, rect.bottom())
        painter.restore()
