"""Calendars and appointments: create, move, resize, edit and delete, recurring ones included,
and the occurrences of a date range for the calendar pane.

A recurring series is one row with an RRULE; an occurrence edited on its own becomes an
override row. Edits of a series occurrence take a scope: ``THIS`` (an override), ``FOLLOWING``
(the series is cut before the occurrence and a new series starts there) or ``ALL`` (the
series itself; a time change moves every occurrence by the same amount).

Only the default CRM calendar, and any other calendar marked editable, can be changed; events
of other calendars (synced ones) are read-only. Who sees what follows ``services.visibility``
on the appointment's owner.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import peewee

from desktopcrm.models import User, acting_as, write_transaction
from desktopcrm.models.calendar import Appointment, Attendee, Calendar, ResponseStatus
from desktopcrm.models.records import Contact
from desktopcrm.models.tasks import ReminderOffset
from desktopcrm.services import recurrence as rr
from desktopcrm.services.errors import PermissionDenied, ValidationError
from desktopcrm.services.records import check_email, live, writing
from desktopcrm.services.tasks import check_link
from desktopcrm.services.visibility import visible_owner_ids

DEFAULT_CALENDAR_NAME = "CRM calendar"
MAX_TITLE = 500


class EditScope(enum.StrEnum):
    """Which occurrences of a recurring series an edit applies to."""

    THIS = "this"
    FOLLOWING = "following"
    ALL = "all"


@dataclass(frozen=True)
class AttendeeInput:
    """An attendee to set: a contact (``contact_id``) or any email address."""

    email: str = ""
    name: str = ""
    contact_id: uuid.UUID | None = None
    response: str = ResponseStatus.NEEDS_ACTION.value
    optional: bool = False
    organizer: bool = False


@dataclass(frozen=True)
class Occurrence:
    """One appearance of an appointment in the calendar.

    Attributes:
        appointment: the row holding its fields (a single appointment, a series, an override).
        series_id: the series it belongs to (None for a single appointment).
        original_start: the start the series gave it (its recurrence id), None when single.
        start, end: naive UTC (all-day: floating midnight, end exclusive).
        editable: whether its calendar can be changed.
        color: its calendar's colour.
    """

    appointment: Appointment
    series_id: uuid.UUID | None
    original_start: dt.datetime | None
    start: dt.datetime
    end: dt.datetime
    editable: bool
    color: str

    @property
    def title(self) -> str:
        return str(self.appointment.title)

    @property
    def all_day(self) -> bool:
        return bool(self.appointment.all_day)

    @property
    def is_recurring(self) -> bool:
        return self.series_id is not None

    @property
    def key(self) -> tuple[uuid.UUID, dt.datetime | None]:
        return (self.appointment.id, self.original_start)


# --------------------------------------------------------------------------- calendars


def default_calendar(actor: User | None = None) -> Calendar:
    """The CRM's own editable calendar (made on first use)."""
    found = Calendar.live().where(Calendar.is_default).order_by(Calendar.created_at).first()
    if found is not None:
        return found
    with write_transaction(), acting_as(actor.id if actor else None):
        found = Calendar.live().where(Calendar.is_default).first()
        if found is None:
            found = Calendar(
                name=DEFAULT_CALENDAR_NAME, is_default=True, editable=True, color="#4f46e5"
            )
            found.save()
    return found


def create_calendar(
    actor: User,
    name: str,
    *,
    color: str = "#0f766e",
    source: str = "crm",
    external_id: str | None = None,
    editable: bool = False,
    time_zone: str = "UTC",
) -> Calendar:
    """Another calendar (a synced Google one, later): read-only unless ``editable``."""
    rr.zone(time_zone)
    calendar = Calendar(
        name=" ".join(name.split()) or "Calendar",
        color=color,
        source=source,
        external_id=external_id,
        owner=actor,
        editable=editable,
        time_zone=time_zone,
    )
    with writing(actor, calendar):
        calendar.save()
    return calendar


def list_calendars() -> list[Calendar]:
    """Every live calendar, the default first."""
    default_calendar()
    return list(Calendar.live().order_by(Calendar.is_default.desc(), Calendar.name))


