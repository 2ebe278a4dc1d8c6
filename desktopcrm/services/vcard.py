"""vCard 3.0 / 4.0 (and the 2.1 most phones still write): reading cards, writing contacts.

Reading understands folded lines, ``QUOTED-PRINTABLE`` with soft line breaks, ``CHARSET``,
escaped ``\\,`` ``\\;`` ``\\n``, grouped properties (``item1.EMAIL``) and several cards per file.
Each card becomes the fields of a contact (``parse_cards``); a card that cannot be read is
reported with its line number and why, never dropped. Importing runs those fields through the
same validation, duplicate check and bulk insert as a CSV import (``csv_import.import_rows``).
"""

from __future__ import annotations

import quopri
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from desktopcrm.models import User
from desktopcrm.models.records import Contact
from desktopcrm.services.csv_import import (
    ImportReport,
    ProgressCallback,
    SourceRow,
    detect_encoding,
    import_rows,
)
from desktopcrm.services.errors import ServiceError

LINE_LIMIT = 75  # octets per line before folding (RFC 6350 3.2)


@dataclass
class Card:
    """One card as read: the contact fields it gives, or why it could not be read."""

    line: int  # line of its BEGIN:VCARD
    fields: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class _Property:
    name: str
    params: dict[str, list[str]]
    value: str


_PARAM_SPLIT = re.compile(r';(?=(?:[^"]*"[^"]*")*[^"]*$)')


def _unescape(text: str) -> str:
    out: list[str] = []
    chars = iter(text)
    for ch in chars:
        if ch == "\\":
            nxt = next(chars, "")
            out.append("\n" if nxt in "nN" else nxt)
        else:
            out.append(ch)
    return "".join(out)


