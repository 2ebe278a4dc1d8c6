"""Records for the global search box: ``search.search`` hits, each with the record to open.

A note opens the record it is on, so its hit names that record's kind and id.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from desktopcrm.models import User
from desktopcrm.models.notes import Note
from desktopcrm.models.records import RecordKind
from desktopcrm.services import search

#: The record kind that opens a hit of each search kind (a company is a contact).
OPENS = {
    "lead": RecordKind.LEAD,
    "contact": RecordKind.CONTACT,
    "company": RecordKind.CONTACT,
    "deal": RecordKind.DEAL,
}


@dataclass(frozen=True)
class RecordHit:
    """A search hit: what it is (``kind``: lead, contact, company, deal, note), how it shows,
    and the record to open (``opens``: a ``RecordKind`` value and ``record_id``)."""

    kind: str
    title: str
    subtitle: str
    opens: str
    record_id: uuid.UUID
    prefix: bool  # the title starts with what was typed


def find_records(user: User, text: str, limit: int = 12) -> list[RecordHit]:
    """The best ``limit`` records ``user`` may see for ``text``, best first."""
    hits = search.search(user, text, limit=limit)
    note_ids = [hit.record_id for hit in hits if hit.kind == "note"]
    targets = (
        {
            note.id: (note.record_type, note.record_id)
            for note in Note.select(Note.id, Note.record_type, Note.record_id).where(
                Note.id.in_(note_ids)
            )
        }
        if note_ids
        else {}
    )
    typed = " ".join(search.words(text))
    found = []
    for hit in hits:
        if hit.kind == "note":
            target = targets.get(hit.record_id)
            if target is None:
                continue
            opens, record_id = RecordKind(target[0]).value, target[1]
        else:
            opens, record_id = OPENS[hit.kind].value, hit.record_id
        found.append(
            RecordHit(
                hit.kind,
                hit.title,
                hit.subtitle,
                opens,
                record_id,
                search.fold(hit.title).startswith(typed),
            )
        )
    return found
