"""Sending and label changes through the outbox: offline, restarts, never twice, round trips."""

from __future__ import annotations

import threading

import pytest

from desktopcrm.models.mail import Folder, MailAccount, MailMessage, MailOutbox, OutboxState
from desktopcrm.services import mail
from desktopcrm.services.workspace import Workspace
from desktopcrm.sync.google_http import NetworkError
from desktopcrm.sync.manager import ClientOptions, make_sync
from desktopcrm.sync.outbox import queue_raw
from tests.sync.conftest import ME, make_raw
from tests.sync.fake_gmail import FakeGmail


def run_round(account: MailAccount, options: ClientOptions):
    return make_sync(account, options, threading.Event()).run_round()


def test_send_keeps_our_message_id_and_threads_replies(
    workspace: Workspace, gmail: FakeGmail, account: MailAccount, options: ClientOptions
) -> None:
    incoming = make_raw(sender="alice@client.com", subject="Offer")
    gmail.add_message(ME, incoming)
    run_round(account, options)
    parent = MailMessage.get()
    reply = make_raw(sender=ME, to="alice@client.com", subject="Re: Offer", reply_to=incoming)
    queue_raw(workspace.user, account.id, reply, thread_id=parent.thread_id)

    sent_row = mail.folder_page(workspace.user, Folder.SENT)[0]
    assert sent_row.queued  # shows in Sent at once, marked queued
    run_round(account, options)

    assert len(gmail.sent_raw) == 1 and gmail.sent_raw[0] == reply
    gmail_id = gmail.ids_with_label(ME, "SENT").pop()
    assert gmail.message(ME, gmail_id).thread_id == parent.thread_id
    local = MailMessage.get(MailMessage.sent_by_us == True)  # noqa: E712
    assert local.gmail_id == gmail_id and not local.queued
    assert local.in_reply_to == parent.message_id
    assert MailMessage.select().count() == 2  # the sync did not add it a second time


def test_offline_send_waits_and_goes_after_a_restart(
    workspace: Workspace, gmail: FakeGmail, account: MailAccount, options: ClientOptions
) -> None:
    raw = make_raw(sender=ME, to="bob@client.com")
    queue_raw(workspace.user, account.id, raw)
    port = gmail.port
    gmail.stop()  # offline: nothing listens
    with pytest.raises(NetworkError):
        run_round(account, options)
    assert MailOutbox.get().state == OutboxState.PENDING.value
    assert mail.sync_health(workspace.user)[0].queued_outgoing == 1

    # "restart": a new sync object (new client, new threads) once the server is back
    restarted = FakeGmail()
    restarted.users = gmail.users
    restarted.tokens = gmail.tokens
    server = _restart_on(restarted, port)
    try:
        result = run_round(MailAccount.get_by_id(account.id), options)
    finally:
        server.stop()
    assert result.sent == 1 and restarted.sent_raw == [raw]
    assert MailOutbox.get().state == OutboxState.DONE.value


def _restart_on(fake: FakeGmail, port: int) -> FakeGmail:
    from http.server import ThreadingHTTPServer

    from tests.sync.fake_gmail import _Handler

    class Handler(_Handler):
        server_state = fake

    ThreadingHTTPServer.allow_reuse_address = True
    fake._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    fake._server.daemon_threads = True
    fake._thread = threading.Thread(target=fake._server.serve_forever, daemon=True)
    fake._thread.start()
    return fake


@pytest.mark.parametrize("failure", ["reset", "status"])
def test_ambiguous_send_failure_never_sends_twice(
    workspace: Workspace,
    gmail: FakeGmail,
    account: MailAccount,
    options: ClientOptions,
    failure: str,
) -> None:
    raw = make_raw(sender=ME, to="bob@client.com")
    queue_raw(workspace.user, account.id, raw)
    # Gmail takes the message, then the answer is lost (reset) or is a 500
    gmail.fail_next("send", 500, kind=failure, after_effect=True)
    assert run_round(account, options).outbox_waiting == 1
    assert MailOutbox.get().state == OutboxState.SENDING.value
    assert len(gmail.sent_raw) == 1

    run_round(MailAccount.get_by_id(account.id), options)

    assert len(gmail.sent_raw) == 1  # looked up by rfc822msgid, not sent again
    assert len(gmail.ids_with_label(ME, "SENT")) == 1
    assert MailOutbox.get().state == OutboxState.DONE.value
    assert MailMessage.select().count() == 1 and not MailMessage.get().queued


def test_send_failure_before_gmail_got_it_sends_once_later(
    workspace: Workspace, gmail: FakeGmail, account: MailAccount, options: ClientOptions
) -> None:
    queue_raw(workspace.user, account.id, make_raw(sender=ME, to="bob@client.com"))
    gmail.fail_next("send", 503)  # refused before taking effect, but we cannot know
    assert run_round(account, options).outbox_waiting == 1
    run_round(MailAccount.get_by_id(account.id), options)
    assert len(gmail.sent_raw) == 1


def test_archive_delete_and_undo_round_trip_to_gmail(
    workspace: Workspace, gmail: FakeGmail, account: MailAccount, options: ClientOptions
) -> None:
    first = gmail.add_message(ME, make_raw(sender="zed@unknown.org"))
    second = gmail.add_message(ME, make_raw(sender="zed@unknown.org"))
    run_round(account, options)
    local = {m.gmail_id: m.id for m in MailMessage.select()}

    mail.archive_messages(workspace.user, [local[first]])
    deleted = mail.delete_messages(workspace.user, [local[second]])
    assert mail.folder_counts(workspace.user)[Folder.ARCHIVED] == 1  # at once, locally
    run_round(account, options)
    assert "INBOX" not in gmail.message(ME, first).labels
    assert "TRASH" in gmail.message(ME, second).labels

    mail.undo_change(workspace.user, deleted)
    run_round(account, options)
    assert "TRASH" not in gmail.message(ME, second).labels
    assert MailMessage.get_by_id(local[second]).folder == Folder.UNMATCHED.value
    # Gmail's own history of these changes did not undo them locally
    assert MailMessage.get_by_id(local[first]).folder == Folder.ARCHIVED.value
