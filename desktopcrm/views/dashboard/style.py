"""The dashboard's own style: figures, closed-deal tiles, due tasks (overdue in red), the
feed's frame, in the theme's colours."""

from __future__ import annotations

from desktopcrm.qt import QWidget, is_alive
from desktopcrm.views.context import AppContext
from desktopcrm.views.resources import style_path
from desktopcrm.views.theme import ThemeManager, tokens


def dashboard_style_sheet(scheme: str) -> str:
    c = tokens(scheme)
    check = style_path("task-check.svg").as_posix()
    return f"""
QLabel#FigureCaption {{ color: {c["text_muted"]}; font-size: {c["font_small"]}; }}
QLabel#FigureValue {{ font-size: 15pt; font-weight: 600; color: {c["text"]}; }}
QLabel#FigureSub {{ color: {c["text_muted"]}; font-size: {c["font_small"]}; }}
QFrame#ClosedTile {{
    background: {c["surface_alt"]}; border: 1px solid {c["border"]};
    border-radius: {c["radius"]};
}}
QFrame#ClosedTile[kind="won"] {{ border-top: 3px solid {c["success"]}; }}
QFrame#ClosedTile[kind="lost"] {{ border-top: 3px solid {c["danger"]}; }}
QFrame#ClosedTile[kind="unqualified"] {{ border-top: 3px solid {c["text_faint"]}; }}
QFrame#ClosedTile[kind="won"] QLabel#FigureValue {{ color: {c["success"]}; }}
QFrame#ClosedTile[kind="lost"] QLabel#FigureValue {{ color: {c["danger"]}; }}
QListView#ActivityFeed {{ background: transparent; border: none; }}
QLabel#TaskTitle, QLabel#AppointmentTitle {{ color: {c["text"]}; font-weight: 500; }}
QLabel#TaskMeta, QLabel#AppointmentMeta, QLabel#EmptyText {{
    color: {c["text_muted"]}; font-size: {c["font_small"]};
}}
QLabel#OverdueTaskTitle {{ color: {c["danger"]}; font-weight: 500; }}
QLabel#OverdueTaskMeta {{ color: {c["danger"]}; font-size: {c["font_small"]}; }}
QLabel#TaskCounts {{ color: {c["text_muted"]}; }}
QLabel#DateBlock {{
    background: {c["accent_soft"]}; color: {c["accent_soft_text"]};
    border-radius: {c["radius_small"]}; font-size: {c["font_small"]};
}}
QCheckBox#TaskTick::indicator {{
    width: 14px; height: 14px; border-radius: 8px;
    border: 1.5px solid {c["text_faint"]}; background: {c["surface"]};
}}
QCheckBox#TaskTick::indicator:hover {{ border-color: {c["accent"]}; }}
QCheckBox#TaskTick::indicator:checked {{
    border-color: {c["success"]}; background: {c["success"]}; image: url({check});
}}
QLabel#FeedEmpty {{ color: {c["text_muted"]}; }}
"""


def apply_dashboard_style(widget: QWidget, context: AppContext) -> None:
    """Style ``widget`` for the current scheme, and again whenever the theme changes."""
    widget.setStyleSheet(dashboard_style_sheet(ThemeManager.current_scheme()))

    def restyle(scheme: str) -> None:
        if is_alive(widget):
            widget.setStyleSheet(dashboard_style_sheet(scheme))

    if context.theme is not None:
        context.theme.changed.connect(restyle)
