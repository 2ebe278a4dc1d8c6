"""Tasks: assignment by profile, links, complete/reopen, the screen's sections, quick add."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from desktopcrm.models import ChangeLog
from desktopcrm.models.tasks import ReminderOffset, Task
from desktopcrm.services import contacts, leads, tasks
from desktopcrm.services.errors import PermissionDenied, ValidationError
from desktopcrm.services.tasks import Section, TaskFilter
from desktopcrm.services.workspace import Workspace
from tests.unit.test_visibility import make_team

NOW = dt.datetime(2026, 3, 10, 12, 0)  # a Tuesday, naive UTC


def test_create_task_defaults_to_self_and_logs(any_database: Workspace) -> None:
    admin = any_database.user
    due = NOW + dt.timedelta(hours=3)
    task = tasks.create_task(admin, "  Call   Anna ", due_at=due, reminder="15m")
    stored = Task.get_by_id(task.id)
    assert stored.title == "Call Anna"
    assert stored.assignee_id == admin.id and stored.created_by_id == admin.id
    assert stored.due_at == due
    assert stored.remind_at == due - dt.timedelta(minutes=15)
    assert stored.reminder_offset is ReminderOffset.MINUTES_15
    log = ChangeLog.select().where(ChangeLog.row_id == task.id).get()
    assert log.operation == "insert" and log.user_id == admin.id


def test_aware_due_times_are_stored_in_utc(any_database: Workspace) -> None:
    rome = ZoneInfo("Europe/Rome")
    task = tasks.create_task(any_database.user, "x", due_at=dt.datetime(2026, 7, 1, 9, tzinfo=rome))
    assert Task.get_by_id(task.id).due_at == dt.datetime(2026, 7, 1, 7, 0)


def test_assigning_follows_the_profiles(any_database: Workspace) -> None:
    team = make_team(any_database.user)
    assert tasks.create_task(team.manager, "m", assignee=team.rep).assignee_id == team.rep.id
    assert tasks.create_task(team.admin, "a", assignee=team.outsider).assignee_id
    with pytest.raises(PermissionDenied):
        tasks.create_task(team.rep, "r", assignee=team.rep2)
    with pytest.raises(PermissionDenied):
        tasks.create_task(team.manager, "m", assignee=team.outsider)
    own = tasks.create_task(team.rep, "mine")
    with pytest.raises(PermissionDenied):
        tasks.update_task(team.rep, own, {"assignee": team.rep2})
    assert Task.get_by_id(own.id).assignee_id == team.rep.id


def test_who_sees_and_changes_tasks(any_database: Workspace) -> None:
    team = make_team(any_database.user)
    rep_task = tasks.create_task(team.rep, "rep's")
    given = tasks.create_task(team.manager, "for rita", assignee=team.rep)
    other = tasks.create_task(team.outsider, "outsider's")

    def titles(user: object) -> set[str]:
        return {t.title for t in tasks.visible_tasks(user)}  # type: ignore[arg-type]

    assert titles(team.rep) == {"rep's", "for rita"}
    assert titles(team.manager) == {"rep's", "for rita"}
    assert titles(team.admin) == {"rep's", "for rita", "outsider's"}
    with pytest.raises(PermissionDenied):
        tasks.complete_task(team.rep, other)
    with pytest.raises(PermissionDenied):
        tasks.get_task(team.rep2, rep_task.id)
    tasks.complete_task(team.manager, given)
    assert Task.get_by_id(given.id).done


def test_links_must_be_visible_records(any_database: Workspace) -> None:
    team = make_team(any_database.user)
    lead = leads.create_lead(team.rep, last_name="Rossi", check_duplicates=False)
    person = contacts.create_person(team.outsider, last_name="Other", check_duplicates=False)
    task = tasks.create_task(team.rep, "follow up", record_type="lead", record_id=lead.id)
    assert (task.record_type, task.record_id) == ("lead", lead.id)
    assert [t.id for t in tasks.tasks_for_record(team.rep, "lead", lead.id)] == [task.id]
    with pytest.raises(PermissionDenied):
        tasks.create_task(team.rep, "x", record_type="contact", record_id=person.id)
    with pytest.raises(ValidationError):
        tasks.create_task(team.rep, "x", record_type="note", record_id=lead.id)
    with pytest.raises(ValidationError):
        tasks.create_task(team.rep, "x", record_type="lead", record_id=None)


def test_validation(any_database: Workspace) -> None:
    user = any_database.user
    with pytest.raises(ValidationError) as error:
        tasks.create_task(user, "   ")
    assert error.value.field == "title"
    with pytest.raises(ValidationError):
        tasks.create_task(user, "x", reminder="2h", due_at=NOW)
    with pytest.raises(ValidationError):
        tasks.create_task(user, "x", reminder="1h")
    task = tasks.create_task(user, "x", due_at=NOW, reminder="1h")
    with pytest.raises(ValidationError):
        tasks.update_task(user, task, {"done": True})
    with pytest.raises(ValidationError):
        tasks.update_task(user, task, {"due_at": None})
    assert Task.get_by_id(task.id).due_at == NOW


def test_complete_reopen_and_the_reminder(any_database: Workspace) -> None:
    user = any_database.user
    task = tasks.create_task(user, "x", due_at=NOW, reminder="1d")
    tasks.complete_task(user, task, at=NOW)
    stored = Task.get_by_id(task.id)
    assert stored.done and stored.done_at == NOW and stored.remind_at is None
    tasks.reopen_task(user, stored)
    stored = Task.get_by_id(task.id)
    assert not stored.done and stored.done_at is None
    assert stored.remind_at == NOW - dt.timedelta(days=1)
    tasks.update_task(user, stored, {"due_at": NOW + dt.timedelta(days=2), "reminder": "1h"})
    assert Task.get_by_id(task.id).remind_at == NOW + dt.timedelta(days=2, hours=-1)
    tasks.delete_task(user, stored)
    assert Task.get_by_id(task.id).is_deleted
    assert not list(tasks.visible_tasks(user))
    tasks.restore_task(user, stored)
    assert len(list(tasks.visible_tasks(user))) == 1


def test_sections_are_disjoint_and_ordered(any_database: Workspace) -> None:
    user = any_database.user
    make = tasks.create_task
    late = make(user, "late", due_at=NOW - dt.timedelta(days=2))
    earlier_today = make(user, "earlier today", due_at=NOW - dt.timedelta(hours=1))
    later_today = make(user, "later today", due_at=NOW + dt.timedelta(hours=2))
    tomorrow = make(user, "tomorrow", due_at=NOW + dt.timedelta(days=1))
    undated = make(user, "undated")
    finished = make(user, "finished", due_at=NOW - dt.timedelta(days=5))
    tasks.complete_task(user, finished, at=NOW)

    def ids(section: Section) -> list[object]:
        return [t.id for t in tasks.list_tasks(user, section, now=NOW)]

    assert ids(Section.OVERDUE) == [late.id, earlier_today.id]
    assert ids(Section.TODAY) == [later_today.id]
    assert ids(Section.UPCOMING) == [tomorrow.id, undated.id]
    assert ids(Section.DONE) == [finished.id]
    counts = tasks.section_counts(user, now=NOW)
    assert counts == {Section.OVERDUE: 2, Section.TODAY: 1, Section.UPCOMING: 2, Section.DONE: 1}
    assert tasks.is_overdue(late, NOW) and not tasks.is_overdue(tomorrow, NOW)


def test_today_is_the_viewers_day(any_database: Workspace) -> None:
    user = any_database.user
    # 23:30 UTC on 10 March is already 11 March in Tokyo.
    task = tasks.create_task(user, "x", due_at=dt.datetime(2026, 3, 10, 23, 30))
    assert [t.id for t in tasks.list_tasks(user, Section.TODAY, now=NOW)] == [task.id]
    tokyo = ZoneInfo("Asia/Tokyo")
    assert tasks.list_tasks(user, Section.TODAY, now=NOW, tz=tokyo) == []
    assert len(tasks.list_tasks(user, Section.UPCOMING, now=NOW, tz=tokyo)) == 1


def test_filters(any_database: Workspace) -> None:
    team = make_team(any_database.user)
    lead = leads.create_lead(team.manager, last_name="Bianchi", check_duplicates=False)
    tasks.create_task(team.manager, "Call Bianchi", record_type="lead", record_id=lead.id)
    tasks.create_task(team.manager, "Send quote", assignee=team.rep)
    tasks.create_task(team.manager, "Call supplier", assignee=team.rep)

    def titles(filters: TaskFilter) -> list[str]:
        found = tasks.list_tasks(team.manager, Section.UPCOMING, now=NOW, filters=filters)
        return sorted(t.title for t in found)

    assert titles(TaskFilter(assignee_id=team.rep.id)) == ["Call supplier", "Send quote"]
    assert titles(TaskFilter(record_type="lead")) == ["Call Bianchi"]
    assert titles(TaskFilter(text="call")) == ["Call Bianchi", "Call supplier"]
    assert titles(TaskFilter(text="call sup")) == ["Call supplier"]


@pytest.mark.parametrize(
    ("text", "title", "due"),
    [
        ("Call Anna", "Call Anna", None),
        ("Call Anna tomorrow", "Call Anna", dt.datetime(2026, 3, 11, 9, 0)),
        ("Call Anna tomorrow 14:30", "Call Anna", dt.datetime(2026, 3, 11, 14, 30)),
        ("Call Anna today at 3pm", "Call Anna", dt.datetime(2026, 3, 10, 15, 0)),
        ("Send quote friday", "Send quote", dt.datetime(2026, 3, 13, 9, 0)),
        ("Send quote on Tue", "Send quote", dt.datetime(2026, 3, 17, 9, 0)),
        ("Renew 2026-04-01 10:00", "Renew", dt.datetime(2026, 4, 1, 10, 0)),
        ("Ping in 2 hours", "Ping", NOW + dt.timedelta(hours=2)),
        ("Ping in 30 min", "Ping", NOW + dt.timedelta(minutes=30)),
        ("Lunch 11:00", "Lunch", dt.datetime(2026, 3, 11, 11, 0)),
        ("Lunch at 13", "Lunch", dt.datetime(2026, 3, 10, 13, 0)),
        ("Call 3 people", "Call 3 people", None),
        ("Plan next week", "Plan", dt.datetime(2026, 3, 16, 9, 0)),
    ],
)
def test_quick_add_parsing(text: str, title: str, due: dt.datetime | None) -> None:
    parsed = tasks.parse_quick_add(text, now=NOW)
    assert (parsed.title, parsed.due_at) == (title, due)


def test_quick_add_in_a_time_zone() -> None:
    parsed = tasks.parse_quick_add("x tomorrow 9:00", now=NOW, tz=ZoneInfo("Europe/Rome"))
    assert parsed.due_at == dt.datetime(2026, 3, 11, 8, 0)
