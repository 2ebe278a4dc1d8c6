"""Settings › Mail accounts (connect against the fake Google over real HTTP, keyring problems,
Sync now, Check, a revoked sign-in) and Settings › Email templates."""

from __future__ import annotations

import threading
import urllib.request
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import keyring
import pytest
from keyring.backends import fail

from desktopcrm.models.mail import MailAccount, MailMessage
from desktopcrm.models.mail_templates import MailTemplate
from desktopcrm.qt import QMessageBox
from desktopcrm.sync.accounts import KEYRING_SERVICE
from desktopcrm.sync.google_http import RetryPolicy
from desktopcrm.sync.manager import ClientOptions
from desktopcrm.views.context import AppContext
from desktopcrm.views.mail_sync import MailSync
from desktopcrm.views.settings.mail_accounts import MailAccountsSection
from desktopcrm.views.settings.mail_templates_section import MailTemplatesSection
from tests.gui.test_compose import account, gmail, keyring_file  # noqa: F401 (fixtures)
from tests.sync.conftest import ME, make_raw
from tests.sync.fake_gmail import FakeGmail


@pytest.fixture
def mail_sync(context: AppContext) -> Iterator[MailSync]:
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


def section(qtbot, context: AppContext) -> MailAccountsSection:  # type: ignore[no-untyped-def]
    page = MailAccountsSection(context, open_browser=False)
    qtbot.addWidget(page)
    page.resize(900, 1200)
    page.show()
    return page


def answer_in_browser(url: str, code: str) -> threading.Thread:
    """What Google's consent page does: redirect to the app's loopback address."""
    query = parse_qs(urlsplit(url).query)
    redirect = query["redirect_uri"][0]
    target = redirect + "?" + urlencode({"state": query["state"][0], "code": code})
    thread = threading.Thread(target=lambda: urllib.request.urlopen(target, timeout=10).read())
    thread.start()
    return thread


