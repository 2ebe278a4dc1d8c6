"""The account's activity feed, read from the change log: who did what, newest first.

The feed shows what a sales team talks about: contacts, companies and leads added, deals
created, moved, won, lost or marked unqualified, notes added, tasks completed, lead statuses
and conversions, prospect and customer status changes. Other writes (settings, positions,
reminders...) are skipped.

It is read a page at a time with a keyset cursor on ``(at, seq)`` (the ``at`` index is ordered
by ``at`` then the row id, which is ``seq``), and never more than a page. Each read walks at
most ``SCAN`` change-log rows per round (the first rounds fewer) and ``ROUNDS`` rounds, so a
scope with rare activity in a long log returns a short (even empty) page with a cursor to go
on from, never a long query.

Scope (``services.dashboard.Scope``) counts by who did it: one's own actions, one's reports'
too, or everyone's.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

import peewee

from desktopcrm.models import ChangeLog, User
from desktopcrm.models.notes import Note
from desktopcrm.models.records import (
    Contact,
    CustomerStatus,
    Deal,
    Lead,
    LeadStatus,
    ProspectStatus,
    Stage,
    StageKind,
)
from desktopcrm.models.tasks import Task
from desktopcrm.services.dashboard import Scope, scope_user_ids, scopes_for

PAGE = 50
SCAN = 4000
ROUNDS = 5
_EXCERPT = 140


@dataclass(frozen=True)
class FeedCursor:
    """Where a page ended: the next page holds entries strictly older than this."""

    at: dt.datetime
    seq: int


@dataclass(frozen=True)
class FeedItem:
    """One line of the feed: "<who> <action> <subject> <tail>", with an optional detail.

    Attributes:
        kind: contact / company / lead / deal / stage / won / lost / unqualified / note /
            task / lead_status / converted / status.
        record_type, record_id: what a click opens (a lead, contact or deal), if anything.
        amount, currency: the deal's value, for deal entries.
    """

    seq: int
    at: dt.datetime
    user_id: uuid.UUID | None
    who: str
    kind: str
    action: str
    subject: str
    tail: str = ""
    detail: str = ""
    record_type: str | None = None
    record_id: uuid.UUID | None = None
    amount: Decimal | None = None
    currency: str = ""

    @property
    def cursor(self) -> FeedCursor:
        return FeedCursor(self.at, self.seq)

    @property
    def text(self) -> str:
        """The whole line as plain text (for tests and screen readers)."""
        return " ".join(x for x in (self.who, self.action, self.subject, self.tail) if x)


@dataclass(frozen=True)
class FeedPage:
    """At most a page of entries, the cursor to read on from, and whether there may be more."""

    items: list[FeedItem]
    cursor: FeedCursor | None
    has_more: bool
    scanned: int = 0


def _like(name: str) -> Any:
    return ChangeLog.changes.contains(f'"{name}": [')


def _interesting() -> Any:
    """The change-log rows the feed shows (SQL: cheap tests on indexed or short columns)."""
    inserted = (ChangeLog.operation == "insert") & ChangeLog.table_name.in_(
        ["contact", "lead", "deal", "note"]
    )
    updated = ChangeLog.operation == "update"
    task_done = (ChangeLog.table_name == "task") & ChangeLog.changes.contains(
        '"done": [false, true]'
    )
    deal_moved = (ChangeLog.table_name == "deal") & _like("stage")
    lead_status = (ChangeLog.table_name == "lead") & (_like("status") | _like("converted_at"))
    contact_status = (ChangeLog.table_name == "contact") & (
        _like("prospect_status") | _like("customer_status")
    )
    return inserted | (updated & (task_done | deal_moved | lead_status | contact_status))


def _before(cursor: FeedCursor) -> Any:
    return (ChangeLog.at <= cursor.at) & ((ChangeLog.at < cursor.at) | (ChangeLog.seq < cursor.seq))


def feed_page(
    user: User,
    *,
    scope: Scope | str | None = None,
    cursor: FeedCursor | None = None,
    limit: int = PAGE,
    scan: int = SCAN,
    rounds: int = ROUNDS,
) -> FeedPage:
    """The entries of ``scope`` older than ``cursor`` (newest first; ``None``: from the newest),
    at most ``limit`` of them."""
    actors = scope_user_ids(user, scope or scopes_for(user)[0])
    order = (ChangeLog.at.desc(), ChangeLog.seq.desc())
    rows: list[ChangeLog] = []
    scanned = 0
    at = cursor
    # Windows grow (4 x the page, then x4 each round, at most ``scan``): an active scope
    # finds its page in the first small window, a quiet one still reads a bounded amount.
    size = min(scan, max(limit * 4, 100))
    for _ in range(rounds):
        window = ChangeLog.select(ChangeLog.seq).order_by(*order).limit(size)
        if at is not None:
            window = window.where(_before(at))
        query = ChangeLog.select().where(ChangeLog.seq.in_(window), _interesting())
        if actors is not None:
            query = query.where(ChangeLog.user_id.in_(list(actors)))
        found = list(query.order_by(*order).limit(limit - len(rows)))
        rows += found
        if len(rows) >= limit:
            at = FeedCursor(rows[-1].at, rows[-1].seq)
            scanned += size
            break
        # The window's oldest row: the next round (or page) starts below it.
        last = ChangeLog.select(ChangeLog.at, ChangeLog.seq).order_by(*order)
        if at is not None:
            last = last.where(_before(at))
        edge = last.offset(size - 1).limit(1).first()
        scanned += size
        if edge is None:
            at = FeedCursor(rows[-1].at, rows[-1].seq) if rows else at
            return FeedPage(describe(rows), at, False, scanned)
        at = FeedCursor(edge.at, edge.seq)
        size = min(scan, size * 4)
    return FeedPage(describe(rows), at, True, scanned)


def feed_since(
    user: User, *, scope: Scope | str | None = None, after_seq: int, limit: int = PAGE
) -> tuple[list[FeedItem], int, bool]:
    """Entries written after ``after_seq`` (newest first, at most ``limit``), the log's last
    ``seq`` and whether more than ``limit`` arrived (then the caller reads from the top)."""
    actors = scope_user_ids(user, scope or scopes_for(user)[0])
    last_seq = ChangeLog.last_seq()
    query = ChangeLog.select().where(ChangeLog.seq > after_seq, _interesting())
    if actors is not None:
        query = query.where(ChangeLog.user_id.in_(list(actors)))
    rows = list(query.order_by(ChangeLog.at.desc(), ChangeLog.seq.desc()).limit(limit + 1))
    return describe(rows[:limit]), last_seq, len(rows) > limit


# --------------------------------------------------------------------------- words


@dataclass(frozen=True)
class _Attached:
    """A note or a task the feed mentions: the record it is on, and its text or title."""

    record_type: str | None
    record_id: uuid.UUID | None
    text: str


@dataclass(frozen=True)
class _Record:
    """A lead, contact or deal the feed mentions, as far as the feed tells about it."""

    name: str
    alive: bool
    is_company: bool = False
    amount: Decimal | None = None
    currency: str = ""
    stage_id: uuid.UUID | None = None


class _Lookup:
    """Current names of everything the rows mention, in three queries: the notes and tasks,
    then the leads, contacts and deals (those rows and the ones the notes and tasks are on),
    then the users, stages and lead statuses (small tables, read whole)."""

    def __init__(self, rows: Iterable[ChangeLog]) -> None:
        ids: dict[str, set[uuid.UUID]] = {}
        for row in rows:
            ids.setdefault(row.table_name, set()).add(row.row_id)
        self.notes, self.tasks = _attached(ids.get("note"), ids.get("task"))
        for attached in (*self.notes.values(), *self.tasks.values()):
            if attached.record_type and attached.record_id:
                ids.setdefault(attached.record_type, set()).add(attached.record_id)
        self.records = _records(ids)
        self.users, self.stages, self.statuses = _settings()

    def record(self, kind: str | None, record_id: uuid.UUID | None) -> tuple[str, bool]:
        """(name, still there) of a lead, contact or deal."""
        found = self.records.get((kind or "", record_id)) if record_id else None
        if found is None:
            return "a removed record", False
        return found.name, found.alive

    def found(self, kind: str, record_id: uuid.UUID) -> _Record | None:
        return self.records.get((kind, record_id))


def _attached(
    note_ids: set[uuid.UUID] | None, task_ids: set[uuid.UUID] | None
) -> tuple[dict[uuid.UUID, _Attached], dict[uuid.UUID, _Attached]]:
    """The notes and the tasks of these ids, in one query."""
    parts: list[Any] = []
    if note_ids:
        parts.append(
            Note.select(
                peewee.Value("note").alias("kind"),
                Note.id,
                Note.record_type,
                Note.record_id,
                Note.body.alias("text"),
            ).where(Note.id.in_(list(note_ids)))
        )
    if task_ids:
        parts.append(
            Task.select(
                peewee.Value("task").alias("kind"),
                Task.id,
                Task.record_type,
                Task.record_id,
                Task.title.alias("text"),
            ).where(Task.id.in_(list(task_ids)))
        )
    notes: dict[uuid.UUID, _Attached] = {}
    tasks: dict[uuid.UUID, _Attached] = {}
    if not parts:
        return notes, tasks
    query = parts[0] if len(parts) == 1 else parts[0] + parts[1]
    for kind, row_id, record_type, record_id, text in query.tuples():
        found = _Attached(record_type or None, _uuid(record_id), str(text or ""))
        (notes if kind == "note" else tasks)[_must_uuid(row_id)] = found
    return notes, tasks


def _records(ids: dict[str, set[uuid.UUID]]) -> dict[tuple[str, uuid.UUID], _Record]:
    """The contacts, leads and deals among ``ids`` (by table), in one query."""
    nothing = peewee.Value(None)
    parts: list[Any] = []
    if ids.get("contact"):
        parts.append(
            Contact.select(
                peewee.Value("contact"),
                Contact.id,
                Contact.name,
                Contact.email,
                Contact.deleted_at,
                Contact.is_company,
                nothing,
                nothing,
                nothing,
            ).where(Contact.id.in_(list(ids["contact"])))
        )
    if ids.get("lead"):
        parts.append(
            Lead.select(
                peewee.Value("lead"),
                Lead.id,
                peewee.fn.TRIM(Lead.first_name.concat(" ").concat(Lead.last_name)),
                peewee.fn.COALESCE(
                    peewee.fn.NULLIF(Lead.company_name, ""), peewee.fn.NULLIF(Lead.email, "")
                ),
                Lead.deleted_at,
                nothing,
                nothing,
                nothing,
                nothing,
            ).where(Lead.id.in_(list(ids["lead"])))
        )
    if ids.get("deal"):
        parts.append(
            Deal.select(
                peewee.Value("deal"),
                Deal.id,
                Deal.name,
                nothing,
                Deal.deleted_at,
                nothing,
                Deal.value,
                Deal.currency,
                Deal.stage,
            ).where(Deal.id.in_(list(ids["deal"])))
        )
    found: dict[tuple[str, uuid.UUID], _Record] = {}
    if not parts:
        return found
    query = parts[0]
    for part in parts[1:]:
        query = query + part
    for kind, row_id, name, fallback, deleted, company, value, currency, stage in query.tuples():
        amount = Decimal(str(value)).quantize(Decimal("0.01")) if value is not None else None
        found[(kind, _must_uuid(row_id))] = _Record(
            str(name or fallback or "(no name)"),
            deleted is None,
            bool(company),
            amount,
            str(currency or ""),
            _uuid(stage),
        )
    return found


def _settings() -> tuple[dict[Any, str], dict[Any, tuple[str, str]], dict[Any, str]]:
    """Every user's name, every stage's (name, kind), every lead status's name: one query."""
    nothing = peewee.Value(None)
    query = (
        User.select(peewee.Value("user"), User.id, User.name, nothing)
        + Stage.select(peewee.Value("stage"), Stage.id, Stage.name, Stage.kind)
        + LeadStatus.select(peewee.Value("status"), LeadStatus.id, LeadStatus.name, nothing)
    )
    users: dict[Any, str] = {}
    stages: dict[Any, tuple[str, str]] = {}
    statuses: dict[Any, str] = {}
    for table, row_id, name, kind in query.tuples():
        key = _must_uuid(row_id)
        if table == "user":
            users[key] = str(name)
        elif table == "stage":
            stages[key] = (str(name), str(kind))
        else:
            statuses[key] = str(name)
    return users, stages, statuses


