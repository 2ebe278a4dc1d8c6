"""Gmail accounts, synced messages, their links to CRM records, and the outbox.

Mail is synced data: Gmail is its source of truth and ``(account, gmail_id)`` its identity.
So messages are not ``BaseModel`` records: the sync stores them in bulk, and instead of one
change-log row per synced email it writes one ``sync`` row per stored batch (table
``mail_message``, row id = the account's id, changes = counts), which is what other windows
need to refresh their mailbox. What a user does to mail (archive, delete, add a sender as a
lead) is logged like any other change, by ``services.mail``.

``MailMessage`` has an integer key so that SQLite's full-text index (``mail_fts``, external
content over subject and text body, kept up to date by triggers) and keyset paging by
``(folder, date, id)`` are cheap, plus a ``uid`` UUID that names the row everywhere else.
On PostgreSQL the text index is a generated ``tsvector`` column with a GIN index.

``MailOutbox`` rows are every outgoing change (a message to send, labels to change, a message
to trash) before the network sees it: the worker drains them, and a restart resumes them.
"""

from __future__ import annotations

import enum
import uuid

import peewee

from desktopcrm.models.base import BaseModel, utcnow
from desktopcrm.models.db import database
from desktopcrm.models.user import User


class SyncState(enum.StrEnum):
    """Where an account's sync stands."""

    NEW = "new"  # never synced
    FULL = "full"  # a full sync is under way (resumable from ``full_sync_page_token``)
    INCREMENTAL = "incremental"  # synced; next rounds read history from ``history_id``
    NEEDS_SIGN_IN = "needs_sign_in"  # the token was revoked or a scope is missing
    ERROR = "error"  # the last round failed (``last_error`` says why); the next one retries


class Folder(enum.StrEnum):
    """The mailbox folder a message shows in (derived from labels and matching when stored)."""

    INBOX = "inbox"  # INBOX, linked to a CRM record (or from a teammate / the user)
    UNMATCHED = "unmatched"  # INBOX, from somebody the CRM does not know
    SENT = "sent"
    ARCHIVED = "archived"  # neither INBOX nor SENT, not trash or spam
    TRASH = "trash"
    SPAM = "spam"
    DRAFT = "draft"


class OutboxKind(enum.StrEnum):
    SEND = "send"
    MODIFY = "modify"  # add / remove labels (archive = remove INBOX)
    TRASH = "trash"
    UNTRASH = "untrash"


class OutboxState(enum.StrEnum):
    PENDING = "pending"  # waiting for the worker (or for the network)
    SENDING = "sending"  # handed to Gmail; if the app stops here, the outcome is unknown
    DONE = "done"
    FAILED = "failed"  # Gmail refused it for good (``last_error`` says why)
    CANCELLED = "cancelled"


class MailAccount(BaseModel):
    """A Google account whose mail the CRM syncs. The refresh token lives in the OS keyring
    (service ``DesktopCRM Google``, user name = ``email``), never here."""

    email = peewee.CharField(max_length=320, unique=True)
    display_name = peewee.CharField(max_length=200, default="")
    user = peewee.ForeignKeyField(User, null=True, index=True, on_delete="SET NULL")
    user_id: uuid.UUID | None
    # The OAuth client (an installed app's "secret" is not confidential, see Google's docs).
    client_id = peewee.CharField(max_length=300, default="")
    client_secret = peewee.CharField(max_length=300, default="")
    enabled = peewee.BooleanField(default=True)
    history_id = peewee.CharField(max_length=32, default="")
    sync_state = peewee.CharField(max_length=16, default=SyncState.NEW.value)
    full_sync_page_token = peewee.CharField(max_length=200, default="")
    full_sync_listed = peewee.IntegerField(default=0)  # ids listed by the running full sync
    last_sync_at = peewee.DateTimeField(null=True)
    last_error = peewee.TextField(default="")
    last_error_at = peewee.DateTimeField(null=True)
    #: Gmail API quota units per second this app may use for the account (Gmail's per-user
    #: limit is 250; lower it when other programs share the account).
    quota_units_per_second = peewee.IntegerField(default=250)
    #: At most this many of the newest messages are read again after an expired history.
    resync_limit = peewee.IntegerField(default=5000)

    class Meta:
        table_name = "mail_account"

    @property
    def state(self) -> SyncState:
        return SyncState(self.sync_state)


