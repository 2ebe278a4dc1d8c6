"""Tasks: create, edit, assign, complete and reopen, and the Tasks screen's sections.

Who may do what follows ``services.visibility``: a user sees the tasks assigned to them or
that they created, a manager also those of their reports, an admin all. A task is assigned to
oneself, or by a manager to their reports, or by an admin to anyone (``require_assign``). A
linked lead, contact or deal must be one the actor can see.

Times are naive UTC in and out; "today" is the day in the caller's time zone (``tz``).
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import peewee

from desktopcrm.models import User, utcnow
from desktopcrm.models.records import RECORD_MODELS, RecordKind
from desktopcrm.models.tasks import ReminderOffset, Task
from desktopcrm.services.errors import PermissionDenied, ValidationError
from desktopcrm.services.records import live, writing
from desktopcrm.services.visibility import require_assign, require_see, visible_owner_ids

MAX_TITLE = 500
_UNSET: Any = object()


class Section(enum.StrEnum):
    """The Tasks screen's sections; an open task is in exactly one of the first three."""

    OVERDUE = "overdue"
    TODAY = "today"
    UPCOMING = "upcoming"
    DONE = "done"


# --------------------------------------------------------------------------- checks


def check_link(actor: User, record_type: str | None, record_id: uuid.UUID | None) -> None:
    """Refuse a link to something other than a lead, contact or deal ``actor`` can see."""
    if record_type is None and record_id is None:
        return
    if record_type is None or record_id is None:
        raise ValidationError("record", "A link needs both the kind of record and the record.")
    try:
        kind = RecordKind(record_type)
    except ValueError:
        raise ValidationError(
            "record",
            f"A task or appointment can be linked to a lead, contact or deal, "
            f"not to {record_type!r}.",
        ) from None
    record = live(RECORD_MODELS[kind], record_id, kind.value)
    require_see(actor, record)


def _title(value: str) -> str:
    title = " ".join(value.split())
    if not title:
        raise ValidationError("title", "Enter what needs to be done.")
    if len(title) > MAX_TITLE:
        raise ValidationError("title", f"A title can have at most {MAX_TITLE} characters.")
    return title


def _reminder(value: str | ReminderOffset | None) -> str | None:
    if value in (None, ""):
        return None
    try:
        return ReminderOffset(value).value
    except ValueError:
        raise ValidationError("reminder", f"{value!r} is not a reminder choice.") from None


def _naive_utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def remind_time(task: Task) -> dt.datetime | None:
    """When the task's reminder fires: due time minus the offset, while it is open."""
    if task.done or task.due_at is None or not task.reminder:
        return None
    due: dt.datetime = task.due_at
    return due - ReminderOffset(task.reminder).delta


def can_see_task(user: User, task: Task) -> bool:
    ids = visible_owner_ids(user)
    if ids is None:
        return True
    return task.assignee_id in ids or task.created_by_id == user.id


def require_task(user: User, task: Task) -> None:
    if not can_see_task(user, task):
        raise PermissionDenied(
            "You cannot change this task: it is assigned to someone outside your team. "
            "Ask its assignee, their manager or an admin."
        )


def get_task(user: User, task_id: uuid.UUID) -> Task:
    """The live task ``task_id`` that ``user`` may see."""
    task = live(Task, task_id, "task")
    if not can_see_task(user, task):
        raise PermissionDenied("You cannot see this task: it belongs to someone outside your team.")
    return task


# --------------------------------------------------------------------------- writing


def create_task(
    actor: User,
    title: str,
    *,
    due_at: dt.datetime | None = None,
    reminder: str | ReminderOffset | None = None,
    assignee: User | None = None,
    record_type: str | None = None,
    record_id: uuid.UUID | None = None,
    description: str = "",
) -> Task:
    """A new open task, assigned to ``assignee`` (default: the actor)."""
    assignee = assignee or actor
    require_assign(actor, assignee)
    check_link(actor, record_type, record_id)
    due = _naive_utc(due_at)
    offset = _reminder(reminder)
    if offset and due is None:
        raise ValidationError("reminder", "A reminder needs a due date and time.")
    task = Task(
        title=_title(title),
        description=description.strip(),
        due_at=due,
        reminder=offset,
        record_type=record_type,
        record_id=record_id,
        assignee=assignee,
        created_by=actor,
    )
    task.remind_at = remind_time(task)
    with writing(actor, task):
        task.save()
    return task


