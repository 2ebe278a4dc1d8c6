"""Likely duplicates of a lead, person or company, and merging two records into one.

``find_duplicates`` is asked on create, on import and on conversion. It never reads a whole
table: candidates come from index lookups (the email column and the search index, which holds
folded names, normalised emails, phone digits and the last digits of each phone), then each
candidate is scored here:

- the same mailbox (``normalize_email``: case, ``+tags``, Gmail dots) → 1.0
- the same phone number (with or without country code; ``phonenumbers`` when installed) → 0.9
- the same company website domain → 0.9
- a similar name (accents and case ignored, words in any order, initials: "J. Smith" is
  "John Smith") → 0.8 x similarity, when the similarity is at least ``NAME_THRESHOLD``

A candidate with more than one signal gets 0.1 more (at most 1.0). Matches below
``MIN_SCORE`` are not reported. Duplicates are looked for among every live record, whoever
owns it: a duplicate you cannot see is still a duplicate (the GUI shows only what you may see).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any, Literal
from urllib.parse import urlsplit

from desktopcrm.models import User
from desktopcrm.models.records import Contact, Deal, DealContact, Lead, record_kind
from desktopcrm.services.errors import ServiceError
from desktopcrm.services.records import writing
from desktopcrm.services.search import (
    Term,
    digits,
    fold,
    index_record,
    match_any,
    match_records,
    normalize_email,
    phone_tail,
    words,
)
from desktopcrm.services.visibility import require_edit

DuplicateKind = Literal["lead", "contact", "company"]

MIN_SCORE = 0.6
#: An import refuses a row whose match scores this much: the same email, phone or website,
#: or a company of the same name. A person's name alone is not enough (namesakes exist).
STRONG_SCORE = 0.9
NAME_THRESHOLD = 0.85
CANDIDATES = 200

#: Words that say what legal form a company has, not which company it is.
LEGAL_FORMS = frozenset(
    [
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "co",
        "company",
        "ltd",
        "limited",
        "llc",
        "llp",
        "plc",
        "gmbh",
        "ag",
        "kg",
        "ohg",
        "ug",
        "sa",
        "sas",
        "sarl",
        "sl",
        "slu",
        "srl",
        "spa",
        "snc",
        "sas",
        "bv",
        "nv",
        "oy",
        "ab",
        "as",
        "aps",
        "kk",
        "kabushiki",
        "kaisha",
        "pty",
        "pte",
        "sp",
        "zoo",
        "z",
        "o",
        "oo",
        "ooo",
        "zao",
        "pao",
        "ao",
        "the",
        "and",
        "und",
        "y",
        "e",
        "et",
    ]
)


@dataclass(frozen=True)
class DuplicateMatch:
    """A record that is probably the same as the one being created or imported."""

    record_id: uuid.UUID
    kind: str
    name: str
    score: float
    reasons: tuple[str, ...] = field(default=())

    @property
    def title(self) -> str:
        """The record's name (as search hits call it)."""
        return self.name


# -- normalising -----------------------------------------------------------------------------


def normalize_phone(phone: str, region: str | None = None) -> str:
    """The number in E.164 when it can be read (``phonenumbers``), else its digits."""
    only = digits(phone)
    if not only:
        return ""
    try:
        import phonenumbers
    except ImportError:
        return only
    try:
        parsed = phonenumbers.parse(phone, region)
    except phonenumbers.NumberParseException:
        return only
    return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))


def same_phone(a: str, b: str) -> bool:
    """Whether two phone numbers are the same line, written with or without country code."""
    da, db = digits(a), digits(b)
    if len(da) < 6 or len(db) < 6:
        return False
    if da == db:
        return True
    na, nb = normalize_phone(a), normalize_phone(b)
    if na.startswith("+") and nb.startswith("+"):
        return na == nb
    # One of them has no country code: compare the national significant numbers.
    short, long_ = sorted((da.lstrip("0"), db.lstrip("0")), key=len)
    return len(short) >= 7 and long_.endswith(short)


_DOTTED = re.compile(r"\b(?:[^\W\d_]\.){2,}")  # s.p.a. s.r.l. b.v.


def company_words(name: str) -> list[str]:
    """The words that name a company, without its legal form ("ACME S.p.A." → ["acme"])."""
    undotted = _DOTTED.sub(lambda m: m.group(0).replace(".", ""), fold(name))
    significant = [w for w in words(undotted) if w not in LEGAL_FORMS]
    return significant or words(name)


