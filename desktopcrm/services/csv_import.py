"""CSV import of leads, people, companies and deals: mapping, preview, validation, undo.

Reading: the encoding is detected (UTF-8 with or without BOM, UTF-16 with BOM, else Windows
cp1252), the delimiter sniffed (comma, semicolon, tab, pipe), the file streamed row by row.
Headers of common CRM exports (Zendesk Sell/Base, HubSpot, Salesforce, Pipedrive, Google
Contacts, Outlook) and custom fields (by name or key) are mapped to fields automatically;
``mapping`` overrides any of it.

Validation applies the same rules as creating a record by hand, with the services' own
functions (``records.clean_fields``, ``leads``/``deals`` cleaners, ``custom_fields``
parsers, ``visibility.require_assign``, ``duplicates``); valid rows are then written in
batches with ``insert_rows`` (records, change-log rows, custom values, tags, search entries)
inside one transaction per batch. A row that breaks any rule is rejected and reported with
its line number and every reason (``Problem`` codes below); nothing is silently dropped:
accepted + rejected = data rows in the file (blank lines are counted apart).

Every import is an ``ImportRun`` that remembers the records it created, so ``undo_import``
can remove them later, even after a restart. Records someone changed since the import are
kept (and listed), because undoing must not lose later work.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import json
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any, TextIO

import peewee

from desktopcrm.models import ORIGIN, User, acting_as, database, utcnow, write_transaction
from desktopcrm.models.attachments import RecordTag
from desktopcrm.models.base import ChangeLog, encode_changes
from desktopcrm.models.custom_fields import CustomField, CustomValue, FieldType
from desktopcrm.models.imports import ImportedRecord, ImportRun, ImportStatus
from desktopcrm.models.records import (
    Contact,
    Deal,
    Lead,
    LeadStatus,
    LeadStatusKind,
    LossReason,
    Pipeline,
    RecordKind,
    Stage,
    StageKind,
)
from desktopcrm.services import custom_fields, deals, leads
from desktopcrm.services import tags as tag_service
from desktopcrm.services.contacts import CONTACT_FIELDS, recompute_for
from desktopcrm.services.duplicates import dedup_keys, find_duplicates_many
from desktopcrm.services.errors import PermissionDenied, ServiceError, ValidationError
from desktopcrm.services.records import clean_fields
from desktopcrm.services.search import (
    IndexEntry,
    bulk_index,
    contact_entry,
    deal_entry,
    fold,
    lead_entry,
    remove_many_from_index,
    words,
)
from desktopcrm.services.visibility import can_see, require_assign

KINDS = ("lead", "contact", "company", "deal")
PLURALS = {"lead": "leads", "contact": "contacts", "company": "companies", "deal": "deals"}
BATCH_SIZE = 5000
PREVIEW_ROWS = 20
SAMPLE_BYTES = 64 * 1024

ProgressCallback = Callable[[int, int], None]


class Problem:
    """Why a row was rejected (the ``reason`` of a ``RowProblem``)."""

    MALFORMED = "malformed_row"
    BAD_EMAIL = "bad_email"
    WRONG_TYPE = "wrong_type"
    TOO_LONG = "too_long"
    MISSING = "missing_required"
    UNMATCHED_OWNER = "unmatched_owner"
    OWNER_NOT_ALLOWED = "owner_not_allowed"
    UNKNOWN_STATUS = "unknown_status"
    UNKNOWN_PIPELINE = "unknown_pipeline"
    UNKNOWN_STAGE = "unknown_stage"
    UNKNOWN_REASON = "unknown_reason"
    UNMATCHED_CONTACT = "unmatched_contact"
    DUPLICATE = "duplicate"
    INVALID = "invalid"


@dataclass(frozen=True)
class RowProblem:
    """One reason one row was rejected."""

    line: int  # line of the file where the row starts
    reason: str  # a ``Problem`` code
    field: str
    message: str
    value: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "reason": self.reason,
            "field": self.field,
            "message": self.message,
            "value": self.value,
        }


@dataclass
class ImportReport:
    """What an import (or a dry run) did: counts, and every rejected row with its reasons."""

    kind: str
    file_name: str
    import_id: uuid.UUID | None = None
    total: int = 0
    accepted: int = 0
    rejected: int = 0
    created: int = 0  # records written, including companies created for people
    blank_lines: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    cancelled: bool = False
    dry_run: bool = False
    mapping: dict[str, str | None] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.rejected and not self.cancelled

    def as_dict(self) -> dict[str, Any]:
        return {
            "import_id": str(self.import_id) if self.import_id else None,
            "kind": self.kind,
            "file": self.file_name,
            "dry_run": self.dry_run,
            "cancelled": self.cancelled,
            "rows": self.total,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "created": self.created,
            "blank_lines": self.blank_lines,
            "mapping": self.mapping,
            "problems": [p.as_dict() for p in self.problems],
        }

    def as_text(self) -> str:
        """The report for people: a summary line, then one line per problem."""
        verb = "Would import" if self.dry_run else "Imported"
        what = PLURALS[self.kind]
        lines = [f"{verb} {self.accepted} of {self.total} rows from {self.file_name} as {what}."]
        if self.import_id and not self.dry_run:
            lines.append(f"Import id: {self.import_id} (undo with: desktopcrm import-undo ID)")
        if self.cancelled:
            lines.append(
                f"Cancelled after {self.accepted + self.rejected} rows; the rows before were "
                "imported (undo the import to remove them)."
            )
        if self.blank_lines:
            lines.append(f"Blank lines skipped: {self.blank_lines}.")
        if self.rejected:
            lines.append(f"Rejected {self.rejected} rows:")
            lines.extend(
                f"  line {p.line}: {p.reason}"
                + (f" ({p.field})" if p.field else "")
                + f": {p.message}"
                for p in self.problems
            )
        return "\n".join(lines)


# -- reading the file ------------------------------------------------------------------------


def detect_encoding(path: Path) -> str:
    """``utf-8-sig``, ``utf-16`` (by BOM), ``utf-8`` when every byte decodes, else ``cp1252``."""
    with path.open("rb") as handle:
        head = handle.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            pass
        else:
            return "utf-8"
        handle.seek(0)
        try:
            while chunk := handle.read(1 << 20):
                chunk.decode("cp1252")
        except UnicodeDecodeError:
            return "latin-1"
    return "cp1252"


def sniff_delimiter(sample: str) -> str:
    """The delimiter of a CSV sample: comma, semicolon, tab or pipe."""
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        first = sample.splitlines()[0] if sample else ""
        counts = {d: first.count(d) for d in (",", ";", "\t", "|")}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


@dataclass
class CsvFile:
    """An opened CSV file: its encoding, delimiter and header."""

    path: Path
    encoding: str
    delimiter: str
    headers: list[str]

    def _open(self) -> TextIO:
        return self.path.open(encoding=self.encoding, newline="")

    def records(self) -> Iterator[tuple[int, list[str] | None, str]]:
        """(line, cells, error) for every row after the header; blank rows have cells []."""
        with self._open() as handle:
            reader = csv.reader(handle, delimiter=self.delimiter, strict=True)
            try:
                next(reader)
            except (StopIteration, csv.Error):
                return
            last = reader.line_num
            while True:
                start = last + 1
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    last = reader.line_num
                    yield start, None, f"the row cannot be read as CSV ({exc}); check its quotes"
                    continue
                last = reader.line_num
                yield start, cells, ""

    def count_rows(self) -> tuple[int, int]:
        """(data rows, blank lines), reading the whole file once (for progress)."""
        rows = blank = 0
        for _, cells, _ in self.records():
            if cells is not None and not any(c.strip() for c in cells):
                blank += 1
            else:
                rows += 1
        return rows, blank


def open_csv(path: str | Path) -> CsvFile:
    """Open a CSV file for import: detect its encoding and delimiter, read its header.

    Raises ``ServiceError`` when the file is empty or has no header row.
    """
    path = Path(path)
    encoding = detect_encoding(path)
    with path.open(encoding=encoding, newline="") as handle:
        sample = handle.read(SAMPLE_BYTES)
    if not sample.strip():
        raise ServiceError(f"{path.name} is empty: there is nothing to import.")
    delimiter = sniff_delimiter(sample)
    try:
        header = next(csv.reader(sample.splitlines()[:1], delimiter=delimiter))
    except (StopIteration, csv.Error) as exc:
        raise ServiceError(
            f"The first line of {path.name} is not a CSV header ({exc}). The first line must "
            "name the columns."
        ) from exc
    headers = [h.strip() for h in header]
    if not any(headers):
        raise ServiceError(f"The first line of {path.name} must name the columns.")
    return CsvFile(path, encoding, delimiter, headers)


# -- mapping headers to fields ---------------------------------------------------------------


def _aliases(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_GROUPS: dict[str, tuple[str, ...]] = {
    "first_name": _aliases("firstname givenname forename personfirstname contactfirstname"),
    "last_name": _aliases("lastname familyname surname personlastname contactlastname"),
    "full_name": _aliases("name fullname contactname personname leadname displayname"),
    "email": _aliases(
        "email emailaddress email1value email1 emailaddress1 workemail "
        "businessemail primaryemail personemail contactemail emailwork "
        "personemailwork email1address"
    ),
    "phone": _aliases(
        "phone phonenumber phone1value businessphone workphone telephone tel "
        "officephone primaryphone personphone phonework personphonework"
    ),
    "mobile": _aliases(
        "mobile mobilephone cellphone mobilenumber cell phone2value "
        "personphonemobile mobilephonenumber"
    ),
    "company": _aliases(
        "company companyname organization organisation organizationname "
        "organisationname organization1name accountname account "
        "personorganization org"
    ),
    "title": _aliases("title jobtitle position organization1title organizationtitle role"),
    "website": _aliases(
        "website websiteurl webpage url web website1value companywebsite companydomainname domain"
    ),
    "street": _aliases(
        "street address streetaddress mailingstreet businessstreet "
        "billingstreet address1street addressline1 address1"
    ),
    "city": _aliases("city mailingcity businesscity billingcity address1city town"),
    "region": _aliases(
        "state region province stateregion stateprovince mailingstateprovince "
        "billingstateprovince businessstate address1region county"
    ),
    "postal_code": _aliases(
        "zip zipcode postalcode postcode zippostalcode mailingzippostalcode "
        "billingzippostalcode businesspostalcode address1postalcode"
    ),
    "country": _aliases(
        "country countryregion mailingcountry billingcountry businesscountryregion address1country"
    ),
    "source": _aliases("source leadsource originalsource dealsource channel"),
    "description": _aliases("description notes note about comments background"),
    "owner": _aliases(
        "owner ownername owneremail leadowner contactowner contactownername "
        "dealowner accountowner opportunityowner recordowner assignedto "
        "salesrep hubspotowner"
    ),
    "tags": _aliases("tags tag labels label categories category groupmembership"),
    "status": _aliases("status leadstatus"),
    "priority": _aliases("priority rating leadrating abc abcpriority leadpriority"),
    "deal_name": _aliases("dealname opportunityname dealtitle name title deal"),
    "value": _aliases("value amount dealvalue dealamount opportunityamount"),
    "currency": _aliases("currency dealcurrency currencyisocode currencycode amountcurrency"),
    "probability": _aliases("probability probabilitypercent dealprobability winprobability"),
    "expected_close": _aliases(
        "closedate expectedclose expectedclosedate estimatedclosedate "
        "dealexpectedclosedate closingdate dealclosedate"
    ),
    "pipeline": _aliases("pipeline dealpipeline salespipeline"),
    "stage": _aliases("stage dealstage salesstage stagename pipelinestage"),
    "contact": _aliases("contact contactname person personname primarycontact fullname"),
    "contact_email": _aliases("email contactemail personemail emailaddress personemailwork"),
    "loss_reason": _aliases("lossreason lostreason reason unqualifiedreason"),
}

_PERSON = (
    "first_name",
    "last_name",
    "full_name",
    "email",
    "phone",
    "mobile",
    "title",
    "website",
    "street",
    "city",
    "region",
    "postal_code",
    "country",
    "source",
    "description",
    "owner",
    "tags",
)

#: For each kind: (alias group, field it maps to), in the order headers are matched.
_TARGETS: dict[str, tuple[tuple[str, str], ...]] = {
    "lead": (
        *((g, g) for g in _PERSON),
        ("company", "company_name"),
        ("status", "status"),
        ("priority", "priority"),
    ),
    "contact": (*((g, g) for g in _PERSON), ("company", "company")),
    "company": (
        ("full_name", "name"),
        ("company", "name"),
        *((g, g) for g in _PERSON if g not in ("first_name", "last_name", "full_name", "title")),
    ),
    "deal": (
        ("deal_name", "name"),
        ("value", "value"),
        ("currency", "currency"),
        ("probability", "probability"),
        ("expected_close", "expected_close"),
        ("pipeline", "pipeline"),
        ("stage", "stage"),
        ("contact", "contact"),
        ("contact_email", "contact_email"),
        ("company", "company"),
        ("loss_reason", "loss_reason"),
        ("owner", "owner"),
        ("source", "source"),
        ("description", "description"),
        ("tags", "tags"),
    ),
}


def header_key(header: str) -> str:
    """A header reduced to lower-case letters and digits ("E-mail 1 - Value" → "email1value")."""
    return "".join(words(header))


def fields_for(kind: str) -> list[str]:
    """The fields a column can be mapped to for ``kind`` (custom fields as ``custom:KEY``)."""
    _check_kind(kind)
    names = list(dict.fromkeys(target for _, target in _TARGETS[kind]))
    entity = _entity(kind)
    return names + [f"custom:{f.key}" for f in custom_fields.fields_of(entity)]


def suggest_mapping(kind: str, headers: Sequence[str]) -> dict[str, str | None]:
    """Which field each column goes to (``None``: not imported), from the header's wording.

    Built-in fields first (the first column wins when several fit), then custom fields by
    their name or key.
    """
    _check_kind(kind)
    aliases: dict[str, str] = {}
    for group, field_name in _TARGETS[kind]:
        for alias in _GROUPS[group]:
            aliases.setdefault(alias, field_name)
    customs: dict[str, str] = {}
    for custom in custom_fields.fields_of(_entity(kind)):
        customs.setdefault(header_key(custom.name), f"custom:{custom.key}")
        customs.setdefault(header_key(custom.key), f"custom:{custom.key}")
    mapping: dict[str, str | None] = {}
    used: set[str] = set()
    for header in headers:
        key = header_key(header)
        target: str | None = aliases.get(key) or customs.get(key)
        if target is None and key.startswith(("deal", "person", "organization", "lead")):
            for prefix in ("deal", "person", "organization", "lead"):
                if key.startswith(prefix) and key != prefix:
                    target = aliases.get(key[len(prefix) :])
                    break
        if target in used:
            target = None
        mapping[header] = target
        if target:
            used.add(target)
    return mapping


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ServiceError(f"{kind!r} cannot be imported: choose one of {', '.join(KINDS)}.")


def _entity(kind: str) -> RecordKind:
    return {
        "lead": RecordKind.LEAD,
        "contact": RecordKind.CONTACT,
        "company": RecordKind.CONTACT,
        "deal": RecordKind.DEAL,
    }[kind]


def resolve_mapping(
    kind: str, headers: Sequence[str], overrides: Mapping[str, str | None] | None = None
) -> dict[str, str | None]:
    """The suggested mapping with ``overrides`` applied; refuses unknown columns or fields."""
    mapping = suggest_mapping(kind, headers)
    if not overrides:
        return mapping
    allowed = set(fields_for(kind))
    for header, target in overrides.items():
        if header not in mapping:
            raise ServiceError(
                f"The file has no column {header!r}; its columns are: {', '.join(headers)}."
            )
        target = (target or "").strip() or None
        if target is not None and target not in allowed:
            raise ServiceError(
                f"{target!r} is not a field of {kind}s; map {header!r} to one of: "
                f"{', '.join(sorted(allowed))} (or to nothing)."
            )
        if target is not None:
            for other, current in mapping.items():
                if current == target and other != header:
                    mapping[other] = None
        mapping[header] = target
    return mapping


# -- rows ------------------------------------------------------------------------------------


@dataclass
class SourceRow:
    """One row to import: where it starts in the file, its values by field, or why it is bad."""

    line: int
    values: dict[str, str]
    error: str = ""


def mapped_rows(source: CsvFile, mapping: Mapping[str, str | None]) -> Iterator[SourceRow | None]:
    """The file's rows as field values (``None`` for a blank line)."""
    width = len(source.headers)
    targets = [mapping.get(h) for h in source.headers]
    for line, cells, error in source.records():
        if cells is None:
            yield SourceRow(line, {}, error)
            continue
        if not any(c.strip() for c in cells):
            yield None
            continue
        if len(cells) != width and (len(cells) < width or any(c.strip() for c in cells[width:])):
            yield SourceRow(
                line,
                {},
                f"the row has {len(cells)} columns but the header has {width}; check for a "
                "missing or extra delimiter, or an unquoted delimiter inside a value",
            )
            continue
        values: dict[str, str] = {}
        for target, cell in zip(targets, cells, strict=False):
            if target and cell.strip():
                values[target] = cell.strip()
        yield SourceRow(line, values)


