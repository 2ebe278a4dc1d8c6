"""A lazy list model over one mailbox folder (``services.mail.folder_page``), or over the
results of a search.

- ``show_folder`` starts a new *generation*: one background job reads the folder's first
  ``FIRST_ROWS`` messages (and which queued sends failed); until it arrives the previous rows
  stay. Only then a side job reads the folder's size (one row of the counts the database
  keeps), so nothing competes with the first rows.
- Any block is read by a keyset seek (``folder_page(after=key)``): the key of the row before
  the block is known when the block above was loaded (the model keeps the last key of every
  block it read); otherwise the same job first finds it with ``folder_key_at`` (an index-only
  skip from the nearest known key, the top or the bottom), so a jump to the middle of a
  250,000-message folder costs one skip of the index, not a scan of the rows above.
- Until the count is known the list grows by ``fetchMore`` (the next page after the last row).
- ``data()`` for a row whose block is not loaded answers ``LOADING_ROLE`` (the delegate draws
  a placeholder) and asks for the block; blocks are read once the view stops asking for new
  ones for ``SETTLE_MS``, one job at a time, the latest asked first.
- ``show_search`` shows the messages of ``services.mail.search_mail`` (one page, newest first).
- ``refresh`` reads the folder again (new mail arrived, an archive elsewhere) keeping the rows
  on screen until the new ones are there.

Only the GUI thread touches the model's state; results of an older generation are dropped.
"""

from __future__ import annotations

import logging
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from desktopcrm.models import User
from desktopcrm.models.mail import Folder
from desktopcrm.qt import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from desktopcrm.services.mail import MailRow, PageKey
from desktopcrm.views.operations import Operation, Task

log = logging.getLogger("desktopcrm.views.mail")

Index = QModelIndex | QPersistentModelIndex
ROW_ROLE = Qt.ItemDataRole.UserRole + 1
LOADING_ROLE = Qt.ItemDataRole.UserRole + 2
#: The message's database id (int) of a loaded row.
ID_ROLE = Qt.ItemDataRole.UserRole + 3
#: Why a queued send failed ("" when it did not).
FAILED_ROLE = Qt.ItemDataRole.UserRole + 4

#: Rows per block.
BLOCK = 200
#: Rows a folder reads first: more than a tall window shows, few enough to paint at once.
FIRST_ROWS = 60
#: Blocks kept in memory; the least recently used go first.
CACHED_BLOCKS = 24
SETTLE_MS = 30
#: Search results shown at most (newest first).
SEARCH_LIMIT = 300

#: Why open counts are approximate (shown wherever a count is).
OPENS_NOTE = (
    "Opens are approximate: they count when the message's invisible picture was loaded. "
    "Image proxies (Gmail, Apple Mail Privacy Protection) and security scanners may load it "
    "ahead of time or once for many reads, and mail apps that block pictures never count."
)

_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren


@dataclass(frozen=True)
class _Opened:
    rows: list[MailRow]
    failed: dict[int, str]


def failed_sends(user: User) -> dict[int, str]:
    """Messages whose send Gmail refused for good, with why (shown in the list and reader)."""
    from desktopcrm.models.mail import OutboxKind
    from desktopcrm.services import mail

    return {
        row.mail_message_id: row.last_error or "Gmail refused the message."
        for row in mail.failed_outbox(user)
        if row.kind == OutboxKind.SEND.value and row.mail_message_id is not None
    }


