"""CSV export of any list (leads, people, companies, deals) and vCard export of contacts.

Exports stream: records are read one page at a time with their custom values and tags, and
written straight to the file, so memory stays flat however long the list is. Only records the
user may see are exported. The CSV headers are ones the importer recognises, so an exported
file imports back as it is (custom fields by their name, tags comma-separated).
"""

from __future__ import annotations

import csv
import datetime as dt
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

import peewee

from desktopcrm.models import User
from desktopcrm.models.records import (
    Contact,
    Deal,
    Lead,
    LeadStatus,
    LossReason,
    Pipeline,
    RecordKind,
    Stage,
)
from desktopcrm.services import custom_fields
from desktopcrm.services import tags as tag_service
from desktopcrm.services.csv_import import KINDS
from desktopcrm.services.errors import ServiceError
from desktopcrm.services.vcard import format_card
from desktopcrm.services.visibility import scope

PAGE = 1000
FORMATS = ("csv", "vcf")

#: (header, attribute) per kind; a callable reads a value the record does not hold itself.
_ADDRESS = [
    ("Street", "street"),
    ("City", "city"),
    ("Region", "region"),
    ("Postal code", "postal_code"),
    ("Country", "country"),
]
_PERSON = [
    ("First name", "first_name"),
    ("Last name", "last_name"),
    ("Title", "title"),
    ("Email", "email"),
    ("Phone", "phone"),
    ("Mobile", "mobile"),
    ("Website", "website"),
    *_ADDRESS,
    ("Source", "source"),
    ("Description", "description"),
]
COLUMNS: dict[str, list[tuple[str, str]]] = {
    "lead": [
        *_PERSON[:3],
        ("Company", "company_name"),
        *_PERSON[3:],
        ("Status", "status_name"),
        ("Priority", "priority"),
    ],
    "contact": [*_PERSON, ("Company", "employer_name")],
    "company": [
        ("Name", "name"),
        ("Email", "email"),
        ("Phone", "phone"),
        ("Website", "website"),
        *_ADDRESS,
        ("Source", "source"),
        ("Description", "description"),
    ],
    "deal": [
        ("Name", "name"),
        ("Value", "value"),
        ("Currency", "currency"),
        ("Probability", "probability"),
        ("Expected close", "expected_close"),
        ("Pipeline", "pipeline_name"),
        ("Stage", "stage_name"),
        ("Contact", "contact_name"),
        ("Loss reason", "reason_name"),
        ("Source", "source"),
        ("Description", "description"),
    ],
}

ProgressCallback = Callable[[int], None]


def _check(kind: str) -> None:
    if kind not in KINDS:
        raise ServiceError(f"{kind!r} cannot be exported: choose one of {', '.join(KINDS)}.")


def default_query(kind: str) -> peewee.ModelSelect[Any]:
    """Every live record of ``kind`` with the names the export shows, by name."""
    _check(kind)
    if kind == "lead":
        return (
            Lead.select(Lead, LeadStatus.name.alias("status_name"))
            .join(LeadStatus, on=(Lead.status == LeadStatus.id))
            .where(Lead.deleted_at.is_null(), Lead.converted_at.is_null())
            .order_by(Lead.last_name, Lead.first_name, Lead.id)
        )
    if kind in ("contact", "company"):
        employer = Contact.alias("employer")
        return (
            Contact.select(Contact, employer.name.alias("employer_name"))
            .join(employer, peewee.JOIN.LEFT_OUTER, on=(Contact.company == employer.id))
            .where(Contact.deleted_at.is_null(), Contact.is_company == (kind == "company"))
            .order_by(Contact.name, Contact.id)
        )
    primary = Contact.alias("primary")
    return (
        Deal.select(
            Deal,
            Pipeline.name.alias("pipeline_name"),
            Stage.name.alias("stage_name"),
            primary.name.alias("contact_name"),
            LossReason.name.alias("reason_name"),
        )
        .join(Pipeline, on=(Deal.pipeline == Pipeline.id))
        .switch(Deal)
        .join(Stage, on=(Deal.stage == Stage.id))
        .switch(Deal)
        .join(primary, peewee.JOIN.LEFT_OUTER, on=(Deal.primary_contact == primary.id))
        .switch(Deal)
        .join(LossReason, peewee.JOIN.LEFT_OUTER, on=(Deal.loss_reason == LossReason.id))
        .where(Deal.deleted_at.is_null())
        .order_by(Deal.name, Deal.id)
    )


