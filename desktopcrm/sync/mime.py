"""Parse raw RFC 5322 mail into what the CRM stores, whatever state the message is in.

``parse_message`` never raises: broken encodings, lying charsets, missing headers, multiparts
without boundaries and truncated messages give a ``ParsedMessage`` with what could be read and
a list of ``defects``. Attachments are listed, not kept: their size is counted by decoding them
a chunk at a time, and ``attachment_bytes`` / ``iter_attachment`` decode one again on demand
from the raw message, so a 30 MB attachment never sits in memory decoded during a sync.

The MIME structure is walked over offsets into the raw bytes (no copies of part bodies);
only header blocks and text bodies are decoded.
"""

from __future__ import annotations

import email.utils
import mimetypes
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from html.parser import HTMLParser
from pathlib import Path

from desktopcrm.sync.mime_decode import (
    decode_header_bytes,
    decode_text,
    decode_words,
    iter_decoded,
    sniff_html_charset,
)

MAX_DEPTH = 40  # nested multiparts deeper than this are read as attachments
MAX_PARTS = 5000


@dataclass(frozen=True)
class Address:
    """A mailbox: display name and address (lower-case; "" when it could not be parsed)."""

    name: str
    email: str

    def __str__(self) -> str:
        if self.name and self.email:
            return f"{self.name} <{self.email}>"
        return self.email or self.name


@dataclass(frozen=True)
class ParsedAttachment:
    """An attachment's metadata; ``part_index`` finds it again in the raw message."""

    filename: str
    mime_type: str
    size: int
    content_id: str
    part_index: int


@dataclass(frozen=True)
class ParsedMessage:
    """The fields of one message the CRM stores (bodies decoded, attachments listed)."""

    message_id: str
    subject: str
    sender: Address | None
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    bcc: tuple[Address, ...]
    reply_to: tuple[Address, ...]
    date: datetime | None
    in_reply_to: str
    references: tuple[str, ...]
    text_body: str
    html_body: str
    attachments: tuple[ParsedAttachment, ...]
    defects: tuple[str, ...]

    def plain_text(self) -> str:
        """The text body, or text made from the HTML body for HTML-only mail (for search)."""
        return self.text_body or html_to_text(self.html_body)


@dataclass
class _Headers:
    """One header block: (lower-case name, raw value bytes, unfolded) in order."""

    items: list[tuple[str, bytes]] = field(default_factory=list)
    _params: Message | None = None

    def raw(self, name: str) -> bytes | None:
        for key, value in self.items:
            if key == name:
                return value
        return None

    def text(self, name: str) -> str:
        value = self.raw(name)
        return decode_header_bytes(value).strip() if value is not None else ""

    def all_text(self, name: str) -> list[str]:
        return [decode_header_bytes(v) for k, v in self.items if k == name]

    def params(self) -> Message:
        """The Content-* headers in a stdlib Message, for its RFC 2231 parameter parsing."""
        if self._params is not None:
            return self._params
        msg = self._params = Message()
        for key in ("content-type", "content-disposition"):
            if (value := self.raw(key)) is not None:
                msg[key] = decode_header_bytes(value).replace("\r", " ").replace("\n", " ")
        return msg


@dataclass
class _Part:
    """A leaf of the MIME tree: its headers and where its body lies in the raw bytes."""

    index: int
    headers: _Headers
    start: int
    end: int
    content_type: str


_HEADER_NAME = re.compile(rb"^[!-9;-~]+$")  # printable ASCII except ':' and space


def _split_headers(
    raw: bytes, start: int, end: int, defects: list[str], where: str
) -> tuple[_Headers, int]:
    """Read the header block at ``raw[start:end]``; return it and where the body starts."""
    headers = _Headers()
    pos = start
    first = True
    while pos < end:
        nl = raw.find(b"\n", pos, end)
        line_end = end if nl < 0 else nl
        next_pos = end if nl < 0 else nl + 1
        line = raw[pos:line_end].rstrip(b"\r")
        if not line:
            return headers, next_pos
        if first and line.startswith(b"From "):  # an mbox envelope line
            pos, first = next_pos, False
            continue
        first = False
        if line[:1] in (b" ", b"\t") and headers.items:
            key, value = headers.items[-1]
            headers.items[-1] = (key, value + line)
        else:
            raw_name, colon, value = line.partition(b":")
            if not colon or not _HEADER_NAME.match(raw_name.strip()):
                defects.append(f"{where}: no blank line after the headers")
                return headers, pos
            headers.items.append((raw_name.strip().decode("ascii").lower(), value.strip()))
        pos = next_pos
    return headers, end