def _must_uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _uuid(value: Any) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def _excerpt(text: str) -> str:
    line = " ".join(str(text or "").split())
    return line if len(line) <= _EXCERPT else line[: _EXCERPT - 1] + "…"


def describe(rows: list[ChangeLog]) -> list[FeedItem]:
    """Feed items for change-log rows (in their order; rows the feed does not show dropped)."""
    look = _Lookup(rows)
    items = []
    for row in rows:
        item = _item(row, look)
        if item is not None:
            items.append(item)
    return items


def _item(row: ChangeLog, look: _Lookup) -> FeedItem | None:
    who = look.users.get(row.user_id, "Someone") if row.user_id else "Someone"
    base = FeedItem(row.seq, row.at, row.user_id, who, "", "", "")
    table = row.table_name
    if table == "note":
        note = look.notes.get(row.row_id)
        if note is None:
            return None
        name, alive = look.record(note.record_type, note.record_id)
        return replace(
            base,
            kind="note",
            action="added a note on",
            subject=name,
            detail=_excerpt(note.text),
            record_type=note.record_type if alive else None,
            record_id=note.record_id if alive else None,
        )
    if table == "task":
        task = look.tasks.get(row.row_id)
        if task is None:
            return None
        name, alive = look.record(task.record_type, task.record_id)
        linked = bool(task.record_type and task.record_id)
        return replace(
            base,
            kind="task",
            action="completed the task",
            subject=task.text,
            tail=f"for {name}" if linked else "",
            record_type=task.record_type if linked and alive else None,
            record_id=task.record_id if linked and alive else None,
        )
    name, alive = look.record(table, row.row_id)
    base = replace(base, subject=name)
    if alive:
        base = replace(base, record_type=table, record_id=row.row_id)
    if table == "deal":
        return _deal_item(row, base, look)
    if table == "lead":
        return _lead_item(row, base, look)
    if table == "contact":
        return _contact_item(row, base, look)
    return None


