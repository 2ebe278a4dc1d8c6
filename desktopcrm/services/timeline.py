"""A record's activity timeline, read from the change log: who did what, when, in words.

The change log (``models.base.ChangeLog``) is the one history of every record; the timeline
reads the record's own entries and those of its notes and documents (found by their
``record_id``), newest first, and turns ids into names (users, stages, statuses, contacts,
custom fields, note labels) so a page can show "Anna Rossi moved the deal from Quote to Won".
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from desktopcrm.models import ChangeLog, User
from desktopcrm.models.attachments import Document
from desktopcrm.models.custom_fields import CustomField
from desktopcrm.models.notes import Note, NoteAction, NoteStatus
from desktopcrm.models.records import (
    Contact,
    CustomerStatus,
    Lead,
    LeadStatus,
    LossReason,
    Pipeline,
    ProspectStatus,
    RecordKind,
    Stage,
)

#: How many change-log rows a timeline reads at most (newest first).
DEFAULT_LIMIT = 200
_EXCERPT = 80

#: Words for the fields people see; fields not listed here (positions, derived names,
#: conversion pointers) are left out of the timeline.
FIELD_LABELS: dict[str, str] = {
    "first_name": "First name",
    "last_name": "Last name",
    "name": "Name",
    "title": "Job title",
    "email": "Email",
    "phone": "Phone",
    "mobile": "Mobile",
    "website": "Website",
    "street": "Street",
    "city": "City",
    "region": "Region",
    "postal_code": "Postal code",
    "country": "Country",
    "source": "Source",
    "description": "Description",
    "owner": "Owner",
    "company_name": "Company",
    "company": "Company",
    "status": "Status",
    "priority": "Priority",
    "prospect_status": "Prospect status",
    "customer_status": "Customer status",
    "value": "Value",
    "currency": "Currency",
    "probability": "Probability",
    "expected_close": "Expected close",
    "stage": "Stage",
    "primary_contact": "Primary contact",
    "loss_reason": "Reason",
    "loss_note": "Reason note",
    "lead": "Lead",
}

_PRIORITIES = {"A": "A (hot)", "B": "B (warm)", "C": "C (cold)"}


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a record's activity.

    Attributes:
        at: when (naive UTC, as stored).
        who: the user's name, or "Someone" when the change log does not say.
        text: what happened, e.g. "changed Phone" or "added a note".
        details: one line per changed value ("Phone: 123 → 456"), the note's excerpt...
        kind: created / changed / deleted / restored / note / document / tags / converted.
    """

    at: dt.datetime
    who: str
    text: str
    details: tuple[str, ...] = field(default=())
    kind: str = "changed"


def _describe_kind(kind: RecordKind, record: Any) -> str:
    if kind is RecordKind.CONTACT:
        return "company" if getattr(record, "is_company", False) else "person"
    return kind.value


def timeline(
    kind: RecordKind | str, record: Lead | Contact | Any, limit: int = DEFAULT_LIMIT
) -> list[TimelineEntry]:
    """The activity of ``record`` (a lead, contact or deal) and of its notes and documents,
    newest first, at most ``limit`` entries."""
    kind = RecordKind(kind)
    table = record._meta.table_name
    note_ids = [
        row.id
        for row in Note.select(Note.id).where(
            Note.record_type == kind.value, Note.record_id == record.id
        )
    ]
    documents = {
        row.id: row.filename
        for row in Document.select(Document.id, Document.filename).where(
            Document.record_type == kind.value, Document.record_id == record.id
        )
    }
    rows = _rows(table, [record.id], limit)
    rows += _rows("note", note_ids, limit)
    rows += _rows("document", list(documents), limit)
    rows.sort(key=lambda row: row.seq, reverse=True)
    rows = rows[:limit]
    names = _Names(rows, notes=note_ids)
    what = _describe_kind(kind, record)
    entries: list[TimelineEntry] = []
    for row in rows:
        entry = _entry(row, table, what, names, documents)
        if entry is not None:
            entries.append(entry)
    return entries


def _rows(table: str, ids: Sequence[uuid.UUID], limit: int) -> list[ChangeLog]:
    if not ids:
        return []
    result: list[ChangeLog] = []
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        query = (
            ChangeLog.select()
            .where(ChangeLog.table_name == table, ChangeLog.row_id.in_(chunk))
            .order_by(ChangeLog.seq.desc())
            .limit(limit)
        )
        result.extend(query)
    return result


