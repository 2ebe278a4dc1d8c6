"""The notification centre's entries as a list model (newest first)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from desktopcrm.qt import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt
from desktopcrm.services.notifications import Entry
from desktopcrm.views.local_time import to_local, utc_now

Index = QModelIndex | QPersistentModelIndex

BODY_ROLE = Qt.ItemDataRole.UserRole + 1
WHEN_ROLE = Qt.ItemDataRole.UserRole + 2
UNREAD_ROLE = Qt.ItemDataRole.UserRole + 3
ENTRY_ROLE = Qt.ItemDataRole.UserRole + 4


def describe_age(at: dt.datetime, now: dt.datetime) -> str:
    """'just now', '5 min ago', '3 h ago', 'yesterday 14:05' or a local date (``at`` UTC)."""
    seconds = (now - at).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    local, today = to_local(at), to_local(now).date()
    if local.date() == today:
        return f"{int(seconds // 3600)} h ago"
    if local.date() == today - dt.timedelta(days=1):
        return f"yesterday {local:%H:%M}"
    return f"{local:%d %b %Y}" if local.year != today.year else f"{local:%d %b %H:%M}"


class NotificationListModel(QAbstractListModel):
    """Rows are ``services.notifications.Entry``; ``clock`` is naive UTC now."""

    def __init__(self, clock: Callable[[], dt.datetime] = utc_now) -> None:
        super().__init__()
        self.entries: list[Entry] = []
        self.clock = clock

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.entries)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.entries):
            return None
        entry = self.entries[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return entry.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{entry.title}\n{entry.body}" if entry.body else entry.title
        if role == Qt.ItemDataRole.AccessibleTextRole:
            state = "" if entry.read else "Unread: "
            return f"{state}{entry.title}. {entry.body}"
        if role == BODY_ROLE:
            return entry.body
        if role == WHEN_ROLE:
            return describe_age(entry.created_at, self.clock())
        if role == UNREAD_ROLE:
            return not entry.read
        if role == ENTRY_ROLE:
            return entry
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def set_entries(self, entries: Iterable[Entry]) -> None:
        self.beginResetModel()
        self.entries = list(entries)
        self.endResetModel()

    def mark_read(self, ids: Iterable[int] | None = None) -> None:
        """Show entries ``ids`` (None: all) as read."""
        wanted = None if ids is None else set(ids)
        for row, entry in enumerate(self.entries):
            if not entry.read and (wanted is None or entry.id in wanted):
                self.entries[row] = _read(entry)
                index = self.index(row, 0)
                self.dataChanged.emit(index, index)

    def unread(self) -> int:
        return sum(1 for e in self.entries if not e.read)


def _read(entry: Entry) -> Entry:
    from dataclasses import replace

    return replace(entry, read=True)
