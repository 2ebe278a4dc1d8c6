"""Which folder a message shows in, and which CRM records it belongs to.

The address book (who is a lead, contact, company, deal person, teammate) comes from
``services.mail_matching.AddressBook``; ``address_book()`` keeps it between sync rounds until
the change log shows that records it depends on changed. Filing is shared by the sync (new
messages) and by the mailbox actions (a sender added as a lead re-files their other messages).
"""

from __future__ import annotations

import importlib
import threading
import uuid
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from desktopcrm.models import User, write_transaction
from desktopcrm.models.base import ChangeLog
from desktopcrm.models.db import database, insert_many
from desktopcrm.models.mail import Folder, MailAccount, MailAddress, MailLink, MailMessage
from desktopcrm.models.records import Contact, Deal, DealContact, Lead

__all__ = [
    "AddressBookLike",
    "address_book",
    "folder_for",
    "normalise_address",
    "refile_messages",
]

#: Record kinds in ``MailLink.record_type``, as ``MailLinks`` names them.
LINK_KINDS = (
    ("lead", "lead_ids"),
    ("contact", "contact_ids"),
    ("company", "company_ids"),
    ("deal", "deal_ids"),
)


class LinksLike(Protocol):
    lead_ids: frozenset[uuid.UUID]
    contact_ids: frozenset[uuid.UUID]
    company_ids: frozenset[uuid.UUID]
    deal_ids: frozenset[uuid.UUID]


class AddressBookLike(Protocol):
    def links_for(self, addresses: Iterable[str]) -> Any: ...

    def is_team(self, address: str) -> bool: ...


def _matching() -> Any:
    try:
        return importlib.import_module("desktopcrm.services.mail_matching")
    except ImportError:
        return None


def normalise_address(address: str) -> str:
    """An address as stored and compared (``services.mail_matching`` rules when present)."""
    module = _matching()
    if module is not None:
        return str(module.normalise_address(address))
    return address.strip().strip("<>").lower()


#: Tables whose changes can change what an address matches (custom values are logged as
#: changes of their record's table).
BOOK_TABLES = frozenset(
    {"lead", "contact", "deal", "deal_contact", "custom_field", "users", "mail_account"}
)
_book: tuple[weakref.ref[Any], int, AddressBookLike] | None = None  # (database, seq, book)
_book_lock = threading.Lock()


def address_book(*, fresh: bool = False) -> AddressBookLike:
    """The CRM's addresses as they are now.

    Loading reads every address the CRM knows (1-2 s on 100,000 contacts), so the book is
    kept and used again until the change log shows a change to leads, contacts, deals,
    custom fields, users or mail accounts since it was loaded (one query over the change-log
    rows written since). ``fresh`` loads it anyway. Thread-safe; one database at a time.
    """
    global _book
    db = database.obj
    cached = _book
    if (
        cached is not None
        and not fresh
        and cached[0]() is db
        and not _book_changed_since(cached[1])
    ):
        return cached[2]
    seq = ChangeLog.last_seq()  # read first: a change made while loading reloads next time
    book = _load_address_book()
    with _book_lock:
        _book = (weakref.ref(db), seq, book)
    return book


def _book_changed_since(seq: int) -> bool:
    if ChangeLog.last_seq() < seq:  # the log was emptied: another database's history
        return True
    # Only the change-log key range after ``seq`` is read (cheap whatever the log's size).
    query = ChangeLog.select(ChangeLog.table_name).where(ChangeLog.seq > seq).distinct()
    return any(table in BOOK_TABLES for (table,) in rows(query))


def _load_address_book() -> AddressBookLike:
    module = _matching()
    if module is not None:
        book: AddressBookLike = module.AddressBook.load()
        return book
    return SimpleAddressBook.load()


@dataclass(frozen=True)
class SimpleLinks:
    lead_ids: frozenset[uuid.UUID] = frozenset()
    contact_ids: frozenset[uuid.UUID] = frozenset()
    company_ids: frozenset[uuid.UUID] = frozenset()
    deal_ids: frozenset[uuid.UUID] = frozenset()