class _Names:
    """Names of every id the rows mention, each kind looked up in one query."""

    def __init__(self, rows: Iterable[ChangeLog], notes: Sequence[uuid.UUID]) -> None:
        wanted: dict[str, set[uuid.UUID]] = {}
        self.custom: dict[str, str] = {}
        self.note_bodies: dict[uuid.UUID, str] = {}
        for row in rows:
            if row.user_id:
                wanted.setdefault("user", set()).add(row.user_id)
            for name, change in row.changed.items():
                values = change if isinstance(change, list) else [change]
                ref = _REFERENCES.get(name)
                if ref is None:
                    continue
                for value in values:
                    parsed = _uuid(value)
                    if parsed is not None:
                        wanted.setdefault(ref, set()).add(parsed)
        self.by_kind: dict[str, dict[uuid.UUID, str]] = {}
        for ref, ids in wanted.items():
            model, column = _MODELS[ref]
            query = model.select(model.id, getattr(model, column)).where(model.id.in_(list(ids)))
            self.by_kind[ref] = {row.id: str(getattr(row, column)) for row in query}
        for custom in CustomField.select(CustomField.key, CustomField.name, CustomField.entity):
            self.custom.setdefault(custom.key, custom.name)

    def name(self, ref: str, value: Any) -> str:
        parsed = _uuid(value)
        if parsed is None:
            return _plain(value)
        return self.by_kind.get(ref, {}).get(parsed, "(removed)")

    def user(self, user_id: uuid.UUID | None) -> str:
        if user_id is None:
            return "Someone"
        return self.by_kind.get("user", {}).get(user_id, "A former user")


_REFERENCES = {
    "owner": "user",
    "author": "user",
    "uploaded_by": "user",
    "stage": "stage",
    "pipeline": "pipeline",
    "status": "status",
    "company": "contact",
    "primary_contact": "contact",
    "loss_reason": "reason",
    "lead": "lead",
    "action": "note_action",
}

_MODELS: dict[str, tuple[Any, str]] = {
    "user": (User, "name"),
    "stage": (Stage, "name"),
    "pipeline": (Pipeline, "name"),
    "status": (LeadStatus, "name"),
    "contact": (Contact, "name"),
    "reason": (LossReason, "name"),
    "lead": (Lead, "company_name"),
    "note_action": (NoteAction, "name"),
    "note_status": (NoteStatus, "name"),
}


def _uuid(value: Any) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, str) and len(value) in (32, 36):
        try:
            return uuid.UUID(value)
        except ValueError:
            return None
    return None


def _plain(value: Any) -> str:
    """A logged value as people read it: empty, yes/no, a list, a short excerpt."""
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_plain(item) for item in value) or "(empty)"
    text = " ".join(str(value).split())
    if len(text) > _EXCERPT:
        text = text[: _EXCERPT - 1] + "…"
    return text


def _value(name: str, value: Any, names: _Names) -> str:
    if name in _REFERENCES and name != "status":
        return names.name(_REFERENCES[name], value) if value else "(none)"
    if name == "status":
        return names.name("status", value) if value else "(none)"
    if name == "prospect_status" and value in ProspectStatus._value2member_map_:
        return ProspectStatus(value).label
    if name == "customer_status" and value in CustomerStatus._value2member_map_:
        return CustomerStatus(value).label
    if name == "priority":
        return _PRIORITIES.get(str(value), "(none)") if value else "(none)"
    if name == "probability":
        return f"{value}%" if value is not None else "the stage's"
    return _plain(value)


def _change_line(label: str, old: Any, new: Any) -> str:
    return f"{label}: {old} → {new}"


def _field_changes(changes: Mapping[str, Any], names: _Names) -> list[tuple[str, str]]:
    """(label, detail line) of each change people care about, in a stable order."""
    result: list[tuple[str, str]] = []
    person_name = "first_name" in changes or "last_name" in changes
    for name in sorted(changes, key=_order):
        change = changes[name]
        if not isinstance(change, list) or len(change) != 2:
            continue
        old, new = change
        if name.startswith("custom."):
            key = name.removeprefix("custom.")
            label = names.custom.get(key, key.replace("_", " ").capitalize())
            result.append((label, _change_line(label, _plain(old), _plain(new))))
        elif name == "tags":
            before = {str(tag).lower(): str(tag) for tag in old or []}
            after = {str(tag).lower(): str(tag) for tag in new or []}
            added = [after[k] for k in after if k not in before]
            removed = [before[k] for k in before if k not in after]
            parts = []
            if added:
                parts.append(f"added {_tags_word(added)} " + ", ".join(added))
            if removed:
                parts.append(f"removed {_tags_word(removed)} " + ", ".join(removed))
            result.append(("tags", "Tags: " + "; ".join(parts)))
        elif name in FIELD_LABELS and not (name == "name" and person_name):
            label = FIELD_LABELS[name]
            result.append(
                (label, _change_line(label, _value(name, old, names), _value(name, new, names)))
            )
    return result