@dataclass
class Preview:
    """The first rows of a file as they would be imported, and their problems."""

    encoding: str
    delimiter: str
    headers: list[str]
    mapping: dict[str, str | None]
    rows: list[tuple[int, dict[str, str], list[RowProblem]]]

    @property
    def unmapped(self) -> list[str]:
        """Columns that would not be imported."""
        return [h for h, target in self.mapping.items() if target is None]


def preview(
    actor: User,
    kind: str,
    path: str | Path,
    mapping: Mapping[str, str | None] | None = None,
    rows: int = PREVIEW_ROWS,
) -> Preview:
    """The first ``rows`` rows mapped and validated (nothing is written)."""
    source = open_csv(path)
    resolved = resolve_mapping(kind, source.headers, mapping)
    context = _Context(actor, kind, dry_run=True, check_duplicates=True)
    shown: list[tuple[int, dict[str, str], list[RowProblem]]] = []
    batch = [r for r in islice(mapped_rows(source, resolved), rows) if r is not None]
    for row, (_, problems) in zip(batch, context.validate(batch), strict=True):
        shown.append((row.line, row.values, problems))
    return Preview(source.encoding, source.delimiter, source.headers, resolved, shown)


# -- validation ------------------------------------------------------------------------------


@dataclass
class _Prepared:
    """A valid row, ready to be written."""

    line: int
    record: Lead | Contact | Deal
    custom: list[tuple[CustomField, list[custom_fields.Stored]]]
    tags: list[str]
    company_name: str = ""  # a person's employer to find or create
    dedup: dict[str, Any] = field(default_factory=dict)


