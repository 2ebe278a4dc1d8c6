"""Leads: people or companies not yet in the pipeline, their statuses and ABC priority.

Every lead starts in ``New`` (always the first status) and belongs to its creator unless given
another owner. Converted leads are read-only: their life continues on the contact.
Lead statuses are configured by admins: ``New``, ``Working`` and ``Unqualified`` are built in
and cannot be deleted; admins add, rename, recolour and reorder their own.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import peewee

from desktopcrm.models import User
from desktopcrm.models.records import (
    PERSON_FIELDS,
    Lead,
    LeadStatus,
    LeadStatusKind,
    RecordKind,
)
from desktopcrm.services.errors import ServiceError, ValidationError
from desktopcrm.services.records import (
    DuplicatesFound,
    clean_fields,
    create_record,
    delete_record,
    likely_duplicates,
    live,
    update_record,
    writing,
)
from desktopcrm.services.visibility import Page, paginate, require_admin, require_edit, scope

#: Fields of a lead that ``create_lead`` / ``update_lead`` accept.
LEAD_FIELDS = frozenset({*PERSON_FIELDS, "company_name", "owner", "priority"})

PRIORITIES = ("A", "B", "C")
_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")


def _clean_lead(values: Mapping[str, Any]) -> dict[str, Any]:
    if "priority" in values:
        values = {**values, "priority": clean_priority(values["priority"])}
    return clean_fields(Lead, values, LEAD_FIELDS)


def clean_priority(value: object) -> str | None:
    """``A`` (hot), ``B`` (warm), ``C`` (cold) or ``None``; anything else is refused."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().upper() in PRIORITIES:
        return value.strip().upper()
    raise ValidationError(
        "priority", f"{value!r} is not a priority: use A (hot), B (warm), C (cold) or none."
    )


def _require_name(lead: Lead) -> None:
    if not (lead.first_name or lead.last_name or lead.company_name):
        raise ValidationError("last_name", "Enter a name or a company for the lead.")


def refuse_converted(lead: Lead) -> None:
    """Converted leads are read-only: refuse any change with the date and what to do."""
    if lead.converted_at is not None:
        day = lead.converted_at.replace(tzinfo=dt.UTC).astimezone()  # shown in local time
        raise ServiceError(f"This lead was converted on {day:%Y-%m-%d}; edit the contact instead.")


def status_of_kind(kind: LeadStatusKind) -> LeadStatus:
    """The live built-in status of ``kind`` (``New``, ``Working`` or ``Unqualified``)."""
    status = LeadStatus.live().where(LeadStatus.kind == kind.value).first()
    if status is None:
        raise ServiceError(f"The lead status {kind.value!r} is missing; run `desktopcrm check`.")
    return status


def create_lead(
    actor: User,
    *,
    custom: Mapping[str, object] | None = None,
    tags: Iterable[str] | None = None,
    check_duplicates: bool = True,
    status: LeadStatus | None = None,
    **fields: Any,
) -> Lead:
    """Create a lead in ``New`` (or ``status``), owned by ``actor`` unless ``owner`` is given.

    Raises ``DuplicatesFound`` when likely duplicates exist and ``check_duplicates`` is true.
    """
    values = _clean_lead({"owner": actor, **fields})
    lead = Lead(**values)
    lead.status = (
        live(LeadStatus, status.id, "lead status") if status else status_of_kind(LeadStatusKind.NEW)
    )
    _require_name(lead)
    if check_duplicates:
        matches = likely_duplicates(RecordKind.LEAD.value, values)
        if matches:
            raise DuplicatesFound("lead", matches)
    with writing(actor):
        create_record(actor, lead, custom=custom, tags=tags)
    return lead


def update_lead(
    actor: User,
    lead: Lead,
    *,
    custom: Mapping[str, object] | None = None,
    tags: Iterable[str] | None = None,
    **changes: Any,
) -> Lead:
    """Change fields of a lead as loaded by the caller (a stale copy raises
    ``StaleRecordError``); converted leads are refused."""
    refuse_converted(lead)
    values = _clean_lead(changes)
    with writing(actor, lead):
        for name, value in values.items():
            setattr(lead, name, value)
        _require_name(lead)
        update_record(actor, lead, values, custom=custom, tags=tags)
    return lead


def set_lead_status(actor: User, lead: Lead, status: LeadStatus) -> Lead:
    """Move a lead to another status."""
    refuse_converted(lead)
    status = live(LeadStatus, status.id, "lead status")
    with writing(actor, lead):
        update_record(actor, lead, {"status": status})
    return lead


def set_priority(actor: User, lead: Lead, priority: str | None) -> Lead:
    """Set the ABC priority (A hot, B warm, C cold) or clear it."""
    return update_lead(actor, lead, priority=priority)


def delete_lead(actor: User, lead: Lead) -> None:
    """Soft-delete a lead (converted ones too: what they carried lives on the contact)."""
    with writing(actor, lead):
        delete_record(actor, lead)


def get_lead(actor: User, lead_id: Any) -> Lead:
    """A live lead ``actor`` may see."""
    lead = live(Lead, lead_id, "lead")
    require_edit(actor, lead)
    return lead


