"""From the compose window to the outbox: recipients typed as text, replies and forwards of a
stored message, and queueing a finished draft.

A reply or forward starts from the message as the sync stored it (``stored_message`` turns the
row back into a ``ParsedMessage``), so it works offline. ``queue_draft`` gives the draft our
own Message-ID, a tracking pixel only when an endpoint is configured, builds the bytes once
and hands them to ``outbox.queue_raw``: the account's worker sends exactly those bytes.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
import uuid
from dataclasses import dataclass

from desktopcrm.models import User
from desktopcrm.models.mail import MailAddress, MailOutbox
from desktopcrm.services.mail import LinkedRecord, MailDetail, mail_accounts, message_detail
from desktopcrm.sync.compose import (
    Draft,
    QuotedPieces,
    build_message,
    new_message_id,
    quote_for_forward,
    quote_for_reply,
)
from desktopcrm.sync.mime import Address, ParsedAttachment, ParsedMessage
from desktopcrm.sync.outbox import queue_raw
from desktopcrm.sync.tracking_client import TrackingClient

__all__ = [
    "ReplyStart",
    "parse_recipients",
    "queue_draft",
    "start_reply",
    "stored_message",
]

MODES = ("new", "reply", "reply_all", "forward")
_EMAIL = re.compile(r"[^@\s<>(),;:\"\[\]]+@[^@\s<>(),;:\"\[\]]+\.[^@\s<>(),;:\"\[\]]+")


def parse_recipients(text: str) -> tuple[tuple[Address, ...], tuple[str, ...]]:
    """The addresses typed in a To/Cc/Bcc field (commas or semicolons between them), each
    once, and the pieces that are not addresses (to show the user)."""
    found: list[Address] = []
    bad: list[str] = []
    seen: set[str] = set()
    for piece in _pieces(text):
        name, address = email.utils.parseaddr(piece)
        address = address.strip().lower()
        if not _EMAIL.fullmatch(address) or ("<" not in piece and " " in piece.strip()):
            bad.append(piece.strip())
            continue
        if address not in seen:
            seen.add(address)
            found.append(Address(name.strip(), address))
    return tuple(found), tuple(bad)


def _pieces(text: str) -> list[str]:
    """Split on commas and semicolons outside quotes and angle brackets."""
    pieces: list[str] = []
    current: list[str] = []
    quoted = bracket = False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        elif ch == "<" and not quoted:
            bracket = True
        elif ch == ">" and not quoted:
            bracket = False
        if ch in ",;\n" and not quoted and not bracket:
            pieces.append("".join(current))
            current = []
        else:
            current.append(ch)
    pieces.append("".join(current))
    return [p for p in (piece.strip() for piece in pieces) if p]


def _shown(text: str) -> tuple[Address, ...]:
    return tuple(
        Address(name, address.lower())
        for name, address in email.utils.getaddresses([text])
        if address
    )


def stored_message(user: User, message_id: int) -> tuple[ParsedMessage, MailDetail]:
    """The stored message ``message_id`` as ``ParsedMessage`` (for quoting), and its detail."""
    detail = message_detail(user, message_id)
    row = detail.row
    query = MailAddress.select(MailAddress.address).where(
        MailAddress.message == message_id, MailAddress.role == "reply_to"
    )
    reply_to = tuple(Address("", str(row.address)) for row in query)
    parsed = ParsedMessage(
        message_id=detail.message_id,
        subject=row.subject,
        sender=Address(row.from_name, row.from_address) if row.from_address else None,
        to=_shown(row.to_text),
        cc=_shown(detail.cc_text),
        bcc=_shown(detail.bcc_text),
        reply_to=reply_to,
        date=row.date.replace(tzinfo=dt.UTC),
        in_reply_to=detail.in_reply_to,
        references=detail.references,
        text_body=detail.text_body,
        html_body=detail.html_body,
        attachments=tuple(
            ParsedAttachment(a.filename, a.mime_type, a.size, "", a.part_index)
            for a in detail.attachments
        ),
        defects=(),
    )
    return parsed, detail


@dataclass(frozen=True)
class ReplyStart:
    """What a reply or forward starts with."""

    account_id: uuid.UUID
    thread_id: str  # "" for a forward: it starts a new thread
    pieces: QuotedPieces
    links: tuple[LinkedRecord, ...]  # the records the original belongs to


def start_reply(user: User, message_id: int, mode: str) -> ReplyStart:
    """Recipients, subject, quote and threading for ``mode`` ('reply', 'reply_all',
    'forward') of the stored message; the user's own addresses are never recipients."""
    parsed, detail = stored_message(user, message_id)
    me = [account.email for account in mail_accounts(user)]
    if user.email:
        me.append(user.email.lower())
    if mode == "forward":
        pieces = quote_for_forward(parsed)
        thread = ""
    else:
        pieces = quote_for_reply(parsed, reply_all=mode == "reply_all", me=me)
        thread = detail.row.thread_id
    return ReplyStart(detail.row.account_id, thread, pieces, detail.links)


def queue_draft(
    user: User,
    account_id: uuid.UUID,
    draft: Draft,
    *,
    thread_id: str = "",
    tracking: TrackingClient | None = None,
) -> MailOutbox:
    """Build ``draft`` with our own Message-ID (and a tracking pixel when ``tracking`` is
    given) and queue it; it shows in Sent at once, marked queued.

    Raises:
        ComposeError: the draft cannot become a message (the text says what to change).
        ValidationError: the account is not one of the user's.
    """
    domain = draft.sender.email.rpartition("@")[2]
    rfc_id = new_message_id(domain)
    pixel = tracking.pixel_url(rfc_id) if tracking is not None else None
    raw = build_message(draft, rfc_id, tracking_pixel_url=pixel)
    return queue_raw(user, account_id, raw, thread_id=thread_id, tracked=pixel is not None)
