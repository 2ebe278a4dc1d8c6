"""The mailbox: folder pages, threads, search, archive/delete with undo, filing senders, health.

Everything here reads or writes the local database only; what must reach Gmail (archive,
delete, undo) becomes a ``MailOutbox`` row in the same transaction as the local change, and the
account's sync worker sends it. A user sees the mail of the accounts they connected (admins
also see accounts nobody owns).

Folder pages use keyset paging, newest first: ``folder_page(user, folder, after=key)`` returns
the rows after ``key`` (a ``PageKey`` of the last row shown); ``folder_key_at`` finds the key
at a position so a lazy list can jump into the middle without reading what lies before.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import peewee

from desktopcrm.models import User, database, log_change, utcnow, write_transaction
from desktopcrm.models.mail import (
    Folder,
    MailAccount,
    MailAttachment,
    MailLink,
    MailMessage,
    MailOutbox,
    OutboxKind,
    OutboxState,
    SyncState,
)
from desktopcrm.models.records import Contact, Lead
from desktopcrm.services import contacts as contact_service
from desktopcrm.services import leads as lead_service
from desktopcrm.services.errors import PermissionDenied, ValidationError
from desktopcrm.services.mail_filing import (
    address_book,
    folder_for,
    messages_with_addresses,
    refile_messages,
    rows,
)

#: Columns a folder row needs (bodies stay in the database until a message is opened).
_ROW_FIELDS = (
    MailMessage.id,
    MailMessage.account,
    MailMessage.gmail_id,
    MailMessage.thread_id,
    MailMessage.folder,
    MailMessage.subject,
    MailMessage.from_name,
    MailMessage.from_address,
    MailMessage.to_text,
    MailMessage.date,
    MailMessage.snippet,
    MailMessage.unread,
    MailMessage.has_attachments,
    MailMessage.open_count,
    MailMessage.replied,
    MailMessage.queued,
    MailMessage.sent_by_us,
)

#: The folders the mailbox screen lists, in order.
MAILBOX_FOLDERS = (Folder.INBOX, Folder.UNMATCHED, Folder.SENT, Folder.ARCHIVED)


class PageKey(NamedTuple):
    """Where a row sits in a folder (newest first: date, then id, both descending)."""

    date: dt.datetime
    id: int


@dataclass(frozen=True)
class MailRow:
    """One message in a folder list."""

    id: int
    account_id: uuid.UUID
    gmail_id: str
    thread_id: str
    folder: Folder
    subject: str
    from_name: str
    from_address: str
    to_text: str
    date: dt.datetime  # naive UTC
    snippet: str
    unread: bool
    has_attachments: bool
    open_count: int | None  # None when the message is not tracked
    replied: bool
    queued: bool  # waiting in the outbox
    sent_by_us: bool
    thread_size: int = 1

    @property
    def key(self) -> PageKey:
        return PageKey(self.date, self.id)

    @property
    def sender(self) -> str:
        return self.from_name or self.from_address or "(unknown sender)"


@dataclass(frozen=True)
class AttachmentInfo:
    id: int
    part_index: int
    filename: str
    mime_type: str
    size: int


@dataclass(frozen=True)
class LinkedRecord:
    record_type: str  # lead / contact / company / deal
    record_id: uuid.UUID
    title: str


@dataclass(frozen=True)
class MailDetail:
    """One message with its bodies, attachments and linked records (for the reading pane)."""

    row: MailRow
    message_id: str
    in_reply_to: str
    references: tuple[str, ...]
    labels: frozenset[str]
    cc_text: str
    bcc_text: str
    text_body: str
    html_body: str
    defects: tuple[str, ...]
    attachments: tuple[AttachmentInfo, ...]
    links: tuple[LinkedRecord, ...]


@dataclass(frozen=True)
class MailChange:
    """What an archive/delete did, so ``undo_change`` can put it back."""

    action: str  # archive / delete / move_to_inbox / restore
    message_ids: tuple[int, ...]


@dataclass(frozen=True)
class AccountHealth:
    """What the sync health view shows for one account."""

    account_id: uuid.UUID
    email: str
    state: SyncState
    last_sync_at: dt.datetime | None
    messages: int
    queued_outgoing: int
    failed_outgoing: int
    last_error: str
    last_error_at: dt.datetime | None


# --------------------------------------------------------------------------- accounts


def mail_accounts(user: User) -> list[MailAccount]:
    """The accounts whose mail ``user`` sees, by email."""
    query = MailAccount.live()
    if user.is_admin:
        query = query.where((MailAccount.user == user.id) | MailAccount.user.is_null())
    else:
        query = query.where(MailAccount.user == user.id)
    return list(query.order_by(MailAccount.email))


def _account_ids(user: User, account_id: uuid.UUID | None) -> list[uuid.UUID]:
    ids = [account.id for account in mail_accounts(user)]
    if account_id is None:
        return ids
    if account_id not in ids:
        raise PermissionDenied("This mail account is not yours.")
    return [account_id]


def _visible(user: User, account_id: uuid.UUID | None = None) -> Any:
    ids = _account_ids(user, account_id)
    return MailMessage.account.in_(ids) if ids else MailMessage.id < 0


# --------------------------------------------------------------------------- folders


def _row(values: Sequence[Any], thread_size: int = 1) -> MailRow:
    (mid, account, gmail_id, thread_id, folder, subject, from_name, from_address, to_text) = values[
        :9
    ]
    date, snippet, unread, attachments, opens, replied, queued, ours = values[9:]
    return MailRow(
        mid,
        account if isinstance(account, uuid.UUID) else uuid.UUID(str(account)),
        gmail_id,
        thread_id,
        Folder(folder),
        subject,
        from_name,
        from_address,
        to_text,
        date,
        snippet,
        bool(unread),
        bool(attachments),
        opens,
        bool(replied),
        bool(queued),
        bool(ours),
        thread_size,
    )


def _with_thread_sizes(values: list[tuple[Any, ...]]) -> list[MailRow]:
    threads = {(row[1], row[3]) for row in values if row[3]}
    sizes: dict[tuple[Any, str], int] = {}
    by_account: dict[Any, set[str]] = {}
    for account, thread in threads:
        by_account.setdefault(account, set()).add(thread)
    for account, thread_ids in by_account.items():
        # Filtered by thread only (the account is checked below): with the account in the
        # WHERE, SQLite walks the (account, folder, date, id) index over the whole mailbox
        # instead of the thread index (200 ms for a page of a 250,000-message folder).
        query = (
            MailMessage.select(
                MailMessage.account, MailMessage.thread_id, peewee.fn.COUNT(MailMessage.id)
            )
            .where(
                MailMessage.thread_id.in_(sorted(thread_ids)),
                MailMessage.folder.not_in([Folder.TRASH.value, Folder.SPAM.value]),
            )
            .group_by(MailMessage.account, MailMessage.thread_id)
        )
        wanted = str(account).replace("-", "")
        for owner, thread_id, count in rows(query):
            if str(owner).replace("-", "") == wanted:
                sizes[(account, thread_id)] = count
    return [_row(row, sizes.get((row[1], row[3]), 1)) for row in values]


def folder_page(
    user: User,
    folder: Folder,
    *,
    after: PageKey | None = None,
    limit: int = 100,
    account_id: uuid.UUID | None = None,
) -> list[MailRow]:
    """Up to ``limit`` messages of ``folder``, newest first, after ``after`` (keyset paging)."""
    query = MailMessage.select(*_ROW_FIELDS).where(
        MailMessage.folder == folder.value, _visible(user, account_id)
    )
    if after is not None:
        query = query.where(_beyond(after))
    query = query.order_by(MailMessage.date.desc(), MailMessage.id.desc()).limit(limit)
    return _with_thread_sizes(rows(query))


def _beyond(after: PageKey) -> Any:
    """Rows after ``after`` (newest first). ``date <= `` states the bound as a range the
    (account, folder, date, id) index seeks to; the OR alone makes the database walk the index
    from the newest message to the key (100 ms in the middle of a 250,000-message folder)."""
    return (MailMessage.date <= after.date) & (
        (MailMessage.date < after.date)
        | ((MailMessage.date == after.date) & (MailMessage.id < after.id))
    )


def folder_key_at(
    user: User,
    folder: Folder,
    position: int,
    *,
    known: tuple[int, PageKey] | None = None,
    count: int | None = None,
    account_id: uuid.UUID | None = None,
) -> PageKey | None:
    """The key of the message at ``position`` of ``folder`` (0 = the newest), so a lazy list
    can read the block there with ``folder_page(after=...)`` without reading what lies above.

    The database skips index entries only (no rows are read) from the nearest of: the top,
    ``known`` (a position whose key the caller has, e.g. the last row of a loaded block) and,
    when ``count`` is given, the bottom (then it skips the other way). None past the end.
    """
    if position < 0 or (count is not None and position >= count):
        return None
    base = MailMessage.select(MailMessage.date, MailMessage.id).where(
        MailMessage.folder == folder.value, _visible(user, account_id)
    )
    newest_first = (MailMessage.date.desc(), MailMessage.id.desc())
    skip, query = position, base.order_by(*newest_first)
    if known is not None and known[0] <= position:
        if known[0] == position:
            return known[1]
        if position - known[0] - 1 < skip:
            skip = position - known[0] - 1
            query = base.where(_beyond(known[1])).order_by(*newest_first)
    if count is not None and count - 1 - position < skip:
        skip = count - 1 - position
        query = base.order_by(MailMessage.date.asc(), MailMessage.id.asc())
    found = rows(query.limit(1).offset(skip))
    return PageKey(_as_datetime(found[0][0]), int(found[0][1])) if found else None


def _counts(user: User, account_id: uuid.UUID | None) -> list[tuple[Folder, int, int]]:
    """(folder, total, unread) per folder of the visible accounts, from the counts the
    database keeps (``models.mail_counts``): one small row per account and folder."""
    from desktopcrm.models.mail_counts import MailFolderCount

    ids = _account_ids(user, account_id)
    if not ids:
        return []
    query = MailFolderCount.select(
        MailFolderCount.folder, MailFolderCount.total, MailFolderCount.unread
    ).where(MailFolderCount.account_id.in_(ids))
    return [(Folder(folder), int(total), int(unread)) for folder, total, unread in rows(query)]


def folder_count(user: User, folder: Folder, *, account_id: uuid.UUID | None = None) -> int:
    """How many messages ``folder`` holds."""
    return sum(total for found, total, _ in _counts(user, account_id) if found is folder)


def folder_counts(user: User, *, account_id: uuid.UUID | None = None) -> dict[Folder, int]:
    """Message counts of the mailbox folders (unread ones: ``unread_counts``)."""
    result = dict.fromkeys(MAILBOX_FOLDERS, 0)
    for folder, total, _ in _counts(user, account_id):
        if folder in result:
            result[folder] += total
    return result


def unread_counts(user: User, *, account_id: uuid.UUID | None = None) -> dict[Folder, int]:
    """Unread messages per mailbox folder."""
    result = dict.fromkeys(MAILBOX_FOLDERS, 0)
    for folder, _, unread in _counts(user, account_id):
        if folder in result:
            result[folder] += unread
    return result


def _as_datetime(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    field = MailMessage.date
    result: dt.datetime = field.python_value(value)
    return result


# --------------------------------------------------------------------------- messages


def _message(user: User, message_id: int) -> MailMessage:
    message = MailMessage.get_or_none(MailMessage.id == message_id)
    if message is None or message.account_id not in _account_ids(user, None):
        raise ValidationError("message", "This message is no longer in the mailbox.")
    return message


def message_detail(user: User, message_id: int) -> MailDetail:
    """A message with bodies, attachments and linked records."""
    message = _message(user, message_id)
    row = folder_row(user, message_id)
    attachments = tuple(
        AttachmentInfo(a.id, a.part_index, a.filename, a.mime_type, a.size)
        for a in MailAttachment.select()
        .where(MailAttachment.message == message_id)
        .order_by(MailAttachment.part_index)
    )
    return MailDetail(
        row=row,
        message_id=message.message_id,
        in_reply_to=message.in_reply_to,
        references=tuple(message.references.split()),
        labels=message.label_set,
        cc_text=message.cc_text,
        bcc_text=message.bcc_text,
        text_body=message.text_body,
        html_body=message.html_body,
        defects=tuple(line for line in message.defects.splitlines() if line),
        attachments=attachments,
        links=tuple(linked_records([message_id]).get(message_id, ())),
    )


def folder_row(user: User, message_id: int) -> MailRow:
    """The list row of one message."""
    _message(user, message_id)
    values = rows(MailMessage.select(*_ROW_FIELDS).where(MailMessage.id == message_id))[0]
    return _with_thread_sizes([values])[0]


def linked_records(message_ids: Sequence[int]) -> dict[int, list[LinkedRecord]]:
    """The CRM records each message belongs to, with their display names."""
    links = rows(
        MailLink.select(MailLink.message, MailLink.record_type, MailLink.record_id).where(
            MailLink.message.in_(list(message_ids))
        )
    )
    names: dict[uuid.UUID, str] = {}
    lead_ids = [rid for _, kind, rid in links if kind == "lead"]
    contact_ids = [rid for _, kind, rid in links if kind in ("contact", "company")]
    deal_ids = [rid for _, kind, rid in links if kind == "deal"]
    if lead_ids:
        for lead in Lead.select().where(Lead.id.in_(lead_ids)):
            names[lead.id] = lead.display_name
    if contact_ids:
        for contact in Contact.select().where(Contact.id.in_(contact_ids)):
            names[contact.id] = contact.display_name
    if deal_ids:
        from desktopcrm.models.records import Deal

        for deal_id, name in rows(Deal.select(Deal.id, Deal.name).where(Deal.id.in_(deal_ids))):
            names[deal_id] = name
    result: dict[int, list[LinkedRecord]] = {}
    for message_id, kind, record_id in links:
        result.setdefault(message_id, []).append(
            LinkedRecord(kind, record_id, names.get(record_id, "(deleted record)"))
        )
    return result


def thread_messages(user: User, message_id: int) -> list[MailDetail]:
    """Every message of the thread ``message_id`` belongs to, oldest first (trash left out)."""
    message = _message(user, message_id)
    if not message.thread_id:
        return [message_detail(user, message_id)]
    # Filtered on the thread id alone (its own index) and the rest checked here: with the
    # account in the WHERE, SQLite may pick the (account, folder, date) index and read every
    # message of the account.
    query = MailMessage.select(
        MailMessage.id, MailMessage.account, MailMessage.folder, MailMessage.date
    ).where(MailMessage.thread_id == message.thread_id)
    hidden = {Folder.TRASH.value, Folder.SPAM.value}
    found = [
        (_as_datetime(date), mid)
        for mid, account, folder, date in rows(query)
        if str(account) == str(message.account_id) and (folder not in hidden or mid == message_id)
    ]
    return [message_detail(user, mid) for _, mid in sorted(found)]


def messages_for_record(
    user: User, record_type: str, record_id: uuid.UUID, *, limit: int = 50
) -> list[MailRow]:
    """The newest messages linked to a lead, contact, company or deal (record pages)."""
    query = (
        MailMessage.select(*_ROW_FIELDS)
        .join(MailLink, on=(MailLink.message == MailMessage.id))
        .where(
            MailLink.record_type == record_type,
            MailLink.record_id == record_id,
            _visible(user),
            MailMessage.folder.not_in([Folder.TRASH.value, Folder.SPAM.value]),
        )
        .order_by(MailMessage.date.desc(), MailMessage.id.desc())
        .limit(limit)
    )
    return _with_thread_sizes(rows(query))


def search_mail(
    user: User,
    text: str,
    *,
    folder: Folder | None = None,
    limit: int = 100,
    account_id: uuid.UUID | None = None,
) -> list[MailRow]:
    """Messages whose subject or body has every word of ``text`` (word prefixes match),
    newest first. Trash and spam only when asked for by ``folder``."""
    words = [word for word in _words(text) if word]
    if not words:
        return []
    query = MailMessage.select(*_ROW_FIELDS).where(_visible(user, account_id))
    if isinstance(database.obj, peewee.PostgresqlDatabase):
        tsquery = " & ".join(f"{word}:*" for word in words)
        subquery = peewee.SQL(
            "IN (SELECT id FROM mail_message WHERE tsv @@ to_tsquery('simple', %s))", (tsquery,)
        )
    else:
        match = " ".join(f'"{word}"*' for word in words)
        subquery = peewee.SQL("IN (SELECT rowid FROM mail_fts WHERE mail_fts MATCH ?)", (match,))
    query = query.where(peewee.NodeList((MailMessage.id, subquery)))
    if folder is not None:
        query = query.where(MailMessage.folder == folder.value)
    else:
        query = query.where(MailMessage.folder.not_in([Folder.TRASH.value, Folder.SPAM.value]))
    query = query.order_by(MailMessage.date.desc(), MailMessage.id.desc()).limit(limit)
    return _with_thread_sizes(rows(query))


def _words(text: str) -> list[str]:
    cleaned = "".join(ch if ch.isalnum() or ch in "@._-" else " " for ch in text.lower())
    return [word.replace('"', "") for word in cleaned.split()]


# --------------------------------------------------------------------------- archive / delete


_ACTIONS: dict[str, tuple[set[str], set[str], OutboxKind]] = {
    # action: (labels added, labels removed, outbox kind)
    "archive": (set(), {"INBOX"}, OutboxKind.MODIFY),
    "move_to_inbox": ({"INBOX"}, set(), OutboxKind.MODIFY),
    "delete": ({"TRASH"}, set(), OutboxKind.TRASH),
    "restore": (set(), {"TRASH"}, OutboxKind.UNTRASH),
}
_UNDO = {
    "archive": "move_to_inbox",
    "move_to_inbox": "archive",
    "delete": "restore",
    "restore": "delete",
}


def archive_messages(user: User, message_ids: Iterable[int]) -> MailChange:
    """Archive: remove INBOX here at once and queue the same change for Gmail."""
    return _apply(user, "archive", message_ids)


def delete_messages(user: User, message_ids: Iterable[int]) -> MailChange:
    """Delete = move to Gmail's trash (here at once, in Gmail through the outbox)."""
    return _apply(user, "delete", message_ids)


