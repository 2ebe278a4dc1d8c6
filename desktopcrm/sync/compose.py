"""Build outgoing RFC 5322 messages, and the quoted pieces of replies and forwards.

Every message carries our own Message-ID, made before the message is queued, so a retry after
an ambiguous network failure can be recognised in Gmail instead of sent twice. Build the raw
bytes once, when the message goes into the outbox, and send exactly those bytes on every try.
"""

from __future__ import annotations

import html
import mimetypes
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from email import policy
from email.headerregistry import Address as HeaderAddress
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from desktopcrm.sync.mime import Address, ParsedAttachment, ParsedMessage, html_to_text

MAX_MESSAGE_BYTES = 25 * 1024 * 1024  # Gmail refuses bigger messages
MAX_REFERENCES = 20
PIXEL_MARKER = "data-crm-pixel"

# Our tracking URLs end in /o/<message token>.<signature>.gif (see desktopcrm.tracking); an
# image proxy (Gmail's googleusercontent) keeps that path in its own URL.
_PIXEL_SRC = re.compile(r"/o/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{16,}\.gif")
_IMG_TAG = re.compile(r"<img\b[^>]*>", re.I)
_REPLY_PREFIX = re.compile(r"^\s*(re|aw|sv|antw|vs|ref)\s*:", re.I)
_FORWARD_PREFIX = re.compile(r"^\s*(fwd?|wg|tr|rv|vb)\s*:", re.I)
_BODY = re.compile(r"<body\b[^>]*>(.*?)(?:</body\s*>|\Z)", re.I | re.S)
_UNSAFE = re.compile(r"<(script|style|head|title)\b.*?</\1\s*>", re.I | re.S)


class ComposeError(ValueError):
    """A draft that cannot become a message; the text says what the user should change."""


@dataclass(frozen=True)
class Draft:
    """What the user wrote, ready to be built into a message."""

    sender: Address
    to: tuple[Address, ...]
    cc: tuple[Address, ...] = ()
    bcc: tuple[Address, ...] = ()
    subject: str = ""
    text_body: str = ""
    html_body: str = ""
    attachments: tuple[Path, ...] = ()
    in_reply_to: str = ""
    references: tuple[str, ...] = ()


@dataclass(frozen=True)
class QuotedPieces:
    """The pre-filled parts of a reply or forward: recipients, subject, threading, quote.

    ``attachments`` lists the original's attachments for a forward (fetch them with
    ``mime.save_attachment`` and put the paths in the draft); replies carry none.
    """

    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    subject: str
    text_body: str
    html_body: str
    in_reply_to: str
    references: tuple[str, ...]
    attachments: tuple[ParsedAttachment, ...] = ()

    def draft(self, sender: Address, text: str = "", html_text: str = "") -> Draft:
        """A draft with the user's ``text`` (and optional HTML) written above the quote."""
        return Draft(
            sender=sender,
            to=self.to,
            cc=self.cc,
            subject=self.subject,
            text_body=text + self.text_body,
            html_body=(html_text or _text_to_html(text)) + self.html_body,
            in_reply_to=self.in_reply_to,
            references=self.references,
        )


def new_message_id(domain: str) -> str:
    """A globally unique Message-ID (without <>) in the sender's ``domain``."""
    domain = _ascii_domain(domain.strip().strip("<>@").lower()) or "desktopcrm.invalid"
    if not re.fullmatch(r"[a-z0-9.-]+", domain):
        domain = "desktopcrm.invalid"
    return f"crm-{uuid.uuid4().hex}@{domain}"


