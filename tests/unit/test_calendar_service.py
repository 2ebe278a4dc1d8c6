"""Appointments: create, move, resize, edit and delete, recurring series with this / following /
all, occurrences of a range, read-only calendars, visibility, attendees."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from desktopcrm.models import ChangeLog
from desktopcrm.models.calendar import Appointment, Attendee
from desktopcrm.services import calendar, contacts, leads
from desktopcrm.services.calendar import AttendeeInput, EditScope
from desktopcrm.services.errors import PermissionDenied, ValidationError
from desktopcrm.services.workspace import Workspace
from tests.unit.test_visibility import make_team

MON = dt.datetime(2026, 3, 9, 9, 0)  # Monday 9:00 UTC
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
WEEK = dt.timedelta(weeks=1)


def starts(user: object, lo: dt.datetime, hi: dt.datetime) -> list[tuple[str, dt.datetime]]:
    return [(o.title, o.start) for o in calendar.occurrences(user, lo, hi)]  # type: ignore[arg-type]


def weekly(user: object, count: int | None = 6, title: str = "Weekly") -> Appointment:
    rule = "FREQ=WEEKLY;BYDAY=MO" + (f";COUNT={count}" if count else "")
    return calendar.create_appointment(user, title, MON, MON + HOUR, rrule=rule)  # type: ignore[arg-type]


def test_create_and_read_a_range(any_database: Workspace) -> None:
    user = any_database.user
    cal = calendar.default_calendar(user)
    assert cal.editable and cal.is_default
    assert calendar.default_calendar(user).id == cal.id
    row = calendar.create_appointment(
        user, " Demo ", MON, MON + HOUR, location="Room 1", description="Slides", reminder="15m"
    )
    stored = Appointment.get_by_id(row.id)
    assert (stored.title, stored.location, stored.span_end) == ("Demo", "Room 1", MON + HOUR)
    assert stored.ical_uid.endswith("@desktopcrm")
    assert ChangeLog.select().where(ChangeLog.row_id == row.id).count() == 1
    assert starts(user, MON - DAY, MON + DAY) == [("Demo", MON)]
    assert starts(user, MON + HOUR, MON + DAY) == []  # ends exactly at the range start
    assert starts(user, MON - DAY, MON) == []
    with pytest.raises(ValidationError):
        calendar.create_appointment(user, "x", MON, MON)
    with pytest.raises(ValidationError):
        calendar.create_appointment(user, "x", MON, MON + HOUR, time_zone="Mars/Base")
    with pytest.raises(ValidationError):
        calendar.create_appointment(user, "x", MON, MON + HOUR, rrule="BYDAY=MO")


def test_move_and_resize_a_single_appointment(any_database: Workspace) -> None:
    user = any_database.user
    row = calendar.create_appointment(user, "Demo", MON, MON + HOUR)
    calendar.move_appointment(user, row, MON + 2 * HOUR)
    stored = Appointment.get_by_id(row.id)
    assert (stored.start_at, stored.end_at) == (MON + 2 * HOUR, MON + 3 * HOUR)
    calendar.resize_appointment(user, stored, MON + 4 * HOUR)
    stored = Appointment.get_by_id(row.id)
    assert (stored.start_at, stored.end_at, stored.span_end) == (
        MON + 2 * HOUR,
        MON + 4 * HOUR,
        MON + 4 * HOUR,
    )
    assert stored.sequence == 2
    with pytest.raises(ValidationError):
        calendar.resize_appointment(user, stored, MON)


def test_series_occurrences_exdates_and_span(any_database: Workspace) -> None:
    user = any_database.user
    series = weekly(user, count=4)
    assert Appointment.get_by_id(series.id).span_end == MON + 3 * WEEK + HOUR
    found = starts(user, MON - DAY, MON + 10 * WEEK)
    assert [s for _, s in found] == [MON + i * WEEK for i in range(4)]
    assert [s for _, s in starts(user, MON + WEEK, MON + 2 * WEEK)] == [MON + WEEK]
    endless = weekly(user, count=None, title="Endless")
    assert Appointment.get_by_id(endless.id).span_end is None
    far = MON + 100 * WEEK
    assert starts(user, far - DAY, far + DAY) == [("Endless", far)]


def test_range_query_only_loads_overlapping_rows(any_database: Workspace) -> None:
    user = any_database.user
    weekly(user, count=2, title="Old series")
    calendar.create_appointment(user, "Old", MON - 30 * DAY, MON - 30 * DAY + HOUR)
    calendar.create_appointment(user, "Later", MON + 60 * DAY, MON + 60 * DAY + HOUR)
    now = calendar.create_appointment(user, "Now", MON + 20 * DAY, MON + 20 * DAY + HOUR)
    rows = calendar.rows_in_range(user, MON + 19 * DAY, MON + 21 * DAY)
    assert [r.id for r in rows] == [now.id]


def test_edit_this_occurrence_makes_an_override(any_database: Workspace) -> None:
    user = any_database.user
    series = weekly(user)
    second = MON + WEEK
    override = calendar.move_appointment(
        user, series, second + 2 * HOUR, original_start=second, scope=EditScope.THIS
    )
    assert override.series_id == series.id and override.recurrence_id == second
    found = starts(user, MON - DAY, MON + 3 * WEEK)
    assert [s for _, s in found] == [MON, second + 2 * HOUR, MON + 2 * WEEK]
    # Editing the override again changes it, not the series.
    occurrence = next(o for o in calendar.occurrences(user, second, second + DAY))
    assert occurrence.appointment.id == override.id and occurrence.original_start == second
    calendar.update_appointment(
        user,
        occurrence.appointment,
        {"title": "Moved"},
        original_start=second,
        scope=EditScope.THIS,
    )
    titles = [t for t, _ in starts(user, MON - DAY, MON + 3 * WEEK)]
    assert titles == ["Weekly", "Moved", "Weekly"]
    assert Appointment.select().where(Appointment.series == series.id).count() == 1


def test_edit_all_moves_every_occurrence_and_follows_the_weekday(any_database: Workspace) -> None:
    user = any_database.user
    series = weekly(user, count=3)
    calendar.update_appointment(
        user, series, {"title": "Tuesdays"}, original_start=MON + WEEK, scope=EditScope.THIS
    )
    # Drag the second Monday to Tuesday 10:00, for all.
    calendar.move_appointment(
        user, series, MON + WEEK + DAY + HOUR, original_start=MON + WEEK, scope=EditScope.ALL
    )
    stored = Appointment.get_by_id(series.id)
    assert stored.start_at == MON + DAY + HOUR and "BYDAY=TU" in stored.rrule
    found = starts(user, MON - DAY, MON + 5 * WEEK)
    assert [s for _, s in found] == [MON + DAY + HOUR + i * WEEK for i in range(3)]
    override = Appointment.get(Appointment.series == series.id)
    assert override.recurrence_id == MON + WEEK + DAY + HOUR  # re-keyed with the series
    calendar.update_appointment(
        user, stored, {"location": "Room 2"}, original_start=stored.start_at, scope=EditScope.ALL
    )
    assert {o.appointment.location for o in calendar.occurrences(user, MON, MON + 5 * WEEK)} == {
        "Room 2"
    }


def test_edit_this_and_following_splits_the_series(any_database: Workspace) -> None:
    user = any_database.user
    series = weekly(user, count=6)
    third = MON + 2 * WEEK
    calendar.update_appointment(
        user, series, {"title": "Fifth"}, original_start=MON + 4 * WEEK, scope=EditScope.THIS
    )
    new = calendar.update_appointment(
        user,
        series,
        {"title": "Later", "start_at": third + HOUR, "end_at": third + 2 * HOUR},
        original_start=third,
        scope=EditScope.FOLLOWING,
    )
    assert new.id != series.id and new.ical_uid != series.ical_uid
    found = starts(user, MON - DAY, MON + 10 * WEEK)
    assert found == [
        ("Weekly", MON),
        ("Weekly", MON + WEEK),
        ("Later", third + HOUR),
        ("Later", third + WEEK + HOUR),
        ("Later", third + 2 * WEEK + HOUR),
        ("Later", third + 3 * WEEK + HOUR),
    ]
    assert Appointment.get_by_id(series.id).span_end == MON + WEEK + HOUR
    # The old override moved to the new series, shifted with it.
    override = Appointment.get(Appointment.series == new.id)
    assert override.recurrence_id == MON + 4 * WEEK + HOUR and override.title == "Later"
    # Following from the first occurrence is the same as all.
    same = calendar.update_appointment(
        user, new, {"title": "All"}, original_start=new.start_at, scope=EditScope.FOLLOWING
    )
    assert same.id == new.id


def test_delete_this_following_all(any_database: Workspace) -> None:
    user = any_database.user
    series = weekly(user, count=5)
    calendar.delete_appointment(user, series, original_start=MON + WEEK, scope=EditScope.THIS)
    assert [s for _, s in starts(user, MON, MON + 6 * WEEK)] == [
        MON, MON + 2 * WEEK, MON + 3 * WEEK, MON + 4 * WEEK,
    ]  # fmt: skip
    series = Appointment.get_by_id(series.id)
    calendar.delete_appointment(
        user, series, original_start=MON + 3 * WEEK, scope=EditScope.FOLLOWING
    )
    assert [s for _, s in starts(user, MON, MON + 6 * WEEK)] == [MON, MON + 2 * WEEK]
    series = Appointment.get_by_id(series.id)
    calendar.delete_appointment(user, series, original_start=MON, scope=EditScope.ALL)
    assert starts(user, MON - DAY, MON + 6 * WEEK) == []
    single = calendar.create_appointment(user, "x", MON, MON + HOUR)
    calendar.delete_appointment(user, single)
    assert Appointment.get_by_id(single.id).is_deleted


def test_series_keeps_local_time_across_daylight_saving(any_database: Workspace) -> None:
    user = any_database.user
    rome = ZoneInfo("Europe/Rome")
    start = dt.datetime(2026, 3, 23, 9, 0, tzinfo=rome)  # CET, UTC+1
    calendar.create_appointment(
        user, "Team", start, start + HOUR, time_zone="Europe/Rome", rrule="FREQ=WEEKLY;COUNT=2"
    )
    found = [s for _, s in starts(user, dt.datetime(2026, 3, 20), dt.datetime(2026, 4, 5))]
    assert found == [dt.datetime(2026, 3, 23, 8, 0), dt.datetime(2026, 3, 30, 7, 0)]  # CEST


def test_all_day_appointments(any_database: Workspace) -> None:
    user = any_database.user
    row = calendar.create_appointment(
        user, "Fair", dt.datetime(2026, 3, 10, 15), dt.datetime(2026, 3, 11), all_day=True
    )
    stored = Appointment.get_by_id(row.id)
    assert (stored.start_at, stored.end_at) == (dt.datetime(2026, 3, 10), dt.datetime(2026, 3, 11))
    assert starts(user, dt.datetime(2026, 3, 10), dt.datetime(2026, 3, 11)) == [
        ("Fair", dt.datetime(2026, 3, 10))
    ]
    assert starts(user, dt.datetime(2026, 3, 11), dt.datetime(2026, 3, 12)) == []


def test_read_only_calendars(any_database: Workspace) -> None:
    user = any_database.user
    google = calendar.create_calendar(user, "Google: work", external_id="abc@group")
    assert [c.name for c in calendar.list_calendars()] == ["CRM calendar", "Google: work"]
    with pytest.raises(PermissionDenied):
        calendar.create_appointment(user, "x", MON, MON + HOUR, calendar=google)
    synced = Appointment(
        calendar=google, title="Synced", start_at=MON, end_at=MON + HOUR, span_end=MON + HOUR,
        owner=user, ical_uid="g1", external_id="evt1", etag='"3"',
    )  # fmt: skip
    synced.save()
    occurrence = calendar.occurrences(user, MON, MON + DAY)[0]
    assert not occurrence.editable and occurrence.color == google.color
    with pytest.raises(PermissionDenied):
        calendar.move_appointment(user, synced, MON + HOUR)
    with pytest.raises(PermissionDenied):
        calendar.delete_appointment(user, synced)


def test_visibility_of_appointments(any_database: Workspace) -> None:
    team = make_team(any_database.user)
    calendar.create_appointment(team.rep, "Rita's", MON, MON + HOUR)
    calendar.create_appointment(team.outsider, "Otto's", MON, MON + HOUR)
    assert [t for t, _ in starts(team.manager, MON, MON + DAY)] == ["Rita's"]
    assert sorted(t for t, _ in starts(team.admin, MON, MON + DAY)) == ["Otto's", "Rita's"]
    assert starts(team.rep2, MON, MON + DAY) == []
    otto = Appointment.get(Appointment.title == "Otto's")
    with pytest.raises(PermissionDenied):
        calendar.move_appointment(team.rep, otto, MON + HOUR)


def test_attendees_links_and_responses(any_database: Workspace) -> None:
    user = any_database.user
    person = contacts.create_person(
        user, first_name="Anna", last_name="Rossi", email="anna@example.com",
        check_duplicates=False,
    )  # fmt: skip
    lead = leads.create_lead(user, last_name="Verdi", check_duplicates=False)
    row = calendar.create_appointment(
        user,
        "Meeting",
        MON,
        MON + HOUR,
        record_type="lead",
        record_id=lead.id,
        attendees=[
            AttendeeInput(contact_id=person.id, response="accepted"),
            AttendeeInput(email="bob@example.org", name="Bob", response="tentative"),
            AttendeeInput(email="BOB@example.org"),  # the same address once
        ],
    )
    people = calendar.attendees_of(row)
    assert [(a.name, a.email, a.response) for a in people] == [
        ("Anna Rossi", "anna@example.com", "accepted"),
        ("Bob", "bob@example.org", "tentative"),
    ]
    assert [a.id for a in calendar.appointments_for_record(user, "lead", lead.id)] == [row.id]
    calendar.update_appointment(
        user, row, {"attendees": [AttendeeInput(email="bob@example.org", response="declined")]}
    )
    live = Attendee.live().where(Attendee.appointment == row.id)
    assert [(a.email, a.response) for a in live] == [("bob@example.org", "declined")]
    with pytest.raises(ValidationError):
        calendar.update_appointment(user, row, {"attendees": [AttendeeInput(email="nope")]})
    with pytest.raises(ValidationError):
        calendar.update_appointment(user, row, {"owner": user})
