"""Notifications: each user's delivery preferences, custom rules, the notification centre's
entries and how far into the change log each user's notifications have been evaluated.

Preferences and rules are records (versioned, in the change log). The centre's entries and the
cursor are operational state, like fired reminders and sessions: not versioned, not logged. An
entry's ``key`` is unique per user and names what caused it (a change-log row and the rule or
predefined kind it matched, a reminder, an import), so the same cause never notifies twice,
even with two windows of the same user evaluating at once or after a restart.
"""

from __future__ import annotations

import enum
import uuid

import peewee

from desktopcrm.models.base import BaseModel, utcnow
from desktopcrm.models.db import database
from desktopcrm.models.user import User


class Delivery(enum.StrEnum):
    """How a notification reaches its user."""

    DESKTOP = "desktop"  # a desktop (tray) message, and an entry in the centre
    APP = "app"  # an entry in the notification centre only
    OFF = "off"

    @property
    def label(self) -> str:
        return {
            "desktop": "Desktop notification",
            "app": "In the app only",
            "off": "Off",
        }[self.value]


class NotificationKind(enum.StrEnum):
    """The predefined notifications (custom rules are ``RULE``)."""

    LEAD_ASSIGNED = "lead_assigned"
    DEAL_ASSIGNED = "deal_assigned"
    TASK_ASSIGNED = "task_assigned"
    TASK_REMINDER = "task_reminder"
    APPOINTMENT_REMINDER = "appointment_reminder"
    IMPORT_EXPORT = "import_export"
    SYNC_PROBLEM = "sync_problem"
    RULE = "rule"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    NotificationKind.LEAD_ASSIGNED: "A lead is assigned to you",
    NotificationKind.DEAL_ASSIGNED: "A deal is assigned to you",
    NotificationKind.TASK_ASSIGNED: "A task is assigned to you",
    NotificationKind.TASK_REMINDER: "Task reminders",
    NotificationKind.APPOINTMENT_REMINDER: "Appointment reminders",
    NotificationKind.IMPORT_EXPORT: "An import or export finished",
    NotificationKind.SYNC_PROBLEM: "Sync problems",
    NotificationKind.RULE: "Custom rule",
}

#: The predefined kinds a user sets a delivery for, in the order Settings lists them.
PREDEFINED: tuple[NotificationKind, ...] = tuple(k for k in NotificationKind if k.value != "rule")

#: What a user gets before choosing.
DEFAULT_DELIVERY: dict[NotificationKind, Delivery] = {
    NotificationKind.LEAD_ASSIGNED: Delivery.DESKTOP,
    NotificationKind.DEAL_ASSIGNED: Delivery.DESKTOP,
    NotificationKind.TASK_ASSIGNED: Delivery.DESKTOP,
    NotificationKind.TASK_REMINDER: Delivery.DESKTOP,
    NotificationKind.APPOINTMENT_REMINDER: Delivery.DESKTOP,
    NotificationKind.IMPORT_EXPORT: Delivery.APP,
    NotificationKind.SYNC_PROBLEM: Delivery.APP,
}


class Trigger(enum.StrEnum):
    """What makes a custom rule fire for a record that matches its filter."""

    CREATED = "created"
    STAGE_CHANGED = "stage_changed"  # a deal's stage, a lead's status, a contact's statuses
    TASK_ADDED = "task_added"
    OWNER_CHANGED = "owner_changed"

    def label_for(self, kind: str) -> str:
        if self is Trigger.STAGE_CHANGED:
            return {
                "deal": "Stage changed",
                "lead": "Status changed",
            }.get(kind, "Prospect or customer status changed")
        return {
            "created": "Created",
            "task_added": "Task added",
            "owner_changed": "Owner changed",
        }[self.value]


#: The record kinds a rule filters (``services.lists`` list kinds) and their tables.
RULE_KINDS: dict[str, str] = {
    "deal": "deal",
    "lead": "lead",
    "person": "contact",
    "company": "contact",
}


class NotificationPreference(BaseModel):
    """How one user wants one predefined kind delivered (no row: ``DEFAULT_DELIVERY``)."""

    user = peewee.ForeignKeyField(User, on_delete="CASCADE")
    user_id: uuid.UUID
    kind = peewee.CharField(max_length=32)
    delivery = peewee.CharField(max_length=16)

    class Meta:
        table_name = "notification_preference"
        indexes = ((("user", "kind"), True),)


class NotificationRule(BaseModel):
    """A user's own rule: records of ``kind`` matching ``definition`` (a saved-list filter, as
    ``services.saved_lists.spec_to_json`` writes it), on any of ``triggers`` (comma-separated
    ``Trigger`` values), delivered as ``delivery``."""

    user = peewee.ForeignKeyField(User, on_delete="CASCADE")
    user_id: uuid.UUID
    name = peewee.CharField(max_length=200)
    kind = peewee.CharField(max_length=16)  # deal, lead, person, company
    definition = peewee.TextField(default="{}")
    triggers = peewee.CharField(max_length=200)
    delivery = peewee.CharField(max_length=16, default=Delivery.DESKTOP.value)

    class Meta:
        table_name = "notification_rule"
        indexes = ((("user", "deleted_at"), False),)

    @property
    def trigger_set(self) -> frozenset[Trigger]:
        return frozenset(Trigger(t) for t in str(self.triggers).split(",") if t)


class Notification(peewee.Model):
    """An entry of a user's notification centre (read or unread)."""

    id = peewee.AutoField()
    user_id = peewee.UUIDField()
    key = peewee.CharField(max_length=120)  # what caused it; unique per user
    kind = peewee.CharField(max_length=32)
    rule_id = peewee.UUIDField(null=True)
    title = peewee.CharField(max_length=500)
    body = peewee.TextField(default="")
    record_type = peewee.CharField(max_length=16, null=True)
    record_id = peewee.UUIDField(null=True)
    delivery = peewee.CharField(max_length=16)
    created_at = peewee.DateTimeField(default=utcnow)
    read_at = peewee.DateTimeField(null=True)
    claim = peewee.CharField(max_length=32, default="", index=True)

    class Meta:
        database = database
        table_name = "notification"
        indexes = (
            (("user_id", "key"), True),
            (("user_id", "read_at"), False),
        )


class NotificationCursor(peewee.Model):
    """The last change-log ``seq`` evaluated for a user's notifications."""

    user_id = peewee.UUIDField(primary_key=True)
    seq = peewee.IntegerField(default=0)

    class Meta:
        database = database
        table_name = "notification_cursor"


NOTIFICATION_MODELS: list[type[peewee.Model]] = [
    NotificationPreference,
    NotificationRule,
    Notification,
    NotificationCursor,
]
