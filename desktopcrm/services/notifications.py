"""Notifications: each user's delivery preferences and custom rules, and the notification
centre's entries (post, list, mark read).

What notifies is decided in ``services.notification_rules`` (from the change log) and by the
callers of ``post`` (reminders, imports, exports, sync). Every entry is posted with a ``key``
naming its cause; the key is unique per user, so a cause posted twice (two windows, a restart)
makes one entry. ``post`` returns the entries this call created: those are the ones to show as
desktop messages.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from desktopcrm.models import User, database, utcnow, write_transaction
from desktopcrm.models.db import insert_many
from desktopcrm.models.notifications import (
    DEFAULT_DELIVERY,
    PREDEFINED,
    RULE_KINDS,
    Delivery,
    Notification,
    NotificationKind,
    NotificationPreference,
    NotificationRule,
    Trigger,
)
from desktopcrm.services.errors import PermissionDenied, ValidationError
from desktopcrm.services.lists import Filter, ListQuery, ListSpec
from desktopcrm.services.records import writing
from desktopcrm.services.saved_lists import spec_from_json, spec_to_json

MAX_RULE_NAME = 200
#: Entries the centre keeps per user; older read ones are dropped by ``prune``.
KEEP = 500


@dataclass(frozen=True)
class Entry:
    """A notification as the centre and the desktop message show it."""

    id: int
    kind: str
    title: str
    body: str
    record_type: str | None
    record_id: uuid.UUID | None
    delivery: str
    created_at: dt.datetime
    read: bool

    @property
    def desktop(self) -> bool:
        return self.delivery == Delivery.DESKTOP.value


@dataclass(frozen=True)
class NewEntry:
    """What ``post`` writes: a cause (``key``), the words, the record it is about."""

    key: str
    kind: NotificationKind
    title: str
    body: str = ""
    record_type: str | None = None
    record_id: uuid.UUID | None = None
    rule_id: uuid.UUID | None = None
    delivery: Delivery | None = None  # None: the user's preference for ``kind``


# --------------------------------------------------------------------------- preferences


def preferences(user: User) -> dict[NotificationKind, Delivery]:
    """How ``user`` gets each predefined kind (defaults where they chose nothing)."""
    chosen = {
        row.kind: row.delivery
        for row in NotificationPreference.live().where(NotificationPreference.user == user.id)
    }
    result: dict[NotificationKind, Delivery] = {}
    for kind in PREDEFINED:
        value = chosen.get(kind.value)
        known = value is not None and value in Delivery._value2member_map_
        result[kind] = Delivery(value) if known and value else DEFAULT_DELIVERY[kind]
    return result


def _delivery(value: Delivery | str) -> Delivery:
    try:
        return Delivery(value)
    except ValueError:
        raise ValidationError(
            "delivery", f"{value!r} is not a delivery; choose desktop, app or off."
        ) from None


def set_preference(actor: User, kind: NotificationKind | str, delivery: Delivery | str) -> None:
    """Choose how ``actor`` gets a predefined kind (each user sets their own)."""
    try:
        kind = NotificationKind(kind)
    except ValueError:
        raise ValidationError("kind", f"{kind!r} is not a notification.") from None
    if kind is NotificationKind.RULE:
        raise ValidationError("kind", "Custom rules carry their own delivery.")
    value = _delivery(delivery).value
    row = NotificationPreference.get_or_none(
        NotificationPreference.user == actor.id, NotificationPreference.kind == kind.value
    )
    if row is None:
        row = NotificationPreference(user=actor.id, kind=kind.value, delivery=value)
    elif row.delivery == value and row.deleted_at is None:
        return
    with writing(actor, row):
        if row.deleted_at is not None:
            row.restore()
        row.delivery = value
        row.save()


# --------------------------------------------------------------------------- rules


def rules(user: User) -> list[NotificationRule]:
    """``user``'s custom rules, by name."""
    return list(
        NotificationRule.live()
        .where(NotificationRule.user == user.id)
        .order_by(NotificationRule.name, NotificationRule.created_at)
    )


def rule_spec(rule: NotificationRule) -> ListSpec:
    """The filter of ``rule`` as a list spec (the list engine tests records against it)."""
    return spec_from_json(str(rule.kind), str(rule.definition))