class MailMessage(peewee.Model):
    """One Gmail message as the sync stored it (bodies included, attachments only listed)."""

    id = peewee.AutoField()
    uid = peewee.UUIDField(unique=True, default=uuid.uuid4)
    account = peewee.ForeignKeyField(MailAccount, on_delete="CASCADE")
    account_id: uuid.UUID
    gmail_id = peewee.CharField(max_length=64)  # "outbox:<uuid>" until a queued send goes out
    thread_id = peewee.CharField(max_length=64, default="", index=True)
    message_id = peewee.CharField(max_length=500, default="", index=True)  # RFC 5322, no <>
    in_reply_to = peewee.CharField(max_length=500, default="")
    references = peewee.TextField(default="")  # space separated, no <>
    labels = peewee.TextField(default="")  # Gmail label ids, space separated
    folder = peewee.CharField(max_length=16, default=Folder.ARCHIVED.value)
    subject = peewee.TextField(default="")
    from_name = peewee.CharField(max_length=300, default="")
    from_address = peewee.CharField(max_length=320, default="", index=True)  # normalised
    to_text = peewee.TextField(default="")  # as shown: "Name <a@b>, ..."
    cc_text = peewee.TextField(default="")
    bcc_text = peewee.TextField(default="")
    date = peewee.DateTimeField(index=True)  # naive UTC (Gmail's internalDate if no Date)
    snippet = peewee.TextField(default="")
    text_body = peewee.TextField(default="")
    html_body = peewee.TextField(default="")
    has_attachments = peewee.BooleanField(default=False)
    size = peewee.IntegerField(default=0)
    defects = peewee.TextField(default="")  # what the parser found wrong, one per line
    unread = peewee.BooleanField(default=False)
    sent_by_us = peewee.BooleanField(default=False)  # composed in DesktopCRM
    queued = peewee.BooleanField(default=False)  # waiting in the outbox
    open_count = peewee.IntegerField(null=True)  # None: not tracked
    replied = peewee.BooleanField(default=False)  # someone answered in the thread
    matched = peewee.BooleanField(default=False)  # linked to at least one CRM record
    created_at = peewee.DateTimeField(default=utcnow)
    updated_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        database = database
        table_name = "mail_message"
        indexes = (
            (("account", "gmail_id"), True),
            (("folder", "date", "id"), False),
            (("account", "folder", "date", "id"), False),
        )

    @property
    def label_set(self) -> frozenset[str]:
        return frozenset(self.labels.split())


class MailAddress(peewee.Model):
    """Who appears on a message (normalised address and role), to find and re-file mail."""

    id = peewee.AutoField()
    message = peewee.ForeignKeyField(MailMessage, on_delete="CASCADE", index=True)
    message_id: int
    address = peewee.CharField(max_length=320, index=True)
    role = peewee.CharField(max_length=8)  # from / to / cc / bcc / reply_to

    class Meta:
        database = database
        table_name = "mail_address"


class MailAttachment(peewee.Model):
    """An attachment's metadata; its bytes are fetched from Gmail when the user opens it."""

    id = peewee.AutoField()
    message = peewee.ForeignKeyField(MailMessage, on_delete="CASCADE", index=True)
    message_id: int
    part_index = peewee.IntegerField()
    filename = peewee.CharField(max_length=500, default="")
    mime_type = peewee.CharField(max_length=200, default="application/octet-stream")
    size = peewee.IntegerField(default=0)
    content_id = peewee.CharField(max_length=500, default="")

    class Meta:
        database = database
        table_name = "mail_attachment"


class MailLink(peewee.Model):
    """A message belongs to a lead, contact, company or deal (``record_type``/``record_id``)."""

    id = peewee.AutoField()
    message = peewee.ForeignKeyField(MailMessage, on_delete="CASCADE")
    message_id: int
    record_type = peewee.CharField(max_length=16)  # lead / contact / company / deal
    record_id = peewee.UUIDField()

    class Meta:
        database = database
        table_name = "mail_link"
        indexes = (
            (("message", "record_type", "record_id"), True),
            (("record_type", "record_id"), False),
            (("record_id",), False),
        )


