"""Reminders with a controllable clock: the next one, due ones, shown once and never twice,
missed ones after a restart, appointments and recurring series."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from desktopcrm.models import User
from desktopcrm.models.tasks import FiredReminder
from desktopcrm.services import calendar, reminders, tasks
from desktopcrm.services.workspace import Workspace, close_workspace, open_workspace
from tests.unit.test_visibility import make_team

NOW = dt.datetime(2026, 3, 10, 12, 0)
MIN = dt.timedelta(minutes=1)


def test_next_reminder_is_the_earliest_open_one(any_database: Workspace) -> None:
    user = any_database.user
    assert reminders.next_reminder_at(user, NOW) is None
    tasks.create_task(user, "later", due_at=NOW + dt.timedelta(hours=5), reminder="1h")
    soon = tasks.create_task(user, "soon", due_at=NOW + dt.timedelta(hours=2), reminder="30m")
    tasks.create_task(user, "no reminder", due_at=NOW + dt.timedelta(minutes=5))
    assert reminders.next_reminder_at(user, NOW) == NOW + dt.timedelta(hours=1, minutes=30)
    tasks.complete_task(user, soon)
    assert reminders.next_reminder_at(user, NOW) == NOW + dt.timedelta(hours=4)


def test_only_the_assignees_reminders(any_database: Workspace) -> None:
    team = make_team(any_database.user)
    tasks.create_task(team.manager, "rita's", assignee=team.rep, due_at=NOW, reminder="0m")
    assert reminders.next_reminder_at(team.manager, NOW - MIN) is None
    assert reminders.next_reminder_at(team.rep, NOW - MIN) == NOW
    assert reminders.due_reminders(team.manager, NOW) == []
    assert [r.title for r in reminders.due_reminders(team.rep, NOW)] == ["rita's"]


def test_fires_once_at_its_time(any_database: Workspace) -> None:
    user = any_database.user
    task = tasks.create_task(user, "call", due_at=NOW + dt.timedelta(hours=1), reminder="15m")
    at = NOW + dt.timedelta(minutes=45)
    assert reminders.take_due(user, at - MIN) == []
    shown = reminders.take_due(user, at)
    assert [(r.item_id, r.remind_at, r.due_at) for r in shown] == [
        (task.id, at, NOW + dt.timedelta(hours=1))
    ]
    assert reminders.take_due(user, at + MIN) == []
    assert reminders.next_reminder_at(user, at) is None
    # Moving the due time arms a new reminder, shown once again.
    tasks.update_task(user, task, {"due_at": NOW + dt.timedelta(hours=3)})
    later = NOW + dt.timedelta(hours=2, minutes=45)
    assert reminders.next_reminder_at(user, at) == later
    assert len(reminders.take_due(user, later)) == 1
    assert reminders.take_due(user, later) == []


def test_two_windows_of_one_user_show_it_once(any_database: Workspace) -> None:
    user = any_database.user
    tasks.create_task(user, "x", due_at=NOW, reminder="0m")
    first = reminders.due_reminders(user, NOW)
    second = reminders.due_reminders(user, NOW)
    assert len(reminders.claim(user, first, NOW)) == 1
    assert reminders.claim(user, second, NOW) == []
    assert FiredReminder.select().count() == 1


def test_missed_while_closed_shows_once_at_next_start(tmp_path: Path) -> None:
    path = tmp_path / "crm.sqlite"
    ws = open_workspace(path)
    user_id = ws.user.id
    tasks.create_task(ws.user, "missed", due_at=NOW + dt.timedelta(hours=1), reminder="1h")
    tasks.create_task(ws.user, "future", due_at=NOW + dt.timedelta(days=3), reminder="1d")
    close_workspace()  # the app is closed; the reminder's time passes

    ws = open_workspace(path)
    start = NOW + dt.timedelta(hours=6)
    user = User.get_by_id(user_id)
    assert [r.title for r in reminders.take_due(user, start)] == ["missed"]
    assert reminders.next_reminder_at(user, start) == NOW + dt.timedelta(days=2)
    close_workspace()

    ws = open_workspace(path)  # a second start: nothing shown twice
    assert reminders.take_due(ws.user, start + MIN) == []
    close_workspace()


def test_very_old_missed_reminders_are_dropped(any_database: Workspace) -> None:
    user = any_database.user
    tasks.create_task(user, "ancient", due_at=NOW - dt.timedelta(days=30), reminder="0m")
    assert reminders.take_due(user, NOW) == []


def test_appointment_reminders_and_series(any_database: Workspace) -> None:
    user = any_database.user
    one = calendar.create_appointment(
        user, "Demo", NOW + dt.timedelta(hours=2), NOW + dt.timedelta(hours=3), reminder="1h"
    )
    series = calendar.create_appointment(
        user,
        "Stand-up",
        NOW + dt.timedelta(days=1),
        NOW + dt.timedelta(days=1, minutes=15),
        rrule="FREQ=DAILY;COUNT=3",
        reminder="5m",
    )
    assert reminders.next_reminder_at(user, NOW) == NOW + dt.timedelta(hours=1)
    assert [r.item_id for r in reminders.take_due(user, NOW + dt.timedelta(hours=1))] == [one.id]
    after = NOW + dt.timedelta(hours=1)
    first = NOW + dt.timedelta(days=1, minutes=-5)
    assert reminders.next_reminder_at(user, after) == first
    # The first occurrence is deleted on its own: its reminder goes, the next one comes.
    calendar.delete_appointment(
        user,
        series,
        original_start=NOW + dt.timedelta(days=1),
        scope=calendar.EditScope.THIS,
    )
    assert reminders.next_reminder_at(user, after) == first + dt.timedelta(days=1)
    shown = reminders.take_due(user, first + dt.timedelta(days=2))
    assert [(r.item_id, r.remind_at) for r in shown] == [
        (series.id, first + dt.timedelta(days=1)),
        (series.id, first + dt.timedelta(days=2)),
    ]
    assert reminders.take_due(user, first + dt.timedelta(days=2)) == []
    assert reminders.next_reminder_at(user, first + dt.timedelta(days=2)) is None


def test_next_reminder_is_cheap_with_many_tasks(any_database: Workspace) -> None:
    """Only the next reminder is looked up (a MIN on an index), whatever the count."""
    user = any_database.user
    for hour in range(1, 40):
        tasks.create_task(user, f"t{hour}", due_at=NOW + dt.timedelta(hours=hour), reminder="0m")
    assert reminders.next_reminder_at(user, NOW) == NOW + dt.timedelta(hours=1)
    assert reminders.purge_fired(NOW) == 0
