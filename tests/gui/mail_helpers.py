"""Realistic mail for the mailbox tests and screenshots, stored through the sync's own storage
code (``sync.mail_store.prepare`` + ``store_batch``, ``sync.outbox.queue_raw``)."""

from __future__ import annotations

import datetime as dt
import itertools
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from desktopcrm.models import User
from desktopcrm.models.mail import MailAccount, MailMessage, MailOutbox, OutboxState
from desktopcrm.services import contacts, deals, leads
from desktopcrm.services.mail_filing import address_book
from desktopcrm.sync.gmail_api import RawMessage
from desktopcrm.sync.mail_store import prepare, store_batch

ME = "me@northwind.example"
_ids = itertools.count(1)


def raw_message(
    sender: str,
    to: str,
    subject: str,
    body: str,
    *,
    at: dt.datetime,
    html: str | None = None,
    cc: str = "",
    reply_to: bytes | None = None,
    attachment: tuple[str, bytes, str] | None = None,
    message_id: str | None = None,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    if cc:
        message["Cc"] = cc
    message["Subject"] = subject
    message["Date"] = format_datetime(at.replace(tzinfo=dt.UTC))
    message["Message-ID"] = message_id or make_msgid(domain="mail.example")
    if reply_to is not None:
        from email import message_from_bytes

        parent = message_from_bytes(reply_to)["Message-ID"]
        message["In-Reply-To"] = parent
        message["References"] = parent
    message.set_content(body)
    if html is not None:
        message.add_alternative(html, subtype="html")
    if attachment is not None:
        name, data, mime = attachment
        main, _, sub = mime.partition("/")
        message.add_attachment(data, maintype=main, subtype=sub, filename=name)
    return bytes(message)


def store(
    account: MailAccount,
    raw: bytes,
    *,
    labels: tuple[str, ...] = ("INBOX",),
    thread: str = "",
    gmail_id: str = "",
) -> MailMessage:
    """Store one message as the sync would have fetched it; returns its row."""
    number = next(_ids)
    gmail_id = gmail_id or f"g{number:06d}"
    fetched = RawMessage(
        gmail_id=gmail_id,
        thread_id=thread or f"t{number:06d}",
        labels=labels,
        history_id=str(number),
        internal_date_ms=0,
        size=len(raw),
        snippet="",
        raw=raw,
    )
    prepared = prepare(fetched)
    store_batch(account, [prepared], address_book())
    return MailMessage.get(MailMessage.account == account.id, MailMessage.gmail_id == gmail_id)


def make_account(user: User, email: str = ME) -> MailAccount:
    """A connected account row (the sync's own tests cover connecting; the mailbox only reads)."""
    account = MailAccount(email=email, user=user, client_id="client", sync_state="incremental")
    account.save()
    return account


def realistic_mailbox(user: User, now: dt.datetime) -> dict[str, Any]:
    """An office's mailbox: known people in the Inbox with conversations and attachments, a
    stranger in Unmatched, sent mail (replied, tracked, one queued, one that failed), archived
    mail. Returns the account and the interesting rows by name."""
    account = make_account(user)
    anna = leads.create_lead(
        user, first_name="Anna", last_name="Weber", email="anna.weber@brightlabs.io",
        company_name="Bright Labs",
    )  # fmt: skip
    vellano = contacts.create_company(user, "Vellano Srl", check_duplicates=False)
    marco = contacts.create_person(
        user, first_name="Marco", last_name="Rossi", email="marco@vellano.it", company=vellano,
        check_duplicates=False,
    )  # fmt: skip
    deal = deals.create_deal(
        user, "Vellano — 40 seats renewal", "48000", "EUR", primary_contact=marco
    )
    hour = dt.timedelta(hours=1)
    found: dict[str, Any] = {"account": account, "anna": anna, "marco": marco, "deal": deal}

    first = raw_message(
        "Marco Rossi <marco@vellano.it>", ME, "Renewal for next year",
        "Hi,\n\nwe would like to renew for 40 seats. Can you send the quote?\n\nMarco",
        at=now - 30 * hour,
    )  # fmt: skip
    store(account, first, thread="t-renewal", labels=("INBOX",))
    mine = raw_message(
        f"Sam Taylor <{ME}>", "Marco Rossi <marco@vellano.it>", "Re: Renewal for next year",
        "Hi Marco,\n\nthe quote is attached.\n\nSam", at=now - 26 * hour, reply_to=first,
        attachment=("Quote 2025-114.pdf", b"%PDF-1.4 quote", "application/pdf"),
    )  # fmt: skip
    found["sent_reply"] = store(account, mine, thread="t-renewal", labels=("SENT",))
    found["renewal"] = store(
        account,
        raw_message(
            "Marco Rossi <marco@vellano.it>", ME, "Re: Renewal for next year",
            "Thanks Sam, looks good. We'll sign on Monday.\n\n> the quote is attached.",
            at=now - 2 * hour, reply_to=mine,
            html="<p>Thanks Sam, looks good. We'll sign on <b>Monday</b>.</p>"
            '<p><img src="https://cdn.vellano.example/logo.png" width="120"></p>'
            "<script>document.title='pwned'</script>",
        ),
        thread="t-renewal",
        labels=("INBOX", "UNREAD"),
    )  # fmt: skip
    found["anna_mail"] = store(
        account,
        raw_message(
            "Anna Weber <anna.weber@brightlabs.io>", ME, "Pilot for our support team",
            "Hello,\n\nwe are looking at a pilot for 12 agents in March. Could we have a call "
            "this week?\n\nBest,\nAnna",
            at=now - 5 * hour,
            attachment=("requirements.xlsx", b"PK\x03\x04 sheet", "application/vnd.ms-excel"),
        ),
        labels=("INBOX", "UNREAD"),
    )  # fmt: skip
    store(
        account,
        raw_message(
            "Anna Weber <anna.weber@brightlabs.io>", ME, "Invoice address",
            "Please use our Berlin office for the invoice.", at=now - 3 * 24 * hour,
        ),
        labels=("INBOX",),
    )  # fmt: skip
    found["stranger"] = store(
        account,
        raw_message(
            "Zoe Martin <zoe.martin@harbourfoods.com>", ME, "Question about your pricing",
            "Hi there, do you offer discounts for non-profits? We have 25 people.",
            at=now - 4 * hour,
        ),
        labels=("INBOX", "UNREAD"),
    )  # fmt: skip
    store(
        account,
        raw_message(
            "Zoe Martin <zoe.martin@harbourfoods.com>", ME, "Following up",
            "Just checking you got my earlier note.", at=now - 3 * hour,
        ),
        labels=("INBOX",),
    )  # fmt: skip
    found["archived"] = store(
        account,
        raw_message(
            "Marco Rossi <marco@vellano.it>", ME, "Training dates",
            "The training could be on the 14th or the 21st.", at=now - 9 * 24 * hour,
        ),
        labels=(),
    )  # fmt: skip
    tracked = store(
        account,
        raw_message(
            f"Sam Taylor <{ME}>", "Anna Weber <anna.weber@brightlabs.io>", "Our call on Thursday",
            "Hi Anna, Thursday 10:00 works. Talk soon, Sam", at=now - 4 * 24 * hour,
        ),
        labels=("SENT",),
    )  # fmt: skip
    MailMessage.update(open_count=3, sent_by_us=True).where(MailMessage.id == tracked.id).execute()
    found["tracked"] = tracked
    return found


def queue_send(user: User, account: MailAccount, subject: str, *, failed: str = "") -> MailMessage:
    """A message composed here and waiting in the outbox (or refused by Gmail: ``failed``)."""
    from desktopcrm.sync.outbox import queue_raw

    raw = raw_message(
        f"Sam Taylor <{ME}>", "Marco Rossi <marco@vellano.it>", subject,
        "Signed contract attached.", at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
        message_id=make_msgid(domain="northwind.example"),
    )  # fmt: skip
    row = queue_raw(user, account.id, raw)
    if failed:
        MailOutbox.update(state=OutboxState.FAILED.value, last_error=failed).where(
            MailOutbox.id == row.id
        ).execute()
    return MailMessage.get_by_id(row.mail_message_id)
