"""The Dashboard: the first screen of the window.

Left, the chosen pipeline's open deals per stage (a chart) and the deals won, lost and
unqualified in the last 30 days; centre, the account's activity feed (a click opens the
record, scrolling down reads the next page); right, tasks due today or overdue (tick one done)
and the coming appointments. A scope switch (managers: My team / Mine; admins: Everyone /
Mine) narrows everything to one's own. Figures are read in an ``Operation`` and read again
when this app or another one changes the database.
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
from desktopcrm.services.dashboard import Dashboard, Scope
from desktopcrm.views.context import AppContext
from desktopcrm.views.dashboard.agenda_panel import AgendaPanel
from desktopcrm.views.dashboard.feed_delegate import FeedDelegate
from desktopcrm.views.dashboard.feed_model import FeedModel
from desktopcrm.views.dashboard.style import apply_dashboard_style
from desktopcrm.views.dashboard.summary_panel import SummaryPanel, card
from desktopcrm.views.local_time import local_zone, utc_now
from desktopcrm.views.operations import Operation

#: Tables whose changes the dashboard shows (figures, feed, tasks, appointments).
WATCHED = {"deal", "contact", "lead", "note", "task", "appointment", "pipeline", "stage", "users"}


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
        self.data: Dashboard | None = None
        self.loading: Operation | None = None
        self._again = False
        self._stale = True

        self.greeting = QLabel()
        self.greeting.setObjectName("SectionTitle")
        self.scopes = QTabBar()
        self.scopes.setObjectName("Segments")
        self.scopes.setAccessibleName("Whose activity")
        self.scopes.setExpanding(False)
        self.scopes.setDrawBase(False)
        self.scopes.currentChanged.connect(self._scope_chosen)
        top = QHBoxLayout()
        top.addWidget(self.greeting)
        top.addStretch(1)
        top.addWidget(self.scopes)

        self.summary = SummaryPanel()
        self.summary.setFixedWidth(380)
        self.summary.pipeline_chosen.connect(self._pipeline_chosen)
        self.agenda = AgendaPanel()
        self.agenda.setFixedWidth(330)
        self.agenda.done_requested.connect(self.mark_done)
        self.agenda.open_requested.connect(self.context.open_record.emit)

        feed_card, feed_body, _ = card("Activity", "feed")
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
        self.feed_empty = QLabel("No activity yet: what you and your team do shows up here.")
        self.feed_empty.setObjectName("FeedEmpty")
        self.feed_empty.setWordWrap(True)
        self.feed_empty.hide()
        feed_body.addWidget(self.feed, 1)
        feed_body.addWidget(self.feed_empty)
        feed_body.setContentsMargins(6, 14, 6, 6)
        self.feed_model.loaded.connect(lambda _n: self._feed_loaded())

        columns = QHBoxLayout()
        columns.setSpacing(14)
        columns.addWidget(self.summary)
        columns.addWidget(feed_card, 1)
        columns.addWidget(self.agenda)
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
    def busy(self) -> bool:
        """Whether figures are being read (or will be read again)."""
        return self._again or (self.loading is not None and self.loading.running)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def _greet(self) -> None:
        hour = dt.datetime.now().hour
        part = "morning" if hour < 12 else "afternoon" if hour < 18 else "evening"
        first = str(self.context.user.name).split(" ")[0]
        self.greeting.setText(f"Good {part}, {first}")

    def refresh(self) -> None:
        """Read everything again (figures and the feed's first page) in the background; a
        hidden screen reads it when shown next."""
        if not self.context.database_open:
            return
        if not self.isVisible():
            self._stale = True
            return
        self._stale = False
        if self.loading is not None and self.loading.running:
            self._again = True
            return
        from desktopcrm.models import ChangeLog
        from desktopcrm.services import activity, dashboard

        user, scope, pipeline_id = self.context.user, self.scope, self.pipeline_id
        now, tz = self.now(), local_zone()

        def work(_task: Any) -> tuple[Dashboard, activity.FeedPage, int]:
            board = dashboard.load_dashboard(
                user, scope=scope, pipeline_id=pipeline_id, now=now, tz=tz
            )
            last_seq = ChangeLog.last_seq()
            return board, activity.feed_page(user, scope=board.scope), last_seq

        self.loading = Operation(self, work, on_success=self._show_all, title="load the dashboard")
        self.loading.run()

    def refresh_changes(self) -> None:
        """After a change: the figures again, and the feed's new entries on top."""
        if not self.context.database_open:
            return
        if not self.isVisible():
            self._stale = True
            return
        if self.loading is not None and self.loading.running:
            self._again = True
            return
        from desktopcrm.services import dashboard

        user, scope, pipeline_id = self.context.user, self.scope, self.pipeline_id
        now, tz = self.now(), local_zone()
        self.loading = Operation(
            self,
            lambda _task: dashboard.load_dashboard(
                user, scope=scope, pipeline_id=pipeline_id, now=now, tz=tz
            ),
            on_success=self._show_board,
            title="load the dashboard",
        ).run()
        self.feed_model.refresh()

    def _show_all(self, result: Any) -> None:
        board, page, last_seq = result
        self._show_board(board, done=False)
        self.feed_model.show_first(board.scope, page, last_seq)
        self._finish()

    def _show_board(self, board: Dashboard, done: bool = True) -> None:
        self.data = board
        self.scope = board.scope
        self.pipeline_id = board.summary.pipeline_id if board.summary else None
        self._fill_scopes(board)
        self.summary.set_pipelines(board.pipelines, board.summary)
        self.summary.show_summary(board.summary)
        wide = board.scope is not Scope.OWN
        now = self.now()
        self.agenda.show_tasks(board.tasks, now, show_assignee=wide)
        self.agenda.show_appointments(board.appointments, now, show_owner=wide)
        if done:
            self._finish()

    def _finish(self) -> None:
        if self._again:
            self._again = False
            self.refresh_changes()
            return
        self.loaded.emit()

    def _feed_loaded(self) -> None:
        empty = self.feed_model.rowCount() == 0 and not self.feed_model.has_more
        self.feed_empty.setVisible(empty)
        self.feed.setVisible(not empty)

    def _fill_scopes(self, board: Dashboard) -> None:
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
        self.refresh()

    def _pipeline_chosen(self, value: str) -> None:
        self.pipeline_id = uuid.UUID(value)
        self.refresh_changes()

    def _records_changed(self, table: str) -> None:
        if table in WATCHED:
            self._debounce.start()

    def _user_changed(self) -> None:
        self.scope = None
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
