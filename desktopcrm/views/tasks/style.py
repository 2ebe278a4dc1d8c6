"""The Tasks screen's own style: round tick boxes that read in both schemes."""

from __future__ import annotations

from desktopcrm.qt import QWidget, is_alive
from desktopcrm.views.context import AppContext
from desktopcrm.views.resources import style_path
from desktopcrm.views.theme import ThemeManager, tokens


def task_style_sheet(scheme: str) -> str:
    colors = tokens(scheme)
    check = style_path("task-check.svg").as_posix()
    return f"""
QTreeWidget#TaskTree::indicator {{
    width: 14px; height: 14px; border-radius: 8px;
    border: 1.5px solid {colors["text_faint"]}; background: {colors["surface"]};
}}
QTreeWidget#TaskTree::indicator:hover {{ border-color: {colors["accent"]}; }}
QTreeWidget#TaskTree::indicator:checked {{
    border-color: {colors["success"]}; background: {colors["success"]}; image: url({check});
}}
QLabel#QuickAddHint {{ color: {colors["text_muted"]}; }}
QLabel#TaskSummary {{ color: {colors["text_muted"]}; }}
"""


def apply_task_style(widget: QWidget, context: AppContext) -> None:
    """Style ``widget`` for the current scheme, and again whenever the theme changes."""
    widget.setStyleSheet(task_style_sheet(ThemeManager.current_scheme()))

    def restyle(scheme: str) -> None:
        if is_alive(widget):
            widget.setStyleSheet(task_style_sheet(scheme))

    if context.theme is not None:
        context.theme.changed.connect(restyle)