def update_task(actor: User, task: Task, values: Mapping[str, Any]) -> bool:
    """Change a task's title, description, due time, reminder, link or assignee.

    ``values`` may hold ``title``, ``description``, ``due_at``, ``reminder``, ``assignee``
    (a ``User``), ``record_type`` and ``record_id``. Returns whether anything changed.
    """
    require_task(actor, task)
    allowed = {"title", "description", "due_at", "reminder", "assignee", "record_type", "record_id"}
    unknown = set(values) - allowed
    if unknown:
        name = sorted(unknown)[0]
        raise ValidationError(name, f"{name!r} is not a field you can set on a task.")
    changes: dict[str, Any] = {}
    if "title" in values:
        changes["title"] = _title(values["title"])
    if "description" in values:
        changes["description"] = str(values["description"]).strip()
    if "due_at" in values:
        changes["due_at"] = _naive_utc(values["due_at"])
    if "reminder" in values:
        changes["reminder"] = _reminder(values["reminder"])
    if "assignee" in values:
        assignee = values["assignee"]
        if not isinstance(assignee, User):
            raise ValidationError("assignee", "Assign the task to a user.")
        if assignee.id != task.assignee_id:
            require_assign(actor, assignee)
        changes["assignee"] = assignee
    if "record_type" in values or "record_id" in values:
        record_type = values.get("record_type", task.record_type)
        record_id = values.get("record_id", task.record_id)
        if (record_type, record_id) != (task.record_type, task.record_id):
            check_link(actor, record_type, record_id)
        changes["record_type"] = record_type
        changes["record_id"] = record_id
    version = task.version
    with writing(actor, task):
        for name, value in changes.items():
            setattr(task, name, value)
        if task.reminder and task.due_at is None:
            raise ValidationError("reminder", "A reminder needs a due date and time.")
        task.remind_at = remind_time(task)
        task.save()
    return task.version != version


def complete_task(actor: User, task: Task, *, at: dt.datetime | None = None) -> None:
    """Mark a task done (its reminder no longer fires)."""
    require_task(actor, task)
    if task.done:
        return
    with writing(actor, task):
        task.done = True
        task.done_at = _naive_utc(at) or utcnow()
        task.remind_at = None
        task.save()


def reopen_task(actor: User, task: Task) -> None:
    """Mark a done task open again (its reminder is armed again if still ahead)."""
    require_task(actor, task)
    if not task.done:
        return
    with writing(actor, task):
        task.done = False
        task.done_at = None
        task.remind_at = remind_time(task)
        task.save()


def delete_task(actor: User, task: Task) -> None:
    """Soft-delete a task (``restore_task`` undoes it)."""
    require_task(actor, task)
    with writing(actor, task):
        task.delete_instance()


def restore_task(actor: User, task: Task) -> None:
    require_task(actor, task)
    with writing(actor, task):
        task.restore()


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class TaskFilter:
    """Filters of the Tasks screen: assignee, linked record kind, text in the title."""

    assignee_id: uuid.UUID | None = None
    record_type: str | None = None
    text: str = ""


