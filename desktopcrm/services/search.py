"""Full-text search over leads, contacts, companies, deals and notes.

Every service that writes a searchable record calls ``index_record`` in the same transaction,
so the index never lags behind the records. The text of an entry is built here, in one place,
from the record and what hangs off it (company, tags, phone digits).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import peewee

from desktopcrm.models import database
from desktopcrm.models.attachments import RecordTag, Tag
from desktopcrm.models.notes import Note
from desktopcrm.models.records import Contact, Deal, Lead
from desktopcrm.models.search import SearchEntry

_NOT_DIGITS = re.compile(r"\D+")


def _digits(phone: str) -> str:
    return _NOT_DIGITS.sub("", phone or "")


def _tag_names(record_id: uuid.UUID) -> list[str]:
    query = Tag.select(Tag.name).join(RecordTag).where(RecordTag.record_id == record_id)
    return [tag.name for tag in query]


def _contact_name(contact_id: Any) -> str:
    if contact_id is None:
        return ""
    contact = Contact.get_or_none(Contact.id == contact_id)
    return contact.name if contact else ""


def entry_for(record: Any) -> tuple[str, str, str, str, Any]:
    """(kind, title, subtitle, body text, owner id) of a searchable record."""
    if isinstance(record, Lead):
        title = record.display_name
        subtitle = " · ".join(p for p in (record.company_name, record.email) if p)
        parts = [
            record.first_name,
            record.last_name,
            record.company_name,
            record.email,
            record.phone,
            _digits(record.phone),
            record.mobile,
            _digits(record.mobile),
            record.title,
            record.city,
        ]
        return "lead", title, subtitle, " ".join(parts), record.owner_id
    if isinstance(record, Contact):
        company = _contact_name(record.company_id)
        kind = "company" if record.is_company else "contact"
        subtitle = " · ".join(p for p in (company or record.title, record.email) if p)
        parts = [
            record.name,
            record.first_name,
            record.last_name,
            company,
            record.email,
            record.phone,
            _digits(record.phone),
            record.mobile,
            _digits(record.mobile),
            record.title,
            record.city,
            record.website,
        ]
        return kind, record.display_name, subtitle, " ".join(parts), record.owner_id
    if isinstance(record, Deal):
        contact = _contact_name(record.primary_contact_id)
        subtitle = " · ".join(p for p in (contact, f"{record.value} {record.currency}") if p)
        return "deal", record.name, subtitle, f"{record.name} {contact}", record.owner_id
    if isinstance(record, Note):
        body = record.body or ""
        title = body.strip().splitlines()[0][:120] if body.strip() else "(empty note)"
        return "note", title, "", body, record.author_id
    raise TypeError(f"{type(record).__name__} is not searchable")


def index_record(record: Any) -> None:
    """Add or refresh the search entry of ``record`` (call inside the writing transaction).

    A deleted record (or a converted lead) is removed from the index.
    """
    if record.deleted_at is not None or getattr(record, "converted_at", None) is not None:
        remove_from_index(record.id)
        return
    kind, title, subtitle, body, owner_id = entry_for(record)
    tags = " ".join(_tag_names(record.id))
    text = f"{body} {tags}".strip()
    with database.atomic():
        entry = SearchEntry.get_or_none(SearchEntry.record_id == record.id)
        if entry is None:
            entry_id = SearchEntry.insert(
                kind=kind,
                record_id=record.id,
                owner_id=owner_id,
                title=title[:400],
                subtitle=subtitle[:400],
            ).execute()
        else:
            entry_id = entry.id
            SearchEntry.update(
                kind=kind, owner_id=owner_id, title=title[:400], subtitle=subtitle[:400]
            ).where(SearchEntry.id == entry_id).execute()
        _write_text(int(entry_id), title, text)


def _write_text(entry_id: int, title: str, text: str) -> None:
    db = database.obj
    if isinstance(db, peewee.PostgresqlDatabase):
        db.execute_sql(
            "UPDATE search_entry SET tsv = setweight(to_tsvector('simple', %s), 'A') || "
            "to_tsvector('simple', %s) WHERE id = %s",
            (title, text, entry_id),
        )
        return
    db.execute_sql("DELETE FROM search_fts WHERE rowid = ?", (entry_id,))
    db.execute_sql(
        "INSERT INTO search_fts(rowid, title, body) VALUES (?, ?, ?)", (entry_id, title, text)
    )


def remove_from_index(record_id: uuid.UUID) -> None:
    entry = SearchEntry.get_or_none(SearchEntry.record_id == record_id)
    if entry is None:
        return
    db = database.obj
    if not isinstance(db, peewee.PostgresqlDatabase):
        db.execute_sql("DELETE FROM search_fts WHERE rowid = ?", (entry.id,))
    SearchEntry.delete().where(SearchEntry.id == entry.id).execute()