def move_to_inbox(user: User, message_ids: Iterable[int]) -> MailChange:
    return _apply(user, "move_to_inbox", message_ids)


def restore_messages(user: User, message_ids: Iterable[int]) -> MailChange:
    """Take messages out of the trash."""
    return _apply(user, "restore", message_ids)


def undo_change(user: User, change: MailChange) -> MailChange:
    """Reverse an archive/delete (also in Gmail, through the outbox)."""
    return _apply(user, _UNDO[change.action], change.message_ids)


def _apply(user: User, action: str, message_ids: Iterable[int]) -> MailChange:
    added, removed, kind = _ACTIONS[action]
    ids = sorted(set(message_ids))
    allowed = set(_account_ids(user, None))
    book = address_book()
    done: list[int] = []
    with write_transaction():
        for message in MailMessage.select().where(MailMessage.id.in_(ids)):
            if message.account_id not in allowed:
                raise PermissionDenied("This message belongs to a mail account that is not yours.")
            old = message.label_set
            labels = (old | added) - removed
            folder = folder_for(
                labels,
                matched=message.matched,
                from_team=bool(message.from_address) and book.is_team(message.from_address),
            )
            MailMessage.update(
                labels=" ".join(sorted(labels)), folder=folder.value, updated_at=utcnow()
            ).where(MailMessage.id == message.id).execute()
            if not message.gmail_id.startswith("outbox:"):
                queue_outbox(
                    message.account_id,
                    kind,
                    gmail_id=message.gmail_id,
                    mail_message_id=message.id,
                    payload={"add": sorted(added), "remove": sorted(removed)},
                    created_by=user.id,
                )
            log_change(
                "mail_message",
                message.uid,
                "update",
                1,
                {"labels": [" ".join(sorted(old)), " ".join(sorted(labels))], "action": action},
            )
            done.append(message.id)
    return MailChange(action, tuple(done))