def _deal_item(row: ChangeLog, base: FeedItem, look: _Lookup) -> FeedItem | None:
    deal = look.found("deal", row.row_id)
    if deal is not None and deal.amount is not None:
        base = replace(base, amount=deal.amount, currency=deal.currency)
    if row.operation == "insert":
        stage = look.stages.get(deal.stage_id) if deal else None
        detail = f"in {stage[0]}" if stage else ""
        return replace(base, kind="deal", action="created the deal", detail=detail)
    old_value, new_value = row.changed["stage"]
    old, new = look.stages.get(_uuid(old_value)), look.stages.get(_uuid(new_value))
    kind = StageKind(new[1]) if new else StageKind.OPEN
    if kind is StageKind.WON:
        return replace(base, kind="won", action="won the deal")
    if kind is StageKind.LOST:
        return replace(base, kind="lost", action="lost the deal")
    if kind is StageKind.UNQUALIFIED:
        return replace(base, kind="unqualified", action="marked the deal", tail="unqualified")
    tail = f"from {old[0] if old else '(removed)'} to {new[0] if new else '(removed)'}"
    return replace(base, kind="stage", action="moved the deal", tail=tail)


def _lead_item(row: ChangeLog, base: FeedItem, look: _Lookup) -> FeedItem | None:
    changes = row.changed
    if row.operation == "insert":
        return replace(base, kind="lead", action="added the lead")
    if "converted_at" in changes and changes["converted_at"][1]:
        return replace(base, kind="converted", action="converted the lead")
    if "status" not in changes:
        return None
    old_id, new_id = (_uuid(v) for v in changes["status"])
    old_name = look.statuses.get(old_id, "(none)") if old_id else "(none)"
    new_name = look.statuses.get(new_id, "(none)") if new_id else "(none)"
    return replace(
        base,
        kind="lead_status",
        action="changed the status of",
        tail=f"from {old_name} to {new_name}",
    )


def _contact_item(row: ChangeLog, base: FeedItem, look: _Lookup) -> FeedItem | None:
    contact = look.found("contact", row.row_id)
    company = contact.is_company if contact else False
    if row.operation == "insert":
        what = "company" if company else "person"
        return replace(base, kind="company" if company else "contact", action=f"added the {what}")
    changes = row.changed
    parts = []
    if "customer_status" in changes:
        value = str(changes["customer_status"][1])
        label = CustomerStatus(value).label if value in _CUSTOMER else value
        parts.append(f"customer {label}")
    if "prospect_status" in changes:
        value = str(changes["prospect_status"][1])
        label = ProspectStatus(value).label if value in _PROSPECT else value
        parts.append(f"prospect {label}")
    return replace(
        base, kind="status", action="changed the status of", tail="to " + ", ".join(parts)
    )


_CUSTOMER = {s.value for s in CustomerStatus}
_PROSPECT = {s.value for s in ProspectStatus}