def list_leads(
    actor: User,
    *,
    status: LeadStatus | None = None,
    include_converted: bool = False,
    offset: int = 0,
    limit: int = 200,
) -> Page[Lead]:
    """Live leads ``actor`` may see, newest first, one page at a time."""
    query = scope(Lead.live(), Lead, actor)
    if status is not None:
        query = query.where(Lead.status == status.id)
    if not include_converted:
        query = query.where(Lead.converted_at.is_null())
    return paginate(query.order_by(Lead.created_at.desc(), Lead.id), offset, limit)


# --------------------------------------------------------------------------- statuses


def lead_statuses() -> list[LeadStatus]:
    """Live lead statuses in their order (``New`` first)."""
    return list(LeadStatus.live().order_by(LeadStatus.position, LeadStatus.created_at))


def _clean_status_name(name: str, exclude: LeadStatus | None = None) -> str:
    name = name.strip()
    if not name:
        raise ValidationError("name", "Enter a name for the status.")
    if len(name) > 100:
        raise ValidationError("name", "The status name is too long: at most 100 characters.")
    for other in lead_statuses():
        if other.name.casefold() == name.casefold() and (exclude is None or other.id != exclude.id):
            raise ValidationError("name", f"There is already a lead status named {other.name}.")
    return name


def _clean_color(value: str, field: str) -> str:
    if not _COLOR.match(value):
        raise ValidationError(field, f"{value!r} is not a colour: use #RRGGBB, e.g. #1e40af.")
    return value.lower()


def add_lead_status(
    actor: User, name: str, *, fg_color: str = "#1f2937", bg_color: str = "#e5e7eb"
) -> LeadStatus:
    """Add an admin-defined status at the end of the list (admins only)."""
    require_admin(actor, "change lead statuses")
    status = LeadStatus(
        name=_clean_status_name(name),
        kind=LeadStatusKind.CUSTOM.value,
        fg_color=_clean_color(fg_color, "fg_color"),
        bg_color=_clean_color(bg_color, "bg_color"),
    )
    with writing(actor):
        last = LeadStatus.live().select(peewee.fn.MAX(LeadStatus.position)).scalar()
        status.position = int(last or 0) + 1
        status.save()
    return status


def rename_lead_status(actor: User, status: LeadStatus, name: str) -> LeadStatus:
    """Rename a status, built-in ones included (admins only)."""
    require_admin(actor, "change lead statuses")
    new_name = _clean_status_name(name, exclude=status)
    with writing(actor, status):
        status.name = new_name
        status.save()
    return status


def recolour_lead_status(
    actor: User, status: LeadStatus, *, fg_color: str | None = None, bg_color: str | None = None
) -> LeadStatus:
    """Change a status's font and/or background colour (``#RRGGBB``; admins only)."""
    require_admin(actor, "change lead statuses")
    fg = _clean_color(fg_color, "fg_color") if fg_color is not None else status.fg_color
    bg = _clean_color(bg_color, "bg_color") if bg_color is not None else status.bg_color
    with writing(actor, status):
        status.fg_color, status.bg_color = fg, bg
        status.save()
    return status


def reorder_lead_statuses(actor: User, ordered: Sequence[LeadStatus]) -> list[LeadStatus]:
    """Put every live status in the given order; ``New`` must stay first (admins only)."""
    require_admin(actor, "change lead statuses")
    current = {status.id: status for status in lead_statuses()}
    if sorted(s.id for s in ordered) != sorted(current):
        raise ValidationError("order", "List every lead status exactly once to reorder them.")
    if current[ordered[0].id].kind != LeadStatusKind.NEW.value:
        raise ValidationError("order", "New must stay the first lead status.")
    with writing(actor):
        for position, item in enumerate(ordered):
            status = current[item.id]
            status.position = position
            status.save()
    return lead_statuses()


def delete_lead_status(
    actor: User, status: LeadStatus, *, replacement: LeadStatus | None = None
) -> int:
    """Delete an admin-defined status, moving its leads to ``replacement`` (admins only).

    Built-in statuses cannot be deleted. Returns how many leads were moved.
    """
    require_admin(actor, "change lead statuses")
    status = live(LeadStatus, status.id, "lead status")
    if status.kind != LeadStatusKind.CUSTOM.value:
        raise ServiceError(
            f"{status.name} is a built-in lead status and cannot be deleted; you can rename it."
        )
    if replacement is not None:
        replacement = live(LeadStatus, replacement.id, "replacement status")
        if replacement.id == status.id:
            raise ValidationError("replacement", "Choose a different status as the replacement.")
    leads = list(Lead.select().where(Lead.status == status.id))
    in_use = sum(1 for lead in leads if lead.deleted_at is None)
    if in_use and replacement is None:
        raise ValidationError(
            "replacement",
            f"{in_use} leads have the status {status.name}: "
            "choose the status they should get instead.",
        )
    with writing(actor, status):
        for lead in leads:
            if replacement is not None:
                lead.status = replacement
                lead.save()
        status.delete_instance()
    return len(leads)