class MailListModel(QAbstractListModel):
    """The messages of one folder of the signed-in user (``user`` is asked at every read).

    Signals:
        loaded: the first rows of a folder or search arrived (also after a refresh).
        count_known: how many messages the folder (or search) has.
        failed: a read failed; the message says why.
    """

    loaded = Signal()
    count_known = Signal(int)
    failed = Signal(str)

    def __init__(self, user: Callable[[], User], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._user = user
        self.folder = Folder.INBOX
        self.search = ""
        self.failed_ids: dict[int, str] = {}
        self._generation = 0
        self._blocks: OrderedDict[int, list[MailRow]] = OrderedDict()
        #: Blocks read before a refresh: shown until read again.
        self._stale: dict[int, list[MailRow]] = {}
        #: Keys of rows whose position is known (the last row of every block read).
        self._keys: dict[int, PageKey] = {}
        self._rows = 0
        self._count: int | None = None
        self._job: tuple[int, int] | None = None  # generation, block
        self._wanted: list[int] = []
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self._pump)
        self.has_loaded = False
        self.reading = False
        #: Blocks read after the first rows (tests and the benchmark look at them).
        self.blocks_read: list[int] = []

    # ----------------------------------------------------------------- what to show

    def show_folder(self, folder: Folder) -> None:
        """Show ``folder`` (newest first)."""
        self.folder, self.search = folder, ""
        self._open(reset=True)

    def show_search(self, text: str) -> None:
        """Show the messages whose subject or body has every word of ``text`` ("" ends it)."""
        self.search = text.strip()
        self._open(reset=True)

    def refresh(self) -> None:
        """Read the folder (or search) again; the rows on screen stay until the new ones come."""
        self._open(reset=False)

    @property
    def count(self) -> int | None:
        return self._count

    def row(self, position: int) -> MailRow | None:
        """The message at ``position`` if its block is loaded."""
        block = self._blocks.get(position // BLOCK)
        if block is None:
            block = self._stale.get(position // BLOCK)
        if block is None:
            return None
        offset = position % BLOCK
        return block[offset] if offset < len(block) else None

    def position_of(self, message_id: int) -> int:
        """Where a loaded message is (-1 when it is not loaded)."""
        for number, block in self._blocks.items():
            for offset, row in enumerate(block):
                if row.id == message_id:
                    return number * BLOCK + offset
        return -1

    # ----------------------------------------------------------------- reading

    def _open(self, *, reset: bool) -> None:
        self._generation += 1
        generation, folder, search = self._generation, self.folder, self.search
        user = self._user()
        self._wanted.clear()
        self.reading = True

        def work(_task: Task) -> _Opened:
            from desktopcrm.services import mail

            if search:
                rows = mail.search_mail(user, search, folder=folder, limit=SEARCH_LIMIT)
            else:
                rows = mail.folder_page(user, folder, limit=FIRST_ROWS if reset else BLOCK)
            return _Opened(rows, failed_sends(user))

        Operation(
            self,
            work,
            on_success=lambda opened: self._opened(generation, reset, opened),
            on_failure=lambda error: self._failed(generation, error),
            title="read the mailbox",
        ).run()

    def _opened(self, generation: int, reset: bool, opened: _Opened) -> None:
        if generation != self._generation:
            return
        rows = opened.rows
        self.failed_ids = opened.failed
        limit = SEARCH_LIMIT if self.search else (FIRST_ROWS if reset else BLOCK)
        exact = self.search != "" or len(rows) < limit
        if not reset and not exact and self._rows > 0 and self._count is not None:
            self._refreshed(generation, rows)
            return
        self._stale.clear()
        self.beginResetModel()
        self._blocks.clear()
        self._blocks[0] = rows
        self._keys = {len(rows) - 1: rows[-1].key} if rows else {}
        self._rows = len(rows)
        self._count = len(rows) if exact else None
        self.endResetModel()
        self.has_loaded = True
        self.reading = not exact
        if exact:
            self.count_known.emit(len(rows))
        else:
            self._size(generation)
        self.loaded.emit()

    def _refreshed(self, generation: int, rows: list[MailRow]) -> None:
        """A refresh of a long folder: the rows stay where they are (no reset: the scroll
        position and the selection stay); the other blocks shown so far are kept as stale
        and read again when the view asks for them, and the size is read again."""
        for number, block in self._blocks.items():
            if number != 0:
                self._stale[number] = block
        self._blocks.clear()
        self._blocks[0] = rows
        self._keys = {len(rows) - 1: rows[-1].key} if rows else {}
        self.reading = True
        if self._rows:
            self.dataChanged.emit(self.index(0), self.index(self._rows - 1))
        self._size(generation)
        self.loaded.emit()

    def _size(self, generation: int) -> None:
        """Read how many messages the folder has (after the first rows: they come first)."""
        user, folder = self._user(), self.folder

        def work(_task: Task) -> int:
            from desktopcrm.services import mail

            return mail.folder_count(user, folder)

        Operation(
            self,
            work,
            on_success=lambda sized: self._sized(generation, sized),
            on_failure=lambda error: self._failed(generation, error),
            title="count the mailbox",
        ).run()

    def _sized(self, generation: int, count: int) -> None:
        if generation != self._generation:
            return
        self._count = count
        self.reading = False
        self._resize(count)
        self.count_known.emit(count)
        self._pump()

    def _failed(self, generation: int, error: BaseException) -> None:
        if generation != self._generation:
            return
        from desktopcrm.views.operations import failure_text, is_known_failure

        self._job = None
        self.reading = False
        if not is_known_failure(error):
            import sys

            sys.excepthook(type(error), error, error.__traceback__)
            return
        log.info("mailbox read failed: %s", error)
        self.failed.emit(failure_text(error))

    def _nearest_key(self, position: int) -> tuple[int, PageKey] | None:
        """The known key closest above (or at) ``position``."""
        above = [known for known in self._keys if known <= position]
        return (max(above), self._keys[max(above)]) if above else None

    def _want(self, block: int) -> None:
        if self._job is not None and self._job[1] == block:
            return
        if block in self._wanted:
            self._wanted.remove(block)
        self._wanted.append(block)
        del self._wanted[:-6]
        self._settle.start()

    def _pump(self) -> None:
        if self._job is not None:
            return
        while self._wanted:
            block = self._wanted.pop()
            if self._loaded_fully(block) or not self._within(block):
                continue
            self._read_block(block)
            return

    def _within(self, block: int) -> bool:
        if self._count is not None:
            return block * BLOCK < self._count
        return block * BLOCK <= self._rows

    def _loaded_fully(self, block: int) -> bool:
        rows = self._blocks.get(block)
        if rows is None:
            return False
        end = self._count if self._count is not None else self._rows + 1
        return len(rows) >= BLOCK or block * BLOCK + len(rows) >= end

    def _read_block(self, block: int) -> None:
        user, folder, generation = self._user(), self.folder, self._generation
        self._job = (generation, block)
        before = block * BLOCK - 1
        known = self._nearest_key(before) if block > 0 else None
        count = self._count

        def work(_task: Task) -> list[MailRow]:
            from desktopcrm.services import mail

            after = None
            if block > 0:
                after = mail.folder_key_at(user, folder, before, known=known, count=count)
                if after is None:
                    return []
            return mail.folder_page(user, folder, after=after, limit=BLOCK)

        Operation(
            self,
            work,
            on_success=lambda rows: self._block_read(generation, block, rows),
            on_failure=lambda error: self._failed(generation, error),
            title="read the mailbox",
        ).run()

    def _block_read(self, generation: int, block: int, rows: list[MailRow]) -> None:
        self._job = None
        if generation == self._generation:
            self.blocks_read.append(block)
            self._stale.pop(block, None)
            self._blocks[block] = rows
            self._blocks.move_to_end(block)
            if rows:
                self._keys[block * BLOCK + len(rows) - 1] = rows[-1].key
            while len(self._blocks) > CACHED_BLOCKS:
                self._blocks.popitem(last=False)
            end = block * BLOCK + len(rows)
            if self._count is None:
                if len(rows) < BLOCK:
                    self._count = end
                    self._resize(end)
                    self.count_known.emit(end)
                elif end > self._rows:
                    self._resize(end)
            first, last = block * BLOCK, min(end, self._rows) - 1
            if last >= first:
                self.dataChanged.emit(self.index(first), self.index(last))
        self._pump()

    def _resize(self, rows: int) -> None:
        if rows > self._rows:
            self.beginInsertRows(QModelIndex(), self._rows, rows - 1)
            self._rows = rows
            self.endInsertRows()
        elif rows < self._rows:
            self.beginRemoveRows(QModelIndex(), rows, self._rows - 1)
            self._rows = rows
            for block in [b for b in self._blocks if b * BLOCK >= rows]:
                del self._blocks[block]
            for block in [b for b in self._stale if b * BLOCK >= rows]:
                del self._stale[block]
            self.endRemoveRows()

    # ----------------------------------------------------------------- Qt model

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._rows

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return (
            not parent.isValid()
            and self.has_loaded
            and self._count is None
            and self._rows > 0
            and not self._loaded_fully(self._rows // BLOCK)
        )

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent):
            self._want(self._rows // BLOCK)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < self._rows or index.column() != 0:
            return None
        row = self.row(index.row())
        block = index.row() // BLOCK
        if row is None or block in self._stale:
            if role in (LOADING_ROLE, ROW_ROLE, Qt.ItemDataRole.DisplayRole):
                self._want(block)
            if row is None:
                return True if role == LOADING_ROLE else None
        if role == LOADING_ROLE:
            return False
        if role == ROW_ROLE:
            return row
        if role == ID_ROLE:
            return row.id
        if role == FAILED_ROLE:
            return self.failed_ids.get(row.id, "")
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return accessible_text(row, self.failed_ids.get(row.id, ""))
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = row.subject or "(no subject)"
            if row.open_count is not None and row.folder is Folder.SENT:
                tip += "\n\n" + OPENS_NOTE
            return tip
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        return _FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    def set_unread(self, message_id: int, unread: bool) -> None:
        """Show a loaded message as read or unread (after the change was saved)."""
        for number, block in [*self._blocks.items(), *self._stale.items()]:
            for offset, row in enumerate(block):
                if row.id == message_id and row.unread != unread:
                    block[offset] = replace(row, unread=unread)
                    index = self.index(number * BLOCK + offset)
                    self.dataChanged.emit(index, index)
                    return

    def message_ids(self, positions: list[int]) -> list[int]:
        """The ids of the loaded messages at ``positions``."""
        found = (self.row(p) for p in positions)
        return [row.id for row in found if row is not None]

    def account_of(self, message_id: int) -> uuid.UUID | None:
        position = self.position_of(message_id)
        row = self.row(position) if position >= 0 else None
        return row.account_id if row else None


def accessible_text(row: MailRow, failed: str = "") -> str:
    """What a screen reader says for a row (and what ``DisplayRole`` answers)."""
    parts = []
    if row.unread:
        parts.append("Unread")
    who = f"To {row.to_text}" if row.folder is Folder.SENT else f"From {row.sender}"
    parts.append(who)
    parts.append(row.subject or "(no subject)")
    if failed:
        parts.append("Could not be sent")
    elif row.queued:
        parts.append("Waiting to be sent")
    if row.replied:
        parts.append("Replied")
    if row.thread_size > 1:
        parts.append(f"{row.thread_size} messages")
    return ", ".join(parts)
