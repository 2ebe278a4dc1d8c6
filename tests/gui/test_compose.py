"""The compose window: recipients from the CRM, templates, Send into the outbox, replies that
keep their thread, and Esc that asks before throwing a draft away."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from desktopcrm.models.mail import MailAccount, MailMessage, MailOutbox, OutboxKind, OutboxState
from desktopcrm.qt import QApplication, QMessageBox, Qt, is_alive
from desktopcrm.services import contacts, mail_templates
from desktopcrm.services.workspace import Workspace
from desktopcrm.sync.accounts import add_account
from desktopcrm.sync.manager import ClientOptions, make_sync
from desktopcrm.sync.mime import parse_message
from desktopcrm.views.context import AppContext
from desktopcrm.views.mail.compose import ComposeWindow, open_compose
from tests.sync.conftest import ME, make_raw
from tests.sync.fake_gmail import FakeGmail
from tests.sync.file_keyring import FileKeyring


@pytest.fixture
def keyring_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    import keyring

    monkeypatch.setenv("DESKTOPCRM_TEST_KEYRING", str(tmp_path / "keyring.json"))
    previous = keyring.get_keyring()
    keyring.set_keyring(FileKeyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def gmail(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    with FakeGmail() as fake:
        fake.add_user(ME, refresh_token="refresh-me")
        monkeypatch.setenv("DESKTOPCRM_GOOGLE_API_URL", fake.api_url)
        monkeypatch.setenv("DESKTOPCRM_GOOGLE_TOKEN_URL", fake.token_url)
        yield fake


@pytest.fixture
def account(workspace: Workspace, keyring_file: None) -> MailAccount:
    return add_account(
        workspace.user, ME, client_id="client", client_secret="secret", refresh_token="refresh-me"
    )


@pytest.fixture
def alice(workspace: Workspace):  # type: ignore[no-untyped-def]
    return contacts.create_person(
        workspace.user,
        first_name="Alice",
        last_name="Smith",
        email="alice@client.com",
        check_duplicates=False,
    )


@pytest.fixture(autouse=True)
def close_compose_windows(qtbot):  # type: ignore[no-untyped-def]
    """Compose windows delete themselves on close; close the ones a test left open."""
    yield
    for window in QApplication.topLevelWidgets():
        if isinstance(window, ComposeWindow) and is_alive(window):
            window._done = True
            window.close()
    qtbot.wait(1)


def compose(qtbot, context: AppContext, **kwargs) -> ComposeWindow:  # type: ignore[no-untyped-def]
    window = open_compose(context, **kwargs)
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)  # window shortcuts (Ctrl+Enter, Esc) need it
    return window


def send_and_wait(qtbot, window: ComposeWindow) -> MailOutbox:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(window.queued, timeout=10_000) as blocker:
        qtbot.keyClick(window.body.edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    row: MailOutbox = blocker.args[0]
    return MailOutbox.get_by_id(row.id)


def test_a_new_message_goes_into_the_outbox_with_its_headers(
    qtbot, context: AppContext, account: MailAccount, alice, tmp_path: Path
) -> None:
    window = compose(qtbot, context)
    assert window.from_combo.currentText() == ME
    qtbot.keyClicks(window.to_field, "Alic")
    assert window.to_field.refresh() == 1
    suggestion = window.to_field.suggestions()[0]
    assert (suggestion.name, suggestion.email) == ("Alice Smith", "alice@client.com")
    window.to_field.choose(0)
    qtbot.waitUntil(lambda: window.to_field.text() == "Alice Smith <alice@client.com>, ")
    # picking a CRM person also picks the record the template fields come from
    assert window.record_picker.selected is not None
    assert window.record_picker.selected.record_id == alice.id
    window.show_cc(True)
    qtbot.keyClicks(window.cc_field, "Bob <bob@partner.org>; carol@partner.org")
    qtbot.keyClicks(window.subject, "Our offer")
    qtbot.keyClicks(window.body.edit, "Hello Alice,")
    qtbot.keyClick(window.body.edit, Qt.Key.Key_Return)
    qtbot.keyClicks(window.body.edit, "here it is.")
    attachment = tmp_path / "offer.txt"
    attachment.write_text("the offer")
    window.attachments.add_files([attachment])

    row = send_and_wait(qtbot, window)
    assert row.kind == OutboxKind.SEND.value and row.state == OutboxState.PENDING.value
    parsed = parse_message(bytes(row.raw_message))
    assert parsed.message_id == row.rfc_message_id and parsed.message_id.endswith("@example.com")
    assert [(a.name, a.email) for a in parsed.to] == [("Alice Smith", "alice@client.com")]
    assert [a.email for a in parsed.cc] == ["bob@partner.org", "carol@partner.org"]
    assert parsed.sender is not None and parsed.sender.email == ME
    assert parsed.subject == "Our offer"
    assert "Hello Alice,\nhere it is." in parsed.text_body
    assert "Hello Alice," in parsed.html_body
    assert [a.filename for a in parsed.attachments] == ["offer.txt"]
    assert "data-crm-pixel" not in parsed.html_body  # no tracking endpoint configured
    # it shows in Sent at once, queued, and linked to Alice
    sent = MailMessage.get_by_id(row.mail_message_id)
    assert sent.folder == "sent" and sent.queued and sent.sent_by_us
    assert sent.matched
    qtbot.waitUntil(lambda: not window.isVisible())


def test_bad_addresses_are_shown_and_nothing_is_queued(
    qtbot, context: AppContext, account: MailAccount
) -> None:
    window = compose(qtbot, context)
    qtbot.keyClicks(window.to_field, "alice@client.com, bob at partner")
    window.send()
    assert window.error.isVisible()
    assert "“bob at partner” in To is not an email address" in window.error.text()
    assert window.to_field.property("invalid") is True
    window.to_field.clear()
    window.send()
    assert "Add at least one recipient" in window.error.text()
    assert MailOutbox.select().count() == 0
    assert window.isVisible()


def test_plain_text_mode_sends_no_html(qtbot, context: AppContext, account: MailAccount) -> None:
    window = compose(qtbot, context)
    qtbot.keyClicks(window.to_field, "x@y.org")
    qtbot.keyClicks(window.body.edit, "Just text")
    window.body.plain.click()
    assert window.body.is_plain and not window.body.buttons["bold"].isEnabled()
    row = send_and_wait(qtbot, window)
    parsed = parse_message(bytes(row.raw_message))
    assert parsed.text_body.strip() == "Just text" and parsed.html_body == ""


def test_a_reply_keeps_the_thread_and_quotes_the_message(
    qtbot, context: AppContext, gmail: FakeGmail, account: MailAccount, alice
) -> None:
    original = make_raw(
        "Alice Smith <alice@client.com>",
        f"Me <{ME}>, dave@client.com",
        "Prices?",
        "What are your prices?",
        message_id="<root@client.com>",
    )
    gmail.add_message(ME, original, labels=("INBOX",))
    make_sync(account, ClientOptions(timeout=5), threading.Event()).run_round()
    stored = MailMessage.get(MailMessage.message_id == "root@client.com")
    assert stored.thread_id

    window = compose(qtbot, context, mode="reply_all", message_id=stored.id)
    assert window.subject.text() == "Re: Prices?"
    assert window.to_field.text() == "Alice Smith <alice@client.com>, dave@client.com"
    assert not window.from_combo.isEnabled()  # the thread's account
    assert "> What are your prices?" in window.quote.toPlainText()
    assert window.record_picker.selected is not None
    assert window.record_picker.selected.record_id == alice.id
    assert window.body.edit.hasFocus()
    qtbot.keyClicks(window.body.edit, "They are on the way.")
    row = send_and_wait(qtbot, window)
    parsed = parse_message(bytes(row.raw_message))
    assert parsed.in_reply_to == "root@client.com"
    assert parsed.references == ("root@client.com",)
    assert ME not in [a.email for a in parsed.to]
    assert parsed.text_body.startswith("They are on the way.")
    assert "> What are your prices?" in parsed.text_body
    import json

    assert json.loads(row.payload)["thread_id"] == stored.thread_id

    # the worker sends it into the same Gmail thread, with our Message-ID
    make_sync(account, ClientOptions(timeout=5), threading.Event()).run_round()
    sent = gmail.message(ME, MailOutbox.get_by_id(row.id).gmail_id)
    assert sent.thread_id == stored.thread_id
    assert sent.message_id == row.rfc_message_id


def test_forward_starts_a_new_thread_with_the_original_below(
    qtbot, context: AppContext, gmail: FakeGmail, account: MailAccount
) -> None:
    gmail.add_message(ME, make_raw(subject="Report", body="The numbers"), labels=("INBOX",))
    make_sync(account, ClientOptions(timeout=5), threading.Event()).run_round()
    stored = MailMessage.get(MailMessage.subject == "Report")
    window = compose(qtbot, context, mode="forward", message_id=stored.id)
    assert window.subject.text() == "Fwd: Report"
    assert window.to_field.text() == "" and window.to_field.hasFocus()
    assert "Forwarded message" in window.quote.toPlainText()
    qtbot.keyClicks(window.to_field, "boss@example.org")
    row = send_and_wait(qtbot, window)
    parsed = parse_message(bytes(row.raw_message))
    assert parsed.in_reply_to == "" and "The numbers" in parsed.text_body


def test_a_template_fills_the_fields_of_the_record(
    qtbot, context: AppContext, account: MailAccount, alice
) -> None:
    template = mail_templates.save_template(
        context.user,
        None,
        name="Follow-up",
        subject="Hello {first_name}",
        text_body="Dear {first_name} {last_name},\nregards, {my_name}. {frist_name}",
    )
    window = compose(qtbot, context, to_record=("contact", alice.id.hex))
    assert window.to_field.text() == "Alice Smith <alice@client.com>, "
    assert window.record_picker.selected is not None
    index = window.template_combo.findText("Follow-up")
    assert index > 0
    window.template_combo.activated.emit(index)
    assert window.subject.text() == "Hello Alice"
    assert window.body.text() == (
        f"Dear Alice Smith,\nregards, {context.user.name}. {{frist_name}}"
    )
    assert window.template_report.isVisible()
    assert "{frist_name}" in window.template_report.text()
    assert template.name == "Follow-up"


def test_esc_asks_before_discarding_a_written_draft(
    qtbot, context: AppContext, account: MailAccount
) -> None:
    window = compose(qtbot, context)
    qtbot.keyClicks(window.subject, "Draft")
    qtbot.keyClick(window.subject, Qt.Key.Key_Escape)
    box = window.confirm
    assert box is not None and box.objectName() == "DiscardDraft"
    qtbot.waitUntil(box.isVisible)
    keep = next(b for b in box.buttons() if b.text() == "Keep editing")
    keep.click()
    qtbot.waitUntil(lambda: window.confirm is None)
    assert window.isVisible() and window.subject.text() == "Draft"
    window.close()
    box = window.confirm
    assert box is not None
    discard = next(b for b in box.buttons() if b.text() == "Discard")
    discard.click()
    qtbot.waitUntil(lambda: not window.isVisible())
    assert MailOutbox.select().count() == 0


def test_an_empty_window_closes_on_esc_without_asking(
    qtbot, context: AppContext, account: MailAccount
) -> None:
    window = compose(qtbot, context)
    qtbot.keyClick(window.to_field, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not window.isVisible())
    assert window.confirm is None
    assert not any(isinstance(w, QMessageBox) for w in QApplication.topLevelWidgets())


def test_without_an_account_it_says_where_to_connect_one(qtbot, context: AppContext) -> None:
    window = compose(qtbot, context)
    assert window.no_account.isVisible()
    assert not window.send_button.isEnabled()
    with qtbot.waitSignal(window.settings_requested) as blocker:
        window.no_account.findChild(type(window.send_button)).click()
    assert blocker.args == ["mail-accounts"]