# --------------------------------------------------------------------------- permissions


def can_see(user: User, appointment: Appointment) -> bool:
    ids = visible_owner_ids(user)
    return ids is None or appointment.owner_id in ids


def require_editable(user: User, appointment: Appointment) -> None:
    """Refuse unless the appointment's calendar is editable and ``user`` may change it."""
    calendar = Calendar.get_by_id(appointment.calendar_id)
    if not calendar.editable:
        raise PermissionDenied(
            f"{calendar.name} is read-only here: change this appointment in the calendar it "
            "comes from, or copy it to the CRM calendar."
        )
    if not can_see(user, appointment):
        raise PermissionDenied(
            "You cannot change this appointment: it belongs to someone outside your team. "
            "Ask its owner, their manager or an admin."
        )


def get_appointment(user: User, appointment_id: uuid.UUID) -> Appointment:
    appointment = live(Appointment, appointment_id, "appointment")
    if not can_see(user, appointment):
        raise PermissionDenied("You cannot see this appointment.")
    return appointment


# --------------------------------------------------------------------------- checks


def _title(value: str) -> str:
    title = " ".join(value.split())
    if len(title) > MAX_TITLE:
        raise ValidationError("title", f"A title can have at most {MAX_TITLE} characters.")
    return title or "(no title)"


def _times(start: dt.datetime, end: dt.datetime, all_day: bool) -> tuple[dt.datetime, dt.datetime]:
    if all_day:
        start = dt.datetime.combine(start.date(), dt.time())
        end = dt.datetime.combine(end.date(), dt.time())
        if end <= start:
            end = start + dt.timedelta(days=1)
        return start, end
    start, end = rr.as_utc(start), rr.as_utc(end)
    if end <= start:
        raise ValidationError("end_at", "An appointment must end after it starts.")
    return start, end


