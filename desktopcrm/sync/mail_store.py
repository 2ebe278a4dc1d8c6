"""Storing what the Gmail sync fetched: messages, who is on them, attachments, links, labels.

``prepare`` parses a raw message (no database; runs in the fetching threads) and
``store_batch`` writes a batch in one short transaction: messages Gmail sent us before are
skipped (no duplicates, whatever the sync replays), a message we sent from the outbox is
matched to its local row by ``Message-ID``, and one ``sync`` change-log row per batch tells
other windows the mailbox changed (see ``models.mail``).
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from desktopcrm.models import log_change, utcnow, write_transaction
from desktopcrm.models.db import insert_many
from desktopcrm.models.mail import Folder, MailAccount, MailAttachment, MailMessage
from desktopcrm.services.mail_filing import (
    AddressBookLike,
    folder_for,
    has_links,
    link_rows,
    normalise_address,
    rows,
)
from desktopcrm.sync.gmail_api import RawMessage
from desktopcrm.sync.mime import Address, parse_message

_TAGS = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]+>", re.IGNORECASE | re.DOTALL)
_SPACE = re.compile(r"[ \t\r\f\v]+")


@dataclass(frozen=True)
class PreparedMessage:
    """A fetched message parsed into column values, ready for ``store_batch``."""

    gmail_id: str
    values: dict[str, Any]
    addresses: tuple[tuple[str, str], ...]  # (normalised address, role)
    attachments: tuple[tuple[int, str, str, int, str], ...]


def html_to_text(markup: str) -> str:
    """Readable text of an HTML body (for search and previews of HTML-only mail)."""
    text = _TAGS.sub(" ", markup)
    lines = (_SPACE.sub(" ", line).strip() for line in html.unescape(text).splitlines())
    return "\n".join(line for line in lines if line)


def _shown(addresses: Iterable[Address]) -> str:
    parts = []
    for address in addresses:
        if address.name and address.email:
            parts.append(f"{address.name} <{address.email}>")
        else:
            parts.append(address.name or address.email)
    return ", ".join(part for part in parts if part)


def prepare(fetched: RawMessage) -> PreparedMessage:
    """Parse a fetched message (never raises: a broken message is stored with its defects)."""
    parsed = parse_message(fetched.raw)
    date = parsed.date.astimezone(dt.UTC).replace(tzinfo=None) if parsed.date else None
    if date is None:
        date = dt.datetime.fromtimestamp(fetched.internal_date_ms / 1000, dt.UTC).replace(
            tzinfo=None
        )
    text = parsed.text_body or (html_to_text(parsed.html_body) if parsed.html_body else "")
    sender = parsed.sender
    addresses: list[tuple[str, str]] = []
    if sender and sender.email:
        addresses.append((normalise_address(sender.email), "from"))
    for role, group in (
        ("to", parsed.to),
        ("cc", parsed.cc),
        ("bcc", parsed.bcc),
        ("reply_to", parsed.reply_to),
    ):
        addresses.extend((normalise_address(a.email), role) for a in group if a.email)
    labels = " ".join(sorted(fetched.labels))
    values = {
        "gmail_id": fetched.gmail_id,
        "thread_id": fetched.thread_id,
        "message_id": parsed.message_id[:500],
        "in_reply_to": parsed.in_reply_to[:500],
        "references": " ".join(parsed.references),
        "labels": labels,
        "subject": parsed.subject,
        "from_name": (sender.name if sender else "")[:300],
        "from_address": normalise_address(sender.email)[:320] if sender else "",
        "to_text": _shown(parsed.to),
        "cc_text": _shown(parsed.cc),
        "bcc_text": _shown(parsed.bcc),
        "date": date,
        "snippet": html.unescape(fetched.snippet)[:300],
        "text_body": text,
        "html_body": parsed.html_body,
        "has_attachments": bool(parsed.attachments),
        "size": fetched.size,
        "defects": "\n".join(parsed.defects),
        "unread": "UNREAD" in fetched.labels,
    }
    attachments = tuple(
        (a.part_index, a.filename[:500], a.mime_type[:200], a.size, a.content_id[:500])
        for a in parsed.attachments
    )
    return PreparedMessage(fetched.gmail_id, values, tuple(addresses), attachments)


def known_gmail_ids(account: MailAccount, gmail_ids: Sequence[str]) -> set[str]:
    """Which of ``gmail_ids`` are stored already."""
    found: set[str] = set()
    for start in range(0, len(gmail_ids), 500):
        chunk = list(gmail_ids[start : start + 500])
        query = MailMessage.select(MailMessage.gmail_id).where(
            MailMessage.account == account.id, MailMessage.gmail_id.in_(chunk)
        )
        found.update(row[0] for row in rows(query))
    return found


def store_batch(
    account: MailAccount, batch: Sequence[PreparedMessage], book: AddressBookLike
) -> int:
    """Store the messages of ``batch`` not stored yet; returns how many were added."""
    if not batch:
        return 0
    me = normalise_address(account.email)
    added = 0
    with write_transaction():
        existing = known_gmail_ids(account, [p.gmail_id for p in batch])
        queued = _outbox_rows(account, [p.values["message_id"] for p in batch])
        address_rows: list[tuple[int, str, str]] = []
        attachment_rows: list[tuple[int, int, str, str, int, str]] = []
        link_values: list[tuple[int, str, Any]] = []
        replied_threads: dict[str, dt.datetime] = {}
        for prepared in batch:
            if prepared.gmail_id in existing:
                continue
            existing.add(prepared.gmail_id)
            values = dict(prepared.values)
            links = book.links_for(address for address, _ in prepared.addresses)
            sender = values["from_address"]
            from_team = bool(sender) and (sender == me or book.is_team(sender))
            matched = has_links(links)
            values["matched"] = matched
            values["folder"] = folder_for(
                values["labels"].split(), matched=matched, from_team=from_team
            ).value
            message_id = _adopt_outbox_row(queued, values)
            if message_id is None:
                message_id = int(MailMessage.insert(account=account.id, **values).execute())
                added += 1
                address_rows.extend((message_id, a, role) for a, role in prepared.addresses)
                attachment_rows.extend((message_id, *a) for a in prepared.attachments)
                link_values.extend(link_rows(message_id, links))
            if values["thread_id"] and sender != me:
                when = replied_threads.get(values["thread_id"])
                replied_threads[values["thread_id"]] = max(when or values["date"], values["date"])
        if address_rows:
            insert_many("mail_address", ("message_id", "address", "role"), address_rows)
        if attachment_rows:
            columns = ("message_id", "part_index", "filename", "mime_type", "size", "content_id")
            insert_many(MailAttachment._meta.table_name, columns, attachment_rows)
        if link_values:
            insert_many("mail_link", ("message_id", "record_type", "record_id"), link_values)
        _mark_replied(account, replied_threads)
        if added:
            log_change("mail_message", account.id, "sync", 0, {"added": added})
    return added


# The lookups below name only the column of the index they need (message_id, thread_id) and
# check the account in Python: with an account condition as well, SQLite without statistics
# picks the (account, folder, date, id) index and reads every message of the account, which
# made storing a batch cost O(stored messages).


def _outbox_rows(account: MailAccount, message_ids: Sequence[str]) -> dict[str, int]:
    """Our queued (not yet synced) messages among ``message_ids``: Message-ID -> row id."""
    wanted = list({m for m in message_ids if m})
    found: dict[str, int] = {}
    for start in range(0, len(wanted), 500):
        query = MailMessage.select(
            MailMessage.id, MailMessage.message_id, MailMessage.account, MailMessage.gmail_id
        ).where(MailMessage.message_id.in_(wanted[start : start + 500]))
        for row_id, message_id, account_id, gmail_id in rows(query):
            if account_id == account.id and str(gmail_id).startswith("outbox:"):
                found.setdefault(message_id, int(row_id))
    return found


def _adopt_outbox_row(queued: dict[str, int], values: Mapping[str, Any]) -> int | None:
    """A message we queued and Gmail now reports: fill in its local row instead of adding one."""
    row_id = queued.pop(values["message_id"], None) if values["message_id"] else None
    if row_id is None:
        return None
    MailMessage.update(
        gmail_id=values["gmail_id"],
        thread_id=values["thread_id"],
        labels=values["labels"],
        folder=values["folder"],
        queued=False,
        size=values["size"],
        updated_at=utcnow(),
    ).where(MailMessage.id == row_id).execute()
    return row_id


def _mark_replied(account: MailAccount, latest_by_thread: Mapping[str, dt.datetime]) -> None:
    """Our sent messages in these threads, older than someone's message there, were replied to."""
    threads = list(latest_by_thread)
    replied: list[int] = []
    for start in range(0, len(threads), 500):
        query = MailMessage.select(
            MailMessage.id,
            MailMessage.thread_id,
            MailMessage.account,
            MailMessage.labels,
            MailMessage.date,
            MailMessage.replied,
        ).where(MailMessage.thread_id.in_(threads[start : start + 500]))
        for row_id, thread_id, account_id, labels, date, was_replied in rows(query):
            if (
                account_id == account.id
                and not was_replied
                and "SENT" in labels.split()
                and date <= latest_by_thread[thread_id]
            ):
                replied.append(int(row_id))
    for start in range(0, len(replied), 500):
        MailMessage.update(replied=True).where(
            MailMessage.id.in_(replied[start : start + 500])
        ).execute()


