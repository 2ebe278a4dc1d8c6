"""Painting list cells: coloured status chips, tag pills, owner avatars and the placeholder of
a row that is still loading. Colours come from the theme's tokens, or the admins' own colours
for lead statuses and tags (toned down in the dark theme)."""

from __future__ import annotations

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
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    Qt,
)
from desktopcrm.views.lists.columns import Chip
from desktopcrm.views.lists.model import CHIP_ROLE, LOADING_ROLE, STYLE_ROLE
from desktopcrm.views.theme import ThemeManager, tokens

Index = QModelIndex | QPersistentModelIndex

_TONES = {
    # tone: (light fg, light bg, dark fg, dark bg)
    "accent": ("#3f37c9", "#eef0ff", "#c7c5ff", "#2b2e5a"),
    "success": ("#0b6b4b", "#dcf5ea", "#8ce0b8", "#173b2d"),
    "danger": ("#b42318", "#fdecea", "#ffb4ab", "#4a2220"),
    "warning": ("#8a5a00", "#fff1cc", "#f6d58a", "#45361a"),
    "muted": ("#475467", "#eef0f3", "#b4bac6", "#2a2f38"),
}
CHIP_HEIGHT = 20
MAX_TAGS = 3


def chip_colours(chip: Chip, dark: bool) -> tuple[QColor, QColor]:
    """(text, background) of a chip in the current scheme."""
    if chip.fg and chip.bg:
        fg, bg = QColor(chip.fg), QColor(chip.bg)
        if dark:
            # Admins pick colours on a light background; in the dark theme keep the hue and
            # lay a faint tint of it under a light version of the text colour.
            tint = QColor(bg if bg.saturation() > fg.saturation() else fg)
            tint.setAlpha(70)
            text = QColor(fg if fg.lightness() > 110 else fg.lighter(260))
            if text.lightness() < 150:
                text = QColor(bg)
            return text, tint
        return fg, bg
    tone = _TONES.get(chip.tone or "muted", _TONES["muted"])
    return (QColor(tone[2]), QColor(tone[3])) if dark else (QColor(tone[0]), QColor(tone[1]))


def tag_colours(colour: str | None, dark: bool) -> tuple[QColor, QColor]:
    base = QColor(colour or "#6366f1")
    bg = QColor(base)
    bg.setAlpha(60 if dark else 34)
    text = base.lighter(170) if dark else base.darker(150)
    return text, bg


class ListDelegate(QStyledItemDelegate):
    """Draws a list's cells by their column style (``STYLE_ROLE``)."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        style = index.data(STYLE_ROLE)
        loading = index.data(LOADING_ROLE)
        if not loading and style not in ("chip", "tags", "owner"):
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        widget = opt.widget
        qstyle = widget.style() if widget is not None else None
        if qstyle is not None:
            qstyle.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, opt, painter, widget)
        scheme = ThemeManager.current_scheme()
        dark = scheme == "dark"
        rect = opt.rect.adjusted(8, 0, -6, 0)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        try:
            if loading:
                self._placeholder(painter, rect, index.column(), tokens(scheme)["border"])
            elif style == "chip":
                value = index.data(CHIP_ROLE)
                if isinstance(value, Chip):
                    fg, bg = chip_colours(value, dark)
                    self._pill(painter, rect, value.text, fg, bg, opt.font, bold=True)
            elif style == "tags":
                self._tags(painter, rect, index.data(CHIP_ROLE) or [], opt.font, dark)
            elif style == "owner":
                self._owner(painter, rect, index.data(CHIP_ROLE) or "", opt, scheme)
        finally:
            painter.restore()

    @staticmethod
    def _placeholder(painter: QPainter, rect: QRect, column: int, colour: str) -> None:
        width = int(rect.width() * (0.45 + 0.12 * (column % 3)))
        bar = QRectF(rect.left(), rect.center().y() - 4, max(12, width), 8)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(colour))
        painter.drawRoundedRect(bar, 4, 4)

    @staticmethod
    def _pill(
        painter: QPainter,
        rect: QRect,
        text: str,
        fg: QColor,
        bg: QColor,
        font: QFont,
        *,
        bold: bool = False,
        max_width: int | None = None,
    ) -> int:
        """Draw a pill at the left of ``rect``; returns its width."""
        small = QFont(font)
        small.setPointSizeF(max(7.0, font.pointSizeF() * 0.9))
        small.setBold(bold)
        metrics = QFontMetrics(small)
        limit = min(rect.width(), max_width or rect.width())
        shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, max(10, limit - 18))
        width = min(limit, metrics.horizontalAdvance(shown) + 18)
        pill = QRectF(rect.left(), rect.center().y() - CHIP_HEIGHT / 2 + 1, width, CHIP_HEIGHT)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(bg)
        painter.drawRoundedRect(pill, CHIP_HEIGHT / 2, CHIP_HEIGHT / 2)
        painter.setPen(fg)
        painter.setFont(small)
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, shown)
        return int(width)

    def _tags(
        self, painter: QPainter, rect: QRect, tags: list[tuple[str, Any]], font: QFont, dark: bool
    ) -> None:
        left = rect.left()
        for number, (name, colour) in enumerate(tags):
            remaining = rect.right() - left
            if remaining < 36:
                break
            if number == MAX_TAGS and len(tags) > MAX_TAGS:
                fg, bg = tag_colours("#98a2b3", dark)
                self._pill(
                    painter,
                    QRect(left, rect.top(), remaining, rect.height()),
                    f"+{len(tags) - MAX_TAGS}",
                    fg,
                    bg,
                    font,
                )
                break
            fg, bg = tag_colours(colour, dark)
            width = self._pill(
                painter,
                QRect(left, rect.top(), remaining, rect.height()),
                name,
                fg,
                bg,
                font,
                max_width=110,
            )
            left += width + 4

    @staticmethod
    def _owner(
        painter: QPainter, rect: QRect, name: str, opt: QStyleOptionViewItem, scheme: str
    ) -> None:
        t = tokens(scheme)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        if not name:
            painter.setPen(QColor(t["text_faint"]))
            painter.setFont(opt.font)
            painter.drawText(rect, Qt.AlignmentFlag.AlignVCenter, "Unassigned")
            return
        size = 20
        circle = QRectF(rect.left(), rect.center().y() - size / 2 + 1, size, size)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(t["avatar"]))
        painter.drawEllipse(circle)
        words = [w for w in name.split() if w]
        initials = (
            (words[0][0] + (words[-1][0] if len(words) > 1 else "")).upper() if words else "?"
        )
        small = QFont(opt.font)
        small.setPointSizeF(max(6.5, opt.font.pointSizeF() * 0.72))
        small.setBold(True)
        painter.setFont(small)
        painter.setPen(QColor("#ffffff"))
        painter.drawText(circle, Qt.AlignmentFlag.AlignCenter, initials)
        painter.setFont(opt.font)
        painter.setPen(QColor(t["selection_text"] if selected else t["text"]))
        text_rect = rect.adjusted(size + 8, 0, 0, 0)
        metrics = QFontMetrics(opt.font)
        painter.drawText(
            text_rect,
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            metrics.elidedText(name, Qt.TextElideMode.ElideRight, text_rect.width()),
        )