def mark_read(user: User, message_ids: Iterable[int], *, read: bool = True) -> list[int]:
    """Mark messages read (or unread again): here at once, in Gmail by removing (adding) the
    UNREAD label through the outbox, like an archive. Returns the ids that changed (a message
    already in that state is left alone, nothing queued)."""
    ids = sorted(set(message_ids))
    allowed = set(_account_ids(user, None))
    changed: list[int] = []
    with write_transaction():
        query = MailMessage.select(
            MailMessage.id,
            MailMessage.uid,
            MailMessage.account,
            MailMessage.gmail_id,
            MailMessage.labels,
            MailMessage.unread,
        ).where(MailMessage.id.in_(ids), MailMessage.unread == read)
        for message in query:
            if message.account_id not in allowed:
                raise PermissionDenied("This message belongs to a mail account that is not yours.")
            old = message.label_set
            labels = old - {"UNREAD"} if read else old | {"UNREAD"}
            MailMessage.update(
                unread=not read, labels=" ".join(sorted(labels)), updated_at=utcnow()
            ).where(MailMessage.id == message.id).execute()
            if not message.gmail_id.startswith("outbox:"):
                queue_outbox(
                    message.account_id,
                    OutboxKind.MODIFY,
                    gmail_id=message.gmail_id,
                    mail_message_id=message.id,
                    payload={"add": [], "remove": ["UNREAD"]}
                    if read
                    else {"add": ["UNREAD"], "remove": []},
                    created_by=user.id,
                )
            log_change("mail_message", message.uid, "update", 1, {"unread": [read, not read]})
            changed.append(message.id)
    return changed


