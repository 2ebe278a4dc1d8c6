"""Full, incremental and expired-history sync against the fake Gmail server, over real HTTP."""

from __future__ import annotations

import threading

import pytest

from desktopcrm.models.base import ChangeLog
from desktopcrm.models.mail import Folder, MailAccount, MailAttachment, MailMessage, SyncState
from desktopcrm.services import leads, mail
from desktopcrm.services.workspace import Workspace
from desktopcrm.sync.google_http import NetworkError
from desktopcrm.sync.manager import ClientOptions, make_sync
from tests.sync.conftest import ME, make_raw
from tests.sync.fake_gmail import FakeGmail


def run_round(account: MailAccount, options: ClientOptions):
    sync = make_sync(account, options, threading.Event())
    return sync.run_round()


def stored_ids(account: MailAccount) -> set[str]:
    return {m.gmail_id for m in MailMessage.select().where(MailMessage.account == account.id)}


def test_full_sync_stores_every_message_once_and_files_them(
    workspace: Workspace, gmail: FakeGmail, account: MailAccount, options: ClientOptions
) -> None:
    leads.create_lead(
        workspace.user, first_name="Alice", last_name="Smith", email="alice@client.com"
    )
    known = [gmail.add_message(ME, make_raw()) for _ in range(7)]
    stranger = gmail.add_message(ME, make_raw(sender="Zed <zed@unknown.org>", body="Buy now"))
    sent = gmail.add_message(ME, make_raw(sender=ME, to="alice@client.com"), labels=("SENT",))
    gmail.page_size_cap = 3  # several list pages

    result = run_round(account, options)

    assert result.kind == "full" and result.added == 9
    assert stored_ids(account) == {*known, stranger, sent}
    counts = mail.folder_counts(workspace.user)
    assert counts[Folder.INBOX] == 7 and counts[Folder.UNMATCHED] == 1 and counts[Folder.SENT] == 1
    assert mail.folder_page(workspace.user, Folder.UNMATCHED)[0].from_address == "zed@unknown.org"
    account = MailAccount.get_by_id(account.id)
    assert account.state is SyncState.INCREMENTAL and account.history_id
    assert gmail.calls["get"] == 9
    # one change-log row per stored batch (here: per list page of 3), not per message
    assert ChangeLog.select().where(ChangeLog.operation == "sync").count() == 3

    again = run_round(account, options)
    assert again.kind == "incremental" and again.added == 0
    assert gmail.calls["get"] == 9


def test_interrupted_full_sync_resumes_from_its_page(
    workspace: Workspace, gmail: FakeGmail, account: MailAccount, options: ClientOptions
) -> None:
    for _ in range(10):
        gmail.add_message(ME, make_raw())
    gmail.page_size_cap = 4
    gmail.fail_next("list", 503, count=99, skip=2)  # the third list page keeps failing
    with pytest.raises(NetworkError, match="503"):
        run_round(account, options)
    account = MailAccount.get_by_id(account.id)
    assert account.state is SyncState.FULL and account.full_sync_page_token == "8"
    assert len(stored_ids(account)) == 8
    gmail.faults.clear()

    result = run_round(account, options)
    assert result.added == 2 and len(stored_ids(account)) == 10
    assert gmail.calls["get"] == 10  # nothing fetched twice


def test_incremental_sync_adds_new_mail_applies_labels_and_deletions(
    workspace: Workspace, gmail: FakeGmail, account: MailAccount, options: ClientOptions
) -> None:
    first = gmail.add_message(ME, make_raw(sender="zed@unknown.org"))
    second = gmail.add_message(ME, make_raw(sender="zed@unknown.org"))
    run_round(account, options)

    new = [gmail.add_message(ME, make_raw(sender="zed@unknown.org")) for _ in range(3)]
    gmail.change_labels(ME, first, remove=("INBOX",))  # archived in Gmail
    gmail.change_labels(ME, second, add=("TRASH",))  # deleted in Gmail
    gmail.delete_message(ME, new[0])  # added and deleted for good between rounds
    result = run_round(account, options)

    assert result.kind == "incremental" and result.added == 2
    assert stored_ids(account) == {first, second, new[1], new[2]}
    folders = {m.gmail_id: m.folder for m in MailMessage.select()}
    assert folders[first] == Folder.ARCHIVED.value
    assert folders[second] == Folder.TRASH.value
    assert gmail.calls["get"] == 4

    gmail.delete_message(ME, first)
    assert run_round(account, options).removed == 1
    assert first not in stored_ids(account)


def test_expired_history_resyncs_without_duplicates(
    workspace: Workspace, gmail: FakeGmail, account: MailAccount, options: ClientOptions
) -> None:
    ids = [gmail.add_message(ME, make_raw(sender="zed@unknown.org")) for _ in range(5)]
    run_round(account, options)
    later = gmail.add_message(ME, make_raw(sender="zed@unknown.org"))
    gmail.change_labels(ME, ids[0], remove=("INBOX",))
    gmail.change_labels(ME, ids[1], add=("TRASH",))
    gmail.change_labels(ME, ids[2], remove=("UNREAD",))
    gmail.expire_history(ME)

    result = run_round(account, options)

    assert result.kind == "resync"
    assert stored_ids(account) == {*ids, later}
    assert MailMessage.select().count() == 6
    by_id = {m.gmail_id: m for m in MailMessage.select()}
    assert by_id[ids[0]].folder == Folder.ARCHIVED.value
    assert by_id[ids[1]].folder == Folder.TRASH.value
    assert not by_id[ids[2]].unread and by_id[ids[3]].unread
    assert gmail.calls["get"] == 6
    # and incremental works again from the new history id
    gmail.add_message(ME, make_raw())
    assert run_round(account, options).kind == "incremental"


def test_malformed_messages_are_stored_with_their_defects(
    workspace: Workspace, gmail: FakeGmail, account: MailAccount, options: ClientOptions
) -> None:
    broken = [
        b"",  # nothing at all
        b"Subject: =?x-unknown?B?////?=\r\n"
        b"Content-Type: text/plain; charset=klingon\r\n\r\n\xff\xfe ok",
        b"From: <<<@@@>>>\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\nbroken",
        b"Content-Transfer-Encoding: base64\r\n\r\n!!!not base64!!!",
    ]
    ids = [gmail.add_message(ME, raw) for raw in broken]
    ids.append(
        gmail.add_message(
            ME,
            make_raw(html="<p>Only <b>HTML</b><script>alert(1)</script> here</p>", subject="Rich"),
        )
    )

    result = run_round(account, options)

    assert result.added == 5 and stored_ids(account) == set(ids)
    assert MailMessage.select().where(MailMessage.defects != "").count() >= 2
    assert mail.search_mail(workspace.user, "rich")


def test_attachments_are_listed_not_stored(
    workspace: Workspace, gmail: FakeGmail, account: MailAccount, options: ClientOptions
) -> None:
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = "alice@client.com"
    message["To"] = ME
    message["Subject"] = "Quote"
    message["Message-ID"] = "<quote-1@client.com>"
    message.set_content("See attached")
    message.add_attachment(b"x" * 200_000, maintype="application", subtype="pdf", filename="q.pdf")
    gmail.add_message(ME, bytes(message))

    run_round(account, options)

    stored = MailMessage.get()
    assert stored.has_attachments and b"x" * 1000 not in stored.text_body.encode()
    attachment = MailAttachment.get()
    assert attachment.filename == "q.pdf" and attachment.size == 200_000
