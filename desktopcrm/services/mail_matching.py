"""Which CRM records a message belongs to, by the addresses on it.

A message belongs to the leads, contacts, companies and deals whose people appear in its
From/To/Cc. ``AddressBook.load()`` reads every address the CRM knows once (main emails and
email custom fields, so a person's aliases match too) into one dict, address -> records;
matching a message is then a few dict lookups. Build one book per sync round, not per message.

What an address links to:
- a lead: the lead and the deals made for it; a converted lead: what it became instead;
- a person: the person, their company, and the deals they are primary contact or a contact of;
- a company's own address (info@...): the company and its deals.
The user's own and teammates' addresses (users, connected mail accounts) are "team", never an
unknown sender.
"""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any

from desktopcrm.models import User
from desktopcrm.models.custom_fields import CustomField, CustomValue, FieldType
from desktopcrm.models.db import database
from desktopcrm.models.mail import MailAccount
from desktopcrm.models.records import Contact, Deal, DealContact, Lead

__all__ = ["AddressBook", "MailLinks", "match_key", "normalise_address", "split_addresses"]

_LEAD, _CONTACT, _COMPANY, _DEAL = range(4)
_SEPARATORS = re.compile(r"[,;\s]+")
_GMAIL = frozenset({"gmail.com", "googlemail.com"})
# An address with nothing to clean (the common case, checked first), and "Name <address>".
_PLAIN = re.compile(
    r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[a-z0-9-]+(?:\.[a-z0-9-]+)+"
)
_BRACKETED = re.compile(r"<\s*([^<>\s]+)\s*>\s*$")


def normalise_address(address: str) -> str:
    """An address as stored and compared: no display name or brackets, lower-case, IDN domain
    in its ASCII (punycode) form as mail headers carry it. "" when it has no ``@``."""
    text = address.strip().lower()
    if _PLAIN.fullmatch(text):
        return text
    bracketed = _BRACKETED.search(text)
    if bracketed and _PLAIN.fullmatch(bracketed.group(1)):
        return bracketed.group(1)
    if "<" in text or '"' in text or "(" in text:
        text = parseaddr(text)[1] or text
    text = text.strip().strip("<>").strip().rstrip(".")
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain:
        return ""
    domain = domain.strip(".")
    if not domain.isascii():
        with contextlib.suppress(UnicodeError):  # not a valid IDN: keep it as typed
            domain = domain.encode("idna").decode("ascii")
    return f"{local}@{domain}"


def match_key(address: str) -> str:
    """The key two addresses of one mailbox share: the normalised address, and for Gmail
    also without dots and ``+tag`` in the local part (Gmail delivers those to one inbox)."""
    normal = normalise_address(address)
    local, _, domain = normal.rpartition("@")
    if domain in _GMAIL:
        return local.split("+", 1)[0].replace(".", "") + "@gmail.com"
    return normal


def split_addresses(value: str) -> list[str]:
    """The addresses in a field where people typed several ("a@x.com; b@y.com")."""
    if "@" not in value:
        return []
    if value.count("@") == 1:
        return [value]
    return [part for part in _SEPARATORS.split(value) if "@" in part]


@dataclass(frozen=True)
class MailLinks:
    """The records a message belongs to, by kind."""

    lead_ids: frozenset[uuid.UUID] = frozenset()
    contact_ids: frozenset[uuid.UUID] = frozenset()
    company_ids: frozenset[uuid.UUID] = frozenset()
    deal_ids: frozenset[uuid.UUID] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.lead_ids or self.contact_ids or self.company_ids or self.deal_ids)