def queue_outbox(
    account_id: uuid.UUID,
    kind: OutboxKind,
    *,
    gmail_id: str = "",
    mail_message_id: int | None = None,
    payload: dict[str, Any] | None = None,
    raw: bytes | None = None,
    rfc_message_id: str = "",
    created_by: uuid.UUID | None = None,
) -> MailOutbox:
    """Store an outgoing change for the account's worker (call inside the local change's
    transaction, so both happen or neither)."""
    with write_transaction():
        last = (
            MailOutbox.select(peewee.fn.MAX(MailOutbox.seq))
            .where(MailOutbox.account == account_id)
            .scalar()
        )
        row = MailOutbox.create(
            account=account_id,
            kind=kind.value,
            gmail_id=gmail_id,
            mail_message=mail_message_id,
            payload=json.dumps(payload or {}),
            raw_message=raw,
            rfc_message_id=rfc_message_id,
            created_by=created_by,
            seq=int(last or 0) + 1,
        )
    return row


def pending_outbox(account_id: uuid.UUID) -> list[MailOutbox]:
    """The account's outgoing changes not done yet, oldest first."""
    return list(
        MailOutbox.select()
        .where(
            MailOutbox.account == account_id,
            MailOutbox.state.in_([OutboxState.PENDING.value, OutboxState.SENDING.value]),
        )
        .order_by(MailOutbox.seq)
    )


