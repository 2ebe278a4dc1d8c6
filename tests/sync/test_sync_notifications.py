"""'Sync problems' notifications from real sync rounds against the fake Gmail server: a revoked
sign-in notifies its user once however often the rounds fail, again only after a round
succeeded in between; rate-limited rounds notify only once nothing has synced for an hour;
a passing network outage does not; Off posts nothing; other users are not told."""

from __future__ import annotations

import datetime as dt

from desktopcrm.models.mail import MailAccount
from desktopcrm.models.notifications import Delivery, NotificationKind
from desktopcrm.services import notifications, users
from desktopcrm.services.sync_notifications import check_accounts, sign_in_title
from desktopcrm.services.workspace import Workspace
from desktopcrm.sync.manager import ClientOptions, sync_once
from tests.sync.conftest import ME, make_raw
from tests.sync.fake_gmail import FakeGmail


def titles(entries: list[notifications.Entry]) -> list[str]:
    return [e.title for e in entries]


def test_a_revoked_sign_in_notifies_once_until_resolved(
    workspace: Workspace, gmail: FakeGmail, account: MailAccount, options: ClientOptions
) -> None:
    me = workspace.user
    gmail.add_message(ME, make_raw())
    assert sync_once(options)[0].error == ""
    assert check_accounts(me) == []  # all well

    gmail.revoke(ME)
    assert "Sign in again" in sync_once(options)[0].error
    [entry] = check_accounts(me)
    assert (entry.kind, entry.title) == ("sync_problem", sign_in_title(ME))
    assert "Sign in again" in entry.body and "Settings › Mail accounts" in entry.body
    assert entry.delivery == "app"  # the default for sync problems
    assert sync_once(options)[0].error  # failing again and again: still one entry
    assert check_accounts(me) == []
    assert titles(notifications.recent(me)) == [sign_in_title(ME)]

    # signed in again (a new token), a round succeeds: resolved; a new revocation notifies
    gmail.users[ME].refresh_token = "refresh-me"
    MailAccount.update(sync_state="incremental").where(MailAccount.id == account.id).execute()
    assert sync_once(options)[0].error == ""
    assert check_accounts(me) == []
    gmail.revoke(ME)
    assert sync_once(options)[0].error
    assert titles(check_accounts(me)) == [sign_in_title(ME)]
    assert len(notifications.recent(me)) == 2


def test_quota_used_up_for_an_hour_notifies(
    workspace: Workspace, gmail: FakeGmail, account: MailAccount, options: ClientOptions
) -> None:
    me = workspace.user
    gmail.add_message(ME, make_raw())
    gmail.fail_next("*", 429, count=1000)
    error = sync_once(options)[0].error
    assert "HTTP 429" in error
    assert check_accounts(me) == []  # never synced, but only just started failing

    # the last success was two hours ago and every round since hit the limit
    two_hours_ago = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(hours=2)
    MailAccount.update(last_sync_at=two_hours_ago, created_at=two_hours_ago).where(
        MailAccount.id == account.id
    ).execute()
    assert sync_once(options)[0].error
    [entry] = check_accounts(me)
    assert entry.title == f"Gmail keeps refusing to sync {ME}: quota used up"
    assert entry.body.startswith("Nothing has synced for 2 hours")
    assert sync_once(options)[0].error
    assert check_accounts(me) == []  # once per problem

    # a network outage is not a quota problem; after a success nothing is pending
    gmail.faults.clear()
    assert sync_once(options)[0].error == ""
    gmail.fail_next("*", 503, count=1000)
    assert "HTTP 503" in sync_once(options)[0].error
    assert check_accounts(me) == []


def test_off_posts_nothing_and_others_are_not_told(
    workspace: Workspace, gmail: FakeGmail, account: MailAccount, options: ClientOptions
) -> None:
    me = workspace.user
    rita = users.create_user(me, "Rita Rep", profile=users.Profile.USER)
    gmail.revoke(ME)
    assert sync_once(options)[0].error
    assert check_accounts(rita) == []  # not her account
    notifications.set_preference(me, NotificationKind.SYNC_PROBLEM, Delivery.OFF)
    assert check_accounts(me) == []
    assert notifications.recent(me) == []
    notifications.set_preference(me, NotificationKind.SYNC_PROBLEM, Delivery.DESKTOP)
    [entry] = check_accounts(me)
    assert entry.desktop