def _check_rule(
    user: User, name: str, kind: str, filters: Sequence[Filter], triggers: Iterable[Trigger | str]
) -> tuple[str, list[Trigger], str]:
    name = " ".join(name.split())
    if not name:
        raise ValidationError("name", "Give the rule a name, e.g. “Big deals moving”.")
    if len(name) > MAX_RULE_NAME:
        raise ValidationError("name", f"A rule's name can have at most {MAX_RULE_NAME} characters.")
    if kind not in RULE_KINDS:
        raise ValidationError("kind", "A rule watches deals, leads, people or companies.")
    chosen: list[Trigger] = []
    for value in triggers:
        try:
            trigger = Trigger(value)
        except ValueError:
            raise ValidationError("triggers", f"{value!r} is not a trigger.") from None
        if trigger not in chosen:
            chosen.append(trigger)
    if not chosen:
        raise ValidationError("triggers", "Tick at least one trigger: what should notify you?")
    spec = ListSpec(kind, filters=tuple(filters))
    ListQuery(user, spec)  # refuses a filter the list engine cannot run, with its message
    return name, chosen, spec_to_json(spec)


def save_rule(
    actor: User,
    rule: NotificationRule | None,
    *,
    name: str,
    kind: str,
    filters: Sequence[Filter] = (),
    triggers: Iterable[Trigger | str],
    delivery: Delivery | str = Delivery.DESKTOP,
) -> NotificationRule:
    """Create (``rule`` None) or change one of ``actor``'s rules; every rule is its owner's."""
    if rule is not None and rule.user_id != actor.id:
        raise PermissionDenied("This rule belongs to someone else; each user edits their own.")
    clean_name, chosen, definition = _check_rule(actor, name, kind, filters, triggers)
    values: dict[str, Any] = {
        "name": clean_name,
        "kind": kind,
        "definition": definition,
        "triggers": ",".join(t.value for t in chosen),
        "delivery": _delivery(delivery).value,
    }
    target = rule or NotificationRule(user=actor.id)
    with writing(actor, target):
        for field, value in values.items():
            setattr(target, field, value)
        target.save()
    return target


def delete_rule(actor: User, rule: NotificationRule) -> None:
    if rule.user_id != actor.id:
        raise PermissionDenied("This rule belongs to someone else; each user edits their own.")
    with writing(actor, rule):
        rule.delete_instance()


# --------------------------------------------------------------------------- the centre


#: The columns of an ``Entry``, in its order (``read_at`` last: read or not).
_ENTRY_FIELDS = (
    Notification.id,
    Notification.kind,
    Notification.title,
    Notification.body,
    Notification.record_type,
    Notification.record_id,
    Notification.delivery,
    Notification.created_at,
    Notification.read_at,
)


def _entry(row: Notification) -> Entry:
    return Entry(
        row.id,
        row.kind,
        row.title,
        row.body,
        row.record_type,
        row.record_id,
        row.delivery,
        row.created_at,
        row.read_at is not None,
    )


_COLUMNS = (
    "user_id",
    "key",
    "kind",
    "rule_id",
    "title",
    "body",
    "record_type",
    "record_id",
    "delivery",
    "created_at",
    "claim",
)


def post(user: User, entries: Sequence[NewEntry], *, now: dt.datetime | None = None) -> list[Entry]:
    """Add entries to ``user``'s centre (skipping those whose delivery is off and causes
    posted before); returns the entries this call added, oldest first."""
    if not entries:
        return []
    prefs = preferences(user)
    at = now or utcnow()
    token = uuid.uuid4().hex
    rows: list[dict[str, Any]] = []
    for item in entries:
        delivery = item.delivery or prefs.get(item.kind, Delivery.APP)
        if delivery is Delivery.OFF:
            continue
        rows.append(
            {
                "user_id": user.id,
                "key": item.key[:120],
                "kind": item.kind.value,
                "rule_id": item.rule_id,
                "title": item.title[:500],
                "body": item.body,
                "record_type": item.record_type,
                "record_id": item.record_id,
                "delivery": delivery.value,
                "created_at": at,
                "claim": token,
            }
        )
    if not rows:
        return []
    fields = [Notification._meta.fields[name] for name in _COLUMNS]
    values = [tuple(f.db_value(row[f.name]) for f in fields) for row in rows]
    with write_transaction():
        insert_many(Notification._meta.table_name, _COLUMNS, values, on_conflict_ignore=True)
        mine = list(
            Notification.select(*_ENTRY_FIELDS)
            .where(Notification.user_id == user.id, Notification.claim == token)
            .order_by(Notification.id)
            .tuples()  # no model objects: a poll can post thousands
        )
    return [_entry_of(values) for values in mine]


