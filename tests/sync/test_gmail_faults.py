"""Injected faults, quota, revoked sign-in, keyring problems and the per-account queues."""

from __future__ import annotations

import threading

import keyring
import pytest
from keyring.backends.fail import Keyring as FailKeyring

from desktopcrm.models.mail import MailAccount, MailMessage, SyncState
from desktopcrm.services import mail
from desktopcrm.services.workspace import Workspace
from desktopcrm.sync.accounts import KeyringUnavailable, add_account, check_keyring
from desktopcrm.sync.google_http import AuthError, NetworkError, QuotaLimiter
from desktopcrm.sync.manager import ClientOptions, SyncManager, make_sync, sync_once
from tests.sync.conftest import ME, make_raw
from tests.sync.fake_gmail import FakeGmail


def run_round(account: MailAccount, options: ClientOptions):
    return make_sync(account, options, threading.Event()).run_round()


@pytest.mark.parametrize(
    ("endpoint", "fault"),
    [
        ("get", {"status": 429, "retry_after": 0.05}),
        ("get", {"status": 500}),
        ("list", {"status": 503}),
        ("get", {"kind": "reset"}),
        ("get", {"kind": "timeout", "delay": 1.5}),
        ("history", {"status": 502}),
        ("token", {"status": 503}),
    ],
)
def test_transient_faults_are_retried_and_nothing_is_lost(
    workspace: Workspace,
    gmail: FakeGmail,
    account: MailAccount,
    options: ClientOptions,
    endpoint: str,
    fault: dict[str, object],
) -> None:
    ids = [gmail.add_message(ME, make_raw()) for _ in range(4)]
    if endpoint == "history":
        run_round(account, options)
        ids.append(gmail.add_message(ME, make_raw()))
    gmail.fail_next(endpoint, count=2, **fault)  # type: ignore[arg-type]

    run_round(MailAccount.get_by_id(account.id), options)

    assert {m.gmail_id for m in MailMessage.select()} == set(ids)
    assert gmail.calls[endpoint + ":faulted"] == 2 or endpoint == "token"


def test_persistent_outage_fails_the_round_with_a_plain_message_then_resumes(
    workspace: Workspace, gmail: FakeGmail, account: MailAccount, options: ClientOptions
) -> None:
    for _ in range(3):
        gmail.add_message(ME, make_raw())
    gmail.fail_next("*", 503, count=100)
    outcome = sync_once(options)
    assert "busy or failing (HTTP 503" in outcome[0].error
    health = mail.sync_health(workspace.user)[0]
    assert "503" in health.last_error
    gmail.faults.clear()
    assert sync_once(options)[0].error == ""
    assert MailMessage.select().count() == 3


def test_quota_is_respected_and_429_backs_off(
    workspace: Workspace, gmail: FakeGmail, account: MailAccount, options: ClientOptions
) -> None:
    for _ in range(30):
        gmail.add_message(ME, make_raw())
    gmail.quota = 60  # units per second: 12 gets per second
    for box in gmail.users.values():
        box.bucket = 60
    MailAccount.update(quota_units_per_second=60).where(MailAccount.id == account.id).execute()

    run_round(MailAccount.get_by_id(account.id), options)

    assert MailMessage.select().count() == 30
    assert gmail.rate_limited == 0  # the client stayed inside the quota

    # a client that believes it may spend more gets 429s, backs off, and still finishes
    for _ in range(20):
        gmail.add_message(ME, make_raw())
    MailAccount.update(quota_units_per_second=400).where(MailAccount.id == account.id).execute()
    run_round(MailAccount.get_by_id(account.id), options)
    assert MailMessage.select().count() == 50


