"""The calendar pane's own style: the view switcher shows the current view."""

from __future__ import annotations

from desktopcrm.qt import QWidget, is_alive
from desktopcrm.views.context import AppContext
from desktopcrm.views.theme import ThemeManager, tokens


def calendar_style_sheet(scheme: str) -> str:
    c = tokens(scheme)
    return f"""
QPushButton[calendarMode="true"] {{ border-radius: 0; min-width: 56px; }}
QPushButton[calendarMode="true"]:checked {{
    background: {c["accent_soft"]}; color: {c["accent_soft_text"]}; border-color: {c["accent"]};
    font-weight: 600;
}}
QFrame#CalendarFrame {{ border: 1px solid {c["border"]}; border-radius: 6px; }}
QLabel#CalendarLegend {{ color: {c["text_muted"]}; }}
"""


def apply_calendar_style(widget: QWidget, context: AppContext) -> None:
    """Style ``widget`` for the current scheme, and again whenever the theme changes."""
    widget.setStyleSheet(calendar_style_sheet(ThemeManager.current_scheme()))

    def restyle(scheme: str) -> None:
        if is_alive(widget):
            widget.setStyleSheet(calendar_style_sheet(scheme))

    if context.theme is not None:
        context.theme.changed.connect(restyle)
