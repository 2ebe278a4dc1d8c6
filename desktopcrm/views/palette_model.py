"""The command palette's results as a list model."""

from __future__ import annotations

from typing import Any

from desktopcrm.qt import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt
from desktopcrm.views.icons import icon
from desktopcrm.views.search import SearchResult

KIND_ROLE = Qt.ItemDataRole.UserRole + 1
SUBTITLE_ROLE = Qt.ItemDataRole.UserRole + 2

Index = QModelIndex | QPersistentModelIndex


class PaletteModel(QAbstractListModel):
    def __init__(self) -> None:
        super().__init__()
        self._results: list[SearchResult] = []

    def set_results(self, results: list[SearchResult]) -> None:
        self.beginResetModel()
        self._results = list(results)
        self.endResetModel()

    def result(self, row: int) -> SearchResult:
        return self._results[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._results)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._results):
            return None
        result = self._results[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return result.title
        if role == Qt.ItemDataRole.DecorationRole:
            return icon(result.icon)
        if role == Qt.ItemDataRole.ToolTipRole:
            return result.subtitle or None
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{result.title}, {result.kind}"
        if role == KIND_ROLE:
            return result.kind
        if role == SUBTITLE_ROLE:
            return result.subtitle
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )
