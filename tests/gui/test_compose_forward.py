"""Forward carries the original's attachments: listed at once, fetched from the fake Gmail
server over real HTTP in the background, removable, and offline a message with Retry and Send
without them; the 25 MB limit is explained before anything is queued."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktopcrm.models.mail import MailAccount, MailMessage, MailOutbox
from desktopcrm.qt import Qt
from desktopcrm.sync.google_http import RetryPolicy
from desktopcrm.sync.manager import ClientOptions, make_sync
from desktopcrm.sync.mime import attachment_bytes, parse_message
from desktopcrm.views.context import AppContext
from desktopcrm.views.mail.compose import ComposeWindow, open_compose
from desktopcrm.views.mail_sync import MailSync
from tests.gui.test_compose import (  # noqa: F401 (fixtures)
    account,
    close_compose_windows,
    gmail,
    keyring_file,
    send_and_wait,
)
from tests.sync.conftest import ME
from tests.sync.fake_gmail import FakeGmail
from tests.sync.test_gmail_attachments import PDF, with_attachments

CSV = b"name,amount\nAcme,1200\n"


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("DESKTOPCRM_ATTACHMENT_DIR", str(folder))
    return folder


@pytest.fixture(autouse=True)
def mail_sync(context: AppContext) -> Iterator[MailSync]:
    """Not started: only its client options (short back-off) reach the compose window."""
    sync = MailSync(
        context,
        options=ClientOptions(
            timeout=2.0, retry=RetryPolicy(attempts=2, base_delay=0.01, max_delay=0.05)
        ),
        interval=3600,
    )
    context.mail_sync = sync
    yield sync
    sync.stop()


@pytest.fixture
def documents(gmail: FakeGmail, account: MailAccount) -> MailMessage:  # noqa: F811
    gmail.add_message(
        ME,
        with_attachments(("offer.pdf", "application/pdf", PDF), ("q3.csv", "text/csv", CSV)),
        labels=("INBOX",),
    )
    make_sync(account, ClientOptions(timeout=5), threading.Event()).run_round()
    return MailMessage.get(MailMessage.subject == "Documents")


def forward(qtbot, context: AppContext, message: MailMessage) -> ComposeWindow:  # type: ignore[no-untyped-def]
    window = open_compose(context, mode="forward", message_id=message.id)
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    return window


def listed(window: ComposeWindow) -> list[str]:
    return [window.attachments.list.item(n).text() for n in range(window.attachments.list.count())]


def attachments_of(row: MailOutbox) -> dict[str, bytes]:
    raw = bytes(row.raw_message)
    return {a.filename: attachment_bytes(raw, a.part_index) for a in parse_message(raw).attachments}


def test_forward_sends_the_originals_attachments(
    qtbot,
    context: AppContext,
    gmail: FakeGmail,  # noqa: F811
    documents: MailMessage,
) -> None:
    window = open_compose(context, mode="forward", message_id=documents.id)
    # listed at once, fetched in the background: nothing has arrived before events run
    assert listed(window) == ["offer.pdf (10 KB) — fetching…", "q3.csv (22 B) — fetching…"]
    assert window.forward_fetch.busy and not window.forward_fetch.isHidden()
    assert "Fetching" in window.forward_fetch.text.text()
    assert "attach" not in window.template_report.text()  # the old "attach by hand" notice
    qtbot.keyClicks(window.to_field, "boss@example.org")
    # Send waits for the attachments, then queues the message with them
    with qtbot.waitSignal(window.queued, timeout=10_000) as blocker:
        assert window.send() is None
        assert window.send_button.text() == "Sending…" and not window.send_button.isEnabled()
        assert "sent once they are here" in window.forward_fetch.text.text()
    row = MailOutbox.get_by_id(blocker.args[0].id)
    assert attachments_of(row) == {"offer.pdf": PDF, "q3.csv": CSV}
    parsed = parse_message(bytes(row.raw_message))
    assert parsed.subject == "Fwd: Documents" and "See the attached files." in parsed.text_body
    assert gmail.calls["get"] >= 2  # fetched from Gmail, not from anything stored


def test_an_attachment_removed_before_send_is_not_sent(
    qtbot, context: AppContext, documents: MailMessage
) -> None:
    window = forward(qtbot, context, documents)
    qtbot.waitUntil(lambda: not window.attachments.unfetched(), timeout=10_000)
    assert listed(window) == ["offer.pdf (10 KB)", "q3.csv (22 B)"]
    assert window.forward_fetch.isHidden()
    window.attachments.list.setCurrentRow(0)
    window.attachments.remove_button.click()
    assert listed(window) == ["q3.csv (22 B)"]
    assert window.is_dirty()  # removing one is a change: closing would ask
    qtbot.keyClicks(window.to_field, "boss@example.org")
    row = send_and_wait(qtbot, window)
    assert attachments_of(row) == {"q3.csv": CSV}

    window = forward(qtbot, context, documents)
    while window.attachments.list.count():
        window.attachments.remove_button.click()  # no selection: the last one
    qtbot.keyClicks(window.to_field, "boss@example.org")
    row = send_and_wait(qtbot, window)
    assert attachments_of(row) == {}


def test_offline_says_so_and_sends_without_them(
    qtbot,
    context: AppContext,
    gmail: FakeGmail,  # noqa: F811
    documents: MailMessage,
) -> None:
    gmail.stop()
    window = forward(qtbot, context, documents)
    qtbot.keyClicks(window.to_field, "boss@example.org")
    qtbot.keyClicks(window.body.edit, "The figures, as promised.")
    qtbot.waitUntil(lambda: not window.forward_fetch.busy, timeout=10_000)
    text = window.forward_fetch.text.text()
    assert "Could not fetch offer.pdf, q3.csv from Gmail" in text and "offline" in text
    assert window.forward_fetch.retry_button.isVisible()
    assert listed(window) == ["offer.pdf (10 KB) — not fetched", "q3.csv (22 B) — not fetched"]
    # Send alone says what to do; nothing is queued and nothing written is lost
    qtbot.keyClick(window.body.edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert "press Retry, or Send without them" in window.error.text()
    assert MailOutbox.select().count() == 0
    with qtbot.waitSignal(window.queued, timeout=10_000) as blocker:
        window.forward_fetch.without_button.click()
    row = MailOutbox.get_by_id(blocker.args[0].id)
    assert attachments_of(row) == {}
    assert parse_message(bytes(row.raw_message)).text_body.startswith("The figures, as promised.")


def test_retry_after_a_failed_fetch_brings_them(
    qtbot,
    context: AppContext,
    gmail: FakeGmail,  # noqa: F811
    documents: MailMessage,
) -> None:
    gmail.fail_next("get", 503, count=2)  # both tries of the first fetch
    window = forward(qtbot, context, documents)
    qtbot.waitUntil(lambda: not window.forward_fetch.busy, timeout=10_000)
    assert "Could not fetch" in window.forward_fetch.text.text()
    assert window.send_button.isEnabled()
    window.forward_fetch.retry_button.click()
    qtbot.waitUntil(lambda: not window.attachments.unfetched(), timeout=10_000)
    assert window.forward_fetch.isHidden()
    qtbot.keyClicks(window.to_field, "boss@example.org")
    row = send_and_wait(qtbot, window)
    assert attachments_of(row) == {"offer.pdf": PDF, "q3.csv": CSV}


def test_over_25_mb_is_explained_and_nothing_is_queued(
    qtbot, context: AppContext, documents: MailMessage, tmp_path: Path
) -> None:
    window = forward(qtbot, context, documents)
    qtbot.waitUntil(lambda: not window.attachments.unfetched(), timeout=10_000)
    big = tmp_path / "video.mp4"
    with big.open("wb") as file:
        file.truncate(25 * 1024 * 1024)  # sparse: 25 MB on paper, with the forwarded ones over
    window.attachments.add_files([big])
    assert window.attachments.total.objectName() == "ProblemText"
    qtbot.keyClicks(window.to_field, "boss@example.org")
    assert window.send() is None
    assert "over Gmail's limit of 25 MB" in window.error.text()
    assert MailOutbox.select().count() == 0
    window.attachments.remove_selected()  # the last one: the big file
    row = send_and_wait(qtbot, window)
    assert set(attachments_of(row)) == {"offer.pdf", "q3.csv"}
