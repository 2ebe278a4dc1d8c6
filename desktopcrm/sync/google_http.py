"""HTTP to Google: a transport handed in by the caller, token refresh, quota and back-off.

``GoogleClient`` is what the Gmail sync talks through. It takes its ``Transport`` and timeout
in the constructor (tests hand in the address of a local fake server through
``DESKTOPCRM_GOOGLE_API_URL`` / ``DESKTOPCRM_GOOGLE_TOKEN_URL``; nothing is patched), refreshes
the access token from the refresh token when needed, spends the account's quota through a
``QuotaLimiter`` before each call, and backs off with jitter on 429, 5xx, timeouts and
connection resets, honouring ``Retry-After``. A call that may have taken effect when it failed
(a send) is not retried here: the outbox decides (``AmbiguousError``).

Errors are ``GoogleError`` subclasses whose message says what happened and what to do.
"""

from __future__ import annotations

import json
import logging
import os
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import IO, Any, Protocol
from urllib.parse import urlencode

log = logging.getLogger("desktopcrm.sync.google")

API_URL_ENV = "DESKTOPCRM_GOOGLE_API_URL"
TOKEN_URL_ENV = "DESKTOPCRM_GOOGLE_TOKEN_URL"
DEFAULT_API_URL = "https://gmail.googleapis.com"
DEFAULT_TOKEN_URL = "https://oauth2.googleapis.com/token"
GMAIL_SCOPE = "https://www.googleapis.com/auth/gmail.modify"

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
STREAM_CHUNK = 256 * 1024  # bytes read at a time from a streamed answer


def api_url() -> str:
    """The API root: ``DESKTOPCRM_GOOGLE_API_URL`` or Google's."""
    return (os.environ.get(API_URL_ENV) or DEFAULT_API_URL).rstrip("/")


def token_url() -> str:
    """The OAuth token endpoint: ``DESKTOPCRM_GOOGLE_TOKEN_URL`` or Google's."""
    return os.environ.get(TOKEN_URL_ENV) or DEFAULT_TOKEN_URL


# --------------------------------------------------------------------------- errors


class GoogleError(Exception):
    """A problem talking to Google; ``str()`` is a message for the user."""


class NetworkError(GoogleError):
    """Google could not be reached (offline, timeouts, resets, 5xx) after retrying."""


class AuthError(GoogleError):
    """Google refused the account's sign-in: revoked or expired token, missing permission."""


class ApiError(GoogleError):
    """Google answered with an error that retrying does not fix."""

    def __init__(self, message: str, status: int = 0, reason: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason


class NotFoundError(ApiError):
    """404: the message, or the history start point, is gone."""


class AmbiguousError(NetworkError):
    """A call that changes something failed in a way that leaves open whether it happened."""


class Cancelled(GoogleError):
    """The user (or shutdown) stopped the work."""

    def __init__(self) -> None:
        super().__init__("Stopped.")


# --------------------------------------------------------------------------- transport


class TransportError(Exception):
    """The request did not get an HTTP answer (connection refused or reset, timeout)."""

    def __init__(self, message: str, *, timeout: bool = False, sent: bool = True) -> None:
        super().__init__(message)
        self.timeout = timeout
        self.sent = sent  # the request may have reached the server


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"{}")


class Transport(Protocol):
    """Sends one HTTP request; raises ``TransportError`` when no answer came."""

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        body: bytes | None,
        timeout: float,
    ) -> HttpResponse: ...


class RequestsTransport:
    """HTTP over ``requests``, one session (connection pool) per thread."""

    def __init__(self) -> None:
        self._local = threading.local()

    def _session(self) -> Any:
        session = getattr(self._local, "session", None)
        if session is None:
            import requests

            session = requests.Session()
            self._local.session = session
        return session

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        body: bytes | None,
        timeout: float,
    ) -> HttpResponse:
        import requests

        try:
            answer = self._session().request(
                method, url, headers=dict(headers), data=body, timeout=timeout
            )
        except requests.exceptions.RequestException as exc:
            raise transport_error(exc, timeout) from exc
        return HttpResponse(answer.status_code, dict(answer.headers), answer.content)

    def request_to_file(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        body: bytes | None,
        timeout: float,
        sink: IO[bytes],
    ) -> HttpResponse:
        """Like ``request``, but a successful answer's body is streamed into ``sink`` (the
        returned body is then empty), so a large download never sits in memory."""
        import requests

        try:
            answer = self._session().request(
                method, url, headers=dict(headers), data=body, timeout=timeout, stream=True
            )
            with answer:
                if answer.status_code >= 300:
                    return HttpResponse(answer.status_code, dict(answer.headers), answer.content)
                for chunk in answer.iter_content(STREAM_CHUNK):
                    sink.write(chunk)
                return HttpResponse(answer.status_code, dict(answer.headers), b"")
        except requests.exceptions.RequestException as exc:
            raise transport_error(exc, timeout) from exc


