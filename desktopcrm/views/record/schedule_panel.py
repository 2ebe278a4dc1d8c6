"""The tasks and appointments of a record page: open tasks (overdue in red) with a tick box,
the latest done ones, upcoming and past appointments; add a task or an appointment linked to
the record; a click on a title opens it. Read in an ``Operation`` each time the page loads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from desktopcrm.models.records import Contact
from desktopcrm.qt import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
)
from desktopcrm.services.record_details import RecordDetails
from desktopcrm.services.record_schedule import RecordSchedule
from desktopcrm.services.tasks import TaskRow
from desktopcrm.views.context import AppContext
from desktopcrm.views.icons import icon
from desktopcrm.views.local_time import describe_due, utc_now
from desktopcrm.views.operations import Operation
from desktopcrm.views.record.widgets import Card, error_label

if TYPE_CHECKING:
    from desktopcrm.services.calendar import Occurrence
    from desktopcrm.views.record.picker import PickedRecord


def _muted(text: str, name: str = "RowSubtitle") -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    label.setWordWrap(True)
    return label


class TaskLine(QWidget):
    """A tick box, the title (opens the task) and when it is due."""

    def __init__(self, row: TaskRow, now: dt.datetime, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.row = row
        self.setObjectName("ScheduleTask")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        self.tick = QCheckBox()
        self.tick.setChecked(row.done)
        self.tick.setAccessibleName(f"Done: {row.title}")
        self.tick.setToolTip("Mark as open again" if row.done else "Mark as done")
        layout.addWidget(self.tick, 0, Qt.AlignmentFlag.AlignTop)
        column = QVBoxLayout()
        column.setSpacing(0)
        self.link = QPushButton(row.title)
        self.link.setObjectName("RecordLink")
        self.link.setCursor(Qt.CursorShape.PointingHandCursor)
        self.link.setAccessibleName(f"Edit task {row.title}")
        if row.done:
            font = self.link.font()
            font.setStrikeOut(True)
            self.link.setFont(font)
        column.addWidget(self.link, 0, Qt.AlignmentFlag.AlignLeft)
        parts = []
        if row.done and row.done_at is not None:
            parts.append(f"Done {describe_due(row.done_at, now).lower()}")
        elif row.due_at is not None:
            parts.append(("Overdue since " if row.overdue else "Due ") + _lower(row, now))
        else:
            parts.append("No due date")
        if row.assignee_name:
            parts.append(row.assignee_name)
        self.when = _muted(" · ".join(parts), "OverdueText" if row.overdue else "RowSubtitle")
        column.addWidget(self.when)
        layout.addLayout(column, 1)


def _lower(row: TaskRow, now: dt.datetime) -> str:
    assert row.due_at is not None
    text = describe_due(row.due_at, now)
    first = text.split(" ")[0]
    return text[0].lower() + text[1:] if first in ("Today", "Tomorrow", "Yesterday") else text


class AppointmentLine(QWidget):
    """When, and the title (opens the appointment)."""

    def __init__(
        self, occurrence: Occurrence, now: dt.datetime, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.occurrence = occurrence
        self.setObjectName("ScheduleAppointment")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.link = QPushButton(occurrence.title)
        self.link.setObjectName("RecordLink")
        self.link.setCursor(Qt.CursorShape.PointingHandCursor)
        self.link.setAccessibleName(f"Open appointment {occurrence.title}")
        layout.addWidget(self.link, 0, Qt.AlignmentFlag.AlignLeft)
        when = "All day " + f"{occurrence.start:%d %b}" if occurrence.all_day else None
        text = when or describe_due(occurrence.start, now)
        if occurrence.series_id is not None:
            text += " · repeats"
        location = str(occurrence.appointment.location or "")
        if location:
            text += f" · {location}"
        self.when = _muted(text)
        layout.addWidget(self.when)


class SchedulePanel(Card):
    """Args:
    context: the workspace (its user's visibility, the dialogs' actor).
    clock: naive UTC now (overdue, upcoming and past are decided with it).
    """

    def __init__(
        self,
        context: AppContext,
        parent: QWidget | None = None,
        *,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        super().__init__("Tasks & appointments", parent)
        self._context = context
        self.clock = clock
        self.details: RecordDetails | None = None
        self.schedule: RecordSchedule | None = None
        self.operation: Operation | None = None
        self.task_lines: list[TaskLine] = []
        self.appointment_lines: list[AppointmentLine] = []
        buttons = QHBoxLayout()
        buttons.setSpacing(6)
        self.add_task_button = QPushButton(icon("tasks"), "Add task")
        self.add_task_button.setObjectName("AddRecordTask")
        self.add_task_button.setProperty("flat", True)
        self.add_task_button.clicked.connect(self.add_task)
        self.add_appointment_button = QPushButton(icon("calendar"), "Add appointment")
        self.add_appointment_button.setObjectName("AddRecordAppointment")
        self.add_appointment_button.setProperty("flat", True)
        self.add_appointment_button.clicked.connect(self.add_appointment)
        buttons.addWidget(self.add_task_button)
        buttons.addWidget(self.add_appointment_button)
        buttons.addStretch(1)
        self.body.addLayout(buttons)
        self.rows = QVBoxLayout()
        self.rows.setSpacing(8)
        self.body.addLayout(self.rows)
        self.error = error_label()
        self.body.addWidget(self.error)

    # ---- loading -------------------------------------------------------------

    def show_details(self, details: RecordDetails) -> None:
        self.details = details
        read_only = getattr(details.record, "converted_at", None) is not None
        self.add_task_button.setVisible(not read_only)
        self.add_appointment_button.setVisible(not read_only)
        self.reload()

    def reload(self) -> Operation | None:
        if self.details is None or not self._context.database_open:
            return None
        from desktopcrm.services.record_schedule import record_schedule

        user, now = self._context.user, self.clock()
        kind, record_id = self._record_type(), self.details.record.id
        self.operation = Operation(
            self,
            lambda _task: record_schedule(user, kind, record_id, now=now),
            on_success=self._loaded,
            title="read the record's tasks and appointments",
        ).run()
        return self.operation

    def _record_type(self) -> str:
        assert self.details is not None
        record = self.details.record
        if isinstance(record, Contact):
            return "contact"
        return "lead" if record.__class__.__name__ == "Lead" else "deal"

    def _loaded(self, schedule: RecordSchedule) -> None:
        self.schedule = schedule
        self._clear()
        now = self.clock()
        self._heading("Tasks")
        for row in schedule.open_tasks + schedule.done_tasks:
            line = TaskLine(row, now)
            line.tick.toggled.connect(lambda on, r=row: self.set_done(r, on))
            line.link.clicked.connect(lambda _c=False, r=row: self.edit_task(r))
            self.task_lines.append(line)
            self.rows.addWidget(line)
        if not schedule.open_tasks and not schedule.done_tasks:
            self.rows.addWidget(_muted("No tasks", "ScheduleEmpty"))
        hidden = schedule.done_count - len(schedule.done_tasks)
        if hidden > 0:
            self.rows.addWidget(_muted(f"…and {hidden} more done: see the Tasks screen"))
        self._heading("Appointments")
        for occurrence in schedule.upcoming:
            self._appointment(occurrence, now)
        if not schedule.upcoming:
            self.rows.addWidget(_muted("Nothing coming up", "ScheduleEmpty"))
        if schedule.past:
            self._heading("Past")
            for occurrence in schedule.past:
                self._appointment(occurrence, now)
            hidden = schedule.past_count - len(schedule.past)
            if hidden > 0:
                self.rows.addWidget(_muted(f"…and {hidden} earlier: see the calendar"))

    def _heading(self, text: str) -> None:
        label = QLabel(text)
        label.setObjectName("PanelHeading")
        self.rows.addWidget(label)

    def _appointment(self, occurrence: Occurrence, now: dt.datetime) -> None:
        line = AppointmentLine(occurrence, now)
        line.link.clicked.connect(lambda _c=False, o=occurrence: self.edit_appointment(o))
        self.appointment_lines.append(line)
        self.rows.addWidget(line)

    def _clear(self) -> None:
        self.task_lines, self.appointment_lines = [], []
        while self.rows.count():
            item = self.rows.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.deleteLater()

    # ---- actions -------------------------------------------------------------

    def _link(self) -> PickedRecord | None:
        from desktopcrm.views.record.picker import PickedRecord

        if self.details is None:
            return None
        record = self.details.record
        kind = self._record_type()
        if isinstance(record, Contact) and record.is_company:
            kind = "company"
        title = str(getattr(record, "display_name", None) or getattr(record, "name", ""))
        return PickedRecord(kind, record.id, title)

    def add_task(self) -> QWidget:
        from desktopcrm.views.tasks.task_dialog import open_task_dialog

        return open_task_dialog(self._context, self.window(), link=self._link())

    def add_appointment(self) -> QWidget:
        from desktopcrm.views.calendar.appointment_dialog import open_appointment_dialog

        return open_appointment_dialog(self._context, self.window(), link=self._link())

    def edit_task(self, row: TaskRow) -> QWidget:
        from desktopcrm.views.tasks.task_dialog import open_task_dialog

        return open_task_dialog(self._context, self.window(), task_id=row.id)

    def edit_appointment(self, occurrence: Occurrence) -> QWidget:
        from desktopcrm.views.calendar.appointment_dialog import open_appointment_dialog

        return open_appointment_dialog(self._context, self.window(), occurrence=occurrence)

    def set_done(self, row: TaskRow, done: bool) -> None:
        """Tick a task done (or open again); the page reads the record again."""
        from desktopcrm.models.errors import DatabaseError
        from desktopcrm.services import tasks
        from desktopcrm.services.errors import ServiceError

        try:
            task = tasks.get_task(self._context.user, row.id)
            if done:
                tasks.complete_task(self._context.user, task)
            else:
                tasks.reopen_task(self._context.user, task)
        except (ServiceError, DatabaseError) as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        self.error.hide()
        self._context.records_changed.emit("task")
