"""The Dashboard: the first screen of the window.

Left, the chosen pipeline's open deals per stage (a chart) and the deals won, lost and
unqualified in the last 30 days; centre, the account's activity feed (a click opens the
record, scrolling down reads the next page); right, tasks due today or overdue (tick one done)
and the coming appointments. A scope switch (managers: My team / Mine; admins: Everyone /
Mine) narrows everything to one's own. The cards paint at once with placeholders; the feed's
first page, the figures and the agenda are read in three ``Operation``s, each card filled as
its read arrives, and read again when this app or another one changes the database.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from desktopcrm.qt import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListView,
    QModelIndex,
    QMouseEvent,
    QShowEvent,
    Qt,
    QTabBar,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desktopcrm.services.dashboard import Agenda, Figures, Scope
from desktopcrm.views.context import AppContext
from desktopcrm.views.dashboard import money
from desktopcrm.views.dashboard.agenda_panel import AgendaPanel
from desktopcrm.views.dashboard.feed_delegate import FeedDelegate
from desktopcrm.views.dashboard.feed_model import FeedModel
from desktopcrm.views.dashboard.skeleton import Skeleton
from desktopcrm.views.dashboard.style import apply_dashboard_style
from desktopcrm.views.dashboard.summary_panel import SummaryPanel, card
from desktopcrm.views.local_time import local_zone, utc_now
from desktopcrm.views.operations import Operation

#: Tables whose changes the dashboard shows (figures, feed, tasks, appointments).
WATCHED = {"deal", "contact", "lead", "note", "task", "appointment", "pipeline", "stage", "users"}
TITLES = {
    "feed": "read the activity feed",
    "figures": "read the pipeline's figures",
    "agenda": "read the tasks and appointments",
}


class FeedView(QListView):
    """The feed's list: the row under the mouse is highlighted when a click opens it."""

    def __init__(self, delegate: FeedDelegate) -> None:
        super().__init__()
        self.delegate = delegate
        self.setMouseTracking(True)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        row = self.indexAt(event.position().toPoint()).row()
        if row != self.delegate.hovered:
            self.delegate.hovered = row
            self.viewport().update()
        model: Any = self.model()
        item = model.item(row) if model is not None else None
        clickable = item is not None and item.record_id is not None
        self.viewport().setCursor(
            Qt.CursorShape.PointingHandCursor if clickable else Qt.CursorShape.ArrowCursor
        )
        super().mouseMoveEvent(event)

    def leaveEvent(self, event: Any) -> None:
        self.delegate.hovered = -1
        self.viewport().update()
        super().leaveEvent(event)


