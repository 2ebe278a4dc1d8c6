"""iCalendar (``.ics``) export and import of appointments, with the ``icalendar`` package.

Every field of an appointment survives a round trip: UID, title, description, location,
start and end in their time zone (VTIMEZONE included) or as all-day dates, RRULE, EXDATE,
overrides (RECURRENCE-ID), status, sequence, organizer, attendees (name, answer, optional,
linked contact), the reminder (VALARM), the linked record, Google's id and etag, and any
property the CRM does not model (kept verbatim in ``ical_extra``).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import icalendar

from desktopcrm.models import User
from desktopcrm.models.calendar import Appointment, Calendar, ResponseStatus
from desktopcrm.models.tasks import ReminderOffset, Task
from desktopcrm.services import calendar as appointments
from desktopcrm.services import ical_tasks
from desktopcrm.services import recurrence as rr
from desktopcrm.services.errors import ValidationError
from desktopcrm.services.records import writing

PRODID = "-//DesktopCRM//Calendar//EN"
X_RECORD = "X-DESKTOPCRM-RECORD"
X_EXTERNAL_ID = "X-DESKTOPCRM-EXTERNAL-ID"
X_ETAG = "X-DESKTOPCRM-ETAG"
X_CONTACT = "X-DESKTOPCRM-CONTACT"
#: Properties the CRM models; everything else goes to ``ical_extra``.
KNOWN = {
    "UID", "SUMMARY", "DESCRIPTION", "LOCATION", "DTSTART", "DTEND", "DURATION", "RRULE",
    "EXDATE", "RECURRENCE-ID", "STATUS", "SEQUENCE", "ORGANIZER", "ATTENDEE", "DTSTAMP",
    "CREATED", "LAST-MODIFIED", X_RECORD, X_EXTERNAL_ID, X_ETAG,
}  # fmt: skip
_PARTSTAT = {
    ResponseStatus.NEEDS_ACTION.value: "NEEDS-ACTION",
    ResponseStatus.ACCEPTED.value: "ACCEPTED",
    ResponseStatus.DECLINED.value: "DECLINED",
    ResponseStatus.TENTATIVE.value: "TENTATIVE",
}
_FROM_PARTSTAT = {value: key for key, value in _PARTSTAT.items()}


# --------------------------------------------------------------------------- export


def _when(value: dt.datetime, row: Appointment) -> dt.date | dt.datetime:
    if row.all_day:
        return value.date()
    return rr.as_local(value, rr.zone(row.time_zone))


def _event(row: Appointment) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", row.ical_uid)
    event.add("dtstamp", row.updated_at.replace(tzinfo=dt.UTC))
    event.add("created", row.created_at.replace(tzinfo=dt.UTC))
    event.add("last-modified", row.updated_at.replace(tzinfo=dt.UTC))
    event.add("summary", row.title)
    if row.description:
        event.add("description", row.description)
    if row.location:
        event.add("location", row.location)
    event.add("dtstart", _when(row.start_at, row))
    event.add("dtend", _when(row.end_at, row))
    if row.rrule:
        event.add("rrule", icalendar.vRecur.from_ical(row.rrule))
    excluded = sorted(dt.datetime.fromisoformat(v) for v in row.excluded)
    if excluded:
        event.add("exdate", [_when(value, row) for value in excluded])
    if row.recurrence_id is not None:
        event.add("recurrence-id", _when(row.recurrence_id, row))
    event.add("status", row.status.upper())
    event.add("sequence", row.sequence or 0)
    if row.organizer_email:
        event.add("organizer", icalendar.vCalAddress(f"mailto:{row.organizer_email}"))
    for attendee in appointments.attendees_of(row):
        address = icalendar.vCalAddress(f"mailto:{attendee.email}")
        if attendee.name:
            address.params["CN"] = attendee.name
        address.params["PARTSTAT"] = _PARTSTAT.get(attendee.response, "NEEDS-ACTION")
        address.params["ROLE"] = "OPT-PARTICIPANT" if attendee.optional else "REQ-PARTICIPANT"
        if attendee.organizer:
            address.params["X-DESKTOPCRM-ORGANIZER"] = "TRUE"
        if attendee.contact_id:
            address.params[X_CONTACT] = attendee.contact_id.hex
        event.add("attendee", address, encode=False)
    if row.record_type and row.record_id:
        event.add(X_RECORD, f"{row.record_type}:{row.record_id.hex}")
    if row.external_id:
        event.add(X_EXTERNAL_ID, row.external_id)
    if row.etag:
        event.add(X_ETAG, row.etag)
    if row.ical_extra:
        extra = icalendar.Event.from_ical(
            "BEGIN:VEVENT\r\n" + row.ical_extra.strip() + "\r\nEND:VEVENT\r\n"
        )
        for name, value in extra.property_items(recursive=False):
            if name not in ("BEGIN", "END"):
                event.add(name, value, encode=False)
    if row.reminder:
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", row.title or "Reminder")
        alarm.add("trigger", -ReminderOffset(row.reminder).delta)
        event.add_component(alarm)
    return event


def export_ics(
    rows: Sequence[Appointment], name: str = "DesktopCRM", *, tasks: Sequence[Task] = ()
) -> bytes:
    """An iCalendar file of ``rows`` (series with their overrides, singles) and ``tasks``
    (VTODOs, see ``services.ical_tasks``)."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    for row in rows:
        cal.add_component(_event(row))
    for task in tasks:
        cal.add_component(ical_tasks.todo(task))
    cal.add_missing_timezones()
    data: bytes = cal.to_ical()
    return data


