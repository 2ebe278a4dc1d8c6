"""The tracking endpoint: ``GET /o/<token>.gif`` counts an open, ``GET /api/opens`` reports.

- ``GET /o/<token>.gif``: always a 1x1 transparent GIF (never cached); the open is counted
  only when the token's signature is ours.
- ``GET /api/opens?since=<ISO time>`` with ``Authorization: Bearer <key>``: JSON
  ``{"now": ISO, "opens": [{"message_id", "count", "first_opened_at", "last_opened_at"}]}``
  with the total count of every message opened after ``since`` (all when omitted). Poll again
  with ``since=<now>`` of the previous answer; counts are totals, so a repeated poll is safe.
- ``GET /healthz``: ``ok`` (for a load balancer or uptime check).
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import logging
import sqlite3
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from desktopcrm.tracking.tokens import PIXEL_PATH, PIXEL_SUFFIX, api_key, verify

log = logging.getLogger("desktopcrm.tracking")

#: The smallest transparent 1x1 GIF (43 bytes).
PIXEL = bytes.fromhex(
    "47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b"
)
MAX_RESULTS = 50_000

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS opens (message_id TEXT PRIMARY KEY, count INTEGER NOT NULL, "
    "first_opened_at TEXT NOT NULL, last_opened_at TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS opens_last ON opens (last_opened_at)",
    "CREATE TABLE IF NOT EXISTS open_events (id INTEGER PRIMARY KEY, message_id TEXT NOT NULL, "
    "opened_at TEXT NOT NULL, user_agent TEXT NOT NULL DEFAULT '')",
)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


class OpenStore:
    """The endpoint's own SQLite file: a total per message and every open (no IP address)."""

    def __init__(self, path: Path) -> None:
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA busy_timeout=5000")
        for statement in _SCHEMA:
            self._db.execute(statement)

    def count_open(self, message_id: str, user_agent: str) -> None:
        with self._lock:  # the time is taken inside: a poll never passes an open still waiting
            at = _now()
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute(
                    "INSERT INTO opens VALUES (?, 1, ?, ?) ON CONFLICT (message_id) DO UPDATE "
                    "SET count = count + 1, last_opened_at = excluded.last_opened_at",
                    (message_id, at, at),
                )
                self._db.execute(
                    "INSERT INTO open_events (message_id, opened_at, user_agent) VALUES (?, ?, ?)",
                    (message_id, at, user_agent[:300]),
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def opens_since(self, since: str | None) -> tuple[str, list[dict[str, Any]]]:
        """(now, the totals of messages opened after ``since``)."""
        with self._lock:
            now = _now()
            rows = self._db.execute(
                "SELECT message_id, count, first_opened_at, last_opened_at FROM opens "
                "WHERE last_opened_at > ? AND last_opened_at <= ? ORDER BY last_opened_at LIMIT ?",
                (since or "", now, MAX_RESULTS),
            ).fetchall()
        if len(rows) == MAX_RESULTS:  # the rest comes with the next poll
            now = rows[-1][3]
        names = ("message_id", "count", "first_opened_at", "last_opened_at")
        return now, [dict(zip(names, row, strict=True)) for row in rows]

    def close(self) -> None:
        with self._lock:
            self._db.close()


class TrackingServer(ThreadingHTTPServer):
    """The HTTP server with its store and secret (handlers read them from ``self.server``)."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], store: OpenStore, secret: str) -> None:
        super().__init__(address, TrackingHandler)
        self.store = store
        self.secret = secret
        self.key = api_key(secret)

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


class TrackingHandler(BaseHTTPRequestHandler):
    server: TrackingServer
    server_version = "DesktopCRM-Tracking/1"
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._handle(head=False)

    def do_HEAD(self) -> None:
        self._handle(head=True)

    def _handle(self, *, head: bool) -> None:
        url = urlsplit(self.path)
        try:
            if url.path.startswith(PIXEL_PATH) and url.path.endswith(PIXEL_SUFFIX):
                self._pixel(url.path[len(PIXEL_PATH) : -len(PIXEL_SUFFIX)], head)
            elif url.path == "/api/opens":
                self._opens(url.query, head)
            elif url.path == "/healthz":
                self._send(HTTPStatus.OK, b"ok\n", "text/plain; charset=utf-8", head)
            else:
                self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain; charset=utf-8", head)
        except sqlite3.Error as error:
            log.error("tracking store failed: %s", error)
            self._send(HTTPStatus.SERVICE_UNAVAILABLE, b"store unavailable\n", "text/plain", head)

    def _pixel(self, token: str, head: bool) -> None:
        message_id = verify(self.server.secret, token)
        if message_id is not None and not head:
            self.server.store.count_open(message_id, self.headers.get("User-Agent", ""))
        self._send(HTTPStatus.OK, PIXEL, "image/gif", head)

    def _opens(self, query: str, head: bool) -> None:
        given = self.headers.get("Authorization", "")
        scheme, _, key = given.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            key.strip().encode(), self.server.key.encode()
        ):
            self._json(HTTPStatus.UNAUTHORIZED, {"error": "missing or wrong API key"}, head)
            return
        since = parse_qs(query).get("since", [""])[0]
        if since:
            try:
                parsed = dt.datetime.fromisoformat(since)
            except ValueError:
                self._json(HTTPStatus.BAD_REQUEST, {"error": f"since={since!r}: not ISO"}, head)
                return
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=dt.UTC)
            since = parsed.astimezone(dt.UTC).isoformat(timespec="microseconds")
        now, opens = self.server.store.opens_since(since or None)
        self._json(HTTPStatus.OK, {"now": now, "opens": opens}, head)

    def _json(self, status: HTTPStatus, body: dict[str, Any], head: bool) -> None:
        data = json.dumps(body).encode("utf-8")
        self._send(status, data, "application/json", head)

    def _send(self, status: HTTPStatus, body: bytes, content_type: str, head: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store, no-cache, must-revalidate, private")
        self.send_header("Pragma", "no-cache")
        self.send_header("Expires", "0")
        if status == HTTPStatus.UNAUTHORIZED:
            self.send_header("WWW-Authenticate", 'Bearer realm="desktopcrm-tracking"')
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        log.info("%s %s", self.address_string(), format % args)


def make_server(
    database: Path, secret: str, host: str = "127.0.0.1", port: int = 0
) -> TrackingServer:
    """A server bound to ``host:port`` (0: a free port) over the store at ``database``."""
    if not secret.strip():
        raise ValueError("The tracking secret is empty.")
    return TrackingServer((host, port), OpenStore(database), secret.strip())
