"""Outgoing mail and label changes: queued locally first, sent by the account's worker.

``queue_raw`` stores a composed message (built by ``sync.compose`` with our own
``Message-ID``) as an outbox row plus a local Sent row marked queued, in one transaction, so it
shows at once and survives a restart. ``OutboxSender.drain`` sends the account's rows in order.
A send that failed in a way that leaves open whether Gmail got it stays ``sending``; before
trying again the sender asks Gmail for ``rfc822msgid:<our id>`` and only sends when Gmail has
no such message, so a message is never sent twice. Offline, rows wait for the next round.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from dataclasses import dataclass

from desktopcrm.models import User, utcnow, write_transaction
from desktopcrm.models.db import insert_many
from desktopcrm.models.mail import (
    Folder,
    MailAccount,
    MailAttachment,
    MailMessage,
    MailOutbox,
    OutboxKind,
    OutboxState,
)
from desktopcrm.services.errors import ValidationError
from desktopcrm.services.mail import mail_accounts, pending_outbox, queue_outbox
from desktopcrm.services.mail_filing import address_book, has_links, link_rows
from desktopcrm.sync.gmail_api import GmailApi, RawMessage
from desktopcrm.sync.google_http import (
    AmbiguousError,
    ApiError,
    AuthError,
    Cancelled,
    NetworkError,
    NotFoundError,
)
from desktopcrm.sync.mail_store import prepare

log = logging.getLogger("desktopcrm.sync.outbox")


def queue_raw(
    user: User,
    account_id: uuid.UUID,
    raw: bytes,
    *,
    thread_id: str = "",
    tracked: bool = False,
) -> MailOutbox:
    """Queue a composed message for sending; it shows in Sent at once (marked queued).

    Args:
        raw: the whole message as ``sync.compose.build_message`` made it (with Message-ID).
        thread_id: the Gmail thread a reply belongs to.
        tracked: the message carries an open-tracking pixel (Sent shows its open count).
    """
    if account_id not in {account.id for account in mail_accounts(user)}:
        raise ValidationError("account", "Choose one of your mail accounts to send from.")
    now = utcnow()
    local_id = uuid.uuid4()
    prepared = prepare(
        RawMessage(
            gmail_id=f"outbox:{local_id.hex}",
            thread_id=thread_id,
            labels=("SENT",),
            history_id="",
            internal_date_ms=int(now.timestamp() * 1000),
            size=len(raw),
            snippet="",
            raw=raw,
        )
    )
    rfc_id = prepared.values["message_id"]
    if not rfc_id:
        raise ValidationError("message", "The message has no Message-ID; build it with compose.")
    book = address_book()
    links = book.links_for(address for address, role in prepared.addresses if role != "from")
    values = dict(prepared.values)
    values.update(
        snippet=values["text_body"][:200],
        folder=Folder.SENT.value,
        sent_by_us=True,
        queued=True,
        open_count=0 if tracked else None,
        matched=has_links(links),
        date=now,
    )
    with write_transaction():
        message_id = int(MailMessage.insert(account=account_id, **values).execute())
        if prepared.addresses:
            rows = [(message_id, a, role) for a, role in prepared.addresses]
            insert_many("mail_address", ("message_id", "address", "role"), rows)
        if prepared.attachments:
            columns = ("message_id", "part_index", "filename", "mime_type", "size", "content_id")
            attachment_rows = [(message_id, *a) for a in prepared.attachments]
            insert_many(MailAttachment._meta.table_name, columns, attachment_rows)
        link_values = link_rows(message_id, links)
        if link_values:
            insert_many("mail_link", ("message_id", "record_type", "record_id"), link_values)
        return queue_outbox(
            account_id,
            OutboxKind.SEND,
            mail_message_id=message_id,
            payload={"thread_id": thread_id},
            raw=raw,
            rfc_message_id=rfc_id,
            created_by=user.id,
        )


@dataclass
class DrainResult:
    done: int = 0
    sent: int = 0
    failed: int = 0
    waiting: int = 0  # left for later (offline)


class OutboxSender:
    """Sends one account's outbox rows, oldest first."""

    def __init__(
        self, account: MailAccount, api: GmailApi, *, cancel: threading.Event | None = None
    ) -> None:
        self.account = account
        self.api = api
        self.cancel = cancel or threading.Event()

    def drain(self) -> DrainResult:
        """Send what is pending; stops at the first network failure (the rest waits)."""
        result = DrainResult()
        rows = pending_outbox(self.account.id)
        for index, row in enumerate(rows):
            if self.cancel.is_set():
                raise Cancelled()
            try:
                sent = self._one(row)
            except (NetworkError, AuthError) as exc:
                self._note(row, str(exc))
                result.waiting = len(rows) - index
                if isinstance(exc, AuthError):
                    raise
                log.info("%s: outbox waits (%s)", self.account.email, exc)
                return result
            except ApiError as exc:
                self._finish(row, OutboxState.FAILED, error=str(exc))
                result.failed += 1
                continue
            result.done += 1
            result.sent += sent
        return result

    def _one(self, row: MailOutbox) -> int:
        kind = OutboxKind(row.kind)
        payload = json.loads(row.payload or "{}")
        if kind is OutboxKind.SEND:
            return self._send(row, payload)
        try:
            if kind is OutboxKind.MODIFY:
                self.api.modify(row.gmail_id, payload.get("add", []), payload.get("remove", []))
            elif kind is OutboxKind.TRASH:
                self.api.trash(row.gmail_id)
            else:
                self.api.untrash(row.gmail_id)
        except NotFoundError:
            self._finish(row, OutboxState.DONE, error="The message is no longer in Gmail.")
            return 0
        self._finish(row, OutboxState.DONE)
        return 0

    def _send(self, row: MailOutbox, payload: dict[str, str]) -> int:
        if row.state == OutboxState.SENDING.value or row.attempts:
            existing = self.api.find_by_message_id(row.rfc_message_id)
            if existing:
                log.info(
                    "%s: %s was sent before; not again", self.account.email, row.rfc_message_id
                )
                self._sent(row, existing, "")
                return 0
        MailOutbox.update(state=OutboxState.SENDING.value, attempts=MailOutbox.attempts + 1).where(
            MailOutbox.id == row.id
        ).execute()
        try:
            gmail_id, thread_id = self.api.send(
                bytes(row.raw_message or b""), payload.get("thread_id", "")
            )
        except AmbiguousError:
            raise  # stays "sending": the next attempt asks Gmail first
        except NetworkError:
            MailOutbox.update(state=OutboxState.PENDING.value).where(
                MailOutbox.id == row.id
            ).execute()
            raise
        self._sent(row, gmail_id, thread_id)
        return 1

    def _sent(self, row: MailOutbox, gmail_id: str, thread_id: str) -> None:
        with write_transaction():
            self._finish(row, OutboxState.DONE, gmail_id=gmail_id)
            if row.mail_message_id is not None:
                values: dict[str, object] = {"queued": False, "updated_at": utcnow()}
                taken = (
                    MailMessage.select(MailMessage.id)
                    .where(
                        MailMessage.account == row.account_id,
                        MailMessage.gmail_id == gmail_id,
                        MailMessage.id != row.mail_message_id,
                    )
                    .exists()
                )
                if not taken:  # the sync may have stored it already (then this row goes)
                    values["gmail_id"] = gmail_id
                    if thread_id:
                        values["thread_id"] = thread_id
                    MailMessage.update(**values).where(
                        MailMessage.id == row.mail_message_id
                    ).execute()
                else:
                    MailMessage.delete().where(MailMessage.id == row.mail_message_id).execute()

    def _finish(
        self, row: MailOutbox, state: OutboxState, *, error: str = "", gmail_id: str = ""
    ) -> None:
        values: dict[str, object] = {"state": state.value, "done_at": utcnow(), "last_error": error}
        if gmail_id:
            values["gmail_id"] = gmail_id
        MailOutbox.update(**values).where(MailOutbox.id == row.id).execute()

    def _note(self, row: MailOutbox, error: str) -> None:
        MailOutbox.update(last_error=error[:2000]).where(MailOutbox.id == row.id).execute()