class _RowError(Exception):
    def __init__(self, problem: RowProblem) -> None:
        self.problem = problem


def _reason_for(model: type[peewee.Model], name: str, value: str, message: str) -> str:
    if "too long" in message.lower():
        return Problem.TOO_LONG
    if name in ("email", "contact_email"):
        return Problem.BAD_EMAIL
    return Problem.WRONG_TYPE


class _Context:
    """What validating rows needs, loaded once per import: users, statuses, stages, fields."""

    def __init__(self, actor: User, kind: str, *, dry_run: bool, check_duplicates: bool) -> None:
        self.actor = actor
        self.kind = kind
        self.dry_run = dry_run
        self.check_duplicates = check_duplicates
        self.users: dict[str, User | None] = {}
        for user in User.live():
            for key in (fold(user.name), fold(user.email or "")):
                if key:
                    # Two users with one name: ambiguous, so that name matches nobody.
                    self.users[key] = None if key in self.users else user
        self.allowed_owner: dict[uuid.UUID, str] = {}
        self.statuses = {fold(s.name): s for s in LeadStatus.live()}
        self.pipelines = {fold(p.name): p for p in Pipeline.live().order_by(Pipeline.position)}
        self.stages: dict[tuple[uuid.UUID, str], Stage] = {
            (s.pipeline_id, fold(s.name)): s for s in Stage.live()
        }
        self.reasons = {(r.kind, fold(r.name)): r for r in LossReason.live()}
        entity = _entity(kind)
        self.fields = {f.key: f for f in custom_fields.fields_of(entity)}
        self.required = [f for f in self.fields.values() if f.required]
        self.choices = custom_fields.option_choices(f.id for f in self.fields.values())
        self.region = custom_fields.phone_region()
        self.seen: dict[str, int] = {}  # dedup key -> line of the first row with it
        self.companies: dict[str, uuid.UUID] = {}  # folded name -> id (found or created)
        self.positions: dict[uuid.UUID, float] = {}
        self.new_status = (
            LeadStatus.live().where(LeadStatus.kind == LeadStatusKind.NEW.value).first()
        )

    # -- single fields

    def owner(self, line: int, raw: str | None) -> User:
        if not raw:
            owner = self.actor
        else:
            found = self.users.get(fold(raw))
            if found is None:
                raise _RowError(
                    RowProblem(
                        line,
                        Problem.UNMATCHED_OWNER,
                        "owner",
                        f"{raw!r} is not a user's name or email; add the user first, fix the "
                        "name, or leave the owner empty to own the record yourself.",
                        raw,
                    )
                )
            owner = found
        if owner.id not in self.allowed_owner:
            try:
                require_assign(self.actor, owner)
                self.allowed_owner[owner.id] = ""
            except (PermissionDenied, ValidationError) as exc:
                self.allowed_owner[owner.id] = str(exc)
        refusal = self.allowed_owner[owner.id]
        if refusal:
            raise _RowError(
                RowProblem(line, Problem.OWNER_NOT_ALLOWED, "owner", refusal, raw or "")
            )
        return owner

    def builtin(
        self, line: int, model: type[peewee.Model], values: Mapping[str, Any], allowed: Any
    ) -> tuple[dict[str, Any], list[RowProblem]]:
        """Clean the built-in fields with the services' rules, collecting every problem.

        The whole row is cleaned at once; only a row that fails is cleaned field by field,
        to report each of its problems.
        """
        try:
            return clean_fields(model, values, allowed), []  # type: ignore[arg-type]
        except ValidationError:
            pass
        cleaned: dict[str, Any] = {}
        problems: list[RowProblem] = []
        for name, value in values.items():
            try:
                cleaned.update(clean_fields(model, {name: value}, allowed))  # type: ignore[arg-type]
            except ValidationError as exc:
                text = str(value)
                problems.append(
                    RowProblem(line, _reason_for(model, name, text, str(exc)), name, str(exc), text)
                )
        return cleaned, problems

    def custom(
        self, line: int, values: Mapping[str, str]
    ) -> tuple[list[tuple[CustomField, list[custom_fields.Stored]]], list[RowProblem]]:
        stored: list[tuple[CustomField, list[custom_fields.Stored]]] = []
        problems: list[RowProblem] = []
        given = {k.removeprefix("custom:"): v for k, v in values.items() if k.startswith("custom:")}
        for key, raw in given.items():
            custom = self.fields[key]
            kind = custom.type_enum
            try:
                value = custom_fields.parse_value(
                    kind,
                    key,
                    custom.name,
                    raw,
                    choices=self.choices.get(custom.id, []),
                    currency=custom.currency,
                    region=self.region,
                )
            except ValidationError as exc:
                if "too long" in str(exc).lower():
                    reason = Problem.TOO_LONG
                elif kind is FieldType.EMAIL:
                    reason = Problem.BAD_EMAIL
                else:
                    reason = Problem.WRONG_TYPE
                problems.append(RowProblem(line, reason, f"custom:{key}", str(exc), raw))
                continue
            stored.append(
                (custom, custom_fields.to_stored(kind, value, self.choices.get(custom.id, [])))
            )
        for custom in self.required:
            if custom.key not in given:
                problems.append(
                    RowProblem(
                        line,
                        Problem.MISSING,
                        f"custom:{custom.key}",
                        f"{custom.name} is required; fill in the column for every row.",
                    )
                )
        return stored, problems

    @staticmethod
    def tags(line: int, raw: str | None) -> tuple[list[str], list[RowProblem]]:
        if not raw:
            return [], []
        names: dict[str, str] = {}
        for part in raw.replace(";", ",").split(","):
            if not part.strip():
                continue
            try:
                name = tag_service.clean_name(part)
            except ValidationError as exc:
                return [], [RowProblem(line, Problem.TOO_LONG, "tags", str(exc), raw)]
            names.setdefault(name.lower(), name)
        return list(names.values()), []

    # -- rows

    def prepare(self, row: SourceRow) -> _Prepared:
        """Validate one row; raises ``_RowErrors`` with every problem it has."""
        if row.error:
            raise _RowErrors([RowProblem(row.line, Problem.MALFORMED, "", row.error)])
        values = dict(row.values)
        problems: list[RowProblem] = []
        owner: User | None = None
        try:
            owner = self.owner(row.line, values.pop("owner", None))
        except _RowError as exc:
            problems.append(exc.problem)
        tags, tag_problems = self.tags(row.line, values.pop("tags", None))
        problems.extend(tag_problems)
        stored, custom_problems = self.custom(row.line, values)
        problems.extend(custom_problems)
        builtin = {k: v for k, v in values.items() if not k.startswith("custom:")}
        builder = {
            "lead": self._lead,
            "contact": self._person,
            "company": self._company,
            "deal": self._deal,
        }[self.kind]
        record, company_name, more = builder(row.line, builtin, owner)
        problems.extend(more)
        if problems or record is None:
            raise _RowErrors(problems)
        return _Prepared(row.line, record, stored, tags, company_name, builtin)

    def _lead(
        self, line: int, values: dict[str, str], owner: User | None
    ) -> tuple[Lead | None, str, list[RowProblem]]:
        full = values.pop("full_name", "")
        if full and not values.get("first_name") and not values.get("last_name"):
            values["first_name"], values["last_name"] = split_name(full)
        status_name = values.pop("status", "")
        priority = values.pop("priority", "")
        cleaned, problems = self.builtin(line, Lead, values, leads.LEAD_FIELDS)
        try:
            cleaned["priority"] = leads.clean_priority(priority)
        except ValidationError as exc:
            problems.append(RowProblem(line, Problem.WRONG_TYPE, "priority", str(exc), priority))
        status = self.new_status
        if status_name:
            status = self.statuses.get(fold(status_name))
            if status is None:
                names = ", ".join(s.name for s in self.statuses.values())
                problems.append(
                    RowProblem(
                        line,
                        Problem.UNKNOWN_STATUS,
                        "status",
                        f"There is no lead status {status_name!r}; use one of: {names}.",
                        status_name,
                    )
                )
        if not (
            cleaned.get("first_name") or cleaned.get("last_name") or cleaned.get("company_name")
        ):
            problems.append(
                RowProblem(
                    line, Problem.MISSING, "last_name", "Enter a name or a company for the lead."
                )
            )
        if problems:
            return None, "", problems
        return Lead(**cleaned, owner=owner, status=status), "", []

    def _person(
        self, line: int, values: dict[str, str], owner: User | None
    ) -> tuple[Contact | None, str, list[RowProblem]]:
        full = values.pop("full_name", "")
        if full and not values.get("first_name") and not values.get("last_name"):
            values["first_name"], values["last_name"] = split_name(full)
        company_name = values.pop("company", "")
        cleaned, problems = self.builtin(
            line, Contact, values, CONTACT_FIELDS - {"name", "company"}
        )
        name = f"{cleaned.get('first_name', '')} {cleaned.get('last_name', '')}".strip()
        if not name and not any(p.field in ("first_name", "last_name") for p in problems):
            problems.append(
                RowProblem(
                    line, Problem.MISSING, "last_name", "Enter the person's first or last name."
                )
            )
        if len(company_name) > Contact.name.max_length:
            problems.append(
                RowProblem(
                    line,
                    Problem.TOO_LONG,
                    "company",
                    f"Company is too long: at most {Contact.name.max_length} characters.",
                    company_name,
                )
            )
        if problems:
            return None, "", problems
        contact = Contact(**cleaned, name=name[:400], is_company=False, owner=owner)
        return contact, company_name, []

    def _company(
        self, line: int, values: dict[str, str], owner: User | None
    ) -> tuple[Contact | None, str, list[RowProblem]]:
        cleaned, problems = self.builtin(line, Contact, values, CONTACT_FIELDS - {"company"})
        if not cleaned.get("name") and not any(p.field == "name" for p in problems):
            problems.append(RowProblem(line, Problem.MISSING, "name", "Enter the company's name."))
        if problems:
            return None, "", problems
        return Contact(**cleaned, is_company=True, owner=owner), "", []

    def _deal(
        self, line: int, values: dict[str, str], owner: User | None
    ) -> tuple[Deal | None, str, list[RowProblem]]:
        problems: list[RowProblem] = []
        raw = {
            k: values.pop(k, "")
            for k in (
                "pipeline",
                "stage",
                "loss_reason",
                "contact",
                "contact_email",
                "company",
                "probability",
                "expected_close",
                "value",
                "currency",
            )
        }
        pipeline = self._pipeline(line, raw["pipeline"], problems)
        stage = self._stage(line, pipeline, raw["stage"], problems) if pipeline else None
        reason = self._loss_reason(line, stage, raw["loss_reason"], problems)
        typed: dict[str, Any] = dict(values)
        typed["value"] = raw["value"] or "0"
        typed["currency"] = raw["currency"] or (pipeline.currency if pipeline else "EUR")
        if raw["probability"]:
            text = raw["probability"].strip().rstrip("%").strip()
            try:
                typed["probability"] = int(Decimal(text))
            except (ArithmeticError, ValueError):
                typed["probability"] = raw["probability"]
        if raw["expected_close"]:
            try:
                typed["expected_close"] = custom_fields.parse_value(
                    FieldType.DATE, "expected_close", "Expected close", raw["expected_close"]
                )
            except ValidationError as exc:
                problems.append(
                    RowProblem(
                        line, Problem.WRONG_TYPE, "expected_close", str(exc), raw["expected_close"]
                    )
                )
        for name, value in typed.items():
            try:
                cleaned = deals.clean_deal_fields({name: value})
            except ValidationError as exc:
                text = str(value)
                problems.append(
                    RowProblem(line, _reason_for(Deal, name, text, str(exc)), name, str(exc), text)
                )
            else:
                typed[name] = cleaned[name]
        if not typed.get("name") and not any(p.field == "name" for p in problems):
            problems.append(RowProblem(line, Problem.MISSING, "name", "Enter a name for the deal."))
        primary = self._deal_contact(line, raw, problems)
        if problems or stage is None:
            return None, "", problems
        deal = Deal(**typed, owner=owner, primary_contact=primary, loss_reason=reason)
        deal.pipeline_id = stage.pipeline_id
        deal.stage_id = stage.id
        now = utcnow()
        deal.stage_entered_at = now
        deal.closed_at = now if stage.kind_enum.is_closed else None
        if stage.id not in self.positions:
            last = Deal.select(peewee.fn.MAX(Deal.position)).where(Deal.stage == stage.id).scalar()
            self.positions[stage.id] = float(last or 0)
        self.positions[stage.id] += 1
        deal.position = self.positions[stage.id]
        return deal, "", []

    def _pipeline(self, line: int, name: str, problems: list[RowProblem]) -> Pipeline | None:
        if not name:
            return next(iter(self.pipelines.values()), None)
        found = self.pipelines.get(fold(name))
        if found is None:
            names = ", ".join(p.name for p in self.pipelines.values())
            problems.append(
                RowProblem(
                    line,
                    Problem.UNKNOWN_PIPELINE,
                    "pipeline",
                    f"There is no pipeline {name!r}; use one of: {names}.",
                    name,
                )
            )
        return found

    def _stage(
        self, line: int, pipeline: Pipeline, name: str, problems: list[RowProblem]
    ) -> Stage | None:
        in_pipeline = sorted(
            (s for (p, _), s in self.stages.items() if p == pipeline.id), key=lambda s: s.position
        )
        if not name:
            first_open = next((s for s in in_pipeline if s.kind == StageKind.OPEN.value), None)
            if first_open is None:
                problems.append(
                    RowProblem(
                        line,
                        Problem.UNKNOWN_STAGE,
                        "stage",
                        f"The pipeline {pipeline.name} has no active stage; give a stage.",
                    )
                )
            return first_open
        found = self.stages.get((pipeline.id, fold(name)))
        if found is None:
            names = ", ".join(s.name for s in in_pipeline)
            problems.append(
                RowProblem(
                    line,
                    Problem.UNKNOWN_STAGE,
                    "stage",
                    f"The pipeline {pipeline.name} has no stage {name!r}; use one of: {names}.",
                    name,
                )
            )
        return found

    def _loss_reason(
        self, line: int, stage: Stage | None, name: str, problems: list[RowProblem]
    ) -> LossReason | None:
        if stage is None or stage.kind not in (StageKind.LOST.value, StageKind.UNQUALIFIED.value):
            return None
        reason = self.reasons.get((stage.kind, fold(name))) if name else None
        if reason is None:
            choices = ", ".join(r.name for (k, _), r in self.reasons.items() if k == stage.kind)
            problems.append(
                RowProblem(
                    line,
                    Problem.UNKNOWN_REASON if name else Problem.MISSING,
                    "loss_reason",
                    f"A deal in {stage.name} needs a reason; add a Loss reason column with one "
                    f"of: {choices}.",
                    name,
                )
            )
        return reason

    def _deal_contact(
        self, line: int, raw: Mapping[str, str], problems: list[RowProblem]
    ) -> Contact | None:
        email, person, company = raw["contact_email"], raw["contact"], raw["company"]
        if "@" in person and not email:
            email, person = person, ""
        found: Contact | None = None
        wanted = ""
        if email:
            wanted = email
            found = find_contact(Contact.email, email, company=False)
        if found is None and person:
            wanted = person
            found = find_contact(Contact.name, person, company=False)
        if found is None and company:
            wanted = company
            found = find_contact(Contact.name, company, company=True)
        if found is None and wanted:
            problems.append(
                RowProblem(
                    line,
                    Problem.UNMATCHED_CONTACT,
                    "contact",
                    f"No contact or company {wanted!r} exists; import contacts first, or leave "
                    "the column empty.",
                    wanted,
                )
            )
        elif found is not None and not can_see(self.actor, found):
            problems.append(
                RowProblem(
                    line,
                    Problem.UNMATCHED_CONTACT,
                    "contact",
                    f"{wanted!r} belongs to someone outside your team; ask its owner to import "
                    "this deal.",
                    wanted,
                )
            )
            found = None
        return found

    # -- batches

    def validate(
        self, rows: Sequence[SourceRow]
    ) -> list[tuple[_Prepared | None, list[RowProblem]]]:
        """Validate a batch: each row alone, then against earlier rows and existing records."""
        results: list[tuple[_Prepared | None, list[RowProblem]]] = []
        for row in rows:
            try:
                results.append((self.prepare(row), []))
            except _RowErrors as exc:
                results.append((None, exc.problems))
        if self.kind == "deal":
            return results
        for index, (prepared, _) in enumerate(results):
            if prepared is None:
                continue
            fields = _dedup_fields(prepared)
            for key in dedup_keys(self.kind, fields):
                first = self.seen.get(key)
                if first is not None and first != prepared.line:
                    what = key.split(":", 1)[0]
                    results[index] = (
                        None,
                        [
                            RowProblem(
                                prepared.line,
                                Problem.DUPLICATE,
                                _KEY_FIELD[what],
                                f"Same {_KEY_LABEL[what]} as the row on line {first} of this "
                                "file; merge the two rows, or remove one.",
                                key.split(":", 1)[1],
                            )
                        ],
                    )
                    break
            else:
                for key in dedup_keys(self.kind, fields):
                    self.seen.setdefault(key, prepared.line)
        if self.check_duplicates:
            valid = [(i, p) for i, (p, _) in enumerate(results) if p is not None]
            matches = find_duplicates_many(self.kind, [_dedup_fields(p) for _, p in valid])
            for (index, prepared), found in zip(valid, matches, strict=True):
                if found:
                    best = found[0]
                    results[index] = (
                        None,
                        [
                            RowProblem(
                                prepared.line,
                                Problem.DUPLICATE,
                                "",
                                f"Looks like the existing {self.kind} {best.name!r} "
                                f"({'; '.join(best.reasons)}); update that record instead, or "
                                "import with duplicates allowed.",
                                str(best.record_id),
                            )
                        ],
                    )
        return results