@dataclass
class SimpleAddressBook:
    """Matching by the records' main email (used until ``services.mail_matching`` exists)."""

    by_address: dict[str, list[tuple[str, uuid.UUID]]] = field(default_factory=dict)
    team: set[str] = field(default_factory=set)

    @classmethod
    def load(cls) -> SimpleAddressBook:
        book = cls()
        for lead_id, email in rows(Lead.live(Lead.id, Lead.email).where(Lead.email != "")):
            book._add(email, "lead", lead_id)
        query = Contact.live(Contact.id, Contact.email, Contact.is_company, Contact.company)
        deals_of: dict[uuid.UUID, list[uuid.UUID]] = {}
        for deal_id, contact_id in rows(Deal.live(Deal.id, Deal.primary_contact)):
            if contact_id:
                deals_of.setdefault(contact_id, []).append(deal_id)
        for deal_id, contact_id in rows(DealContact.live(DealContact.deal, DealContact.contact)):
            deals_of.setdefault(contact_id, []).append(deal_id)
        for contact_id, email, is_company, company_id in rows(query.where(Contact.email != "")):
            book._add(email, "company" if is_company else "contact", contact_id)
            if company_id:
                book._add(email, "company", company_id)
            for deal_id in deals_of.get(contact_id, []):
                book._add(email, "deal", deal_id)
        for (email,) in rows(User.select(User.email).where(User.email.is_null(False))):
            book.team.add(normalise_address(email))
        for (email,) in rows(MailAccount.select(MailAccount.email)):
            book.team.add(normalise_address(email))
        return book

    def _add(self, email: str, kind: str, record_id: uuid.UUID) -> None:
        self.by_address.setdefault(normalise_address(email), []).append((kind, record_id))

    def links_for(self, addresses: Iterable[str]) -> SimpleLinks:
        found: dict[str, set[uuid.UUID]] = {"lead": set(), "contact": set(), "company": set()}
        found["deal"] = set()
        for address in addresses:
            for kind, record_id in self.by_address.get(normalise_address(address), ()):
                found[kind].add(record_id)
        return SimpleLinks(
            frozenset(found["lead"]),
            frozenset(found["contact"]),
            frozenset(found["company"]),
            frozenset(found["deal"]),
        )

    def is_team(self, address: str) -> bool:
        return normalise_address(address) in self.team


def folder_for(labels: Iterable[str], *, matched: bool, from_team: bool) -> Folder:
    """The mailbox folder of a message with these Gmail labels.

    Inbox is mail in Gmail's INBOX that belongs to a CRM record, or that a teammate or the
    user sent (not an unknown sender); the rest of INBOX is Unmatched.
    """
    label_set = set(labels)
    if "TRASH" in label_set:
        return Folder.TRASH
    if "SPAM" in label_set:
        return Folder.SPAM
    if "INBOX" in label_set:
        return Folder.INBOX if matched or from_team else Folder.UNMATCHED
    if "SENT" in label_set:
        return Folder.SENT
    if "DRAFT" in label_set:
        return Folder.DRAFT
    return Folder.ARCHIVED


def link_rows(message_id: int, links: LinksLike) -> list[tuple[int, str, Any]]:
    """``MailLink`` rows (message, record type, record id as the driver takes it)."""
    result: list[tuple[int, str, Any]] = []
    for kind, attribute in LINK_KINDS:
        for record_id in sorted(getattr(links, attribute), key=str):
            result.append((message_id, kind, MailLink.record_id.db_value(record_id)))
    return result


def has_links(links: LinksLike) -> bool:
    return any(getattr(links, attribute) for _, attribute in LINK_KINDS)


def refile_messages(
    message_ids: Sequence[int], book: AddressBookLike | None = None
) -> dict[int, Folder]:
    """Match ``message_ids`` again (links and folder), e.g. after a sender became a lead.

    Returns the messages whose folder changed, with their new folder.
    """
    if not message_ids:
        return {}
    book = book or address_book()
    addresses: dict[int, list[str]] = {}
    for chunk_start in range(0, len(message_ids), 500):
        chunk = list(message_ids[chunk_start : chunk_start + 500])
        query = MailAddress.select(MailAddress.message_id, MailAddress.address).where(
            MailAddress.message.in_(chunk)
        )
        for message_id, address in rows(query):
            addresses.setdefault(message_id, []).append(address)
    changed: dict[int, Folder] = {}
    with write_transaction():
        for chunk_start in range(0, len(message_ids), 500):
            chunk = list(message_ids[chunk_start : chunk_start + 500])
            messages = MailMessage.select(
                MailMessage.id, MailMessage.labels, MailMessage.folder, MailMessage.from_address
            ).where(MailMessage.id.in_(chunk))
            new_links: list[tuple[int, str, Any]] = []
            for message in messages:
                links = book.links_for(addresses.get(message.id, []))
                new_links.extend(link_rows(message.id, links))
                matched = has_links(links)
                folder = folder_for(
                    message.label_set,
                    matched=matched,
                    from_team=bool(message.from_address) and book.is_team(message.from_address),
                )
                MailMessage.update(matched=matched, folder=folder.value).where(
                    MailMessage.id == message.id
                ).execute()
                if folder.value != message.folder:
                    changed[message.id] = folder
            MailLink.delete().where(MailLink.message.in_(chunk)).execute()
            if new_links:
                insert_many("mail_link", ("message_id", "record_type", "record_id"), new_links)
    return changed


def messages_with_addresses(addresses: Iterable[str]) -> list[int]:
    """Ids of messages on which any of ``addresses`` appears (any role)."""
    wanted = sorted({normalise_address(a) for a in addresses if a})
    if not wanted:
        return []
    query = (
        MailAddress.select(MailAddress.message_id).where(MailAddress.address.in_(wanted)).distinct()
    )
    return [row[0] for row in rows(query)]


def record_ids_by_kind(rows: Iterable[tuple[str, uuid.UUID]]) -> Mapping[str, list[uuid.UUID]]:
    result: dict[str, list[uuid.UUID]] = {}
    for kind, record_id in rows:
        result.setdefault(kind, []).append(record_id)
    return result


def rows(query: Any) -> list[tuple[Any, ...]]:
    """The rows of a peewee query as tuples (typed for mypy)."""
    return list(query.tuples())
