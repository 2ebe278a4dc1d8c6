"""Fixtures for the sync tests: the fake Gmail server, a test keyring, a connected account."""

from __future__ import annotations

import datetime as dt
import email
import itertools
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import keyring
import pytest

from desktopcrm.models.mail import MailAccount
from desktopcrm.services.workspace import Workspace
from desktopcrm.sync.accounts import add_account
from desktopcrm.sync.google_http import RetryPolicy
from desktopcrm.sync.manager import ClientOptions
from tests.sync.fake_gmail import FakeGmail
from tests.sync.file_keyring import FileKeyring

ME = "me@example.com"
_counter = itertools.count(1)


@pytest.fixture
def test_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FileKeyring]:
    """A file-backed keyring (also for child processes through PYTHON_KEYRING_BACKEND)."""
    monkeypatch.setenv("DESKTOPCRM_TEST_KEYRING", str(tmp_path / "keyring.json"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.sync.file_keyring.FileKeyring")
    previous = keyring.get_keyring()
    backend = FileKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def gmail(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGmail]:
    """The fake Gmail server with the user ``ME``; the app's URLs point at it."""
    with FakeGmail() as fake:
        fake.add_user(ME, refresh_token="refresh-me")
        monkeypatch.setenv("DESKTOPCRM_GOOGLE_API_URL", fake.api_url)
        monkeypatch.setenv("DESKTOPCRM_GOOGLE_TOKEN_URL", fake.token_url)
        yield fake


@pytest.fixture
def account(workspace: Workspace, gmail: FakeGmail, test_keyring: FileKeyring) -> MailAccount:
    return add_account(
        workspace.user, ME, client_id="client", client_secret="secret", refresh_token="refresh-me"
    )


@pytest.fixture
def options() -> ClientOptions:
    """Short timeouts and back-off so fault tests run quickly."""
    return ClientOptions(
        timeout=1.0, retry=RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.2), fetch_workers=3
    )


def make_raw(
    sender: str = "Alice Smith <alice@client.com>",
    to: str = ME,
    subject: str | None = None,
    body: str = "Hello there",
    *,
    reply_to: EmailMessage | bytes | None = None,
    html: str | None = None,
    message_id: str | None = None,
) -> bytes:
    """A plain (or multipart) message as Gmail would hold it."""
    n = next(_counter)
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject if subject is not None else f"Message {n}"
    message["Date"] = format_datetime(
        dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=n)
    )
    message["Message-ID"] = message_id or make_msgid(domain="test.example")
    if reply_to is not None:
        parent = reply_to if isinstance(reply_to, bytes) else bytes(reply_to)
        parent_id = _header(parent, "Message-ID")
        message["In-Reply-To"] = parent_id
        message["References"] = parent_id
    message.set_content(body)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return bytes(message)


def _header(raw: bytes, name: str) -> str:
    return str(email.message_from_bytes(raw)[name])