def test_connecting_an_account_through_the_google_sign_in(
    qtbot,
    context: AppContext,
    gmail: FakeGmail,  # noqa: F811
    keyring_file: None,  # noqa: F811
    mail_sync: MailSync,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the fake token endpoint is http
    gmail.add_message(ME, make_raw(subject="Welcome"), labels=("INBOX",))
    mail_sync.start()
    page = section(qtbot, context)
    assert page.no_accounts.isVisible()
    page.use_own.setChecked(True)
    page.client_id.setText("my-client.apps.googleusercontent.com")
    page.client_secret.setText("my-secret")
    page.quota.setValue(100)
    page.connect_button.click()
    qtbot.waitUntil(lambda: bool(page.sign_in_url), timeout=10_000)
    assert "client_id=my-client.apps.googleusercontent.com" in page.sign_in_url
    assert "code_challenge=" in page.sign_in_url  # PKCE
    assert "this sign-in page" in page.connect_status.text()
    answer_in_browser(page.sign_in_url, gmail.authorization_code(ME)).join()
    qtbot.waitUntil(lambda: "Connected" in page.connect_status.text(), timeout=10_000)
    assert page.connect_status.text() == f"Connected {ME}. The first sync starts now."
    connected = MailAccount.get(MailAccount.email == ME)
    assert connected.client_id == "my-client.apps.googleusercontent.com"
    assert connected.quota_units_per_second == 100
    assert keyring.get_password(KEYRING_SERVICE, ME) == "refresh-me"
    # the first sync brings the mail; the card shows it
    qtbot.waitUntil(lambda: MailMessage.select().count() == 1, timeout=10_000)
    qtbot.waitUntil(lambda: page.cards[connected.id].values["messages"].text() == "1")
    assert not page.no_accounts.isVisible()


def test_a_missing_gmail_permission_is_explained(
    qtbot,
    context: AppContext,
    gmail: FakeGmail,  # noqa: F811
    keyring_file: None,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    monkeypatch.setenv("OAUTHLIB_RELAX_TOKEN_SCOPE", "1")  # Google may grant less than asked
    page = section(qtbot, context)
    page.client_id.setText("client")
    page.connect_button.click()
    qtbot.waitUntil(lambda: bool(page.sign_in_url), timeout=10_000)
    code = gmail.authorization_code(ME, scope="openid email")
    answer_in_browser(page.sign_in_url, code).join()
    qtbot.waitUntil(lambda: "Not connected" in page.connect_status.text(), timeout=10_000)
    assert "The Gmail permission was not granted" in page.connect_status.text()
    assert MailAccount.select().count() == 0
    assert page.connect_button.isEnabled()


def test_a_keyring_that_keeps_nothing_is_said_up_front(qtbot, context: AppContext) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        page = section(qtbot, context)
        qtbot.waitUntil(page.keyring_note.isVisible)
        assert "keeps nothing" in page.keyring_note.text()
        assert "GNOME Keyring or KWallet" in page.keyring_note.text()
        page.client_id.setText("client")
        page.connect_button.click()
        qtbot.waitUntil(lambda: "Not connected" in page.connect_status.text())
        assert "system keyring" in page.connect_status.text()
        assert not page.sign_in_url  # the browser never opened
    finally:
        keyring.set_keyring(previous)


def test_sync_now_brings_new_mail_and_check_finds_no_gap(
    qtbot,
    context: AppContext,
    gmail: FakeGmail,  # noqa: F811
    account: MailAccount,  # noqa: F811
    mail_sync: MailSync,
) -> None:
    mail_sync.start()
    page = section(qtbot, context)
    card = page.cards[account.id]
    qtbot.waitUntil(lambda: card.values["state"].text() == "Synced", timeout=10_000)
    gmail.add_message(ME, make_raw(subject="Fresh news"), labels=("INBOX",))
    with qtbot.waitSignal(context.records_changed, timeout=10_000):
        card.sync_button.click()
    assert MailMessage.get(MailMessage.subject == "Fresh news")
    qtbot.waitUntil(lambda: card.values["messages"].text() == "1")
    with qtbot.waitSignal(mail_sync.check_finished, timeout=10_000):
        card.check_button.click()
    assert card.check_result.text() == "Checked: all 1 messages in Gmail are here (1 stored)."


def test_a_revoked_sign_in_opens_a_dialog_when_asked_and_offers_to_sign_in_again(
    qtbot,
    context: AppContext,
    gmail: FakeGmail,  # noqa: F811
    account: MailAccount,  # noqa: F811
    mail_sync: MailSync,
) -> None:
    gmail.revoke(ME)
    mail_sync.start()
    page = section(qtbot, context)
    card = page.cards[account.id]
    qtbot.waitUntil(lambda: card.reconnect_button.isVisible(), timeout=10_000)
    assert mail_sync.dialog is None  # a scheduled round: no dialog, the status bar says it
    card.sync_button.click()
    qtbot.waitUntil(lambda: mail_sync.dialog is not None, timeout=10_000)
    box = mail_sync.dialog
    assert isinstance(box, QMessageBox) and box.objectName() == "SyncErrorDialog"
    assert ME in box.text()
    assert card.values["state"].text() == "Needs you to sign in again"
    from desktopcrm.services.notifications import recent

    assert any("Gmail sync needs you" in e.title for e in recent(context.user))
    box.close()


def test_email_templates_are_written_changed_and_deleted(qtbot, context: AppContext) -> None:
    page = MailTemplatesSection(context)
    qtbot.addWidget(page)
    page.show()
    page.save()
    assert "Give the template a name" in page.error.text()
    page.name.setText("Follow-up")
    page.subject.setText("Hello {first_name}")
    fields = [page.fields.item(i).text() for i in range(page.fields.count())]
    assert "{first_name}" in fields and "{deal_name}" in fields
    page.body.edit.setFocus()
    page._insert_field(page.fields.findItems("{first_name}", _exact())[0])
    page.body.edit.insertPlainText(", thanks!")
    page.save()
    template = MailTemplate.get(MailTemplate.name == "Follow-up")
    assert template.subject == "Hello {first_name}"
    assert template.text_body == "{first_name}, thanks!"
    assert "{first_name}" in template.html_body
    assert page.list.count() == 1
    page.subject.setText("Hi {first_name}")
    page.shared.setChecked(True)
    page.save()
    assert MailTemplate.get_by_id(template.id).subject == "Hi {first_name}"
    assert page.list.item(0).text() == "Follow-up  · shared"
    page.delete()
    box = page.confirm
    assert box is not None
    next(b for b in box.buttons() if b.text() == "Delete").click()
    qtbot.waitUntil(lambda: page.list.count() == 0)
    assert MailTemplate.get_by_id(template.id).is_deleted


def _exact():  # type: ignore[no-untyped-def]
    from desktopcrm.qt import Qt

    return Qt.MatchFlag.MatchExactly
