"""Colours of the calendar views, from the theme's tokens (cached per scheme)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from desktopcrm.qt import QColor
from desktopcrm.views.theme import ThemeManager, tokens


@dataclass(frozen=True)
class CalendarColors:
    surface: QColor
    surface_alt: QColor
    grid: QColor
    grid_strong: QColor
    text: QColor
    muted: QColor
    faint: QColor
    accent: QColor
    accent_text: QColor
    today: QColor
    now_line: QColor
    selection: QColor
    read_only_fill: QColor
    read_only_text: QColor
    dark: bool

    def fill(self, color: str, editable: bool) -> QColor:
        """The background of an event box of a calendar coloured ``color``."""
        if not editable:
            return self.read_only_fill
        return _tint(color, self.surface.name(), 0.38 if self.dark else 0.18)

    def bar(self, color: str, editable: bool) -> QColor:
        return QColor(color) if editable else self.faint


@functools.cache
def _tint(color: str, base: str, amount: float) -> QColor:
    a, b = QColor(color), QColor(base)
    return QColor(
        round(b.red() + (a.red() - b.red()) * amount),
        round(b.green() + (a.green() - b.green()) * amount),
        round(b.blue() + (a.blue() - b.blue()) * amount),
    )


@functools.cache
def _colors(scheme: str) -> CalendarColors:
    t = tokens(scheme)
    dark = scheme == "dark"
    return CalendarColors(
        surface=QColor(t["surface"]),
        surface_alt=QColor(t["surface_alt"]),
        grid=QColor(t["border"]),
        grid_strong=QColor(t["border_strong"]),
        text=QColor(t["text"]),
        muted=QColor(t["text_muted"]),
        faint=QColor(t["text_faint"]),
        accent=QColor(t["accent"]),
        accent_text=QColor(t["accent_text"]),
        today=QColor(t["accent_soft"]),
        now_line=QColor(t["danger"]),
        selection=QColor(t["focus_ring"]),
        read_only_fill=QColor(t["hover"]),
        read_only_text=QColor(t["text_faint"]),
        dark=dark,
    )


def calendar_colors() -> CalendarColors:
    return _colors(ThemeManager.current_scheme())
