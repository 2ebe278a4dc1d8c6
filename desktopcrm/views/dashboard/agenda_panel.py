"""The dashboard's right column: tasks due today or overdue (overdue in red, a tick marks one
done) and the coming appointments. A click on a linked record's name opens it."""

from __future__ import annotations

import datetime as dt
import html
import uuid
from typing import TYPE_CHECKING

from desktopcrm.qt import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desktopcrm.views.dashboard.skeleton import Skeleton
from desktopcrm.views.dashboard.summary_panel import card
from desktopcrm.views.local_time import describe_due, to_local
from desktopcrm.views.theme import ThemeManager, tokens

if TYPE_CHECKING:
    from desktopcrm.services.dashboard import AppointmentRow, DueTasks
    from desktopcrm.services.tasks import TaskRow

KIND_WORDS = {"lead": "Lead", "contact": "Contact", "deal": "Deal"}


def _link(kind: str | None, record_id: uuid.UUID | None, title: str) -> str:
    if not kind or not record_id or not title:
        return ""
    return f'<a href="{kind}:{record_id.hex}">{html.escape(title)}</a>'


class TaskLine(QFrame):
    """One due task: a round tick box, its title, when it is due and what it is for."""

    def __init__(self, row: TaskRow, now: dt.datetime, show_assignee: bool) -> None:
        super().__init__()
        self.row = row
        self.setObjectName("DashboardTask")
        self.setProperty("overdue", row.overdue)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 4)
        layout.setSpacing(8)
        self.tick = QCheckBox()
        self.tick.setObjectName("TaskTick")
        self.tick.setAccessibleName(f"Mark “{row.title}” done")
        self.tick.setToolTip("Mark done")
        layout.addWidget(self.tick, 0, Qt.AlignmentFlag.AlignTop)
        texts = QVBoxLayout()
        texts.setSpacing(1)
        self.title = QLabel(row.title)
        self.title.setObjectName("OverdueTaskTitle" if row.overdue else "TaskTitle")
        self.title.setWordWrap(True)
        texts.addWidget(self.title)
        due = describe_due(row.due_at, now) if row.due_at else ""
        bits = [("Overdue · " if row.overdue else "") + due]
        link = _link(row.record_type, row.record_id, row.record_title)
        if link:
            bits.append(link)
        if show_assignee and row.assignee_name:
            bits.append(html.escape(row.assignee_name))
        self.meta = QLabel(" · ".join(b for b in bits if b))
        self.meta.setObjectName("OverdueTaskMeta" if row.overdue else "TaskMeta")
        self.meta.setTextFormat(Qt.TextFormat.RichText)
        self.meta.setWordWrap(True)
        texts.addWidget(self.meta)
        layout.addLayout(texts, 1)


class AppointmentLine(QFrame):
    """One coming appointment: a date block, its title, time, place and linked record."""

    def __init__(self, row: AppointmentRow, now: dt.datetime, show_owner: bool) -> None:
        super().__init__()
        self.row = row
        self.setObjectName("DashboardAppointment")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 4)
        layout.setSpacing(10)
        start = row.start if row.all_day else to_local(row.start)
        block = QLabel(f"<b>{start.day}</b><br>{start:%b}")
        block.setObjectName("DateBlock")
        block.setAlignment(Qt.AlignmentFlag.AlignCenter)
        block.setFixedSize(40, 40)
        block.setStyleSheet(f"border-left: 3px solid {row.color};")
        layout.addWidget(block, 0, Qt.AlignmentFlag.AlignTop)
        texts = QVBoxLayout()
        texts.setSpacing(1)
        title = QLabel(row.title or "(no title)")
        title.setObjectName("AppointmentTitle")
        title.setWordWrap(True)
        texts.addWidget(title)
        if row.all_day:
            when = "All day"
        else:
            end = to_local(row.end)
            day = describe_due(row.start, now).rsplit(" ", 1)[0]
            when = f"{day} {start:%H:%M}–{end:%H:%M}"
            if row.start <= now:
                when = f"Now · until {end:%H:%M}"
        bits = [when]
        if row.location:
            bits.append(html.escape(row.location))
        link = _link(row.record_type, row.record_id, row.record_title)
        if link:
            bits.append(link)
        if show_owner and row.owner_name:
            bits.append(html.escape(row.owner_name))
        self.meta = QLabel(" · ".join(bits))
        self.meta.setObjectName("AppointmentMeta")
        self.meta.setTextFormat(Qt.TextFormat.RichText)
        self.meta.setWordWrap(True)
        texts.addWidget(self.meta)
        layout.addLayout(texts, 1)