def _reminder(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return ReminderOffset(value).value
    except ValueError:
        raise ValidationError("reminder", f"{value!r} is not a reminder choice.") from None


def span_end(appointment: Appointment) -> dt.datetime | None:
    """Where the appointment stops occupying the calendar (None: an endless series)."""
    duration = appointment.end_at - appointment.start_at
    if not appointment.rrule:
        end: dt.datetime = appointment.end_at
        return end
    last = rr.last_start(
        appointment.rrule,
        appointment.start_at,
        rr.zone(appointment.time_zone),
        appointment.all_day,
    )
    return None if last is None else last + duration


def _exdates(values: Iterable[dt.datetime]) -> str:
    return json.dumps(rr.iso_list(values))


def _parse_exdates(appointment: Appointment) -> set[dt.datetime]:
    return {dt.datetime.fromisoformat(value) for value in appointment.excluded}


# --------------------------------------------------------------------------- attendees


def _clean_attendees(items: Sequence[AttendeeInput]) -> list[AttendeeInput]:
    cleaned: list[AttendeeInput] = []
    seen: set[str] = set()
    for item in items:
        email, name = item.email.strip(), item.name.strip()
        if item.contact_id is not None:
            contact = live(Contact, item.contact_id, "contact")
            email = email or contact.email
            name = name or contact.display_name
        if email:
            check_email(email, "attendees")
        elif item.contact_id is None:
            raise ValidationError("attendees", "An attendee needs an email address or a contact.")
        try:
            response = ResponseStatus(item.response).value
        except ValueError:
            raise ValidationError("attendees", f"{item.response!r} is not an answer.") from None
        key = email.casefold() or str(item.contact_id)
        if key in seen:
            continue
        seen.add(key)
        cleaned.append(replace(item, email=email, name=name, response=response))
    return cleaned


def _key(email: str, contact_id: uuid.UUID | None) -> str:
    return email.casefold() or str(contact_id)


def _write_attendees(appointment: Appointment, items: Sequence[AttendeeInput]) -> None:
    existing = {
        _key(a.email, a.contact_id): a
        for a in Attendee.live().where(Attendee.appointment == appointment)
    }
    wanted = {_key(i.email, i.contact_id): i for i in items}
    for key, attendee in existing.items():
        if key not in wanted:
            attendee.delete_instance()
    for key, item in wanted.items():
        row = existing.get(key) or Attendee(appointment=appointment)
        row.email = item.email
        row.name = item.name
        row.contact_id = item.contact_id
        row.response = item.response
        row.optional = item.optional
        row.organizer = item.organizer
        row.save()


def attendees_of(appointment: Appointment) -> list[Attendee]:
    return list(
        Attendee.live()
        .where(Attendee.appointment == appointment)
        .order_by(Attendee.organizer.desc(), Attendee.name, Attendee.email)
    )


def attendee_inputs(appointment: Appointment) -> list[AttendeeInput]:
    return [
        AttendeeInput(a.email, a.name, a.contact_id, a.response, a.optional, a.organizer)
        for a in attendees_of(appointment)
    ]


# --------------------------------------------------------------------------- creating


def create_appointment(
    actor: User,
    title: str,
    start_at: dt.datetime,
    end_at: dt.datetime,
    *,
    time_zone: str = "UTC",
    all_day: bool = False,
    location: str = "",
    description: str = "",
    rrule: str = "",
    calendar: Calendar | None = None,
    attendees: Sequence[AttendeeInput] = (),
    record_type: str | None = None,
    record_id: uuid.UUID | None = None,
    reminder: str | None = None,
    status: str = "confirmed",
    ical_uid: str | None = None,
    organizer_email: str = "",
) -> Appointment:
    """A new appointment (or series, with ``rrule``) in ``calendar`` (default: the CRM's)."""
    calendar = calendar or default_calendar(actor)
    if not calendar.editable:
        raise PermissionDenied(
            f"{calendar.name} is read-only: add the appointment to the CRM calendar."
        )
    rr.zone(time_zone)
    check_link(actor, record_type, record_id)
    start, end = _times(start_at, end_at, all_day)
    people = _clean_attendees(attendees)
    appointment = Appointment(
        calendar=calendar,
        title=_title(title),
        description=description.strip(),
        location=" ".join(location.split()),
        start_at=start,
        end_at=end,
        time_zone=time_zone,
        all_day=all_day,
        status=status,
        rrule=rr.normalise(rrule, all_day),
        record_type=record_type,
        record_id=record_id,
        reminder=_reminder(reminder),
        owner=actor,
        organizer_email=organizer_email or (actor.email or ""),
        ical_uid=ical_uid or f"{uuid.uuid4()}@desktopcrm",
    )
    appointment.span_end = span_end(appointment)
    with writing(actor, appointment):
        appointment.save()
        _write_attendees(appointment, people)
    return appointment


# --------------------------------------------------------------------------- editing

_FIELDS = {
    "title",
    "description",
    "location",
    "time_zone",
    "all_day",
    "status",
    "record_type",
    "record_id",
    "reminder",
    "rrule",
}
_COPIED = (
    "calendar",
    "title",
    "description",
    "location",
    "time_zone",
    "all_day",
    "status",
    "reminder",
    "record_type",
    "record_id",
    "owner",
    "organizer_email",
    "ical_extra",
)


def _clean_changes(actor: User, row: Appointment, values: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(values) - _FIELDS - {"start_at", "end_at", "attendees"}
    if unknown:
        name = sorted(unknown)[0]
        raise ValidationError(name, f"{name!r} is not a field you can set on an appointment.")
    changes: dict[str, Any] = {}
    for name, value in values.items():
        if name == "title":
            value = _title(value)
        elif name in ("description",):
            value = str(value).strip()
        elif name == "location":
            value = " ".join(str(value).split())
        elif name == "time_zone":
            rr.zone(value)
        elif name == "reminder":
            value = _reminder(value)
        elif name == "attendees":
            value = _clean_attendees(value)
        changes[name] = value
    if "record_type" in changes or "record_id" in changes:
        link = (
            changes.get("record_type", row.record_type),
            changes.get("record_id", row.record_id),
        )
        if link != (row.record_type, row.record_id):
            check_link(actor, *link)
    return changes


def _apply(row: Appointment, changes: Mapping[str, Any]) -> None:
    for name, value in changes.items():
        if name in ("attendees", "start_at", "end_at", "rrule"):
            continue
        setattr(row, name, value)


def _new_times(
    row: Appointment, start: dt.datetime, end: dt.datetime, changes: Mapping[str, Any]
) -> tuple[dt.datetime, dt.datetime]:
    all_day = bool(changes.get("all_day", row.all_day))
    new_start = changes.get("start_at", start)
    new_end = changes.get("end_at")
    if new_end is None:
        new_end = rr.as_utc(new_start) + (end - start)
    return _times(new_start, new_end, all_day)


def _series_of(row: Appointment) -> Appointment:
    if row.series_id is not None:
        return live(Appointment, row.series_id, "appointment series")
    return row


def _save(row: Appointment) -> None:
    row.span_end = span_end(row)
    if row.dirty_fields and not row.is_new:
        row.sequence = (row.sequence or 0) + 1
    row.save()


def update_appointment(
    actor: User,
    row: Appointment,
    values: Mapping[str, Any],
    *,
    original_start: dt.datetime | None = None,
    scope: EditScope = EditScope.ALL,
) -> Appointment:
    """Change an appointment, or one occurrence / the following / all of a series.

    Args:
        row: the appointment of the occurrence (``Occurrence.appointment``).
        values: fields to set; ``start_at`` / ``end_at`` are the occurrence's new times
            (naive UTC or aware), ``attendees`` a list of ``AttendeeInput``.
        original_start: the occurrence's recurrence id (``Occurrence.original_start``).
        scope: for series occurrences, which occurrences change.

    Returns the row that now holds the edited occurrence.
    """
    require_editable(actor, row)
    changes = _clean_changes(actor, row, values)
    if row.series_id is None and not row.rrule:
        with writing(actor, row):
            _apply(row, changes)
            row.start_at, row.end_at = _new_times(row, row.start_at, row.end_at, changes)
            if "rrule" in changes:
                row.rrule = rr.normalise(changes["rrule"], row.all_day)
            _save(row)
            if "attendees" in changes:
                _write_attendees(row, changes["attendees"])
        return row
    master = _series_of(row)
    if original_start is None:
        original_start = row.recurrence_id if row.series_id else master.start_at
    assert original_start is not None
    if scope is EditScope.THIS:
        return _edit_this(actor, master, row, original_start, changes)
    if scope is EditScope.FOLLOWING and original_start > master.start_at:
        return _edit_following(actor, master, row, original_start, changes)
    return _edit_all(actor, master, row, original_start, changes)


def _override_for(master: Appointment, original_start: dt.datetime) -> Appointment | None:
    found: Appointment | None = (
        Appointment.live()
        .where(Appointment.series == master.id, Appointment.recurrence_id == original_start)
        .first()
    )
    return found


def _new_override(master: Appointment, original_start: dt.datetime) -> Appointment:
    override = Appointment(**{name: getattr(master, name) for name in _COPIED})
    override.start_at = original_start
    override.end_at = original_start + (master.end_at - master.start_at)
    override.series = master
    override.recurrence_id = original_start
    override.ical_uid = master.ical_uid
    override.rrule = ""
    override.exdates = "[]"
    return override


def _edit_this(
    actor: User,
    master: Appointment,
    row: Appointment,
    original_start: dt.datetime,
    changes: Mapping[str, Any],
) -> Appointment:
    override = row if row.series_id is not None else _override_for(master, original_start)
    with writing(actor, master):
        created = override is None
        if override is None:
            override = _new_override(master, original_start)
        _apply(override, changes)
        override.start_at, override.end_at = _new_times(
            override, override.start_at, override.end_at, changes
        )
        _save(override)
        if "attendees" in changes:
            _write_attendees(override, changes["attendees"])
        elif created:
            _write_attendees(override, attendee_inputs(master))
    return override


def _shift_rows(master: Appointment, overrides: Iterable[Appointment], delta: dt.timedelta) -> None:
    for override in overrides:
        override.series = master
        if override.recurrence_id is not None:
            override.recurrence_id = override.recurrence_id + delta
        override.ical_uid = master.ical_uid
        _save(override)


def _edit_all(
    actor: User,
    master: Appointment,
    row: Appointment,
    original_start: dt.datetime,
    changes: Mapping[str, Any],
) -> Appointment:
    current_start = row.start_at if row.series_id is not None else original_start
    current_end = (
        row.end_at
        if row.series_id is not None
        else original_start + (master.end_at - master.start_at)
    )
    new_start, new_end = _new_times(row, current_start, current_end, changes)
    delta = new_start - current_start
    overrides = list(Appointment.live().where(Appointment.series == master.id))
    with writing(actor, master):
        _apply(master, changes)
        old_start = master.start_at
        if "start_at" in changes or "end_at" in changes:
            master.start_at = master.start_at + delta
            master.end_at = master.start_at + (new_end - new_start)
            if delta:
                tz = rr.zone(master.time_zone)
                master.rrule = rr.move_weekday(
                    master.rrule, rr.as_local(old_start, tz), rr.as_local(master.start_at, tz)
                )
                master.exdates = _exdates(d + delta for d in _parse_exdates(master))
        if "rrule" in changes:
            master.rrule = rr.normalise(changes["rrule"], master.all_day)
        if not master.rrule:
            for override in overrides:
                override.delete_instance()
            overrides = []
            master.exdates = "[]"
        _save(master)
        if "attendees" in changes:
            _write_attendees(master, changes["attendees"])
        for override in overrides:
            _apply(
                override, {k: v for k, v in changes.items() if k not in ("all_day", "time_zone")}
            )
            if delta:
                override.start_at += delta
                override.end_at += delta
            _shift_rows(master, [override], delta)
            if "attendees" in changes:
                _write_attendees(override, changes["attendees"])
    return master


def _edit_following(
    actor: User,
    master: Appointment,
    row: Appointment,
    original_start: dt.datetime,
    changes: Mapping[str, Any],
) -> Appointment:
    tz = rr.zone(master.time_zone)
    current_start = row.start_at if row.series_id is not None else original_start
    current_end = (
        row.end_at
        if row.series_id is not None
        else original_start + (master.end_at - master.start_at)
    )
    new_start, new_end = _new_times(row, current_start, current_end, changes)
    delta = new_start - current_start
    parts = rr.parse_parts(master.rrule)
    remaining: int | None = None
    if "COUNT" in parts:
        before = rr.count_before(master.rrule, master.start_at, tz, master.all_day, original_start)
        remaining = max(int(parts["COUNT"]) - before, 1)
    later_overrides = list(
        Appointment.live().where(
            Appointment.series == master.id, Appointment.recurrence_id >= original_start
        )
    )
    exdates = _parse_exdates(master)
    new_series = Appointment(**{name: getattr(master, name) for name in _COPIED})
    with writing(actor, master):
        master.rrule = rr.end_before(master.rrule, original_start, master.all_day)
        master.exdates = _exdates(d for d in exdates if d < original_start)
        _save(master)
        _apply(new_series, changes)
        new_series.start_at = original_start + delta
        new_series.end_at = new_series.start_at + (new_end - new_start)
        rule = rr.with_count(master.rrule, remaining)
        old_parts = rr.parse_parts(rule)
        original_until = parts.get("UNTIL")
        if original_until:
            old_parts["UNTIL"] = original_until
        else:
            old_parts.pop("UNTIL", None)
        rule = rr.join_parts(old_parts)
        if delta:
            rule = rr.move_weekday(
                rule, rr.as_local(original_start, tz), rr.as_local(new_series.start_at, tz)
            )
        new_series.rrule = rr.normalise(changes.get("rrule", rule), new_series.all_day)
        new_series.exdates = _exdates(d + delta for d in exdates if d >= original_start)
        new_series.ical_uid = f"{uuid.uuid4()}@desktopcrm"
        _save(new_series)
        _write_attendees(new_series, changes.get("attendees") or attendee_inputs(master))
        for override in later_overrides:
            _apply(
                override, {k: v for k, v in changes.items() if k not in ("all_day", "time_zone")}
            )
            if override.id == row.id or delta:
                override.start_at += delta
                override.end_at += delta
            _shift_rows(new_series, [override], delta)
    return new_series


def move_appointment(
    actor: User,
    row: Appointment,
    new_start: dt.datetime,
    *,
    original_start: dt.datetime | None = None,
    current_start: dt.datetime | None = None,
    current_end: dt.datetime | None = None,
    scope: EditScope = EditScope.ALL,
) -> Appointment:
    """Move an occurrence to ``new_start``, keeping its length (drag in the calendar)."""
    start = current_start or (original_start if row.rrule and original_start else row.start_at)
    end = current_end or (start + (row.end_at - row.start_at))
    return update_appointment(
        actor,
        row,
        {"start_at": new_start, "end_at": rr.as_utc(new_start) + (end - start)},
        original_start=original_start,
        scope=scope,
    )


def resize_appointment(
    actor: User,
    row: Appointment,
    new_end: dt.datetime,
    *,
    original_start: dt.datetime | None = None,
    current_start: dt.datetime | None = None,
    scope: EditScope = EditScope.ALL,
) -> Appointment:
    """Change when an occurrence ends (drag its bottom edge), keeping its start."""
    start = current_start or (original_start if row.rrule and original_start else row.start_at)
    return update_appointment(
        actor,
        row,
        {"start_at": start, "end_at": new_end},
        original_start=original_start,
        scope=scope,
    )


def delete_appointment(
    actor: User,
    row: Appointment,
    *,
    original_start: dt.datetime | None = None,
    scope: EditScope = EditScope.ALL,
) -> None:
    """Delete an appointment, or one occurrence / the following / all of a series."""
    require_editable(actor, row)
    if row.series_id is None and not row.rrule:
        with writing(actor, row):
            row.delete_instance()
        return
    master = _series_of(row)
    if original_start is None:
        original_start = row.recurrence_id if row.series_id else master.start_at
    assert original_start is not None
    overrides = list(Appointment.live().where(Appointment.series == master.id))
    with writing(actor, master):
        if scope is EditScope.THIS:
            master.exdates = _exdates(_parse_exdates(master) | {original_start})
            _save(master)
            for override in overrides:
                if override.recurrence_id == original_start:
                    override.delete_instance()
        elif scope is EditScope.FOLLOWING and original_start > master.start_at:
            master.rrule = rr.end_before(master.rrule, original_start, master.all_day)
            master.exdates = _exdates(d for d in _parse_exdates(master) if d < original_start)
            _save(master)
            for override in overrides:
                if override.recurrence_id is not None and override.recurrence_id >= original_start:
                    override.delete_instance()
        else:
            for override in overrides:
                override.delete_instance()
            master.delete_instance()


# --------------------------------------------------------------------------- reading


def _scoped(query: peewee.ModelSelect[Appointment], user: User) -> peewee.ModelSelect[Appointment]:
    ids = visible_owner_ids(user)
    if ids is None:
        return query
    return query.where(Appointment.owner.in_(list(ids)))


def rows_in_range(
    user: User,
    start: dt.datetime,
    end: dt.datetime,
    calendar_ids: Sequence[uuid.UUID] | None = None,
) -> list[Appointment]:
    """Live appointments and series that may have an occurrence in ``[start, end)`` (naive
    UTC), found by the ``start_at`` / ``span_end`` indexes. All-day ones are floating, so the
    range is padded by a day and the occurrences filtered afterwards."""
    lo, hi = start - dt.timedelta(days=1), end + dt.timedelta(days=1)
    query = Appointment.live().where(
        Appointment.start_at < hi, Appointment.span_end.is_null() | (Appointment.span_end > lo)
    )
    if calendar_ids is not None:
        query = query.where(Appointment.calendar.in_(list(calendar_ids)))
    return list(_scoped(query, user))


def occurrences(
    user: User,
    start: dt.datetime,
    end: dt.datetime,
    *,
    calendar_ids: Sequence[uuid.UUID] | None = None,
    tz: dt.tzinfo = dt.UTC,
) -> list[Occurrence]:
    """Every occurrence overlapping ``[start, end)`` (naive UTC), sorted by start.

    Only series that overlap the range are expanded. ``tz`` is the viewer's zone, used to
    place all-day (floating) appointments.
    """
    rows = rows_in_range(user, start, end, calendar_ids)
    calendars = {c.id: c for c in Calendar.select()}
    series_ids = [row.id for row in rows if row.rrule]
    overridden: set[tuple[uuid.UUID, dt.datetime]] = set()
    if series_ids:
        pairs: Any = (
            Appointment.select(Appointment.series, Appointment.recurrence_id)
            .where(Appointment.series.in_(series_ids), Appointment.deleted_at.is_null())
            .tuples()
        )
        for series_id, recurrence_id in pairs:
            overridden.add((series_id, recurrence_id))
    found: list[Occurrence] = []
    offset = dt.datetime.now(tz).utcoffset() or dt.timedelta(0)

    def overlaps(s: dt.datetime, e: dt.datetime, all_day: bool) -> bool:
        if all_day:
            s, e = s - offset, e - offset
        return s < end and e > start

    for row in rows:
        calendar = calendars.get(row.calendar_id)
        editable = bool(calendar.editable) if calendar else False
        color = str(calendar.color) if calendar else "#4f46e5"
        duration = row.end_at - row.start_at
        if not row.rrule:
            if overlaps(row.start_at, row.end_at, row.all_day):
                found.append(
                    Occurrence(
                        row,
                        row.series_id,
                        row.recurrence_id,
                        row.start_at,
                        row.end_at,
                        editable,
                        color,
                    )
                )
            continue
        excluded = _parse_exdates(row)
        lo = start - duration - dt.timedelta(days=1)
        hi = end + dt.timedelta(days=1)
        for begin in rr.starts_between(
            row.rrule, row.start_at, rr.zone(row.time_zone), row.all_day, lo, hi
        ):
            if begin in excluded or (row.id, begin) in overridden:
                continue
            if overlaps(begin, begin + duration, row.all_day):
                found.append(
                    Occurrence(row, row.id, begin, begin, begin + duration, editable, color)
                )
    found.sort(key=lambda o: (o.start, not o.all_day, o.end, o.title))
    return found


def appointments_for_record(
    user: User, record_type: str, record_id: uuid.UUID
) -> list[Appointment]:
    """Appointments linked to one record, soonest first (for record pages)."""
    query = Appointment.live().where(
        Appointment.record_type == record_type,
        Appointment.record_id == record_id,
        Appointment.series.is_null(),
    )
    return list(_scoped(query, user).order_by(Appointment.start_at))


_MARKS = {"accepted": "✓", "declined": "✗", "tentative": "?", "needs-action": "…"}


def attendee_summaries(
    appointment_ids: Iterable[uuid.UUID], limit: int = 4
) -> dict[uuid.UUID, str]:
    """A short line per appointment naming its attendees and their answers
    ("Anna ✓ · Bob ✗ · Eve ? · +2"), for the calendar views."""
    ids = list(set(appointment_ids))
    if not ids:
        return {}
    people: dict[uuid.UUID, list[str]] = {}
    query = (
        Attendee.select(Attendee.appointment, Attendee.name, Attendee.email, Attendee.response)
        .where(Attendee.appointment.in_(ids), Attendee.deleted_at.is_null())
        .order_by(Attendee.organizer.desc(), Attendee.name, Attendee.email)
    )
    for attendee in query:
        label = (attendee.name or attendee.email).split(" ")[0] or "?"
        people.setdefault(attendee.appointment_id, []).append(
            f"{label} {_MARKS.get(attendee.response, '')}".strip()
        )
    return {
        key: " · ".join(names[:limit]) + (f" · +{len(names) - limit}" if len(names) > limit else "")
        for key, names in people.items()
    }
