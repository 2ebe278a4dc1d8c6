"""Tasks in iCalendar files: each task is a VTODO (title, notes, due time, done and when,
reminder as a VALARM before the due time, the linked record), its UID made from the task's id
so importing a file exported here updates the same tasks instead of adding copies."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import icalendar

from desktopcrm.models import User
from desktopcrm.models.tasks import ReminderOffset, Task
from desktopcrm.services import tasks
from desktopcrm.services.errors import ServiceError, ValidationError

UID_SUFFIX = "@task.desktopcrm"
X_RECORD = "X-DESKTOPCRM-RECORD"


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC)


def todo(task: Task) -> icalendar.Todo:
    """The VTODO of ``task``."""
    item = icalendar.Todo()
    item.add("uid", f"{task.id.hex}{UID_SUFFIX}")
    item.add("summary", task.title)
    item.add("dtstamp", _utc(task.updated_at))
    item.add("created", _utc(task.created_at))
    if task.description:
        item.add("description", task.description)
    if task.due_at is not None:
        item.add("due", _utc(task.due_at))
    item.add("status", "COMPLETED" if task.done else "NEEDS-ACTION")
    if task.done and task.done_at is not None:
        item.add("completed", _utc(task.done_at))
    if task.record_type and task.record_id:
        item.add(X_RECORD, f"{task.record_type}:{task.record_id.hex}")
    if task.reminder and task.due_at is not None:
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", task.title)
        alarm.add("trigger", -ReminderOffset(task.reminder).delta, parameters={"RELATED": "END"})
        item.add_component(alarm)
    return item


def _naive(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, tasks.DEFAULT_DUE_TIME)
    return None


def _decoded(component: icalendar.Component, name: str) -> Any:
    return component.decoded(name) if name in component else None


def _values(component: icalendar.Component) -> dict[str, Any]:
    reminder = None
    for alarm in component.walk("VALARM"):
        delta = getattr(alarm.get("TRIGGER"), "dt", None)
        if isinstance(delta, dt.timedelta):
            reminder = next((o.value for o in ReminderOffset if -o.delta == delta), None)
    record_type = record_id = None
    if X_RECORD in component:
        kind, _, text = str(component[X_RECORD]).partition(":")
        try:
            record_type, record_id = kind, uuid.UUID(text)
        except ValueError:
            record_type = record_id = None
    due = _naive(_decoded(component, "DUE"))
    return {
        "title": str(component.get("SUMMARY", "") or "") or "(untitled task)",
        "description": str(component.get("DESCRIPTION", "") or ""),
        "due_at": due,
        "reminder": reminder if due is not None else None,
        "record_type": record_type,
        "record_id": record_id,
        "done": str(component.get("STATUS", "")).upper() == "COMPLETED",
        "done_at": _naive(_decoded(component, "COMPLETED")),
    }


def _existing(user: User, uid: str) -> Task | None:
    if not uid.endswith(UID_SUFFIX):
        return None
    try:
        task_id = uuid.UUID(uid.removesuffix(UID_SUFFIX))
    except ValueError:
        return None
    found = Task.get_or_none(Task.id == task_id, Task.deleted_at.is_null())
    return found if found is not None and tasks.can_see_task(user, found) else None


def store_todo(user: User, component: icalendar.Component) -> bool:
    """Create or update the task of a VTODO (assigned to ``user`` when new); returns whether
    it was created. A link to a record ``user`` cannot see is dropped."""
    values = _values(component)
    if values["record_type"] is not None:
        try:
            tasks.check_link(user, values["record_type"], values["record_id"])
        except ServiceError:
            values["record_type"] = values["record_id"] = None
    done, done_at = values.pop("done"), values.pop("done_at")
    task = _existing(user, str(component.get("UID", "") or ""))
    if task is None:
        title = values.pop("title")
        task = tasks.create_task(user, title, **values)
        created = True
    else:
        tasks.update_task(user, task, values)
        created = False
    if done and not task.done:
        tasks.complete_task(user, task, at=done_at)
    elif not done and task.done:
        tasks.reopen_task(user, task)
    return created


def import_todos(user: User, parsed: icalendar.Calendar) -> tuple[int, int, list[str]]:
    """The VTODOs of a parsed file: (created, updated, skipped with reasons)."""
    created = updated = 0
    skipped: list[str] = []
    for component in parsed.walk("VTODO"):
        uid = str(component.get("UID", "") or "")
        try:
            if store_todo(user, component):
                created += 1
            else:
                updated += 1
        except (ValidationError, ValueError, KeyError) as exc:
            skipped.append(f"{uid or 'task'}: {exc}")
    return created, updated, skipped