class AddressBook:
    """Every address the CRM knows, with the records it links to (see the module doc).

    Record ids are kept as the database returns them (hex text on SQLite) and made UUIDs
    only for the links a message asks for: converting 300,000 ids at load costs more than
    the rest of the load together.
    """

    def __init__(self) -> None:
        self.links: dict[str, list[tuple[int, Any]]] = {}
        self.team: set[str] = set()
        self._ids: dict[Any, uuid.UUID] = {}

    @classmethod
    def load(cls) -> AddressBook:
        """Read the addresses of live leads, contacts, deals and users (a few queries)."""
        book = cls()
        aliases = _custom_emails()
        deals_of_contact: dict[Any, list[Any]] = {}
        primary = Deal.live(Deal.id, Deal.primary_contact).where(
            Deal.primary_contact.is_null(False)
        )
        others = (
            DealContact.select(DealContact.deal, DealContact.contact)
            .join(Deal, on=DealContact.deal == Deal.id)
            .where(DealContact.deleted_at.is_null(), Deal.deleted_at.is_null())
        )
        for deal_id, contact_id in _rows(primary) + _rows(others):
            deals_of_contact.setdefault(contact_id, []).append(deal_id)
        deals_of_lead: dict[Any, list[Any]] = {}
        for deal_id, lead_id in _rows(
            Deal.live(Deal.id, Deal.lead).where(Deal.lead.is_null(False))
        ):
            deals_of_lead.setdefault(lead_id, []).append(deal_id)

        contacts = Contact.live(Contact.id, Contact.email, Contact.is_company, Contact.company)
        for contact_id, email, is_company, company_id in _rows(contacts):
            emails = aliases.get(contact_id)
            if not email and not emails:
                continue
            targets = [(_COMPANY if is_company else _CONTACT, contact_id)]
            if company_id and not is_company:
                targets.append((_COMPANY, company_id))
            targets.extend((_DEAL, d) for d in deals_of_contact.get(contact_id, ()))
            book._add_all(email, emails, targets)

        leads = Lead.live(
            Lead.id,
            Lead.email,
            Lead.converted_at,
            Lead.converted_contact_id,
            Lead.converted_company_id,
            Lead.converted_deal_id,
        )
        for lead_id, email, converted_at, contact_id, company_id, deal_id in _rows(leads):
            emails = aliases.get(lead_id)
            if not email and not emails:
                continue
            if converted_at is None:
                targets = [(_LEAD, lead_id)]
                targets.extend((_DEAL, d) for d in deals_of_lead.get(lead_id, ()))
            else:  # its mail follows it to what it became
                targets = [(_CONTACT, contact_id)] if contact_id else []
                targets += [(_COMPANY, company_id)] if company_id else []
                targets += [(_DEAL, deal_id)] if deal_id else []
            book._add_all(email, emails, targets)

        for (email,) in _rows(User.live(User.email).where(User.email.is_null(False))):
            book.team.update(match_key(e) for e in split_addresses(email))
        for (email,) in _rows(MailAccount.live(MailAccount.email)):
            book.team.add(match_key(email))
        book.team.discard("")
        return book

    def _add_all(
        self, email: str, aliases: list[str] | None, targets: list[tuple[int, Any]]
    ) -> None:
        if aliases or email.count("@") != 1:
            keys = {match_key(a) for a in split_addresses(email)}
            keys.update(match_key(a) for a in aliases or ())
            keys.discard("")
        else:
            keys = {match_key(email)} - {""}
        for key in keys:
            existing = self.links.get(key)
            if existing is None:
                self.links[key] = targets
            else:
                self.links[key] = existing + targets

    def links_for(self, addresses: Iterable[str]) -> MailLinks:
        """The records any of ``addresses`` (From, To, Cc of one message) belongs to."""
        found: tuple[set[uuid.UUID], ...] = (set(), set(), set(), set())
        for address in addresses:
            for kind, record_id in self.links.get(match_key(address), ()):
                found[kind].add(self._uuid(record_id))
        return MailLinks(*(frozenset(ids) for ids in found))

    def is_team(self, address: str) -> bool:
        """Whether ``address`` is the user's own or a teammate's."""
        return match_key(address) in self.team

    def is_known(self, address: str) -> bool:
        """Whether ``address`` is a teammate's or belongs to any CRM record."""
        key = match_key(address)
        return key in self.team or bool(self.links.get(key))

    def _uuid(self, raw: Any) -> uuid.UUID:
        known = self._ids.get(raw)
        if known is None:
            known = self._ids[raw] = raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw))
        return known


def _custom_emails() -> dict[Any, list[str]]:
    """Record id -> the addresses in its email custom fields (aliases), leads and contacts."""
    query = (
        CustomValue.select(CustomValue.record_id, CustomValue.text_value)
        .join(CustomField, on=CustomValue.field == CustomField.id)
        .where(
            CustomField.type == FieldType.EMAIL.value,
            CustomField.deleted_at.is_null(),
            CustomValue.text_value.is_null(False),
        )
    )
    result: dict[Any, list[str]] = {}
    for record_id, value in _rows(query):
        result.setdefault(record_id, []).extend(split_addresses(value))
    return result


def _rows(query: Any) -> list[tuple[Any, ...]]:
    """The rows of ``query`` as the database driver returns them (no per-value conversion)."""
    return list(database.execute(query).fetchall())
