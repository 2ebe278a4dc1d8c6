"""Lenient decoding for mail: charsets, RFC 2047 encoded-words, transfer encodings.

Real mail lies about its charset, breaks its base64 and mixes encodings. Everything here
decodes what it can, never raises, and reports what it had to repair through a ``defects``
list the caller passes in.
"""

from __future__ import annotations

import binascii
import codecs
import re
from collections.abc import Iterator

# Names mail clients use that Python does not know, or where a superset decodes what the
# senders actually meant (Outlook sends windows-1252 labelled iso-8859-1, GBK labelled gb2312).
_CHARSET_ALIASES = {
    "unicode-1-1-utf-7": "utf-7",
    "unicode-1-1-utf-8": "utf-8",
    "utf8": "utf-8",
    "x-unicode20utf8": "utf-8",
    "gb2312": "gb18030",
    "gb_2312-80": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "euc-kr": "cp949",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "windows-874": "cp874",
    "tis-620": "cp874",
    "shift_jis": "cp932",
    "x-sjis": "cp932",
    "sjis": "cp932",
    "iso-8859-8-i": "iso-8859-8",
    "iso-8859-6-i": "iso-8859-6",
    "big5": "big5hkscs",
    "x-mac-roman": "mac_roman",
    "macintosh": "mac_roman",
    "ansi_x3.4-1968": "ascii",
    "us-ascii": "ascii",
    "default": "ascii",
}

_ENCODED_WORD = re.compile(
    r"=\?(?P<charset>[^?\s*]+)(?:\*[^?\s]*)?\?(?P<encoding>[QqBb])\?(?P<text>[^?]*)\?="
)
_BETWEEN_WORDS = re.compile(r"(\?=)[ \t\r\n]+(=\?)")
_B64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_NOT_B64 = bytes(b for b in range(256) if b not in _B64_ALPHABET)
_META_CHARSET = re.compile(rb"<meta[^>]{0,200}?charset\s*=\s*[\"']?\s*([A-Za-z0-9_:.\-]+)", re.I)

CHUNK = 1 << 20  # bytes of encoded input decoded at a time when streaming a part


def codec_for(charset: str) -> str | None:
    """The Python text codec for a mail charset name, or None when there is none."""
    name = charset.strip().strip("\"'").lower()
    if not name:
        return None
    name = _CHARSET_ALIASES.get(name, name)
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return None
    # codecs.lookup also finds bytes-to-bytes codecs ("base64", "zlib"): not charsets.
    if not getattr(info, "_is_text_encoding", True):
        return None
    return info.name


