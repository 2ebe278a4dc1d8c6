"""Records written straight through the models and indexed for search, without the services'
rules: for tests of search and duplicate detection that need exact data on any owner."""

from __future__ import annotations

from typing import Any

from desktopcrm.models import User
from desktopcrm.models.records import Contact, Lead, LeadStatus
from desktopcrm.services.search import index_record


def person(owner: User | None, first: str, last: str, **extra: Any) -> Contact:
    contact = Contact(
        first_name=first, last_name=last, name=f"{first} {last}".strip(), owner=owner, **extra
    )
    contact.save()
    index_record(contact)
    return contact


def company(owner: User | None, name: str, **extra: Any) -> Contact:
    contact = Contact(name=name, is_company=True, owner=owner, **extra)
    contact.save()
    index_record(contact)
    return contact


def lead(owner: User | None, first: str, last: str, **extra: Any) -> Lead:
    status = LeadStatus.select().order_by(LeadStatus.position).first()
    record = Lead(first_name=first, last_name=last, owner=owner, status=status, **extra)
    record.save()
    index_record(record)
    return record