def transport_error(exc: Exception, timeout: float) -> TransportError:
    """What a failed ``requests`` call means for the sync: timed out, and whether the request
    may have reached the server (``sent``: a retry must then not repeat it blindly)."""
    import requests

    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return TransportError(f"connection timed out ({exc})", timeout=True, sent=False)
    if isinstance(exc, requests.exceptions.Timeout):
        return TransportError(f"no answer in {timeout:g} s", timeout=True)
    if isinstance(exc, requests.exceptions.ConnectionError):
        text = str(exc)
        sent = not ("Failed to establish" in text or "Name or service" in text)
        return TransportError(f"connection failed ({text[:200]})", sent=sent)
    return TransportError(str(exc)[:200])


# --------------------------------------------------------------------------- quota


class QuotaLimiter:
    """Keeps an account's calls under ``units_per_second`` the way Gmail counts them.

    Gmail's per-user limit is a moving average that allows short bursts: a bucket that holds
    one second's units and refills continuously at ``units_per_second``. Spending through one
    limiter per account keeps every worker thread of the account inside it: in the long run
    at most the rate, and a round of a few hundred units (100 new messages) goes at once
    instead of waiting for the next second's window. ``headroom`` leaves a little for timing
    differences between here and Google.
    """

    def __init__(
        self,
        units_per_second: float,
        *,
        headroom: float = 0.97,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = max(1.0, units_per_second * headroom)
        self._clock = clock
        self._tokens = self.limit
        self._at = clock()  # when ``_tokens`` was counted (in the future while paused)
        self._lock = threading.Lock()

    @property
    def available(self) -> float:
        """Units that may be spent now."""
        with self._lock:
            self._refill(self._clock())
            return self._tokens

    def _refill(self, now: float) -> None:
        if now > self._at:
            self._tokens = min(self.limit, self._tokens + (now - self._at) * self.limit)
            self._at = now

    def acquire(self, units: int, cancel: threading.Event | None = None) -> None:
        """Wait until ``units`` are in the bucket, then spend them."""
        units = min(units, int(self.limit))
        while True:
            with self._lock:
                now = self._clock()
                self._refill(now)
                if self._tokens >= units - 1e-9 and now >= self._at:
                    self._tokens -= units
                    return
                wait = max(0.0, self._at - now) + max(0.0, units - self._tokens) / self.limit
            if cancel is not None and cancel.wait(max(wait, 0.001)):
                raise Cancelled()
            if cancel is None:
                time.sleep(max(wait, 0.001))

    def pause(self, seconds: float) -> None:
        """Google said "slow down": spend nothing for ``seconds``, then start from empty."""
        with self._lock:
            now = self._clock()
            self._refill(now)
            self._tokens = 0.0
            self._at = max(self._at, now + seconds)


# --------------------------------------------------------------------------- client


@dataclass(frozen=True)
class Credentials:
    """What refreshes an access token: the OAuth client and the account's refresh token."""

    client_id: str
    client_secret: str
    refresh_token: str


@dataclass
class RetryPolicy:
    """How often and how long to back off (tests shorten it)."""

    attempts: int = 6
    base_delay: float = 1.0
    max_delay: float = 60.0
    jitter: Callable[[], float] = field(default=random.random)

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.max_delay)
        ceiling = min(self.max_delay, self.base_delay * (2**attempt))
        return ceiling * (0.5 + 0.5 * self.jitter())


