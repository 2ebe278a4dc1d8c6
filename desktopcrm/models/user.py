"""People who use the CRM, and the app instances currently connected to the database."""

from __future__ import annotations

import enum
import uuid

import peewee

from desktopcrm.models.base import BaseModel, utcnow
from desktopcrm.models.db import database


class Profile(enum.StrEnum):
    """What a user may see and do: own records, reports' records too, or everything."""

    USER = "user"
    MANAGER = "manager"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class User(BaseModel):
    """A salesperson, manager or admin of the office."""

    name = peewee.CharField(max_length=200)
    email = peewee.CharField(max_length=320, null=True, index=True)
    os_account = peewee.CharField(max_length=200, null=True, index=True)
    profile = peewee.CharField(max_length=16, default=Profile.USER.value)
    reports_to = peewee.ForeignKeyField("self", null=True, backref="reports", on_delete="SET NULL")
    reports_to_id: uuid.UUID | None
    active = peewee.BooleanField(default=True)

    class Meta:
        table_name = "users"

    @property
    def profile_enum(self) -> Profile:
        return Profile(self.profile)

    @property
    def is_admin(self) -> bool:
        return self.profile == Profile.ADMIN.value

    @property
    def initials(self) -> str:
        words = [w for w in self.name.replace(".", " ").split() if w]
        if not words:
            return "?"
        if len(words) == 1:
            return words[0][:2].upper()
        return (words[0][0] + words[-1][0]).upper()


class Session(peewee.Model):
    """A running app connected to this database (who else is here, for the shared file).

    Operational state, not a record: heartbeats are not versioned nor written to the change log.
    """

    id = peewee.CharField(primary_key=True, max_length=32)
    user_id = peewee.UUIDField(null=True)
    user_name = peewee.CharField(max_length=200, default="")
    hostname = peewee.CharField(max_length=255, default="")
    pid = peewee.IntegerField(default=0)
    app_version = peewee.CharField(max_length=32, default="")
    started_at = peewee.DateTimeField(default=utcnow)
    last_seen = peewee.DateTimeField(default=utcnow, index=True)
    closed_at = peewee.DateTimeField(null=True)

    class Meta:
        database = database
        table_name = "sessions"