def build_message(
    draft: Draft,
    message_id: str,
    *,
    tracking_pixel_url: str | None = None,
    date: datetime | None = None,
) -> bytes:
    """The raw bytes of ``draft`` (CRLF line ends, 7-bit headers), ready for Gmail's send.

    The HTML part gets a 1x1 tracking image only when ``tracking_pixel_url`` is given. A
    draft with HTML but no text gets a text part made from the HTML, and the other way round.

    Raises:
        ComposeError: no recipient, an unreadable attachment, or a message over Gmail's limit.
    """
    if not (draft.to or draft.cc or draft.bcc):
        raise ComposeError("Add at least one recipient in To, Cc or Bcc.")
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = _header_address(draft.sender)
    for name, addresses in (("To", draft.to), ("Cc", draft.cc), ("Bcc", draft.bcc)):
        if addresses:
            msg[name] = [_header_address(a) for a in addresses]
    msg["Subject"] = _one_line(draft.subject)
    msg["Date"] = format_datetime((date or datetime.now(UTC)).astimezone(UTC))
    msg["Message-ID"] = _bracket(message_id)
    if draft.in_reply_to:
        msg["In-Reply-To"] = _bracket(draft.in_reply_to)
    if draft.references:
        msg["References"] = " ".join(_bracket(ref) for ref in _capped(draft.references))
    text, html_body = draft.text_body, draft.html_body
    if html_body and not text:
        text = html_to_text(html_body)
    if html_body or tracking_pixel_url:
        html_body = html_body or _text_to_html(text)
        if tracking_pixel_url:
            html_body = _insert_pixel(html_body, tracking_pixel_url)
    msg.set_content(_crlf_safe(text), subtype="plain", charset="utf-8", cte="quoted-printable")
    if html_body:
        msg.add_alternative(
            _crlf_safe(html_body), subtype="html", charset="utf-8", cte="quoted-printable"
        )
    total = 0
    for path in draft.attachments:
        data = _read_attachment(path)
        total += len(data)
        if total > MAX_MESSAGE_BYTES:
            raise ComposeError(
                f"The attachments add up to more than {MAX_MESSAGE_BYTES // (1024 * 1024)} MB, "
                "Gmail's limit. Remove some, or share large files as a link."
            )
        mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        maintype, subtype = mime_type.split("/", 1)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=path.name)
    return msg.as_bytes()


def strip_tracking_pixel(html_text: str) -> str:
    """``html_text`` without our tracking images (also when an image proxy rewrote them)."""

    def keep(match: re.Match[str]) -> str:
        tag = match.group(0)
        return "" if PIXEL_MARKER in tag or _PIXEL_SRC.search(tag) else tag

    return _IMG_TAG.sub(keep, html_text)


def quote_for_reply(
    parsed: ParsedMessage,
    *,
    reply_all: bool,
    me: str | Iterable[str],
    tz: tzinfo | None = None,
) -> QuotedPieces:
    """Recipients, subject, threading headers and quote for a reply to ``parsed``.

    ``me`` is the user's address (or all of their addresses); they are never a recipient of
    their own reply, and nobody is listed twice. Replying to one's own sent message goes to its
    recipients again. ``tz`` is the zone of the "On ... wrote:" line (default: the computer's).
    """
    mine = {me.lower()} if isinstance(me, str) else {m.lower() for m in me}
    author = parsed.reply_to or ((parsed.sender,) if parsed.sender else ())
    from_me = parsed.sender is not None and parsed.sender.email in mine
    to: tuple[Address, ...] = parsed.to if from_me else author
    cc: tuple[Address, ...] = ()
    if reply_all:
        to = parsed.to if from_me else author + parsed.to
        cc = parsed.cc
    seen = set(mine)
    to = _unique(to, seen)
    cc = _unique(cc, seen)
    if not to and cc:
        to, cc = cc, ()
    references = parsed.references or ((parsed.in_reply_to,) if parsed.in_reply_to else ())
    if parsed.message_id:
        references = (*references, parsed.message_id)
    who = str(parsed.sender) if parsed.sender else "someone"
    when = _when(parsed.date, tz)
    intro = f"On {when}, {who} wrote:" if when else f"{who} wrote:"
    body = parsed.plain_text()
    quoted = "\n".join("> " + line if line else ">" for line in body.splitlines())
    return QuotedPieces(
        to=to,
        cc=cc,
        subject=_prefixed("Re: ", _REPLY_PREFIX, parsed.subject),
        text_body=f"\n\n{intro}\n{quoted}\n",
        html_body=(
            f'<br><div class="crm_quote">{html.escape(intro)}<br>'
            '<blockquote style="margin:0 0 0 .8ex;border-left:1px solid #ccc;padding-left:1ex">'
            f"{_quotable_html(parsed)}</blockquote></div>"
        ),
        in_reply_to=parsed.message_id,
        references=tuple(dict.fromkeys(r for r in references if r)),
    )


