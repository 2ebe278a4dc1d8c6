"""The users of the office as a table model (a handful of rows: loaded whole)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from desktopcrm.qt import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from desktopcrm.services import users

Index = QModelIndex | QPersistentModelIndex
ID_ROLE = Qt.ItemDataRole.UserRole
HEADERS = ("Name", "Email", "Profile", "Reports to")


@dataclass(frozen=True)
class UserRow:
    id: str
    name: str
    email: str
    profile: str
    reports_to: str


class UsersModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self._rows: list[UserRow] = []

    def reload(self) -> None:
        everyone = users.list_users()
        names = {u.id: u.name for u in everyone}
        rows = [
            UserRow(
                u.id.hex,
                u.name,
                u.email or "",
                u.profile_enum.label,
                names.get(u.reports_to_id, "") if u.reports_to_id else "",
            )
            for u in everyone
        ]
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def row_of(self, user_id: str) -> int:
        return next((i for i, row in enumerate(self._rows) if row.id == user_id), -1)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return (row.name, row.email, row.profile, row.reports_to)[index.column()]
        if role == ID_ROLE:
            return row.id
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(HEADERS)
        ):
            return HEADERS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )
