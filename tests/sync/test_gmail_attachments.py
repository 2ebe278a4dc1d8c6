"""Opening attachments: fetched again from the fake Gmail server over real HTTP, streamed into
the user's cache; offline, deleted and outbox cases; a 30 MB attachment in bounded memory."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import multiprocessing
import threading
import tracemalloc
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from desktopcrm.models.mail import MailAccount, MailAttachment, MailMessage
from desktopcrm.services import mail, users
from desktopcrm.services.workspace import Workspace
from desktopcrm.sync.accounts import add_account
from desktopcrm.sync.attachments import AttachmentUnavailable, fetch_attachment
from desktopcrm.sync.gmail_api import copy_raw_field
from desktopcrm.sync.manager import ClientOptions, make_sync
from desktopcrm.sync.outbox import queue_raw
from tests.sync.conftest import ME
from tests.sync.fake_gmail import FakeGmail
from tests.sync.file_keyring import FileKeyring

PDF = b"%PDF-1.4 quarterly offer\n" + bytes(range(256)) * 40


def with_attachments(*files: tuple[str, str, bytes], sender: str = "alice@client.com") -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ME
    message["Subject"] = "Documents"
    message["Message-ID"] = "<docs@client.com>"
    message.set_content("See the attached files.")
    for name, mime_type, data in files:
        main, sub = mime_type.split("/")
        message.add_attachment(data, maintype=main, subtype=sub, filename=name)
    return bytes(message)


def run_round(account: MailAccount, options: ClientOptions) -> None:
    make_sync(account, options, threading.Event()).run_round()


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("DESKTOPCRM_ATTACHMENT_DIR", str(folder))
    return folder


def test_opens_an_attachment_from_gmail_then_from_the_cache(
    workspace: Workspace,
    gmail: FakeGmail,
    account: MailAccount,
    options: ClientOptions,
    cache: Path,
) -> None:
    csv = b"name,amount\nAcme,1200\n"
    gmail.add_message(
        ME, with_attachments(("offer.pdf", "application/pdf", PDF), ("q3.csv", "text/csv", csv))
    )
    run_round(account, options)
    message = MailMessage.get()
    listed = mail.message_detail(workspace.user, message.id).attachments
    assert [a.filename for a in listed] == ["offer.pdf", "q3.csv"]
    gets = gmail.calls["get"]

    path = fetch_attachment(workspace.user, message.id, listed[0].part_index, options=options)
    assert path.name == "offer.pdf" and path.read_bytes() == PDF
    assert path.is_relative_to(cache / str(workspace.user.id))
    assert gmail.calls["get"] == gets + 1
    other = fetch_attachment(workspace.user, message.id, listed[1].part_index, options=options)
    assert other.name == "q3.csv" and other.read_bytes() == csv

    gmail.stop()  # opened before: served from the cache, also offline
    again = fetch_attachment(workspace.user, message.id, listed[0].part_index, options=options)
    assert again == path and again.read_bytes() == PDF
    assert not [p for p in path.parent.parent.iterdir() if p.name.startswith(".part-")]


def test_offline_says_to_reconnect_and_leaves_nothing_behind(
    workspace: Workspace,
    gmail: FakeGmail,
    account: MailAccount,
    options: ClientOptions,
    cache: Path,
) -> None:
    gmail.add_message(ME, with_attachments(("offer.pdf", "application/pdf", PDF)))
    run_round(account, options)
    message = MailMessage.get()
    part = MailAttachment.get().part_index
    gmail.stop()

    with pytest.raises(AttachmentUnavailable, match="Reconnect to the network"):
        fetch_attachment(workspace.user, message.id, part, options=options)
    folder = cache / str(workspace.user.id) / str(message.uid)
    assert not folder.exists() or not any(folder.iterdir())


def test_deleted_in_gmail_or_missing_part_or_someone_elses_message(
    workspace: Workspace,
    gmail: FakeGmail,
    account: MailAccount,
    options: ClientOptions,
    cache: Path,
) -> None:
    gmail_id = gmail.add_message(ME, with_attachments(("offer.pdf", "application/pdf", PDF)))
    run_round(account, options)
    message = MailMessage.get()
    part = MailAttachment.get().part_index

    with pytest.raises(AttachmentUnavailable, match="no such attachment"):
        fetch_attachment(workspace.user, message.id, part + 5, options=options)

    stranger = users.create_user(workspace.user, "Sam Stranger")
    with pytest.raises(AttachmentUnavailable, match="no longer in the mailbox"):
        fetch_attachment(stranger, message.id, part, options=options)

    gmail.delete_message(ME, gmail_id)
    with pytest.raises(AttachmentUnavailable, match="deleted in Gmail"):
        fetch_attachment(workspace.user, message.id, part, options=options)


def test_a_queued_message_opens_its_attachment_from_the_outbox(
    workspace: Workspace,
    gmail: FakeGmail,
    account: MailAccount,
    options: ClientOptions,
    cache: Path,
) -> None:
    raw = with_attachments(("offer.pdf", "application/pdf", PDF), sender=ME)
    queue_raw(workspace.user, account.id, raw)
    gmail.stop()  # not sent yet, and offline
    message = MailMessage.get()
    assert message.gmail_id.startswith("outbox:")
    part = MailAttachment.get(MailAttachment.message == message.id).part_index

    path = fetch_attachment(workspace.user, message.id, part, options=options)
    assert path.read_bytes() == PDF


def test_raw_field_is_decoded_across_chunks_and_with_json_escapes() -> None:
    raw = bytes(range(256)) * 5000  # > several 256 KiB chunks once encoded
    text = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    answer = json.dumps({"id": "1", "snippet": 'said "raw": no', "raw": text}).encode()
    out = io.BytesIO()
    copy_raw_field(io.BytesIO(answer), out)
    assert out.getvalue() == raw

    escaped = json.dumps({"raw": text[:100]}).replace("A", "\\u0041", 1).encode()
    out = io.BytesIO()
    copy_raw_field(io.BytesIO(escaped), out)
    assert out.getvalue() == base64.urlsafe_b64decode(text[:100] + "=" * (-100 % 4))


# --------------------------------------------------------------------------- 30 MB


BIG = 30 * 1024 * 1024


def big_content() -> Iterator[bytes]:
    """30 MB of incompressible-looking bytes, the same every time (a SHA-256 counter)."""
    for n in range(BIG // 32):
        yield hashlib.sha256(n.to_bytes(8, "big")).digest()


def _serve_big(conn: Any) -> None:
    fake = FakeGmail().start()
    fake.add_user(ME, refresh_token="refresh-me")
    fake.add_message(
        ME, with_attachments(("scan.bin", "application/octet-stream", b"".join(big_content())))
    )
    conn.send((fake.api_url, fake.token_url))
    conn.recv()
    fake.stop()


def test_a_30_mb_attachment_is_streamed_in_bounded_memory(
    workspace: Workspace,
    test_keyring: FileKeyring,
    monkeypatch: pytest.MonkeyPatch,
    options: ClientOptions,
    cache: Path,
) -> None:
    # The server runs in its own process, so only the app's side is measured here.
    parent, child = multiprocessing.get_context("fork").Pipe()
    server = multiprocessing.get_context("fork").Process(
        target=_serve_big, args=(child,), daemon=True
    )
    server.start()
    try:
        api, token = parent.recv()
        monkeypatch.setenv("DESKTOPCRM_GOOGLE_API_URL", api)
        monkeypatch.setenv("DESKTOPCRM_GOOGLE_TOKEN_URL", token)
        account = add_account(
            workspace.user, ME, client_id="c", client_secret="s", refresh_token="refresh-me"
        )
        slow = ClientOptions(timeout=30.0, retry=options.retry)
        make_sync(account, slow, threading.Event()).run_round()
        message = MailMessage.get()
        attachment = MailAttachment.get()
        assert attachment.filename == "scan.bin" and attachment.size >= BIG

        tracemalloc.start()
        try:
            path = fetch_attachment(workspace.user, message.id, attachment.part_index, options=slow)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    finally:
        parent.send("stop")
        server.join(10)

    assert path.stat().st_size == BIG
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    expected = hashlib.sha256()
    for block in big_content():
        expected.update(block)
    assert digest.hexdigest() == expected.hexdigest()
    # the message is ~41 MB encoded and ~55 MB as Gmail's JSON; none of it is held in memory
    assert peak < 8 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"