def test_quota_limiter_bursts_one_second_then_keeps_the_rate() -> None:
    from desktopcrm.sync.google_http import Cancelled

    now = [0.0]
    limiter = QuotaLimiter(100, headroom=1.0, clock=lambda: now[0])
    stopped = threading.Event()
    stopped.set()  # a wait raises Cancelled instead of sleeping: shows when it would wait
    for _ in range(20):
        limiter.acquire(5, stopped)  # one second's units at once
    with pytest.raises(Cancelled):
        limiter.acquire(5, stopped)
    spent = 100
    for step in range(1, 201):  # then never more than the rate: 5 units per 0.05 s
        now[0] = step * 0.05
        limiter.acquire(5, stopped)
        spent += 5
        with pytest.raises(Cancelled):
            limiter.acquire(5, stopped)
    assert spent == 100 + 100 * now[0]  # over 10 s: the burst plus 100 units a second

    limiter.pause(2.0)  # a 429: nothing for 2 s, then from an empty bucket
    now[0] += 1.9
    with pytest.raises(Cancelled):
        limiter.acquire(5, stopped)
    now[0] += 0.1 + 0.05
    limiter.acquire(5, stopped)
    assert limiter.available < 1


def test_revoked_sign_in_asks_to_sign_in_again(
    workspace: Workspace, gmail: FakeGmail, account: MailAccount, options: ClientOptions
) -> None:
    gmail.revoke(ME)
    with pytest.raises(AuthError, match="Sign in again"):
        run_round(account, options)
    outcome = sync_once(options)
    assert "Sign in again" in outcome[0].error
    assert MailAccount.get_by_id(account.id).state is SyncState.NEEDS_SIGN_IN


def test_fail_only_keyring_gives_a_plain_message(workspace: Workspace) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(FailKeyring())
    try:
        with pytest.raises(KeyringUnavailable, match="GNOME Keyring or KWallet"):
            check_keyring()
        with pytest.raises(KeyringUnavailable, match="PYTHON_KEYRING_BACKEND"):
            add_account(workspace.user, ME, client_id="c", client_secret="s", refresh_token="t")
        assert MailAccount.select().count() == 0  # nothing half-connected
    finally:
        keyring.set_keyring(previous)


def test_missing_token_in_keyring_is_reported(
    workspace: Workspace, gmail: FakeGmail, account: MailAccount, options: ClientOptions
) -> None:
    keyring.delete_password("DesktopCRM Google", ME)
    outcome = sync_once(options)
    assert "keyring holds no Google sign-in" in outcome[0].error


def test_accounts_have_their_own_queues_side_by_side(
    workspace: Workspace, gmail: FakeGmail, account: MailAccount, options: ClientOptions
) -> None:
    other = "other@example.com"
    gmail.add_user(other, refresh_token="refresh-other")
    add_account(
        workspace.user, other, client_id="c", client_secret="s", refresh_token="refresh-other"
    )
    for _ in range(3):
        gmail.add_message(ME, make_raw())
        gmail.add_message(other, make_raw(to=other))
    seen: list[tuple[str, str]] = []
    manager = SyncManager(options=options, on_change=lambda s: seen.append((s.email, s.activity)))
    manager.start(periodic=False)
    try:
        manager.sync_now()
        assert manager.wait_idle(30)
        status = manager.status()
        assert {s.email for s in status.values()} == {ME, other}
        assert all(s.last_result and s.last_result.added == 3 for s in status.values())
        assert (ME, "syncing") in seen and (other, "syncing") in seen
        threads = {w.thread.name for w in manager.queues.values()}
        assert threads == {f"mail-{ME}", f"mail-{other}"}
    finally:
        manager.stop()
    assert MailMessage.select().count() == 6


def test_check_reports_and_fills_gaps(
    workspace: Workspace, gmail: FakeGmail, account: MailAccount, options: ClientOptions
) -> None:
    ids = [gmail.add_message(ME, make_raw()) for _ in range(3)]
    run_round(account, options)
    MailMessage.delete().where(MailMessage.gmail_id == ids[0]).execute()  # a gap
    sync = make_sync(MailAccount.get_by_id(account.id), options, threading.Event())
    report = sync.check()
    assert report.missing_locally == [ids[0]] and not report.ok
    assert sync.check(fix=True).fetched == 1
    assert sync.check().ok


def test_offline_round_keeps_state(
    workspace: Workspace, gmail: FakeGmail, account: MailAccount, options: ClientOptions
) -> None:
    gmail.stop()
    with pytest.raises(NetworkError, match="could not be reached"):
        run_round(account, options)
