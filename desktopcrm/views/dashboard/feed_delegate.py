"""Painting a feed entry: the person's initials, a mark for what happened, "who did what" with
the names in bold (the record in the link colour when a click opens it), when, and a detail
line (a note's text, a deal's value)."""

from __future__ import annotations

import datetime as dt
import zlib
from typing import Any

from desktopcrm.qt import (
    QColor,
    QFont,
    QFontMetrics,
    QModelIndex,
    QPainter,
    QPersistentModelIndex,
    QRect,
    QRectF,
    QSize,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    Qt,
)
from desktopcrm.services.activity import FeedItem
from desktopcrm.views.dashboard.feed_model import ITEM_ROLE
from desktopcrm.views.dashboard.money import money
from desktopcrm.views.local_time import to_local, utc_now
from desktopcrm.views.theme import ThemeManager, tokens

ROW_HEIGHT = 58
AVATAR = 30
#: Avatar colours, picked by a hash of the person's id (the same person, the same colour).
AVATAR_COLOURS = ("#6d63f0", "#0e9384", "#dd6b20", "#c11574", "#2e90fa", "#7a5af8", "#3f8f3a")
#: The mark beside the avatar: (glyph, token of its colour).
MARKS = {
    "won": ("★", "success"),
    "lost": ("✕", "danger"),
    "unqualified": ("–", "text_muted"),
    "stage": ("→", "accent"),
    "deal": ("+", "accent"),
    "note": ("✎", "accent"),
    "task": ("✓", "success"),
    "contact": ("+", "accent"),
    "company": ("+", "accent"),
    "lead": ("+", "accent"),
    "lead_status": ("●", "accent"),
    "converted": ("⇄", "success"),
    "status": ("●", "accent"),
}


def when_text(at: dt.datetime, now: dt.datetime) -> str:
    """ "just now", "5 min ago", "3 h ago", "Yesterday 14:30", "Mon 14:30", "Mon 12 May",
    "12 May 2024" (local time)."""
    seconds = (now - at).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    local, today = to_local(at), to_local(now).date()
    days = (today - local.date()).days
    if days <= 0:
        return f"{int(seconds // 3600)} h ago"
    if days == 1:
        return f"Yesterday {local:%H:%M}"
    if days < 7:
        return f"{local:%a %H:%M}"
    if local.year == today.year:
        return f"{local:%a} {local.day} {local:%b}"
    return f"{local.day} {local:%b %Y}"


def initials(name: str) -> str:
    words = [w for w in name.replace(".", " ").split() if w]
    if not words:
        return "?"
    if len(words) == 1:
        return words[0][:2].upper()
    return (words[0][0] + words[-1][0]).upper()


def avatar_colour(key: Any) -> QColor:
    return QColor(AVATAR_COLOURS[zlib.crc32(str(key).encode()) % len(AVATAR_COLOURS)])