_MODELS: dict[str, type[Lead] | type[Contact] | type[Deal]] = {
    "lead": Lead,
    "contact": Contact,
    "company": Contact,
    "deal": Deal,
}
_ENTITY = {
    "lead": RecordKind.LEAD,
    "contact": RecordKind.CONTACT,
    "company": RecordKind.CONTACT,
    "deal": RecordKind.DEAL,
}


def records(
    actor: User,
    kind: str,
    *,
    ids: Sequence[Any] | None = None,
    query: peewee.ModelSelect[Any] | None = None,
) -> Iterator[list[Any]]:
    """Pages of the records to export (what ``actor`` may see), ``PAGE`` at a time; with
    ``ids``, in their order (a list screen's sort)."""
    model = _MODELS[kind]
    base = (query if query is not None else default_query(kind)).objects()
    base = scope(base, model, actor)
    if ids is not None:
        wanted = list(ids)
        for start in range(0, len(wanted), PAGE):
            chunk = wanted[start : start + PAGE]
            position = {str(record_id): number for number, record_id in enumerate(chunk)}
            page = sorted(base.where(model.id.in_(chunk)), key=lambda r: position[str(r.id)])
            if page:
                yield page
        return
    offset = 0
    while True:
        page = list(base.limit(PAGE).offset(offset))
        if not page:
            return
        yield page
        offset += len(page)


def format_value(value: Any) -> str:
    """A value as CSV text: dates ISO, numbers plain, lists joined with "; ", booleans yes/no."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    if isinstance(value, list | tuple):
        return "; ".join(format_value(v) for v in value)
    return str(value)


def export_csv(
    actor: User,
    kind: str,
    out: TextIO,
    *,
    ids: Sequence[Any] | None = None,
    query: peewee.ModelSelect[Any] | None = None,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> int:
    """Write a list as CSV with custom fields and tags as columns; returns the rows written.

    Args:
        ids: export these records only; ``query``: a select over the kind's model (as a list
            screen builds it, with its filters and order) instead of every record.
        progress: called with the number of rows written after every page.
        cancel: set it to stop after the current page.
    """
    _check(kind)
    entity = _ENTITY[kind]
    extra = custom_fields.fields_of(entity)
    writer = csv.writer(out)
    columns = COLUMNS[kind]
    writer.writerow([header for header, _ in columns] + ["Owner", "Tags"] + [f.name for f in extra])
    owners = {u.id: u.name for u in User.select(User.id, User.name)}
    written = 0
    for page in records(actor, kind, ids=ids, query=query):
        if cancel is not None and cancel.is_set():
            break
        page_ids = [r.id for r in page]
        values = custom_fields.get_values_many(entity, page_ids)
        tags = tag_service.tags_of_many(page_ids)
        for record in page:
            custom = values.get(record.id, {})
            writer.writerow(
                [format_value(getattr(record, attr, "")) for _, attr in columns]
                + [owners.get(record.owner_id, "") if record.owner_id else ""]
                + [", ".join(tags.get(record.id, []))]
                + [format_value(custom.get(f.key)) for f in extra]
            )
        written += len(page)
        if progress is not None:
            progress(written)
    return written


def export_vcards(
    actor: User,
    out: TextIO,
    *,
    ids: Sequence[Any] | None = None,
    version: str = "3.0",
    kinds: Iterable[str] = ("company", "contact"),
    progress: ProgressCallback | None = None,
) -> int:
    """Write people and companies as vCards (3.0 or 4.0); returns how many were written."""
    if version not in ("3.0", "4.0"):
        raise ServiceError(f"vCard version {version!r} is not supported: use 3.0 or 4.0.")
    written = 0
    for kind in kinds:
        for page in records(actor, kind, ids=ids):
            tags = tag_service.tags_of_many([r.id for r in page])
            for contact in page:
                out.write(
                    format_card(
                        contact, contact.employer_name or "", version, tags.get(contact.id, [])
                    )
                )
            written += len(page)
            if progress is not None:
                progress(written)
    return written


def export_file(
    actor: User, kind: str, path: str | Path, file_format: str = "csv", **options: Any
) -> int:
    """Export to a file (``csv`` for any kind, ``vcf`` for contacts and companies)."""
    _check(kind)
    if file_format not in FORMATS:
        raise ServiceError(f"{file_format!r} is not an export format: use csv or vcf.")
    if file_format == "vcf" and kind not in ("contact", "company"):
        raise ServiceError("vCard export is for contacts and companies; export deals as CSV.")
    path = Path(path)
    if file_format == "vcf":
        with path.open("w", encoding="utf-8", newline="") as out:
            return export_vcards(actor, out, kinds=(kind,), **options)
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        return export_csv(actor, kind, out, **options)
