"""One board column's deals: a list model over ``(id, version)`` pairs with a cache of cards.

A column holds every deal id of its stage (a few bytes each, read in one query), so its size,
its scroll bar and any jump are exact at once; what a card shows is read only for the cards the
view paints. ``data()`` for a card not read yet answers ``None`` for ``CARD_ROLE`` (the delegate
draws a placeholder) and asks for it; asks are gathered for ``SETTLE_MS`` and read together,
with the next ``AHEAD`` cards, in one background ``Operation``.

The ids are kept in a ``QStringListModel`` (as hex) so that the row count, which ``QListView``
asks for every row each time it lays a column out (after every insert or removal), is answered
in C++: 1,600 cards are 3,000+ calls per layout, milliseconds in Python for every drop. The
Python list beside it serves the screen (rows of ids, neighbours).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from desktopcrm.models.records import Stage
from desktopcrm.qt import (
    QModelIndex,
    QPersistentModelIndex,
    QStringListModel,
    Qt,
    QTimer,
    Signal,
)
from desktopcrm.services import board
from desktopcrm.services.board import Card
from desktopcrm.views.operations import Operation

Index = QModelIndex | QPersistentModelIndex
ID_ROLE = Qt.ItemDataRole.UserRole
CARD_ROLE = Qt.ItemDataRole.UserRole + 1

#: Wait this long after the last ask before reading cards (a scroll asks for many at once).
SETTLE_MS = 15
#: Cards read after each asked one (scrolling on does not wait).
AHEAD = 30
#: Cards kept per column at most (the least recently stored go first).
CACHE_LIMIT = 1500
_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren


class StageModel(QStringListModel):
    """The deals of one stage in board order.

    Signals:
        cards_loaded: cards arrived (the screen updates accessible names, counts).
        failed: reading cards failed, with the message.
    """

    cards_loaded = Signal()
    failed = Signal(str)

    def __init__(self, stage: Stage, describe: Any = None, parent: Any = None) -> None:
        super().__init__(parent)
        self.stage = stage
        #: ``describe(card) -> str``: the text a screen reader says for a card.
        self.describe = describe or (lambda card: card.name)
        self._ids: list[uuid.UUID] = []
        self._versions: dict[uuid.UUID, int] = {}
        self._rows: dict[uuid.UUID, int] = {}
        self._cards: dict[uuid.UUID, Card] = {}
        self._wanted: dict[uuid.UUID, None] = {}
        self._reading = False
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self._read)
        #: The card being dragged (drawn as an empty slot where it was).
        self.dragging: uuid.UUID | None = None

    # ----------------------------------------------------------------- Qt model

    def flags(self, index: Index) -> Qt.ItemFlag:
        return _FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.parent().isValid():
            return None
        text = super().data(index, Qt.ItemDataRole.DisplayRole)
        if not text:  # a row being inserted (its id comes next)
            return None
        deal_id = uuid.UUID(hex=text)
        if role == ID_ROLE:
            return deal_id
        card = self._cards.get(deal_id)
        if role == CARD_ROLE:
            if card is None:
                self._want(deal_id)
            return card
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return card.name if card is not None else ""
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self.describe(card) if card is not None else "Loading deal"
        return None

    # ----------------------------------------------------------------- contents

    @property
    def ids(self) -> list[uuid.UUID]:
        return list(self._ids)

    def card(self, deal_id: uuid.UUID) -> Card | None:
        return self._cards.get(deal_id)

    def version(self, deal_id: uuid.UUID) -> int | None:
        return self._versions.get(deal_id)

    def row_of(self, deal_id: uuid.UUID) -> int:
        """The row of a deal, -1 when the column does not hold it."""
        return self._rows.get(deal_id, -1)

    def set_rows(self, rows: Sequence[tuple[uuid.UUID, int]], cards: dict[uuid.UUID, Card]) -> None:
        """Hold these ``(id, version)`` pairs: cached cards of a changed version are dropped,
        the rest kept; the model resets only when the ids or their order changed."""
        ids = [deal_id for deal_id, _ in rows]
        versions = dict(rows)
        stale = [i for i, v in versions.items() if self._versions.get(i) not in (None, v)]
        for deal_id in stale:
            self._cards.pop(deal_id, None)
        self._cards.update({i: c for i, c in cards.items() if c.version == versions.get(i)})
        if ids != self._ids:
            self._ids = ids
            self._versions = versions
            self._reindex()
            self._trim()
            self.setStringList([deal_id.hex for deal_id in ids])  # resets the model
            return
        self._versions = versions
        changed = {*stale, *cards}
        for deal_id in changed:
            row = self._rows.get(deal_id, -1)
            if row >= 0:
                index = self.index(row, 0)
                self.dataChanged.emit(index, index)

    def put(self, card: Card) -> None:
        """Store a card read or changed elsewhere (a move), repainting its row."""
        self._cards[card.id] = card
        self._versions[card.id] = card.version
        row = self._rows.get(card.id, -1)
        if row >= 0:
            index = self.index(row, 0)
            self.dataChanged.emit(index, index)

    def take(self, deal_id: uuid.UUID) -> Card | None:
        """Remove a deal from the column; returns its card if it was read."""
        row = self._rows.get(deal_id, -1)
        if row < 0:
            return None
        self.removeRows(row, 1)
        del self._ids[row]
        self._versions.pop(deal_id, None)
        card = self._cards.pop(deal_id, None)
        self._reindex()
        return card

    def insert(self, row: int, card: Card) -> None:
        """Put a card at ``row`` (clamped to the column)."""
        row = max(0, min(row, len(self._ids)))
        self._versions[card.id] = card.version
        self._cards[card.id] = card
        self.insertRows(row, 1)
        self._ids.insert(row, card.id)
        self._reindex()
        self.setData(self.index(row, 0), card.id.hex)

    def move(self, deal_id: uuid.UUID, row: int) -> None:
        """Move a deal of this column to ``row`` (counted as if it were not in the column)."""
        old = self._rows.get(deal_id, -1)
        row = max(0, min(row, len(self._ids) - 1))
        if old < 0 or old == row:
            return
        target = row + 1 if row > old else row  # moveRows counts with the row in place
        self.moveRows(QModelIndex(), old, 1, QModelIndex(), target)
        self._ids.insert(row, self._ids.pop(old))
        self._reindex()

    def neighbours(self, deal_id: uuid.UUID) -> tuple[uuid.UUID | None, uuid.UUID | None]:
        """The deals above and below ``deal_id`` in this column."""
        row = self._rows.get(deal_id, -1)
        if row < 0:
            return None, None
        above = self._ids[row - 1] if row > 0 else None
        below = self._ids[row + 1] if row + 1 < len(self._ids) else None
        return above, below

    def _reindex(self) -> None:
        self._rows = {deal_id: row for row, deal_id in enumerate(self._ids)}

    def _trim(self) -> None:
        if len(self._cards) > CACHE_LIMIT:
            for deal_id in list(self._cards)[: len(self._cards) - CACHE_LIMIT]:
                del self._cards[deal_id]
        for deal_id in [i for i in self._cards if i not in self._rows]:
            del self._cards[deal_id]

    # ----------------------------------------------------------------- reading cards

    def _want(self, deal_id: uuid.UUID) -> None:
        if deal_id not in self._wanted:
            self._wanted[deal_id] = None
            if not self._reading:
                self._settle.start()

    def _read(self) -> None:
        if self._reading or not self._wanted:
            return
        wanted: dict[uuid.UUID, None] = {}
        for deal_id in self._wanted:
            row = self._rows.get(deal_id, -1)
            if row < 0:
                continue
            for other in self._ids[row : row + AHEAD]:
                if other not in self._cards:
                    wanted[other] = None
        self._wanted.clear()
        if not wanted:
            return
        ids = list(wanted)
        self._reading = True
        Operation(
            self,
            lambda _task: board.cards(ids),
            on_success=self._arrived,
            on_failure=self._failed,
            title="read the deals' cards",
        ).run()

    def _arrived(self, cards: dict[uuid.UUID, Card]) -> None:
        self._reading = False
        for card in cards.values():
            if self._versions.get(card.id) is not None:
                self._cards[card.id] = card
        self._trim()
        rows = sorted(self._rows[i] for i in cards if i in self._rows)
        if rows:
            self.dataChanged.emit(self.index(rows[0], 0), self.index(rows[-1], 0))
        self.cards_loaded.emit()
        if self._wanted:
            self._settle.start()

    def _failed(self, error: BaseException) -> None:
        self._reading = False
        self.failed.emit(str(error))
