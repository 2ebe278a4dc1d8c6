"""The board's own style sheet (``resources/styles/board.qss``), filled from the theme's tokens
and applied again when the theme changes."""

from __future__ import annotations

from functools import cache
from string import Template

from desktopcrm.qt import QWidget
from desktopcrm.views.context import AppContext
from desktopcrm.views.resources import style_path
from desktopcrm.views.theme import ThemeManager, tokens


@cache
def _template() -> Template:
    return Template(style_path("board.qss").read_text("utf-8"))


def board_style_sheet(scheme: str) -> str:
    return _template().substitute(tokens(scheme))


def apply_board_style(widget: QWidget, context: AppContext) -> None:
    """Style ``widget`` for the current scheme, and again whenever the theme changes."""
    widget.setStyleSheet(board_style_sheet(ThemeManager.current_scheme()))
    if context.theme is not None:
        context.theme.changed.connect(
            lambda scheme: widget.setStyleSheet(board_style_sheet(scheme))
        )
