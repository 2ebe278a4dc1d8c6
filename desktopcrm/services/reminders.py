"""Reminders of tasks and appointments: which are due, when the next one is, and which were
shown already.

The app asks ``next_reminder_at(user, now)`` and arms one timer for that instant; when it
fires (and once at start, for reminders missed while the app was closed or the machine
slept) it calls ``take_due(user, now)``, which returns the reminders due and not yet shown
and records them as shown in the same call. The record is a unique row per user, item and
reminder time, so a reminder is shown once, never twice, even with two windows open.
``now`` is always a parameter: tests drive the clock.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import peewee

from desktopcrm.models import User, database, write_transaction
from desktopcrm.models.calendar import Appointment
from desktopcrm.models.tasks import FiredReminder, ReminderOffset, Task
from desktopcrm.services import recurrence as rr

#: Reminders missed for longer than this are not shown any more.
LOOKBACK = dt.timedelta(days=7)
#: How far ahead appointment series are expanded to find their next reminder.
HORIZON = dt.timedelta(days=8)


@dataclass(frozen=True)
class DueReminder:
    """A reminder to show: of a task (``due_at`` its due time) or of an appointment occurrence
    (``due_at`` its start)."""

    item_type: str  # 'task' or 'appointment'
    item_id: uuid.UUID
    remind_at: dt.datetime
    due_at: dt.datetime
    title: str
    record_type: str | None
    record_id: uuid.UUID | None


def _appointment_reminders(user: User, lo: dt.datetime, hi: dt.datetime) -> list[DueReminder]:
    """Reminders of ``user``'s appointments that fire in ``(lo, hi]``."""
    week = ReminderOffset.WEEK.delta
    rows = list(
        Appointment.live().where(
            Appointment.owner == user.id,
            Appointment.reminder.is_null(False),
            Appointment.status != "cancelled",
            Appointment.start_at <= hi + week,
            Appointment.span_end.is_null() | (Appointment.span_end > lo),
        )
    )
    overridden = {(row.series_id, row.recurrence_id) for row in rows if row.series_id is not None}
    if any(row.rrule for row in rows):
        pairs: Any = (
            Appointment.select(Appointment.series, Appointment.recurrence_id)
            .where(
                Appointment.series.in_([row.id for row in rows if row.rrule]),
                Appointment.deleted_at.is_null(),
            )
            .tuples()
        )
        overridden |= set(pairs)
    found: list[DueReminder] = []
    for row in rows:
        offset = ReminderOffset(str(row.reminder)).delta
        if row.rrule:
            excluded = {dt.datetime.fromisoformat(v) for v in row.excluded}
            starts = [
                s
                for s in rr.starts_between(
                    row.rrule,
                    row.start_at,
                    rr.zone(row.time_zone),
                    row.all_day,
                    lo + offset,
                    hi + offset,
                )
                if s not in excluded and (row.id, s) not in overridden
            ]
        else:
            starts = [row.start_at]
        for start in starts:
            remind_at = start - offset
            if lo < remind_at <= hi:
                found.append(
                    DueReminder(
                        "appointment",
                        row.id,
                        remind_at,
                        start,
                        row.title,
                        row.record_type,
                        row.record_id,
                    )
                )
    return found


def next_reminder_at(user: User, after: dt.datetime) -> dt.datetime | None:
    """The instant of ``user``'s next reminder strictly after ``after`` (naive UTC), or None.

    One index lookup for tasks; appointment series are expanded only within ``HORIZON``
    (the caller checks again by then).
    """
    task_next = (
        Task.select(peewee.fn.MIN(Task.remind_at))
        .where(
            Task.assignee == user.id,
            Task.remind_at > after,
            Task.deleted_at.is_null(),
        )
        .scalar()
    )
    candidates = [value for value in (task_next,) if value is not None]
    appointment = _appointment_reminders(user, after, after + HORIZON)
    candidates.extend(r.remind_at for r in appointment)
    return min(candidates) if candidates else None


