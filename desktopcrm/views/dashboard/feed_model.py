"""The activity feed as a list model: pages read in an ``Operation`` as the view scrolls down
(``canFetchMore`` / ``fetchMore``), entries written since put on top (``refresh``).

The model holds the ``FeedItem`` values it was given and nothing else; it never reads more
than one page (``services.activity.PAGE``) at a time. A ``generation`` number drops results
of reads started before the scope changed.
"""

from __future__ import annotations

from typing import Any

from desktopcrm.qt import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from desktopcrm.services.activity import FeedCursor, FeedItem, FeedPage
from desktopcrm.services.dashboard import Scope
from desktopcrm.views.operations import Operation

ITEM_ROLE = Qt.ItemDataRole.UserRole + 1
Index = QModelIndex | QPersistentModelIndex


class FeedModel(QAbstractListModel):
    """Args:
    user: a callable returning the signed-in user (it may change).
    """

    #: A page (or the entries since the last read) arrived; the argument: how many.
    loaded = Signal(int)

    def __init__(self, user: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._user = user
        self.items: list[FeedItem] = []
        self.scope: Scope | None = None
        self.cursor: FeedCursor | None = None
        self.has_more = False
        self.last_seq = 0
        self.generation = 0
        self.reading: Operation | None = None
        self.refreshing: Operation | None = None
        #: How many pages were read, each at most a page (for tests and the benchmark).
        self.pages_read = 0
        self.largest_page = 0
        self.page_sizes: list[int] = []

    # ---- Qt model ----------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.items)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.items):
            return None
        item = self.items[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return item.text
        if role == Qt.ItemDataRole.ToolTipRole:
            return item.detail or item.text
        if role == ITEM_ROLE:
            return item
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self.has_more and self.scope is not None

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        """Read the next page in the background (one read at a time)."""
        if not self.canFetchMore(parent) or (self.reading and self.reading.running):
            return
        from desktopcrm.services import activity

        user, scope, cursor, generation = self._user(), self.scope, self.cursor, self.generation
        self.reading = Operation(
            self,
            lambda _task: activity.feed_page(user, scope=scope, cursor=cursor),
            on_success=lambda page: self._append(page, generation),
            title="read the activity feed",
        ).run()

    # ---- filling -----------------------------------------------------------

    def show_first(self, scope: Scope, page: FeedPage, last_seq: int) -> None:
        """Replace everything by the first page of ``scope`` (read by the screen)."""
        self.beginResetModel()
        self.generation += 1
        self.scope = scope
        self.items = list(page.items)
        self.cursor = page.cursor
        self.has_more = page.has_more
        self.last_seq = last_seq
        self._count(page)
        self.endResetModel()
        self.loaded.emit(len(page.items))

    def _count(self, page: FeedPage) -> None:
        self.pages_read += 1
        self.page_sizes.append(len(page.items))
        self.largest_page = max(self.largest_page, len(page.items))

    def _append(self, page: FeedPage, generation: int) -> None:
        if generation != self.generation:
            return
        self._count(page)
        # Before the rows go in: the view asks for more while they are inserted.
        self.cursor = page.cursor
        self.has_more = page.has_more
        if page.items:
            known = {item.seq for item in self.items}
            fresh = [item for item in page.items if item.seq not in known]
            if fresh:
                first = len(self.items)
                self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
                self.items.extend(fresh)
                self.endInsertRows()
        self.loaded.emit(len(page.items))

    def refresh(self) -> None:
        """Put what was written since the last read on top (or start over when more than a
        page arrived)."""
        if self.scope is None or (self.refreshing and self.refreshing.running):
            return
        from desktopcrm.services import activity

        user, scope, after, generation = self._user(), self.scope, self.last_seq, self.generation
        self.refreshing = Operation(
            self,
            lambda _task: activity.feed_since(user, scope=scope, after_seq=after),
            on_success=lambda result: self._prepend(result, generation),
            title="refresh the activity feed",
        ).run()

    def _prepend(self, result: tuple[list[FeedItem], int, bool], generation: int) -> None:
        items, last_seq, overflow = result
        if generation != self.generation:
            return
        if overflow:
            self.restart()
            return
        self.last_seq = max(self.last_seq, last_seq)
        known = {item.seq for item in self.items}
        fresh = [item for item in items if item.seq not in known]
        if fresh:
            self.beginInsertRows(QModelIndex(), 0, len(fresh) - 1)
            self.items[:0] = fresh
            self.endInsertRows()
        self.loaded.emit(len(fresh))

    def restart(self) -> None:
        """Read the first page again (after a flood of changes)."""
        from desktopcrm.models import ChangeLog
        from desktopcrm.services import activity

        user, scope = self._user(), self.scope
        if scope is None:
            return

        def work(_task: Any) -> tuple[FeedPage, int]:
            last = ChangeLog.last_seq()
            return activity.feed_page(user, scope=scope), last

        self.reading = Operation(
            self,
            work,
            on_success=lambda result: self.show_first(scope, *result),
            title="read the activity feed",
        ).run()

    def item(self, row: int) -> FeedItem | None:
        return self.items[row] if 0 <= row < len(self.items) else None
