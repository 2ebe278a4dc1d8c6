"""Mail storage, folders, paging, search, threads, archive/delete, re-filing, health and export,
synced from the fake Gmail server (real HTTP) into SQLite and into PostgreSQL."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktopcrm.models.mail import Folder, MailAccount, MailMessage, MailOutbox, OutboxState
from desktopcrm.services import leads, mail
from desktopcrm.services.workspace import Workspace, close_workspace, open_workspace
from desktopcrm.sync.manager import ClientOptions, make_sync
from desktopcrm.sync.outbox import queue_raw
from tests.sync.conftest import ME, make_raw
from tests.sync.fake_gmail import FakeGmail


@pytest.fixture(params=["local", "postgresql"])
def workspace(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Workspace]:
    """This module's tests run on a SQLite file and on PostgreSQL."""
    spec: str | Path = (
        request.getfixturevalue("pg_url") if request.param == "postgresql" else tmp_path / "m.db"
    )
    ws = open_workspace(spec)
    try:
        yield ws
    finally:
        close_workspace()


def run_round(account: MailAccount, options: ClientOptions):
    return make_sync(MailAccount.get_by_id(account.id), options, threading.Event()).run_round()


def test_folders_paging_counts_and_search(
    workspace: Workspace, gmail: FakeGmail, account: MailAccount, options: ClientOptions
) -> None:
    user = workspace.user
    leads.create_lead(user, first_name="Alice", last_name="Smith", email="alice@client.com")
    for n in range(12):
        gmail.add_message(ME, make_raw(subject=f"Offer {n}", body=f"Pricing of widget{n}"))
    gmail.add_message(ME, make_raw(sender="zed@unknown.org", body="Cheap watches"))
    gmail.add_message(ME, make_raw(sender=ME, to="alice@client.com"), labels=("SENT",))
    gmail.add_message(ME, make_raw(body="old news"), labels=())  # archived
    gmail.page_size_cap = 5
    assert run_round(account, options).added == 15

    counts = mail.folder_counts(user)
    assert counts == {Folder.INBOX: 12, Folder.UNMATCHED: 1, Folder.SENT: 1, Folder.ARCHIVED: 1}
    assert mail.unread_counts(user)[Folder.INBOX] == 12

    seen: list[int] = []
    page = mail.folder_page(user, Folder.INBOX, limit=5)
    while page:
        seen.extend(row.id for row in page)
        page = mail.folder_page(user, Folder.INBOX, after=page[-1].key, limit=5)
    assert len(seen) == len(set(seen)) == 12
    dates = [MailMessage.get_by_id(i).date for i in seen]
    assert dates == sorted(dates, reverse=True)
    assert mail.folder_key_at(user, Folder.INBOX, 7) == mail.folder_page(user, Folder.INBOX)[7].key

    assert [r.subject for r in mail.search_mail(user, "widget3")] == ["Offer 3"]
    assert len(mail.search_mail(user, "pricing widg")) == 12  # every word, prefixes
    assert [r.from_address for r in mail.search_mail(user, "watches")] == ["zed@unknown.org"]
    assert mail.search_mail(user, "watches", folder=Folder.INBOX) == []


def test_threads_archive_delete_undo_round_trip(
    workspace: Workspace, gmail: FakeGmail, account: MailAccount, options: ClientOptions
) -> None:
    user = workspace.user
    leads.create_lead(user, first_name="Alice", last_name="Smith", email="alice@client.com")
    first = make_raw(subject="Quote")
    gmail.add_message(ME, first)
    reply = make_raw(sender=ME, to="alice@client.com", subject="Re: Quote", reply_to=first)
    gmail.add_message(ME, reply, labels=("SENT",))
    run_round(account, options)
    inbox = mail.folder_page(user, Folder.INBOX)[0]
    assert [d.row.subject for d in mail.thread_messages(user, inbox.id)] == ["Quote", "Re: Quote"]
    assert inbox.thread_size == 2

    change = mail.archive_messages(user, [inbox.id])
    assert mail.folder_counts(user)[Folder.ARCHIVED] == 1
    run_round(account, options)  # the outbox takes it to Gmail
    assert "INBOX" not in gmail.message(ME, inbox.gmail_id).labels
    mail.undo_change(user, change)
    deleted = mail.delete_messages(user, [inbox.id])
    assert mail.folder_counts(user)[Folder.INBOX] == 0
    run_round(account, options)
    assert "TRASH" in gmail.message(ME, inbox.gmail_id).labels
    mail.undo_change(user, deleted)
    run_round(account, options)
    labels = gmail.message(ME, inbox.gmail_id).labels
    assert "TRASH" not in labels and "INBOX" in labels
    assert mail.folder_counts(user)[Folder.INBOX] == 1
    assert {o.state for o in MailOutbox.select()} == {OutboxState.DONE.value}


