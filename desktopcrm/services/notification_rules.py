"""Notifications from the change log: what other people (or other apps) changed that a user
wants to hear about.

Each user has a cursor, the last change-log ``seq`` evaluated for them. ``evaluate(user)``
reads the rows after it that someone else wrote (never the user's own changes), finds

- the predefined ones: a lead, deal or task assigned to the user (created with them as owner
  or assignee, or handed to them);
- the user's custom rules: a change to a deal, lead, person or company (created, stage or
  status changed, task added, owner changed) whose record is in the rule's filter, tested by
  the list engine with the user's visibility (``ListQuery.matching``);

posts them (``services.notifications.post``, keyed by the row's seq and the rule or kind, so a
row never notifies twice) and moves the cursor past the rows read (on PostgreSQL, not past a
seq whose transaction may still commit: see ``evaluate``). Changes written by another
process on the same database are in the same log, so they notify the same way. A user's first
evaluation starts at the end of the log: nobody is notified about history.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from desktopcrm.models import ChangeLog, User, database, write_transaction
from desktopcrm.models.notifications import (
    RULE_KINDS,
    Delivery,
    NotificationCursor,
    NotificationKind,
    NotificationRule,
    Trigger,
)
from desktopcrm.models.records import LeadStatus, Stage
from desktopcrm.models.tasks import Task
from desktopcrm.services import notifications
from desktopcrm.services.errors import ServiceError
from desktopcrm.services.lists import ListQuery
from desktopcrm.services.log_gaps import GapTracker, reads_out_of_order
from desktopcrm.services.notifications import Entry, NewEntry
from desktopcrm.services.tasks import link_titles

log = logging.getLogger("desktopcrm.notifications")

#: Change-log rows read per step; ``evaluate`` takes up to ``MAX_BATCHES`` steps per call.
BATCH = 2000
MAX_BATCHES = 10
TABLES = ("lead", "contact", "deal", "task")
_ASSIGNED = {
    "lead": ("owner", NotificationKind.LEAD_ASSIGNED, "Lead"),
    "deal": ("owner", NotificationKind.DEAL_ASSIGNED, "Deal"),
    "task": ("assignee", NotificationKind.TASK_ASSIGNED, "Task"),
}
_STATUS_FIELDS = {
    "deal": ("stage",),
    "lead": ("status",),
    "contact": ("prospect_status", "customer_status"),
}
_WORDS = {"deal": "Deal", "lead": "Lead", "person": "Person", "company": "Company"}
#: PostgreSQL: each user's gap tracker in this process (per open database), and a lock so two
#: windows of the same user do not evaluate at once here.
_trackers: dict[tuple[int, uuid.UUID], tuple[GapTracker, threading.Lock]] = {}
_trackers_lock = threading.Lock()


def _uuid(value: Any) -> uuid.UUID | None:
    if value is None or value == "":
        return None
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _new_value(row: ChangeLog, changes: dict[str, Any], name: str) -> tuple[bool, Any]:
    """Whether ``row`` set field ``name`` and to what (an insert's value, an update's new one)."""
    if name not in changes:
        return False, None
    value = changes[name]
    if row.operation == "update":
        if not isinstance(value, list) or len(value) != 2:
            return False, None
        return True, value[1]
    return row.operation == "insert", value


# --------------------------------------------------------------------------- the cursor


def cursor(user: User) -> int | None:
    """The last seq evaluated for ``user`` (None before their first evaluation)."""
    row = NotificationCursor.get_or_none(NotificationCursor.user_id == user.id)
    return int(row.seq) if row is not None else None


def start_cursor(user: User, seq: int | None = None) -> int:
    """Start ``user``'s cursor at ``seq`` (default: the end of the log) unless it exists."""
    at = ChangeLog.last_seq() if seq is None else seq
    with write_transaction():
        NotificationCursor.insert(user_id=user.id, seq=at).on_conflict_ignore().execute()
    return cursor(user) or 0


def _advance(user: User, seq: int) -> None:
    NotificationCursor.update(seq=seq).where(
        NotificationCursor.user_id == user.id, NotificationCursor.seq < seq
    ).execute()


# --------------------------------------------------------------------------- evaluation


_Parsed = tuple[ChangeLog, dict[str, Any]]  # a change-log row and its parsed changes


@dataclass(frozen=True)
class _Hit:
    row: ChangeLog
    changes: dict[str, Any]
    record_id: uuid.UUID
    trigger: Trigger