class MailOutbox(peewee.Model):
    """An outgoing change, stored before the network sees it; the account's worker drains it.

    ``payload`` is JSON: for ``send`` ``{"thread_id"}``, for ``modify`` ``{"add": [...],
    "remove": [...]}``. A send keeps its exact bytes in ``raw_message`` with our ``Message-ID``
    (``rfc_message_id``), so a retry after an unclear failure can ask Gmail whether it already
    has the message (``rfc822msgid:``) instead of sending it twice.
    """

    id = peewee.UUIDField(primary_key=True, default=uuid.uuid4)
    account = peewee.ForeignKeyField(MailAccount, on_delete="CASCADE", index=True)
    account_id: uuid.UUID
    kind = peewee.CharField(max_length=16)
    state = peewee.CharField(max_length=16, default=OutboxState.PENDING.value, index=True)
    gmail_id = peewee.CharField(max_length=64, default="")  # target, or the sent message's id
    mail_message = peewee.ForeignKeyField(MailMessage, null=True, on_delete="SET NULL")
    mail_message_id: int | None
    rfc_message_id = peewee.CharField(max_length=500, default="")
    raw_message = peewee.BlobField(null=True)
    payload = peewee.TextField(default="{}")
    attempts = peewee.IntegerField(default=0)
    last_error = peewee.TextField(default="")
    next_attempt_at = peewee.DateTimeField(null=True)
    created_by = peewee.UUIDField(null=True)
    created_at = peewee.DateTimeField(default=utcnow)
    done_at = peewee.DateTimeField(null=True)
    seq = peewee.BigIntegerField(default=0)  # order within the account (creation order)

    class Meta:
        database = database
        table_name = "mail_outbox"
        indexes = ((("account", "state", "seq"), False),)


MAIL_MODELS: list[type[peewee.Model]] = [
    MailAccount,
    MailMessage,
    MailAddress,
    MailAttachment,
    MailLink,
    MailOutbox,
]

_SQLITE_FTS = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS mail_fts USING fts5(subject, text_body, "
    "content='mail_message', content_rowid='id', "
    "tokenize = 'unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS mail_fts_ai AFTER INSERT ON mail_message BEGIN "
    "INSERT INTO mail_fts(rowid, subject, text_body) "
    "VALUES (new.id, new.subject, new.text_body); END",
    "CREATE TRIGGER IF NOT EXISTS mail_fts_ad AFTER DELETE ON mail_message BEGIN "
    "INSERT INTO mail_fts(mail_fts, rowid, subject, text_body) "
    "VALUES ('delete', old.id, old.subject, old.text_body); END",
    "CREATE TRIGGER IF NOT EXISTS mail_fts_au AFTER UPDATE OF subject, text_body "
    "ON mail_message BEGIN "
    "INSERT INTO mail_fts(mail_fts, rowid, subject, text_body) "
    "VALUES ('delete', old.id, old.subject, old.text_body); "
    "INSERT INTO mail_fts(rowid, subject, text_body) "
    "VALUES (new.id, new.subject, new.text_body); END",
)

_POSTGRES_FTS = (
    "ALTER TABLE mail_message ADD COLUMN IF NOT EXISTS tsv tsvector GENERATED ALWAYS AS "
    "(to_tsvector('simple', coalesce(subject, '') || ' ' || coalesce(text_body, ''))) STORED",
    "CREATE INDEX IF NOT EXISTS mail_message_tsv ON mail_message USING gin (tsv)",
)


def create_mail_tables(db: peewee.Database) -> None:
    """The mail tables and their text index (migration 3)."""
    db.create_tables(MAIL_MODELS, safe=True)
    statements = _POSTGRES_FTS if isinstance(db, peewee.PostgresqlDatabase) else _SQLITE_FTS
    for statement in statements:
        db.execute_sql(statement)