def _fired(user: User, since: dt.datetime, item_type: str) -> set[tuple[uuid.UUID, dt.datetime]]:
    rows: Any = (
        FiredReminder.select(FiredReminder.item_id, FiredReminder.remind_at)
        .where(
            FiredReminder.user_id == user.id,
            FiredReminder.item_type == item_type,
            FiredReminder.remind_at > since,
        )
        .tuples()
    )
    return set(rows)


def due_reminders(user: User, now: dt.datetime) -> list[DueReminder]:
    """``user``'s reminders due at ``now`` (within ``LOOKBACK``) and not shown yet."""
    since = now - LOOKBACK
    fired = FiredReminder.alias()
    tasks: Any = (
        Task.select(
            Task.id, Task.title, Task.remind_at, Task.due_at, Task.record_type, Task.record_id
        )
        .join(
            fired,
            peewee.JOIN.LEFT_OUTER,
            on=(
                (fired.user_id == user.id)
                & (fired.item_type == "task")
                & (fired.item_id == Task.id)
                & (fired.remind_at == Task.remind_at)
            ),
        )
        .where(
            Task.assignee == user.id,
            Task.remind_at > since,
            Task.remind_at <= now,
            Task.deleted_at.is_null(),
            fired.id.is_null(),
        )
        .order_by(Task.remind_at)
        .tuples()
    )
    due = [
        DueReminder("task", task_id, remind_at, due_at or remind_at, title, kind, record_id)
        for task_id, title, remind_at, due_at, kind, record_id in tasks
    ]
    appointments = _appointment_reminders(user, since, now)
    if appointments:
        shown = _fired(user, since, "appointment")
        due.extend(r for r in appointments if (r.item_id, r.remind_at) not in shown)
    due.sort(key=lambda r: (r.remind_at, r.title))
    return due


def claim(user: User, reminders: list[DueReminder], now: dt.datetime) -> list[DueReminder]:
    """Record ``reminders`` as shown; returns those this call claimed (not claimed before,
    by this app or another one of the same user). Inserted in bulk, skipping rows that exist
    (the unique key): a row another app inserted first keeps its claim token, so what is ours
    is what carries our token."""
    if not reminders:
        return []
    token = uuid.uuid4().hex
    fields: list[Any] = [
        FiredReminder.user_id,
        FiredReminder.item_type,
        FiredReminder.item_id,
        FiredReminder.remind_at,
        FiredReminder.fired_at,
        FiredReminder.claim,
    ]
    rows = [
        tuple(
            f.db_value(v)
            for f, v in zip(
                fields, (user.id, r.item_type, r.item_id, r.remind_at, now, token), strict=True
            )
        )
        for r in reminders
    ]
    db = database.obj
    names = ", ".join(f'"{f.column_name}"' for f in fields)
    one = "(" + ", ".join([db.param] * len(fields)) + ")"
    with write_transaction():
        # One statement per 500 rows; peewee's insert builder costs ~0.2 ms a row here.
        for start in range(0, len(rows), 500):
            chunk = rows[start : start + 500]
            db.execute_sql(
                f'INSERT INTO "{FiredReminder._meta.table_name}" ({names}) VALUES '
                + ", ".join([one] * len(chunk))
                + " ON CONFLICT DO NOTHING",
                [value for row in chunk for value in row],
            )
        mine: Any = (
            FiredReminder.select(
                FiredReminder.item_type, FiredReminder.item_id, FiredReminder.remind_at
            )
            .where(FiredReminder.claim == token)
            .tuples()
        )
        claimed = set(mine)
    return [r for r in reminders if (r.item_type, r.item_id, r.remind_at) in claimed]


def take_due(user: User, now: dt.datetime) -> list[DueReminder]:
    """The reminders to show now, recorded as shown (see the module's docstring)."""
    return claim(user, due_reminders(user, now), now)


def purge_fired(before: dt.datetime) -> int:
    """Forget shown reminders older than ``before`` (housekeeping)."""
    return int(FiredReminder.delete().where(FiredReminder.remind_at < before).execute())
