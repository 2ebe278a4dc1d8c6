"""The record pages' and dialogs' own style sheet (``resources/styles/record.qss``), filled
from the theme's tokens and applied again when the theme changes."""

from __future__ import annotations

from functools import cache
from string import Template

from desktopcrm.qt import QWidget, is_alive
from desktopcrm.views.context import AppContext
from desktopcrm.views.resources import style_path
from desktopcrm.views.theme import ThemeManager, tokens


@cache
def _template() -> Template:
    return Template(style_path("record.qss").read_text("utf-8"))


def record_style_sheet(scheme: str) -> str:
    return _template().substitute(tokens(scheme))


def apply_record_style(widget: QWidget, context: AppContext) -> None:
    """Style ``widget`` for the current scheme, and again whenever the theme changes."""
    widget.setStyleSheet(record_style_sheet(ThemeManager.current_scheme()))

    def restyle(scheme: str) -> None:
        if is_alive(widget):
            widget.setStyleSheet(record_style_sheet(scheme))

    if context.theme is not None:
        context.theme.changed.connect(restyle)
