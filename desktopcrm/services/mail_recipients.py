"""Recipients for outgoing mail: CRM people with an address, suggested as the user types.

``suggest_recipients`` looks the typed text up in the record search (names, companies and
addresses of leads, people and companies the user may see) and in the team, and returns each
address once. ``record_recipients`` gives the addresses of one record (composing from a record
page); a deal gives its primary contact's, or its lead's.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from desktopcrm.models import User
from desktopcrm.models.records import Contact, Deal, Lead
from desktopcrm.services.mail_matching import normalise_address, split_addresses
from desktopcrm.services.search import search

__all__ = ["Recipient", "record_recipients", "suggest_recipients"]


@dataclass(frozen=True)
class Recipient:
    """An address to write to, and the CRM record it belongs to (None for a teammate)."""

    name: str
    email: str
    kind: str  # lead / contact / company / deal / user
    record_id: uuid.UUID | None

    @property
    def display(self) -> str:
        """``Name <address>`` as typed into a To field (quotes when the name needs them)."""
        if not self.name:
            return self.email
        name = self.name.replace('"', "'")
        if any(ch in name for ch in ',;<>@()[]:\\"'):
            name = f'"{name}"'
        return f"{name} <{self.email}>"


def _addresses(value: str) -> list[str]:
    found = [normalise_address(part) for part in split_addresses(value or "")]
    return list(dict.fromkeys(a for a in found if a))


def _lead_name(lead: Any) -> str:
    return f"{lead.first_name} {lead.last_name}".strip() or lead.company_name


def _recipients_of(kind: str, ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Recipient]]:
    found: dict[uuid.UUID, list[Recipient]] = {}
    if not ids:
        return found
    if kind == "lead":
        for lead in Lead.live().where(Lead.id.in_(ids)):
            found[lead.id] = [
                Recipient(_lead_name(lead), a, "lead", lead.id) for a in _addresses(lead.email)
            ]
    else:
        for contact in Contact.live().where(Contact.id.in_(ids)):
            record_kind = "company" if contact.is_company else "contact"
            found[contact.id] = [
                Recipient(contact.display_name, a, record_kind, contact.id)
                for a in _addresses(contact.email)
            ]
    return found


def suggest_recipients(user: User, text: str, limit: int = 8) -> list[Recipient]:
    """People with an address whose name, company or address starts with the typed words,
    best first; records the user may not see are never suggested."""
    text = text.strip()
    if not text:
        return []
    hits = search(user, text, limit=limit * 2, kinds=("lead", "contact", "company"))
    by_kind: dict[str, list[uuid.UUID]] = {}
    for hit in hits:
        by_kind.setdefault("lead" if hit.kind == "lead" else "contact", []).append(hit.record_id)
    found: dict[uuid.UUID, list[Recipient]] = {}
    for kind, ids in by_kind.items():
        found.update(_recipients_of(kind, ids))
    result: list[Recipient] = []
    for hit in hits:
        result.extend(found.get(hit.record_id, ()))
    result.extend(_team(text))
    return _unique(result)[:limit]


def _team(text: str) -> list[Recipient]:
    words = text.lower().split()
    found: list[Recipient] = []
    for teammate in User.live().where(User.email.is_null(False)).order_by(User.name):
        haystack = f"{teammate.name} {teammate.email or ''}".lower().split()
        if all(any(part.startswith(word) for part in haystack) for word in words):
            found.extend(
                Recipient(teammate.name, a, "user", None) for a in _addresses(teammate.email or "")
            )
    return found


def _unique(recipients: Iterable[Recipient]) -> list[Recipient]:
    seen: set[str] = set()
    result = []
    for recipient in recipients:
        if recipient.email not in seen:
            seen.add(recipient.email)
            result.append(recipient)
    return result


def record_recipients(kind: str, record_id: uuid.UUID) -> list[Recipient]:
    """The addresses of a lead, contact (person or company) or deal (its primary contact, or
    else its lead); empty when the record has none."""
    if kind == "deal":
        deal = Deal.get_or_none(Deal.id == record_id)
        if deal is None:
            return []
        if deal.primary_contact_id:
            return _recipients_of("contact", [deal.primary_contact_id]).get(
                deal.primary_contact_id, []
            )
        if deal.lead_id:
            return _recipients_of("lead", [deal.lead_id]).get(deal.lead_id, [])
        return []
    key = "lead" if kind == "lead" else "contact"
    return _recipients_of(key, [record_id]).get(record_id, [])


def record_title(kind: str, record_id: uuid.UUID) -> tuple[str, str] | None:
    """The search kind ('lead', 'contact', 'company', 'deal') and display name of a record,
    or None when it is gone."""
    if kind == "lead":
        lead = Lead.live().where(Lead.id == record_id).first()
        return ("lead", lead.display_name) if lead is not None else None
    if kind == "deal":
        deal = Deal.live().where(Deal.id == record_id).first()
        return ("deal", deal.name) if deal is not None else None
    contact = Contact.live().where(Contact.id == record_id).first()
    if contact is None:
        return None
    return ("company" if contact.is_company else "contact", contact.display_name)


def load_record(kind: str, record_id: uuid.UUID) -> Lead | Contact | Deal | None:
    """The live lead, contact (person or company) or deal, for filling a template."""
    model: type[Lead] | type[Contact] | type[Deal]
    model = Lead if kind == "lead" else Deal if kind == "deal" else Contact
    record: Lead | Contact | Deal | None = model.live().where(model.id == record_id).first()
    return record