def domain_of(website_or_email: str) -> str:
    """The registrable-looking domain of a website or an email address ("www." dropped)."""
    text = (website_or_email or "").strip().lower()
    if not text:
        return ""
    if "@" in text and "/" not in text:
        return text.rpartition("@")[2]
    host = urlsplit(text if "//" in text else f"//{text}").hostname or ""
    return host.removeprefix("www.")


def _initials_match(a: list[str], b: list[str]) -> bool:
    """ "j smith" and "john smith": same last word, and each other word an initial of the other."""
    if len(a) != len(b) or len(a) < 2 or a[-1] != b[-1]:
        return False
    return all(
        x == y or (len(x) == 1 and y.startswith(x)) or (len(y) == 1 and x.startswith(y))
        for x, y in zip(a[:-1], b[:-1], strict=True)
    )


def name_similarity(a: str, b: str, *, company: bool = False) -> float:
    """0..1: how alike two names are (accents, case, word order and legal forms ignored)."""
    wa = company_words(a) if company else words(a)
    wb = company_words(b) if company else words(b)
    if not wa or not wb:
        return 0.0
    if sorted(wa) == sorted(wb):
        return 1.0
    if not company and (_initials_match(wa, wb) or _initials_match(wa[::-1], wb[::-1])):
        return 0.9
    return SequenceMatcher(None, " ".join(sorted(wa)), " ".join(sorted(wb))).ratio()


# -- finding ---------------------------------------------------------------------------------


def _text(fields: Mapping[str, Any], *names: str) -> str:
    for name in names:
        value = fields.get(name)
        if value:
            return str(value).strip()
    return ""


def _person_name(fields: Mapping[str, Any]) -> str:
    joined = f"{_text(fields, 'first_name')} {_text(fields, 'last_name')}".strip()
    return joined or _text(fields, "name")


def _name_terms(name: str, *, company: bool) -> list[list[Term]]:
    """Index queries that find records named like ``name`` (typos in one word allowed)."""
    found = company_words(name) if company else words(name)
    if not found:
        return []
    if company:
        queries = [[Term(w) for w in found]]
        if len(found) > 1:
            queries.append([Term(found[0])])
        return queries
    if len(found) == 1:
        return [[Term(found[0])]]
    first, last = found[0], found[-1]
    return [
        [Term(last), Term(first[0], prefix=True)],  # "J. Smith", "Jon Smith"
        [Term(first), Term(last[0], prefix=True)],  # "John Smyth"
    ]


def _candidates(kind: DuplicateKind, fields: Mapping[str, Any]) -> set[uuid.UUID]:
    kinds = [kind]
    model: type[Lead] | type[Contact] = Lead if kind == "lead" else Contact
    found: set[uuid.UUID] = set()
    company = kind == "company"
    email = _text(fields, "email")
    if email:
        exact = {email, email.lower(), normalize_email(email)}
        query = model.select(model.id).where(model.email.in_(sorted(exact)))
        found.update(row.id for row in query.limit(CANDIDATES))
        local = normalize_email(email).rpartition("@")[0]
        found.update(match_records([Term(w) for w in words(local)], kinds))
    for phone in (_text(fields, "phone"), _text(fields, "mobile")):
        tail = phone_tail(phone)
        if len(tail) >= 6:
            found.update(match_records([Term(tail)], kinds))
    name = _text(fields, "name", "company_name") if company else _person_name(fields)
    for terms in _name_terms(name, company=company):
        found.update(match_records(terms, kinds, title_only=True, limit=CANDIDATES))
    website = _text(fields, "website")
    if company and website:
        host = domain_of(website)
        if host:
            found.update(match_records([Term(w) for w in words(host)], kinds))
    return found


def _score(
    kind: DuplicateKind, fields: Mapping[str, Any], record: Lead | Contact
) -> tuple[float, list[str]]:
    signals: list[tuple[float, str]] = []
    email = _text(fields, "email")
    if email and record.email and normalize_email(email) == normalize_email(record.email):
        signals.append((1.0, f"same email address ({record.email})"))
    phones = [p for p in (_text(fields, "phone"), _text(fields, "mobile")) if p]
    theirs = [p for p in (record.phone, record.mobile) if p]
    matched = next((t for p in phones for t in theirs if same_phone(p, t)), None)
    if matched:
        signals.append((0.9, f"same phone number ({matched})"))
    company = kind == "company"
    same_name = False
    if company:
        ours, host = domain_of(_text(fields, "website")), domain_of(record.website)
        if ours and ours == host:
            signals.append((0.9, f"same website ({host})"))
        name = _text(fields, "name", "company_name")
        their_name = record.name if isinstance(record, Contact) else record.company_name
        same_name = bool(name) and company_words(name) == company_words(their_name)
        if same_name:
            signals.append((0.9, "same company name"))
    else:
        name = _person_name(fields)
        their_name = f"{record.first_name} {record.last_name}".strip()
        if not their_name and isinstance(record, Contact):
            their_name = record.name
    similarity = name_similarity(name, their_name, company=company) if name else 0.0
    if similarity >= NAME_THRESHOLD and not (company and same_name):
        label = "same name" if similarity == 1.0 else f"similar name ({similarity:.0%})"
        signals.append((0.8 * similarity, label))
    if not signals:
        return 0.0, []
    score = max(value for value, _ in signals) + (0.1 if len(signals) > 1 else 0.0)
    return min(score, 1.0), [reason for _, reason in signals]