def _content_type(headers: _Headers, default: str, defects: list[str], where: str) -> str:
    value = headers.text("content-type")
    if not value:
        return default
    ctype = value.split(";", 1)[0].strip().lower()
    if "/" not in ctype or " " in ctype:
        defects.append(f"{where}: malformed Content-Type {value[:60]!r}, read as text/plain")
        return "text/plain"
    return ctype


def _boundary_positions(
    raw: bytes, start: int, end: int, boundary: bytes
) -> Iterator[tuple[int, int, bool]]:
    """Yield (line start, next line start, is_close) for each delimiter line of ``boundary``."""
    marker = b"--" + boundary
    pos = start
    while pos < end:
        hit = raw.find(marker, pos, end)
        if hit < 0:
            return
        at_line_start = hit == start or raw[hit - 1 : hit] == b"\n"
        nl = raw.find(b"\n", hit, end)
        line_end = end if nl < 0 else nl
        rest = raw[hit + len(marker) : line_end].strip()
        pos = end if nl < 0 else nl + 1
        if at_line_start and (not rest or rest.startswith(b"--")):
            yield hit, pos, rest.startswith(b"--")
            if rest.startswith(b"--"):
                return


def _trim_linebreak(raw: bytes, start: int, end: int) -> int:
    """The end of a part body: the line break before its delimiter belongs to the delimiter."""
    if end > start and raw[end - 1 : end] == b"\n":
        end -= 1
        if end > start and raw[end - 1 : end] == b"\r":
            end -= 1
    return end


class _Walker:
    """Depth-first walk over the leaves of a message; the order defines ``part_index``."""

    def __init__(self, raw: bytes, defects: list[str]) -> None:
        self.raw = raw
        self.defects = defects
        self.count = 0

    def walk(self) -> tuple[_Headers, list[_Part]]:
        headers, body = _split_headers(self.raw, 0, len(self.raw), self.defects, "headers")
        parts: list[_Part] = []
        self._entity(headers, body, len(self.raw), "", 0, parts)
        return headers, parts

    def _entity(
        self,
        headers: _Headers,
        start: int,
        end: int,
        parent_type: str,
        depth: int,
        parts: list[_Part],
    ) -> None:
        where = f"part {self.count + 1}"
        default = "message/rfc822" if parent_type == "multipart/digest" else "text/plain"
        ctype = _content_type(headers, default, self.defects, where)
        if ctype.startswith("multipart/"):
            if depth >= MAX_DEPTH or self.count >= MAX_PARTS:
                self.defects.append(f"{where}: multipart nested too deep, kept as an attachment")
                ctype = "application/octet-stream"
            else:
                boundary = headers.params().get_param("boundary")
                if isinstance(boundary, str) and boundary:
                    if self._multipart(boundary, ctype, start, end, depth, parts):
                        return
                    self.defects.append(f"{where}: boundary of {ctype} not found, read as text")
                else:
                    self.defects.append(f"{where}: {ctype} without a boundary, read as text")
                ctype = "text/plain"
        parts.append(_Part(self.count, headers, start, end, ctype))
        self.count += 1

    def _multipart(
        self, boundary: str, ctype: str, start: int, end: int, depth: int, parts: list[_Part]
    ) -> bool:
        delimiters = list(
            _boundary_positions(self.raw, start, end, boundary.encode("utf-8", "replace"))
        )
        if not delimiters:
            return False
        if not delimiters[-1][2]:
            self.defects.append(f"{ctype}: no closing boundary (message truncated?)")
        for i, (_line, body_start, is_close) in enumerate(delimiters):
            if is_close:
                break
            body_end = delimiters[i + 1][0] if i + 1 < len(delimiters) else end
            body_end = _trim_linebreak(self.raw, body_start, body_end)
            where = f"part {self.count + 1}"
            headers, content = _split_headers(self.raw, body_start, body_end, self.defects, where)
            self._entity(headers, content, body_end, ctype, depth + 1, parts)
        return True


def _decoded(raw: bytes, part: _Part, defects: list[str]) -> Iterator[bytes]:
    encoding = part.headers.text("content-transfer-encoding")
    body = memoryview(raw)[part.start : part.end]
    return iter_decoded(body, encoding, defects, f"part {part.index + 1}")