def day_bounds(now: dt.datetime, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """Start and end (naive UTC) of the day containing ``now`` (naive UTC) in ``tz``."""
    local = now.replace(tzinfo=dt.UTC).astimezone(tz)
    start = dt.datetime.combine(local.date(), dt.time(), tzinfo=tz)
    end = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    return _naive_utc(start) or start, _naive_utc(end) or end


def visible_tasks(user: User) -> peewee.ModelSelect[Task]:
    """Live tasks ``user`` may see."""
    query = Task.live()
    ids = visible_owner_ids(user)
    if ids is not None:
        query = query.where(Task.assignee.in_(list(ids)) | (Task.created_by == user.id))
    return query


def _filtered(query: peewee.ModelSelect[Task], filters: TaskFilter) -> peewee.ModelSelect[Task]:
    if filters.assignee_id is not None:
        query = query.where(Task.assignee == filters.assignee_id)
    if filters.record_type:
        query = query.where(Task.record_type == filters.record_type)
    for word in filters.text.split():
        query = query.where(Task.title.contains(word))
    return query


def section_query(
    user: User,
    section: Section,
    *,
    now: dt.datetime,
    tz: dt.tzinfo = dt.UTC,
    filters: TaskFilter = TaskFilter(),
) -> peewee.ModelSelect[Task]:
    """Tasks of one section, in the order the screen lists them."""
    _, end_of_today = day_bounds(now, tz)
    query = _filtered(visible_tasks(user), filters)
    if section is Section.DONE:
        return query.where(Task.done).order_by(Task.done_at.desc(), Task.id)
    query = query.where(~Task.done)
    if section is Section.OVERDUE:
        return query.where(Task.due_at < now).order_by(Task.due_at, Task.id)
    if section is Section.TODAY:
        return query.where(Task.due_at >= now, Task.due_at < end_of_today).order_by(
            Task.due_at, Task.id
        )
    return query.where(Task.due_at.is_null() | (Task.due_at >= end_of_today)).order_by(
        Task.due_at.is_null(), Task.due_at, Task.created_at, Task.id
    )


def list_tasks(
    user: User,
    section: Section,
    *,
    now: dt.datetime | None = None,
    tz: dt.tzinfo = dt.UTC,
    filters: TaskFilter = TaskFilter(),
    limit: int = 500,
) -> list[Task]:
    """The first ``limit`` tasks of ``section`` for ``user``."""
    query = section_query(user, section, now=now or utcnow(), tz=tz, filters=filters)
    return list(query.limit(limit))


def section_counts(
    user: User,
    *,
    now: dt.datetime | None = None,
    tz: dt.tzinfo = dt.UTC,
    filters: TaskFilter = TaskFilter(),
) -> dict[Section, int]:
    """How many tasks each section holds."""
    at = now or utcnow()
    return {
        section: section_query(user, section, now=at, tz=tz, filters=filters).order_by().count()
        for section in Section
    }


def tasks_for_record(user: User, record_type: str, record_id: uuid.UUID) -> list[Task]:
    """Tasks linked to one record, open ones first by due time (for record pages)."""
    return list(
        visible_tasks(user)
        .where(Task.record_type == record_type, Task.record_id == record_id)
        .order_by(Task.done, Task.due_at.is_null(), Task.due_at, Task.created_at)
    )


def is_overdue(task: Task, now: dt.datetime) -> bool:
    return not task.done and task.due_at is not None and task.due_at < now


# --------------------------------------------------------------------------- quick add

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = re.compile(r"^(?:at\s+)?(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?$", re.IGNORECASE)
_IN = re.compile(r"^in\s+(\d+)\s*(m|min|mins|minutes?|h|hours?|d|days?|w|weeks?)$", re.I)
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
DEFAULT_DUE_TIME = dt.time(9, 0)


@dataclass(frozen=True)
class QuickTask:
    title: str
    due_at: dt.datetime | None  # naive UTC


def _weekday(word: str) -> int | None:
    word = word.lower().rstrip(".")
    for index, name in enumerate(_WEEKDAYS):
        if len(word) >= 3 and (word.startswith(name) and name.startswith(word[:3])):
            full = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
            if full[index].startswith(word):
                return index
    return None


def _parse_time(text: str) -> dt.time | None:
    match = _TIME.match(text.strip())
    if not match:
        return None
    hour, minute, half = int(match.group(1)), int(match.group(2) or 0), match.group(3)
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half.lower() == "pm" else 0)
    elif match.group(2) is None and not text.strip().lower().startswith("at"):
        return None  # a bare number is part of the title ("Call 3 people")
    if hour > 23 or minute > 59:
        return None
    return dt.time(hour, minute)


