"""A local fake of Google's OAuth token endpoint and the Gmail API, over real HTTP.

It follows the documented behaviour the sync relies on: ``messages.list`` newest first with
page tokens, ``labelIds`` / ``q`` (``in:``, ``label:``, ``rfc822msgid:``) and
``includeSpamTrash``; ``messages.get`` in ``raw`` / ``metadata`` / ``minimal``; ``modify``,
``trash``, ``untrash``, ``send`` (keeps the sender's ``Message-ID``, threads by ``threadId``);
``history.list`` with ``messagesAdded``, ``labelsAdded``, ``labelsRemoved``,
``messagesDeleted`` and 404 for a ``startHistoryId`` older than what it retains; a per-user
quota in Gmail's units (a token bucket of ``quota`` units refilled ``quota`` per second) that
answers 429 when spent.

Tests drive it through Python methods: add messages, change labels as if in Gmail, expire
history, inject faults (``fail_next``: status codes with ``Retry-After``, a delay longer than
the client's timeout, a connection reset, optionally after the request took effect), and read
``calls`` (per-endpoint counters) and ``units_spent``.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import itertools
import json
import re
import socket
import struct
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

#: Gmail's documented quota costs per method.
COSTS = {
    "profile": 1,
    "list": 5,
    "get": 5,
    "modify": 5,
    "trash": 5,
    "untrash": 5,
    "send": 100,
    "history": 2,
}

SYSTEM_LABELS = ("INBOX", "SENT", "TRASH", "SPAM", "DRAFT", "UNREAD", "STARRED", "IMPORTANT")


@dataclass
class FakeMessage:
    id: str
    thread_id: str
    raw: bytes
    labels: set[str]
    internal_date: int  # ms since the epoch
    history_id: int
    message_id: str = ""


@dataclass
class Fault:
    """An injected failure for the next matching calls."""

    endpoint: str  # one of COSTS' keys, or "token", or "*"
    status: int = 503  # HTTP status; 0 = no status (see ``kind``)
    kind: str = "status"  # status / timeout / reset
    count: int = 1
    retry_after: float | None = None
    after_effect: bool = False  # apply the request first, then fail (an ambiguous failure)
    delay: float = 0.0
    skip: int = 0  # let this many matching calls through first


@dataclass
class Mailbox:
    email: str
    refresh_token: str
    messages: dict[str, FakeMessage] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)
    history_id: int = 1000
    oldest_history_id: int = 1000  # history before this is gone (404)
    bucket: float = 0.0
    bucket_at: float = 0.0


class FakeGmail:
    """The server and its state; use as a context manager or call ``start``/``stop``."""

    def __init__(self, *, quota: int | None = None, page_size_cap: int = 500) -> None:
        self.quota = quota  # units per second per user; None = unlimited
        self.page_size_cap = page_size_cap
        self.lock = threading.RLock()
        self.users: dict[str, Mailbox] = {}
        self.tokens: dict[str, str] = {}  # access token -> email
        self.faults: list[Fault] = []
        self.calls: Counter[str] = Counter()
        self.units_spent = 0
        self.rate_limited = 0
        self.sent_raw: list[bytes] = []
        self.auth_codes: dict[str, tuple[str, str]] = {}  # code -> (email, granted scope)
        self._ids = itertools.count(0x18A0000000000000)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeGmail:
        fake = self

        class Handler(_Handler):
            server_state = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeGmail:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    @property
    def api_url(self) -> str:
        """What ``DESKTOPCRM_GOOGLE_API_URL`` points at."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def token_url(self) -> str:
        """What ``DESKTOPCRM_GOOGLE_TOKEN_URL`` points at."""
        return f"http://127.0.0.1:{self.port}/token"

    # ------------------------------------------------------------------ test controls

    def add_user(self, email: str, refresh_token: str = "refresh-1") -> Mailbox:
        with self.lock:
            box = Mailbox(email, refresh_token, bucket=float(self.quota or 0))
            box.bucket_at = time.monotonic()
            self.users[email] = box
            return box

    def authorization_code(
        self, email: str, scope: str = "https://www.googleapis.com/auth/gmail.modify"
    ) -> str:
        """A code as Google's consent page hands to the loopback redirect when ``email``
        grants ``scope``; the token endpoint exchanges it once."""
        with self.lock:
            code = "code-" + self.new_id()
            self.auth_codes[code] = (email, scope)
            return code

    def revoke(self, email: str) -> None:
        """The user revoked the app's access: refreshing the token now fails."""
        with self.lock:
            self.users[email].refresh_token = "revoked:" + self.users[email].refresh_token
            self.tokens = {t: e for t, e in self.tokens.items() if e != email}

    def add_message(
        self,
        email: str,
        raw: bytes,
        *,
        labels: tuple[str, ...] = ("INBOX", "UNREAD"),
        thread_id: str | None = None,
        internal_date: int | None = None,
    ) -> str:
        """A message arrives (or is created in Gmail); returns its id."""
        with self.lock:
            box = self.users[email]
            message_id = f"{next(self._ids):x}"
            thread = thread_id or self._thread_for(box, raw) or message_id
            header_id = _header_message_id(raw)
            box.history_id += 1
            message = FakeMessage(
                message_id,
                thread,
                raw,
                set(labels),
                internal_date or int(time.time() * 1000),
                box.history_id,
                header_id,
            )
            box.messages[message_id] = message
            box.history.append(
                {"id": box.history_id, "messagesAdded": [{"message": _short(message)}]}
            )
            return message_id

    def change_labels(
        self, email: str, message_id: str, add: tuple[str, ...] = (), remove: tuple[str, ...] = ()
    ) -> None:
        """Labels change in Gmail (the user archived in the web UI, say)."""
        with self.lock:
            self._modify(self.users[email], message_id, list(add), list(remove))

    def delete_message(self, email: str, message_id: str) -> None:
        """A message is deleted for good in Gmail."""
        with self.lock:
            box = self.users[email]
            message = box.messages.pop(message_id)
            box.history_id += 1
            box.history.append(
                {"id": box.history_id, "messagesDeleted": [{"message": _short(message)}]}
            )

    def expire_history(self, email: str) -> None:
        """Forget all history so far: an older ``startHistoryId`` now gets 404."""
        with self.lock:
            box = self.users[email]
            box.history.clear()
            box.history_id += 1
            box.oldest_history_id = box.history_id

    def fail_next(self, endpoint: str, status: int = 503, **options: Any) -> None:
        """Inject a failure for the next call(s) to ``endpoint`` (see ``Fault``)."""
        with self.lock:
            self.faults.append(Fault(endpoint, status, **options))

    def message(self, email: str, message_id: str) -> FakeMessage:
        return self.users[email].messages[message_id]

    def ids_with_label(self, email: str, label: str) -> set[str]:
        with self.lock:
            return {m.id for m in self.users[email].messages.values() if label in m.labels}

    # ------------------------------------------------------------------ internals

    def _thread_for(self, box: Mailbox, raw: bytes) -> str | None:
        headers = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)
        wanted = set(_ids(str(headers.get("In-Reply-To", ""))))
        wanted.update(_ids(str(headers.get("References", ""))))
        if not wanted:
            return None
        for message in box.messages.values():
            if message.message_id in wanted:
                return message.thread_id
        return None

    def _modify(self, box: Mailbox, message_id: str, add: list[str], remove: list[str]) -> None:
        message = box.messages[message_id]
        added = [label for label in add if label not in message.labels]
        removed = [label for label in remove if label in message.labels]
        message.labels.update(added)
        message.labels.difference_update(removed)
        if added or removed:
            box.history_id += 1
            message.history_id = box.history_id
            record: dict[str, Any] = {"id": box.history_id}
            if added:
                record["labelsAdded"] = [{"message": _short(message), "labelIds": added}]
            if removed:
                record["labelsRemoved"] = [{"message": _short(message), "labelIds": removed}]
            box.history.append(record)

    def take_fault(self, endpoint: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.endpoint in (endpoint, "*"):
                    if fault.skip > 0:
                        fault.skip -= 1
                        return None
                    fault.count -= 1
                    if fault.count <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def spend(self, box: Mailbox, endpoint: str) -> bool:
        """Charge the call to the user's quota; False when the quota is spent (429)."""
        cost = COSTS[endpoint]
        with self.lock:
            self.calls[endpoint] += 1
            if self.quota is not None:
                now = time.monotonic()
                box.bucket = min(float(self.quota), box.bucket + (now - box.bucket_at) * self.quota)
                box.bucket_at = now
                if box.bucket < cost:
                    self.rate_limited += 1
                    return False
                box.bucket -= cost
            self.units_spent += cost
            return True

    def new_id(self) -> str:
        return f"{next(self._ids):x}"


def _short(message: FakeMessage) -> dict[str, Any]:
    return {"id": message.id, "threadId": message.thread_id, "labelIds": sorted(message.labels)}


def _ids(text: str) -> list[str]:
    return re.findall(r"<([^<>\s]+)>", text)


def _header_message_id(raw: bytes) -> str:
    headers = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)
    found = _ids(str(headers.get("Message-ID", "")))
    return found[0] if found else ""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii")


