"""The mailbox's left column: the folders with their counts (unread ones in bold), and the
state of each connected account (last sync, mail waiting to go out, what failed, with Retry),
so the user can see that nothing was lost."""

from __future__ import annotations

import datetime as dt

from desktopcrm.models.mail import Folder, SyncState
from desktopcrm.qt import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desktopcrm.services.mail import MAILBOX_FOLDERS, AccountHealth
from desktopcrm.views.dashboard.feed_delegate import when_text
from desktopcrm.views.icons import icon

#: (title, icon, what the folder holds) per folder.
FOLDER_INFO = {
    Folder.INBOX: ("Inbox", "mail", "Mail from and to your leads, contacts and deals"),
    Folder.UNMATCHED: (
        "Unmatched",
        "user-add",
        "Mail from people the CRM does not know yet: add them as a lead or contact",
    ),
    Folder.SENT: ("Sent", "export", "Mail you sent, whether it was replied to (and opened)"),
    Folder.ARCHIVED: ("Archived", "folder", "Mail you archived (out of the Inbox, still in Gmail)"),
}


class FolderButton(QPushButton):
    """One folder: icon, name and, at the right, its unread count (or its size)."""

    def __init__(self, folder: Folder, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.folder = folder
        title, icon_name, tip = FOLDER_INFO[folder]
        self.title = title
        self.setObjectName("FolderButton")
        self.setCheckable(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(tip)
        self.setIcon(icon(icon_name))
        self.setMinimumHeight(34)
        row = QHBoxLayout(self)
        row.setContentsMargins(36, 0, 10, 0)
        self.name = QLabel(title)
        self.name.setObjectName("FolderName")
        self.count = QLabel("")
        self.count.setObjectName("FolderCount")
        self.count.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.count.setFixedHeight(18)
        self.count.setMinimumWidth(22)
        for label in (self.name, self.count):
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        row.addWidget(self.name, 1)
        row.addWidget(self.count, 0, Qt.AlignmentFlag.AlignVCenter)
        self.setAccessibleName(title)
        self.total = 0
        self.unread = 0

    def set_counts(self, total: int, unread: int) -> None:
        self.total, self.unread = total, unread
        self.count.setText(f"{unread:,}" if unread else f"{total:,}" if total else "")
        self.count.setProperty("unread", bool(unread))
        self.name.setProperty("unread", bool(unread))
        for label in (self.count, self.name):
            label.style().unpolish(label)
            label.style().polish(label)
        described = f"{total:,} messages" + (f", {unread:,} unread" if unread else "")
        self.setAccessibleDescription(described)
        self.setToolTip(f"{FOLDER_INFO[self.folder][2]}\n{described}")


class FolderList(QWidget):
    """The four mailbox folders; ``chosen`` says which one the user picked."""

    chosen = Signal(object)  # Folder

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("FolderList")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: dict[Folder, FolderButton] = {}
        for folder in MAILBOX_FOLDERS:
            button = FolderButton(folder)
            button.clicked.connect(lambda _checked=False, f=folder: self.chosen.emit(f))
            self.group.addButton(button)
            self.buttons[folder] = button
            layout.addWidget(button)
        self.buttons[Folder.INBOX].setChecked(True)

    def select(self, folder: Folder) -> None:
        self.buttons[folder].setChecked(True)

    def set_counts(self, totals: dict[Folder, int], unread: dict[Folder, int]) -> None:
        for folder, button in self.buttons.items():
            button.set_counts(totals.get(folder, 0), unread.get(folder, 0))


def describe_account(health: AccountHealth, now: dt.datetime) -> tuple[str, str]:
    """(state line, problem line) of one account for the sync summary."""
    if health.state is SyncState.NEEDS_SIGN_IN:
        state = "Needs you to sign in again (Settings > Mail accounts)"
    elif health.state is SyncState.NEW:
        state = "Not synced yet"
    elif health.state is SyncState.FULL:
        state = f"First sync under way · {health.messages:,} messages so far"
    elif health.last_sync_at is not None:
        state = f"Synced {when_text(health.last_sync_at, now)} · {health.messages:,} messages"
    else:
        state = f"{health.messages:,} messages"
    problem = (
        health.last_error if health.state in (SyncState.ERROR, SyncState.NEEDS_SIGN_IN) else ""
    )
    return state, problem


class SyncSummary(QFrame):
    """Per account: last sync, messages, outgoing mail waiting or failed (with Retry)."""

    retry_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("SyncSummary")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(4)
        self.lines = QLabel("")
        self.lines.setObjectName("SyncLines")
        self.lines.setWordWrap(True)
        self.lines.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.lines)
        self.outbox = QLabel("")
        self.outbox.setObjectName("OutboxState")
        self.outbox.setWordWrap(True)
        layout.addWidget(self.outbox)
        self.failed = QLabel("")
        self.failed.setObjectName("OutboxFailed")
        self.failed.setWordWrap(True)
        layout.addWidget(self.failed)
        self.problem = QLabel("")
        self.problem.setObjectName("SyncProblem")
        self.problem.setWordWrap(True)
        layout.addWidget(self.problem)
        self.retry = QPushButton(icon("sync"), "Retry sending")
        self.retry.setObjectName("RetryButton")
        self.retry.setToolTip("Queue the messages that could not be sent again")
        self.retry.clicked.connect(self.retry_requested)
        layout.addWidget(self.retry, 0, Qt.AlignmentFlag.AlignLeft)
        self.health: list[AccountHealth] = []
        self.show_health([], dt.datetime(2000, 1, 1))

    def show_health(self, health: list[AccountHealth], now: dt.datetime) -> None:
        self.health = health
        if not health:
            self.lines.setText(
                "No mail account is connected. Connect Gmail in Settings > Mail accounts; "
                "until then the mailbox shows the mail already stored here."
            )
            self.outbox.hide()
            self.failed.hide()
            self.problem.hide()
            self.retry.hide()
            return
        texts, problems = [], []
        for account in health:
            state, problem = describe_account(account, now)
            texts.append(f"{account.email}\n{state}")
            if problem:
                problems.append(f"{account.email}: {problem}")
        self.lines.setText("\n".join(texts))
        queued = sum(a.queued_outgoing for a in health)
        failed = sum(a.failed_outgoing for a in health)
        self.outbox.setText(
            f"{queued:,} outgoing waiting to go to Gmail (kept until Gmail has them)"
        )
        self.outbox.setVisible(bool(queued))
        self.failed.setText(f"{failed:,} could not be sent. Nothing was lost: fix and retry.")
        self.failed.setVisible(bool(failed))
        self.problem.setText("\n".join(problems))
        self.problem.setVisible(bool(problems))
        self.retry.setVisible(bool(failed))
