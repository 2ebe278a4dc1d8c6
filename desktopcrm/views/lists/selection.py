"""Keep a list's selection on the same records when the list is read again.

A refresh (someone saved, added or deleted a record) can move rows: a selection kept by row
number would then point at other records, and a bulk action would hit them. ``KeptSelection``
notes the selected records' ids before the refresh and selects them again wherever they are
once the rows are back; records that left the list drop out of the selection, new ones do not
join it. A select-all of a list longer than its loaded rows (whose ids are not at hand) stays
a select-all.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, NamedTuple

from desktopcrm.qt import QItemSelection, QItemSelectionModel

if TYPE_CHECKING:
    from desktopcrm.qt import QTableView
    from desktopcrm.views.lists.model import ListModel


class KeptSelection(NamedTuple):
    """The selected records' ids, the current one, and whether to select everything again
    (a select-all of rows not all loaded)."""

    ids: frozenset[uuid.UUID]
    current: uuid.UUID | None
    everything: bool

    @classmethod
    def of(
        cls, table: QTableView, model: ListModel, ranges: list[tuple[int, int]]
    ) -> KeptSelection | None:
        """What ``table`` has selected, given its merged row ``ranges`` (None: nothing to keep).
        Reads the loaded rows, never one index per selected row (a select-all of 100,000)."""
        if not ranges:
            return None
        loaded = model.loaded_rows()
        chosen = {
            row.id
            for position, row in loaded.items()
            if any(top <= position <= bottom for top, bottom in ranges)
        }
        selected = sum(bottom - top + 1 for top, bottom in ranges)
        current_row = loaded.get(table.currentIndex().row())
        return cls(
            frozenset(chosen),
            current_row.id if current_row is not None else None,
            selected == model.rowCount() and len(loaded) < selected,
        )

    def restore(self, table: QTableView, model: ListModel) -> None:
        """Select the same records again, where the re-read list has put them."""
        flags = QItemSelectionModel.SelectionFlag
        selection_model = table.selectionModel()
        if self.everything:
            table.selectAll()
            return
        positions = {row.id: position for position, row in model.loaded_rows().items()}
        rows = sorted(positions[i] for i in self.ids if i in positions)
        last = model.columnCount() - 1
        selection = QItemSelection()
        start = 0
        for number in range(1, len(rows) + 1):
            if number == len(rows) or rows[number] != rows[number - 1] + 1:
                top, bottom = rows[start], rows[number - 1]
                selection.select(model.index(top, 0), model.index(bottom, last))
                start = number
        selection_model.select(selection, flags.ClearAndSelect | flags.Rows)
        if self.current in positions:
            current = model.index(positions[self.current], max(table.currentIndex().column(), 0))
            selection_model.setCurrentIndex(current, flags.NoUpdate)
