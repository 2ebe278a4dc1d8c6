"""parse_message over a corpus of nasty real-world shapes: it never raises and reads what it can."""

from __future__ import annotations

import base64
import hashlib
import os
import random
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest

from desktopcrm.sync.mime import (
    Address,
    ParsedMessage,
    attachment_bytes,
    html_to_text,
    iter_attachment,
    parse_message,
)

CORPUS = Path(__file__).parent.parent / "fixtures" / "mail"
FILES = sorted(CORPUS.glob("*.eml"))


def parse(name: str) -> ParsedMessage:
    return parse_message((CORPUS / name).read_bytes())


def has_defect(message: ParsedMessage, *words: str) -> bool:
    return any(all(word in defect for word in words) for defect in message.defects)


def test_corpus_is_there() -> None:
    assert len(FILES) >= 15


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_corpus_message_parses_and_its_attachments_open(path: Path) -> None:
    raw = path.read_bytes()
    message = parse_message(raw)
    assert isinstance(message, ParsedMessage)
    assert message.subject
    for attachment in message.attachments:
        assert attachment.filename
        assert "/" not in attachment.filename and "\\" not in attachment.filename
        assert len(attachment_bytes(raw, attachment.part_index)) == attachment.size


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_truncated_and_mangled_messages_never_raise(path: Path) -> None:
    raw = path.read_bytes()
    for cut in range(0, len(raw), 5):
        assert isinstance(parse_message(raw[:cut]), ParsedMessage)
    rng = random.Random(path.name)
    for _ in range(200):
        mangled = bytearray(raw)
        for _ in range(rng.randint(1, 20)):
            mangled[rng.randrange(len(mangled))] = rng.randrange(256)
        assert isinstance(parse_message(bytes(mangled)), ParsedMessage)


def test_empty_and_binary_garbage_give_a_message_with_defects() -> None:
    empty = parse_message(b"")
    assert empty.sender is None and empty.message_id == "" and empty.defects
    noise = parse_message(bytes(range(256)) * 10)
    assert noise.defects


def test_broken_base64_keeps_what_decodes_and_says_so() -> None:
    message = parse("broken_base64.eml")
    assert message.text_body.startswith("Hello Bob, the quote is attached.")
    assert has_defect(message, "base64", "invalid characters")
    assert [(a.filename, a.mime_type) for a in message.attachments] == [
        ("quote.pdf", "application/pdf")
    ]
    assert message.sender == Address("Anna", "anna@example.com")
    assert message.date == datetime(2024, 3, 5, 9, 0, tzinfo=UTC)


def test_broken_quoted_printable() -> None:
    message = parse("broken_qp.eml")
    assert message.subject == "Grüße"
    assert message.sender == Address("Zoë Müller", "zoe@example.de")
    assert "Grüße aus München, a soft break" in message.text_body
    assert "=ZZ escape" in message.text_body
    assert message.text_body.endswith("\ufffd")
    assert has_defect(message, "invalid utf-8")


def test_declared_us_ascii_with_latin1_bytes() -> None:
    message = parse("ascii_with_latin1.eml")
    assert message.text_body == "Señor José, café mañana?\n"
    assert has_defect(message, "us-ascii", "8-bit")


def test_utf7_charset_in_header_and_body() -> None:
    message = parse("utf7.eml")
    assert message.subject == "Café"
    assert message.text_body == "Café crème\n"
    assert message.defects == ()


def test_gb2312_header_and_body() -> None:
    message = parse("gb2312.eml")
    assert message.subject == "你好"
    assert message.text_body == "你好，合同已发送。"
    assert message.date == datetime(2024, 3, 8, 1, 0, tzinfo=UTC)
    assert message.sender is not None and message.sender.email == "zhao@example.cn"
    assert message.sender.name == "赵先生"  # an encoded-word with a space inside


def test_unknown_charset_is_guessed() -> None:
    message = parse("unknown_charset.eml")
    assert message.text_body == "naïve résumé\n"
    assert has_defect(message, "unknown charset", "x-klingon-8")


def test_encoded_words_good_and_broken() -> None:
    message = parse("encoded_words.eml")
    assert message.subject.startswith("échec and spécial test plus ")
    assert "=?utf-8?B?broken!!b64?=" in message.subject
    assert has_defect(message, "Subject", "broken base64")
    assert message.sender == Address("André Pirard", "pirard@example.be")
    assert message.to == (
        Address("Иван Петров", "ivan@example.ru"),
        Address("José", "jose@example.es"),
    )
    assert [a.email for a in message.cc] == ["broken@example.com", "n@example.com"]
    assert has_defect(message, "unknown charset", "nosuchcharset")


def test_missing_from_date_and_message_id() -> None:
    message = parse("missing_headers.eml")
    assert message.sender is None
    assert message.date is None
    assert message.message_id == ""
    assert message.text_body == "Who sent this?\n"
    for header in ("From", "Date", "Message-ID"):
        assert has_defect(message, "missing", header)


def test_nested_mixed_alternative_related() -> None:
    raw = (CORPUS / "nested.eml").read_bytes()
    message = parse_message(raw)
    assert message.text_body == "The plain version."
    assert 'src="cid:logo@x"' in message.html_body
    assert "preamble" not in message.text_body and "epilogue" not in message.text_body
    image, csv = message.attachments
    assert (image.mime_type, image.content_id) == ("image/png", "logo@x")
    assert attachment_bytes(raw, image.part_index) == b"\x89PNG\r\n\x1a\n"
    assert csv.filename == "Préces 2024.csv"  # RFC 2231 filename*
    assert attachment_bytes(raw, csv.part_index) == b"a,b\r\n1,2"
    assert message.defects == ()