class _Names:
    """Display names of the rows that notify, read once per batch: records, users, stages,
    lead statuses, tasks."""

    def __init__(self, rows: Sequence[ChangeLog], hits: Iterable[tuple[str, uuid.UUID]]) -> None:
        pairs: list[tuple[str | None, uuid.UUID | None]] = list(hits)
        task_ids = [r.row_id for r in rows if r.table_name == "task"]
        self.tasks = (
            {t.id: t for t in Task.select().where(Task.id.in_(task_ids))} if task_ids else {}
        )
        pairs += [(t.record_type, t.record_id) for t in self.tasks.values() if t.record_id]
        pairs += [(r.table_name, r.row_id) for r in rows if r.table_name != "task"]
        self.records = link_titles(pairs)
        self.users = {u.id: u.name for u in User.select(User.id, User.name)}  # a few dozen
        self.stages = {s.id: s.name for s in Stage.select(Stage.id, Stage.name)}
        self.statuses = {s.id: s.name for s in LeadStatus.select(LeadStatus.id, LeadStatus.name)}

    def record(self, record_id: uuid.UUID | None) -> str:
        return self.records.get(record_id, "") if record_id else ""

    def who(self, row: ChangeLog) -> str:
        return self.users.get(row.user_id, "someone") if row.user_id else "an import or sync"


def _rule_hits(rule: NotificationRule, by_table: dict[str, list[_Parsed]]) -> list[_Hit]:
    """The rows (grouped by table) that fire one of ``rule``'s triggers, before its filter."""
    table = RULE_KINDS.get(str(rule.kind))
    if table is None:
        return []
    triggers = rule.trigger_set
    hits: list[_Hit] = []
    created = Trigger.CREATED in triggers
    status = Trigger.STAGE_CHANGED in triggers
    owner = Trigger.OWNER_CHANGED in triggers
    fields = _STATUS_FIELDS[table]
    if created or status or owner:
        for row, changes in by_table.get(table, ()):
            operation = row.operation
            if created and operation == "insert":
                hits.append(_Hit(row, changes, row.row_id, Trigger.CREATED))
            if operation != "update":
                continue
            if status and any(f in changes for f in fields):
                hits.append(_Hit(row, changes, row.row_id, Trigger.STAGE_CHANGED))
            if owner and "owner" in changes:
                hits.append(_Hit(row, changes, row.row_id, Trigger.OWNER_CHANGED))
    if Trigger.TASK_ADDED in triggers:
        for row, changes in by_table.get("task", ()):
            if row.operation == "insert" and changes.get("record_type") == table:
                record_id = _uuid(changes.get("record_id"))
                if record_id is not None:
                    hits.append(_Hit(row, changes, record_id, Trigger.TASK_ADDED))
    hits.sort(key=lambda h: h.row.seq)
    return hits


def _rule_body(hit: _Hit, kind: str, names: _Names) -> str:
    who = names.who(hit.row)
    if hit.trigger is Trigger.CREATED:
        return f"{_WORDS.get(kind, 'Record')} created by {who}"
    if hit.trigger is Trigger.TASK_ADDED:
        return f"Task added by {who}: {hit.changes.get('title', '')}"
    if hit.trigger is Trigger.OWNER_CHANGED:
        owner = _uuid(hit.changes["owner"][1])
        to = names.users.get(owner, "") if owner else "nobody"
        if owner and not to:
            found = User.get_or_none(User.id == owner)
            to = found.name if found else "someone"
        return f"Owner changed to {to} by {who}"
    if "stage" in hit.changes:
        stage = names.stages.get(_uuid(hit.changes["stage"][1]) or uuid.UUID(int=0), "?")
        return f"Moved to {stage} by {who}"
    if "status" in hit.changes:
        status = names.statuses.get(_uuid(hit.changes["status"][1]) or uuid.UUID(int=0), "?")
        return f"Status changed to {status} by {who}"
    return f"Status changed by {who}"


def _assigned_rows(user: User, rows: Sequence[tuple[ChangeLog, dict[str, Any]]]) -> list[ChangeLog]:
    """The rows that hand a lead, deal or task to ``user``."""
    found: list[ChangeLog] = []
    for row, changes in rows:
        field_kind = _ASSIGNED.get(row.table_name)
        if field_kind is None:
            continue
        changed, value = _new_value(row, changes, field_kind[0])
        if changed and _uuid(value) == user.id:
            found.append(row)
    return found


def _assigned(rows: Sequence[ChangeLog], names: _Names) -> list[NewEntry]:
    """The "assigned to you" entries of ``rows`` (from ``_assigned_rows``)."""
    found: list[NewEntry] = []
    for row in rows:
        _field, kind, word = _ASSIGNED[row.table_name]
        if row.table_name == "task":
            task = names.tasks.get(row.row_id)
            title = task.title if task is not None else str(row.changed.get("title", ""))
            record_type = task.record_type if task is not None else None
            record_id = task.record_id if task is not None else None
            linked = names.record(record_id)
            body = f"by {names.who(row)}" + (f" · {linked}" if linked else "")
        else:
            title = names.record(row.row_id) or "(no name)"
            record_type, record_id = row.table_name, row.row_id
            body = f"by {names.who(row)}"
        found.append(
            NewEntry(
                f"seq:{row.seq}:{kind.value}",
                kind,
                f"{word} assigned to you: {title}",
                body,
                record_type,
                record_id,
            )
        )
    return found


