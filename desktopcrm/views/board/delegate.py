"""Painting a deal card: name and value, contact, tags, owner initials, days in stage and the
next task (red when overdue). Two densities: ``comfortable`` (every line) and ``compact`` (name,
value, owner and days; an overdue task as a red dot), chosen by the screen from the window.

Everything is painted here with cached fonts, colours and elided texts; nothing is a widget. A
painted card is kept as a pixmap (``PIXMAP_BUDGET`` bytes of them at most, the least recently
drawn go first) keyed by everything it shows, so repainting a column whose cards only shifted (a
card moved in or out above them, a scroll) copies pixmaps instead of drawing cards again.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from desktopcrm.qt import (
    QColor,
    QFont,
    QFontMetrics,
    QModelIndex,
    QPainter,
    QPen,
    QPersistentModelIndex,
    QPixmap,
    QPoint,
    QRect,
    QRectF,
    QSize,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    Qt,
)
from desktopcrm.services.board import Card
from desktopcrm.views.board.model import CARD_ROLE, StageModel
from desktopcrm.views.theme import ThemeManager, tokens

Index = QModelIndex | QPersistentModelIndex

#: Card heights by density (the margin around a card included).
HEIGHTS = {"comfortable": 112, "compact": 62}
MARGIN_X = 8
MARGIN_Y = 4
PAD = 12
AVATAR = 22
_SELECTED = QStyle.StateFlag.State_Selected.value
_HOVERED = QStyle.StateFlag.State_MouseOver.value
_FOCUSED = QStyle.StateFlag.State_HasFocus.value
#: Bytes of painted cards kept (a tall window shows ~50 cards; a few screens' worth fit).
PIXMAP_BUDGET = 24 * 1024 * 1024


@lru_cache(maxsize=4)
def card_colours(scheme: str) -> dict[str, QColor]:
    t = tokens(scheme)
    names = (
        "surface",
        "surface_alt",
        "border",
        "border_strong",
        "text",
        "text_muted",
        "text_faint",
        "accent",
        "accent_soft",
        "accent_soft_text",
        "danger",
        "avatar",
        "window",
    )
    colours = {name: QColor(t[name]) for name in names}
    shadow = QColor("#000000")
    shadow.setAlpha(60 if scheme == "dark" else 14)
    colours["shadow"] = shadow
    return colours


@lru_cache(maxsize=256)
def tag_colours(colour: str, dark: bool) -> tuple[QColor, QColor]:
    base = QColor(colour or "#6366f1")
    bg = QColor(base)
    bg.setAlpha(60 if dark else 30)
    return (base.lighter(170) if dark else base.darker(150)), bg


def days_text(days: int) -> str:
    return "today" if days == 0 else f"{days} d"


def due_text(due: dt.datetime, now: dt.datetime) -> str:
    days = (due.date() - now.date()).days
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days == -1:
        return "yesterday"
    if -7 < days < 0:
        return f"{-days} days ago"
    return f"{due:%d %b}".lstrip("0")


class CardDelegate(QStyledItemDelegate):
    """Draws a column's cards. ``money(card) -> str`` formats a card's value; ``now()`` is
    the current UTC time (a test sets it)."""

    def __init__(
        self,
        money: Callable[[Card], str],
        now: Callable[[], dt.datetime],
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self.money = money
        self.now = now
        self.density = "comfortable"
        self._fonts: dict[tuple[str, float, bool], tuple[QFont, QFontMetrics]] = {}
        self._elided: dict[tuple[str, int, float, bool], str] = {}
        self._pixmaps: OrderedDict[tuple[Any, ...], QPixmap] = OrderedDict()

    def set_density(self, density: str) -> bool:
        """Use ``density``; True when it changed (the views lay out again)."""
        if density == self.density:
            return False
        self.density = density
        return True

    def clear_caches(self) -> None:
        self._fonts.clear()
        self._elided.clear()
        self._pixmaps.clear()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        return QSize(200, HEIGHTS[self.density])

    # ----------------------------------------------------------------- painting

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        model = index.model()
        card = index.data(CARD_ROLE)
        dragged = isinstance(model, StageModel) and card is not None and model.dragging == card.id
        if card is None or dragged:
            self._draw(painter, option.rect, option.state.value, option.font, card, dragged)
            return
        # Everything the card shows: its fields, the texts that depend on the time and locale,
        # its size, state, density, theme, font and the screen's pixel ratio.
        now = self.now()
        state = option.state.value & (_SELECTED | _HOVERED)
        size = option.rect.size()
        ratio = painter.device().devicePixelRatioF()
        due = due_text(card.next_task_due, now) if card.next_task_due else ""
        key = (
            card,
            self.money(card),
            card.days_in_stage(now),
            card.task_overdue(now),
            due,
            size.width(),
            size.height(),
            state,
            self.density,
            ThemeManager.current_scheme(),
            option.font.key(),
            ratio,
        )
        pixmap = self._pixmaps.get(key)
        if pixmap is None:
            pixmap = QPixmap(size * ratio)
            pixmap.setDevicePixelRatio(ratio)
            pixmap.fill(Qt.GlobalColor.transparent)
            own = QPainter(pixmap)
            try:
                self._draw(own, QRect(QPoint(0, 0), size), state, option.font, card, False)
            finally:
                own.end()
            self._keep(key, pixmap, size.width() * size.height() * ratio * ratio * 4)
        else:
            self._pixmaps.move_to_end(key)
        painter.drawPixmap(option.rect.topLeft(), pixmap)

    def _keep(self, key: tuple[Any, ...], pixmap: QPixmap, nbytes: float) -> None:
        self._pixmaps[key] = pixmap
        limit = max(16, int(PIXMAP_BUDGET // max(nbytes, 1)))
        while len(self._pixmaps) > limit:
            self._pixmaps.popitem(last=False)

    def _draw(
        self,
        painter: QPainter,
        cell: QRect,
        state: int,
        font: QFont,
        card: Card | None,
        dragged: bool,
    ) -> None:
        """Draw a card (``None``: one still loading; ``dragged``: the slot it left) in ``cell``."""
        scheme = ThemeManager.current_scheme()
        colours = card_colours(scheme)
        rect = cell.adjusted(MARGIN_X, MARGIN_Y, -MARGIN_X, -MARGIN_Y)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        box = QRectF(rect).adjusted(0.5, 0.5, -0.5, -0.5)
        if dragged:
            pen = QPen(colours["border_strong"], 1.2, Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.setBrush(colours["window"])
            painter.drawRoundedRect(box, 8, 8)
            painter.restore()
            return
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colours["shadow"])
        painter.drawRoundedRect(box.translated(0, 1.5), 8, 8)
        selected = bool(state & _SELECTED)
        border = colours["accent"] if selected else colours["border"]
        if not selected and state & _HOVERED:
            border = colours["border_strong"]
        painter.setPen(QPen(border, 1.6 if selected else 1.0))
        painter.setBrush(colours["surface"])
        painter.drawRoundedRect(box, 8, 8)
        if card is None:
            self._placeholder(painter, rect, colours)
        elif self.density == "compact":
            self._compact(painter, rect, card, font, colours, scheme)
        else:
            self._comfortable(painter, rect, card, font, colours, scheme)
        painter.restore()

    def _comfortable(
        self,
        painter: QPainter,
        rect: QRect,
        card: Card,
        font: QFont,
        colours: dict[str, QColor],
        scheme: str,
    ) -> None:
        inner = rect.adjusted(PAD, 9, -PAD, -9)
        now = self.now()
        money = self.money(card)
        _, bold_m = self._font(font, 1.0, True)
        value_width = bold_m.horizontalAdvance(money) + 3
        top = inner.top()
        self._text(painter, QRect(inner.right() - value_width, top, value_width, 18), money,
                   font, 1.0, True, colours["text"])  # fmt: skip
        name_rect = QRect(inner.left(), top, inner.width() - value_width - 10, 18)
        self._text(painter, name_rect, card.name, font, 1.0, True, colours["text"])
        top += 20
        contact = card.contact or "No contact"
        colour = colours["text_muted"] if card.contact else colours["text_faint"]
        self._text(painter, QRect(inner.left(), top, inner.width(), 16), contact, font, 0.9,
                   False, colour)  # fmt: skip
        top += 22
        self._tags(painter, QRect(inner.left(), top, inner.width(), 18), card, font, scheme)
        bottom = inner.bottom() - AVATAR + 1
        self._avatar(painter, inner.left(), bottom, card, font, colours)
        left = inner.left() + AVATAR + 8
        days = days_text(card.days_in_stage(now))
        _, small_m = self._font(font, 0.86, False)
        days_rect = QRect(left, bottom, small_m.horizontalAdvance(days) + 2, AVATAR)
        self._text(painter, days_rect, days, font, 0.86, False, colours["text_faint"])
        left = days_rect.right() + 10
        if card.next_task:
            overdue = card.task_overdue(now)
            colour = colours["danger"] if overdue else colours["text_muted"]
            when = f" · {due_text(card.next_task_due, now)}" if card.next_task_due else ""
            self._dot(painter, left, bottom + AVATAR // 2, colour, hollow=not overdue)
            task_rect = QRect(left + 10, bottom, inner.right() - left - 10, AVATAR)
            self._text(painter, task_rect, f"{card.next_task}{when}", font, 0.86, overdue, colour)
        else:
            rect_ = QRect(left, bottom, inner.right() - left, AVATAR)
            self._text(painter, rect_, "No next task", font, 0.86, False, colours["text_faint"])

    def _compact(
        self,
        painter: QPainter,
        rect: QRect,
        card: Card,
        font: QFont,
        colours: dict[str, QColor],
        scheme: str,
    ) -> None:
        inner = rect.adjusted(10, 6, -10, -6)
        now = self.now()
        money = self.money(card)
        _, bold_m = self._font(font, 0.95, True)
        value_width = bold_m.horizontalAdvance(money) + 3
        self._text(painter, QRect(inner.right() - value_width, inner.top(), value_width, 17),
                   money, font, 0.95, True, colours["text"])  # fmt: skip
        name_rect = QRect(inner.left(), inner.top(), inner.width() - value_width - 8, 17)
        self._text(painter, name_rect, card.name, font, 0.95, True, colours["text"])
        line = inner.bottom() - 17
        days = days_text(card.days_in_stage(now))
        _, small_m = self._font(font, 0.84, False)
        days_width = small_m.horizontalAdvance(days) + 2
        right = inner.right()
        self._text(painter, QRect(right - days_width, line, days_width, 17), days, font, 0.84,
                   False, colours["text_faint"])  # fmt: skip
        right -= days_width + 8
        if card.next_task and card.task_overdue(now):
            self._dot(painter, right - 4, line + 9, colours["danger"], hollow=False)
            right -= 14
        subtitle = card.contact or card.owner
        rect_ = QRect(inner.left(), line, right - inner.left(), 17)
        self._text(painter, rect_, subtitle, font, 0.84, False, colours["text_muted"])

    # ----------------------------------------------------------------- pieces

    def _font(self, font: QFont, scale: float, bold: bool) -> tuple[QFont, QFontMetrics]:
        key = (font.key(), scale, bold)
        found = self._fonts.get(key)
        if found is None:
            made = QFont(font)
            if scale != 1.0:
                made.setPointSizeF(max(6.5, font.pointSizeF() * scale))
            made.setBold(bold)
            found = self._fonts[key] = (made, QFontMetrics(made))
        return found

    def _text(
        self,
        painter: QPainter,
        rect: QRect,
        text: str,
        font: QFont,
        scale: float,
        bold: bool,
        colour: QColor,
    ) -> None:
        if rect.width() < 8 or not text:
            return
        made, metrics = self._font(font, scale, bold)
        key = (text, rect.width(), scale, bold)
        shown = self._elided.get(key)
        if shown is None:
            if len(self._elided) > 4096:
                self._elided.clear()
            shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, rect.width())
            self._elided[key] = shown
        painter.setFont(made)
        painter.setPen(colour)
        baseline = rect.top() + (rect.height() - metrics.height()) // 2 + metrics.ascent()
        painter.drawText(rect.left(), baseline, shown)

    def _avatar(
        self,
        painter: QPainter,
        left: int,
        top: int,
        card: Card,
        font: QFont,
        colours: dict[str, QColor],
    ) -> None:
        circle = QRectF(left, top, AVATAR, AVATAR)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colours["avatar"] if card.owner else colours["border_strong"])
        painter.drawEllipse(circle)
        made, _ = self._font(font, 0.72, True)
        painter.setFont(made)
        painter.setPen(QColor("#ffffff"))
        painter.drawText(circle, Qt.AlignmentFlag.AlignCenter, card.owner_initials or "?")

    @staticmethod
    def _dot(painter: QPainter, x: int, y: int, colour: QColor, *, hollow: bool) -> None:
        painter.setPen(QPen(colour, 1.4))
        painter.setBrush(Qt.BrushStyle.NoBrush if hollow else colour)
        painter.drawEllipse(QRectF(x, y - 3.5, 7, 7))

    def _tags(self, painter: QPainter, rect: QRect, card: Card, font: QFont, scheme: str) -> None:
        made, metrics = self._font(font, 0.8, False)
        left = rect.left()
        painter.setFont(made)
        for number, (name, colour) in enumerate(card.tags):
            remaining = rect.right() - left
            if remaining < 30:
                break
            text = name
            if number == 3 and len(card.tags) > 3:
                text = f"+{len(card.tags) - 3}"
            shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, min(96, remaining - 14))
            width = metrics.horizontalAdvance(shown) + 14
            fg, bg = tag_colours(colour if text == name else "#98a2b3", scheme == "dark")
            pill = QRectF(left, rect.top(), width, rect.height())
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(bg)
            painter.drawRoundedRect(pill, rect.height() / 2, rect.height() / 2)
            painter.setPen(fg)
            painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, shown)
            left += int(width) + 4
            if text != name:
                break

    @staticmethod
    def _placeholder(painter: QPainter, rect: QRect, colours: dict[str, QColor]) -> None:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colours["border"])
        inner = rect.adjusted(PAD, 12, -PAD, -12)
        painter.drawRoundedRect(QRectF(inner.left(), inner.top(), inner.width() * 0.6, 9), 4, 4)
        painter.drawRoundedRect(
            QRectF(inner.left(), inner.top() + 18, inner.width() * 0.4, 8), 4, 4
        )