def set_labels(
    account: MailAccount, labels: Mapping[str, Iterable[str]], book: AddressBookLike
) -> int:
    """Give stored messages (by Gmail id) these label sets; returns how many changed."""
    me = normalise_address(account.email)
    changed = 0
    ids = list(labels)
    with write_transaction():
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            query = MailMessage.select(
                MailMessage.id,
                MailMessage.gmail_id,
                MailMessage.labels,
                MailMessage.matched,
                MailMessage.from_address,
            ).where(MailMessage.account == account.id, MailMessage.gmail_id.in_(chunk))
            for message in query:
                new = " ".join(sorted(set(labels[message.gmail_id])))
                if new == message.labels:
                    continue
                sender = message.from_address
                folder = folder_for(
                    new.split(),
                    matched=message.matched,
                    from_team=bool(sender) and (sender == me or book.is_team(sender)),
                )
                MailMessage.update(
                    labels=new,
                    folder=folder.value,
                    unread="UNREAD" in new.split(),
                    updated_at=utcnow(),
                ).where(MailMessage.id == message.id).execute()
                changed += 1
        if changed:
            log_change("mail_message", account.id, "sync", 0, {"labels_changed": changed})
    return changed


def stored_labels(account: MailAccount, gmail_ids: Sequence[str]) -> dict[str, frozenset[str]]:
    """The label sets stored for ``gmail_ids`` (those stored)."""
    result: dict[str, frozenset[str]] = {}
    for start in range(0, len(gmail_ids), 500):
        chunk = list(gmail_ids[start : start + 500])
        query = MailMessage.select(MailMessage.gmail_id, MailMessage.labels).where(
            MailMessage.account == account.id, MailMessage.gmail_id.in_(chunk)
        )
        for gmail_id, labels in rows(query):
            result[gmail_id] = frozenset(labels.split())
    return result


def remove_messages(account: MailAccount, gmail_ids: Iterable[str]) -> int:
    """Delete messages Gmail deleted for good; returns how many were stored."""
    ids = list(gmail_ids)
    removed = 0
    with write_transaction():
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            removed += (
                MailMessage.delete()
                .where(MailMessage.account == account.id, MailMessage.gmail_id.in_(chunk))
                .execute()
            )
        if removed:
            log_change("mail_message", account.id, "sync", 0, {"removed": removed})
    return removed


def local_folder_count(account: MailAccount, folder: Folder) -> int:
    return int(
        MailMessage.select()
        .where(MailMessage.account == account.id, MailMessage.folder == folder.value)
        .count()
    )