def export_calendar(user: User, calendar: Calendar, *, with_tasks: bool = True) -> bytes:
    """Every live appointment of ``calendar`` that ``user`` may see, overrides included, and
    (``with_tasks``) ``user``'s own tasks - those assigned to them, open and done - as VTODOs,
    so the file is the user's whole schedule; importing it back updates the same tasks."""
    query = appointments._scoped(
        Appointment.live().where(Appointment.calendar == calendar), user
    ).order_by(Appointment.series.is_null(False), Appointment.start_at)
    own: list[Task] = []
    if with_tasks:
        own = list(
            Task.live()
            .where(Task.assignee == user.id)
            .order_by(Task.due_at.is_null(), Task.due_at, Task.created_at, Task.id)
        )
    return export_ics(list(query), calendar.name, tasks=own)


def count_components(data: bytes) -> tuple[int, int]:
    """How many events and tasks (VEVENT, VTODO) an exported file holds (a text value cannot
    hold a line of its own, so the component lines are exact)."""
    return data.count(b"\r\nBEGIN:VEVENT\r\n"), data.count(b"\r\nBEGIN:VTODO\r\n")


# --------------------------------------------------------------------------- import


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    skipped: list[str] = field(default_factory=list)


def _time(value: Any, fallback_tz: str) -> tuple[dt.datetime, str, bool]:
    """An iCalendar DTSTART/DTEND value -> (naive UTC or floating date, tz name, all-day)."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=rr.zone(fallback_tz))
        name = getattr(value.tzinfo, "key", None) or (
            "UTC" if value.utcoffset() == dt.timedelta(0) else fallback_tz
        )
        return rr.as_utc(value), name, False
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time()), fallback_tz, True
    raise ValidationError("ics", f"{value!r} is not a date or time.")


def _decoded(component: icalendar.Component, name: str) -> Any:
    prop = component.get(name)
    if prop is None:
        return None
    return prop.dt if hasattr(prop, "dt") else prop


def _extra(component: icalendar.Component) -> str:
    """The component's properties the CRM does not model, as iCalendar content lines (sorted:
    one form whatever order another program wrote them in)."""
    lines = []
    for name, value in component.property_items(recursive=False, sorted=False):
        if name in ("BEGIN", "END") or name in KNOWN:
            continue
        lines.append(component.content_line(name, value).to_ical().decode())
    return "\r\n".join(sorted(lines))


def _attendees(component: icalendar.Component) -> list[appointments.AttendeeInput]:
    values = component.get("ATTENDEE")
    if values is None:
        return []
    if not isinstance(values, list):
        values = [values]
    found = []
    for value in values:
        email = str(value)
        if email.lower().startswith("mailto:"):
            email = email[7:]
        params = getattr(value, "params", {})
        contact = params.get(X_CONTACT)
        found.append(
            appointments.AttendeeInput(
                email=email,
                name=str(params.get("CN", "")),
                contact_id=uuid.UUID(contact) if contact else None,
                response=_FROM_PARTSTAT.get(
                    str(params.get("PARTSTAT", "NEEDS-ACTION")).upper(), "needs-action"
                ),
                optional=str(params.get("ROLE", "")).upper() == "OPT-PARTICIPANT",
                organizer=str(params.get("X-DESKTOPCRM-ORGANIZER", "")).upper() == "TRUE",
            )
        )
    return found


def _reminder(component: icalendar.Component) -> str | None:
    for alarm in component.walk("VALARM"):
        trigger = alarm.get("TRIGGER")
        delta = getattr(trigger, "dt", None)
        if isinstance(delta, dt.timedelta):
            for offset in ReminderOffset:
                if -offset.delta == delta:
                    return offset.value
    return None


def _values(component: icalendar.Component, fallback_tz: str) -> dict[str, Any]:
    start, tz_name, all_day = _time(_decoded(component, "DTSTART"), fallback_tz)
    end_value = _decoded(component, "DTEND")
    if end_value is not None:
        end, _, _ = _time(end_value, tz_name)
    else:
        duration = _decoded(component, "DURATION")
        default = dt.timedelta(days=1) if all_day else dt.timedelta(0)
        end = start + (duration if isinstance(duration, dt.timedelta) else default)
    if end <= start:
        end = start + (dt.timedelta(days=1) if all_day else dt.timedelta(minutes=1))
    rrule = component.get("RRULE")
    exdates: list[dt.datetime] = []
    raw = component.get("EXDATE")
    for group in raw if isinstance(raw, list) else ([raw] if raw is not None else []):
        for item in group.dts:
            exdates.append(_time(item.dt, tz_name)[0])
    record = str(component.get(X_RECORD, "") or "")
    record_type, _, record_hex = record.partition(":")
    organizer = str(component.get("ORGANIZER", "") or "")
    recurrence = _decoded(component, "RECURRENCE-ID")
    return {
        "title": str(component.get("SUMMARY", "") or ""),
        "description": str(component.get("DESCRIPTION", "") or ""),
        "location": str(component.get("LOCATION", "") or ""),
        "start_at": start,
        "end_at": end,
        "time_zone": tz_name,
        "all_day": all_day,
        "rrule": rrule.to_ical().decode() if rrule is not None else "",
        "exdates": json.dumps(rr.iso_list(exdates)),
        "recurrence_id": _time(recurrence, tz_name)[0] if recurrence is not None else None,
        "status": str(component.get("STATUS", "CONFIRMED")).lower(),
        "sequence": int(component.get("SEQUENCE", 0) or 0),
        "organizer_email": organizer[7:] if organizer.lower().startswith("mailto:") else organizer,
        "record_type": record_type or None,
        "record_id": uuid.UUID(record_hex) if record_hex else None,
        "external_id": str(component[X_EXTERNAL_ID]) if X_EXTERNAL_ID in component else None,
        "etag": str(component[X_ETAG]) if X_ETAG in component else None,
        "reminder": _reminder(component),
        "ical_extra": _extra(component),
    }


def import_ics(user: User, data: bytes | str, calendar: Calendar | None = None) -> ImportResult:
    """Add the events of an iCalendar file to ``calendar`` (default: the CRM's); an event whose
    UID (and RECURRENCE-ID) is already there is updated instead. Its VTODOs become tasks
    (``services.ical_tasks``)."""
    calendar = calendar or appointments.default_calendar(user)
    try:
        parsed = icalendar.Calendar.from_ical(data)
    except ValueError as exc:
        raise ValidationError("ics", f"This is not an iCalendar file: {exc}") from None
    result = ImportResult()
    events = list(parsed.walk("VEVENT"))
    events.sort(key=lambda e: e.get("RECURRENCE-ID") is not None)  # series before overrides
    fallback = calendar.time_zone or "UTC"
    with writing(user):
        for event in events:
            uid = str(event.get("UID", "") or "") or f"{uuid.uuid4()}@desktopcrm"
            try:
                values = _values(event, fallback)
                _store(user, calendar, uid, values, _attendees(event), result)
            except (ValidationError, ValueError, KeyError) as exc:
                result.skipped.append(f"{uid}: {exc}")
        created, updated, skipped = ical_tasks.import_todos(user, parsed)
    result.created += created
    result.updated += updated
    result.skipped += skipped
    return result


def _store(
    user: User,
    calendar: Calendar,
    uid: str,
    values: dict[str, Any],
    people: list[appointments.AttendeeInput],
    result: ImportResult,
) -> None:
    rr.zone(values["time_zone"])
    values["rrule"] = rr.normalise(values["rrule"], values["all_day"])
    if values["record_type"] is not None:
        try:
            appointments.check_link(user, values["record_type"], values["record_id"])
        except Exception:
            values["record_type"] = values["record_id"] = None
    query = Appointment.live().where(Appointment.calendar == calendar, Appointment.ical_uid == uid)
    recurrence_id = values["recurrence_id"]
    series = None
    if recurrence_id is not None:
        series = query.where(Appointment.series.is_null(), Appointment.rrule != "").first()
        if series is None:
            raise ValidationError("ics", "an occurrence of a series that is not in the file")
        query = query.where(
            Appointment.series == series.id, Appointment.recurrence_id == recurrence_id
        )
    else:
        query = query.where(Appointment.series.is_null())
    row = query.first()
    if row is None:
        row = Appointment(calendar=calendar, ical_uid=uid, owner=user, series=series)
        result.created += 1
    else:
        result.updated += 1
    for name, value in values.items():
        setattr(row, name, value)
    row.span_end = appointments.span_end(row)
    row.save()
    appointments._write_attendees(row, appointments._clean_attendees(people))