def failed_outbox(user: User) -> list[MailOutbox]:
    """Outgoing changes Gmail refused for good, newest first (the health view lists them)."""
    ids = _account_ids(user, None)
    return list(
        MailOutbox.select()
        .where(MailOutbox.account.in_(ids), MailOutbox.state == OutboxState.FAILED.value)
        .order_by(MailOutbox.created_at.desc())
    )


def retry_outbox(user: User, outbox_id: uuid.UUID) -> None:
    """Queue a failed outgoing change again."""
    row = MailOutbox.get_or_none(MailOutbox.id == outbox_id)
    if row is None or row.account_id not in _account_ids(user, None):
        raise ValidationError("outbox", "This outgoing change no longer exists.")
    MailOutbox.update(state=OutboxState.PENDING.value, next_attempt_at=None, last_error="").where(
        MailOutbox.id == outbox_id
    ).execute()


# --------------------------------------------------------------------------- senders


def add_sender_as_lead(user: User, message_id: int, **fields: Any) -> Lead:
    """Create a lead from the message's sender and re-file the mail they appear on."""
    message = _message(user, message_id)
    first, last = _split_name(message.from_name, message.from_address)
    values: dict[str, Any] = {"first_name": first, "last_name": last, "email": message.from_address}
    values.update(fields)
    lead = lead_service.create_lead(user, check_duplicates=False, **values)
    refile_for_addresses([message.from_address])
    return lead


