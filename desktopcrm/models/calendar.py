"""Calendars, appointments and their attendees, shaped for Google Calendar sync.

A calendar is the CRM's own (``source`` 'crm'; one of them the default, editable one) or,
later, a synced one (``external_id`` is Google's calendar id, ``sync_token`` its incremental
sync state). An appointment keeps Google's event id and etag, its time zone, and its
recurrence as an RRULE string plus excluded dates; an occurrence edited on its own is an
override row (``series`` + ``recurrence_id``, the occurrence's original start), like Google's
recurring event instances and iCalendar's RECURRENCE-ID.

Times are naive UTC. ``span_end`` is where the appointment stops occupying the calendar: its
end, or the end of a series' last occurrence (NULL while a series has no end), so a date range
is found by ``start_at < range_end AND (span_end IS NULL OR span_end > range_start)`` on
indexes, and only series overlapping the range are expanded.
"""

from __future__ import annotations

import enum
import json
import uuid

import peewee

from desktopcrm.models.base import BaseModel
from desktopcrm.models.user import User


class ResponseStatus(enum.StrEnum):
    """An attendee's answer to the invitation (Google's and iCalendar's PARTSTAT values)."""

    NEEDS_ACTION = "needs-action"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    TENTATIVE = "tentative"

    @property
    def label(self) -> str:
        return {
            "needs-action": "No answer",
            "accepted": "Accepted",
            "declined": "Declined",
            "tentative": "Maybe",
        }[self.value]


class CalendarSource(enum.StrEnum):
    CRM = "crm"
    GOOGLE = "google"


class Calendar(BaseModel):
    """A calendar appointments belong to."""

    name = peewee.CharField(max_length=200)
    color = peewee.CharField(max_length=9, default="#4f46e5")
    source = peewee.CharField(max_length=16, default=CalendarSource.CRM.value)
    external_id = peewee.CharField(max_length=500, null=True, index=True)
    owner = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    owner_id: uuid.UUID | None
    is_default = peewee.BooleanField(default=False)
    editable = peewee.BooleanField(default=True)
    time_zone = peewee.CharField(max_length=64, default="UTC")
    sync_token = peewee.TextField(null=True)

    class Meta:
        table_name = "calendar"


class Appointment(BaseModel):
    """An appointment, a recurring series (``rrule``) or an override of one occurrence."""

    calendar = peewee.ForeignKeyField(Calendar, on_delete="CASCADE")
    calendar_id: uuid.UUID
    title = peewee.CharField(max_length=500, default="")
    description = peewee.TextField(default="")
    location = peewee.CharField(max_length=500, default="")
    start_at = peewee.DateTimeField()
    end_at = peewee.DateTimeField()
    span_end = peewee.DateTimeField(null=True)
    time_zone = peewee.CharField(max_length=64, default="UTC")
    all_day = peewee.BooleanField(default=False)
    status = peewee.CharField(max_length=16, default="confirmed")  # tentative / cancelled
    rrule = peewee.TextField(default="")  # e.g. FREQ=WEEKLY;BYDAY=MO;UNTIL=20270101T000000Z
    exdates = peewee.TextField(default="[]")  # JSON list of original starts (ISO, UTC)
    series = peewee.ForeignKeyField("self", null=True, backref="overrides", on_delete="CASCADE")
    series_id: uuid.UUID | None
    recurrence_id = peewee.DateTimeField(null=True)  # the overridden occurrence's start
    reminder = peewee.CharField(max_length=8, null=True)  # a ReminderOffset value
    record_type = peewee.CharField(max_length=16, null=True)
    record_id = peewee.UUIDField(null=True)
    owner = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    owner_id: uuid.UUID | None
    organizer_email = peewee.CharField(max_length=320, default="")
    ical_uid = peewee.CharField(max_length=500, index=True)
    external_id = peewee.CharField(max_length=1024, null=True, index=True)
    etag = peewee.CharField(max_length=200, null=True)
    sequence = peewee.IntegerField(default=0)
    #: iCalendar properties the CRM does not model, kept verbatim for round trips.
    ical_extra = peewee.TextField(default="")

    class Meta:
        table_name = "appointment"
        indexes = (
            (("calendar", "start_at"), False),
            (("start_at",), False),
            (("span_end",), False),
            (("series", "recurrence_id"), False),
            (("record_type", "record_id"), False),
            (("owner", "start_at"), False),
        )

    @property
    def is_recurring(self) -> bool:
        return bool(self.rrule)

    @property
    def excluded(self) -> list[str]:
        values: list[str] = json.loads(self.exdates or "[]")
        return values


class Attendee(BaseModel):
    """Someone invited to an appointment: a contact, or any email address."""

    appointment = peewee.ForeignKeyField(Appointment, backref="attendees", on_delete="CASCADE")
    appointment_id: uuid.UUID
    email = peewee.CharField(max_length=320, default="")
    name = peewee.CharField(max_length=200, default="")
    contact_id = peewee.UUIDField(null=True, index=True)
    response = peewee.CharField(max_length=16, default=ResponseStatus.NEEDS_ACTION.value)
    optional = peewee.BooleanField(default=False)
    organizer = peewee.BooleanField(default=False)

    class Meta:
        table_name = "attendee"
        indexes = ((("appointment", "email"), False),)
