"""Connecting a Google account from the window: sign in, learn the address, store the account.

``connect_account`` runs the installed-app sign-in (it waits for the user in the browser, so
call it in a worker), asks Gmail whose mailbox the token opens (``users.getProfile``), and
stores the account with its refresh token in the keyring. A keyring that cannot keep secrets
is refused before the browser opens.
"""

from __future__ import annotations

from collections.abc import Callable

from desktopcrm.models import User
from desktopcrm.models.mail import MailAccount
from desktopcrm.sync.accounts import add_account, check_keyring, sign_in
from desktopcrm.sync.gmail_api import GmailApi
from desktopcrm.sync.google_http import AuthError, Credentials, GoogleClient, NetworkError


def connect_account(
    user: User,
    client_id: str,
    client_secret: str,
    *,
    open_browser: bool = True,
    on_url: Callable[[str], None] | None = None,
    quota_units_per_second: int | None = None,
    timeout_seconds: int = 300,
) -> MailAccount:
    """Sign in with Google and connect the account the user chose (or reconnect it).

    Raises:
        KeyringUnavailable: no keyring can keep the sign-in (the text says what to install).
        AuthError: the Gmail permission was not granted, or Google handed out no token.
        ValidationError: no OAuth client id.
        NetworkError: Google could not be reached.
    """
    from desktopcrm.services.errors import ValidationError

    if not client_id.strip():
        raise ValidationError(
            "client_id",
            "Enter your OAuth client id (Google Cloud console › APIs & Services › "
            "Credentials › an OAuth client of type Desktop app).",
        )
    check_keyring()
    refresh_token = _sign_in(client_id, client_secret, open_browser, on_url, timeout_seconds)
    client = GoogleClient(Credentials(client_id.strip(), client_secret.strip(), refresh_token))
    email = str(GmailApi(client).profile().get("emailAddress", ""))
    if not email:
        raise AuthError("Gmail did not say which account this is. Connect again.")
    return add_account(
        user,
        email,
        client_id=client_id.strip(),
        client_secret=client_secret.strip(),
        refresh_token=refresh_token,
        quota_units_per_second=quota_units_per_second,
    )


def _sign_in(
    client_id: str,
    client_secret: str,
    open_browser: bool,
    on_url: Callable[[str], None] | None,
    timeout_seconds: int,
) -> str:
    """``sign_in`` with its library errors turned into messages that say what to do."""
    import requests
    from google_auth_oauthlib.flow import WSGITimeoutError
    from oauthlib.oauth2.rfc6749.errors import AccessDeniedError, OAuth2Error

    try:
        token, _scopes = sign_in(
            client_id.strip(),
            client_secret.strip(),
            open_browser=open_browser,
            on_url=on_url,
            timeout_seconds=timeout_seconds,
        )
    except WSGITimeoutError as exc:
        raise AuthError(
            "Nobody answered in the browser in time. Connect again and finish the Google "
            "sign-in in the browser window that opens."
        ) from exc
    except AccessDeniedError as exc:
        raise AuthError(
            "The sign-in was cancelled in the browser. Connect again and allow DesktopCRM "
            "to read, compose and send mail."
        ) from exc
    except OAuth2Error as exc:
        raise AuthError(
            f"Google refused the sign-in ({exc.error}: {exc.description or 'no details'}). "
            "Check the OAuth client id and secret (a client of type Desktop app) and connect "
            "again."
        ) from exc
    except requests.RequestException as exc:
        raise NetworkError(
            f"Google could not be reached to finish the sign-in ({exc}). Check the network "
            "and connect again."
        ) from exc
    return token


def set_quota(user: User, account_id: object, units_per_second: int) -> MailAccount:
    """Change how many Gmail quota units per second the app may use for the account."""
    from desktopcrm.services.errors import PermissionDenied, ValidationError
    from desktopcrm.services.mail import mail_accounts

    account = next((a for a in mail_accounts(user) if a.id == account_id), None)
    if account is None:
        raise PermissionDenied("This mail account is not yours.")
    if not 10 <= units_per_second <= 250:
        raise ValidationError(
            "quota", "The quota must be between 10 and 250 units per second (Gmail's limit)."
        )
    if account.quota_units_per_second != units_per_second:
        account.quota_units_per_second = units_per_second
        account.save()
    return account