def _entry_of(values: Any) -> Entry:
    """An ``Entry`` from a row of ``_ENTRY_FIELDS``."""
    (entry_id, kind, title, body, record_type, record_id, delivery, created_at, read_at) = values
    return Entry(
        entry_id,
        kind,
        title,
        body,
        record_type,
        record_id,
        delivery,
        created_at,
        read_at is not None,
    )


def recent(user: User, limit: int = 50) -> list[Entry]:
    """``user``'s newest entries, newest first."""
    query = (
        Notification.select()
        .where(Notification.user_id == user.id)
        .order_by(Notification.id.desc())
        .limit(limit)
    )
    return [_entry(row) for row in query]


def unread_count(user: User) -> int:
    return int(
        Notification.select()
        .where(Notification.user_id == user.id, Notification.read_at.is_null())
        .count()
    )


def mark_read(user: User, ids: Iterable[int], *, now: dt.datetime | None = None) -> int:
    """Mark entries of ``user`` read; returns how many were unread."""
    wanted = list(ids)
    if not wanted:
        return 0
    with write_transaction():
        return int(
            Notification.update(read_at=now or utcnow())
            .where(
                Notification.user_id == user.id,
                Notification.id.in_(wanted),
                Notification.read_at.is_null(),
            )
            .execute()
        )


def mark_all_read(user: User, *, now: dt.datetime | None = None) -> int:
    with write_transaction():
        return int(
            Notification.update(read_at=now or utcnow())
            .where(Notification.user_id == user.id, Notification.read_at.is_null())
            .execute()
        )


def prune(user: User, keep: int = KEEP) -> int:
    """Drop ``user``'s read entries beyond the newest ``keep`` (housekeeping)."""
    cut: Any = (
        Notification.select(Notification.id)
        .where(Notification.user_id == user.id)
        .order_by(Notification.id.desc())
        .offset(keep)
        .limit(1)
        .scalar()
    )
    if cut is None:
        return 0
    with database.atomic():
        return int(
            Notification.delete()
            .where(
                Notification.user_id == user.id,
                Notification.id <= cut,
                Notification.read_at.is_null(False),
            )
            .execute()
        )


# --------------------------------------------------------------------------- predefined posts


def post_reminders(
    user: User,
    reminders: Sequence[Any],
    *,
    describe: Callable[[Any], str] = lambda r: "",
    now: dt.datetime | None = None,
) -> tuple[list[Entry], list[Any]]:
    """Centre entries for reminders just claimed (``services.reminders.DueReminder``);
    ``describe`` words a reminder's time for the entry's second line (in local time).

    Returns the entries added and the reminders to show in the Reminders window (those whose
    kind is not off)."""
    prefs = preferences(user)
    shown: list[Any] = []
    entries: list[NewEntry] = []
    for reminder in reminders:
        kind = (
            NotificationKind.TASK_REMINDER
            if reminder.item_type == "task"
            else NotificationKind.APPOINTMENT_REMINDER
        )
        if prefs[kind] is Delivery.OFF:
            continue
        shown.append(reminder)
        what = "Task due" if reminder.item_type == "task" else "Appointment"
        entries.append(
            NewEntry(
                f"reminder:{reminder.item_type}:{reminder.item_id.hex}:"
                f"{reminder.remind_at.isoformat()}",
                kind,
                f"{what}: {reminder.title}",
                describe(reminder),
                reminder.record_type,
                reminder.record_id,
            )
        )
    return post(user, entries, now=now), shown


def post_finished(
    user: User,
    what: str,
    key: str,
    title: str,
    body: str = "",
    *,
    problem: bool = False,
    record_type: str | None = None,
    record_id: uuid.UUID | None = None,
) -> list[Entry]:
    """An import or export finished (``what`` 'import'/'export'), or a sync problem
    (``problem``): one entry, per the user's preference for that kind (see
    ``services.job_notifications`` for the wording). ``record_type`` 'import_run' points the
    entry at an import (the centre opens Settings › Import & export for it)."""
    kind = NotificationKind.SYNC_PROBLEM if problem else NotificationKind.IMPORT_EXPORT
    return post(user, [NewEntry(f"{what}:{key}", kind, title, body, record_type, record_id)])