def find_duplicates(
    kind: str,
    fields: Mapping[str, Any],
    limit: int = 5,
    *,
    exclude: Iterable[uuid.UUID] = (),
) -> list[DuplicateMatch]:
    """Live records of ``kind`` that are probably the record described by ``fields``.

    Args:
        kind: ``"lead"``, ``"contact"`` (a person) or ``"company"``.
        fields: the new record's values: ``first_name``, ``last_name``, ``name`` (a
            company's), ``email``, ``phone``, ``mobile``, ``website``, ``company_name``.
        limit: at most this many matches, the most likely first.
        exclude: ids not to report (the record itself, when editing).
    """
    if kind not in ("lead", "contact", "company"):
        raise ValueError(f"duplicates are found among leads, contacts or companies, not {kind}")
    checked: DuplicateKind = kind  # type: ignore[assignment]
    candidates = _candidates(checked, fields) - set(exclude)
    if not candidates:
        return []
    model: type[Lead] | type[Contact] = Lead if kind == "lead" else Contact
    matches: list[DuplicateMatch] = []
    for start in range(0, len(candidates), 500):
        chunk = sorted(candidates)[start : start + 500]
        # deleted_at is checked here, not in SQL: see csv_import.find_contact
        for record in model.select().where(model.id.in_(chunk)):
            if record.deleted_at is not None:
                continue
            if isinstance(record, Contact) and record.is_company != (kind == "company"):
                continue
            score, reasons = _score(checked, fields, record)
            if score >= MIN_SCORE:
                matches.append(
                    DuplicateMatch(
                        record.id, kind, record.display_name, round(score, 3), tuple(reasons)
                    )
                )
    matches.sort(key=lambda m: (-m.score, fold(m.name)))
    return matches[:limit]


def dedup_keys(kind: str, fields: Mapping[str, Any]) -> list[str]:
    """Keys two records share when they are surely the same (rows of one file compare these):
    the normalised email, each phone's last digits, and for companies the name and website."""
    keys: list[str] = []
    email = _text(fields, "email")
    if email:
        keys.append("email:" + normalize_email(email))
    for phone in (_text(fields, "phone"), _text(fields, "mobile")):
        tail = phone_tail(phone)
        if len(tail) >= 7:
            keys.append("phone:" + tail)
    if kind == "company":
        name = " ".join(company_words(_text(fields, "name", "company_name")))
        if name:
            keys.append("name:" + name)
        host = domain_of(_text(fields, "website"))
        if host:
            keys.append("site:" + host)
    return keys


def _spelled_differently(email: str) -> bool:
    """Whether another spelling of the address may be stored (Gmail dots, ``+tags``): only
    then does a batch look further than the email column."""
    normal = normalize_email(email)
    return normal != email.strip().lower() or normal.endswith("@gmail.com")