def _tags_word(names: Sequence[str]) -> str:
    return "tag" if len(names) == 1 else "tags"


def _order(name: str) -> tuple[int, str]:
    keys = list(FIELD_LABELS)
    return (keys.index(name) if name in keys else len(keys), name)


def _entry(
    row: ChangeLog, table: str, what: str, names: _Names, documents: Mapping[uuid.UUID, str]
) -> TimelineEntry | None:
    who = names.user(row.user_id)
    changes = row.changed
    if row.table_name == "note":
        return _note_entry(row, who, changes, names)
    if row.table_name == "document":
        filename = documents.get(row.row_id, "a file")
        verbs = {"insert": "attached", "delete": "removed", "restore": "restored"}
        if row.operation == "update" and "record_id" in changes:
            return TimelineEntry(row.at, who, f"moved the file {filename} here", (), "document")
        if row.operation not in verbs:
            return None
        return TimelineEntry(row.at, who, f"{verbs[row.operation]} {filename}", (), "document")
    if row.operation == "insert":
        return TimelineEntry(row.at, who, f"created this {what}", (), "created")
    if row.operation in ("delete", "restore", "purge"):
        verb = {"delete": "deleted", "restore": "restored", "purge": "purged"}[row.operation]
        return TimelineEntry(row.at, who, f"{verb} this {what}", (), verb)
    if "converted_at" in changes and table == "lead":
        return TimelineEntry(row.at, who, "converted this lead", (), "converted")
    lines = _field_changes(changes, names)
    if not lines:
        return None
    labels = [label for label, _ in lines]
    if labels == ["tags"]:
        return TimelineEntry(row.at, who, lines[0][1].removeprefix("Tags: "), (), "tags")
    if "stage" in changes and table == "deal":
        old, new = changes["stage"]
        text = f"moved the deal from {names.name('stage', old)} to {names.name('stage', new)}"
        rest = tuple(line for label, line in lines if label != "Stage")
        return TimelineEntry(row.at, who, text, rest, "stage")
    text = "changed " + _join_words(labels)
    return TimelineEntry(row.at, who, text, tuple(line for _, line in lines), "changed")


def _join_words(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    if len(items) > 4:
        return f"{', '.join(items[:3])} and {len(items) - 3} more"
    return f"{', '.join(items[:-1])} and {items[-1]}"


def _note_entry(
    row: ChangeLog, who: str, changes: Mapping[str, Any], names: _Names
) -> TimelineEntry | None:
    if row.operation == "insert":
        body = _plain(changes.get("body", "")) if changes.get("body") else ""
        labels = []
        if changes.get("action"):
            labels.append(names.name("note_action", changes["action"]))
        if changes.get("status"):
            labels.append(_note_status(changes["status"]))
        details = tuple(x for x in (" · ".join(labels), body) if x)
        return TimelineEntry(row.at, who, "added a note", details, "note")
    if row.operation == "delete":
        return TimelineEntry(row.at, who, "deleted a note", (), "note")
    if row.operation == "restore":
        return TimelineEntry(row.at, who, "restored a note", (), "note")
    if row.operation != "update":
        return None
    if "record_id" in changes:
        return TimelineEntry(row.at, who, "moved a note here", (), "note")
    lines: list[str] = []
    for name, change in sorted(changes.items()):
        if not isinstance(change, list) or len(change) != 2:
            continue
        old, new = change
        if name == "body":
            lines.append(f"Text: {_plain(new)}")
        elif name == "action":
            lines.append(
                _change_line(
                    "Action",
                    names.name("note_action", old) if old else "(none)",
                    names.name("note_action", new) if new else "(none)",
                )
            )
        elif name == "status":
            lines.append(
                _change_line(
                    "Status",
                    _note_status(old) if old else "(none)",
                    _note_status(new) if new else "(none)",
                )
            )
        elif name.startswith("var."):
            lines.append(_change_line(name.removeprefix("var."), _plain(old), _plain(new)))
    if not lines:
        return None
    return TimelineEntry(row.at, who, "edited a note", tuple(lines), "note")


def _note_status(value: Any) -> str:
    parsed = _uuid(value)
    if parsed is None:
        return _plain(value)
    status = NoteStatus.get_or_none(NoteStatus.id == parsed)
    return status.name if status else "(removed)"