def test_add_sender_refiles_incremental_labels_health_and_export(
    workspace: Workspace,
    gmail: FakeGmail,
    account: MailAccount,
    options: ClientOptions,
    tmp_path: Path,
) -> None:
    user = workspace.user
    ids = [gmail.add_message(ME, make_raw(sender="Bo Li <bo@li.com>")) for _ in range(3)]
    run_round(account, options)
    assert mail.folder_counts(user)[Folder.UNMATCHED] == 3

    lead = mail.add_sender_as_lead(user, mail.folder_page(user, Folder.UNMATCHED)[0].id)
    assert (lead.first_name, lead.last_name, lead.email) == ("Bo", "Li", "bo@li.com")
    assert mail.folder_counts(user)[Folder.INBOX] == 3
    assert len(mail.messages_for_record(user, "lead", lead.id)) == 3

    gmail.change_labels(ME, ids[0], remove=("INBOX",))
    gmail.delete_message(ME, ids[1])
    new = gmail.add_message(ME, make_raw(sender="bo@li.com", subject="New"))
    result = run_round(account, options)
    assert (result.kind, result.added, result.labels_changed, result.removed) == (
        "incremental",
        1,
        1,
        1,
    )
    assert mail.folder_counts(user)[Folder.INBOX] == 2
    assert mail.folder_counts(user)[Folder.ARCHIVED] == 1

    health = mail.sync_health(user)[0]
    assert health.messages == 3 and health.queued_outgoing == 0 and health.last_sync_at

    out = tmp_path / "mail.jsonl"
    assert mail.export_emails(user, out) == 3
    exported = [json.loads(line) for line in out.read_text().splitlines()]
    assert {e["gmail_id"] for e in exported} == {ids[0], ids[2], new}
    assert all({"type": "lead", "id": str(lead.id)} in e["linked"] for e in exported)


def _deleted_unseen(gmail: FakeGmail, gmail_id: str) -> None:
    """Deleted for good in Gmail while this app could not read the history."""
    with gmail.lock:
        gmail.users[ME].messages.pop(gmail_id)


def test_check_fix_removes_what_gmail_deleted_and_keeps_the_outbox(
    workspace: Workspace, gmail: FakeGmail, account: MailAccount, options: ClientOptions
) -> None:
    ids = [gmail.add_message(ME, make_raw()) for _ in range(4)]
    run_round(account, options)
    _deleted_unseen(gmail, ids[1])
    queue_raw(workspace.user, account.id, make_raw(sender=ME, to="bo@li.com", subject="Later"))
    sync = make_sync(MailAccount.get_by_id(account.id), options, threading.Event())

    report = sync.check()
    assert report.only_locally == [ids[1]] and report.removed == 0  # reported, not touched
    assert MailMessage.select().count() == 5

    report = sync.check(fix=True)
    assert report.removed == 1
    stored = {m.gmail_id for m in MailMessage.select()}
    assert ids[1] not in stored and {ids[0], ids[2], ids[3]} <= stored
    queued = MailMessage.get(MailMessage.subject == "Later")
    assert queued.queued and queued.gmail_id.startswith("outbox:")  # local-only: kept
    assert MailOutbox.get().state == OutboxState.PENDING.value
    assert sync.check().ok

    run_round(account, options)  # and the queued message still goes out
    assert len(gmail.sent_raw) == 1 and MailOutbox.get().state == OutboxState.DONE.value


def test_resync_removes_messages_deleted_while_history_was_lost(
    workspace: Workspace, gmail: FakeGmail, account: MailAccount, options: ClientOptions
) -> None:
    ids = [gmail.add_message(ME, make_raw()) for _ in range(8)]
    run_round(account, options)
    MailAccount.update(resync_limit=4).where(MailAccount.id == account.id).execute()
    _deleted_unseen(gmail, ids[0])  # older than the resync reads: left alone (bounded)
    _deleted_unseen(gmail, ids[6])  # inside the span the resync reads: removed
    queue_raw(workspace.user, account.id, make_raw(sender=ME, to="bo@li.com", subject="Later"))
    gmail.fail_next("send", 503)  # the queued message cannot go in this round: it waits
    gmail.expire_history(ME)
    later = gmail.add_message(ME, make_raw())

    result = run_round(account, options)

    assert result.kind == "resync" and result.outbox_waiting == 1 and result.sent == 0
    assert result.removed == 1 and result.added == 1
    stored = {m.gmail_id for m in MailMessage.select()}
    assert ids[6] not in stored and ids[0] in stored and later in stored
    assert {ids[1], ids[2], ids[3], ids[4], ids[5], ids[7]} <= stored
    queued = MailMessage.get(MailMessage.subject == "Later")
    assert queued.queued and queued.gmail_id.startswith("outbox:")  # local-only: kept

    assert run_round(account, options).sent == 1  # and it goes out in the next round
    assert len(gmail.sent_raw) == 1
    assert not MailMessage.get(MailMessage.subject == "Later").queued
