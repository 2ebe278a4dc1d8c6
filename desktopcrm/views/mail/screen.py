"""The Mailbox screen: folders (Inbox, Unmatched, Sent, Archived) with their counts and the
accounts' sync state on the left, the folder's messages in the middle (a lazy list, search as
you type), the selected message with its conversation on the right.

Keys on the message list: E archive (in Archived: back to the Inbox), # or Delete delete, Enter
read, R reply, A reply all, F forward; Ctrl+Z undoes the last archive or delete (here and, via
the outbox, in Gmail). Everything that touches the database runs in an ``Operation``. The screen
refreshes when this app writes mail (``records_changed``), when another app commits
(``database_changed``), and when a poll (every ``POLL_MS`` while shown) sees the sync store new
mail or the outbox change.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from desktopcrm.models.mail import Folder
from desktopcrm.qt import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QKeySequence,
    QLabel,
    QModelIndex,
    QPushButton,
    QShortcut,
    QShowEvent,
    QStackedWidget,
    Qt,
    QTableView,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desktopcrm.services.mail import AccountHealth, MailChange
from desktopcrm.views.context import AppContext
from desktopcrm.views.icons import icon
from desktopcrm.views.lists.bulk_bar import UndoBar
from desktopcrm.views.local_time import utc_now
from desktopcrm.views.mail.folders import FOLDER_INFO, FolderList, SyncSummary
from desktopcrm.views.mail.list_delegate import ROW_HEIGHT, MailDelegate
from desktopcrm.views.mail.list_model import ID_ROLE, MailListModel
from desktopcrm.views.mail.reader import MailReader
from desktopcrm.views.mail.style import apply_mail_style
from desktopcrm.views.operations import Operation, show_failure
from desktopcrm.views.top_bar import SearchField

log = logging.getLogger("desktopcrm.views.mail")

#: How often the shown screen asks whether the sync stored mail or the outbox moved.
POLL_MS = 3000
SEARCH_DELAY_MS = 250
#: Tables whose changes (by this app) refresh the mailbox.
WATCHED = {"mail_message", "mail_outbox", "mail_account", "lead", "contact", "deal"}
_VERBS = {
    "archive": "Archived",
    "delete": "Deleted",
    "move_to_inbox": "Moved to the Inbox",
    "restore": "Restored",
}


@dataclass(frozen=True)
class Overview:
    """Counts and account states (read together, after every change)."""

    totals: dict[Folder, int]
    unread: dict[Folder, int]
    health: list[AccountHealth]
    signature: tuple[int, int, int]


def mailbox_signature(user: Any) -> tuple[int, int, int]:
    """What changes when the sync stores mail or the outbox moves: the newest mail change-log
    entry and the number of outgoing changes waiting and failed."""
    from desktopcrm.models import ChangeLog
    from desktopcrm.models.mail import MailOutbox, OutboxState
    from desktopcrm.services import mail

    seq = (
        ChangeLog.select(ChangeLog.seq)
        .where(ChangeLog.table_name == "mail_message")
        .order_by(ChangeLog.seq.desc())
        .limit(1)
        .scalar()
    )
    ids = [a.id for a in mail.mail_accounts(user)]
    waiting = failed = 0
    if ids:
        states = MailOutbox.select(MailOutbox.state).where(MailOutbox.account.in_(ids))
        waiting = states.where(
            MailOutbox.state.in_([OutboxState.PENDING.value, OutboxState.SENDING.value])
        ).count()
        failed = states.where(MailOutbox.state == OutboxState.FAILED.value).count()
    return int(seq or 0), waiting, failed


def read_overview(user: Any) -> Overview:
    from desktopcrm.services import mail

    return Overview(
        mail.folder_counts(user),
        mail.unread_counts(user),
        mail.sync_health(user),
        mailbox_signature(user),
    )


def compose_opener() -> Callable[..., Any] | None:
    """A function opening the compose window (``views.mail.compose.open_compose``), if this
    build has it. The module is imported when the window is first opened, not with the
    mailbox (whose first paint does not need it; the window's warm-up imports it later)."""
    import importlib.util

    if importlib.util.find_spec("desktopcrm.views.mail.compose") is None:
        return None

    def open_compose(*args: Any, **kwargs: Any) -> Any:
        from desktopcrm.views.mail.compose import open_compose as opener

        return opener(*args, **kwargs)

    return open_compose


class MailListView(QTableView):
    """The message list (one column, rows of one height); its single-key shortcuts only fire
    while it has the focus.

    A table, not a ``QListView``: a list view lays out every row whenever rows are inserted or
    the view is resized, asking the (Python) model for an index per row, so a 250,000-message
    folder cost ~250 ms of the GUI thread per layout and a jump waited for several of them.
    A table with fixed-height rows only ever touches the rows on screen.
    """

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("MailList")
        self.setAccessibleName("Messages")
        self.setMouseTracking(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setCornerButtonEnabled(False)
        self.horizontalHeader().hide()
        self.horizontalHeader().setStretchLastSection(True)
        rows = self.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(ROW_HEIGHT)
        rows.setMinimumSectionSize(ROW_HEIGHT)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTabKeyNavigation(False)

    def visible_range(self) -> tuple[int, int]:
        top = self.indexAt(self.viewport().rect().topLeft()).row()
        bottom = self.indexAt(self.viewport().rect().bottomLeft()).row()
        return top, bottom if bottom >= 0 else top


class MailboxScreen(QWidget):
    """The signed-in user's mailbox.

    Signals:
        loaded: the folder's first rows and the counts are shown.
        changed: an archive, delete, undo or filing was saved (tests wait for it).
    """

    loaded = Signal()
    changed = Signal()

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self.setObjectName("MailboxScreen")
        self.context = context
        self.folder = Folder.INBOX
        self.last_change: MailChange | None = None
        self.overview: Overview | None = None
        self.reading_overview: Operation | None = None
        self.acting: Operation | None = None
        self._overview_again = False
        self._stale = False
        self._overview_stale = False
        self._keep_id: int | None = None
        self._overview_after_rows = False
        self.open_compose = compose_opener()
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._search)

        # The Inbox's first rows are read while the rest of the screen is built.
        self.model = MailListModel(lambda: self.context.user, self)
        self.model.show_folder(Folder.INBOX)
        self._overview_after_rows = True
        self.delegate = MailDelegate(self)
        self.list = MailListView()
        self.list.setModel(self.model)
        self.list.setItemDelegate(self.delegate)
        self.reader = MailReader(context)
        self.reader.add_sender.connect(self.add_sender)
        self.reader.retry_requested.connect(self.retry_failed)
        self.reader.marked_read.connect(self._marked_read)

        self.folders = FolderList()
        self.folders.chosen.connect(self.show_folder)
        self.summary = SyncSummary()
        self.summary.retry_requested.connect(self.retry_failed)

        left = QFrame()
        left.setObjectName("MailSide")
        left.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        left.setFixedWidth(240)
        side = QVBoxLayout(left)
        side.setContentsMargins(12, 14, 12, 12)
        side.setSpacing(10)
        self.compose_button = QPushButton(icon("edit", "accent_text"), "Compose")
        self.compose_button.setObjectName("ComposeButton")
        self.compose_button.setProperty("primary", True)
        self.compose_button.setToolTip("Write a new message")
        self.compose_button.clicked.connect(lambda: self.compose("new"))
        side.addWidget(self.compose_button)
        # Only once it has a parent: setVisible(True) on a parentless widget shows it as a
        # window of its own, which takes the activation from the main window (its window
        # shortcuts, Alt+Left among them, then stop working).
        self.compose_button.setVisible(self.open_compose is not None)
        side.addWidget(self.folders)
        side.addStretch(1)
        side.addWidget(self.summary)

        middle = QFrame()
        middle.setObjectName("MailListPane")
        middle.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        middle.setMinimumWidth(340)
        centre = QVBoxLayout(middle)
        centre.setContentsMargins(0, 0, 0, 0)
        centre.setSpacing(0)
        head = QVBoxLayout()
        head.setContentsMargins(14, 14, 14, 10)
        head.setSpacing(8)
        titles = QHBoxLayout()
        self.title = QLabel("Inbox")
        self.title.setObjectName("MailFolderTitle")
        self.count_label = QLabel("")
        self.count_label.setObjectName("MailCount")
        titles.addWidget(self.title)
        titles.addStretch(1)
        titles.addWidget(self.count_label)
        head.addLayout(titles)
        self.search_field = SearchField()
        self.search_field.key_hint.hide()
        self.search = self.search_field.edit
        self.search.setPlaceholderText("Search subject and text…")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search mail")
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        head.addWidget(self.search_field)
        centre.addLayout(head)
        self.list_stack = QStackedWidget()
        self.list_stack.addWidget(self.list)
        self.empty = QLabel("")
        self.empty.setObjectName("MailEmpty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.list_stack.addWidget(self.empty)
        centre.addWidget(self.list_stack, 1)
        self.undo_bar = UndoBar()
        self.undo_bar.undo_button.setToolTip("Put the messages back (Ctrl+Z)")
        self.undo_bar.undo_button.setAccessibleName("Undo")
        self.undo_bar.undo_requested.connect(self.undo)
        centre.addWidget(self.undo_bar)

        right = QFrame()
        right.setObjectName("MailReaderPane")
        right.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        reading = QVBoxLayout(right)
        reading.setContentsMargins(0, 0, 0, 0)
        reading.setSpacing(0)
        reading.addWidget(self._toolbar())
        reading.addWidget(self.reader, 1)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(left)
        layout.addWidget(middle, 2)
        layout.addWidget(right, 3)

        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(200)
        self._refresh_timer.timeout.connect(self.refresh)
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._read_overview)
        self._poll.start()

        self.model.loaded.connect(self._rows_loaded)
        self.model.count_known.connect(self._count_known)
        self.model.failed.connect(self._list_failed)
        self.list.selectionModel().selectionChanged.connect(lambda *_a: self._selection_changed())
        self.list.activated.connect(self._activated)
        self._shortcuts()
        self._update_actions()

        context.records_changed.connect(self._records_changed)
        context.database_changed.connect(self._read_overview)
        context.user_changed.connect(self.refresh)
        context.database_reopened.connect(self.refresh)
        apply_mail_style(self, context)
        self._show_folder_name(Folder.INBOX)

    def _toolbar(self) -> QWidget:
        bar = QFrame()
        bar.setObjectName("MailToolbar")
        bar.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        row = QHBoxLayout(bar)
        row.setContentsMargins(14, 10, 14, 10)
        row.setSpacing(6)

        def button(text: str, tip: str, slot: Callable[[], Any], name: str) -> QPushButton:
            made = QPushButton(text)
            made.setObjectName(name)
            made.setToolTip(tip)
            made.clicked.connect(slot)
            row.addWidget(made)
            return made

        self.reply_button = button("Reply", "Reply to the sender (R)", self._reply, "ReplyButton")
        self.reply_all_button = button(
            "Reply all", "Reply to everyone (A)", lambda: self.compose("reply_all"), "ReplyAll"
        )
        self.forward_button = button(
            "Forward", "Forward the message (F)", lambda: self.compose("forward"), "Forward"
        )
        for made in (self.reply_button, self.reply_all_button, self.forward_button):
            made.setVisible(self.open_compose is not None)
        row.addStretch(1)
        self.archive_button = button("Archive", "Archive (E)", self.archive, "ArchiveButton")
        self.archive_button.setIcon(icon("folder"))
        self.delete_button = button("Delete", "Move to the trash (# or Delete)", self.delete, "Del")
        self.delete_button.setIcon(icon("trash"))
        self.delete_button.setProperty("danger", True)
        return bar

    def _shortcuts(self) -> None:
        def on_list(sequence: str | QKeySequence.StandardKey, slot: Callable[[], Any]) -> None:
            shortcut = QShortcut(QKeySequence(sequence), self.list)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(slot)

        on_list("E", self.archive)
        on_list("#", self.delete)
        on_list("Shift+#", self.delete)  # where # is a shifted key (US layout)
        on_list(QKeySequence.StandardKey.Delete, self.delete)
        if self.open_compose is not None:
            on_list("R", self._reply)
            on_list("A", lambda: self.compose("reply_all"))
            on_list("F", lambda: self.compose("forward"))
        undo = QShortcut(QKeySequence(QKeySequence.StandardKey.Undo), self)
        undo.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        undo.activated.connect(self.undo)

    # ----------------------------------------------------------------- showing

    def show_folder(self, folder: Folder) -> None:
        """Show ``folder`` (the search box keeps its text and searches in it)."""
        self._show_folder_name(folder)
        self.reader.clear()
        self._keep_id = None
        self.model.folder = folder
        if self.search.text().strip():
            self.model.show_search(self.search.text())
        else:
            self.model.show_folder(folder)
        # The counts and account states come after the folder's first rows (``_rows_loaded``):
        # nothing the first paint waits for shares the workers with them.
        self._overview_after_rows = True
        self._update_actions()

    def _show_folder_name(self, folder: Folder) -> None:
        self.folder = folder
        self.folders.select(folder)
        self.title.setText(FOLDER_INFO[folder][0])
        self._update_actions()

    def _search(self) -> None:
        self._keep_id = None
        text = self.search.text().strip()
        if text:
            self.model.show_search(text)
        else:
            self.model.show_folder(self.folder)

    def refresh(self) -> None:
        """Read the folder, the counts and the accounts again (keeping the message shown)."""
        if not self.context.database_open:
            return
        if not self.isVisible():
            self._stale = True
            return
        self._keep_id = self.reader.message_id
        self.model.refresh()
        self._read_overview(force=True)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self._stale = False
            self._overview_stale = False
            self.refresh()
        elif self._overview_stale:
            self._overview_stale = False
            self._read_overview()

    def _rows_loaded(self) -> None:
        has_rows = self.model.rowCount() > 0
        if not has_rows:
            if self.model.search:
                text = f"No message in {FOLDER_INFO[self.folder][0]} has “{self.model.search}”."
            elif self.folder is Folder.UNMATCHED:
                text = "No mail from unknown senders. Mail from new people shows up here."
            else:
                text = f"No messages in {FOLDER_INFO[self.folder][0]}."
            self.empty.setText(text)
        self.list_stack.setCurrentWidget(self.list if has_rows else self.empty)
        keep = self._keep_id
        if keep is not None:
            position = self.model.position_of(keep)
            if position >= 0:
                self.list.selectionModel().blockSignals(True)
                self.list.setCurrentIndex(self.model.index(position))
                self.list.selectionModel().blockSignals(False)
                self.list.viewport().update()
                self.reader.show_message(keep)
            # Not among the rows read again (further down a long folder): it stays shown.
            self._keep_id = None
        if self.model.count is not None:
            self._count_known(self.model.count)
        self._update_actions()
        if self._overview_after_rows:
            self._overview_after_rows = False
            self._read_overview()
        self.loaded.emit()

    def _count_known(self, count: int) -> None:
        noun = "result" if self.model.search else "message"
        self.count_label.setText(f"{count:,} {noun}{'' if count == 1 else 's'}")

    def _list_failed(self, text: str) -> None:
        self.empty.setText(f"The mailbox could not be read: {text}")
        self.list_stack.setCurrentWidget(self.empty)

    def _selection_changed(self) -> None:
        ids = self.selected_ids()
        if len(ids) == 1:
            self.reader.show_message(ids[0])
        elif not ids:
            self.reader.clear()
        self._update_actions()

    def _marked_read(self, message_id: int) -> None:
        """The message opened was unread: show it read and the folders' new counts."""
        self.model.set_unread(message_id, False)
        self._read_overview()

    def _activated(self, _index: QModelIndex) -> None:
        """Enter (or a double click) reads the message: the focus moves to its text."""
        self.reader.body.setFocus(Qt.FocusReason.OtherFocusReason)

    def selected_ids(self) -> list[int]:
        rows = sorted(index.row() for index in self.list.selectionModel().selectedRows())
        return self.model.message_ids(rows)

    def _update_actions(self) -> None:
        one = len(self.selected_ids()) == 1
        some = bool(self.selected_ids())
        for made in (self.reply_button, self.reply_all_button, self.forward_button):
            made.setEnabled(one)
        archived = self.folder is Folder.ARCHIVED
        self.archive_button.setText("Move to Inbox" if archived else "Archive")
        self.archive_button.setToolTip(
            "Back to the Inbox (E)" if archived else "Archive: out of the Inbox, kept in Gmail (E)"
        )
        self.archive_button.setEnabled(some and self.folder is not Folder.SENT)
        self.delete_button.setEnabled(some)

    # ----------------------------------------------------------------- overview / live refresh

    def _read_overview(self, force: bool = False) -> None:
        if not self.context.database_open:
            return
        if not self.isVisible():
            # Read when shown; a changed signature then refreshes the list as well.
            self._overview_stale = True
            return
        if self.reading_overview is not None and self.reading_overview.running:
            self._overview_again = self._overview_again or force
            return
        user = self.context.user
        previous = self.overview.signature if self.overview else None

        def done(overview: Overview) -> None:
            self.overview = overview
            self.folders.set_counts(overview.totals, overview.unread)
            self.summary.show_health(overview.health, utc_now())
            if previous is not None and overview.signature != previous and not force:
                log.info("mailbox changed underneath: refreshing")
                self.refresh()
            if self._overview_again:
                self._overview_again = False
                self._read_overview(force=True)

        def failed(error: BaseException) -> None:
            log.warning("mailbox overview: %s", error)

        self.reading_overview = Operation(
            self,
            lambda _task: read_overview(user),
            on_success=done,
            on_failure=failed,
            title="read the mailbox",
        ).run()

    def _records_changed(self, table: str) -> None:
        if table in WATCHED:
            self._refresh_timer.start()

    # ----------------------------------------------------------------- actions

    def archive(self) -> None:
        """Archive the selected messages (in Archived: move them back to the Inbox)."""
        if self.folder is Folder.SENT:
            return
        action = "move_to_inbox" if self.folder is Folder.ARCHIVED else "archive"
        self._change(action)

    def delete(self) -> None:
        """Move the selected messages to the trash (Ctrl+Z brings them back)."""
        self._change("delete")

    def _change(self, action: str) -> None:
        ids = self.selected_ids()
        if not ids or (self.acting is not None and self.acting.running):
            return
        from desktopcrm.services import mail

        user = self.context.user
        functions = {
            "archive": mail.archive_messages,
            "delete": mail.delete_messages,
            "move_to_inbox": mail.move_to_inbox,
        }
        rows = sorted(index.row() for index in self.list.selectionModel().selectedRows())
        next_row = rows[-1] + 1 - len(rows) if rows else 0

        def done(change: MailChange) -> None:
            self.last_change = change
            count = len(change.message_ids)
            noun = "message" if count == 1 else "messages"
            self.undo_bar.offer(f"{_VERBS[action]} {count} {noun}")
            self._after_change(next_row)

        self.acting = Operation(
            self,
            lambda _task: functions[action](user, ids),
            on_success=done,
            on_failure=self._action_failed,
            title=f"{action.replace('_', ' ')} the messages",
        ).run()

    def _after_change(self, next_row: int | None = None) -> None:
        self.reader.clear()
        self._next_row = next_row
        self.model.loaded.connect(self._select_after_change, Qt.ConnectionType.SingleShotConnection)
        self.model.refresh()
        self._read_overview(force=True)
        self.context.records_changed.emit("mail_message")
        self._refresh_timer.stop()
        self.changed.emit()

    def _select_after_change(self) -> None:
        row = getattr(self, "_next_row", None)
        if row is None or self.model.rowCount() == 0:
            return
        if self.reader.message_id is not None:
            # The user opened a message while the list was read again: keep it (moving the
            # selection now would make the next key act on another message).
            return
        row = min(row, self.model.rowCount() - 1)
        self.list.setCurrentIndex(self.model.index(row))

    def undo(self) -> None:
        """Undo the last archive or delete (also in Gmail, through the outbox)."""
        change = self.last_change
        if change is None or (self.acting is not None and self.acting.running):
            return
        from desktopcrm.services import mail

        user = self.context.user
        self.last_change = None
        self.undo_bar.hide()

        def done(_undone: MailChange) -> None:
            self.context.message.emit(f"{_VERBS[change.action]} undone")
            self._keep_id = change.message_ids[0] if change.message_ids else None
            self._after_change(None)

        self.acting = Operation(
            self,
            lambda _task: mail.undo_change(user, change),
            on_success=done,
            on_failure=self._action_failed,
            title="undo",
        ).run()

    def _action_failed(self, error: BaseException) -> None:
        show_failure(self, "change the messages", error)
        self.refresh()

    def add_sender(self, message_id: int, kind: str) -> None:
        """Add the message's sender as a lead or a contact; their mail moves to the Inbox."""
        from desktopcrm.services import mail

        user = self.context.user
        add = mail.add_sender_as_lead if kind == "lead" else mail.add_sender_as_contact

        def done(record: Any) -> None:
            name = getattr(record, "display_name", "") or "The sender"
            self.context.message.emit(f"{name} added as a {kind}; their mail is in the Inbox now")
            self.context.records_changed.emit("lead" if kind == "lead" else "contact")
            self._after_change(None)

        self.acting = Operation(
            self,
            lambda _task: add(user, message_id),
            on_success=done,
            on_failure=self._action_failed,
            title=f"add the sender as a {kind}",
        ).run()

    def retry_failed(self) -> None:
        """Queue every outgoing change that failed again (the sync sends it next round)."""
        from desktopcrm.services import mail

        user = self.context.user

        def work(_task: Any) -> int:
            failed = mail.failed_outbox(user)
            for row in failed:
                mail.retry_outbox(user, row.id)
            return len(failed)

        def done(count: int) -> None:
            self.context.message.emit(
                f"{count} outgoing {'change' if count == 1 else 'changes'} queued again"
            )
            self._kick_sync()
            self.refresh()
            self.context.records_changed.emit("mail_outbox")

        self.acting = Operation(
            self, work, on_success=done, on_failure=self._action_failed, title="retry sending"
        ).run()

    def _kick_sync(self) -> None:
        """Ask the app's mail sync (when it runs) for a round now."""
        manager = getattr(self.context, "mail_sync", None)
        sync_now = getattr(manager, "sync_now", None)
        if callable(sync_now):
            sync_now()

    def _reply(self) -> None:
        self.compose("reply")

    def compose(self, mode: str) -> None:
        """Open the compose window: new, or a reply / reply all / forward of the message shown."""
        if self.open_compose is None:
            return
        if mode == "new":
            self.open_compose(self.context, mode="new")
            return
        ids = self.selected_ids()
        message_id = self.reader.message_id if self.reader.message_id else None
        if message_id is None and len(ids) == 1:
            message_id = ids[0]
        if message_id is None:
            return
        self.open_compose(self.context, mode=mode, message_id=message_id)

    def current_id(self) -> int | None:
        index = self.list.currentIndex()
        value = index.data(ID_ROLE) if index.isValid() else None
        return int(value) if value is not None else None