class FeedDelegate(QStyledItemDelegate):
    """Paints ``FeedItem`` rows of a uniform height."""

    def __init__(self, parent: Any = None, *, clock: Any = None) -> None:
        super().__init__(parent)
        self.now = clock or utc_now
        self.hovered = -1

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return QSize(320, ROW_HEIGHT)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        item: FeedItem | None = index.data(ITEM_ROLE)
        if item is None:
            return
        c = tokens(ThemeManager.current_scheme())
        rect: QRect = option.rect
        state = option.state
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if state & QStyle.StateFlag.State_Selected:
            painter.fillRect(rect, QColor(c["selection"]))
        elif index.row() == self.hovered and item.record_id is not None:
            painter.fillRect(rect, QColor(c["hover"]))
        painter.setPen(QColor(c["border"]))
        painter.drawLine(rect.left() + 56, rect.bottom(), rect.right() - 12, rect.bottom())

        base = QFont(option.font)
        bold = QFont(base)
        bold.setWeight(QFont.Weight.DemiBold)
        small = QFont(base)
        small.setPointSizeF(max(7.0, base.pointSizeF() * 0.9))
        self._avatar(painter, rect, item, bold, c)

        left = rect.left() + 56
        right = rect.right() - 12
        top = rect.top() + 9
        link = QColor(c["accent"] if item.record_id is not None else c["text"])
        muted = QColor(c["text_muted"])
        parts = [
            (item.who, bold, QColor(c["text"])),
            (item.action, base, muted),
            (item.subject, bold, link),
        ]
        # The sentence has the first line to itself; its tail ("from Demo to Quote", "for
        # Acme") goes first on the second line when the whole does not fit.
        tail = item.tail
        if tail and self._width([*parts, (tail, base, muted)]) <= right - left:
            parts.append((tail, base, muted))
            tail = ""
        self._line(painter, QRect(left, top, right - left, 20), parts)

        when = when_text(item.at, self.now())
        painter.setFont(small)
        small_metrics = QFontMetrics(small)
        when_width = small_metrics.horizontalAdvance(when)
        second = top + 22
        painter.setPen(QColor(c["text_faint"]))
        painter.drawText(
            QRect(right - when_width, second, when_width, 18),
            int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
            when,
        )
        detail = item.detail
        if item.amount is not None and item.currency:
            value = money(item.amount, item.currency)
            detail = f"{value} · {detail}" if detail else value
        detail = " · ".join(x for x in (tail, detail) if x)
        if detail:
            painter.setPen(muted)
            area = QRect(left, second, right - left - when_width - 12, 18)
            painter.drawText(
                area,
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                small_metrics.elidedText(detail, Qt.TextElideMode.ElideRight, area.width()),
            )
        painter.restore()

    @staticmethod
    def _width(parts: list[tuple[str, QFont, QColor]]) -> int:
        space = QFontMetrics(parts[1][1]).horizontalAdvance(" ")
        shown = [(text, font) for text, font, _ in parts if text]
        words = sum(QFontMetrics(font).horizontalAdvance(text) for text, font in shown)
        return words + space * max(0, len(shown) - 1)

    @staticmethod
    def _line(painter: QPainter, rect: QRect, parts: list[tuple[str, QFont, QColor]]) -> None:
        x = rect.left()
        space = QFontMetrics(parts[1][1]).horizontalAdvance(" ")
        for text, font, colour in parts:
            if not text:
                continue
            metrics = QFontMetrics(font)
            room = rect.right() - x
            if room <= metrics.horizontalAdvance("…") + 2:
                break
            shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, room)
            painter.setFont(font)
            painter.setPen(colour)
            painter.drawText(
                QRect(x, rect.top(), room, rect.height()),
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                shown,
            )
            x += metrics.horizontalAdvance(shown) + space
            if shown != text:
                break

    @staticmethod
    def _avatar(
        painter: QPainter, rect: QRect, item: FeedItem, font: QFont, c: dict[str, str]
    ) -> None:
        circle = QRectF(rect.left() + 14, rect.top() + 10, AVATAR, AVATAR)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(avatar_colour(item.user_id or item.who))
        painter.drawEllipse(circle)
        small = QFont(font)
        small.setPointSizeF(max(6.5, font.pointSizeF() * 0.78))
        painter.setFont(small)
        painter.setPen(QColor("#ffffff"))
        painter.drawText(circle, int(Qt.AlignmentFlag.AlignCenter), initials(item.who))
        glyph, colour = MARKS.get(item.kind, ("●", "accent"))
        badge = QRectF(circle.right() - 11, circle.bottom() - 11, 15, 15)
        painter.setBrush(QColor(c["surface"]))
        painter.drawEllipse(badge.adjusted(-1.5, -1.5, 1.5, 1.5))
        painter.setBrush(QColor(c[colour]))
        painter.drawEllipse(badge)
        mark = QFont(font)
        mark.setPointSizeF(max(5.5, font.pointSizeF() * 0.62))
        painter.setFont(mark)
        painter.setPen(QColor("#ffffff"))
        painter.drawText(badge, int(Qt.AlignmentFlag.AlignCenter), glyph)
