"""Table models of the import wizard: the preview of the first rows with their problems, and
the rejected rows of the finished import. Both hold a few thousand rows at most."""

from __future__ import annotations

from typing import Any

from desktopcrm.qt import (
    QAbstractTableModel,
    QColor,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from desktopcrm.services.importing.report import RowProblem
from desktopcrm.views.theme import ThemeManager, tokens

Index = QModelIndex | QPersistentModelIndex

PROBLEM_LABELS = {
    "malformed_row": "Unreadable row",
    "bad_email": "Bad email",
    "wrong_type": "Wrong value",
    "too_long": "Too long",
    "missing_required": "Missing",
    "unmatched_owner": "Unknown owner",
    "owner_not_allowed": "Owner not allowed",
    "unknown_status": "Unknown status",
    "unknown_pipeline": "Unknown pipeline",
    "unknown_stage": "Unknown stage",
    "unknown_reason": "Unknown reason",
    "unmatched_contact": "Unknown contact",
    "duplicate": "Duplicate",
    "invalid": "Invalid",
}


def field_label(target: str, custom_names: dict[str, str]) -> str:
    """``first_name`` → "First name"; ``custom:industry`` → the custom field's name."""
    if target.startswith("custom:"):
        return custom_names.get(target, target[7:])
    return target.replace("_", " ").capitalize()


class _Table(QAbstractTableModel):
    headers: list[str]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._row_count()

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def _row_count(self) -> int:
        raise NotImplementedError

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(self.headers)
        ):
            return self.headers[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )


class PreviewModel(_Table):
    """One row per previewed file row: its line, its problems (or "Ready"), its values."""

    def __init__(self) -> None:
        super().__init__()
        self.headers = ["Line", "Problems"]
        self._fields: list[str] = []
        self._rows: list[tuple[int, dict[str, str], list[RowProblem]]] = []

    def set_preview(
        self,
        rows: list[tuple[int, dict[str, str], list[RowProblem]]],
        fields: list[str],
        custom_names: dict[str, str],
    ) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._fields = list(fields)
        self.headers = ["Line", "Problems", *(field_label(f, custom_names) for f in fields)]
        self.endResetModel()

    def _row_count(self) -> int:
        return len(self._rows)

    def problem_rows(self) -> int:
        return sum(1 for _, _, problems in self._rows if problems)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        line, values, problems = self._rows[index.row()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if column == 0:
                return str(line)
            if column == 1:
                if not problems:
                    return "Ready"
                if role == Qt.ItemDataRole.ToolTipRole:
                    return "\n".join(p.message for p in problems)
                return "; ".join(p.message for p in problems)
            return values.get(self._fields[column - 2], "")
        if role == Qt.ItemDataRole.ForegroundRole and column == 1:
            t = tokens(ThemeManager.current_scheme())
            return QColor(t["danger"] if problems else t["success"])
        return None


class ProblemsModel(_Table):
    """The rejected rows of an import: one row per reason (a row can have several)."""

    def __init__(self) -> None:
        super().__init__()
        self.headers = ["Line", "Field", "Problem", "Details", "Value"]
        self._problems: list[RowProblem] = []
        self._custom_names: dict[str, str] = {}

    def set_problems(self, problems: list[RowProblem], custom_names: dict[str, str]) -> None:
        self.beginResetModel()
        self._problems = list(problems)
        self._custom_names = dict(custom_names)
        self.endResetModel()

    def problem(self, row: int) -> RowProblem:
        return self._problems[row]

    def _row_count(self) -> int:
        return len(self._problems)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._problems):
            return None
        problem = self._problems[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return (
                str(problem.line),
                field_label(problem.field, self._custom_names) if problem.field else "",
                PROBLEM_LABELS.get(problem.reason, problem.reason),
                problem.message,
                problem.value,
            )[index.column()]
        return None