def find_contact(column: Any, value: str, *, company: bool) -> Contact | None:
    """The oldest live person (or company) whose ``column`` equals ``value``.

    Only ``column`` goes to SQL, so SQLite uses that column's index; the other conditions are
    checked here (given ``deleted_at IS NULL`` or ``is_company``, SQLite may walk those
    low-selectivity indexes instead, a scan of the whole table per lookup).
    """
    rows = [
        c
        for c in Contact.select().where(column == value)
        if c.deleted_at is None and c.is_company == company
    ]
    return min(rows, key=lambda c: c.created_at) if rows else None


class _RowErrors(Exception):
    def __init__(self, problems: list[RowProblem]) -> None:
        self.problems = problems


_KEY_FIELD = {"email": "email", "phone": "phone", "name": "name", "site": "website"}
_KEY_LABEL = {"email": "email address", "phone": "phone number", "name": "name", "site": "website"}


def _dedup_fields(prepared: _Prepared) -> dict[str, Any]:
    record = prepared.record
    return {
        "first_name": getattr(record, "first_name", ""),
        "last_name": getattr(record, "last_name", ""),
        "name": getattr(record, "name", ""),
        "company_name": getattr(record, "company_name", ""),
        "email": getattr(record, "email", ""),
        "phone": getattr(record, "phone", ""),
        "mobile": getattr(record, "mobile", ""),
        "website": getattr(record, "website", ""),
    }


