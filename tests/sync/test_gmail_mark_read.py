"""Reading a message marks it read here at once and in Gmail through the outbox (UNREAD
removed, like an archive removes INBOX), with the unread counts following."""

from __future__ import annotations

import threading

from desktopcrm.models.mail import Folder, MailAccount, MailMessage, MailOutbox, OutboxKind
from desktopcrm.services import mail
from desktopcrm.services.workspace import Workspace
from desktopcrm.sync.manager import ClientOptions, make_sync
from tests.sync.conftest import ME, make_raw
from tests.sync.fake_gmail import FakeGmail


def run_round(account: MailAccount, options: ClientOptions):  # type: ignore[no-untyped-def]
    return make_sync(account, options, threading.Event()).run_round()


def test_mark_read_round_trips_to_gmail_and_counts_follow(
    workspace: Workspace, gmail: FakeGmail, account: MailAccount, options: ClientOptions
) -> None:
    user = workspace.user
    first = gmail.add_message(ME, make_raw(sender="zed@unknown.org"))
    second = gmail.add_message(ME, make_raw(sender="zed@unknown.org"))
    run_round(account, options)
    local = {m.gmail_id: m.id for m in MailMessage.select()}
    assert mail.unread_counts(user)[Folder.UNMATCHED] == 2

    assert mail.mark_read(user, [local[first]]) == [local[first]]
    message = MailMessage.get_by_id(local[first])
    assert not message.unread and "UNREAD" not in message.label_set
    assert mail.unread_counts(user)[Folder.UNMATCHED] == 1  # at once, locally
    queued = MailOutbox.get(MailOutbox.mail_message == local[first])
    assert queued.kind == OutboxKind.MODIFY.value and '"remove": ["UNREAD"]' in queued.payload
    assert mail.mark_read(user, [local[first]]) == []  # already read: nothing queued again
    assert MailOutbox.select().count() == 1

    run_round(account, options)
    assert "UNREAD" not in gmail.message(ME, first).labels
    assert "UNREAD" in gmail.message(ME, second).labels
    # Gmail's history of our own change did not make it unread again
    assert not MailMessage.get_by_id(local[first]).unread

    mail.mark_read(user, [local[first]], read=False)
    run_round(account, options)
    assert "UNREAD" in gmail.message(ME, first).labels
    assert mail.unread_counts(user)[Folder.UNMATCHED] == 2