def _text_of(raw: bytes, part: _Part, defects: list[str]) -> str:
    data = b"".join(_decoded(raw, part, defects))
    charset = part.headers.params().get_content_charset()
    if charset is None and part.content_type == "text/html":
        charset = sniff_html_charset(data)
    text = decode_text(data, charset, defects, f"part {part.index + 1}")
    return text.replace("\r\n", "\n")


def _disposition(part: _Part) -> str:
    value = part.headers.text("content-disposition")
    return value.split(";", 1)[0].strip().lower()


def _filename(part: _Part, defects: list[str]) -> str:
    params = part.headers.params()
    try:
        name = params.get_filename() or params.get_param("name")
    except Exception:  # the stdlib's RFC 2231 decoding has raised on broken input before
        name = None
    if isinstance(name, tuple):
        name = email.utils.collapse_rfc2231_value(name)
    if not isinstance(name, str):
        return ""
    name = decode_words(name, defects, f"part {part.index + 1} filename")
    # Only the last path component, no control characters: it becomes a temp file name.
    name = re.split(r"[/\\]", name)[-1]
    return "".join(ch for ch in name if ch >= " " and ch != "\x7f").strip()


def _is_attachment(part: _Part, filename: str, single: bool) -> bool:
    if _disposition(part) == "attachment":
        return True
    if part.content_type not in ("text/plain", "text/html"):
        return True
    return bool(filename) and not single


def _default_filename(part: _Part, raw: bytes, defects: list[str]) -> str:
    if part.content_type == "message/rfc822":
        headers, _ = _split_headers(raw, part.start, part.end, [], "")
        subject = decode_words(headers.text("subject"), [], "")
        subject = " ".join(re.sub(r"[\\/:*?\"<>|\x00-\x1f]+", " ", subject).split())[:80]
        return f"{subject or 'message'}.eml"
    if part.content_type == "text/calendar":
        return "invite.ics"
    extension = mimetypes.guess_extension(part.content_type, strict=False) or ".bin"
    return f"attachment-{part.index + 1}{extension}"


def _content_id(part: _Part) -> str:
    return part.headers.text("content-id").strip().strip("<>").strip()


def _addresses(headers: _Headers, name: str, defects: list[str]) -> tuple[Address, ...]:
    values = headers.all_text(name)
    if not values:
        return ()
    joined = ", ".join(v.replace("\r", " ").replace("\n", " ") for v in values)
    try:
        pairs = email.utils.getaddresses([joined])
    except Exception:
        pairs = []
    result: list[Address] = []
    if joined.strip() and not joined.strip().endswith(";") and not any(a for _, a in pairs):
        defects.append(f"{name.title()}: unparseable addresses {joined[:80]!r}")
        return (Address(decode_words(joined.strip(), defects, name), ""),)
    for display, addr in pairs:
        if not display and not addr:
            continue
        display = decode_words(display, defects, name.title()).strip()
        addr = addr.strip().strip("<>")
        if "@" not in addr:
            if addr and ":" not in addr:
                defects.append(f"{name.title()}: {addr[:60]!r} is not an address")
            display, addr = display or addr, ""
            if not display:
                continue
        result.append(Address(display, addr.lower()))
    return tuple(result)


_ID = re.compile(r"<([^<>\s]+)>")


def _ids(value: str) -> tuple[str, ...]:
    found = _ID.findall(value)
    if found:
        return tuple(found)
    return tuple(token.strip("<>") for token in value.split() if token.strip("<>"))


def _date(headers: _Headers, defects: list[str]) -> datetime | None:
    value = headers.text("date")
    if not value:
        defects.append("missing Date header")
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        defects.append(f"unparseable Date {value[:60]!r}")
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        defects.append(f"out-of-range Date {value[:60]!r}")
        return None