def add_sender_as_contact(user: User, message_id: int, **fields: Any) -> Contact:
    """Create a person contact from the message's sender and re-file their mail."""
    message = _message(user, message_id)
    first, last = _split_name(message.from_name, message.from_address)
    values: dict[str, Any] = {"first_name": first, "last_name": last, "email": message.from_address}
    values.update(fields)
    contact = contact_service.create_person(user, check_duplicates=False, **values)
    refile_for_addresses([message.from_address])
    return contact


def refile_for_addresses(addresses: Iterable[str]) -> int:
    """Match again every message on which one of ``addresses`` appears; returns how many
    changed folder (e.g. Unmatched -> Inbox)."""
    ids = messages_with_addresses(addresses)
    changed = refile_messages(ids)
    if ids:
        with write_transaction():
            query = (
                MailMessage.select(MailMessage.account)
                .where(MailMessage.id.in_(ids[:1000]))
                .distinct()
            )
            for account_id in {row[0] for row in rows(query)}:
                log_change("mail_message", account_id, "sync", 0, {"refiled": len(changed)})
    return len(changed)


def _split_name(name: str, address: str) -> tuple[str, str]:
    name = name.strip().strip('"')
    if "," in name:
        last, _, first = name.partition(",")
        return first.strip(), last.strip()
    if name:
        first, _, last = name.rpartition(" ")
        return (first, last) if first else ("", last)
    local = address.split("@", 1)[0]
    parts = [part for part in local.replace("_", ".").replace("-", ".").split(".") if part]
    if len(parts) >= 2:
        return parts[0].capitalize(), " ".join(p.capitalize() for p in parts[1:])
    return "", (parts[0] if parts else address)


