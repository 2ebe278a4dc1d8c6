"""The pipeline board: a column per open stage of the chosen pipeline, the closed stages as drop
zones at the right edge, filters above.

Moving a card (dragging it, Ctrl+arrows, or its menu) shows the move and the two columns' new
totals at once (worked out from the card's value and probability, ``board.shift_totals``), then
persists it through ``services.board.move_card`` in an ``Operation`` and afterwards reads the two
columns' totals again to confirm them; Lost and Unqualified first ask for the reason. Ctrl+Z
puts the last moved card back. When someone else moved the deal first, the board reads the
columns again (the card snaps to where it really is) and says so. Changes from elsewhere (this
app's other screens, other PCs via the change log) refresh the columns without losing the scroll
position.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache, partial
from typing import Any

from desktopcrm.models import DatabaseMode, User
from desktopcrm.models.attachments import Tag
from desktopcrm.models.errors import StaleRecordError
from desktopcrm.models.records import LossReason, Pipeline, Stage, StageKind
from desktopcrm.qt import (
    QFrame,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QMenu,
    QPoint,
    QResizeEvent,
    QScrollArea,
    QShortcut,
    QShowEvent,
    Qt,
    QTimer,
    QToolButton,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desktopcrm.services import board
from desktopcrm.services.board import BoardFilter, Card, ColumnTotals, Placement
from desktopcrm.services.errors import ServiceError
from desktopcrm.views.board.column import ClosedZone, StageColumn
from desktopcrm.views.board.delegate import CardDelegate
from desktopcrm.views.board.drag import BoardDrag, Drop
from desktopcrm.views.board.filters import FilterBar
from desktopcrm.views.board.model import StageModel
from desktopcrm.views.board.style import apply_board_style
from desktopcrm.views.context import AppContext
from desktopcrm.views.icons import icon
from desktopcrm.views.lists.bulk_bar import UndoBar
from desktopcrm.views.local_time import utc_now
from desktopcrm.views.operations import Operation, Task, is_known_failure

log = logging.getLogger("desktopcrm.views.board")

#: Cards read with the columns (more than a tall window shows); the rest as they are shown.
FIRST_CARDS = 14
REFRESH_DEBOUNCE_MS = 120
#: The read that confirms a move's totals waits this long (the move is painted first; moves in
#: quick succession are confirmed by one read).
CONFIRM_AFTER_MS = 150
#: Tables whose changes may change what the board shows.
WATCHED = frozenset(
    {"deal", "tag", "record_tag", "task", "stage", "pipeline", "users", "contact", "loss_reason"}
)
#: Smallest column widths with comfortable and compact cards (wider windows share the rest).
WIDE, NARROW = 256, 216
#: Windows narrower or shorter than these get compact cards.
NARROW_WINDOW, SHORT_WINDOW = 1000, 640


@dataclass
class BoardData:
    """One read of the board (in a worker)."""

    seq: int
    pipelines: list[Pipeline]
    pipeline: Pipeline | None
    stages: list[Stage]
    totals: dict[uuid.UUID, ColumnTotals]
    rows: dict[uuid.UUID, list[tuple[uuid.UUID, int]]]
    cards: dict[uuid.UUID, Card]
    reasons: dict[str, list[LossReason]] = field(default_factory=dict)
    owners: list[User] = field(default_factory=list)
    tags: list[Tag] = field(default_factory=list)


@dataclass
class Moved:
    """Where a move went and what it was (the undo stack holds these)."""

    deal_id: uuid.UUID
    name: str
    stage: Stage
    before: Placement
    version: int
    card: Card | None = None
    totals: dict[uuid.UUID, ColumnTotals] = field(default_factory=dict)
    source: Stage | None = None  # set for a move (an undo reads every total again)


@lru_cache(maxsize=4096)
def _compact_money(amount: Decimal, currency: str, locale: str) -> str:
    """A card's value as it shows it (formatting with babel takes a while; cards repaint)."""
    return board.format_money(amount, currency, locale, compact=True)