def entries_for(user: User, rows: Sequence[ChangeLog]) -> list[NewEntry]:
    """What ``rows`` (other people's changes) notify ``user`` of, before delivery choices.
    Each row's changes are parsed once; names are read only for the rows that notify."""
    parsed = [(row, row.changed) for row in rows]
    by_table: dict[str, list[_Parsed]] = {}
    for item in parsed:
        by_table.setdefault(item[0].table_name, []).append(item)
    assigned = _assigned_rows(user, parsed)
    matched: list[tuple[NotificationRule, _Hit]] = []
    for rule in notifications.rules(user):
        if rule.delivery == Delivery.OFF.value:
            continue
        hits = _rule_hits(rule, by_table)
        if not hits:
            continue
        try:
            matching = ListQuery(user, notifications.rule_spec(rule)).matching(
                h.record_id for h in hits
            )
        except ServiceError as exc:  # e.g. a custom field of its filter was deleted
            log.warning("notification rule %s skipped: %s", rule.name, exc)
            continue
        matched += [(rule, h) for h in hits if h.record_id in matching]
    if not assigned and not matched:
        return []
    used = {r.seq: r for r in assigned} | {h.row.seq: h.row for _, h in matched}
    names = _Names(
        list(used.values()),
        (
            (
                "contact" if RULE_KINDS.get(str(rule.kind)) == "contact" else str(rule.kind),
                h.record_id,
            )
            for rule, h in matched
        ),
    )
    found = _assigned(assigned, names)
    for rule, hit in matched:
        found.append(
            NewEntry(
                f"seq:{hit.row.seq}:rule:{rule.id.hex}:{hit.trigger.value}",
                NotificationKind.RULE,
                f"{rule.name}: {names.record(hit.record_id) or '(no name)'}",
                _rule_body(hit, str(rule.kind), names),
                RULE_KINDS[str(rule.kind)],
                hit.record_id,
                rule_id=rule.id,
                delivery=Delivery(rule.delivery),
            )
        )
    found.sort(key=lambda e: int(e.key.split(":")[1]))
    return found


def _tracker(user: User, start: int) -> tuple[GapTracker, threading.Lock] | None:
    """This process's gap tracker for ``user`` (PostgreSQL only), picked up at ``start``."""
    if not reads_out_of_order():
        return None
    key = (id(database.obj), user.id)  # a database opened again starts afresh
    with _trackers_lock:
        found = _trackers.get(key)
        if found is None:
            found = _trackers[key] = (GapTracker(start), threading.Lock())
    return found


def _theirs(user: User, rows: Sequence[ChangeLog]) -> list[ChangeLog]:
    return [r for r in rows if r.table_name in TABLES and r.user_id != user.id]


def evaluate(
    user: User,
    *,
    batch: int = BATCH,
    max_batches: int = MAX_BATCHES,
    now: dt.datetime | None = None,
) -> list[Entry]:
    """Post what others changed since ``user``'s cursor and move the cursor; returns the
    entries added (see the module docstring). Reads at most ``batch * max_batches`` rows;
    the rest waits for the next call.

    On PostgreSQL a transaction can commit after one that took a higher seq; the seqs passed
    unseen are kept as gaps (``services.log_gaps``), read again until their rows show or they
    are known to be rolled back, and the stored cursor stays below the oldest gap."""
    start = cursor(user)
    if start is None:
        start_cursor(user)
        return []
    tracked = _tracker(user, start)
    if tracked is None:
        return _evaluate(user, start, None, batch, max_batches, now)
    tracker, lock = tracked
    with lock:
        tracker.restart_at(start)
        return _evaluate(user, start, tracker, batch, max_batches, now)


def _evaluate(
    user: User,
    start: int,
    tracker: GapTracker | None,
    batch: int,
    max_batches: int,
    now: dt.datetime | None,
) -> list[Entry]:
    added: list[Entry] = []
    position = start
    if tracker is not None:
        position = tracker.position
        late = _theirs(user, tracker.fill())
        if late:
            with write_transaction():
                added += notifications.post(user, entries_for(user, late), now=now)
    for _ in range(max_batches):
        upper = ChangeLog.last_seq()
        if upper <= position:
            break
        visible = tracker.visible(upper) if tracker is not None else None
        rows = list(
            ChangeLog.select()
            .where(
                ChangeLog.seq > position,
                ChangeLog.seq <= upper,
                ChangeLog.table_name.in_(TABLES),
                ChangeLog.user_id.is_null() | (ChangeLog.user_id != user.id),
            )
            .order_by(ChangeLog.seq)
            .limit(batch)
        )
        end = rows[-1].seq if len(rows) == batch else upper
        new = entries_for(user, rows) if rows else []
        if tracker is not None:
            tracker.read(end, visible)
        with write_transaction():
            added += notifications.post(user, new, now=now)
            _advance(user, tracker.stable() if tracker is not None else end)
        position = end
        if end == upper:
            break
    if tracker is not None and tracker.stable() > start:
        with write_transaction():
            _advance(user, tracker.stable())  # gaps that filled or were given up
    return added
