"""The "Sync problems" notifications: a mail account whose sync needs its user.

Read from the accounts' rows, where the sync (``desktopcrm.sync``, a window's ``MailSync`` or
``desktopcrm sync --once`` in another process) records how its rounds went, so nothing in
the sync has to call here:

- **sign in again**: the account's state is ``needs_sign_in`` (access revoked, a scope
  missing, the token gone from the keyring, no usable keyring);
- **quota used up**: the last round failed on Google's rate limit (HTTP 429 or a
  ``rateLimitExceeded`` answer, after the client's own back-off) and nothing has synced for
  ``QUOTA_PATIENCE``: a single 429 is routine, an hour of them is not.

Each problem notifies its account's user (an office account without one: the admins) at
most once until it is resolved: an episode is keyed by the account's last successful sync, so
the same problem is never posted again until a round succeeds; after that, a new failure is a
new problem. The notification centre runs ``check_accounts`` with every check.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from desktopcrm.models import User, utcnow
from desktopcrm.models.mail import MailAccount, SyncState
from desktopcrm.models.notifications import Notification, NotificationKind
from desktopcrm.services import notifications
from desktopcrm.services.notifications import Entry

#: How long rate-limited rounds may fail before the user is told.
QUOTA_PATIENCE = dt.timedelta(hours=1)
_RATE_MARKS = ("HTTP 429", "rateLimitExceeded", "userRateLimitExceeded")


@dataclass(frozen=True)
class SyncProblem:
    """What the user must act on for one account."""

    account_id: uuid.UUID
    email: str
    kind: str  # "sign_in" or "quota"
    since: dt.datetime | None  # the last successful sync (None: never synced)
    title: str
    body: str

    @property
    def key(self) -> str:
        since = self.since.isoformat() if self.since is not None else "never"
        return f"{self.account_id.hex}:{self.kind}:{since}"


def sign_in_title(email: str) -> str:
    """The title of a sign-in problem (``views.mail_sync`` posts the same words)."""
    return f"Gmail sync needs you: {email}"


def problem_of(account: MailAccount, now: dt.datetime | None = None) -> SyncProblem | None:
    """The problem ``account``'s user must act on, if any."""
    error = str(account.last_error or "")
    since = account.last_sync_at
    if account.sync_state == SyncState.NEEDS_SIGN_IN.value:
        return SyncProblem(
            account.id,
            account.email,
            "sign_in",
            since,
            sign_in_title(account.email),
            "Sign in again in Settings › Mail accounts; mail waits until then."
            + (f" ({error})" if error else ""),
        )
    if error and any(mark in error for mark in _RATE_MARKS):
        failing_since = since or account.created_at
        last = account.last_error_at or now or utcnow()
        if last - failing_since >= QUOTA_PATIENCE:
            hours = int((last - failing_since).total_seconds() // 3600)
            return SyncProblem(
                account.id,
                account.email,
                "quota",
                since,
                f"Gmail keeps refusing to sync {account.email}: quota used up",
                f"Nothing has synced for {hours} hour{'s' if hours != 1 else ''}: Google "
                "answers that this account's quota is used up. If other programs use the "
                "account, lower the quota it allows DesktopCRM in Settings › Mail accounts; "
                "sync goes on by itself once Google accepts again.",
            )
    return None


def _accounts(user: User) -> list[MailAccount]:
    query = MailAccount.live().where(MailAccount.enabled == True)  # noqa: E712
    if user.is_admin:
        query = query.where((MailAccount.user == user.id) | MailAccount.user.is_null())
    else:
        query = query.where(MailAccount.user == user.id)
    return list(query.order_by(MailAccount.email))


def _told_already(user: User, problem: SyncProblem) -> bool:
    """Whether the window's sync posted this sign-in problem already (its own key)."""
    if problem.kind != "sign_in":
        return False
    query = Notification.select().where(
        Notification.user_id == user.id,
        Notification.kind == NotificationKind.SYNC_PROBLEM.value,
        Notification.title == problem.title,
    )
    if problem.since is not None:
        query = query.where(Notification.created_at > problem.since)
    return bool(query.exists())


def check_accounts(user: User, *, now: dt.datetime | None = None) -> list[Entry]:
    """Post the sync problems of ``user``'s accounts not posted before (per the user's
    delivery for sync problems); returns the entries added."""
    added: list[Entry] = []
    for account in _accounts(user):
        problem = problem_of(account, now)
        if problem is None or _told_already(user, problem):
            continue
        added += notifications.post_finished(
            user, "sync", problem.key, problem.title, problem.body, problem=True
        )
    return added
