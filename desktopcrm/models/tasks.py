"""Tasks: something to do by a due time, for a lead, contact or deal, with an optional reminder.

``remind_at`` is derived (due time minus the reminder offset) and kept only while the task is
open, so "the next reminder" is one lookup on an index, however many tasks there are.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid

import peewee

from desktopcrm.models.base import BaseModel
from desktopcrm.models.db import database
from desktopcrm.models.user import User


class ReminderOffset(enum.StrEnum):
    """How long before the due time (or an appointment's start) the reminder fires."""

    WEEK = "1w"
    DAY = "1d"
    HOUR = "1h"
    MINUTES_30 = "30m"
    MINUTES_15 = "15m"
    MINUTES_5 = "5m"
    AT_TIME = "0m"

    @property
    def delta(self) -> dt.timedelta:
        return _DELTAS[self]

    @property
    def label(self) -> str:
        return _LABELS[self]


_DELTAS = {
    ReminderOffset.WEEK: dt.timedelta(weeks=1),
    ReminderOffset.DAY: dt.timedelta(days=1),
    ReminderOffset.HOUR: dt.timedelta(hours=1),
    ReminderOffset.MINUTES_30: dt.timedelta(minutes=30),
    ReminderOffset.MINUTES_15: dt.timedelta(minutes=15),
    ReminderOffset.MINUTES_5: dt.timedelta(minutes=5),
    ReminderOffset.AT_TIME: dt.timedelta(0),
}
_LABELS = {
    ReminderOffset.WEEK: "1 week before",
    ReminderOffset.DAY: "1 day before",
    ReminderOffset.HOUR: "1 hour before",
    ReminderOffset.MINUTES_30: "30 minutes before",
    ReminderOffset.MINUTES_15: "15 minutes before",
    ReminderOffset.MINUTES_5: "5 minutes before",
    ReminderOffset.AT_TIME: "At the due time",
}


class Task(BaseModel):
    """A task assigned to a user, optionally linked to a lead, contact or deal
    (``record_type`` / ``record_id``). Times are naive UTC."""

    title = peewee.CharField(max_length=500)
    description = peewee.TextField(default="")
    due_at = peewee.DateTimeField(null=True)
    reminder = peewee.CharField(max_length=8, null=True)  # a ReminderOffset value
    remind_at = peewee.DateTimeField(null=True)  # due_at - reminder, only while open
    record_type = peewee.CharField(max_length=16, null=True)
    record_id = peewee.UUIDField(null=True)
    assignee = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    assignee_id: uuid.UUID | None
    created_by = peewee.ForeignKeyField(
        User, null=True, backref="created_tasks", on_delete="SET NULL"
    )
    created_by_id: uuid.UUID | None
    done = peewee.BooleanField(default=False)
    done_at = peewee.DateTimeField(null=True)

    class Meta:
        table_name = "task"
        indexes = (
            (("record_type", "record_id"), False),
            (("assignee", "done", "due_at"), False),
            (("done", "due_at"), False),
            (("assignee", "remind_at"), False),
            (("remind_at",), False),
        )

    @property
    def reminder_offset(self) -> ReminderOffset | None:
        return ReminderOffset(self.reminder) if self.reminder else None


class FiredReminder(peewee.Model):
    """A reminder that was shown to a user: a task's or an appointment occurrence's
    (``item_type`` / ``item_id``) at ``remind_at``. Shown once: the unique key is the claim, so
    two windows of the same user (or a restart after a missed one) never show it twice.

    Operational state, like sessions: not versioned, not in the change log.
    """

    id = peewee.AutoField()
    user_id = peewee.UUIDField()
    item_type = peewee.CharField(max_length=16)  # 'task' or 'appointment'
    item_id = peewee.UUIDField()
    remind_at = peewee.DateTimeField()
    fired_at = peewee.DateTimeField()
    claim = peewee.CharField(max_length=32, default="", index=True)  # who inserted it

    class Meta:
        database = database
        table_name = "fired_reminder"
        indexes = ((("user_id", "item_type", "item_id", "remind_at"), True),)