def split_name(full: str) -> tuple[str, str]:
    """("Anna Maria", "Rossi") from "Anna Maria Rossi"; "Rossi, Anna" is read as last, first."""
    full = " ".join(full.split())
    if "," in full:
        last, _, first = full.partition(",")
        return first.strip(), last.strip()
    first, _, last = full.rpartition(" ")
    return (first, last) if first else ("", last)


# -- writing ---------------------------------------------------------------------------------


def _row_dict(record: Any, now: dt.datetime) -> dict[str, Any]:
    model = type(record)
    record.id = record.id or uuid.uuid4()
    record.created_at = record.created_at or now
    record.updated_at = now
    record.version = 1
    return {f.name: record.__data__.get(f.name) for f in model._meta.sorted_fields}


CACHE_KIB = 128 * 1024  # SQLite page cache during bulk writes (the default is 16 MiB)
CHECKPOINT_PAGES = 50_000  # WAL pages between checkpoints during bulk writes (default 1000)


@contextlib.contextmanager
def bulk_pragmas() -> Iterator[None]:
    """A larger page cache and rarer WAL checkpoints while writing many rows (SQLite).

    With the default, every batch's commit checkpoints the WAL into a large file: measured,
    that was a third of a 50,000-row import. Memory stays bounded by ``CACHE_KIB``.
    """
    db = database.obj
    if isinstance(db, peewee.PostgresqlDatabase):
        yield
        return
    cache = db.execute_sql("PRAGMA cache_size").fetchone()[0]
    checkpoint = db.execute_sql("PRAGMA wal_autocheckpoint").fetchone()[0]
    db.execute_sql(f"PRAGMA cache_size = -{CACHE_KIB}")
    db.execute_sql(f"PRAGMA wal_autocheckpoint = {CHECKPOINT_PAGES}")
    try:
        yield
    finally:
        db.execute_sql(f"PRAGMA cache_size = {int(cache)}")
        db.execute_sql(f"PRAGMA wal_autocheckpoint = {int(checkpoint)}")


