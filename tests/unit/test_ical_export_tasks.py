"""The Calendar's .ics export holds the user's own tasks (assigned to them, open and done) as
VTODOs beside the appointments, and they come back from the file with their fields."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import icalendar

from desktopcrm.models.tasks import Task
from desktopcrm.services import calendar, ical
from desktopcrm.services import tasks as task_service
from desktopcrm.services.workspace import close_workspace, open_workspace
from tests.unit.test_visibility import make_team


def test_the_calendar_export_holds_the_users_tasks(tmp_path: Path) -> None:
    first = open_workspace(tmp_path / "a.sqlite")
    me = first.user
    rita = make_team(me).rep
    due = dt.datetime(2026, 3, 12, 9, 30)
    calendar.create_appointment(me, "Visit", due, due + dt.timedelta(hours=1))
    mine = task_service.create_task(me, "Call Lind", due_at=due, reminder="1h", description="x")
    done = task_service.create_task(me, "Send specs", due_at=due - dt.timedelta(days=1))
    task_service.complete_task(me, done, at=due)
    task_service.create_task(me, "Rita's", due_at=due, assignee=rita)
    data = ical.export_calendar(me, calendar.default_calendar(me))
    assert ical.count_components(data) == (1, 2)
    parsed = icalendar.Calendar.from_ical(data)
    assert sorted(str(t["SUMMARY"]) for t in parsed.walk("VTODO")) == ["Call Lind", "Send specs"]
    assert ical.count_components(
        ical.export_calendar(me, calendar.default_calendar(me), with_tasks=False)
    ) == (1, 0)
    # Rita's file: her task only (the admin's appointment is outside her visibility)
    rita_file = ical.export_calendar(rita, calendar.default_calendar(rita))
    assert ical.count_components(rita_file) == (0, 1)
    before = {
        t.title: (t.due_at, t.reminder, t.description, t.done, t.done_at)
        for t in (Task.get_by_id(mine.id), Task.get_by_id(done.id))
    }
    close_workspace()

    second = open_workspace(tmp_path / "b.sqlite")
    result = ical.import_ics(second.user, data)
    assert (result.created, result.updated, result.skipped) == (3, 0, [])
    after = {t.title: (t.due_at, t.reminder, t.description, t.done, t.done_at) for t in Task.live()}
    assert after == before
    close_workspace()