def _split_components(value: str, sep: str = ";") -> list[str]:
    """Split on unescaped ``sep`` and unescape each part."""
    parts: list[str] = []
    current: list[str] = []
    escaped = False
    for ch in value:
        if escaped:
            current.append("\\" + ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == sep:
            parts.append(_unescape("".join(current)))
            current = []
        else:
            current.append(ch)
    parts.append(_unescape("".join(current)))
    return parts


def _logical_lines(lines: Iterable[str]) -> Iterator[tuple[int, str]]:
    """Unfold continuation lines (and quoted-printable soft breaks); yields (line no, text)."""
    pending: str | None = None
    start = 0
    qp_continues = False
    for number, raw in enumerate(lines, 1):
        line = raw.rstrip("\r\n")
        if pending is not None and (qp_continues or line[:1] in (" ", "\t")):
            pending += line if qp_continues else line[1:]
        else:
            if pending is not None:
                yield start, pending
            pending, start = line, number
        head = pending.split(":", 1)[0].upper()
        qp_continues = "QUOTED-PRINTABLE" in head and pending.endswith("=")
        if qp_continues:
            pending = pending[:-1]
    if pending is not None:
        yield start, pending


def _parse_property(text: str) -> _Property | None:
    if ":" not in text:
        return None
    head, value = text.split(":", 1)
    # a colon may sit inside a quoted parameter value
    while head.count('"') % 2 == 1 and ":" in value:
        extra, value = value.split(":", 1)
        head = f"{head}:{extra}"
    parts = _PARAM_SPLIT.split(head)
    name = parts[0].split(".")[-1].upper().strip()
    params: dict[str, list[str]] = {}
    for part in parts[1:]:
        if "=" in part:
            key, raw = part.split("=", 1)
            values = [v.strip('"') for v in raw.split(",")]
        else:  # vCard 2.1 bare types: TEL;CELL;VOICE
            key, values = "TYPE", [part]
        params.setdefault(key.upper().strip(), []).extend(v.lower() for v in values)
    encoding = params.get("ENCODING", [""])[0]
    if encoding in ("quoted-printable", "q"):
        charset = params.get("CHARSET", ["utf-8"])[0]
        try:
            value = quopri.decodestring(value.encode("latin-1", "replace")).decode(
                charset, "replace"
            )
        except LookupError:
            value = quopri.decodestring(value.encode("latin-1", "replace")).decode(
                "utf-8", "replace"
            )
    return _Property(name, params, value)


def _types(prop: _Property) -> set[str]:
    return {t.lower() for value in prop.params.get("TYPE", []) for t in value.split(",")}


def _card_fields(props: list[_Property]) -> dict[str, str]:
    fields: dict[str, str] = {}
    notes: list[str] = []
    for prop in props:
        name, value = prop.name, prop.value
        if name == "FN":
            fields.setdefault("name", _unescape(value).strip())
        elif name == "N":
            parts = [*_split_components(value), "", ""]
            fields.setdefault("last_name", parts[0].strip())
            fields.setdefault("first_name", " ".join(p for p in parts[1:3] if p).strip())
        elif name == "ORG":
            fields.setdefault("company_name", _split_components(value)[0].strip())
        elif name == "TITLE":
            fields.setdefault("title", _unescape(value).strip())
        elif name == "EMAIL":
            fields.setdefault("email", _unescape(value).strip())
        elif name == "TEL":
            number = _unescape(value).strip().removeprefix("tel:")
            key = "mobile" if _types(prop) & {"cell", "mobile"} else "phone"
            if key in fields:
                key = "phone" if key == "mobile" else "mobile"
            fields.setdefault(key, number)
        elif name == "ADR":
            parts = [*_split_components(value), "", "", "", "", "", "", ""]
            street = ", ".join(p.strip() for p in parts[:3] if p.strip())
            for key, part in zip(
                ("street", "city", "region", "postal_code", "country"),
                (street, *parts[3:7]),
                strict=True,
            ):
                if part.strip():
                    fields.setdefault(key, part.strip())
        elif name == "URL":
            fields.setdefault("website", _unescape(value).strip())
        elif name == "NOTE":
            notes.append(_unescape(value).strip())
        elif (name == "KIND" and value.strip().lower() == "org") or (
            name == "X-ABSHOWAS" and value.strip().upper() == "COMPANY"
        ):
            fields["kind"] = "company"
    if notes:
        fields["description"] = "\n\n".join(n for n in notes if n)
    person = fields.get("kind") != "company" and fields.get("name") != fields.get("company_name")
    if person and fields.get("name") and not (fields.get("first_name") or fields.get("last_name")):
        first, _, last = fields["name"].rpartition(" ")
        fields["first_name"], fields["last_name"] = first, last
    return {key: value for key, value in fields.items() if value}


def parse_cards(stream: Iterable[str]) -> Iterator[Card]:
    """Read every card of a vCard file; unreadable ones come back with ``problems``."""
    card: Card | None = None
    props: list[_Property] = []
    for number, text in _logical_lines(stream):
        if not text.strip():
            continue
        upper = text.strip().upper()
        if upper == "BEGIN:VCARD":
            if card is not None:
                card.problems.append(
                    f"card starting on line {card.line} has no END:VCARD before line {number}"
                )
                yield card
            card, props = Card(line=number), []
            continue
        if card is None:
            bad = Card(line=number)
            bad.problems.append(f"line {number} is outside a card (BEGIN:VCARD missing)")
            yield bad
            continue
        if upper == "END:VCARD":
            card.fields = _card_fields(props)
            if not any(card.fields.get(k) for k in ("name", "last_name", "company_name", "email")):
                card.problems.append(f"card on line {card.line} has no name, organisation or email")
            yield card
            card = None
            continue
        prop = _parse_property(text)
        if prop is None:
            card.problems.append(f"line {number} is not a vCard property: {text[:60]!r}")
        else:
            props.append(prop)
    if card is not None:
        card.problems.append(f"card starting on line {card.line} ends without END:VCARD")
        yield card


# -- writing ---------------------------------------------------------------------------------


def _escape(text: str) -> str:
    return (
        (text or "")
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\n")
        .replace("\n", "\\n")
    )


def fold_line(line: str) -> str:
    """Fold a content line at ``LINE_LIMIT`` octets without splitting a UTF-8 character."""
    encoded = line.encode("utf-8")
    if len(encoded) <= LINE_LIMIT:
        return line + "\r\n"
    pieces: list[str] = []
    current = ""
    size = 0
    limit = LINE_LIMIT
    for ch in line:
        width = len(ch.encode("utf-8"))
        if size + width > limit:
            pieces.append(current)
            current, size, limit = "", 0, LINE_LIMIT - 1
        current += ch
        size += width
    pieces.append(current)
    return "\r\n ".join(pieces) + "\r\n"


def format_card(
    contact: Contact, company_name: str = "", version: str = "3.0", tags: Iterable[str] = ()
) -> str:
    """One contact (person or company) as a vCard of ``version`` 3.0 or 4.0."""
    lines = ["BEGIN:VCARD", f"VERSION:{version}"]
    if version == "4.0" and contact.is_company:
        lines.append("KIND:org")
    lines.append(f"FN:{_escape(contact.display_name)}")
    if contact.is_company:
        lines.append("N:;;;;")
        lines.append(f"ORG:{_escape(contact.name)}")
    else:
        lines.append(f"N:{_escape(contact.last_name)};{_escape(contact.first_name)};;;")
        if company_name:
            lines.append(f"ORG:{_escape(company_name)}")
    if contact.title:
        lines.append(f"TITLE:{_escape(contact.title)}")
    if contact.email:
        lines.append(f"EMAIL;TYPE=work:{_escape(contact.email)}")
    for number, kind in ((contact.phone, "work,voice"), (contact.mobile, "cell")):
        if number:
            lines.append(f"TEL;TYPE={kind}:{_escape(number)}")
    address = (contact.street, contact.city, contact.region, contact.postal_code, contact.country)
    if any(address):
        lines.append("ADR;TYPE=work:;;" + ";".join(_escape(part) for part in address))
    if contact.website:
        lines.append(f"URL:{_escape(contact.website)}")
    if contact.description:
        lines.append(f"NOTE:{_escape(contact.description)}")
    tag_list = [t for t in tags if t]
    if tag_list:
        lines.append("CATEGORIES:" + ",".join(_escape(t) for t in tag_list))
    lines.append(f"UID:urn:uuid:{contact.id}")
    lines.append("END:VCARD")
    return "".join(fold_line(line) for line in lines)


def write_cards(out: TextIO, cards: Iterable[tuple[Contact, str, list[str]]], version: str) -> int:
    """Write (contact, employer name, tags) as cards; returns how many were written."""
    count = 0
    for contact, company_name, tags in cards:
        out.write(format_card(contact, company_name, version, tags))
        count += 1
    return count


def card_kind(fields: dict[str, Any]) -> str:
    """ "company" for an organisation's card, else "contact"."""
    return "company" if fields.get("kind") == "company" else "contact"


# -- importing -------------------------------------------------------------------------------

_PERSON_KEYS = {
    "first_name": "first_name",
    "last_name": "last_name",
    "company_name": "company",
    "title": "title",
    "email": "email",
    "phone": "phone",
    "mobile": "mobile",
    "website": "website",
    "street": "street",
    "city": "city",
    "region": "region",
    "postal_code": "postal_code",
    "country": "country",
    "description": "description",
}
_COMPANY_KEYS = {k: v for k, v in _PERSON_KEYS.items() if k not in ("first_name", "last_name")}


def _rows(path: Path, kind: str) -> Iterator[SourceRow]:
    """The cards of ``kind`` ("contact" or "company") as import rows; bad cards go with people."""
    with path.open(encoding=detect_encoding(path), newline="") as handle:
        for card in parse_cards(handle):
            if not card.ok:
                if kind == "contact":
                    yield SourceRow(card.line, {}, "; ".join(card.problems))
                continue
            if card_kind(card.fields) != kind:
                continue
            if kind == "company":
                values = {_COMPANY_KEYS[k]: v for k, v in card.fields.items() if k in _COMPANY_KEYS}
                values["name"] = card.fields.get("company_name") or card.fields.get("name", "")
                values.pop("company", None)
            else:
                values = {_PERSON_KEYS[k]: v for k, v in card.fields.items() if k in _PERSON_KEYS}
                if not values.get("first_name") and not values.get("last_name"):
                    values["full_name"] = card.fields.get("name", "")
            yield SourceRow(card.line, {k: v for k, v in values.items() if v})


def import_vcards(
    actor: User,
    path: str | Path,
    *,
    dry_run: bool = False,
    check_duplicates: bool = True,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> list[ImportReport]:
    """Import a vCard file: organisation cards as companies, the others as people.

    Returns one report per kind present (companies first, so people can link to them);
    each is its own import that can be undone.
    """
    path = Path(path)
    counts = {"contact": 0, "company": 0}
    with path.open(encoding=detect_encoding(path), newline="") as handle:
        for card in parse_cards(handle):
            counts["company" if card.ok and card_kind(card.fields) == "company" else "contact"] += 1
    if not any(counts.values()):
        raise ServiceError(f"{path.name} holds no vCard (BEGIN:VCARD ... END:VCARD).")
    reports = []
    for kind in ("company", "contact"):
        if counts[kind]:
            reports.append(
                import_rows(
                    actor,
                    kind,
                    _rows(path, kind),
                    total=counts[kind],
                    file_name=path.name,
                    file_format="vcf",
                    dry_run=dry_run,
                    check_duplicates=check_duplicates,
                    progress=progress,
                    cancel=cancel,
                )
            )
    return reports