def guess_decode(data: bytes) -> str:
    """Decode bytes of unknown charset: UTF-8 if valid, else windows-1252 (then latin-1)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def decode_text(data: bytes, charset: str | None, defects: list[str], where: str) -> str:
    """Decode ``data`` declared as ``charset`` (None: undeclared), repairing what lies.

    An undeclared or us-ascii charset with 8-bit bytes is read as UTF-8 or windows-1252;
    an unknown charset the same way; invalid bytes in a known charset become U+FFFD.
    """
    codec = codec_for(charset) if charset else "ascii"
    if codec is None:
        defects.append(f"{where}: unknown charset {charset!r}, guessed")
        return guess_decode(data)
    if codec == "ascii":
        if data.isascii():
            return data.decode("ascii")
        if charset:
            defects.append(f"{where}: declared {charset} but has 8-bit bytes, guessed")
        return guess_decode(data)
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        defects.append(f"{where}: invalid {charset} bytes replaced")
        return data.decode(codec, errors="replace")
    except Exception:  # a codec's own bug must not stop the parse
        defects.append(f"{where}: charset {charset!r} failed, guessed")
        return guess_decode(data)


def sniff_html_charset(data: bytes) -> str | None:
    """The charset an HTML part names in a ``<meta>`` tag near its start, if any."""
    match = _META_CHARSET.search(data[:4096])
    return match.group(1).decode("ascii") if match else None


def decode_header_bytes(raw: bytes) -> str:
    """A raw header value (bytes, possibly with 8-bit text) as str, before RFC 2047."""
    return guess_decode(raw) if not raw.isascii() else raw.decode("ascii")


def decode_words(text: str, defects: list[str], where: str) -> str:
    """Decode RFC 2047 encoded-words in ``text``; broken ones are repaired or left as typed."""
    if "=?" not in text:
        return text
    text = _BETWEEN_WORDS.sub(r"\1\2", text)
    pieces: list[str] = []
    pos = 0
    # Adjacent words in one charset are joined as bytes first: senders split multibyte
    # characters across words.
    pending = b""
    pending_charset = ""

    def flush() -> None:
        nonlocal pending, pending_charset
        if pending_charset:
            pieces.append(decode_text(pending, pending_charset, defects, where))
        pending, pending_charset = b"", ""

    for match in _ENCODED_WORD.finditer(text):
        if match.start() > pos:
            flush()
            pieces.append(text[pos : match.start()])
        charset = match.group("charset")
        payload = match.group("text").encode("ascii", errors="replace")
        if match.group("encoding") in "Bb":
            decoded = _decode_b64_word(payload, defects, where)
            if decoded is None:
                flush()
                pieces.append(match.group(0))
                pos = match.end()
                continue
            data = decoded
        else:
            data = binascii.a2b_qp(payload, header=True)
        if charset.lower() != pending_charset.lower():
            flush()
            pending_charset = charset
        pending += data
        pos = match.end()
    flush()
    pieces.append(text[pos:])
    return "".join(pieces)


def _decode_b64_word(payload: bytes, defects: list[str], where: str) -> bytes | None:
    """The bytes of a B-encoded word; None (left as typed) when it is not base64 at all."""
    cleaned = payload.translate(None, _NOT_B64 + b"=")
    if len(cleaned) != len(payload.rstrip(b"=").replace(b" ", b"")):
        defects.append(f"{where}: broken base64 encoded-word left as typed")
        return None
    if len(cleaned) % 4 == 1:
        cleaned = cleaned[:-1]
        defects.append(f"{where}: broken base64 encoded-word")
    cleaned += b"=" * (-len(cleaned) % 4)
    try:
        return binascii.a2b_base64(cleaned)
    except binascii.Error:
        defects.append(f"{where}: undecodable base64 encoded-word")
        return b""


def iter_decoded(
    body: memoryview, encoding: str, defects: list[str], where: str
) -> Iterator[bytes]:
    """Decode a part's body by its Content-Transfer-Encoding, CHUNK bytes at a time.

    Streaming keeps memory bounded for huge attachments: nothing holds the whole decoded part
    unless the caller joins the chunks.
    """
    encoding = encoding.strip().lower()
    if encoding == "base64":
        yield from _iter_base64(body, defects, where)
    elif encoding == "quoted-printable":
        yield from _iter_qp(body)
    else:
        if encoding not in ("", "7bit", "8bit", "binary"):
            defects.append(f"{where}: unknown transfer encoding {encoding!r}, kept as is")
        for start in range(0, len(body), CHUNK):
            yield bytes(body[start : start + CHUNK])


def _iter_base64(body: memoryview, defects: list[str], where: str) -> Iterator[bytes]:
    carry = b""
    junk = False
    padded = False
    for start in range(0, len(body), CHUNK):
        raw = bytes(body[start : start + CHUNK])
        if raw.strip():
            padded = raw.rstrip().endswith(b"=")
        cleaned = raw.translate(None, _NOT_B64)
        if not junk and len(raw.translate(None, b"\r\n\t =")) != len(cleaned):
            junk = True
        data = carry + cleaned
        usable = len(data) - len(data) % 4
        carry = data[usable:]
        if usable:
            yield binascii.a2b_base64(data[:usable])
    if junk:
        defects.append(f"{where}: base64 with invalid characters (skipped)")
    if carry:
        if len(carry) == 1:
            defects.append(f"{where}: truncated base64 (last character dropped)")
        else:
            if not padded:
                defects.append(f"{where}: base64 without padding")
            yield binascii.a2b_base64(carry + b"=" * (-len(carry) % 4))


def _iter_qp(body: memoryview) -> Iterator[bytes]:
    carry = b""
    for start in range(0, len(body), CHUNK):
        data = carry + bytes(body[start : start + CHUNK])
        cut = data.rfind(b"\n") + 1
        if cut == 0 and len(data) < 4 * CHUNK:
            carry = data
            continue
        if cut == 0:
            cut = len(data)
        carry = data[cut:]
        yield binascii.a2b_qp(data[:cut])
    if carry:
        yield binascii.a2b_qp(carry)