class GoogleClient:
    """Authorised, rate-limited, retrying JSON calls to one Google account.

    Thread-safe: the transport keeps a connection per thread and the token is refreshed under
    a lock, so an account's workers may share one client.
    """

    def __init__(
        self,
        credentials: Credentials,
        *,
        transport: Transport | None = None,
        api_root: str | None = None,
        token_endpoint: str | None = None,
        timeout: float = 30.0,
        limiter: QuotaLimiter | None = None,
        retry: RetryPolicy | None = None,
        cancel: threading.Event | None = None,
    ) -> None:
        self.credentials = credentials
        self.transport = transport or RequestsTransport()
        self.api_root = (api_root or api_url()).rstrip("/")
        self.token_endpoint = token_endpoint or token_url()
        self.timeout = timeout
        self.limiter = limiter
        self.retry = retry or RetryPolicy()
        self.cancel = cancel or threading.Event()
        self._token = ""
        self._token_expires = 0.0
        self._token_lock = threading.Lock()
        self.calls = 0
        self.retries = 0

    # ------------------------------------------------------------------ tokens

    def access_token(self, *, force: bool = False) -> str:
        with self._token_lock:
            if force or not self._token or time.monotonic() > self._token_expires - 60:
                self._refresh()
            return self._token

    def _refresh(self) -> None:
        body = urlencode(
            {
                "grant_type": "refresh_token",
                "refresh_token": self.credentials.refresh_token,
                "client_id": self.credentials.client_id,
                "client_secret": self.credentials.client_secret,
            }
        ).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        for attempt in range(self.retry.attempts):
            self._check_cancel()
            try:
                answer = self.transport.request(
                    "POST", self.token_endpoint, headers=headers, body=body, timeout=self.timeout
                )
            except TransportError as exc:
                if attempt + 1 >= self.retry.attempts:
                    raise NetworkError(_offline_message(str(exc))) from exc
                self._sleep(self.retry.delay(attempt, None))
                continue
            if answer.status in RETRY_STATUSES:
                if attempt + 1 < self.retry.attempts:
                    self._sleep(self.retry.delay(attempt, _retry_after(answer)))
                    continue
                raise NetworkError(
                    f"Google's sign-in service is busy or failing (HTTP {answer.status}); "
                    "DesktopCRM will try again at the next sync."
                )
            data = _json_or_empty(answer)
            if answer.status == 200 and data.get("access_token"):
                self._token = str(data["access_token"])
                self._token_expires = time.monotonic() + float(data.get("expires_in", 3600))
                scope = str(data.get("scope", ""))
                if scope and GMAIL_SCOPE not in scope.split() and "mail.google.com" not in scope:
                    raise AuthError(
                        "This Google account did not allow DesktopCRM to read and change its "
                        "mail. Sign in again in Settings > Accounts and tick the Gmail "
                        "permission."
                    )
                return
            if data.get("error") in ("invalid_grant", "unauthorized_client", "invalid_client"):
                raise AuthError(
                    "Google no longer accepts DesktopCRM's access to this account (it was "
                    "revoked, expired, or the OAuth client changed): "
                    f"{data.get('error_description') or data.get('error')}. Sign in again in "
                    "Settings > Accounts."
                )
            raise ApiError(
                f"Google's sign-in service answered {answer.status}: "
                f"{data.get('error_description') or data.get('error') or answer.body[:200]!r}",
                answer.status,
            )
        raise NetworkError(_offline_message("the sign-in service kept failing"))

    # ------------------------------------------------------------------ calls

    def call(
        self,
        method: str,
        path: str,
        *,
        cost: int,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        idempotent: bool = True,
    ) -> dict[str, Any]:
        """One API call (``path`` under the API root); returns the JSON answer.

        Args:
            cost: the call's quota units, spent before sending.
            idempotent: False for calls that must not run twice (send): those are not retried
                after a failure that may have taken effect (``AmbiguousError``).
        """
        return _json_or_empty(self._call(method, path, cost, params, body, idempotent, None))

    def call_to_file(
        self,
        method: str,
        path: str,
        sink: IO[bytes],
        *,
        cost: int,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        """One idempotent API call whose (large) JSON answer is streamed into ``sink``.

        ``sink`` is emptied before each attempt, so after a retry it holds one whole answer.
        A transport without ``request_to_file`` is read whole and written to ``sink``.
        """
        self._call(method, path, cost, params, None, True, sink)

    def _send(
        self, method: str, url: str, headers: dict[str, str], data: bytes | None, sink: Any
    ) -> HttpResponse:
        if sink is None:
            return self.transport.request(
                method, url, headers=headers, body=data, timeout=self.timeout
            )
        sink.seek(0)
        sink.truncate()
        streamed = getattr(self.transport, "request_to_file", None)
        if streamed is not None:
            answer: HttpResponse = streamed(
                method, url, headers=headers, body=data, timeout=self.timeout, sink=sink
            )
            return answer
        answer = self.transport.request(
            method, url, headers=headers, body=data, timeout=self.timeout
        )
        if answer.status < 300:
            sink.write(answer.body)
        return answer

    def _call(
        self,
        method: str,
        path: str,
        cost: int,
        params: Mapping[str, Any] | None,
        body: Any,
        idempotent: bool,
        sink: IO[bytes] | None,
    ) -> HttpResponse:
        url = self.api_root + path
        if params:
            url += "?" + urlencode(params, doseq=True)
        data = None if body is None else json.dumps(body).encode()
        refreshed = False
        attempt = 0
        while True:
            self._check_cancel()
            if self.limiter is not None:
                self.limiter.acquire(cost, self.cancel)
            headers = {"Authorization": f"Bearer {self.access_token()}"}
            if data is not None:
                headers["Content-Type"] = "application/json"
            self.calls += 1
            try:
                answer = self._send(method, url, headers, data, sink)
            except TransportError as exc:
                if not idempotent and exc.sent:
                    raise AmbiguousError(
                        f"The connection to Google broke during the request ({exc})."
                    ) from exc
                attempt = self._next_attempt(attempt, None, _offline_message(str(exc)))
                continue
            if answer.status == 401 and not refreshed:
                refreshed = True
                self.access_token(force=True)
                continue
            if answer.status < 300:
                return answer
            reason = _reason(answer)
            rate_limited = answer.status == 429 or (answer.status == 403 and reason in RATE_REASONS)
            if rate_limited or answer.status in RETRY_STATUSES:
                retry_after = _retry_after(answer)
                if rate_limited and self.limiter is not None:
                    self.limiter.pause(retry_after or 1.0)
                if not idempotent and not rate_limited:
                    raise AmbiguousError(f"Google answered {answer.status} ({reason}).")
                attempt = self._next_attempt(
                    attempt,
                    retry_after,
                    f"Google is busy or failing (HTTP {answer.status} {reason}); "
                    "DesktopCRM will try again at the next sync.",
                )
                continue
            raise _api_error(answer, reason)

    def _next_attempt(self, attempt: int, retry_after: float | None, message: str) -> int:
        if attempt + 1 >= self.retry.attempts:
            raise NetworkError(message)
        self.retries += 1
        self._sleep(self.retry.delay(attempt, retry_after))
        return attempt + 1

    def _sleep(self, seconds: float) -> None:
        if self.cancel.wait(seconds):
            raise Cancelled()

    def _check_cancel(self) -> None:
        if self.cancel.is_set():
            raise Cancelled()


def _json_or_empty(answer: HttpResponse) -> dict[str, Any]:
    try:
        data = answer.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _reason(answer: HttpResponse) -> str:
    error = _json_or_empty(answer).get("error")
    if isinstance(error, dict):
        errors = error.get("errors") or [{}]
        return str(errors[0].get("reason") or error.get("status") or "")
    return str(error or "")


def _retry_after(answer: HttpResponse) -> float | None:
    value = {k.lower(): v for k, v in answer.headers.items()}.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _api_error(answer: HttpResponse, reason: str) -> GoogleError:
    error = _json_or_empty(answer).get("error")
    text = error.get("message", "") if isinstance(error, dict) else str(error or "")
    if answer.status == 404:
        return NotFoundError(f"Gmail no longer has this ({text}).", 404, reason)
    if answer.status == 403 and reason in ("insufficientPermissions", "forbidden"):
        return AuthError(
            "DesktopCRM lacks the permission to read and change this account's mail. Sign in "
            "again in Settings > Accounts and allow Gmail access."
        )
    if answer.status == 401:
        return AuthError(
            "Google refused the account's sign-in. Sign in again in Settings > Accounts."
        )
    return ApiError(
        f"Gmail refused the request (HTTP {answer.status}: {text}).", answer.status, reason
    )


def _offline_message(detail: str) -> str:
    return (
        f"Google could not be reached ({detail}). Check the network connection; DesktopCRM "
        "keeps what is waiting and tries again."
    )