# --------------------------------------------------------------------------- tracking


def set_open_counts(counts: dict[str, int]) -> int:
    """Store open counts by our ``Message-ID`` (from the tracking endpoint); returns rows set."""
    updated = 0
    with write_transaction():
        for message_id, count in counts.items():
            updated += (
                MailMessage.update(open_count=count)
                .where(MailMessage.message_id == message_id, MailMessage.sent_by_us == True)  # noqa: E712
                .execute()
            )
    return updated


# --------------------------------------------------------------------------- health / export


def sync_health(user: User) -> list[AccountHealth]:
    """Per account: state, last sync, messages stored, outgoing queued and failed, last error."""
    result: list[AccountHealth] = []
    for account in mail_accounts(user):
        messages = sum(total for _, total, _ in _counts(user, account.id))
        queued = (
            MailOutbox.select()
            .where(
                MailOutbox.account == account.id,
                MailOutbox.state.in_([OutboxState.PENDING.value, OutboxState.SENDING.value]),
            )
            .count()
        )
        failed = (
            MailOutbox.select()
            .where(MailOutbox.account == account.id, MailOutbox.state == OutboxState.FAILED.value)
            .count()
        )
        result.append(
            AccountHealth(
                account.id,
                account.email,
                account.state,
                account.last_sync_at,
                messages,
                queued,
                failed,
                account.last_error,
                account.last_error_at,
            )
        )
    return result


def export_emails(user: User, out: Path) -> int:
    """Write every message ``user`` sees to ``out`` as JSON lines; returns how many."""
    ids = _account_ids(user, None)
    emails = {a.id: a.email for a in MailAccount.select().where(MailAccount.id.in_(ids))}
    count = 0
    tmp = out.with_name(out.name + ".part")
    with tmp.open("w", encoding="utf-8") as handle:
        last_id = 0
        while True:
            batch = list(
                MailMessage.select()
                .where(MailMessage.account.in_(ids), MailMessage.id > last_id)
                .order_by(MailMessage.id)
                .limit(1000)
            )
            if not batch:
                break
            links = linked_records([m.id for m in batch])
            for message in batch:
                record = {
                    "account": emails.get(message.account_id, ""),
                    "gmail_id": message.gmail_id,
                    "message_id": message.message_id,
                    "thread_id": message.thread_id,
                    "folder": message.folder,
                    "labels": sorted(message.label_set),
                    "from": _format_address(message.from_name, message.from_address),
                    "to": message.to_text,
                    "cc": message.cc_text,
                    "date": message.date.replace(tzinfo=dt.UTC).isoformat(),
                    "subject": message.subject,
                    "linked": [
                        {"type": link.record_type, "id": str(link.record_id)}
                        for link in links.get(message.id, [])
                    ],
                    "open_count": message.open_count,
                    "replied": message.replied,
                }
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
                count += 1
            last_id = batch[-1].id
    tmp.replace(out)
    return count


def _format_address(name: str, address: str) -> str:
    return f"{name} <{address}>" if name and address else name or address
