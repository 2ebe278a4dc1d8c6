"""The open-tracking endpoint this computer uses: its address in the settings, its secret in
the OS keyring (service ``TRACKING_KEYRING_SERVICE``, user name = the address).

Tracking is on only when both are there: ``tracking_client`` is None otherwise, and sent mail
then carries no pixel. ``poll_opens`` asks the endpoint for the counts that changed since the
last poll and stores them on the Sent messages.
"""

from __future__ import annotations

from desktopcrm.services.mail import set_open_counts
from desktopcrm.settings import Settings
from desktopcrm.sync.accounts import KeyringUnavailable, _keyring_advice, check_keyring
from desktopcrm.sync.tracking_client import TrackingClient

TRACKING_KEYRING_SERVICE = "DesktopCRM tracking"


def tracking_url(settings: Settings) -> str:
    return str(settings.get("tracking_url") or "")


def tracking_client(settings: Settings, *, timeout: float = 10.0) -> TrackingClient | None:
    """The configured endpoint's client, or None when tracking is off (no address, or no
    secret on this computer). Reads the keyring: call it off the GUI thread."""
    url = tracking_url(settings)
    if not url:
        return None
    secret = load_secret(url)
    if not secret:
        return None
    return TrackingClient(url, secret, timeout=timeout)


def load_secret(url: str) -> str:
    import keyring
    from keyring.errors import KeyringError

    check_keyring()
    try:
        return keyring.get_password(TRACKING_KEYRING_SERVICE, url) or ""
    except KeyringError as exc:
        raise KeyringUnavailable(_keyring_advice(f"reading failed ({exc})")) from exc


def save_tracking(settings: Settings, url: str, secret: str) -> TrackingClient:
    """Check the address and secret (``ValueError`` says what is wrong), keep the secret in
    the keyring and the address in the settings; returns the client."""
    client = TrackingClient(url, secret)
    import keyring
    from keyring.errors import KeyringError

    check_keyring()
    try:
        keyring.set_password(TRACKING_KEYRING_SERVICE, client.base_url, secret.strip())
    except KeyringError as exc:
        raise KeyringUnavailable(_keyring_advice(f"storing failed ({exc})")) from exc
    if tracking_url(settings) != client.base_url:
        settings.set("tracking_cursor", "")
    settings.set("tracking_url", client.base_url)
    return client


def clear_tracking(settings: Settings) -> None:
    """Turn tracking off on this computer (the secret leaves the keyring)."""
    import contextlib

    import keyring
    from keyring.errors import KeyringError, PasswordDeleteError

    url = tracking_url(settings)
    if url:
        with contextlib.suppress(PasswordDeleteError, KeyringError):
            keyring.delete_password(TRACKING_KEYRING_SERVICE, url)
    settings.set("tracking_url", "")
    settings.set("tracking_cursor", "")


def poll_opens(client: TrackingClient, cursor: str) -> tuple[int, str]:
    """Fetch the open counts changed since ``cursor`` (the settings' ``tracking_cursor``)
    and store them; returns how many Sent messages changed and the cursor to keep.
    Raises ``TrackingError`` when the endpoint cannot be asked."""
    answer = client.fetch_opens(cursor)
    updated = set_open_counts(answer.counts) if answer.counts else 0
    return updated, answer.cursor
