"""The Gmail API calls the sync uses, with Gmail's documented quota cost of each."""

from __future__ import annotations

import base64
import binascii
import json
import re
import tempfile
from dataclasses import dataclass
from typing import IO, Any

from desktopcrm.sync.google_http import GoogleClient

BASE = "/gmail/v1/users/me"
COST_PROFILE = 1
COST_LIST = 5
COST_GET = 5
COST_MODIFY = 5
COST_TRASH = 5
COST_SEND = 100
COST_HISTORY = 2


@dataclass(frozen=True)
class RawMessage:
    """``messages.get format=raw``: the bytes and Gmail's facts about them."""

    gmail_id: str
    thread_id: str
    labels: tuple[str, ...]
    history_id: str
    internal_date_ms: int
    size: int
    snippet: str
    raw: bytes


class GmailApi:
    """Typed wrappers over one account's ``GoogleClient``."""

    def __init__(self, client: GoogleClient) -> None:
        self.client = client

    def profile(self) -> dict[str, Any]:
        return self.client.call("GET", f"{BASE}/profile", cost=COST_PROFILE)

    def list_ids(
        self,
        *,
        page_token: str = "",
        page_size: int = 500,
        label_ids: tuple[str, ...] = (),
        q: str = "",
        include_spam_trash: bool = False,
    ) -> tuple[list[tuple[str, str]], str]:
        """One page of (id, thread id), newest first, and the next page token ("" at the end)."""
        params: dict[str, Any] = {"maxResults": page_size}
        if page_token:
            params["pageToken"] = page_token
        if label_ids:
            params["labelIds"] = list(label_ids)
        if q:
            params["q"] = q
        if include_spam_trash:
            params["includeSpamTrash"] = "true"
        data = self.client.call("GET", f"{BASE}/messages", cost=COST_LIST, params=params)
        ids = [(str(m["id"]), str(m.get("threadId", ""))) for m in data.get("messages", [])]
        return ids, str(data.get("nextPageToken", ""))

    def get_raw(self, gmail_id: str) -> RawMessage:
        data = self.client.call(
            "GET", f"{BASE}/messages/{gmail_id}", cost=COST_GET, params={"format": "raw"}
        )
        raw = str(data.get("raw", ""))
        return RawMessage(
            gmail_id=str(data["id"]),
            thread_id=str(data.get("threadId", "")),
            labels=tuple(data.get("labelIds", [])),
            history_id=str(data.get("historyId", "")),
            internal_date_ms=int(data.get("internalDate") or 0),
            size=int(data.get("sizeEstimate") or len(raw) * 3 // 4),
            snippet=str(data.get("snippet", "")),
            raw=base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)),
        )

    def get_raw_to_file(self, gmail_id: str, target: IO[bytes]) -> None:
        """``messages.get format=raw`` with the message's bytes written to ``target``, streamed
        (the answer goes to a temporary file first): memory stays small whatever the size."""
        with tempfile.TemporaryFile() as answer:
            self.client.call_to_file(
                "GET",
                f"{BASE}/messages/{gmail_id}",
                answer,
                cost=COST_GET,
                params={"format": "raw"},
            )
            answer.seek(0)
            copy_raw_field(answer, target)

    def get_labels(self, gmail_id: str) -> tuple[str, ...]:
        data = self.client.call(
            "GET", f"{BASE}/messages/{gmail_id}", cost=COST_GET, params={"format": "minimal"}
        )
        return tuple(data.get("labelIds", []))

    def modify(self, gmail_id: str, add: list[str], remove: list[str]) -> tuple[str, ...]:
        data = self.client.call(
            "POST",
            f"{BASE}/messages/{gmail_id}/modify",
            cost=COST_MODIFY,
            body={"addLabelIds": add, "removeLabelIds": remove},
        )
        return tuple(data.get("labelIds", []))

    def trash(self, gmail_id: str) -> None:
        self.client.call("POST", f"{BASE}/messages/{gmail_id}/trash", cost=COST_TRASH)

    def untrash(self, gmail_id: str) -> None:
        self.client.call("POST", f"{BASE}/messages/{gmail_id}/untrash", cost=COST_TRASH)

    def send(self, raw: bytes, thread_id: str = "") -> tuple[str, str]:
        """Send ``raw`` as is (our Message-ID); returns (gmail id, thread id). Not retried
        after an unclear failure: see ``find_by_message_id``."""
        body: dict[str, Any] = {"raw": base64.urlsafe_b64encode(raw).decode("ascii")}
        if thread_id:
            body["threadId"] = thread_id
        data = self.client.call(
            "POST", f"{BASE}/messages/send", cost=COST_SEND, body=body, idempotent=False
        )
        return str(data["id"]), str(data.get("threadId", ""))

    def find_by_message_id(self, message_id: str) -> str:
        """The Gmail id of the message with this ``Message-ID`` ("" if Gmail has none)."""
        ids, _ = self.list_ids(
            q=f"rfc822msgid:<{message_id}>", page_size=10, include_spam_trash=True
        )
        return ids[0][0] if ids else ""

    def history(self, start_history_id: str, page_token: str = "") -> dict[str, Any]:
        params: dict[str, Any] = {"startHistoryId": start_history_id, "maxResults": 500}
        if page_token:
            params["pageToken"] = page_token
        return self.client.call("GET", f"{BASE}/history", cost=COST_HISTORY, params=params)


_RAW_KEY = re.compile(rb'"raw"\s*:\s*"')
_CHUNK = 256 * 1024  # a multiple of 4: base64 decodes chunk by chunk


def copy_raw_field(answer: IO[bytes], target: IO[bytes]) -> None:
    """Decode the base64url ``"raw"`` string of a ``messages.get`` JSON answer into ``target``
    a chunk at a time. Base64url needs no JSON escapes; an answer that has some (or no
    ``raw``) is read whole with ``json`` instead."""
    start = answer.tell()
    window = b""
    while True:
        block = answer.read(_CHUNK)
        window += block
        found = _RAW_KEY.search(window)
        if found or not block:
            break
        window = window[-32:]
    if found is None:
        answer.seek(start)
        _copy_from_json(answer, target)
        return
    pending = window[found.end() :]
    written = target.tell()
    while True:
        end = pending.find(b'"')
        piece = pending if end < 0 else pending[:end]
        if b"\\" in piece:  # a JSON escape: let json read it
            target.seek(written)
            target.truncate()
            answer.seek(start)
            _copy_from_json(answer, target)
            return
        if end >= 0:
            target.write(_b64decode(piece, final=True))
            return
        usable = len(piece) - len(piece) % 4
        target.write(_b64decode(piece[:usable], final=False))
        pending = piece[usable:]
        block = answer.read(_CHUNK)
        if not block:
            raise ValueError("Gmail's answer ended inside the message")
        pending += block


def _b64decode(data: bytes, *, final: bool) -> bytes:
    data = data.strip()
    if final:
        data += b"=" * (-len(data) % 4)
    try:
        return base64.urlsafe_b64decode(data)
    except binascii.Error as exc:
        raise ValueError(f"Gmail's answer holds a damaged message ({exc})") from exc


def _copy_from_json(answer: IO[bytes], target: IO[bytes]) -> None:
    raw = str(json.load(answer).get("raw", ""))
    target.write(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