def parse_quick_add(text: str, *, now: dt.datetime, tz: dt.tzinfo = dt.UTC) -> QuickTask:
    """Split "Call Anna tomorrow 10:30" into a title and a due time (naive UTC).

    Understands, at the end of the text: ``today``, ``tomorrow``, a weekday (the next one),
    ``next week``, an ISO date ``2026-12-01``, ``in N minutes/hours/days/weeks``, and a time
    (``14:30``, ``3pm``, ``at 9``). A date without a time is due at 9:00; a time without a date
    is today (tomorrow if already past).
    """
    words = text.split()
    local_now = now.replace(tzinfo=dt.UTC).astimezone(tz)
    day: dt.date | None = None
    time: dt.time | None = None
    relative: dt.timedelta | None = None

    def tail(count: int) -> str:
        return " ".join(words[-count:]) if len(words) >= count else ""

    changed = True
    while changed and words:
        changed = False
        for count in (3, 2, 1):
            piece = tail(count)
            if not piece:
                continue
            lower = piece.lower()
            if relative is None and day is None and time is None and (m := _IN.match(lower)):
                amount, unit = int(m.group(1)), m.group(2)[0]
                relative = {
                    "m": dt.timedelta(minutes=amount),
                    "h": dt.timedelta(hours=amount),
                    "d": dt.timedelta(days=amount),
                    "w": dt.timedelta(weeks=amount),
                }[unit]
            elif time is None and relative is None and (parsed := _parse_time(piece)):
                time = parsed
            elif day is None and relative is None and count == 1 and lower in ("today", "tod"):
                day = local_now.date()
            elif day is None and relative is None and count == 1 and lower in ("tomorrow", "tmr"):
                day = local_now.date() + dt.timedelta(days=1)
            elif day is None and relative is None and count == 2 and lower == "next week":
                day = local_now.date() + dt.timedelta(days=7 - local_now.weekday())
            elif day is None and relative is None and count == 1 and (m := _ISO.match(lower)):
                try:
                    day = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
                except ValueError:
                    continue
            elif (
                day is None
                and relative is None
                and count == 1
                and (weekday := _weekday(lower)) is not None
            ):
                ahead = (weekday - local_now.weekday()) % 7 or 7
                day = local_now.date() + dt.timedelta(days=ahead)
            else:
                continue
            del words[-count:]
            if words and words[-1].lower() in ("on", "by", "due", "at"):
                words.pop()
            changed = True
            break
    title = " ".join(words)
    if relative is not None:
        return QuickTask(title, now + relative)
    if day is None and time is None:
        return QuickTask(" ".join(text.split()), None)
    if day is None:
        assert time is not None
        candidate = dt.datetime.combine(local_now.date(), time, tzinfo=tz)
        if candidate <= local_now:
            candidate += dt.timedelta(days=1)
        return QuickTask(title, _naive_utc(candidate))
    local = dt.datetime.combine(day, time or DEFAULT_DUE_TIME, tzinfo=tz)
    if isinstance(tz, ZoneInfo):
        local = local.replace(fold=0)
    return QuickTask(title, _naive_utc(local))


# --------------------------------------------------------------------------- screen rows


@dataclass(frozen=True)
class TaskRow:
    """What the Tasks screen shows of a task (read in a worker, shown on the GUI thread)."""

    id: uuid.UUID
    title: str
    due_at: dt.datetime | None
    done: bool
    done_at: dt.datetime | None
    overdue: bool
    reminder: str | None
    record_type: str | None
    record_id: uuid.UUID | None
    record_title: str
    assignee_id: uuid.UUID | None
    assignee_name: str


def link_titles(pairs: Iterable[tuple[str | None, uuid.UUID | None]]) -> dict[uuid.UUID, str]:
    """Display names of linked records, by id (one query per kind)."""
    by_kind: dict[str, set[uuid.UUID]] = {}
    for kind, record_id in pairs:
        if kind and record_id:
            by_kind.setdefault(kind, set()).add(record_id)
    titles: dict[uuid.UUID, str] = {}
    for kind, ids in by_kind.items():
        try:
            model = RECORD_MODELS[RecordKind(kind)]
        except ValueError:
            continue
        key: Any = model._meta.primary_key
        for record in model.select().where(key.in_(list(ids))):
            title = getattr(record, "display_name", None) or getattr(record, "name", "")
            titles[record.id] = str(title)
    return titles


def task_sections(
    user: User,
    *,
    now: dt.datetime,
    tz: dt.tzinfo = dt.UTC,
    filters: TaskFilter = TaskFilter(),
    limit: int = 200,
    done_limit: int = 50,
) -> tuple[dict[Section, list[TaskRow]], dict[Section, int]]:
    """Every section's first rows and its full count, ready to show."""
    found: dict[Section, list[Task]] = {}
    counts: dict[Section, int] = {}
    for section in Section:
        query = section_query(user, section, now=now, tz=tz, filters=filters)
        found[section] = list(query.limit(done_limit if section is Section.DONE else limit))
        counts[section] = (
            len(found[section])
            if len(found[section]) < (done_limit if section is Section.DONE else limit)
            else query.order_by().count()
        )
    every = [task for rows in found.values() for task in rows]
    titles = link_titles((t.record_type, t.record_id) for t in every)
    user_ids = {t.assignee_id for t in every if t.assignee_id}
    names = {u.id: u.name for u in User.select().where(User.id.in_(list(user_ids)))}
    rows = {
        section: [
            TaskRow(
                t.id,
                t.title,
                t.due_at,
                t.done,
                t.done_at,
                is_overdue(t, now),
                t.reminder,
                t.record_type,
                t.record_id,
                titles.get(t.record_id, "") if t.record_id else "",
                t.assignee_id,
                names.get(t.assignee_id, "") if t.assignee_id else "",
            )
            for t in tasks_
        ]
        for section, tasks_ in found.items()
    }
    return rows, counts