def _parse(raw: bytes) -> ParsedMessage:
    defects: list[str] = []
    headers, parts = _Walker(raw, defects).walk()
    subject = decode_words(headers.text("subject"), defects, "Subject")
    subject = " ".join(subject.split())
    froms = _addresses(headers, "from", defects) or _addresses(headers, "sender", defects)
    if not headers.raw("from"):
        defects.append("missing From header")
    message_ids = _ids(headers.text("message-id"))
    if not message_ids:
        defects.append("missing Message-ID header")
    texts: list[str] = []
    htmls: list[str] = []
    attachments: list[ParsedAttachment] = []
    single = len(parts) == 1
    for part in parts:
        filename = _filename(part, defects)
        if not _is_attachment(part, filename, single):
            (htmls if part.content_type == "text/html" else texts).append(
                _text_of(raw, part, defects)
            )
            continue
        size = sum(len(chunk) for chunk in _decoded(raw, part, defects))
        attachments.append(
            ParsedAttachment(
                filename=filename or _default_filename(part, raw, defects),
                mime_type=part.content_type,
                size=size,
                content_id=_content_id(part),
                part_index=part.index,
            )
        )
    in_reply_to = _ids(headers.text("in-reply-to"))
    return ParsedMessage(
        message_id=message_ids[0] if message_ids else "",
        subject=subject,
        sender=froms[0] if froms else None,
        to=_addresses(headers, "to", defects),
        cc=_addresses(headers, "cc", defects),
        bcc=_addresses(headers, "bcc", defects),
        reply_to=_addresses(headers, "reply-to", defects),
        date=_date(headers, defects),
        in_reply_to=in_reply_to[0] if in_reply_to else "",
        references=_ids(headers.text("references")),
        text_body="\n".join(texts),
        html_body="\n".join(htmls),
        attachments=tuple(attachments),
        defects=tuple(dict.fromkeys(defects)),
    )


def parse_message(raw: bytes) -> ParsedMessage:
    """Parse a raw message; never raises (what cannot be read is reported in ``defects``)."""
    try:
        return _parse(bytes(raw))
    except Exception as error:  # a bug here must not lose the message: store what we have
        return ParsedMessage(
            message_id="",
            subject="",
            sender=None,
            to=(),
            cc=(),
            bcc=(),
            reply_to=(),
            date=None,
            in_reply_to="",
            references=(),
            text_body=bytes(raw).decode("utf-8", errors="replace"),
            html_body="",
            attachments=(),
            defects=(f"unreadable message ({type(error).__name__}: {error}), kept as text",),
        )


def iter_attachment(raw: bytes, part_index: int) -> Iterator[bytes]:
    """Yield the decoded bytes of part ``part_index`` a chunk at a time (to write a file).

    Raises:
        KeyError: the message has no part with that index.
    """
    defects: list[str] = []
    _, parts = _Walker(raw, defects).walk()
    for part in parts:
        if part.index == part_index:
            return _decoded(raw, part, defects)
    raise KeyError(f"the message has no part {part_index}")


def attachment_bytes(raw: bytes, part_index: int) -> bytes:
    """The decoded bytes of one attachment, found by its ``part_index``.

    Raises:
        KeyError: the message has no part with that index.
    """
    return b"".join(iter_attachment(raw, part_index))


def save_attachment(raw: bytes, attachment: ParsedAttachment, folder: Path) -> Path:
    """Write one attachment into ``folder`` (streamed) under a free name; return its path.

    The name is the attachment's own file name made safe; an existing file is never
    overwritten ("name (2).pdf" instead).
    """
    chunks = iter_attachment(raw, attachment.part_index)
    folder.mkdir(parents=True, exist_ok=True)
    name = re.sub(r'[<>:"/\\|?*\x00-\x1f]', "_", attachment.filename).strip(" .")[:150]
    stem, suffix = os.path.splitext(name or f"attachment-{attachment.part_index + 1}")
    target = folder / f"{stem}{suffix}"
    number = 1
    while True:
        try:
            file = target.open("xb")
        except FileExistsError:
            number += 1
            target = folder / f"{stem} ({number}){suffix}"
            continue
        try:
            with file:
                for chunk in chunks:
                    file.write(chunk)
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        return target


class _TextExtractor(HTMLParser):
    _BLOCKS = frozenset(
        {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head", "title"):
            self.skip += 1
        elif tag in self._BLOCKS:
            self.pieces.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head", "title"):
            self.skip = max(0, self.skip - 1)
        elif tag in self._BLOCKS:
            self.pieces.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.pieces.append(data)


def html_to_text(html: str) -> str:
    """Readable plain text from an HTML body (no scripts or styles), for search and previews."""
    if not html:
        return ""
    extractor = _TextExtractor()
    try:
        extractor.feed(html)
        extractor.close()
    except Exception:
        return re.sub(r"<[^>]*>", " ", html)
    lines = (" ".join(line.split()) for line in "".join(extractor.pieces).splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
