"""iCalendar export and import keep every field of appointments, series and overrides."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import icalendar

from desktopcrm.models.calendar import Appointment, Attendee
from desktopcrm.services import calendar, contacts, ical, leads
from desktopcrm.services.calendar import AttendeeInput, EditScope
from desktopcrm.services.workspace import Workspace, close_workspace, open_workspace

ROME = ZoneInfo("Europe/Rome")
FIELDS = (
    "title", "description", "location", "start_at", "end_at", "span_end", "time_zone",
    "all_day", "status", "rrule", "exdates", "recurrence_id", "reminder", "record_type",
    "record_id", "organizer_email", "ical_uid", "external_id", "etag", "sequence", "ical_extra",
)  # fmt: skip


def snapshot() -> list[dict[str, Any]]:
    rows = []
    for row in Appointment.live().order_by(Appointment.ical_uid, Appointment.recurrence_id):
        values = {name: getattr(row, name) for name in FIELDS}
        values["series_uid"] = row.series.ical_uid if row.series_id else None
        values["attendees"] = sorted(
            (a.email, a.name, a.contact_id, a.response, a.optional, a.organizer)
            for a in Attendee.live().where(Attendee.appointment == row.id)
        )
        rows.append(values)
    return rows


def fill(user: Any) -> None:
    person = contacts.create_person(
        user, first_name="Anna", last_name="Rossi", email="anna@example.com",
        check_duplicates=False,
    )  # fmt: skip
    lead = leads.create_lead(user, last_name="Verdi", check_duplicates=False)
    start = dt.datetime(2026, 3, 23, 9, 30, tzinfo=ROME)
    series = calendar.create_appointment(
        user,
        "Weekly review",
        start,
        start + dt.timedelta(hours=1),
        time_zone="Europe/Rome",
        location="Via Roma 1, Milano",
        description='Agenda:\n- numbers; pipeline, "quotes"',
        rrule="FREQ=WEEKLY;BYDAY=MO;UNTIL=20260601T000000Z",
        reminder="15m",
        record_type="lead",
        record_id=lead.id,
        organizer_email="me@example.com",
        attendees=[
            AttendeeInput(contact_id=person.id, response="accepted"),
            AttendeeInput(email="bob@example.org", name="Bob", response="declined", optional=True),
            AttendeeInput(email="me@example.com", name="Me", organizer=True, response="accepted"),
            AttendeeInput(email="eve@example.net", response="tentative"),
        ],
    )
    second = calendar.occurrences(user, dt.datetime(2026, 3, 29), dt.datetime(2026, 4, 5))[0]
    calendar.update_appointment(
        user,
        series,
        {"title": "Review (moved)", "start_at": second.start + dt.timedelta(hours=2)},
        original_start=second.original_start,
        scope=EditScope.THIS,
    )
    calendar.delete_appointment(
        user,
        Appointment.get_by_id(series.id),
        original_start=second.original_start + dt.timedelta(weeks=1),  # type: ignore[operator]
        scope=EditScope.THIS,
    )
    calendar.create_appointment(
        user, "Trade fair", dt.datetime(2026, 4, 14), dt.datetime(2026, 4, 17), all_day=True,
        status="tentative",
    )  # fmt: skip
    calendar.create_appointment(
        user, "UTC call", dt.datetime(2026, 4, 2, 15), dt.datetime(2026, 4, 2, 15, 45)
    )
    synced = Appointment.get(Appointment.title == "UTC call")
    synced.external_id = "google-event-1"
    synced.etag = '"3181161784712000"'
    synced.ical_extra = "CATEGORIES:Sales,Follow-up\r\nX-UNKNOWN-THING;X-P=1:keep me"
    synced.save()


def test_round_trip_keeps_every_field(tmp_path: Path) -> None:
    first = open_workspace(tmp_path / "a.sqlite")
    fill(first.user)
    before = snapshot()
    data = ical.export_calendar(first.user, calendar.default_calendar())
    close_workspace()

    parsed = icalendar.Calendar.from_ical(data)
    assert len(list(parsed.walk("VEVENT"))) == 4
    assert [tz["TZID"] for tz in parsed.walk("VTIMEZONE")] == ["Europe/Rome"]

    second = open_workspace(tmp_path / "b.sqlite")
    # Same ids for linked records, so the links survive (as after a backup restore).
    from desktopcrm.models.records import Contact, Lead

    for row in before:
        for a in row["attendees"]:
            if a[2] is not None and not Contact.get_or_none(Contact.id == a[2]):
                Contact.insert(
                    id=a[2], first_name="Anna", last_name="Rossi", name="Anna Rossi",
                    email="anna@example.com", owner=second.user.id, created_at=dt.datetime.now(),
                    updated_at=dt.datetime.now(), version=1,
                ).execute()  # fmt: skip
        if row["record_id"] and not Lead.get_or_none(Lead.id == row["record_id"]):
            leads.create_lead(second.user, last_name="Verdi", check_duplicates=False)
            Lead.update(id=row["record_id"]).where(Lead.last_name == "Verdi").execute()
    result = ical.import_ics(second.user, data)
    assert (result.created, result.updated, result.skipped) == (4, 0, [])
    after = snapshot()
    assert _diff(after, before) == []
    again = ical.import_ics(second.user, data)
    assert (again.created, again.updated) == (0, 4)
    assert snapshot() == before
    assert (
        ical.export_calendar(second.user, calendar.default_calendar()).count(b"BEGIN:VEVENT") == 4
    )
    close_workspace()


def test_import_a_foreign_file(any_database: Workspace) -> None:
    text = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Other//EN\r\n"
        "BEGIN:VEVENT\r\nUID:x1@other\r\nDTSTAMP:20260301T000000Z\r\n"
        "DTSTART:20260310T140000Z\r\nDURATION:PT30M\r\nSUMMARY:Call\r\n"
        "ATTENDEE;PARTSTAT=ACCEPTED:mailto:a@example.com\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:x2@other\r\nDTSTAMP:20260301T000000Z\r\n"
        "DTSTART;VALUE=DATE:20260311\r\nSUMMARY:Holiday\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:x3@other\r\nDTSTAMP:20260301T000000Z\r\n"
        "RECURRENCE-ID:20260310T140000Z\r\nDTSTART:20260310T150000Z\r\n"
        "DTEND:20260310T160000Z\r\nSUMMARY:Orphan\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n"
    )
    result = ical.import_ics(any_database.user, text)
    assert (result.created, len(result.skipped)) == (2, 1)
    call = Appointment.get(Appointment.ical_uid == "x1@other")
    assert (call.start_at, call.end_at) == (
        dt.datetime(2026, 3, 10, 14),
        dt.datetime(2026, 3, 10, 14, 30),
    )
    assert [a.response for a in calendar.attendees_of(call)] == ["accepted"]
    holiday = Appointment.get(Appointment.ical_uid == "x2@other")
    assert holiday.all_day and holiday.end_at == dt.datetime(2026, 3, 12)


def _diff(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> list[str]:
    return [
        f"{x['title']}.{k}: {x[k]!r} != {y[k]!r}"
        for x, y in zip(a, b, strict=True)
        for k in x
        if x[k] != y[k]
    ]