def _is_uuid_field(f: peewee.Field) -> bool:
    return isinstance(f, peewee.UUIDField) or (
        isinstance(f, peewee.ForeignKeyField) and isinstance(f.rel_field, peewee.UUIDField)
    )


def _is_text_field(f: peewee.Field) -> bool:
    return isinstance(f, peewee.CharField | peewee.TextField) and not isinstance(
        f, peewee.UUIDField
    )


def _converter(f: peewee.Field, sqlite: bool) -> Callable[[Any], Any]:
    """A function turning a Python value into what the driver stores for field ``f``."""
    default = f.default if f.default is not None and not callable(f.default) else None
    if isinstance(f, peewee.CharField | peewee.TextField) and not isinstance(f, peewee.UUIDField):

        def text(value: Any) -> Any:
            if value is None:
                return default
            return value if type(value) is str else f.db_value(value)

        return text
    if isinstance(f, peewee.UUIDField) or (
        isinstance(f, peewee.ForeignKeyField) and isinstance(f.rel_field, peewee.UUIDField)
    ):

        def uuid_value(value: Any) -> Any:
            return value.hex if isinstance(value, uuid.UUID) else f.db_value(value)

        return uuid_value

    def other(value: Any) -> Any:
        if value is None:
            value = default
        value = f.db_value(value)
        if sqlite and isinstance(value, dt.date | Decimal):
            return str(value)
        return value

    return other


