"""The calendar pane: day, week, month and agenda views of the appointments the user may see.

The occurrences of the shown range are read in an ``Operation`` (only series overlapping the
range are expanded) and painted by the views of ``views.py``. Dragging or keyboard moves on
an event move or resize it; a recurring one first asks "this / this and following / all".
The CRM's default calendar is editable; events of other calendars are greyed and read-only.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from desktopcrm.qt import (
    QButtonGroup,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QPushButton,
    QScrollArea,
    QShortcut,
    QShowEvent,
    QStackedWidget,
    Qt,
    QTimer,
    QToolButton,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desktopcrm.services.calendar import EditScope, Occurrence
from desktopcrm.views.calendar.layout import LocalOccurrence, month_days, week_days
from desktopcrm.views.calendar.scope_dialog import ask_scope
from desktopcrm.views.calendar.style import apply_calendar_style
from desktopcrm.views.calendar.views import (
    HOUR_HEIGHT,
    AgendaList,
    AllDayHeader,
    CalendarView,
    MonthGrid,
    TimeGrid,
)
from desktopcrm.views.context import AppContext
from desktopcrm.views.local_time import local_zone, to_local, to_utc
from desktopcrm.views.notifications.posting import Posted
from desktopcrm.views.operations import Operation, failure_text, show_failure

MODES = ("day", "week", "month", "agenda")
AGENDA_DAYS = 30


class CalendarScreen(QWidget):
    """Args:
    context: the workspace and its change signals.
    today: the date shown as today (tests fix it); the system's by default.
    """

    loaded = Signal()

    def __init__(self, context: AppContext, *, today: dt.date | None = None) -> None:
        super().__init__()
        self.context = context
        self._today = today
        self.mode = "week"
        self.anchor = self.today()
        self.occurrences: list[Occurrence] = []
        self.loading: Operation | None = None
        self._again = False
        self._stale = True
        self._scrolled = False

        self.title = QLabel()
        self.title.setObjectName("CalendarTitle")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() + 2)
        font.setBold(True)
        self.title.setFont(font)
        today_button = QPushButton("Today")
        today_button.setObjectName("CalendarToday")
        today_button.clicked.connect(self.go_today)
        previous = QToolButton()
        previous.setText("‹")
        previous.setObjectName("CalendarPrevious")
        previous.setToolTip("Previous (Page Up)")
        previous.clicked.connect(lambda: self.shift(-1))
        following = QToolButton()
        following.setText("›")
        following.setObjectName("CalendarNext")
        following.setToolTip("Next (Page Down)")
        following.clicked.connect(lambda: self.shift(1))
        self.mode_buttons = QButtonGroup(self)
        modes = QHBoxLayout()
        modes.setSpacing(0)
        for index, mode in enumerate(MODES):
            button = QPushButton(mode.capitalize())
            button.setObjectName(f"CalendarMode-{mode}")
            button.setCheckable(True)
            button.setProperty("calendarMode", True)
            button.setToolTip(f"{mode.capitalize()} view ({mode[0].upper()})")
            self.mode_buttons.addButton(button, index)
            modes.addWidget(button)
        self.mode_buttons.idClicked.connect(lambda index: self.set_mode(MODES[index]))
        new_button = QPushButton("New appointment…")
        new_button.setObjectName("NewAppointment")
        new_button.clicked.connect(lambda: self.new_appointment())
        import_button = QToolButton()
        import_button.setText("Import .ics…")
        import_button.clicked.connect(self._import_clicked)
        export_button = QToolButton()
        export_button.setText("Export .ics…")
        export_button.clicked.connect(self._export_clicked)
        self.legend = QLabel()
        self.legend.setObjectName("CalendarLegend")
        self.legend.setTextFormat(Qt.TextFormat.RichText)

        bar = QHBoxLayout()
        bar.addWidget(today_button)
        bar.addWidget(previous)
        bar.addWidget(following)
        bar.addSpacing(8)
        bar.addWidget(self.title, 1)
        bar.addLayout(modes)
        bar.addSpacing(12)
        bar.addWidget(new_button)
        second = QHBoxLayout()
        second.addWidget(self.legend, 1)
        second.addWidget(import_button)
        second.addWidget(export_button)

        self.header = AllDayHeader()
        self.grid = TimeGrid()
        self.grid_scroll = QScrollArea()
        self.grid_scroll.setWidget(self.grid)
        self.grid_scroll.setWidgetResizable(True)
        self.grid_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.grid_scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        scroll_bar = self.grid_scroll.verticalScrollBar()
        self.header.right_margin = float(scroll_bar.sizeHint().width() if scroll_bar else 0)
        time_page = QWidget()
        time_layout = QVBoxLayout(time_page)
        time_layout.setContentsMargins(0, 0, 0, 0)
        time_layout.setSpacing(0)
        time_layout.addWidget(self.header)
        time_layout.addWidget(self.grid_scroll, 1)
        self.month = MonthGrid()
        self.agenda = AgendaList()
        self.agenda_scroll = QScrollArea()
        self.agenda_scroll.setWidget(self.agenda)
        self.agenda_scroll.setWidgetResizable(True)
        self.agenda_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.stack = QStackedWidget()
        self.stack.setObjectName("CalendarViews")
        self.stack.addWidget(time_page)
        self.stack.addWidget(self.month)
        self.stack.addWidget(self.agenda_scroll)
        frame = QFrame()
        frame.setObjectName("CalendarFrame")
        frame.setFrameShape(QFrame.Shape.StyledPanel)
        frame_layout = QVBoxLayout(frame)
        frame_layout.setContentsMargins(1, 1, 1, 1)
        frame_layout.addWidget(self.stack)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(8)
        layout.addLayout(bar)
        layout.addLayout(second)
        layout.addWidget(frame, 1)

        for view in self.views():
            view.change_requested.connect(self.change)
            view.create_requested.connect(self._create_requested)
            view.edit_requested.connect(self.edit)
            view.delete_requested.connect(self.delete)
            view.day_requested.connect(self.show_day)
        for key, action in (
            ("PgUp", lambda: self.shift(-1)),
            ("PgDown", lambda: self.shift(1)),
            ("T", self.go_today),
            ("D", lambda: self.set_mode("day")),
            ("W", lambda: self.set_mode("week")),
            ("M", lambda: self.set_mode("month")),
            ("A", lambda: self.set_mode("agenda")),
            ("N", lambda: self.new_appointment()),
        ):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(action)
        context.records_changed.connect(self._records_changed)
        context.database_changed.connect(self.refresh)
        context.user_changed.connect(self.refresh)
        if context.theme is not None:
            context.theme.changed.connect(lambda _s: [v.update() for v in self.views()])
        apply_calendar_style(self, context)
        self.set_mode("week")

    # ---- state -------------------------------------------------------------

    def today(self) -> dt.date:
        return self._today or to_local(dt.datetime.now(dt.UTC).replace(tzinfo=None)).date()

    def views(self) -> list[CalendarView]:
        return [self.header, self.grid, self.month, self.agenda]

    def active_views(self) -> list[CalendarView]:
        views: dict[str, list[CalendarView]] = {
            "day": [self.header, self.grid],
            "week": [self.header, self.grid],
            "month": [self.month],
            "agenda": [self.agenda],
        }
        return views[self.mode]

    def days(self) -> list[dt.date]:
        if self.mode == "day":
            return [self.anchor]
        if self.mode == "week":
            return week_days(self.anchor)
        if self.mode == "month":
            return month_days(self.anchor)
        return [self.anchor + dt.timedelta(days=i) for i in range(AGENDA_DAYS)]

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        button = self.mode_buttons.button(MODES.index(mode))
        if button is not None:
            button.setChecked(True)
        self.stack.setCurrentIndex({"day": 0, "week": 0, "month": 1, "agenda": 2}[mode])
        self.refresh()

    def shift(self, step: int) -> None:
        """Show the previous (-1) or next (1) day, week, month or agenda page."""
        if self.mode == "day":
            self.anchor += dt.timedelta(days=step)
        elif self.mode == "week":
            self.anchor += dt.timedelta(weeks=step)
        elif self.mode == "agenda":
            self.anchor += dt.timedelta(days=step * AGENDA_DAYS)
        else:
            month = self.anchor.month - 1 + step
            self.anchor = dt.date(self.anchor.year + month // 12, month % 12 + 1, 1)
        self.refresh()

    def go_today(self) -> None:
        self.anchor = self.today()
        self.refresh()

    def show_day(self, day: dt.date) -> None:
        self.anchor = day
        self.set_mode("day")

    def _title_text(self) -> str:
        days = self.days()
        if self.mode == "day":
            return f"{self.anchor:%A %d %B %Y}"
        if self.mode == "month":
            return f"{self.anchor:%B %Y}"
        first, last = days[0], days[-1]
        if first.month == last.month:
            return f"{first.day}–{last.day} {last:%B %Y}"
        return f"{first:%d %b} – {last:%d %b %Y}"

    # ---- loading -----------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()
        if not self._scrolled:
            self._scrolled = True
            QTimer.singleShot(
                0, lambda: self.grid_scroll.verticalScrollBar().setValue(int(7.5 * HOUR_HEIGHT))
            )

    @property
    def busy(self) -> bool:
        return self._again or (self.loading is not None and self.loading.running)

    def _records_changed(self, table: str) -> None:
        if table in ("appointment", "calendar", "attendee"):
            self.refresh()

    def refresh(self) -> None:
        """Read the shown range again in the background (a hidden screen when shown next)."""
        self.title.setText(self._title_text())
        if not self.context.database_open:
            return
        if not self.isVisible():
            self._stale = True
            return
        self._stale = False
        if self.loading is not None and self.loading.running:
            self._again = True
            return
        from desktopcrm.services import calendar

        days, tz, user = self.days(), local_zone(), self.context.user
        lo = to_utc(dt.datetime.combine(days[0], dt.time()), tz)
        hi = to_utc(dt.datetime.combine(days[-1] + dt.timedelta(days=1), dt.time()), tz)

        def work(_task: Any) -> tuple[list[Occurrence], dict[Any, str], list[Any]]:
            found = calendar.occurrences(user, lo, hi, tz=tz)
            details = calendar.attendee_summaries(o.appointment.id for o in found)
            return found, details, calendar.list_calendars()

        self.loading = Operation(
            self, work, on_success=lambda result: self._show(days, *result), title="load calendar"
        ).run()

    def _show(
        self,
        days: list[dt.date],
        found: list[Occurrence],
        details: dict[Any, str],
        calendars: list[Any],
    ) -> None:
        self.occurrences = found
        items = [local_item(o) for o in found]
        today = self.today()
        if days == self.days():
            for view in self.active_views():
                if isinstance(view, MonthGrid):
                    view.month = self.anchor.month
                view.set_data(days, items, today, details)
        self.legend.setText(
            "  ".join(
                f'<span style="color:{c.color}">●</span> {c.name}'
                + ("" if c.editable else " <i>(read-only)</i>")
                for c in calendars
            )
        )
        if self._again or days != self.days():
            self._again = False
            self.refresh()
            return
        self.loaded.emit()

    # ---- changes -----------------------------------------------------------

    def change(self, occurrence: Occurrence, start: dt.datetime, end: dt.datetime) -> None:
        """Move or resize ``occurrence`` to ``start``-``end`` (local wall times), asking the
        scope first when it is recurring."""
        if not occurrence.editable:
            return
        if occurrence.is_recurring:
            ask_scope(self, "Move", lambda scope: self._apply(occurrence, start, end, scope))
        else:
            self._apply(occurrence, start, end, EditScope.ALL)

    def _apply(
        self, occurrence: Occurrence, start: dt.datetime, end: dt.datetime, scope: EditScope
    ) -> None:
        from desktopcrm.models.errors import DatabaseError
        from desktopcrm.services import calendar
        from desktopcrm.services.errors import ServiceError

        if not occurrence.all_day:
            tz = local_zone()
            start, end = to_utc(start, tz), to_utc(end, tz)
        try:
            calendar.update_appointment(
                self.context.user,
                occurrence.appointment,
                {"start_at": start, "end_at": end},
                original_start=occurrence.original_start,
                scope=scope,
            )
        except (ServiceError, DatabaseError) as exc:
            show_failure(self, "move the appointment", exc)
        self.context.records_changed.emit("appointment")

    def delete(self, occurrence: Occurrence) -> None:
        if not occurrence.editable:
            return
        if occurrence.is_recurring:
            ask_scope(self, "Delete", lambda scope: self._delete(occurrence, scope))
        else:
            self._delete(occurrence, EditScope.ALL)

    def _delete(self, occurrence: Occurrence, scope: EditScope) -> None:
        from desktopcrm.services import calendar

        calendar.delete_appointment(
            self.context.user,
            occurrence.appointment,
            original_start=occurrence.original_start,
            scope=scope,
        )
        self.context.message.emit(f"Deleted “{occurrence.title}”")
        self.context.records_changed.emit("appointment")

    def edit(self, occurrence: Occurrence) -> Any:
        from desktopcrm.views.calendar.appointment_dialog import open_appointment_dialog

        return open_appointment_dialog(self.context, self, occurrence=occurrence)

    def _create_requested(self, start: dt.datetime, end: dt.datetime, all_day: bool) -> None:
        self.new_appointment(start, end, all_day)

    def new_appointment(
        self,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
        all_day: bool = False,
    ) -> Any:
        from desktopcrm.views.calendar.appointment_dialog import open_appointment_dialog

        return open_appointment_dialog(self.context, self, start=start, end=end, all_day=all_day)

    # ---- iCalendar ---------------------------------------------------------

    def _export_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export the CRM calendar", "calendar.ics", "iCalendar (*.ics)"
        )
        if path:
            self.export_to(Path(path))

    def _import_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import appointments", "", "iCalendar (*.ics);;All files (*)"
        )
        if path:
            self.import_from(Path(path))

    def export_to(self, path: Path) -> Operation:
        """Write the CRM calendar's appointments and the user's tasks to ``path`` (.ics)."""
        from desktopcrm.services import calendar, ical, job_notifications

        user, context = self.context.user, self.context
        posted = Posted()

        def work(_task: Any) -> str:
            try:
                data = ical.export_calendar(user, calendar.default_calendar(user))
                path.write_bytes(data)
            except Exception as exc:
                posted.run(
                    job_notifications.export_failed, user, "the calendar", path, failure_text(exc)
                )
                raise
            events, todos = ical.count_components(data)
            what = (
                f"{job_notifications.count(events, 'appointments')} and "
                f"{job_notifications.count(todos, 'tasks')}"
            )
            posted.run(job_notifications.export_finished, user, what, path)
            return what

        operation = Operation(
            self,
            work,
            on_success=lambda what: context.message.emit(f"Exported {what} to {path}"),
            title="export the calendar",
        )
        operation.finished.connect(lambda: posted.deliver(context))
        return operation.run()

    def import_from(self, path: Path) -> Operation:
        """Add the events and tasks of an .ics file (the same ones again are updated)."""
        from desktopcrm.services import ical, job_notifications

        user, context = self.context.user, self.context
        posted = Posted()

        def work(_task: Any) -> Any:
            try:
                result = ical.import_ics(user, path.read_bytes())
            except Exception as exc:
                posted.run(
                    job_notifications.import_failed,
                    user,
                    "appointments and tasks",
                    path,
                    failure_text(exc),
                )
                raise
            posted.run(
                job_notifications.calendar_imported,
                user,
                path,
                result.created,
                result.updated,
                len(result.skipped),
            )
            return result

        def done(result: Any) -> None:
            skipped = f", {len(result.skipped)} skipped" if result.skipped else ""
            self.context.message.emit(
                f"Imported {result.created} new and {result.updated} updated appointments and "
                f"tasks{skipped}"
            )
            self.context.records_changed.emit("appointment")
            self.context.records_changed.emit("task")

        operation = Operation(self, work, on_success=done, title="import appointments")
        operation.finished.connect(lambda: posted.deliver(context))
        return operation.run()


def local_item(occurrence: Occurrence) -> LocalOccurrence:
    """An occurrence in the viewer's wall time (all-day ones are floating already)."""
    if occurrence.all_day:
        return LocalOccurrence(occurrence, occurrence.start, occurrence.end)
    return LocalOccurrence(occurrence, to_local(occurrence.start), to_local(occurrence.end))