def quote_for_forward(parsed: ParsedMessage, *, tz: tzinfo | None = None) -> QuotedPieces:
    """Subject, forwarded-message header block and body for forwarding ``parsed``."""
    lines = [
        ("From", str(parsed.sender) if parsed.sender else ""),
        ("Date", _when(parsed.date, tz)),
        ("Subject", parsed.subject),
        ("To", ", ".join(str(a) for a in parsed.to)),
        ("Cc", ", ".join(str(a) for a in parsed.cc)),
    ]
    lines = [(k, v) for k, v in lines if v]
    head = "---------- Forwarded message ---------"
    text_head = "\n".join(f"{k}: {v}" for k, v in lines)
    html_head = "<br>".join(f"{k}: {html.escape(v)}" for k, v in lines)
    return QuotedPieces(
        to=(),
        cc=(),
        subject=_prefixed("Fwd: ", _FORWARD_PREFIX, parsed.subject),
        text_body=f"\n\n{head}\n{text_head}\n\n{parsed.plain_text()}\n",
        html_body=(
            f'<br><div class="crm_quote">{head}<br>{html_head}<br><br>'
            f"{_quotable_html(parsed)}</div>"
        ),
        in_reply_to="",
        references=(),
        attachments=tuple(a for a in parsed.attachments if not a.content_id),
    )


def _ascii_domain(domain: str) -> str:
    try:
        return domain.encode("idna").decode("ascii") if not domain.isascii() else domain
    except UnicodeError:
        return ""


def _header_address(address: Address) -> HeaderAddress:
    local, at, domain = address.email.strip().rpartition("@")
    if not at or not local or not domain:
        raise ComposeError(f"{address.email or address.name!r} is not an email address.")
    ascii_domain = _ascii_domain(domain)
    if not ascii_domain or not local.isascii():
        raise ComposeError(f"{address.email!r} cannot be sent to: check the address.")
    try:
        return HeaderAddress(_one_line(address.name), local, ascii_domain)
    except (ValueError, TypeError) as error:
        raise ComposeError(f"{address.email!r} is not a valid address ({error}).") from error


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _crlf_safe(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _bracket(message_id: str) -> str:
    return "<" + message_id.strip().strip("<>") + ">"


def _capped(references: tuple[str, ...]) -> tuple[str, ...]:
    """At most MAX_REFERENCES ids: the thread's root and the latest ones (RFC 5322 3.6.4)."""
    if len(references) <= MAX_REFERENCES:
        return references
    return (references[0], *references[-(MAX_REFERENCES - 1) :])


def _read_attachment(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise ComposeError(
            f"The attachment {path.name} cannot be read ({error.strerror or error}). "
            "Attach it again or remove it."
        ) from error


def _insert_pixel(html_body: str, url: str) -> str:
    pixel = (
        f'<img src="{html.escape(url, quote=True)}" width="1" height="1" alt="" '
        f'{PIXEL_MARKER}="1" style="border:0;width:1px;height:1px">'
    )
    closing = html_body.lower().rfind("</body>")
    if closing < 0:
        return html_body + pixel
    return html_body[:closing] + pixel + html_body[closing:]


def _text_to_html(text: str) -> str:
    return html.escape(text).replace("\n", "<br>\n") if text else ""


def _quotable_html(parsed: ParsedMessage) -> str:
    if not parsed.html_body:
        return _text_to_html(parsed.text_body)
    match = _BODY.search(parsed.html_body)
    inner = match.group(1) if match else parsed.html_body
    return strip_tracking_pixel(_UNSAFE.sub("", inner))


def _unique(addresses: Iterable[Address], seen: set[str]) -> tuple[Address, ...]:
    result = []
    for address in addresses:
        key = address.email.lower()
        if not key or key in seen:
            continue
        seen.add(key)
        result.append(address)
    return tuple(result)


def _prefixed(prefix: str, existing: re.Pattern[str], subject: str) -> str:
    return subject if existing.match(subject) else prefix + subject


def _when(date: datetime | None, tz: tzinfo | None) -> str:
    if date is None:
        return ""
    local = date.astimezone(tz)
    return local.strftime("%a, %d %b %Y at %H:%M")
