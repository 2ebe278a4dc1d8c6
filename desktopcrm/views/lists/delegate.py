"""Painting list cells: coloured status chips, tag pills, owner avatars and the placeholder of
a row that is still loading. Colours come from the theme's tokens, or the admins' own colours
for lead statuses and tags (toned down in the dark theme).

Every cell of a list is painted here, without the style (the list's style sheet would make
the style look up its rules for every cell of every frame of a scroll): the background of a
selected or hovered cell, the line under it and its content, with what a row shows made once
(``ListModel.line``) and chips and avatars drawn once into cached pixmaps.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from desktopcrm.qt import (
    QColor,
    QFont,
    QFontMetrics,
    QModelIndex,
    QPainter,
    QPersistentModelIndex,
    QPixmap,
    QRect,
    QRectF,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    Qt,
)
from desktopcrm.views.lists.columns import Chip
from desktopcrm.views.lists.model import ListModel
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
AVATAR_SIZE = 20
MAX_TAGS = 3
#: Space between a cell's edge and its text (the style sheet's padding and the style's margin).
TEXT_PADDING = 11
#: Cached pixmaps and elided texts (a few hundred distinct chips and names on a screen).
CACHE_LIMIT = 2048
_SELECTED = QStyle.StateFlag.State_Selected.value
_HOVERED = QStyle.StateFlag.State_MouseOver.value
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


@lru_cache(maxsize=512)
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


@lru_cache(maxsize=512)
def tag_colours(colour: str | None, dark: bool) -> tuple[QColor, QColor]:
    base = QColor(colour or "#6366f1")
    bg = QColor(base)
    bg.setAlpha(60 if dark else 34)
    text = base.lighter(170) if dark else base.darker(150)
    return text, bg


@lru_cache(maxsize=4)
def _scheme_colours(scheme: str) -> dict[str, QColor]:
    t = tokens(scheme)
    names = ("text", "text_faint", "border", "hover", "selection", "selection_text", "avatar")
    return {name: QColor(t[name]) for name in names}


class ListDelegate(QStyledItemDelegate):
    """Draws a list's cells by their column style (other models: the style draws them)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._base: tuple[QFont, str] | None = None
        self._fonts: dict[tuple[str, float, bool], tuple[QFont, QFontMetrics]] = {}
        self._pixmaps: dict[tuple[Any, ...], tuple[QPixmap, int]] = {}
        self._elided: dict[tuple[str, int, str], str] = {}

    def clear_caches(self) -> None:
        """Forget cached pixmaps and texts (the theme or the font changed)."""
        self._base = None
        self._fonts.clear()
        self._pixmaps.clear()
        self._elided.clear()

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        model = index.model()
        if not isinstance(model, ListModel):
            super().paint(painter, option, index)
            return
        rect = option.rect
        state = option.state.value
        selected = bool(state & _SELECTED)
        scheme = ThemeManager.current_scheme()
        colours = _scheme_colours(scheme)
        if selected:
            painter.fillRect(rect, colours["selection"])
        elif state & _HOVERED:
            painter.fillRect(rect, colours["hover"])
        painter.fillRect(rect.left(), rect.bottom(), rect.width(), 1, colours["border"])
        column = index.column()
        line = model.line(index.row())
        if line is None:
            self._placeholder(painter, rect.adjusted(8, 0, -6, 0), column, colours["border"])
            return
        style = model.columns[column].style
        if self._base is None:  # the view's font: one per list (the theme sets it)
            font = QFont(option.font)
            self._base = (font, font.key())
        font = self._base[0]
        if style == "chip":
            value = line.payloads[column]
            if isinstance(value, Chip):
                fg, bg = chip_colours(value, scheme == "dark")
                self._pill(painter, rect.adjusted(8, 0, -6, 0), value.text, fg, bg, font, True)
        elif style == "tags":
            self._tags(painter, rect.adjusted(8, 0, -6, 0), line.payloads[column], font, scheme)
        elif style == "owner":
            self._owner(
                painter, rect.adjusted(8, 0, -6, 0), line.payloads[column], font, colours, selected
            )
        else:
            text = line.texts[column]
            if text:
                right = style in ("money", "number")
                colour = colours["selection_text" if selected else "text"]
                self._text(
                    painter,
                    rect.adjusted(TEXT_PADDING, 0, -TEXT_PADDING, -1),
                    text,
                    font,
                    colour,
                    right,
                )

    # ----------------------------------------------------------------- pieces

    def _font(self, font: QFont, scale: float, bold: bool) -> tuple[QFont, QFontMetrics]:
        key = (self._key(font), scale, bold)
        found = self._fonts.get(key)
        if found is None:
            small = QFont(font)
            if scale != 1.0:
                small.setPointSizeF(max(6.5, font.pointSizeF() * scale))
            small.setBold(bold)
            found = self._fonts[key] = (small, QFontMetrics(small))
        return found

    def _elide(self, text: str, width: int, font: QFont, metrics: QFontMetrics) -> str:
        key = (text, width, self._key(font))
        found = self._elided.get(key)
        if found is None:
            if len(self._elided) > CACHE_LIMIT:
                self._elided.clear()
            found = self._elided[key] = metrics.elidedText(text, Qt.TextElideMode.ElideRight, width)
        return found

    def _text(
        self,
        painter: QPainter,
        rect: QRect,
        text: str,
        font: QFont,
        colour: QColor,
        right: bool = False,
    ) -> None:
        _, metrics = self._font(font, 1.0, False)
        painter.setFont(font)
        painter.setPen(colour)
        shown = self._elide(text, rect.width(), font, metrics)
        if right:
            painter.drawText(rect, _RIGHT, shown)
            return
        baseline = rect.top() + (rect.height() - metrics.height()) // 2 + metrics.ascent()
        painter.drawText(rect.left(), baseline, shown)

    def _key(self, font: QFont) -> str:
        base = self._base
        return base[1] if base is not None and font is base[0] else font.key()

    @staticmethod
    def _placeholder(painter: QPainter, rect: QRect, column: int, colour: QColor) -> None:
        width = int(rect.width() * (0.45 + 0.12 * (column % 3)))
        painter.fillRect(rect.left(), rect.center().y() - 4, max(12, width), 8, colour)

    def _pill(
        self,
        painter: QPainter,
        rect: QRect,
        text: str,
        fg: QColor,
        bg: QColor,
        font: QFont,
        bold: bool = False,
        max_width: int | None = None,
    ) -> int:
        """Draw a pill at the left of ``rect``; returns its width."""
        limit = min(rect.width(), max_width or rect.width())
        if limit < 12:
            return 0
        ratio = painter.device().devicePixelRatioF()
        key = (text, fg.rgba(), bg.rgba(), bold, limit, self._key(font), ratio)
        found = self._pixmaps.get(key)
        if found is None:
            small, metrics = self._font(font, 0.9, bold)
            shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, max(10, limit - 18))
            width = min(limit, metrics.horizontalAdvance(shown) + 18)
            pixmap = QPixmap(int(width * ratio), int(CHIP_HEIGHT * ratio))
            pixmap.setDevicePixelRatio(ratio)
            pixmap.fill(Qt.GlobalColor.transparent)
            p = QPainter(pixmap)
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            pill = QRectF(0, 0, width, CHIP_HEIGHT)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(bg)
            p.drawRoundedRect(pill, CHIP_HEIGHT / 2, CHIP_HEIGHT / 2)
            p.setPen(fg)
            p.setFont(small)
            p.drawText(pill, Qt.AlignmentFlag.AlignCenter, shown)
            p.end()
            found = self._store(key, pixmap, width)
        pixmap, width = found
        painter.drawPixmap(rect.left(), rect.center().y() - CHIP_HEIGHT // 2 + 1, pixmap)
        return width

    def _store(self, key: tuple[Any, ...], pixmap: QPixmap, width: int) -> tuple[QPixmap, int]:
        if len(self._pixmaps) > CACHE_LIMIT:
            self._pixmaps.clear()
        found = self._pixmaps[key] = (pixmap, width)
        return found

    def _tags(
        self, painter: QPainter, rect: QRect, tags: list[tuple[str, Any]], font: QFont, scheme: str
    ) -> None:
        dark = scheme == "dark"
        left = rect.left()
        for number, (name, colour) in enumerate(tags or ()):
            remaining = rect.right() - left
            if remaining < 36:
                break
            part = QRect(left, rect.top(), remaining, rect.height())
            if number == MAX_TAGS and len(tags) > MAX_TAGS:
                fg, bg = tag_colours("#98a2b3", dark)
                self._pill(painter, part, f"+{len(tags) - MAX_TAGS}", fg, bg, font)
                break
            fg, bg = tag_colours(colour, dark)
            left += self._pill(painter, part, name, fg, bg, font, max_width=110) + 4

    def _owner(
        self,
        painter: QPainter,
        rect: QRect,
        name: str,
        font: QFont,
        colours: dict[str, QColor],
        selected: bool,
    ) -> None:
        if not name:
            self._text(painter, rect, "Unassigned", font, colours["text_faint"])
            return
        words = [w for w in name.split() if w]
        initials = (
            (words[0][0] + (words[-1][0] if len(words) > 1 else "")).upper() if words else "?"
        )
        ratio = painter.device().devicePixelRatioF()
        avatar = colours["avatar"]
        key = ("avatar", initials, avatar.rgba(), self._key(font), ratio)
        found = self._pixmaps.get(key)
        if found is None:
            small, _ = self._font(font, 0.72, True)
            pixmap = QPixmap(int(AVATAR_SIZE * ratio), int(AVATAR_SIZE * ratio))
            pixmap.setDevicePixelRatio(ratio)
            pixmap.fill(Qt.GlobalColor.transparent)
            p = QPainter(pixmap)
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            circle = QRectF(0, 0, AVATAR_SIZE, AVATAR_SIZE)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(avatar)
            p.drawEllipse(circle)
            p.setFont(small)
            p.setPen(QColor("#ffffff"))
            p.drawText(circle, Qt.AlignmentFlag.AlignCenter, initials)
            p.end()
            found = self._store(key, pixmap, AVATAR_SIZE)
        painter.drawPixmap(rect.left(), rect.center().y() - AVATAR_SIZE // 2 + 1, found[0])
        colour = colours["selection_text" if selected else "text"]
        self._text(painter, rect.adjusted(AVATAR_SIZE + 8, 0, 0, 0), name, font, colour)