def _scrolling(body: QVBoxLayout) -> QVBoxLayout:
    """A vertical list inside a frameless scroll area added to ``body``."""
    rows = QVBoxLayout()
    rows.setContentsMargins(0, 0, 4, 0)
    rows.setSpacing(2)
    holder = QWidget()
    holder.setObjectName("ScrollBody")
    holder.setLayout(rows)
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    scroll.setWidget(holder)
    body.addWidget(scroll, 1)
    return rows


class AgendaPanel(QWidget):
    """Emits ``done_requested`` (a task id) and ``open_requested`` (kind, id hex)."""

    done_requested = Signal(object)
    open_requested = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        tasks_card, tasks_body, tasks_header = card("Tasks", "tasks")
        self.task_counts = QLabel()
        self.task_counts.setObjectName("TaskCounts")
        self.task_counts.setTextFormat(Qt.TextFormat.RichText)
        tasks_header.addWidget(self.task_counts)
        self.task_list = _scrolling(tasks_body)
        self.task_list.addWidget(Skeleton("lines", 4))
        self.task_list.addStretch(1)
        layout.addWidget(tasks_card, 5)
        calendar_card, calendar_body, _ = card("Upcoming", "appointments")
        self.appointment_list = _scrolling(calendar_body)
        self.appointment_list.addWidget(Skeleton("lines", 3))
        self.appointment_list.addStretch(1)
        layout.addWidget(calendar_card, 4)
        self.task_lines: list[TaskLine] = []
        self.appointment_lines: list[AppointmentLine] = []
        #: Whether tasks and appointments were shown (the placeholders are gone).
        self.filled = False

    @staticmethod
    def _clear(box: QVBoxLayout) -> None:
        while box.count():
            taken = box.takeAt(0)
            widget = taken.widget() if taken is not None else None
            if widget is not None:
                widget.hide()
                widget.deleteLater()

    def _empty(self, box: QVBoxLayout, text: str) -> None:
        label = QLabel(text)
        label.setObjectName("EmptyText")
        label.setWordWrap(True)
        box.addWidget(label)

    def show_tasks(self, due: DueTasks, now: dt.datetime, show_assignee: bool) -> None:
        self._clear(self.task_list)
        self.task_lines = []
        counts = []
        if due.overdue:
            danger = tokens(ThemeManager.current_scheme())["danger"]
            counts.append(f'<span style="color: {danger}">{due.overdue} overdue</span>')
        counts.append(f"{due.today} today")
        self.task_counts.setText(" · ".join(counts))
        self.task_counts.setAccessibleName(f"{due.overdue} overdue, {due.today} due today")
        for row in due.rows:
            line = TaskLine(row, now, show_assignee)
            line.tick.toggled.connect(
                lambda checked, task_id=row.id: self._ticked(task_id, checked)
            )
            line.meta.linkActivated.connect(self._open)
            self.task_list.addWidget(line)
            self.task_lines.append(line)
        shown = len(due.rows)
        if not shown:
            self._empty(self.task_list, "Nothing due today. Well done!")
        elif due.overdue + due.today > shown:
            self._empty(self.task_list, f"and {due.overdue + due.today - shown} more on Tasks")
        self.task_list.addStretch(1)

    def show_appointments(
        self, rows: list[AppointmentRow], now: dt.datetime, show_owner: bool
    ) -> None:
        self._clear(self.appointment_list)
        self.appointment_lines = []
        for row in rows:
            line = AppointmentLine(row, now, show_owner)
            line.meta.linkActivated.connect(self._open)
            self.appointment_list.addWidget(line)
            self.appointment_lines.append(line)
        if not rows:
            self._empty(self.appointment_list, "No appointments in the next two weeks.")
        self.appointment_list.addStretch(1)
        self.filled = True

    def _ticked(self, task_id: uuid.UUID, checked: bool) -> None:
        if checked:
            self.done_requested.emit(task_id)

    def _open(self, href: str) -> None:
        kind, _, record_id = href.partition(":")
        if kind in KIND_WORDS and record_id:
            self.open_requested.emit(kind, record_id)

    def task_titles(self) -> list[str]:
        return [line.row.title for line in self.task_lines]
