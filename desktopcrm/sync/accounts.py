"""Google accounts: the refresh token in the OS keyring, the OAuth sign-in, the account row.

The refresh token is the only secret and lives only in the keyring (service
``KEYRING_SERVICE``, user name = the account's email). A keyring that cannot keep secrets
(``fail`` / ``null`` backends, no backend at all) is detected up front with a message saying
what to install or set. keyring's own ``PYTHON_KEYRING_BACKEND`` picks the backend.

``sign_in`` runs Google's installed-app flow (loopback redirect with PKCE, through
google-auth-oauthlib): it opens the browser and waits, so run it off the GUI thread.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable
from typing import Any

from desktopcrm.models import User
from desktopcrm.models.mail import MailAccount, SyncState
from desktopcrm.services.errors import ValidationError
from desktopcrm.sync.google_http import GMAIL_SCOPE, AuthError, Credentials, GoogleError

KEYRING_SERVICE = "DesktopCRM Google"
CLIENT_ID_ENV = "DESKTOPCRM_GOOGLE_CLIENT_ID"
CLIENT_SECRET_ENV = "DESKTOPCRM_GOOGLE_CLIENT_SECRET"
_UNSAFE_BACKENDS = ("keyring.backends.fail", "keyring.backends.null")


class KeyringUnavailable(GoogleError):
    """No keyring that can keep the sign-in safely."""


def _keyring_problem(backend: Any) -> str | None:
    module = type(backend).__module__
    if module.startswith(_UNSAFE_BACKENDS):
        return f"the only keyring available is {type(backend).__name__}, which keeps nothing"
    if module.startswith("keyring.backends.chainer"):
        inner = getattr(backend, "backends", [])
        if not inner:
            return "no keyring backend is installed"
    return None


def check_keyring() -> None:
    """Raise ``KeyringUnavailable`` (with what to do) unless secrets can be stored."""
    import keyring

    try:
        backend = keyring.get_keyring()
    except Exception as exc:  # a broken PYTHON_KEYRING_BACKEND raises anything
        raise KeyringUnavailable(
            _keyring_advice(f"the keyring could not be loaded ({exc})")
        ) from exc
    problem = _keyring_problem(backend)
    if problem:
        raise KeyringUnavailable(_keyring_advice(problem))


def _keyring_advice(problem: str) -> str:
    return (
        f"DesktopCRM keeps the Google sign-in in the system keyring, but {problem}. On Linux "
        "install and unlock GNOME Keyring or KWallet (the Secret Service), on Windows and "
        "macOS the built-in one is used; or set PYTHON_KEYRING_BACKEND to a keyring backend "
        "that works here. Then connect the account again."
    )


def store_refresh_token(email: str, token: str) -> None:
    import keyring
    from keyring.errors import KeyringError

    check_keyring()
    try:
        keyring.set_password(KEYRING_SERVICE, email.lower(), token)
    except KeyringError as exc:
        raise KeyringUnavailable(_keyring_advice(f"storing failed ({exc})")) from exc


def load_refresh_token(email: str) -> str:
    """The account's refresh token; ``AuthError`` when the keyring has none."""
    import keyring
    from keyring.errors import KeyringError

    check_keyring()
    try:
        token = keyring.get_password(KEYRING_SERVICE, email.lower())
    except KeyringError as exc:
        raise KeyringUnavailable(_keyring_advice(f"reading failed ({exc})")) from exc
    if not token:
        raise AuthError(
            f"The keyring holds no Google sign-in for {email} (it was removed, or this is "
            "another computer). Sign in again in Settings > Accounts."
        )
    return token


def delete_refresh_token(email: str) -> None:
    import keyring
    from keyring.errors import KeyringError, PasswordDeleteError

    with contextlib.suppress(PasswordDeleteError, KeyringError):
        keyring.delete_password(KEYRING_SERVICE, email.lower())


def app_client() -> tuple[str, str]:
    """The app's own OAuth client (from the environment or packaging), or ("", "")."""
    return os.environ.get(CLIENT_ID_ENV, ""), os.environ.get(CLIENT_SECRET_ENV, "")


def add_account(
    user: User,
    email: str,
    *,
    client_id: str,
    client_secret: str,
    refresh_token: str,
    quota_units_per_second: int | None = None,
) -> MailAccount:
    """Connect (or reconnect) an account: token into the keyring, account row for ``user``."""
    email = email.strip().lower()
    if "@" not in email:
        raise ValidationError("email", "Enter the Google account's email address.")
    if not client_id:
        raise ValidationError(
            "client_id", "Enter the OAuth client id (your own, or the app's when it has one)."
        )
    if not refresh_token:
        raise ValidationError("refresh_token", "Enter the refresh token from the Google sign-in.")
    store_refresh_token(email, refresh_token)
    account = MailAccount.get_or_none(MailAccount.email == email)
    if account is None:
        account = MailAccount(email=email, user=user)
    if account.is_deleted:
        account.restore()
    account.user = user
    account.client_id = client_id
    account.client_secret = client_secret
    if quota_units_per_second is not None:
        if quota_units_per_second < 10:
            raise ValidationError("quota", "The quota must be at least 10 units per second.")
        account.quota_units_per_second = quota_units_per_second
    if account.sync_state == SyncState.NEEDS_SIGN_IN.value:
        account.sync_state = SyncState.INCREMENTAL.value if account.history_id else "new"
    account.save()
    return account


def remove_account(user: User, account_id: uuid.UUID) -> None:
    """Disconnect: forget the token; the account's stored mail goes with the row."""
    account = MailAccount.get_by_id(account_id)
    delete_refresh_token(account.email)
    account.delete_instance()


def credentials_for(account: MailAccount) -> Credentials:
    return Credentials(account.client_id, account.client_secret, load_refresh_token(account.email))


def sign_in(
    client_id: str,
    client_secret: str,
    *,
    open_browser: bool = True,
    on_url: Callable[[str], None] | None = None,
    timeout_seconds: int = 300,
) -> tuple[str, str]:
    """Google's installed-app sign-in (loopback redirect, PKCE). Blocks until the user
    answers in the browser: run it in a worker. Returns (refresh token, granted scopes)."""
    from google_auth_oauthlib.flow import InstalledAppFlow

    config = {
        "installed": {
            "client_id": client_id,
            "client_secret": client_secret,
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": os.environ.get("DESKTOPCRM_GOOGLE_TOKEN_URL")
            or "https://oauth2.googleapis.com/token",
            "redirect_uris": ["http://localhost"],
        }
    }
    flow = InstalledAppFlow.from_client_config(
        config, scopes=[GMAIL_SCOPE], autogenerate_code_verifier=True
    )
    message = "Open this address to connect your Google account: {url}"
    if on_url is not None:
        original = flow.authorization_url

        def announce(**kwargs: Any) -> Any:
            url, state = original(**kwargs)
            on_url(url)
            return url, state

        flow.authorization_url = announce
    credentials = flow.run_local_server(
        host="127.0.0.1",
        port=0,
        open_browser=open_browser,
        authorization_prompt_message=message,
        timeout_seconds=timeout_seconds,
        access_type="offline",
        prompt="consent",
    )
    if not credentials.refresh_token:
        raise AuthError("Google did not hand out a refresh token. Try connecting again.")
    scopes = " ".join(credentials.granted_scopes or credentials.scopes or [])
    if scopes and GMAIL_SCOPE not in scopes.split() and "mail.google.com" not in scopes:
        raise AuthError(
            "The Gmail permission was not granted. Connect again and tick the box that lets "
            "DesktopCRM read, compose and send mail."
        )
    return str(credentials.refresh_token), scopes