def find_duplicates_many(
    kind: str,
    rows: Sequence[Mapping[str, Any]],
    min_score: float = STRONG_SCORE,
    *,
    keys: Sequence[Sequence[str]] | None = None,
) -> list[list[DuplicateMatch]]:
    """``find_duplicates`` for a batch of rows (imports): a few index lookups per batch.

    Candidates are the records sharing a row's email (looked up in the email column, and in
    the search index for Gmail and ``+tag`` spellings), phone digits, or (companies) name or
    website; each is scored with the same rules as ``find_duplicates``. ``keys``: each row's
    ``dedup_keys``, when the caller has them already.
    """
    if keys is None:
        keys = [dedup_keys(kind, f) for f in rows]
    checked: DuplicateKind = kind  # type: ignore[assignment]
    model: type[Lead] | type[Contact] = Lead if kind == "lead" else Contact
    emails = sorted(
        {v for f in rows if (e := _text(f, "email")) for v in (e, e.lower(), normalize_email(e))}
    )
    ids: set[uuid.UUID] = set()
    for start in range(0, len(emails), 500):
        chunk = emails[start : start + 500]
        ids.update(r.id for r in model.select(model.id).where(model.email.in_(chunk)))
    groups: list[list[Term]] = []
    for f, row_keys in zip(rows, keys, strict=True):
        email = _text(f, "email")
        if email and _spelled_differently(email):
            groups.append([Term(w) for w in words(normalize_email(email).rpartition("@")[0])])
        for key in row_keys:  # phone tails; a company's name words and website
            what, _, value = key.partition(":")
            if what == "phone":
                groups.append([Term(value)])
            elif what == "name":
                groups.append([Term(w) for w in value.split()])
            elif what == "site":
                groups.append([Term(w) for w in words(value)])
    for start in range(0, len(groups), 300):
        ids.update(match_any(groups[start : start + 300], [kind], limit=None))
    by_key: dict[str, list[Lead | Contact]] = {}
    ordered = sorted(ids)
    for start in range(0, len(ordered), 500):
        id_chunk = ordered[start : start + 500]
        for record in model.select().where(model.id.in_(id_chunk)):
            if record.deleted_at is not None:
                continue
            if isinstance(record, Contact) and record.is_company != (kind == "company"):
                continue
            for key in dedup_keys(kind, duplicate_fields(record)):
                by_key.setdefault(key, []).append(record)
    result: list[list[DuplicateMatch]] = []
    if not by_key:
        return [[] for _ in rows]
    for f, row_keys in zip(rows, keys, strict=True):
        seen: dict[uuid.UUID, Lead | Contact] = {}
        for key in row_keys:
            seen.update((r.id, r) for r in by_key.get(key, ()))
        matches = []
        for record in seen.values():
            score, reasons = _score(checked, f, record)
            if score >= min_score:
                matches.append(
                    DuplicateMatch(
                        record.id, kind, record.display_name, round(score, 3), tuple(reasons)
                    )
                )
        matches.sort(key=lambda m: -m.score)
        result.append(matches)
    return result


def duplicate_fields(record: Lead | Contact) -> dict[str, Any]:
    """The fields ``find_duplicates`` compares, read from a record."""
    values: dict[str, Any] = {
        "first_name": record.first_name,
        "last_name": record.last_name,
        "email": record.email,
        "phone": record.phone,
        "mobile": record.mobile,
        "website": record.website,
    }
    if isinstance(record, Contact):
        values["name"] = record.name
    else:
        values["company_name"] = record.company_name
    return values


# -- merging ---------------------------------------------------------------------------------

#: Built-in fields ``merge`` fills on the kept record when it has no value of its own.
_FILL_FIELDS = (
    "first_name",
    "last_name",
    "title",
    "email",
    "phone",
    "mobile",
    "website",
    "street",
    "city",
    "region",
    "postal_code",
    "country",
    "source",
    "description",
)


@dataclass(frozen=True)
class MergeResult:
    """What ``merge`` carried from the merged-away record to the kept one."""

    keep: Lead | Contact
    filled: tuple[str, ...]
    deals: int
    employees: int
    notes: int
    documents: int
    tags: tuple[str, ...]
    custom: tuple[str, ...]


def _check_mergeable(actor: User, keep: Lead | Contact, other: Lead | Contact) -> None:
    if keep.id == other.id:
        raise ServiceError("Choose two different records to merge.")
    if type(keep) is not type(other) or (
        isinstance(keep, Contact)
        and isinstance(other, Contact)
        and keep.is_company != other.is_company
    ):
        raise ServiceError(
            "Only records of the same kind can be merged: two leads, two people or two companies."
        )
    for record in (keep, other):
        if record.deleted_at is not None:
            raise ServiceError(f"{record.display_name} was deleted; restore it before merging.")
        if isinstance(record, Lead) and record.converted_at is not None:
            raise ServiceError(
                f"The lead {record.display_name} was converted; merge the contacts instead."
            )
    if not actor.is_admin:
        require_edit(actor, keep)
        require_edit(actor, other)


