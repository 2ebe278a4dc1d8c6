"""Outgoing messages: built by compose, read back by parse_message (round trips)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from desktopcrm.sync.compose import (
    MAX_REFERENCES,
    ComposeError,
    Draft,
    build_message,
    new_message_id,
    quote_for_forward,
    quote_for_reply,
    strip_tracking_pixel,
)
from desktopcrm.sync.mime import (
    Address,
    ParsedMessage,
    attachment_bytes,
    parse_message,
    save_attachment,
)

ME = Address("Bob Builder", "bob@example.org")
WHEN = datetime(2024, 3, 11, 9, 30, tzinfo=UTC)
PIXEL = "https://track.example.com/o/Y3JtLTEyM0BleGFtcGxlLm9yZw.abcdefghijklmnopqrstuv.gif"


def round_trip(draft: Draft, **kwargs: object) -> tuple[bytes, ParsedMessage]:
    raw = build_message(draft, "crm-1@example.org", date=WHEN, **kwargs)  # type: ignore[arg-type]
    return raw, parse_message(raw)


def test_new_message_ids_are_unique_and_in_the_domain() -> None:
    ids = {new_message_id("Example.ORG") for _ in range(1000)}
    assert len(ids) == 1000
    assert all(i.endswith("@example.org") and "<" not in i for i in ids)
    assert new_message_id("bücher.de").endswith("@xn--bcher-kva.de")
    assert new_message_id("").endswith("@desktopcrm.invalid")
    assert new_message_id("bad domain!").endswith("@desktopcrm.invalid")


def test_non_ascii_names_and_subject_round_trip() -> None:
    draft = Draft(
        sender=Address("Zoë Müller, Sales", "zoe@example.de"),
        to=(Address("Иван Петров", "ivan@example.ru"), Address('José "Pepe"', "jose@example.es")),
        cc=(Address("", "cc@example.com"),),
        bcc=(Address("Hidden", "hidden@example.com"),),
        subject="Angebot für Größe XL — 你好 " * 4,
        text_body="Hallo Iván,\nanbei das Angebot.\n" + "x" * 1200,
    )
    raw, parsed = round_trip(draft)
    assert raw.isascii()
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    assert parsed.message_id == "crm-1@example.org"
    assert parsed.sender == draft.sender
    assert parsed.to == draft.to
    assert parsed.cc == draft.cc
    assert parsed.bcc == draft.bcc  # Gmail delivers to Bcc and strips the header itself
    assert parsed.subject == " ".join(draft.subject.split())
    assert parsed.date == WHEN
    assert parsed.text_body.rstrip("\n") == draft.text_body.rstrip("\n")
    assert parsed.html_body == ""
    assert parsed.defects == ()


def test_text_and_html_alternative() -> None:
    draft = Draft(
        ME, (Address("", "ann@example.com"),), subject="Hi", html_body="<p>Hi <b>Ann</b></p>"
    )
    _, parsed = round_trip(draft)
    assert parsed.html_body.strip() == "<p>Hi <b>Ann</b></p>"
    assert parsed.text_body.strip() == "Hi Ann"  # made from the HTML


def test_attachments_round_trip(tmp_path: Path) -> None:
    pdf = tmp_path / "Angebot März.pdf"
    pdf.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 100)
    csv = tmp_path / "prices.csv"
    csv.write_text("a,b\r\n1,2\r\n")
    draft = Draft(
        ME,
        (Address("", "ann@example.com"),),
        subject="Files",
        text_body="See files.",
        attachments=(pdf, csv),
    )
    raw, parsed = round_trip(draft)
    assert [(a.filename, a.mime_type) for a in parsed.attachments] == [
        ("Angebot März.pdf", "application/pdf"),
        ("prices.csv", "text/csv"),
    ]
    for attachment, path in zip(parsed.attachments, (pdf, csv), strict=True):
        assert attachment_bytes(raw, attachment.part_index) == path.read_bytes()
    saved = save_attachment(raw, parsed.attachments[0], tmp_path / "out")
    again = save_attachment(raw, parsed.attachments[0], tmp_path / "out")
    assert saved.name == "Angebot März.pdf" and again.name == "Angebot März (2).pdf"
    assert saved.read_bytes() == again.read_bytes() == pdf.read_bytes()
    assert parsed.text_body.strip() == "See files."


def test_missing_attachment_and_no_recipient_say_what_to_do(tmp_path: Path) -> None:
    gone = Draft(ME, (Address("", "a@example.com"),), attachments=(tmp_path / "gone.pdf",))
    with pytest.raises(ComposeError, match=r"gone\.pdf cannot be read"):
        build_message(gone, "x@example.org")
    with pytest.raises(ComposeError, match="at least one recipient"):
        build_message(Draft(ME, ()), "x@example.org")
    with pytest.raises(ComposeError, match="not an email address"):
        build_message(Draft(ME, (Address("Ann", "ann"),)), "x@example.org")


def test_idn_recipient_is_sent_in_punycode() -> None:
    _, parsed = round_trip(Draft(ME, (Address("Müller", "info@bücher.de"),), subject="x"))
    assert parsed.to == (Address("Müller", "info@xn--bcher-kva.de"),)


def test_header_injection_is_flattened() -> None:
    draft = Draft(
        ME,
        (Address("Ann\r\nBcc: evil@example.com", "ann@example.com"),),
        subject="Hi\r\nBcc: evil@example.com",
    )
    raw, parsed = round_trip(draft)
    assert b"\r\nBcc:" not in raw
    assert parsed.bcc == ()
    assert parsed.subject == "Hi Bcc: evil@example.com"


def test_tracking_pixel_only_with_a_url_and_stripped_when_quoting() -> None:
    draft = Draft(
        ME,
        (Address("", "ann@example.com"),),
        subject="Hi",
        text_body="Hello",
        html_body="<html><body><p>Hello</p></body></html>",
    )
    _, plain = round_trip(draft)
    assert "<img" not in plain.html_body
    _, tracked = round_trip(draft, tracking_pixel_url=PIXEL)
    assert PIXEL in tracked.html_body
    assert tracked.html_body.index(PIXEL) < tracked.html_body.index("</body>")
    assert tracked.text_body.strip() == "Hello"
    _, text_only = round_trip(
        Draft(ME, (Address("", "a@example.com"),), text_body="Hi"), tracking_pixel_url=PIXEL
    )
    assert PIXEL in text_only.html_body  # a pixel needs an HTML part, made from the text

    reply = quote_for_reply(tracked, reply_all=False, me=ME.email)
    assert PIXEL not in reply.html_body and "<p>Hello</p>" in reply.html_body
    proxied = (
        '<p>x</p><img src="https://ci3.googleusercontent.com/proxy/abc#' + PIXEL + '">'
        '<img src="https://example.com/logo.gif">'
    )
    assert strip_tracking_pixel(proxied) == '<p>x</p><img src="https://example.com/logo.gif">'


def original(**changes: object) -> ParsedMessage:
    raw = (
        b"From: Ann Customer <Ann@Customer.com>\r\n"
        b"To: Bob Builder <bob@example.org>, Carl <carl@customer.com>\r\n"
        b"Cc: BOB@example.org, Dora <dora@customer.com>, carl@customer.com\r\n"
        b"Subject: Quote\r\nDate: Mon, 11 Mar 2024 10:00:00 +0000\r\n"
        b"Message-ID: <m2@customer.com>\r\nReferences: <m0@customer.com> <m1@example.org>\r\n"
        b"Content-Type: text/plain\r\n\r\nLine one\r\n\r\nLine two\r\n"
    )
    return replace(parse_message(raw), **changes)  # type: ignore[arg-type]


def test_reply_goes_to_the_sender_with_threading_headers() -> None:
    pieces = quote_for_reply(original(), reply_all=False, me="bob@example.org", tz=UTC)
    assert pieces.to == (Address("Ann Customer", "ann@customer.com"),)
    assert pieces.cc == ()
    assert pieces.subject == "Re: Quote"
    assert pieces.in_reply_to == "m2@customer.com"
    assert pieces.references == ("m0@customer.com", "m1@example.org", "m2@customer.com")
    assert "On Mon, 11 Mar 2024 at 10:00, Ann Customer <ann@customer.com> wrote:" in (
        pieces.text_body
    )
    assert "> Line one\n>\n> Line two" in pieces.text_body


def test_reply_all_excludes_me_and_dedups() -> None:
    pieces = quote_for_reply(original(), reply_all=True, me="Bob@Example.org")
    assert [a.email for a in pieces.to] == ["ann@customer.com", "carl@customer.com"]
    assert [a.email for a in pieces.cc] == ["dora@customer.com"]


def test_reply_uses_reply_to_and_keeps_re_prefix() -> None:
    parsed = original(reply_to=(Address("Sales", "sales@customer.com"),), subject="RE: Quote")
    pieces = quote_for_reply(parsed, reply_all=False, me=["bob@example.org", "b@example.org"])
    assert pieces.to == (Address("Sales", "sales@customer.com"),)
    assert pieces.subject == "RE: Quote"


def test_reply_to_my_own_sent_message_goes_to_its_recipients() -> None:
    parsed = original(sender=Address("Bob Builder", "bob@example.org"))
    pieces = quote_for_reply(parsed, reply_all=False, me="bob@example.org")
    assert [a.email for a in pieces.to] == ["carl@customer.com"]


def test_reply_round_trip_keeps_the_thread() -> None:
    pieces = quote_for_reply(original(), reply_all=True, me="bob@example.org")
    _, parsed = round_trip(pieces.draft(ME, "Thanks!"))
    assert parsed.in_reply_to == "m2@customer.com"
    assert parsed.references == ("m0@customer.com", "m1@example.org", "m2@customer.com")
    assert parsed.text_body.startswith("Thanks!\n\nOn ")
    assert "> Line two" in parsed.text_body
    assert "<blockquote" in parsed.html_body and "Thanks!" in parsed.html_body


def test_long_reference_chains_are_capped_keeping_the_root() -> None:
    refs = tuple(f"m{i}@x.com" for i in range(50))
    draft = Draft(
        ME, (Address("", "a@x.com"),), subject="Re", in_reply_to="m49@x.com", references=refs
    )
    _, parsed = round_trip(draft)
    assert len(parsed.references) == MAX_REFERENCES
    assert parsed.references[0] == "m0@x.com" and parsed.references[-1] == "m49@x.com"


def test_forward_quotes_headers_and_lists_attachments() -> None:
    raw = (Path(__file__).parent.parent / "fixtures" / "mail" / "nested.eml").read_bytes()
    parsed = parse_message(raw)
    pieces = quote_for_forward(parsed, tz=timezone(timedelta(hours=1)))
    assert pieces.subject == "Fwd: Nested mixed > alternative > related"
    assert pieces.to == () and pieces.in_reply_to == ""
    assert "From: Designer <design@example.com>" in pieces.text_body
    assert "Date: Sun, 10 Mar 2024 at 11:00" in pieces.text_body
    assert "The plain version." in pieces.text_body
    assert "<b>HTML</b>" in pieces.html_body and "<html>" not in pieces.html_body
    assert [a.filename for a in pieces.attachments] == ["Préces 2024.csv"]  # not the inline logo
    assert quote_for_forward(replace(parsed, subject="Fw: x")).subject == "Fw: x"