class _Handler(BaseHTTPRequestHandler):
    server_state: FakeGmail
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms stalls

    def log_message(self, format: str, *args: Any) -> None:
        pass

    # ------------------------------------------------------------------ plumbing

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(
        self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _error(
        self, status: int, message: str, reason: str = "", headers: dict[str, str] | None = None
    ) -> None:
        self._send(
            status,
            {
                "error": {
                    "code": status,
                    "message": message,
                    "errors": [{"message": message, "reason": reason or "backendError"}],
                }
            },
            headers,
        )

    def _reset(self) -> None:
        """Drop the connection without an answer (RST)."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def _fail(self, fault: Fault) -> None:
        if fault.delay:
            time.sleep(fault.delay)
        if fault.kind == "timeout":
            time.sleep(fault.delay or 3.0)
            self._reset()
        elif fault.kind == "reset":
            self._reset()
        else:
            headers = {}
            if fault.retry_after is not None:
                headers["Retry-After"] = f"{fault.retry_after:g}"
            reason = "rateLimitExceeded" if fault.status == 429 else "backendError"
            self._error(fault.status, f"Injected {fault.status}", reason, headers)

    def _dispatch(self, method: str) -> None:
        fake = self.server_state
        parts = urlsplit(self.path)
        query = {k: v for k, v in parse_qs(parts.query).items()}
        body = self._body()
        if parts.path == "/token" and method == "POST":
            self._token(body)
            return
        route = self._route(method, parts.path)
        if route is None:
            self._error(404, f"Not found: {method} {parts.path}", "notFound")
            return
        endpoint, message_id = route
        auth = self.headers.get("Authorization", "")
        with fake.lock:
            email = fake.tokens.get(auth.removeprefix("Bearer "))
            box = fake.users.get(email) if email else None
        if box is None:
            self._error(401, "Request had invalid authentication credentials.", "authError")
            return
        fault = fake.take_fault(endpoint)
        if fault is not None and not fault.after_effect:
            fake.calls[endpoint + ":faulted"] += 1
            self._fail(fault)
            return
        if not fake.spend(box, endpoint):
            self._error(429, "User-rate limit exceeded.", "rateLimitExceeded", {"Retry-After": "1"})
            return
        try:
            status, payload = getattr(self, "_api_" + endpoint)(box, message_id, query, body)
        except KeyError:
            status, payload = 404, None
        if fault is not None:
            fake.calls[endpoint + ":faulted"] += 1
            self._fail(fault)
            return
        if payload is None:
            self._error(status, "Requested entity was not found.", "notFound")
        else:
            self._send(status, payload)

    @staticmethod
    def _route(method: str, path: str) -> tuple[str, str] | None:
        prefix = "/gmail/v1/users/me/"
        if not path.startswith(prefix):
            return None
        rest = path[len(prefix) :].strip("/").split("/")
        if method == "GET" and rest == ["profile"]:
            return "profile", ""
        if method == "GET" and rest == ["history"]:
            return "history", ""
        if rest[0] != "messages":
            return None
        if method == "GET" and len(rest) == 1:
            return "list", ""
        if method == "POST" and rest == ["messages", "send"]:
            return "send", ""
        if method == "GET" and len(rest) == 2:
            return "get", rest[1]
        if method == "POST" and len(rest) == 3 and rest[2] in ("modify", "trash", "untrash"):
            return rest[2], rest[1]
        return None

    # ------------------------------------------------------------------ endpoints

    def _token(self, body: bytes) -> None:
        fake = self.server_state
        fault = fake.take_fault("token")
        if fault is not None:
            self._fail(fault)
            return
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        if form.get("grant_type") == "authorization_code":
            self._code_grant(form)
            return
        if form.get("grant_type") != "refresh_token":
            self._send(400, {"error": "unsupported_grant_type"})
            return
        with fake.lock:
            box = next(
                (b for b in fake.users.values() if b.refresh_token == form.get("refresh_token")),
                None,
            )
            if box is None:
                self._send(
                    400,
                    {
                        "error": "invalid_grant",
                        "error_description": "Token has been expired or revoked.",
                    },
                )
                return
            token = "access-" + fake.new_id()
            fake.tokens[token] = box.email
        self._send(
            200,
            {
                "access_token": token,
                "expires_in": 3599,
                "token_type": "Bearer",
                "scope": "https://www.googleapis.com/auth/gmail.modify",
            },
        )

    def _code_grant(self, form: dict[str, str]) -> None:
        """The installed-app sign-in's last step: a code from ``authorization_code`` (with
        its PKCE verifier) becomes a refresh token."""
        fake = self.server_state
        with fake.lock:
            grant = fake.auth_codes.pop(form.get("code", ""), None)
            if grant is None or not form.get("code_verifier"):
                self._send(400, {"error": "invalid_grant", "error_description": "Bad code."})
                return
            email, scope = grant
            box = fake.users[email]
            token = "access-" + fake.new_id()
            fake.tokens[token] = email
        self._send(
            200,
            {
                "access_token": token,
                "refresh_token": box.refresh_token,
                "expires_in": 3599,
                "token_type": "Bearer",
                "scope": scope,
            },
        )

    def _api_profile(self, box: Mailbox, _id: str, query: dict[str, list[str]], body: bytes) -> Any:
        with self.server_state.lock:
            return 200, {
                "emailAddress": box.email,
                "messagesTotal": len(box.messages),
                "threadsTotal": len({m.thread_id for m in box.messages.values()}),
                "historyId": str(box.history_id),
            }

    def _api_list(self, box: Mailbox, _id: str, query: dict[str, list[str]], body: bytes) -> Any:
        fake = self.server_state
        size = min(int(query.get("maxResults", ["100"])[0]), fake.page_size_cap)
        start = int(query.get("pageToken", ["0"])[0] or 0)
        wanted = set(query.get("labelIds", []))
        spam_trash = query.get("includeSpamTrash", ["false"])[0].lower() == "true"
        q = query.get("q", [""])[0]
        for term in q.split():
            if term.startswith("in:"):
                wanted.add(term[3:].upper())
            elif term.startswith("label:"):
                wanted.add(term[6:].upper())
        msgid = re.search(r"rfc822msgid:<?([^\s>]+)>?", q)
        with fake.lock:
            found = [
                m
                for m in box.messages.values()
                if wanted <= m.labels
                and (spam_trash or {"SPAM", "TRASH"} & wanted or not {"SPAM", "TRASH"} & m.labels)
                and (msgid is None or m.message_id == msgid.group(1))
            ]
            found.sort(key=lambda m: (m.internal_date, m.id), reverse=True)
            page = found[start : start + size]
            payload: dict[str, Any] = {
                "messages": [{"id": m.id, "threadId": m.thread_id} for m in page],
                "resultSizeEstimate": len(found),
            }
            if start + size < len(found):
                payload["nextPageToken"] = str(start + size)
            if not page:
                del payload["messages"]
            return 200, payload

    def _api_get(
        self, box: Mailbox, message_id: str, query: dict[str, list[str]], body: bytes
    ) -> Any:
        fmt = query.get("format", ["full"])[0]
        with self.server_state.lock:
            m = box.messages[message_id]
            payload: dict[str, Any] = {
                "id": m.id,
                "threadId": m.thread_id,
                "labelIds": sorted(m.labels),
                "historyId": str(m.history_id),
                "internalDate": str(m.internal_date),
                "sizeEstimate": len(m.raw),
                "snippet": _snippet(m.raw),
            }
            raw = m.raw
        if fmt == "raw":
            payload["raw"] = _b64(raw)
        elif fmt == "metadata":
            headers = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)
            payload["payload"] = {
                "headers": [{"name": k, "value": str(v)} for k, v in headers.items()]
            }
        return 200, payload

    def _api_modify(self, box: Mailbox, message_id: str, query: Any, body: bytes) -> Any:
        data = json.loads(body or b"{}")
        fake = self.server_state
        with fake.lock:
            fake._modify(
                box, message_id, data.get("addLabelIds", []), data.get("removeLabelIds", [])
            )
            return 200, _short(box.messages[message_id])

    def _api_trash(self, box: Mailbox, message_id: str, query: Any, body: bytes) -> Any:
        fake = self.server_state
        with fake.lock:
            fake._modify(box, message_id, ["TRASH"], [])
            return 200, _short(box.messages[message_id])

    def _api_untrash(self, box: Mailbox, message_id: str, query: Any, body: bytes) -> Any:
        fake = self.server_state
        with fake.lock:
            fake._modify(box, message_id, [], ["TRASH"])
            return 200, _short(box.messages[message_id])

    def _api_send(self, box: Mailbox, _id: str, query: Any, body: bytes) -> Any:
        fake = self.server_state
        data = json.loads(body or b"{}")
        raw = base64.urlsafe_b64decode(data["raw"] + "=" * (-len(data["raw"]) % 4))
        fake.sent_raw.append(raw)
        message_id = fake.add_message(
            box.email, raw, labels=("SENT",), thread_id=data.get("threadId") or None
        )
        with fake.lock:
            return 200, _short(box.messages[message_id])

    def _api_history(self, box: Mailbox, _id: str, query: dict[str, list[str]], body: bytes) -> Any:
        fake = self.server_state
        start = int(query.get("startHistoryId", ["0"])[0])
        size = min(int(query.get("maxResults", ["100"])[0]), fake.page_size_cap)
        offset = int(query.get("pageToken", ["0"])[0] or 0)
        with fake.lock:
            if start < box.oldest_history_id:
                return 404, None
            records = [r for r in box.history if r["id"] > start]
            page = records[offset : offset + size]
            payload: dict[str, Any] = {"historyId": str(box.history_id)}
            if page:
                payload["history"] = page
            if offset + size < len(records):
                payload["nextPageToken"] = str(offset + size)
            return 200, json.loads(json.dumps(payload))


def _snippet(raw: bytes) -> str:
    rest = raw.partition(b"\r\n\r\n")[2] or raw.partition(b"\n\n")[2]
    return " ".join(rest[:300].decode("utf-8", "replace").split())[:120]