def _move_deals(keep: Contact | Lead, other: Contact | Lead) -> set[uuid.UUID]:
    """Point the deals of ``other`` at ``keep``; returns the ids of the deals moved."""
    moved: set[uuid.UUID] = set()
    if isinstance(other, Lead):
        for deal in Deal.select().where(Deal.lead == other.id):
            deal.lead_id = keep.id
            deal.save()
            moved.add(deal.id)
        return moved
    for deal in Deal.select().where(Deal.primary_contact == other.id):
        deal.primary_contact_id = keep.id
        deal.save()
        index_record(deal)
        moved.add(deal.id)
    for link in DealContact.select().where(DealContact.contact == other.id):
        mine = DealContact.get_or_none(
            DealContact.deal == link.deal_id, DealContact.contact == keep.id
        )
        if mine is None:
            link.contact_id = keep.id
            link.save()
        else:
            if mine.deleted_at is not None and link.deleted_at is None:
                mine.restore()
            if link.deleted_at is None:
                link.delete_instance()
        moved.add(link.deal_id)
    return moved


def _move_people(keep: Contact, other: Contact) -> int:
    """Employees of a merged-away company, and leads converted to it, now point at ``keep``."""
    moved = 0
    for person in Contact.select().where(Contact.company == other.id):
        person.company_id = keep.id if person.id != keep.id else None
        person.save()
        index_record(person)
        moved += 1
    for lead in Lead.select().where(
        (Lead.converted_contact_id == other.id) | (Lead.converted_company_id == other.id)
    ):
        if lead.converted_contact_id == other.id:
            lead.converted_contact_id = keep.id
        if lead.converted_company_id == other.id:
            lead.converted_company_id = keep.id
        lead.save()
    return moved


def merge(actor: User, keep: Lead | Contact, other: Lead | Contact) -> MergeResult:
    """Merge ``other`` into ``keep`` (two leads, two people or two companies), in one
    transaction, every step logged.

    ``keep`` keeps its values; its empty fields and custom values are filled from ``other``.
    Deals (as primary contact and as other contact), employees, notes, documents and tags
    move to ``keep``; ``other`` is soft-deleted and leaves the search index; prospect and
    customer statuses are recomputed. Allowed to admins and to whoever may edit both.
    ``keep`` must be the caller's current copy: a stale one raises ``StaleRecordError``.
    """
    from desktopcrm.services import custom_fields, documents, notes
    from desktopcrm.services import tags as tag_service
    from desktopcrm.services.contacts import recompute_for

    _check_mergeable(actor, keep, other)
    kind = record_kind(keep)
    with writing(actor, keep, other):
        other = type(other).get_by_id(other.id)
        filled = [name for name in _FILL_FIELDS if not getattr(keep, name) and getattr(other, name)]
        for name in filled:
            setattr(keep, name, getattr(other, name))
        if isinstance(keep, Lead) and isinstance(other, Lead):
            if not keep.company_name and other.company_name:
                keep.company_name = other.company_name
                filled.append("company_name")
            if keep.priority is None and other.priority is not None:
                keep.priority = other.priority
                filled.append("priority")
        if isinstance(keep, Contact) and isinstance(other, Contact):
            if keep.company_id is None and other.company_id not in (None, keep.id):
                keep.company_id = other.company_id
                filled.append("company")
            if not keep.is_company and {"first_name", "last_name"} & set(filled):
                keep.name = f"{keep.first_name} {keep.last_name}".strip()[:400]
        keep.save()
        deal_ids = _move_deals(keep, other)
        employees = (
            _move_people(keep, other)
            if isinstance(keep, Contact) and isinstance(other, Contact)
            else 0
        )
        moved_notes = notes.move_notes(kind, other.id, kind, keep)
        moved_documents = documents.move_documents(kind, other.id, kind, keep.id)
        tags_before = set(tag_service.tags_of(keep.id))
        tag_names = tag_service.move_tags(other.id, keep)
        mine = custom_fields.get_values(kind, keep.id)
        gaps = {
            key: value
            for key, value in custom_fields.get_values(kind, other.id).items()
            if key not in mine
        }
        if gaps:
            custom_fields.set_values(kind, keep, gaps)
        other.delete_instance()
        index_record(other)
        index_record(keep)
        if isinstance(keep, Contact):
            affected = {keep.id}
            for deal in Deal.select().where(Deal.id.in_(list(deal_ids))):
                if deal.primary_contact_id:
                    affected.add(deal.primary_contact_id)
            recompute_for(affected)
    return MergeResult(
        keep=type(keep).get_by_id(keep.id),
        filled=tuple(filled),
        deals=len(deal_ids),
        employees=employees,
        notes=moved_notes,
        documents=moved_documents,
        tags=tuple(sorted(set(tag_names) - tags_before)),
        custom=tuple(sorted(gaps)),
    )
