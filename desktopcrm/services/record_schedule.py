"""What a record page lists of its tasks and appointments: open tasks (overdue flagged) then
done ones, upcoming appointments (a repeating one at its next time) and the latest past ones.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from desktopcrm.models import User
from desktopcrm.models.calendar import Calendar
from desktopcrm.services import calendar, tasks
from desktopcrm.services import recurrence as rr
from desktopcrm.services.calendar import Occurrence
from desktopcrm.services.tasks import TaskRow

#: Done tasks and past appointments listed at most (the rest are counted).
DONE_SHOWN = 5
PAST_SHOWN = 5
#: How far ahead a repeating appointment's next time is looked for.
AHEAD = dt.timedelta(days=400)


@dataclass(frozen=True)
class RecordSchedule:
    open_tasks: list[TaskRow]
    done_tasks: list[TaskRow]
    done_count: int
    upcoming: list[Occurrence]
    past: list[Occurrence]
    past_count: int


def _row(task: tasks.Task, now: dt.datetime, names: dict[uuid.UUID, str]) -> TaskRow:
    return TaskRow(
        task.id,
        task.title,
        task.due_at,
        task.done,
        task.done_at,
        tasks.is_overdue(task, now),
        task.reminder,
        task.record_type,
        task.record_id,
        "",
        task.assignee_id,
        names.get(task.assignee_id, "") if task.assignee_id else "",
    )


def record_schedule(
    user: User, record_type: str, record_id: uuid.UUID, *, now: dt.datetime
) -> RecordSchedule:
    """The tasks and appointments linked to one record that ``user`` may see."""
    found = tasks.tasks_for_record(user, record_type, record_id)
    names = {u.id: u.name for u in User.select(User.id, User.name)}
    open_tasks = [_row(t, now, names) for t in found if not t.done]
    done = sorted((t for t in found if t.done), key=lambda t: t.done_at or now, reverse=True)
    calendars = {c.id: c for c in Calendar.select()}
    upcoming: list[Occurrence] = []
    past: list[Occurrence] = []
    for row in calendar.appointments_for_record(user, record_type, record_id):
        owner = calendars.get(row.calendar_id)
        editable = bool(owner.editable) if owner else False
        color = str(owner.color) if owner else "#4f46e5"
        length = row.end_at - row.start_at
        if row.rrule:
            starts = rr.starts_between(
                row.rrule, row.start_at, rr.zone(row.time_zone), row.all_day, now, now + AHEAD
            )
            if starts:
                begin = starts[0]
                upcoming.append(
                    Occurrence(row, row.id, begin, begin, begin + length, editable, color)
                )
            continue
        occurrence = Occurrence(row, None, None, row.start_at, row.end_at, editable, color)
        (upcoming if row.end_at > now else past).append(occurrence)
    upcoming.sort(key=lambda o: o.start)
    past.sort(key=lambda o: o.start, reverse=True)
    return RecordSchedule(
        open_tasks,
        [_row(t, now, names) for t in done[:DONE_SHOWN]],
        len(done),
        upcoming,
        past[:PAST_SHOWN],
        len(past),
    )
