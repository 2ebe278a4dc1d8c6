"""A lazy table model over ``services.lists.ListQuery``: rows are read in blocks, off the GUI
thread, as the view paints them.

- ``set_spec`` (a filter, a sort, the search text, other columns) starts a new *generation*:
  one background job builds the ``ListQuery``, reads the names rows refer to (``Lookups``) and
  the first block; until it arrives the previous rows stay on screen. A job of an older
  generation that is still running is interrupted (SQLite) and its result dropped, so typing
  in the search box never queues stale queries.
- ``data()`` for a row whose block is not loaded answers ``LOADING_ROLE`` (the delegate draws a
  placeholder) and asks for the block. Blocks are read once the view has stopped asking for
  new ones for ``SETTLE_MS``: then the blocks of the rows on screen (``visible_rows``, set by
  the screen) and a margin, one job at a time, so a fast scroll reads where it stops, not
  everything it passed, and no worker competes with the GUI thread for the GIL meanwhile.
- What a row shows (texts, chips) is made once, when it is first painted (``line``), and
  kept with its block; ``data()`` and the delegate read it from there.
- The list's size comes from a second job on its own ``ListQuery`` (``count()``, then
  ``prepare()`` for a long list, whose cursors the model then adopts so that a jump anywhere
  is a keyset seek). Until then the model grows by ``fetchMore`` as the view scrolls.
- ``refresh`` (the records changed) reads the blocks on screen again and the size, without a
  reset, so the scroll position and the selection stay.

Only the GUI thread touches the model's state; a ``ListQuery`` is used by one job at a time.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import peewee

from desktopcrm.models import User
from desktopcrm.qt import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from desktopcrm.services.lists import BLOCK, DEFAULT_SORT, ListQuery, ListSpec, Row, SortKey
from desktopcrm.views.lists.columns import (
    ENTITY,
    Column,
    Lookups,
    chip,
    display,
    engine_columns,
)
from desktopcrm.views.operations import Operation, Task

log = logging.getLogger("desktopcrm.views.lists")

Index = QModelIndex | QPersistentModelIndex
ID_ROLE = Qt.ItemDataRole.UserRole
CHIP_ROLE = Qt.ItemDataRole.UserRole + 1
LOADING_ROLE = Qt.ItemDataRole.UserRole + 2
STYLE_ROLE = Qt.ItemDataRole.UserRole + 3
ROW_ROLE = Qt.ItemDataRole.UserRole + 4

_ROW_ROLES = frozenset(
    {
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.ToolTipRole,
        ID_ROLE,
        CHIP_ROLE,
        LOADING_ROLE,
        ROW_ROLE,
    }
)

_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

#: Blocks kept in memory (``BLOCK`` rows each); the least recently used go first.
CACHED_BLOCKS = 48
#: Block requests remembered while a job runs (older ones are dropped: scrolled past).
WANTED_BLOCKS = 6
#: A list longer than this is ``prepare``d after its count.
PREPARE_MIN_ROWS = 4 * BLOCK
#: Blocks are read once the view has asked for them and then stayed this long without asking
#: for others (a fast scroll reads where it stops, not every block it passes).
SETTLE_MS = 30
#: Rows above and below the visible ones whose blocks are read too (scrolling on is smooth).
MARGIN_ROWS = 40
#: Rows a new list reads first (more than a tall window shows); the rest of its first block
#: is read like any other when the view asks. A filtered list's first page costs about in
#: proportion (a search for "mar" in 100,000 people: 54 -> 35 ms).
FIRST_ROWS = 50


@dataclass(frozen=True, slots=True)
class Line:
    """What a loaded row shows, made once per row when first painted: the text of each
    column, and for chip, tags and owner columns what the delegate draws (``CHIP_ROLE``)."""

    texts: tuple[str, ...]
    payloads: tuple[Any, ...]


@dataclass
class _Opened:
    query: ListQuery
    lookups: Lookups
    blocks: dict[int, list[Row]]


class _Interrupter:
    """The SQLite connection a job runs on, so a newer request can interrupt its query."""

    def __init__(self) -> None:
        self.connection: Any = None
        self.stopped = False

    def attach(self) -> None:
        from desktopcrm.models import database

        db = database.obj
        if isinstance(db, peewee.SqliteDatabase):
            self.connection = db.connection()

    def interrupt(self) -> None:
        self.stopped = True
        connection = self.connection
        if connection is not None:
            # Closed meanwhile: nothing runs on it any more.
            with contextlib.suppress(Exception):
                connection.interrupt()


class ListModel(QAbstractTableModel):
    """Rows of one list kind for the signed-in user (``user`` is asked for at every load).

    Signals:
        loaded: the rows of a new or refreshed list arrived (its first block).
        count_known: how many rows the list has.
        failed: a load failed; the message says why (a bad filter value, the database).
        busy_changed: a load is (not) running.
    """

    loaded = Signal()
    count_known = Signal(int)
    failed = Signal(str)
    busy_changed = Signal(bool)

    def __init__(
        self,
        user: Callable[[], User],
        kind: str,
        columns: Sequence[Column],
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self._user = user
        self.kind = kind
        self.columns: list[Column] = list(columns)
        self.spec = ListSpec(kind, columns=engine_columns(self.columns))
        self.lookups = Lookups()
        self._generation = 0
        self._query: ListQuery | None = None
        self._blocks: OrderedDict[int, list[Row]] = OrderedDict()
        self._lines: dict[int, list[Line | None]] = {}
        self.visible_rows: Callable[[], tuple[int, int]] | None = None
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self._settled)
        self._rows = 0
        self._count: int | None = None
        self._open_pending: tuple[int, bool, list[int]] | None = None
        self._wanted: list[int] = []
        self._job: tuple[int, int | None, _Interrupter] | None = None  # generation, block
        self._side: tuple[int, _Interrupter] | None = None
        self._pump_scheduled = False
        self._busy = False
        self._reload_lookups = True
        self.error: str = ""
        self.has_loaded = False

    # ----------------------------------------------------------------- what to show

    def set_spec(self, spec: ListSpec) -> None:
        """Show the list ``spec`` describes (its columns follow ``self.columns``)."""
        self.spec = replace(spec, kind=self.kind, columns=engine_columns(self.columns))
        self._start(reset=True, lookups=not self.has_loaded)

    def set_columns(self, columns: Sequence[Column]) -> None:
        """Show these columns (the rows are read again with what they need)."""
        self.beginResetModel()
        self.columns = list(columns)
        self._blocks.clear()
        self._lines.clear()
        self.endResetModel()
        self.spec = replace(self.spec, columns=engine_columns(self.columns))
        if self._generation:  # else nothing was asked for yet: ``set_spec`` will read
            self._start(reset=True, lookups=not self.has_loaded)

    def refresh(self) -> None:
        """Read the list again (the records changed), keeping what is on screen meanwhile."""
        self._start(reset=False)

    @property
    def count(self) -> int | None:
        """The list's size, once known."""
        return self._count

    @property
    def busy(self) -> bool:
        return self._busy

    def sort_key(self) -> SortKey:
        """The key the list is sorted by (its kind's default order unless chosen)."""
        return self.spec.sort[0] if self.spec.sort else DEFAULT_SORT[self.kind][0]

    def column_of(self, key: str) -> int:
        return next((i for i, c in enumerate(self.columns) if c.key == key), -1)

    def row(self, position: int) -> Row | None:
        """The row at ``position`` if its block is loaded."""
        block = self._blocks.get(position // BLOCK)
        if block is None:
            return None
        offset = position % BLOCK
        return block[offset] if offset < len(block) else None

    def loaded_rows(self) -> dict[int, Row]:
        """Every loaded row by position."""
        result: dict[int, Row] = {}
        for number, block in self._blocks.items():
            for offset, row in enumerate(block):
                result[number * BLOCK + offset] = row
        return result

    def position_of(self, record_id: uuid.UUID) -> int:
        """The position of a loaded row by id (-1 when not loaded)."""
        for position, row in self.loaded_rows().items():
            if row.id == record_id:
                return position
        return -1

    def query_spec(self) -> ListSpec:
        return self.spec

    # ----------------------------------------------------------------- loading

    def _set_busy(self, busy: bool) -> None:
        if busy != self._busy:
            self._busy = busy
            self.busy_changed.emit(busy)

    def _start(self, *, reset: bool, lookups: bool = True) -> None:
        """A new generation; ``lookups``: read the names rows refer to again (a refresh),
        rather than keep them (another filter, sort or search on the same records)."""
        self._generation += 1
        if self._job is not None and self._job[0] != self._generation:
            self._job[2].interrupt()
        if self._side is not None:
            self._side[1].interrupt()
            self._side = None
        self._wanted.clear()
        recent = [] if reset else list(reversed(self._blocks.keys()))[:3]
        self._reload_lookups = self._reload_lookups or lookups
        self._open_pending = (self._generation, reset, sorted({0, *recent}))
        self._set_busy(True)
        # From the event loop: a worker started now would compete for the GIL with the
        # Python that builds the screen (measured: first rows painted 20-50 ms later).
        self._schedule()

    def _schedule(self) -> None:
        if not self._pump_scheduled:
            self._pump_scheduled = True
            QTimer.singleShot(0, self._pump)

    def _pump(self) -> None:
        self._pump_scheduled = False
        if self._job is not None:
            return
        if self._open_pending is not None:
            generation, reset, blocks = self._open_pending
            self._open_pending = None
            self._run_open(generation, reset, blocks)
            return
        while self._wanted:
            block = self._wanted.pop()
            missing = block not in self._blocks or self._incomplete(block)
            if missing and block * BLOCK < max(self._rows, 1):
                self._run_block(block)
                return

    def _incomplete(self, block: int) -> bool:
        """Whether a loaded block holds fewer rows than the list has there (the first rows
        of a new list, ``FIRST_ROWS``)."""
        rows = self._blocks.get(block)
        if rows is None or len(rows) >= BLOCK:
            return False
        end = self._count if self._count is not None else self._rows + 1
        return block * BLOCK + len(rows) < end

    def _run_open(self, generation: int, reset: bool, blocks: list[int]) -> None:
        user, spec = self._user(), self.spec
        stopper = _Interrupter()
        known = None if self._reload_lookups else self.lookups
        self._reload_lookups = False

        def work(_task: Task) -> _Opened:
            from desktopcrm.views.lists.columns import load_lookups

            stopper.attach()
            query = ListQuery(user, spec)
            lookups = known if known is not None else load_lookups(ENTITY[spec.kind])
            rows = {
                block: query.rows_at(block * BLOCK, FIRST_ROWS if reset else BLOCK)
                for block in blocks
            }
            return _Opened(query, lookups, rows)

        self._job = (generation, None, stopper)
        Operation(
            self,
            work,
            on_success=lambda opened: self._opened(generation, reset, opened),
            on_failure=lambda error: self._job_failed(generation, error),
            title="read the list",
        ).run()

    def _run_block(self, block: int) -> None:
        query, generation = self._query, self._generation
        if query is None:
            return
        stopper = _Interrupter()

        def work(_task: Task) -> list[Row]:
            stopper.attach()
            return query.rows_at(block * BLOCK, BLOCK)

        self._job = (generation, block, stopper)
        Operation(
            self,
            work,
            on_success=lambda rows: self._block_read(generation, block, rows),
            on_failure=lambda error: self._job_failed(generation, error),
            title="read the list",
        ).run()

    def _run_side(self) -> None:
        """Count the list, then prepare a long one, on a ListQuery of its own."""
        user, spec, generation = self._user(), self.spec, self._generation
        stopper = _Interrupter()

        def work(task: Task) -> ListQuery:
            stopper.attach()
            query = ListQuery(user, spec)
            count = query.count()
            task.progress(count, count, "count")
            if count >= PREPARE_MIN_ROWS and not stopper.stopped:
                query.prepare()
            return query

        operation = Operation(
            self,
            work,
            on_success=lambda query: self._prepared(generation, query),
            on_failure=lambda error: self._side_failed(generation, error),
            title="count the list",
        )
        operation.progressed.connect(lambda count, _total, _text: self._counted(generation, count))
        self._side = (generation, stopper)
        operation.run()

    # ----------------------------------------------------------------- results

    def _opened(self, generation: int, reset: bool, opened: _Opened) -> None:
        self._job = None
        if generation != self._generation:
            self._schedule()
            return
        self.error = ""
        self._query = opened.query
        self.lookups = opened.lookups
        first = opened.blocks.get(0, [])
        exact = len(first) < (FIRST_ROWS if reset else BLOCK)
        self._lines.clear()
        if reset:
            self.beginResetModel()
            self._blocks.clear()
            self._blocks.update(opened.blocks)
            self._rows = len(first)
            self._count = None
            self.endResetModel()
        else:
            self._blocks.clear()
            self._blocks.update(opened.blocks)
            last = max(opened.blocks)
            highest = last * BLOCK + len(opened.blocks[last])
            if exact:
                self._resize(len(first))
            elif highest > self._rows:
                self._resize(highest)
            if self._rows and self.columns:
                self.dataChanged.emit(
                    self.index(0, 0), self.index(self._rows - 1, len(self.columns) - 1)
                )
        self.has_loaded = True
        if exact:
            self._count = len(first)
            self.count_known.emit(self._count)
            self._set_busy(False)
        else:
            self._run_side()
        self.loaded.emit()
        self._schedule()

    def _block_read(self, generation: int, block: int, rows: list[Row]) -> None:
        self._job = None
        if generation == self._generation:
            self._store(block, rows)
            end = block * BLOCK + len(rows)
            if self._count is None:
                if len(rows) < BLOCK:
                    self._count = end
                    self._resize(end)
                    self.count_known.emit(end)
                    self._set_busy(False)
                elif end > self._rows:
                    self._resize(end)
            first, last = block * BLOCK, min(end, self._rows) - 1
            if last >= first and self.columns:
                self.dataChanged.emit(self.index(first, 0), self.index(last, len(self.columns) - 1))
        self._schedule()

    def _counted(self, generation: int, count: int) -> None:
        if generation != self._generation:
            return
        self._count = count
        self._resize(count)
        self.count_known.emit(count)
        self._set_busy(False)

    def _prepared(self, generation: int, query: ListQuery) -> None:
        if generation != self._generation:
            return
        self._side = None
        self._query = query  # its cursors reach every block: jumps are keyset seeks

    def _job_failed(self, generation: int, error: BaseException) -> None:
        self._job = None
        if generation == self._generation:
            self._failed(error)
        self._schedule()

    def _side_failed(self, generation: int, error: BaseException) -> None:
        if generation == self._generation:
            self._side = None
            self._failed(error)

    def _failed(self, error: BaseException) -> None:
        from desktopcrm.views.operations import failure_text, is_known_failure

        self._set_busy(False)
        if not is_known_failure(error) and not isinstance(error, peewee.PeeweeException):
            import sys

            sys.excepthook(type(error), error, error.__traceback__)
            return
        self.error = failure_text(error)
        log.info("list %s failed: %s", self.kind, self.error)
        self.failed.emit(self.error)

    def _store(self, block: int, rows: list[Row]) -> None:
        self._blocks[block] = rows
        self._blocks.move_to_end(block)
        self._lines.pop(block, None)
        while len(self._blocks) > CACHED_BLOCKS:
            self._lines.pop(self._blocks.popitem(last=False)[0], None)

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
                self._lines.pop(block, None)
            self._lines.pop(rows // BLOCK, None)
            self.endRemoveRows()

    def _want(self, block: int) -> None:
        """The view asked for a row of ``block``: read it once the scrolling settles."""
        wanted = self._wanted
        if wanted and wanted[-1] == block:
            return
        if self._job is not None and self._job[1] == block:
            return
        if block in wanted:
            wanted.remove(block)
        wanted.append(block)
        del wanted[:-WANTED_BLOCKS]
        self._settle.start()

    def _settled(self) -> None:
        """Read the blocks of the rows on screen (and a margin), those on screen first; without
        a view to ask, the blocks asked for, the latest first."""
        if self.visible_rows is not None:
            top, bottom = self.visible_rows()
            if top >= 0:
                bottom = max(top, bottom)
                low = max(0, top - MARGIN_ROWS) // BLOCK
                high = min(max(self._rows - 1, 0), bottom + MARGIN_ROWS) // BLOCK
                shown = range(top // BLOCK, bottom // BLOCK + 1)
                margin = [b for b in range(low, high + 1) if b not in shown]
                # ``_pump`` reads from the end: the shown blocks last in the list.
                self._wanted[:] = [*margin, *reversed(shown)]
        self._schedule()

    def line(self, position: int) -> Line | None:
        """What row ``position`` shows, or None while its block is read (then it is asked
        for). Made once per row, on the GUI thread, only for rows that are painted."""
        number, offset = divmod(position, BLOCK)
        lines = self._lines.get(number)
        if lines is not None and offset < len(lines):
            found = lines[offset]
            if found is not None:
                return found
        block = self._blocks.get(number)
        if block is None or offset >= len(block):
            if 0 <= position < self._rows:
                self._want(number)
            return None
        if lines is None:
            lines = self._lines[number] = [None] * len(block)
        made = lines[offset] = self._make_line(block[offset])
        return made

    def _make_line(self, row: Row) -> Line:
        lookups = self.lookups
        texts = tuple(display(column, row, lookups) for column in self.columns)
        payloads: list[Any] = []
        for column in self.columns:
            if column.style == "chip":
                payloads.append(chip(column, row, lookups))
            elif column.style == "tags":
                colours = lookups.tag_colours
                payloads.append([(name, colours.get(name)) for name in row.get("tags") or ()])
            elif column.style == "owner":
                owner = row.get("owner")
                payloads.append(lookups.users.get(owner, "") if owner is not None else "")
            else:
                payloads.append(None)
        return Line(texts, tuple(payloads))

    # ----------------------------------------------------------------- Qt model

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._rows

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def canFetchMore(self, parent: Index) -> bool:
        return (
            not parent.isValid()
            and self._count is None
            and self.has_loaded
            and self._rows > 0
            and (self._rows % BLOCK == 0 or self._incomplete(self._rows // BLOCK))
        )

    def fetchMore(self, parent: Index) -> None:
        if self.canFetchMore(parent):
            self._want(self._rows // BLOCK)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < self._rows:
            return None
        if not 0 <= index.column() < len(self.columns):
            return None
        column = self.columns[index.column()]
        if role == STYLE_ROLE:
            return column.style
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if column.style in ("money", "number"):
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        if role not in _ROW_ROLES:
            return None
        line = self.line(index.row())
        if line is None:
            return True if role == LOADING_ROLE else None
        if role == Qt.ItemDataRole.DisplayRole:
            return line.texts[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            text = line.texts[index.column()]
            return None if len(text) < 24 else text
        if role == LOADING_ROLE:
            return False
        if role == CHIP_ROLE:
            return line.payloads[index.column()]
        row = self.row(index.row())
        assert row is not None
        return str(row.id) if role == ID_ROLE else row

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        column = self.columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"Sort by {column.title.lower()}" if column.sort else column.title
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if column.style in ("money", "number"):
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        return _FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by a column whose header allows it (others are ignored)."""
        if not 0 <= column < len(self.columns):
            return
        field = self.columns[column].sort
        if field is None:
            return
        key = SortKey(field, descending=order == Qt.SortOrder.DescendingOrder)
        if tuple(self.spec.sort) != (key,):
            self.set_spec(replace(self.spec, sort=(key,)))

    # ----------------------------------------------------------------- selections

    def ids_job(self, ranges: Sequence[tuple[int, int]]) -> Callable[[Task], list[uuid.UUID]]:
        """Work that returns the ids of the rows in ``ranges`` (inclusive), for an Operation:
        loaded rows from memory, the rest read by the list engine; the whole list by
        ``ListQuery.ids_in_order``."""
        loaded = self.loaded_rows()
        user, spec, total = self._user(), self.spec, self._rows
        whole = len(ranges) == 1 and ranges[0] == (0, total - 1) and self._count == total
        known: dict[int, uuid.UUID] = {p: r.id for p, r in loaded.items()}

        def work(task: Task) -> list[uuid.UUID]:
            query = ListQuery(user, replace(spec, columns=()))
            if whole:
                return query.ids_in_order()
            result: list[uuid.UUID] = []
            for top, bottom in ranges:
                position = top
                while position <= bottom:
                    task.check_cancelled()
                    if position in known:
                        result.append(known[position])
                        position += 1
                        continue
                    size = min(BLOCK * 5, bottom - position + 1)
                    rows = query.rows_at(position, size)
                    if not rows:
                        break
                    result.extend(row.id for row in rows)
                    position += len(rows)
            return list(dict.fromkeys(result))

        return work
