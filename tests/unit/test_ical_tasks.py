"""Tasks in .ics files: a VTODO round trip keeps every field; importing the same file again
updates the tasks instead of adding copies; a file from elsewhere adds new tasks."""

from __future__ import annotations

import datetime as dt

from desktopcrm.models.tasks import Task
from desktopcrm.services import ical, leads, tasks
from desktopcrm.services.workspace import Workspace

DUE = dt.datetime(2026, 3, 12, 9, 30)

FIELDS = (
    "title",
    "description",
    "due_at",
    "reminder",
    "record_type",
    "record_id",
    "done",
    "done_at",
)


def snapshot(task: Task) -> tuple[object, ...]:
    return tuple(getattr(task, name) for name in FIELDS)


def test_vtodo_round_trip_keeps_every_field(workspace: Workspace) -> None:
    me = workspace.user
    lead = leads.create_lead(me, last_name="Lind", check_duplicates=False)
    open_task = tasks.create_task(
        me,
        "Call Lind",
        due_at=DUE,
        reminder="1h",
        record_type="lead",
        record_id=lead.id,
        description="About the cranes;\nbring the specs",
    )
    done = tasks.create_task(me, "Send the brochure", due_at=DUE - dt.timedelta(days=2))
    tasks.complete_task(me, done, at=DUE - dt.timedelta(days=1))
    plain = tasks.create_task(me, "Someday")
    originals = [Task.get_by_id(t.id) for t in (open_task, done, plain)]
    data = ical.export_ics([], "Mine", tasks=originals)
    assert data.count(b"BEGIN:VTODO") == 3
    assert b"STATUS:COMPLETED" in data and b"RELATED=END" in data

    # the same file again: the same tasks, nothing added
    result = ical.import_ics(me, data)
    assert (result.created, result.updated, result.skipped) == (0, 3, [])
    assert Task.select().count() == 3
    assert [snapshot(Task.get_by_id(t.id)) for t in originals] == [snapshot(t) for t in originals]

    # into another database (here: after deleting them): new tasks with the same fields
    for task in originals:
        tasks.delete_task(me, task)
    result = ical.import_ics(me, data)
    assert (result.created, result.updated) == (3, 0)
    copies = {t.title: t for t in Task.live()}
    for task in originals:
        assert snapshot(copies[task.title]) == snapshot(task)
        assert copies[task.title].id != task.id


def test_a_vtodo_from_elsewhere(workspace: Workspace) -> None:
    me = workspace.user
    data = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Other//EN\r\n"
        "BEGIN:VTODO\r\nUID:abc-123@other\r\nDTSTAMP:20260301T100000Z\r\n"
        "SUMMARY:Renew the licence\r\nDUE;VALUE=DATE:20260401\r\n"
        "X-DESKTOPCRM-RECORD:deal:00000000000000000000000000000001\r\n"
        "END:VTODO\r\nEND:VCALENDAR\r\n"
    )
    result = ical.import_ics(me, data)
    assert (result.created, result.skipped) == (1, [])
    task = Task.get(Task.title == "Renew the licence")
    assert task.due_at == dt.datetime(2026, 4, 1, 9, 0)  # a date: due at 9:00
    assert (task.record_type, task.record_id, task.assignee_id) == (None, None, me.id)