class DashboardScreen(QWidget):
    """Args:
    context: the workspace and its change signals.
    clock: naive UTC now (tests pass a fixed instant).

    The screen paints its cards at once, with placeholders (``Skeleton``) where their content
    goes; three reads run in ``Operation``s (the feed's first page, the figures, the tasks and
    appointments) and each card is filled as its read arrives. ``loaded`` is emitted when a
    round of reads has been shown.
    """

    loaded = Signal()

    def __init__(
        self, context: AppContext, *, clock: Callable[[], dt.datetime] | None = None
    ) -> None:
        super().__init__()
        self.setObjectName("DashboardScreen")
        self.context = context
        self.now = clock or utc_now
        self.scope: Scope | None = None
        self.pipeline_id: uuid.UUID | None = None
        #: The reads running or done last, by part ("feed", "figures", "agenda").
        self.reads: dict[str, Operation] = {}
        #: Bumped when the scope or the user changes: older reads' results are dropped.
        self.generation = 0
        self._again = ""  # "", "changes" or "all": what to read once the running reads end
        self._stale = True

        self.greeting = QLabel()
        self.greeting.setObjectName("SectionTitle")
        self.scopes = QTabBar()
        self.scopes.setObjectName("Segments")
        self.scopes.setAccessibleName("Whose activity")
        self.scopes.setExpanding(False)
        self.scopes.setDrawBase(False)
        kept = self.scopes.sizePolicy()
        kept.setRetainSizeWhenHidden(True)  # the greeting does not move when it shows
        self.scopes.setSizePolicy(kept)
        self.scopes.addTab("Everyone")  # its height while the scopes are read
        self.scopes.hide()
        self.scopes.currentChanged.connect(self._scope_chosen)
        top = QHBoxLayout()
        top.addWidget(self.greeting)
        top.addStretch(1)
        top.addWidget(self.scopes)

        self.summary = SummaryPanel()
        self.summary.setMinimumWidth(350)
        self.summary.setMaximumWidth(380)
        self.summary.pipeline_chosen.connect(self._pipeline_chosen)
        self.agenda = AgendaPanel()
        self.agenda.setMinimumWidth(290)
        self.agenda.setMaximumWidth(340)
        self.agenda.done_requested.connect(self.mark_done)
        self.agenda.open_requested.connect(self.context.open_record.emit)

        feed_card, feed_body, feed_header = card("Activity", "feed")
        self.feed_model = FeedModel(lambda: self.context.user, self)
        self.feed_delegate = FeedDelegate(self, clock=self.now)
        self.feed = FeedView(self.feed_delegate)
        self.feed.setObjectName("ActivityFeed")
        self.feed.setAccessibleName("Activity feed")
        self.feed.setModel(self.feed_model)
        self.feed.setItemDelegate(self.feed_delegate)
        self.feed.setUniformItemSizes(True)
        self.feed.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.feed.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.feed.clicked.connect(self.open_item)
        self.feed.activated.connect(self.open_item)
        self.feed.hide()
        self.feed_placeholder = Skeleton("feed")
        self.feed_empty = QLabel("No activity yet: what you and your team do shows up here.")
        self.feed_empty.setObjectName("FeedEmpty")
        self.feed_empty.setWordWrap(True)
        self.feed_empty.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.feed_empty.hide()
        feed_body.addWidget(self.feed, 1)
        feed_body.addWidget(self.feed_placeholder, 1)
        feed_body.addWidget(self.feed_empty, 1)  # takes the card's height when it shows
        # The feed's rows reach nearer the card's edges than the other cards' text; the title
        # and the empty text line up with the other cards' (16 px in).
        feed_body.setContentsMargins(6, 14, 6, 6)
        feed_header.setContentsMargins(10, 0, 10, 0)
        self.feed_empty.setContentsMargins(10, 0, 10, 0)
        self.feed_model.loaded.connect(lambda _n: self._feed_loaded())

        columns = QHBoxLayout()
        columns.setSpacing(14)
        # The feed takes what the side columns leave; they narrow first on a small window.
        columns.addWidget(self.summary, 2)
        columns.addWidget(feed_card, 5)
        columns.addWidget(self.agenda, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 14, 20, 16)
        layout.setSpacing(12)
        layout.addLayout(top)
        layout.addLayout(columns, 1)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self.refresh_changes)
        self._minute = QTimer(self)
        self._minute.setInterval(60_000)
        self._minute.timeout.connect(self.feed.viewport().update)
        self._minute.start()
        context.records_changed.connect(self._records_changed)
        context.database_changed.connect(self._debounce.start)
        context.user_changed.connect(self._user_changed)
        context.database_reopened.connect(self.refresh)
        if context.theme is not None:
            context.theme.changed.connect(lambda _s: self.update())
        apply_dashboard_style(self, context)
        self._greet()
        self.refresh()

    # ---- reading -----------------------------------------------------------

    @property
    def reading(self) -> bool:
        return any(op.running for op in self.reads.values())

    @property
    def busy(self) -> bool:
        """Whether figures are being read (or will be read again)."""
        return bool(self._again) or self.reading

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            # Queued behind the paint the show asked for: the frame and its placeholders
            # paint first, without the reads' workers competing with it.
            QTimer.singleShot(0, self._shown)

    def _shown(self) -> None:
        if self._stale:
            self.refresh()

    def _greet(self) -> None:
        hour = dt.datetime.now().hour
        part = "morning" if hour < 12 else "afternoon" if hour < 18 else "evening"
        first = str(self.context.user.name).split(" ")[0]
        self.greeting.setText(f"Good {part}, {first}")

    def _may_read(self) -> bool:
        if not self.context.database_open:
            return False
        if not self.isVisible():
            self._stale = True
            return False
        self._stale = False
        return True

    def refresh(self) -> None:
        """Read everything again (the feed's first page, the figures, the agenda), each in the
        background; a hidden screen reads it when shown next."""
        if not self._may_read():
            return
        if self.reading:
            self.generation += 1  # what the running reads bring is out of date
            self._again = "all"
            return
        self._read_feed()
        self._read_figures()
        self._read_agenda()

    def refresh_changes(self) -> None:
        """After a change: the figures and the agenda again, and the feed's new entries on
        top."""
        if not self._may_read():
            return
        if self.reading:
            self._again = self._again or "changes"
            return
        self._read_figures()
        self._read_agenda()
        self.feed_model.refresh()

    def _read(self, part: str, work: Callable[[], Any], show: Callable[[Any], None]) -> None:
        generation = self.generation

        def shown(result: Any) -> None:
            if generation == self.generation:
                show(result)

        operation = Operation(self, lambda _task: work(), on_success=shown, title=TITLES[part])
        operation.finished.connect(self._read_done)
        self.reads[part] = operation.run()

    def _read_feed(self) -> None:
        from desktopcrm.models import ChangeLog
        from desktopcrm.services import activity, dashboard

        user, scope = self.context.user, self.scope

        def work() -> tuple[Scope, activity.FeedPage, int]:
            money.prepare()
            chosen, _ = dashboard.choose_scope(user, scope)
            last_seq = ChangeLog.last_seq()
            return chosen, activity.feed_page(user, scope=chosen), last_seq

        self._read("feed", work, lambda result: self.feed_model.show_first(*result))

    def _read_figures(self) -> None:
        from desktopcrm.services import dashboard

        user, scope, pipeline_id, now = self.context.user, self.scope, self.pipeline_id, self.now()

        def work() -> dashboard.Figures:
            money.prepare()
            return dashboard.load_figures(user, scope=scope, pipeline_id=pipeline_id, now=now)

        self._read("figures", work, self._show_figures)

    def _read_agenda(self) -> None:
        from desktopcrm.services import dashboard

        user, scope, now = self.context.user, self.scope, self.now()

        def work() -> dashboard.Agenda:
            tz = local_zone()
            return dashboard.load_agenda(user, scope=scope, now=now, tz=tz)

        self._read("agenda", work, self._show_agenda)

    def _show_figures(self, figures: Figures) -> None:
        self.scope = figures.scope
        self.pipeline_id = figures.summary.pipeline_id if figures.summary else None
        self._fill_scopes(figures)
        self.summary.set_pipelines(figures.pipelines, figures.summary)
        self.summary.show_summary(figures.summary)

    def _show_agenda(self, agenda: Agenda) -> None:
        wide = agenda.scope is not Scope.OWN
        now = self.now()
        self.agenda.show_tasks(agenda.tasks, now, show_assignee=wide)
        self.agenda.show_appointments(agenda.appointments, now, show_owner=wide)

    def _read_done(self) -> None:
        if self.reading:
            return
        again, self._again = self._again, ""
        if again == "all":
            self.refresh()
        elif again:
            self.refresh_changes()
        else:
            self.loaded.emit()

    def _feed_loaded(self) -> None:
        empty = self.feed_model.rowCount() == 0 and not self.feed_model.has_more
        self.feed_placeholder.hide()
        self.feed_empty.setVisible(empty)
        self.feed.setVisible(not empty)

    def _fill_scopes(self, board: Figures) -> None:
        self.scopes.blockSignals(True)
        while self.scopes.count():
            self.scopes.removeTab(0)
        for scope in board.scopes:
            index = self.scopes.addTab(scope.label)
            self.scopes.setTabData(index, scope.value)
        self.scopes.setCurrentIndex(board.scopes.index(board.scope))
        self.scopes.setVisible(len(board.scopes) > 1)
        self.scopes.blockSignals(False)

    # ---- choices -----------------------------------------------------------

    def _scope_chosen(self, index: int) -> None:
        value = self.scopes.tabData(index)
        if value and value != (self.scope.value if self.scope else None):
            self.set_scope(Scope(value))

    def set_scope(self, scope: Scope) -> None:
        """Show ``scope`` (figures and feed read again)."""
        self.scope = scope
        self.generation += 1
        self.refresh()

    def _pipeline_chosen(self, value: str) -> None:
        self.pipeline_id = uuid.UUID(value)
        self.refresh_changes()

    def _records_changed(self, table: str) -> None:
        if table in WATCHED:
            self._debounce.start()

    def _user_changed(self) -> None:
        self.scope = None
        self.generation += 1
        self._greet()
        self.refresh()

    # ---- actions -----------------------------------------------------------

    def open_item(self, index: QModelIndex) -> None:
        """Open the record a feed entry is about (nothing for removed records)."""
        item = self.feed_model.item(index.row())
        if item is not None and item.record_type and item.record_id is not None:
            self.context.open_record.emit(item.record_type, item.record_id.hex)

    def mark_done(self, task_id: uuid.UUID) -> None:
        """Tick a task done (through the tasks service), then read the figures again."""
        from desktopcrm.models.errors import DatabaseError
        from desktopcrm.services import tasks
        from desktopcrm.services.errors import ServiceError
        from desktopcrm.views.operations import show_failure

        try:
            task = tasks.get_task(self.context.user, task_id)
            tasks.complete_task(self.context.user, task)
        except (ServiceError, DatabaseError) as exc:
            show_failure(self, "mark the task done", exc)
            self.refresh_changes()
            return
        self.context.records_changed.emit("task")
        self.context.message.emit(f"Marked “{task.title}” done")
