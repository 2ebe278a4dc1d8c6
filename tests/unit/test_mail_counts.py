"""The mailbox's folder counts (kept by the database's triggers) and its keyset positions
(``folder_key_at``), on a local file, a shared file and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid

import peewee

from desktopcrm.models import database, write_transaction
from desktopcrm.models.mail import Folder, MailAccount, MailMessage
from desktopcrm.models.mail_counts import create_folder_counts
from desktopcrm.services import mail
from desktopcrm.services.workspace import Workspace

START = dt.datetime(2025, 6, 1, 12, 0)


def add_messages(account: MailAccount, count: int, folder: Folder, *, first: int = 0) -> None:
    """``count`` messages, newest first by number; every third unread; pairs share a date."""
    labels = {Folder.INBOX: "INBOX", Folder.SENT: "SENT", Folder.ARCHIVED: ""}[folder]
    batch = [
        {
            "uid": uuid.uuid4(),
            "account": account.id,
            "gmail_id": f"g{n:06d}",
            "thread_id": f"t{n:06d}",
            "labels": labels,
            "folder": folder.value,
            "subject": f"Message {n}",
            "date": START - dt.timedelta(minutes=(n // 2)),
            "unread": n % 3 == 0,
        }
        for n in range(first, first + count)
    ]
    with write_transaction():
        for start in range(0, len(batch), 200):
            MailMessage.insert_many(batch[start : start + 200]).execute()


def counted(account_id: uuid.UUID | None = None) -> tuple[dict[Folder, int], dict[Folder, int]]:
    """The counts as a full scan of the messages gives them (what the counters must equal)."""
    totals = dict.fromkeys(mail.MAILBOX_FOLDERS, 0)
    unread = dict.fromkeys(mail.MAILBOX_FOLDERS, 0)
    query = MailMessage.select(MailMessage.folder, MailMessage.unread)
    if account_id is not None:
        query = query.where(MailMessage.account == account_id)
    for folder, is_unread in query.tuples():
        if Folder(folder) in totals:
            totals[Folder(folder)] += 1
            unread[Folder(folder)] += int(bool(is_unread))
    return totals, unread


def kept(user) -> tuple[dict[Folder, int], dict[Folder, int]]:  # type: ignore[no-untyped-def]
    return mail.folder_counts(user), mail.unread_counts(user)


def test_counts_follow_inserts_archives_reads_and_deletes(any_database: Workspace) -> None:
    user = any_database.user
    account = MailAccount.create(email="me@northwind.example", user=user, client_id="c")
    other = MailAccount.create(email="team@northwind.example", user=user, client_id="c")
    add_messages(account, 30, Folder.INBOX)
    add_messages(account, 7, Folder.SENT, first=100)
    add_messages(other, 5, Folder.INBOX, first=200)
    assert kept(user) == counted()
    assert kept(user)[0][Folder.INBOX] == 35 and kept(user)[1][Folder.INBOX] == 12
    assert mail.folder_count(user, Folder.INBOX, account_id=other.id) == 5

    inbox = [row.id for row in mail.folder_page(user, Folder.INBOX, limit=10)]
    mail.archive_messages(user, inbox[:4])
    mail.delete_messages(user, inbox[4:6])
    with write_transaction():
        MailMessage.update(unread=False).where(MailMessage.id.in_(inbox[6:])).execute()
        MailMessage.update(unread=True).where(MailMessage.folder == Folder.SENT.value).execute()
    assert kept(user) == counted()
    assert mail.folder_counts(user)[Folder.ARCHIVED] == 4

    with write_transaction():
        MailMessage.delete().where(MailMessage.id.in_(inbox[6:8])).execute()
    assert kept(user) == counted()
    assert sum(h.messages for h in mail.sync_health(user)) == MailMessage.select().count()


def test_counts_are_rebuilt_from_the_messages_when_the_step_runs(any_database: Workspace) -> None:
    user = any_database.user
    account = MailAccount.create(email="me@northwind.example", user=user, client_id="c")
    add_messages(account, 12, Folder.INBOX)
    with write_transaction():
        database.execute_sql("UPDATE mail_folder_count SET total = 0, unread = 0")
    assert mail.folder_counts(user)[Folder.INBOX] == 0

    with write_transaction():
        create_folder_counts(database.obj)  # the migration's step: fills them, triggers stay
        add_messages(account, 3, Folder.INBOX, first=50)
    assert kept(user) == counted()
    assert mail.folder_counts(user)[Folder.INBOX] == 15


def test_key_at_any_position_matches_the_folder_order(any_database: Workspace) -> None:
    user = any_database.user
    account = MailAccount.create(email="me@northwind.example", user=user, client_id="c")
    add_messages(account, 450, Folder.INBOX)
    add_messages(account, 40, Folder.SENT, first=1000)
    everything = mail.folder_page(user, Folder.INBOX, limit=1000)
    keys = [row.key for row in everything]
    assert len(keys) == 450 and len(set(keys)) == 450
    count = mail.folder_count(user, Folder.INBOX)

    for position in (0, 1, 199, 200, 237, 399, 448, 449):
        assert mail.folder_key_at(user, Folder.INBOX, position) == keys[position]
        assert mail.folder_key_at(user, Folder.INBOX, position, count=count) == keys[position]
        known = (max(0, position - 37), keys[max(0, position - 37)])
        found = mail.folder_key_at(user, Folder.INBOX, position, known=known, count=count)
        assert found == keys[position]
    assert mail.folder_key_at(user, Folder.INBOX, 450) is None
    assert mail.folder_key_at(user, Folder.INBOX, 450, count=count) is None

    # a block read after a key found from the bottom continues the order exactly
    after = mail.folder_key_at(user, Folder.INBOX, 299, count=count)
    assert after is not None
    block = mail.folder_page(user, Folder.INBOX, after=after, limit=200)
    assert [row.key for row in block] == keys[300:]


def test_a_page_after_a_key_is_a_seek_in_the_folder_index(any_database: Workspace) -> None:
    """The keyset condition states the date as a range, so the database starts at the key
    instead of walking from the newest message (SQLite's plan names the bound)."""
    if isinstance(database.obj, peewee.PostgresqlDatabase):
        return  # the planner's choice depends on statistics there; the order is tested above
    user = any_database.user
    account = MailAccount.create(email="me@northwind.example", user=user, client_id="c")
    add_messages(account, 20, Folder.INBOX)
    key = mail.folder_key_at(user, Folder.INBOX, 9)
    assert key is not None
    query = MailMessage.select(MailMessage.id).where(
        MailMessage.folder == Folder.INBOX.value,
        MailMessage.account == account.id,
        mail._beyond(key),
    )
    sql, params = query.order_by(MailMessage.date.desc(), MailMessage.id.desc()).sql()
    steps = database.execute_sql("EXPLAIN QUERY PLAN " + sql, params)
    plan = " ".join(str(row[-1]) for row in steps)
    assert "date<?" in plan.replace(" ", ""), plan