def money_locale() -> str:
    """The locale amounts are written in (the system's, ``en_US`` when it names none)."""
    from babel import Locale, UnknownLocaleError, default_locale

    name = default_locale("LC_NUMERIC") or "en_US"
    if name.endswith("_POSIX"):  # LANG=C: babel's POSIX variant writes no thousands separators
        name = name.removesuffix("_POSIX")
    try:
        Locale.parse(name)
    except (UnknownLocaleError, ValueError):
        return "en_US"
    return name


def read_board(
    user: User, pipeline_id: Any, flt: BoardFilter, *, choices: bool, since: int | None = None
) -> BoardData | None:
    """Everything the board shows (``None`` when nothing it shows changed after ``since``)."""
    from desktopcrm.models import ChangeLog
    from desktopcrm.services import pipelines as pipeline_service
    from desktopcrm.services import tags as tag_service
    from desktopcrm.services.visibility import visible_owner_ids

    seq = ChangeLog.last_seq()
    if since is not None and not (
        ChangeLog.select()
        .where(ChangeLog.seq > since, ChangeLog.table_name.in_(sorted(WATCHED)))
        .exists()
    ):
        return None
    pipelines = pipeline_service.pipelines()
    pipeline = next((p for p in pipelines if p.id == pipeline_id), None)
    pipeline = pipeline or (pipelines[0] if pipelines else None)
    if pipeline is None:
        return BoardData(seq, [], None, [], {}, {}, {})
    stages = board.board_stages(pipeline)
    totals = board.column_totals(user, pipeline, flt)
    rows = {s.id: board.stage_deals(user, s, flt) for s in stages if not s.kind_enum.is_closed}
    first = [deal_id for pairs in rows.values() for deal_id, _ in pairs[:FIRST_CARDS]]
    data = BoardData(seq, pipelines, pipeline, stages, totals, rows, board.cards(first))
    data.reasons = board.reasons_by_kind()
    if choices:
        owners = visible_owner_ids(user)
        query = User.select().where(User.deleted_at.is_null(), User.active == True)  # noqa: E712
        if owners is not None:
            query = query.where(User.id.in_(list(owners)))
        data.owners = list(query.order_by(User.name))
        data.tags = tag_service.all_tags()
    return data


