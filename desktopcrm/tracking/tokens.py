"""Signed pixel tokens and the API key, both derived from the one shared secret.

A token is ``<message id, base64url>.<HMAC-SHA256 of it, 128 bits, base64url>``: the endpoint
checks the signature before counting, so forged or mangled URLs are never counted. The app
and the endpoint share the secret; the API key the app polls with is derived from it too.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

PIXEL_PATH = "/o/"
PIXEL_SUFFIX = ".gif"
MAX_MESSAGE_ID = 500


def new_secret() -> str:
    """A fresh random secret (256 bits, URL-safe text)."""
    return secrets.token_urlsafe(32)


def _key(secret: str, purpose: bytes) -> bytes:
    return hmac.new(secret.strip().encode("utf-8"), purpose, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(secret: str, message_id: str) -> str:
    """The token for ``message_id`` (our Message-ID, without <>)."""
    raw = message_id.strip().strip("<>").encode("utf-8")
    signature = hmac.new(_key(secret, b"pixel"), raw, hashlib.sha256).digest()[:16]
    return f"{_b64(raw)}.{_b64(signature)}"


def verify(secret: str, token: str) -> str | None:
    """The message id a token names, or None when it is malformed or not signed by us."""
    encoded, dot, signature = token.partition(".")
    if not dot or not encoded or len(encoded) > MAX_MESSAGE_ID * 2:
        return None
    try:
        raw = _unb64(encoded)
        given = _unb64(signature)
        message_id = raw.decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    expected = hmac.new(_key(secret, b"pixel"), raw, hashlib.sha256).digest()[:16]
    return message_id if hmac.compare_digest(given, expected) else None


def api_key(secret: str) -> str:
    """The bearer key for ``GET /api/opens`` (knowing it does not allow forging tokens)."""
    return _b64(_key(secret, b"api"))
