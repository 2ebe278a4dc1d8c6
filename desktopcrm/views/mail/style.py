"""The mailbox's own style: the folder column, the list and reading panes, record chips, the
outbox banners and the undo bar, in the theme's colours (applied again when it changes)."""

from __future__ import annotations

from desktopcrm.qt import QWidget, is_alive
from desktopcrm.views.context import AppContext
from desktopcrm.views.theme import ThemeManager, tokens


def mail_style_sheet(scheme: str) -> str:
    c = tokens(scheme)
    return f"""
QFrame#MailSide {{ background: {c["surface_alt"]}; border-right: 1px solid {c["border"]}; }}
QFrame#MailListPane {{ background: {c["surface"]}; border-right: 1px solid {c["border"]}; }}
QFrame#MailReaderPane, QWidget#ReaderPage {{ background: {c["surface"]}; }}
QPushButton#FolderButton {{
    text-align: left; padding: 6px 10px; border: none; border-radius: {c["radius_small"]};
    background: transparent; color: {c["text"]};
}}
QPushButton#FolderButton:hover {{ background: {c["hover"]}; }}
QPushButton#FolderButton:checked {{ background: {c["sidebar_selected"]}; }}
QLabel#FolderName {{ color: {c["text"]}; background: transparent; }}
QLabel#FolderName[unread="true"] {{ font-weight: 700; }}
QLabel#FolderCount {{ color: {c["text_faint"]}; font-size: {c["font_small"]};
    background: transparent; }}
QLabel#FolderCount[unread="true"] {{
    color: {c["accent_soft_text"]}; background: {c["accent_soft"]}; font-weight: 700;
    border-radius: 8px; padding: 1px 7px;
}}
QFrame#SyncSummary {{
    background: {c["surface"]}; border: 1px solid {c["border"]}; border-radius: {c["radius"]};
}}
QLabel#SyncLines {{ color: {c["text_muted"]}; font-size: {c["font_small"]}; }}
QLabel#OutboxState {{ color: {c["warning_text"]}; font-size: {c["font_small"]}; }}
QLabel#OutboxFailed, QLabel#SyncProblem {{
    color: {c["danger"]}; font-size: {c["font_small"]};
}}
QLabel#MailFolderTitle {{ font-size: {c["font_heading"]}; font-weight: 600; color: {c["text"]}; }}
QLabel#MailCount {{ color: {c["text_muted"]}; font-size: {c["font_small"]}; }}
QTableView#MailList {{ background: {c["surface"]}; border: none; outline: none; }}
QLabel#MailEmpty, QLabel#ReaderEmpty {{ color: {c["text_muted"]}; padding: 24px; }}
QFrame#MailToolbar {{ background: {c["surface"]}; border-bottom: 1px solid {c["border"]}; }}
QLabel#ReaderSubject {{ font-size: {c["font_title"]}; font-weight: 600; color: {c["text"]}; }}
QLabel#ReaderHeaders {{ color: {c["text"]}; }}
QLabel#ReaderOpens {{ color: {c["text_muted"]}; font-size: {c["font_small"]}; }}
QLabel#ChipNote {{ color: {c["text_muted"]}; }}
QPushButton#RecordChip {{
    background: {c["accent_soft"]}; color: {c["accent_soft_text"]}; border: none;
    border-radius: 11px; padding: 3px 10px; font-size: {c["font_small"]};
}}
QPushButton#RecordChip:hover {{ background: {c["selection"]}; }}
QPushButton#AttachmentButton {{
    background: {c["surface_alt"]}; border: 1px solid {c["border"]};
    border-radius: {c["radius_small"]}; padding: 4px 10px; color: {c["text"]};
}}
QPushButton#AttachmentButton:hover {{ border-color: {c["accent"]}; }}
QFrame#StateBanner[kind="queued"] {{
    background: {c["warning_bg"]}; border: 1px solid {c["warning_border"]};
    border-radius: {c["radius"]};
}}
QFrame#StateBanner[kind="queued"] QLabel {{ color: {c["warning_text"]}; }}
QFrame#StateBanner[kind="failed"] {{
    background: {c["danger_soft"]}; border: 1px solid {c["danger"]};
    border-radius: {c["radius"]};
}}
QFrame#StateBanner[kind="failed"] QLabel {{ color: {c["danger"]}; }}
QFrame#ImagesBar {{
    background: {c["surface_alt"]}; border: 1px solid {c["border"]};
    border-radius: {c["radius"]};
}}
QFrame#ImagesBar QLabel {{ color: {c["text_muted"]}; font-size: {c["font_small"]}; }}
QLabel#ReaderDefects {{ color: {c["warning_text"]}; font-size: {c["font_small"]}; }}
QLabel#ThreadTitle {{ color: {c["text_muted"]}; font-size: {c["font_small"]}; font-weight: 600; }}
QPushButton#ThreadEntry {{
    text-align: left; border: none; border-radius: {c["radius_small"]};
    padding: 4px 8px; color: {c["text_muted"]}; background: transparent;
}}
QPushButton#ThreadEntry:hover {{ background: {c["hover"]}; }}
QPushButton#ThreadEntry:checked {{ background: {c["accent_soft"]}; color: {c["text"]}; }}
QTextBrowser#MailBody {{
    background: {c["surface"]}; border: none; border-top: 1px solid {c["border"]};
    padding-top: 8px; color: {c["text"]};
}}
#UndoBar {{ background: {c["tooltip_bg"]}; border-radius: {c["radius"]}; margin: 8px; }}
#UndoBar QLabel {{ color: {c["tooltip_text"]}; }}
#UndoBar QPushButton {{
    background: transparent; color: {c["tooltip_text"]};
    border: 1px solid {c["tooltip_text"]}; padding: 3px 10px; border-radius: {c["radius_small"]};
}}
QFrame#Card QLabel#MailCardEmpty {{ color: {c["text_muted"]}; }}
"""


def apply_mail_style(widget: QWidget, context: AppContext) -> None:
    """Style ``widget`` for the current scheme, and again whenever the theme changes."""
    widget.setStyleSheet(mail_style_sheet(ThemeManager.current_scheme()))

    def restyle(scheme: str) -> None:
        if is_alive(widget):
            widget.setStyleSheet(mail_style_sheet(scheme))

    if context.theme is not None:
        context.theme.changed.connect(restyle)