class BoardScreen(QWidget):
    """The pipeline board of the signed-in user.

    Signals:
        loaded: a read of the board was shown.
        moved: a move (or an undo) was saved and the columns' totals updated (the deal id).
        totals_confirmed: the totals of a move's columns were read again from the database.
        move_failed: a move was refused or conflicted (the message shown).
    """

    loaded = Signal()
    moved = Signal(object)
    totals_confirmed = Signal()
    move_failed = Signal(str)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setObjectName("BoardScreen")
        self.money_locale = money_locale()
        self.now = utc_now
        self.pipeline: Pipeline | None = None
        self.stages: list[Stage] = []
        self.columns: dict[uuid.UUID, StageColumn] = {}
        self.zones: dict[uuid.UUID, ClosedZone] = {}
        self.totals: dict[uuid.UUID, ColumnTotals] = {}
        self.reasons: dict[str, list[LossReason]] = {}
        self.filter = BoardFilter()
        self.undo_stack: list[Moved] = []
        self.reason_dialog: QWidget | None = None
        self._seq: int | None = None
        self._loading: Operation | None = None
        self._again: tuple[bool, bool] | None = None  # a read asked for while one runs
        self._moving = 0
        self._shifts = 0  # totals shifted at a drop (a read of totals started before is stale)
        self._dirty = False
        self._own_change = False
        self._select: uuid.UUID | None = None
        self._choices_loaded = False

        root = QVBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(0)
        self.bar = FilterBar()
        root.addWidget(self.bar)
        self.summary = QLabel("")
        self.summary.setObjectName("BoardSummary")
        self.summary.setContentsMargins(22, 0, 20, 6)
        root.addWidget(self.summary)
        self.message = QFrame()
        self.message.setObjectName("BoardMessage")
        line = QHBoxLayout(self.message)
        line.setContentsMargins(14, 6, 8, 6)
        self.message_text = QLabel("")
        self.message_text.setWordWrap(True)
        line.addWidget(self.message_text, 1)
        dismiss = QToolButton()
        dismiss.setIcon(icon("close"))
        dismiss.setProperty("flat", True)
        dismiss.setAccessibleName("Dismiss the message")
        dismiss.clicked.connect(self.message.hide)
        line.addWidget(dismiss)
        self.message.hide()
        root.addWidget(self.message)
        self.undo_bar = UndoBar()
        self.undo_bar.undo_button.setAccessibleName("Undo the move")
        self.undo_bar.undo_button.setToolTip("Put the deal back where it was (Ctrl+Z)")
        self.undo_bar.undo_requested.connect(self.undo)
        root.addWidget(self.undo_bar)

        body = QHBoxLayout()
        body.setContentsMargins(16, 4, 16, 14)
        body.setSpacing(12)
        self.lane_scroll = QScrollArea()
        self.lane_scroll.setObjectName("BoardScroll")
        self.lane_scroll.setWidgetResizable(True)
        self.lane_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.lane_scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.lane = QWidget()
        self.lane.setObjectName("BoardLane")
        self.lane_layout = QHBoxLayout(self.lane)
        self.lane_layout.setContentsMargins(0, 0, 0, 0)
        self.lane_layout.setSpacing(12)
        self.lane_layout.addStretch(1)
        self.lane_scroll.setWidget(self.lane)
        body.addWidget(self.lane_scroll, 1)
        self.edge = QFrame()
        self.edge.setObjectName("ClosedEdge")
        self.edge.setFixedWidth(176)
        self.edge_layout = QVBoxLayout(self.edge)
        self.edge_layout.setContentsMargins(0, 0, 0, 0)
        self.edge_layout.setSpacing(10)
        body.addWidget(self.edge)
        self.empty = QLabel("")
        self.empty.setObjectName("BoardEmpty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.hide()
        root.addWidget(self.empty, 1)
        root.addLayout(body, 1)

        self.delegate = CardDelegate(self.card_money, lambda: self.now(), self)
        self.drag = BoardDrag(
            self,
            self.lane_scroll,
            lambda: list(self.columns.values()),
            lambda: list(self.zones.values()),
            self.dropped,
        )
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_DEBOUNCE_MS)
        self._refresh_timer.timeout.connect(lambda: self.refresh(check=True))
        self._to_confirm: set[uuid.UUID] = set()
        self._confirm_timer = QTimer(self)
        self._confirm_timer.setSingleShot(True)
        self._confirm_timer.setInterval(CONFIRM_AFTER_MS)
        self._confirm_timer.timeout.connect(self._confirm_totals)

        self.bar.changed.connect(self.apply_filter)
        self.bar.pipeline_changed.connect(lambda: self.load(rebuild=True))
        context.records_changed.connect(self._records_changed)
        context.database_changed.connect(self._schedule_refresh)
        context.user_changed.connect(self._user_changed)
        context.database_reopened.connect(self._user_changed)
        if context.theme is not None:
            context.theme.changed.connect(self._theme_changed)
        self._shortcuts()
        apply_board_style(self, context)
        self._default_owner()
        QTimer.singleShot(0, lambda: self.load(rebuild=True))

    # ----------------------------------------------------------------- set-up

    def _shortcuts(self) -> None:
        def add(sequence: str | QKeySequence.StandardKey, slot: Any) -> None:
            shortcut = QShortcut(QKeySequence(sequence), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)

        add(QKeySequence.StandardKey.Undo, self.undo)
        add("Ctrl+Shift+F", lambda: self.bar.search.setFocus(Qt.FocusReason.ShortcutFocusReason))
        add("F5", lambda: self.refresh(check=False))

    def _default_owner(self) -> None:
        """'My deals' for the User profile, everyone's (that they may see) for the others."""
        user = self.context.user
        self.bar.set_choices(user, [], [], mine=user.profile == "user")
        self.bar.owner.setCurrentIndex(1 if user.profile == "user" else 0)

    # ----------------------------------------------------------------- reading

    def load(self, *, rebuild: bool = False) -> None:
        """Read the board for the chosen pipeline and filters."""
        self.refresh(check=False, rebuild=rebuild)

    def refresh(self, *, check: bool = False, rebuild: bool = False) -> None:
        """Read the columns again (``check``: only if the change log shows changes to what the
        board shows), keeping scroll positions and the selection."""
        if not self.context.database_open:
            return
        if not self.isVisible() and self._seq is not None and not rebuild:
            self._dirty = True
            return
        if self._moving or self.drag.active or (self._loading and self._loading.running):
            previous = self._again or (True, False)
            self._again = (previous[0] and check, previous[1] or rebuild)
            return
        self._dirty = False
        try:
            flt = self.bar.board_filter(self.context.user, self.now().date())
        except ServiceError as error:
            self.show_message(str(error))
            return
        self.filter = flt
        user = self.context.user
        pipeline_id = self.bar.pipeline_id() if not rebuild or self.bar.pipeline.count() else None
        choices = not self._choices_loaded or rebuild
        since = self._seq if check else None

        def work(_task: Task) -> BoardData | None:
            return read_board(user, pipeline_id, flt, choices=choices, since=since)

        self._loading = Operation(
            self,
            work,
            on_success=partial(self._apply, rebuild),
            on_failure=self._load_failed,
            title="read the board",
        )
        self._loading.run()

    def _after_read(self) -> None:
        if self._again is not None and not self._moving:
            check, rebuild = self._again
            self._again = None
            self.refresh(check=check, rebuild=rebuild)

    def _load_failed(self, error: BaseException) -> None:
        self.show_message(f"The board could not be read: {error}")
        if not is_known_failure(error):
            log.error("reading the board failed", exc_info=error)
        QTimer.singleShot(0, self._after_read)

    def _apply(self, rebuild: bool, data: BoardData | None) -> None:
        QTimer.singleShot(0, self._after_read)
        if data is None:
            return
        self._seq = data.seq
        self.reasons = data.reasons
        if data.owners or data.tags or not self._choices_loaded:
            self.bar.set_choices(self.context.user, data.owners, data.tags, mine=False)
            self._choices_loaded = True
        pipeline_id = data.pipeline.id if data.pipeline else None
        self.bar.set_pipelines(data.pipelines, pipeline_id)
        self.pipeline = data.pipeline
        if data.pipeline is None:
            self._show_empty("There is no pipeline yet. An admin can add one in Settings.")
            return
        stage_ids = [s.id for s in data.stages]
        if rebuild or stage_ids != [s.id for s in self.stages]:
            self._build(data.stages)
        else:
            self.stages = data.stages
        for stage_id, column in self.columns.items():
            column.model.set_rows(data.rows.get(stage_id, []), data.cards)
        self._set_totals(data.totals)
        self._show_empty("" if self.columns else "This pipeline has no open stage.")
        if self._select is not None:
            self.select(self._select)
            self._select = None
        self.loaded.emit()

    def _build(self, stages: list[Stage]) -> None:
        for column in self.columns.values():
            column.setParent(None)
            column.deleteLater()
        for zone in self.zones.values():
            zone.setParent(None)
            zone.deleteLater()
        while self.edge_layout.count():
            self.edge_layout.takeAt(0)
        self.columns.clear()
        self.zones.clear()
        self.stages = stages
        for stage in stages:
            if stage.kind_enum.is_closed:
                zone = ClosedZone(stage)
                self.zones[stage.id] = zone
                self.edge_layout.addWidget(zone, 1)
                continue
            model = StageModel(stage, self.describe, self)
            column = StageColumn(stage, model, self.delegate)
            self.columns[stage.id] = column
            self.lane_layout.insertWidget(self.lane_layout.count() - 1, column)
            self.drag.connect_view(column)
            view = column.view
            view.key_move.connect(partial(self.key_move, column))
            view.step.connect(partial(self.step, column))
            view.open_requested.connect(self.open_deal)
            view.customContextMenuRequested.connect(partial(self._card_menu, column))
            model.failed.connect(self.show_message)
        self._fit_columns()

    def _show_empty(self, text: str) -> None:
        self.empty.setText(text)
        self.empty.setVisible(bool(text))
        self.lane_scroll.setVisible(not text)
        self.edge.setVisible(not text)

    # ----------------------------------------------------------------- totals and texts

    def card_money(self, card: Card) -> str:
        return _compact_money(card.value, card.currency, self.money_locale)

    def money(self, amount: Any, *, compact: bool = True) -> str:
        currency = self.pipeline.currency if self.pipeline else "EUR"
        return board.format_money(amount, currency, self.money_locale, compact=compact)

    def describe(self, card: Card) -> str:
        """What a screen reader says for a card."""
        now = self.now()
        parts = [card.name, card.contact or "no contact", self.card_money(card)]
        parts.append(f"owner {card.owner}" if card.owner else "no owner")
        days = card.days_in_stage(now)
        parts.append(f"{days} day{'s' if days != 1 else ''} in this stage")
        if card.next_task:
            late = " (overdue)" if card.task_overdue(now) else ""
            parts.append(f"next task {card.next_task}{late}")
        if card.tags:
            parts.append("tags " + ", ".join(name for name, _ in card.tags))
        return ", ".join(parts)

    def _set_totals(self, totals: dict[uuid.UUID, ColumnTotals]) -> None:
        self.totals.update(totals)
        currency = self.pipeline.currency if self.pipeline else "EUR"
        for stage_id, column_totals in totals.items():
            value = self.money(column_totals.value_in(currency))
            others = column_totals.other_currencies(currency)
            note = ""
            if others:
                value += f" +{len(others)} currenc{'y' if len(others) == 1 else 'ies'}"
                note = f"Totals in {currency}; not counted in them: " + ", ".join(
                    board.format_money(column_totals.value[c], c, self.money_locale) for c in others
                )
            column = self.columns.get(stage_id)
            if column is not None:
                forecast = self.money(column_totals.weighted_in(currency))
                column.set_totals(column_totals.count, value, forecast, note)
            zone = self.zones.get(stage_id)
            if zone is not None:
                zone.set_totals(column_totals.count, value)
        open_totals = [t for s, t in self.totals.items() if s in self.columns]
        count = sum(t.count for t in open_totals)
        amount = sum((t.value_in(currency) for t in open_totals), start=Decimal(0))
        weighted = sum((t.weighted_in(currency) for t in open_totals), start=Decimal(0))
        self.summary.setText(
            f"{count:,} open deal{'' if count == 1 else 's'} · {self.money(amount)} · "
            f"forecast {self.money(weighted)}"
        )

    # ----------------------------------------------------------------- layout

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_columns()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._fit_columns()
        if self._dirty:
            self.refresh(check=True)

    def _fit_columns(self) -> None:
        """Columns share the width; too many for it and they narrow to compact cards, then
        scroll sideways. A short window gets compact cards too."""
        count = len(self.columns)
        if not count:
            return
        spacing = self.lane_layout.spacing()
        available = self.lane_scroll.viewport().width() - spacing * (count - 1)
        share = available // count
        compact = self.width() < NARROW_WINDOW or self.height() < SHORT_WINDOW
        width = max(NARROW if compact else WIDE, share)
        for column in self.columns.values():
            column.setFixedWidth(width)
        if self.delegate.set_density("compact" if compact else "comfortable"):
            for column in self.columns.values():
                column.view.doItemsLayout()

    def _theme_changed(self, _scheme: str) -> None:
        self.delegate.clear_caches()
        for column in self.columns.values():
            column.set_probability(column.stage.probability)
            column.view.viewport().update()

    # ----------------------------------------------------------------- filters and refresh

    def apply_filter(self) -> None:
        self.refresh(check=False)

    def _schedule_refresh(self) -> None:
        self._refresh_timer.start()

    def _records_changed(self, table: str) -> None:
        if not self._own_change and table in WATCHED:
            self._schedule_refresh()

    def _user_changed(self) -> None:
        if not self.context.database_open:
            return
        self.undo_stack.clear()
        self.undo_bar.hide()
        self._choices_loaded = False
        self.bar.owner.clear()
        self._default_owner()
        self.load(rebuild=True)

    def show_message(self, text: str) -> None:
        self.message_text.setText(text)
        self.message.show()
        self.context.message.emit(text)

    # ----------------------------------------------------------------- selection

    def column_of(self, deal_id: uuid.UUID) -> StageColumn | None:
        return next((c for c in self.columns.values() if c.model.row_of(deal_id) >= 0), None)

    def select(self, deal_id: uuid.UUID, *, focus: bool = False) -> bool:
        """Select a deal's card, scrolled into view; False when no column shows it."""
        column = self.column_of(deal_id)
        if column is None:
            return False
        index = column.model.index(column.model.row_of(deal_id), 0)
        column.view.setCurrentIndex(index)
        column.view.scrollTo(index)
        self.lane_scroll.ensureWidgetVisible(column, 40, 0)
        if focus:
            column.view.setFocus(Qt.FocusReason.OtherFocusReason)
        return True

    def open_deal(self, deal_id: Any) -> None:
        if isinstance(deal_id, uuid.UUID):
            self.context.open_record.emit("deal", str(deal_id))

    def step(self, column: StageColumn, dx: int) -> None:
        """Arrow left/right: the same row of the neighbour column."""
        order = list(self.columns.values())
        target = order.index(column) + dx
        if not 0 <= target < len(order):
            return
        other = order[target]
        rows = other.model.rowCount()
        if rows:
            row = min(max(column.view.currentIndex().row(), 0), rows - 1)
            other.view.setCurrentIndex(other.model.index(row, 0))
        other.view.setFocus(Qt.FocusReason.OtherFocusReason)
        self.lane_scroll.ensureWidgetVisible(other, 40, 0)

    # ----------------------------------------------------------------- moving

    def key_move(self, column: StageColumn, dx: int, dy: int) -> None:
        """Ctrl+Left/Right: to the previous/next open stage (on top); Ctrl+Up/Down: one place
        up or down."""
        index = column.view.currentIndex()
        if not index.isValid():
            return
        deal_id = column.model.ids[index.row()]
        if dy:
            row = index.row() + dy
            if 0 <= row < column.model.rowCount():
                self.move_deal(deal_id, column.stage, row if dy < 0 else row + 1, focus=True)
            return
        order = list(self.columns.values())
        target = order.index(column) + dx
        if 0 <= target < len(order):
            self.move_deal(deal_id, order[target].stage, 0, focus=True)

    def dropped(self, drop: Drop) -> None:
        self.move_deal(drop.deal_id, drop.stage, drop.row)

    def move_deal(
        self, deal_id: uuid.UUID, stage: Stage, row: int | None = None, *, focus: bool = False
    ) -> None:
        """Move a deal shown on the board to ``stage`` at ``row`` (counted with the card still
        in place; ``None``: the end). Asks for the reason on Lost and Unqualified."""
        source = self.column_of(deal_id)
        if source is None:
            return
        card = source.model.card(deal_id)
        version = source.model.version(deal_id)
        if card is None or version is None:
            self.show_message("That deal is still loading; try again in a moment.")
            return
        kind = stage.kind_enum
        if kind in (StageKind.LOST, StageKind.UNQUALIFIED):
            self._ask_reason(source, card, version, stage)
            return
        if kind.is_closed:
            source.model.take(deal_id)
            self._shift(card, source.stage, stage)
            self._save(card, version, source.stage, stage, None, None)
            return
        target = self.columns[stage.id]
        old = source.model.row_of(deal_id)
        if target is source:
            new = target.model.rowCount() - 1 if row is None else (row if row <= old else row - 1)
            if new == old:
                return
            target.model.move(deal_id, new)
        else:
            source.model.take(deal_id)
            target.model.insert(target.model.rowCount() if row is None else row, card)
        self.select(deal_id, focus=focus)
        self._shift(card, source.stage, stage)
        after, before = target.model.neighbours(deal_id)
        self._save(card, version, source.stage, stage, after, before)

    def _shift(self, card: Card, source: Stage, stage: Stage) -> None:
        """Show the two columns' totals with ``card`` moved (exact, from what they show); a
        read afterwards confirms them, a failed move reads the board again."""
        if source.id != stage.id:
            self._shifts += 1
            self._set_totals(board.shift_totals(self.totals, card, source, stage))

    def _ask_reason(self, source: StageColumn, card: Card, version: int, stage: Stage) -> None:
        from desktopcrm.views.record.reason_dialog import ReasonDialog

        dialog = ReasonDialog(stage, self.reasons.get(stage.kind, []), self)
        dialog.setWindowTitle(f"Move “{card.name}” to {stage.name}")
        self.reason_dialog = dialog

        def accepted() -> None:
            reason, note = dialog.reasons.currentData(), dialog.note.text()
            if source.model.take(card.id) is not None:
                self._shift(card, source.stage, stage)
                self._save(card, version, source.stage, stage, None, None, reason, note)

        dialog.accepted.connect(accepted)

        def finished(_code: int) -> None:
            if self.reason_dialog is dialog:
                self.reason_dialog = None
            dialog.deleteLater()

        dialog.finished.connect(finished)
        dialog.open()

    def _save(
        self,
        card: Card,
        version: int,
        source: Stage,
        stage: Stage,
        after: uuid.UUID | None,
        before: uuid.UUID | None,
        reason: LossReason | None = None,
        note: str = "",
    ) -> None:
        user = self.context.user

        def move(how: Any) -> Moved:  # how: board.move_card or board.move_card_now
            deal, where = how(user, card.id, version, stage, after=after, before=before,
                              reason=reason, note=note)  # fmt: skip
            moved = Moved(card.id, card.name, stage, where, deal.version, source=source)
            moved.card = replace(
                card,
                version=deal.version,
                stage_id=stage.id,
                position=float(deal.position),
                stage_entered_at=deal.stage_entered_at,
                loss_reason_id=deal.loss_reason_id,
                loss_note=deal.loss_note,
            )
            return moved

        if self.context.location.mode is DatabaseMode.LOCAL:
            # A few ms on this thread, without a round trip through a worker; a worker (which
            # waits its turn) only when another writer holds the file.
            self._moving += 1
            try:
                result = move(board.move_card_now)
            except board.Busy:
                self._moving -= 1
            except Exception as error:  # what a worker would report: a conflict, a refusal
                self._not_saved(card.id, card.name, error)
                return
            else:
                self._saved(False, result)
                return

        def work(_task: Task) -> Moved:
            return move(board.move_card)

        self._run_move(work, card.id, card.name, "move the deal")

    def _run_move(
        self, work: Any, deal_id: uuid.UUID, name: str, title: str, *, undo: bool = False
    ) -> None:
        self._moving += 1
        Operation(
            self,
            work,
            on_success=partial(self._saved, undo),
            on_failure=partial(self._not_saved, deal_id, name),
            title=title,
        ).run()

    def _saved(self, undo: bool, moved: Moved) -> None:
        self._moving -= 1
        if moved.card is not None:
            column = self.columns.get(moved.card.stage_id)
            if column is not None and column.model.row_of(moved.deal_id) >= 0:
                column.model.put(moved.card)
        if moved.source is not None:  # its totals were shifted at the drop: confirm them
            self._to_confirm.update((moved.source.id, moved.stage.id))
            self._confirm_timer.start()
        else:
            self._set_totals(moved.totals)
        for entry in self.undo_stack:
            if entry.deal_id == moved.deal_id:
                entry.version = moved.version
        if undo:
            self.undo_bar.hide()
            self.context.message.emit(f"“{moved.name}” is back in {moved.stage.name}")
        else:
            self.undo_stack.append(moved)
            self.undo_bar.offer(f"Moved “{moved.name}” to {moved.stage.name}")
        self._own_change = True
        try:
            self.context.records_changed.emit("deal")
        finally:
            self._own_change = False
        if undo:
            self._select = moved.deal_id
            self.refresh(check=False)
        else:
            QTimer.singleShot(0, self._after_read)
        self.moved.emit(moved.deal_id)

    def _confirm_totals(self) -> None:
        """Read the moved cards' columns' totals again (what ``shift_totals`` worked out,
        as the database says it, with whatever others changed meanwhile)."""
        user, pipeline, flt = self.context.user, self.pipeline, self.filter
        stage_ids, self._to_confirm = self._to_confirm, set()
        if pipeline is None or not stage_ids:
            return
        shifts = self._shifts

        def work(_task: Task) -> dict[uuid.UUID, ColumnTotals]:
            return board.column_totals(user, pipeline, flt, stage_ids)

        def confirmed(totals: dict[uuid.UUID, ColumnTotals]) -> None:
            if pipeline is self.pipeline and not self._moving and shifts == self._shifts:
                self._set_totals(totals)
                self.totals_confirmed.emit()

        Operation(self, work, on_success=confirmed, on_failure=self._load_failed,
                  title="read the columns' totals").run()  # fmt: skip

    def _not_saved(self, deal_id: uuid.UUID, name: str, error: BaseException) -> None:
        self._moving -= 1
        if isinstance(error, StaleRecordError):
            who = error.changed_by or "Someone else"
            text = (
                f"{who} changed “{name}” before your move was saved; it is shown where it is now."
            )
            if "deleted" in error.changed_fields or not error.current:
                text = f"{who} deleted “{name}” before your move was saved."
        elif is_known_failure(error):
            text = f"“{name}” was not moved: {error}"
        else:
            log.error("moving a deal failed", exc_info=error)
            text = f"“{name}” was not moved because of an unexpected error: {error}"
        self.show_message(text)
        self._select = deal_id
        self._again = None
        self.refresh(check=False)
        self.move_failed.emit(text)

    def undo(self) -> None:
        """Put the last moved deal back where it was (Ctrl+Z)."""
        if not self.undo_stack or self._moving:
            return
        entry = self.undo_stack.pop()
        user, pipeline, flt = self.context.user, self.pipeline, self.filter
        assert pipeline is not None
        back = next((s for s in self.stages if s.id == entry.before.stage_id), None)

        def work(_task: Task) -> Moved:
            deal = board.undo_move(user, entry.deal_id, entry.version, entry.before)
            stage = back or Stage.get_by_id(entry.before.stage_id)
            moved = Moved(entry.deal_id, entry.name, stage, entry.before, deal.version)
            moved.totals = board.column_totals(user, pipeline, flt)
            return moved

        self._run_move(work, entry.deal_id, entry.name, "undo the move", undo=True)

    def _card_menu(self, column: StageColumn, pos: QPoint) -> None:
        index = column.view.indexAt(pos)
        if not index.isValid():
            return
        deal_id = column.model.ids[index.row()]
        menu = QMenu(self)
        menu.addAction("Open deal", lambda: self.open_deal(deal_id))
        move_to = menu.addMenu("Move to")
        for stage in self.stages:
            if stage.id != column.stage.id:
                move_to.addAction(stage.name, partial(self.move_deal, deal_id, stage, 0))
        menu.popup(column.view.viewport().mapToGlobal(pos))