def test_forwarded_message_is_one_attachment() -> None:
    raw = (CORPUS / "rfc822_attachment.eml").read_bytes()
    message = parse_message(raw)
    assert message.text_body == "See the forwarded mail."
    (forwarded,) = message.attachments
    assert forwarded.mime_type == "message/rfc822"
    assert forwarded.filename == "Original question.eml"
    inner = parse_message(attachment_bytes(raw, forwarded.part_index))
    assert inner.message_id == "orig@example.net"
    assert inner.text_body == "Inner body must not become the outer body."
    assert [a.filename for a in inner.attachments] == ["inner.zip"]


def test_multipart_without_boundary_is_read_as_text() -> None:
    message = parse("no_boundary.eml")
    assert "text" in message.text_body
    assert has_defect(message, "without a boundary")


def test_html_only_with_meta_charset() -> None:
    message = parse("html_only.eml")
    assert message.text_body == ""
    assert "Café &amp; croissants" in message.html_body
    assert message.plain_text() == "Café & croissants\n\nSecond"


def test_text_only_without_mime_headers() -> None:
    message = parse("text_only.eml")
    assert message.text_body == "Plain text, no MIME headers at all.\n"
    assert message.sender == Address("Smith, John", "john.smith@example.com")
    assert message.to == (Address("Bob", "bob@example.org"),)
    assert message.reply_to == (Address("", "sales@example.com"),)
    assert message.in_reply_to == "parent@example.org"
    assert message.references == ("root@example.org", "parent@example.org")
    assert message.defects == ()


def test_calendar_invite_part_is_an_attachment() -> None:
    raw = (CORPUS / "calendar_invite.eml").read_bytes()
    message = parse_message(raw)
    assert message.text_body == "You are invited to Demo call."
    calendar = [a for a in message.attachments if a.mime_type == "text/calendar"]
    assert [a.filename for a in calendar] == ["invite.ics"]
    assert b"SUMMARY:Demo call" in attachment_bytes(raw, calendar[0].part_index)
    assert message.defects == ()


def test_bare_lf_line_endings() -> None:
    message = parse("bare_lf.eml")
    assert message.text_body == "line one\nline two"
    assert message.html_body == "<p>line one</p>"
    assert message.defects == ()


def test_truncated_message_keeps_its_parts() -> None:
    raw = (CORPUS / "truncated.eml").read_bytes()
    message = parse_message(raw)
    assert message.text_body == "Start of the message"
    (data,) = message.attachments
    assert attachment_bytes(raw, data.part_index) == bytes(range(10))
    assert has_defect(message, "no closing boundary")


def test_garbage_headers() -> None:
    message = parse("garbage_headers.eml")
    assert message.date is None and has_defect(message, "Date")
    assert message.message_id == "no-angle-brackets@example.com"
    assert message.sender is not None and message.sender.email == ""
    assert message.subject == "=?utf-8?q?unterminated"
    assert message.text_body == "body\n"
    assert has_defect(message, "Content-Type") and has_defect(message, "x-uuencode")


def test_unknown_part_index_raises_key_error() -> None:
    with pytest.raises(KeyError):
        attachment_bytes((CORPUS / "nested.eml").read_bytes(), 99)


def test_huge_attachment_is_counted_not_kept(tmp_path: Path) -> None:
    payload = os.urandom(30 * 1024 * 1024)
    digest = hashlib.sha256(payload).hexdigest()
    encoded = base64.encodebytes(payload).replace(b"\n", b"\r\n")
    del payload
    raw = (
        b"From: big@example.com\r\nTo: bob@example.org\r\nSubject: Big\r\n"
        b"Message-ID: <big@example.com>\r\nDate: Mon, 11 Mar 2024 10:00:00 +0000\r\n"
        b'Content-Type: multipart/mixed; boundary="B"\r\n\r\n'
        b"--B\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n"
        b"--B\r\nContent-Type: application/octet-stream; name=big.bin\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + encoded + b"--B--\r\n"
    )
    del encoded
    tracemalloc.start()
    try:
        message = parse_message(raw)
        _, parse_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        (big,) = message.attachments
        out = hashlib.sha256()
        target = tmp_path / "big.bin"
        with target.open("wb") as file:
            for chunk in iter_attachment(raw, big.part_index):
                out.update(chunk)
                file.write(chunk)
        _, open_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert big.size == 30 * 1024 * 1024
    assert message.text_body == "See attached."
    assert out.hexdigest() == digest
    assert target.stat().st_size == big.size
    # The raw message is ~41 MB; parsing and streaming it out hold a few chunks, not the part.
    assert parse_peak < 8 * 1024 * 1024
    assert open_peak < 8 * 1024 * 1024


def test_html_to_text_drops_scripts_and_styles() -> None:
    html = "<style>x{}</style><script>bad()</script><p>One&nbsp;two</p><div>three</div>"
    assert html_to_text(html) == "One two\n\nthree"
    assert html_to_text("") == ""


def test_raw_utf8_headers_without_encoded_words() -> None:
    message = parse("raw_utf8_headers.eml")
    assert message.subject == "Café con leche"
    assert message.sender == Address("José Muñoz", "jose@example.es")
    assert message.text_body == "Hola áé\n"
    assert message.defects == ()