def insert_rows(model: type[peewee.Model], rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert plain rows (field name -> Python value) with one prepared statement.

    The fastest bulk path (``executemany`` on the driver's cursor); values go through each
    field's ``db_value`` as peewee would convert them. Call inside a transaction, and write
    the matching change-log rows (``insert_records`` does both for versioned records).
    """
    if not rows:
        return
    db = database.obj
    sqlite = not isinstance(db, peewee.PostgresqlDatabase)
    fields = [
        f
        for f in model._meta.sorted_fields
        if not (isinstance(f, peewee.AutoField) and f.name not in rows[0])
    ]
    columns = ", ".join(f'"{f.column_name}"' for f in fields)
    marks = ", ".join([db.param] * len(fields))
    sql = f'INSERT INTO "{model._meta.table_name}" ({columns}) VALUES ({marks})'

    columns_values = []
    for f in fields:
        name = f.name
        values = [row.get(name) for row in rows]
        if _is_uuid_field(f):
            values = [v.hex if type(v) is uuid.UUID else v for v in values]
        elif not _is_text_field(f) or any(v is None or type(v) is not str for v in values):
            convert = _converter(f, sqlite)
            values = [convert(v) for v in values]
        columns_values.append(values)
    params = list(zip(*columns_values, strict=True))
    db.cursor().executemany(sql, params)


def insert_records(records: Sequence[Any], actor_id: uuid.UUID | None, now: dt.datetime) -> None:
    """Insert new records of one model with their change-log rows (the bulk write path).

    Each change-log row says what ``BaseModel.save()`` would have logged for the insert.
    """
    if not records:
        return
    model = type(records[0])
    rows = [_row_dict(r, now) for r in records]
    insert_rows(model, rows)
    bookkeeping = model.BOOKKEEPING
    log_rows = [
        {
            "table_name": model._meta.table_name,
            "row_id": row["id"],
            "operation": "insert",
            "version": 1,
            "changes": encode_changes(
                {k: v for k, v in row.items() if k not in bookkeeping and v is not None}
            ),
            "user_id": actor_id,
            "origin": ORIGIN,
            "at": now,
        }
        for row in rows
    ]
    insert_rows(ChangeLog, log_rows)


class TagCache:
    """Tag ids by key; missing tags are created through the tags service."""

    def __init__(self) -> None:
        self._ids: dict[str, uuid.UUID] = {}

    def ids(self, names: Iterable[str]) -> list[uuid.UUID]:
        result = []
        for name in names:
            key = tag_service.tag_key(name)
            if key not in self._ids:
                self._ids[key] = tag_service.get_or_create_tag(tag_service.clean_name(name)).id
            result.append(self._ids[key])
        return list(dict.fromkeys(result))


def insert_extras(
    record_type: str,
    items: Sequence[
        tuple[uuid.UUID, list[tuple[CustomField, list[custom_fields.Stored]]], list[str]]
    ],
    tag_cache: TagCache,
) -> None:
    """Bulk-insert the custom values and tags of new records (logged with their inserts)."""
    values = [
        {
            "field": custom.id,
            "record_id": record_id,
            "text_value": row.text,
            "number_value": row.number,
            "date_value": row.date,
            "option": row.option,
        }
        for record_id, stored, _ in items
        for custom, rows in stored
        for row in rows
    ]
    insert_rows(CustomValue, values)
    tag_rows = [
        {"tag": tag_id, "record_type": record_type, "record_id": record_id}
        for record_id, _, tags in items
        for tag_id in tag_cache.ids(tags)
    ]
    insert_rows(RecordTag, tag_rows)


class _Writer:
    """Writes the valid rows of each batch, remembering what the import created."""

    def __init__(self, context: _Context, run: ImportRun | None) -> None:
        self.context = context
        self.run = run
        self.tags = TagCache()
        self.created = 0

    def company_for(self, name: str, owner_id: uuid.UUID | None, new: list[Contact]) -> uuid.UUID:
        key = " ".join(words(name))
        if key not in self.context.companies:
            existing = find_contact(Contact.name, name, company=True)
            if existing is not None:
                self.context.companies[key] = existing.id
            else:
                company = Contact(name=name, is_company=True, owner=owner_id)
                company.id = uuid.uuid4()
                new.append(company)
                self.context.companies[key] = company.id
        return self.context.companies[key]

    def write(self, batch: Sequence[_Prepared]) -> None:
        if not batch:
            return
        actor_id = self.context.actor.id
        now = utcnow()
        kind = self.context.kind
        record_type = _entity(kind).value
        new_companies: list[Contact] = []
        names: dict[uuid.UUID, str] = {}
        for prepared in batch:
            if prepared.company_name:
                record = prepared.record
                assert isinstance(record, Contact)
                record.company = self.company_for(
                    prepared.company_name, record.owner_id, new_companies
                )
                names[record.company_id] = prepared.company_name  # type: ignore[index]
        with write_transaction(), acting_as(actor_id):
            insert_records(new_companies, actor_id, now)
            records = [p.record for p in batch]
            insert_records(records, actor_id, now)
            insert_extras(record_type, [(p.record.id, p.custom, p.tags) for p in batch], self.tags)
            created = [(c.id, "contact") for c in new_companies] + [
                (r.id, record_type) for r in records
            ]
            if self.run is not None:
                insert_rows(
                    ImportedRecord,
                    [{"run": self.run.id, "record_type": t, "record_id": i} for i, t in created],
                )
            bulk_index(self._entries(batch, new_companies, names))
            if kind == "deal":
                recompute_for(
                    {
                        r.primary_contact_id
                        for r in records
                        if isinstance(r, Deal) and r.primary_contact_id
                    }
                )
        self.created += len(created)

    def _entries(
        self, batch: Sequence[_Prepared], companies: Sequence[Contact], names: dict[uuid.UUID, str]
    ) -> Iterator[IndexEntry]:
        yield from (contact_entry(c) for c in companies)
        for prepared in batch:
            record = prepared.record
            if isinstance(record, Lead):
                yield lead_entry(record, prepared.tags)
            elif isinstance(record, Contact):
                yield contact_entry(
                    record,
                    names.get(record.company_id, "") if record.company_id else "",
                    prepared.tags,
                )
            elif isinstance(record, Deal):
                contact = Contact.get_or_none(Contact.id == record.primary_contact_id)
                yield deal_entry(record, contact.name if contact else "", prepared.tags)


# -- importing -------------------------------------------------------------------------------


def import_file(
    actor: User,
    kind: str,
    path: str | Path,
    mapping: Mapping[str, str | None] | None = None,
    *,
    dry_run: bool = False,
    check_duplicates: bool = True,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportReport:
    """Import a CSV file of ``kind`` records (lead, contact, company, deal).

    Args:
        actor: who imports; owners, contacts and permissions are checked for this user.
        mapping: column header -> field (see ``fields_for``), overriding the suggestion.
        dry_run: validate everything and report, but write nothing.
        check_duplicates: reject rows that match an existing record (same email, phone,
            website or company name); rows repeating an earlier row are always rejected.
        progress: called with (rows done, rows in the file) after every batch.
        cancel: set it to stop after the current batch (what was written stays, undoable).
    """
    _check_kind(kind)
    source = open_csv(path)
    resolved = resolve_mapping(kind, source.headers, mapping)
    total, blank = source.count_rows()
    rows = (r for r in mapped_rows(source, resolved) if r is not None)
    report = import_rows(
        actor,
        kind,
        rows,
        total=total,
        file_name=Path(path).name,
        file_format="csv",
        mapping=resolved,
        dry_run=dry_run,
        check_duplicates=check_duplicates,
        progress=progress,
        cancel=cancel,
        batch_size=batch_size,
    )
    report.blank_lines = blank
    return report


def import_rows(
    actor: User,
    kind: str,
    rows: Iterable[SourceRow],
    *,
    total: int,
    file_name: str,
    file_format: str,
    mapping: Mapping[str, str | None] | None = None,
    dry_run: bool = False,
    check_duplicates: bool = True,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportReport:
    """Validate and write rows already mapped to fields (CSV and vCard imports share this)."""
    _check_kind(kind)
    context = _Context(actor, kind, dry_run=dry_run, check_duplicates=check_duplicates)
    report = ImportReport(
        kind, file_name, total=total, dry_run=dry_run, mapping=dict(mapping or {})
    )
    run: ImportRun | None = None
    if not dry_run:
        run = ImportRun(
            kind=kind,
            file_name=file_name[:500],
            format=file_format,
            total_rows=total,
            mapping=json.dumps(report.mapping, ensure_ascii=False),
            user=actor.id,
        )
        with write_transaction(), acting_as(actor.id):
            run.save()
        report.import_id = run.id
    writer = _Writer(context, run)
    done = 0
    iterator = iter(rows)
    try:
        with bulk_pragmas():
            while batch := list(islice(iterator, batch_size)):
                if cancel is not None and cancel.is_set():
                    report.cancelled = True
                    break
                results = context.validate(batch)
                valid = [prepared for prepared, _ in results if prepared is not None]
                for _, problems in results:
                    report.problems.extend(problems)
                report.rejected += sum(1 for prepared, _ in results if prepared is None)
                report.accepted += len(valid)
                if not dry_run:
                    writer.write(valid)
                done += len(batch)
                if progress is not None:
                    progress(done, max(total, done))
    except BaseException:
        if run is not None:
            _finish(run, report, writer.created, ImportStatus.FAILED)
        raise
    report.created = writer.created if not dry_run else report.accepted
    report.total = max(total, done) if not report.cancelled else total
    if run is not None:
        _finish(
            run,
            report,
            writer.created,
            ImportStatus.CANCELLED if report.cancelled else ImportStatus.DONE,
        )
    return report


def _finish(run: ImportRun, report: ImportReport, created: int, status: ImportStatus) -> None:
    with write_transaction(), acting_as(run.user_id):
        run = ImportRun.get_by_id(run.id)
        run.status = status.value
        run.accepted = report.accepted
        run.rejected = report.rejected
        run.total_rows = report.total
        run.report = json.dumps([p.as_dict() for p in report.problems], ensure_ascii=False)
        run.finished_at = utcnow()
        run.save()


# -- undo ------------------------------------------------------------------------------------


@dataclass
class UndoResult:
    """What undoing an import removed, and what it kept because someone changed it since."""

    removed: int
    kept: list[uuid.UUID]


_MODELS: dict[str, type[Lead] | type[Contact] | type[Deal]] = {
    "lead": Lead,
    "contact": Contact,
    "deal": Deal,
}


def undo_import(actor: User, import_id: uuid.UUID | str) -> UndoResult:
    """Soft-delete every record an import created (logged), in one transaction.

    Only the user who ran the import or an admin may undo it. Records changed since the
    import (version above 1) are kept and listed, so later work is not lost.
    """
    try:
        run_id = uuid.UUID(str(import_id))
    except ValueError as exc:
        raise ServiceError(f"{import_id!r} is not an import id (a UUID).") from exc
    run = ImportRun.get_or_none(ImportRun.id == run_id)
    if run is None or run.deleted_at is not None:
        raise ServiceError(f"There is no import {run_id}; `desktopcrm import` prints the id.")
    if not actor.is_admin and run.user_id != actor.id:
        raise PermissionDenied("Only the user who ran an import, or an admin, can undo it.")
    if run.status == ImportStatus.UNDONE.value:
        raise ServiceError(f"The import {run_id} was already undone on {run.undone_at:%Y-%m-%d}.")
    removed = 0
    kept: list[uuid.UUID] = []
    now = utcnow()
    contacts_to_recompute: set[uuid.UUID] = set()
    with write_transaction():
        for record_type in ("deal", "contact", "lead"):
            model = _MODELS[record_type]
            query = ImportedRecord.select(ImportedRecord.record_id).where(
                ImportedRecord.run == run.id, ImportedRecord.record_type == record_type
            )
            ids = [row.record_id for row in query]
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                rows = list(
                    r
                    for r in model.select(
                        model.id,
                        model.version,
                        model.deleted_at,
                        *([Deal.primary_contact] if model is Deal else []),
                    ).where(model.id.in_(chunk))
                    if r.deleted_at is None  # checked here: see find_contact
                )
                untouched = [r for r in rows if r.version == 1]
                kept.extend(r.id for r in rows if r.version != 1)
                if not untouched:
                    continue
                target = [r.id for r in untouched]
                model.update(
                    {model.deleted_at: now, model.updated_at: now, model.version: model.version + 1}
                ).where(model.id.in_(target), model.version == 1).execute()
                insert_rows(
                    ChangeLog,
                    [
                        {
                            "table_name": model._meta.table_name,
                            "row_id": r.id,
                            "operation": "delete",
                            "version": 2,
                            "changes": encode_changes({"import_undone": str(run.id)}),
                            "user_id": actor.id,
                            "origin": ORIGIN,
                            "at": now,
                        }
                        for r in untouched
                    ],
                )
                remove_many_from_index(target)
                removed += len(target)
                if model is Deal:
                    contacts_to_recompute.update(
                        r.primary_contact_id
                        for r in untouched
                        if isinstance(r, Deal) and r.primary_contact_id
                    )
        if contacts_to_recompute:
            recompute_for(contacts_to_recompute)
        run.status = ImportStatus.UNDONE.value
        run.undone_at = now
        with acting_as(actor.id):
            run.save()
    return UndoResult(removed, kept)
