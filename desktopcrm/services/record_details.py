"""Everything a record page shows, read in one go, and the page's few record-kind dispatches.

``load_details`` reads a lead, contact (person or company) or deal the user may see with its
custom values, tags, notes, documents, related records and timeline, plus the choices its
editors offer (owners, statuses, stages, note labels, tags). It runs off the GUI thread
(``views.operations.Operation``); the writes stay in the record services (leads, contacts,
deals, notes, documents), which ``update``, ``delete`` and ``restore`` here dispatch to by kind.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from desktopcrm.models import BaseModel, User
from desktopcrm.models.attachments import Document, Tag
from desktopcrm.models.custom_fields import CustomField
from desktopcrm.models.notes import NoteAction, NoteStatus, NoteVariable
from desktopcrm.models.records import (
    Contact,
    Deal,
    Lead,
    LeadStatus,
    LossReason,
    Pipeline,
    RecordKind,
    Stage,
    record_kind,
)
from desktopcrm.services import contacts as contact_service
from desktopcrm.services import custom_fields, leads, notes, pipelines, users
from desktopcrm.services import deals as deal_service
from desktopcrm.services import tags as tag_service
from desktopcrm.services.documents import documents_of
from desktopcrm.services.errors import ValidationError
from desktopcrm.services.leads import refuse_converted
from desktopcrm.services.notes import NoteView
from desktopcrm.services.records import writing
from desktopcrm.services.search import index_record
from desktopcrm.services.timeline import TimelineEntry, timeline
from desktopcrm.services.visibility import can_see, require_edit

#: Related records listed per section at most (the rest is counted).
RELATED_LIMIT = 100

Record = Lead | Contact | Deal


@dataclass(frozen=True)
class RelatedRecord:
    """A record linked to the page's record (a company, an employee, a deal...)."""

    kind: str  # RecordKind value
    record_id: uuid.UUID
    title: str
    subtitle: str = ""
    starred: bool = False  # the primary contact of a deal
    star_hint: str = ""


@dataclass(frozen=True)
class RelatedSection:
    title: str
    items: list[RelatedRecord]
    more: int = 0  # how many more than ``items`` there are
    empty_text: str = ""


@dataclass(frozen=True)
class NoteChoices:
    actions: list[NoteAction]
    statuses: list[NoteStatus]
    variables: list[NoteVariable]
    options: dict[uuid.UUID, list[str]]


@dataclass(frozen=True)
class StageChoice:
    stage: Stage
    pipeline: Pipeline


@dataclass
class RecordDetails:
    """One record and everything its page shows."""

    kind: RecordKind
    record: Any  # Lead | Contact | Deal
    owner_name: str
    custom_fields: list[CustomField]
    custom_options: dict[uuid.UUID, list[str]]
    custom_values: dict[str, Any]
    tags: list[str]
    notes: list[NoteView]
    documents: list[Document]
    related: list[RelatedSection]
    timeline: list[TimelineEntry]
    owners: list[User]
    all_tags: list[str]
    note_choices: NoteChoices
    lead_statuses: list[LeadStatus] = field(default_factory=list)
    stages: list[StageChoice] = field(default_factory=list)
    loss_reasons: dict[str, list[LossReason]] = field(default_factory=dict)
    user_names: dict[uuid.UUID, str] = field(default_factory=dict)

    @property
    def is_company(self) -> bool:
        return bool(getattr(self.record, "is_company", False))

    @property
    def title(self) -> str:
        return record_title(self.record)


def record_title(record: Any) -> str:
    """The name a page and the window title show for ``record``."""
    if isinstance(record, Deal):
        return record.name or "(unnamed deal)"
    return str(record.display_name)


def get_record(actor: User, kind: RecordKind | str, record_id: Any) -> Record:
    """The live record ``actor`` may see (``ValidationError`` when it is gone)."""
    kind = RecordKind(kind)
    ident = record_id if isinstance(record_id, uuid.UUID) else uuid.UUID(str(record_id))
    if kind is RecordKind.LEAD:
        lead = Lead.get_or_none(Lead.id == ident)
        if lead is None or lead.deleted_at is not None:
            raise ValidationError("lead", "The lead no longer exists; it may have been deleted.")
        require_edit(actor, lead)
        return lead
    if kind is RecordKind.CONTACT:
        return contact_service.get_contact(actor, ident)
    return deal_service.get_deal(actor, ident)


def custom_values(record: Record) -> dict[str, Any]:
    """The custom values of a record as its page loads them (``{key: value}``)."""
    return custom_fields.get_values(record_kind(record), record.id)


def load_details(actor: User, kind: RecordKind | str, record_id: Any) -> RecordDetails:
    """Read a record and everything its page shows (run this off the GUI thread)."""
    kind = RecordKind(kind)
    record = get_record(actor, kind, record_id)
    fields = custom_fields.fields_of(kind)
    options = {
        field_id: [choice.label for choice in choices]
        for field_id, choices in custom_fields.option_choices(f.id for f in fields).items()
    }
    everyone = users.list_users(include_inactive=True)
    names = {user.id: user.name for user in everyone}
    owner_id = getattr(record, "owner_id", None)
    details = RecordDetails(
        kind=kind,
        record=record,
        owner_name=names.get(owner_id, "Nobody") if owner_id else "Nobody",
        custom_fields=fields,
        custom_options=options,
        custom_values=custom_fields.get_values(kind, record.id),
        tags=tag_service.tags_of(record.id),
        notes=notes.notes_of(kind, record.id),
        documents=documents_of(kind, record.id),
        related=related_sections(actor, record),
        timeline=timeline(kind, record),
        owners=assignable_owners(actor, everyone, owner_id),
        all_tags=[tag.name for tag in Tag.live().order_by(Tag.key)],
        note_choices=note_choices(),
        user_names=names,
    )
    if kind is RecordKind.LEAD:
        details.lead_statuses = leads.lead_statuses()
    if kind is RecordKind.DEAL:
        details.stages = stage_choices()
        details.loss_reasons = {
            "lost": pipelines.loss_reasons("lost"),
            "unqualified": pipelines.loss_reasons("unqualified"),
        }
    return details


def assignable_owners(
    actor: User, everyone: Iterable[User], current: uuid.UUID | None = None
) -> list[User]:
    """Active users ``actor`` may make owners (themselves; reports for managers; anyone for
    admins), plus the current owner so the page can show them."""
    from desktopcrm.services.visibility import visible_owner_ids

    ids = visible_owner_ids(actor)
    result = []
    for user in everyone:
        usable = user.active and user.deleted_at is None and (ids is None or user.id in ids)
        if usable or user.id == current:
            result.append(user)
    return result


def note_choices() -> NoteChoices:
    """Active note actions, statuses and variables (with dropdown options) for a composer."""
    variables = notes.labels(NoteVariable)
    return NoteChoices(
        actions=notes.labels(NoteAction),
        statuses=notes.labels(NoteStatus),
        variables=variables,
        options={v.id: [o.name for o in notes.variable_options(v)] for v in variables},
    )


def stage_choices() -> list[StageChoice]:
    """Every live stage of every live pipeline, pipeline by pipeline."""
    result = []
    for pipeline in pipelines.pipelines():
        for stage in pipelines.stages_of(pipeline):
            result.append(StageChoice(stage, pipeline))
    return result


# --------------------------------------------------------------------------- related records


def _money(value: Decimal | None, currency: str) -> str:
    amount = Decimal(value or 0)
    return f"{amount:,.2f} {currency}".strip()


def _deal_items(deals: Iterable[Deal], starred_contact: uuid.UUID | None) -> list[RelatedRecord]:
    stages = {stage.id: stage.name for stage in Stage.select(Stage.id, Stage.name)}
    items = []
    for deal in deals:
        subtitle = f"{stages.get(deal.stage_id, '?')} · {_money(deal.value, deal.currency)}"
        starred = starred_contact is not None and deal.primary_contact_id == starred_contact
        items.append(
            RelatedRecord(
                RecordKind.DEAL.value,
                deal.id,
                deal.name,
                subtitle,
                starred,
                "Primary contact of this deal" if starred else "",
            )
        )
    return items


def _section(title: str, query: Any, build: Any, empty: str) -> RelatedSection:
    rows = list(query.limit(RELATED_LIMIT + 1))
    more = 0
    if len(rows) > RELATED_LIMIT:
        more = query.count() - RELATED_LIMIT
        rows = rows[:RELATED_LIMIT]
    return RelatedSection(title, build(rows), more, empty)


def _contact_item(contact: Contact, starred: bool = False, hint: str = "") -> RelatedRecord:
    subtitle = contact.title or contact.email or ("Company" if contact.is_company else "Person")
    return RelatedRecord(
        RecordKind.CONTACT.value, contact.id, contact.display_name, subtitle, starred, hint
    )


def related_sections(actor: User, record: Record) -> list[RelatedSection]:
    """The records linked to ``record``, section by section, that ``actor`` may see."""
    if isinstance(record, Lead):
        return _lead_related(actor, record)
    if isinstance(record, Contact):
        return _contact_related(actor, record)
    return _deal_related(actor, record)


def _lead_related(actor: User, lead: Lead) -> list[RelatedSection]:
    sections = []
    if lead.converted_at is not None:
        items = []
        for contact_id in (lead.converted_contact_id, lead.converted_company_id):
            contact = Contact.get_or_none(Contact.id == contact_id) if contact_id else None
            if contact is not None and contact.deleted_at is None and can_see(actor, contact):
                items.append(_contact_item(contact))
        if lead.converted_deal_id:
            deal = Deal.get_or_none(Deal.id == lead.converted_deal_id)
            if deal is not None and deal.deleted_at is None and can_see(actor, deal):
                items += _deal_items([deal], None)
        sections.append(RelatedSection("Converted to", items, 0, "Nothing left of the conversion."))
    query = Deal.live().where(Deal.lead == lead.id).order_by(Deal.created_at.desc())
    deals = [deal for deal in query if can_see(actor, deal)]
    if deals:
        sections.append(RelatedSection("Deals", _deal_items(deals, None)))
    return sections


def _contact_related(actor: User, contact: Contact) -> list[RelatedSection]:
    sections: list[RelatedSection] = []
    deals_query = contact_service.deals_of(contact).order_by(Deal.created_at.desc())
    if contact.is_company:
        primaries = {
            row.primary_contact_id
            for row in contact_service.deals_of(contact).select(Deal.primary_contact)
            if row.primary_contact_id
        }
        employees = (
            Contact.live().where(Contact.company == contact.id).order_by(Contact.name, Contact.id)
        )
        sections.append(
            _section(
                "Employees",
                employees,
                lambda rows: [
                    _contact_item(
                        c,
                        c.id in primaries,
                        "Primary contact of a deal" if c.id in primaries else "",
                    )
                    for c in rows
                ],
                "No one works here yet. Set this company on a person's page.",
            )
        )
    elif contact.company_id is not None:
        company = Contact.get_or_none(Contact.id == contact.company_id)
        if company is not None and company.deleted_at is None:
            sections.append(RelatedSection("Company", [_contact_item(company)]))
    sections.append(
        _section(
            "Deals",
            deals_query,
            lambda rows: _deal_items(rows, contact.id),
            "No deals yet.",
        )
    )
    return sections


def _deal_related(actor: User, deal: Deal) -> list[RelatedSection]:
    people = deal_service.contacts_of(deal)
    items = [
        _contact_item(
            contact,
            contact.id == deal.primary_contact_id,
            "Primary contact" if contact.id == deal.primary_contact_id else "",
        )
        for contact in sorted(people, key=lambda c: (c.id != deal.primary_contact_id, c.name))
        if contact.deleted_at is None
    ]
    sections = [RelatedSection("Contacts", items, 0, "No contact yet.")]
    if deal.lead_id is not None:
        lead = Lead.get_or_none(Lead.id == deal.lead_id)
        if lead is not None and lead.deleted_at is None:
            sections.append(
                RelatedSection(
                    "Lead",
                    [RelatedRecord(RecordKind.LEAD.value, lead.id, lead.display_name, "Lead")],
                )
            )
    return sections


# --------------------------------------------------------------------------- writes by kind


def update(
    actor: User,
    record: Record,
    changes: Mapping[str, Any],
    custom: Mapping[str, object] | None = None,
) -> Record:
    """Save a page's edits through the record's own service (``StaleRecordError`` when the
    copy is stale and someone else changed the same fields)."""
    if isinstance(record, Lead):
        return leads.update_lead(actor, record, custom=custom, **changes)
    if isinstance(record, Contact):
        return contact_service.update_contact(actor, record, custom=custom, **changes)
    return deal_service.update_deal(actor, record, custom=custom, **changes)


def delete(actor: User, record: Record) -> None:
    """Soft-delete a record through its service (``restore`` brings it back)."""
    if isinstance(record, Lead):
        leads.delete_lead(actor, record)
    elif isinstance(record, Contact):
        contact_service.delete_contact(actor, record)
    else:
        deal_service.delete_deal(actor, record)


def restore(actor: User, record: BaseModel) -> BaseModel:
    """Undo a soft delete of a lead, contact or deal ``actor`` may edit; statuses that depend
    on it (a deal's contacts, a person's company) are recomputed."""
    kind = record_kind(record)
    model = type(record)
    fresh: Any = model.get_by_id(record.id)
    require_edit(actor, fresh)
    with writing(actor, fresh):
        fresh.restore()
        index_record(fresh)
        if kind is RecordKind.DEAL:
            contact_service.recompute_for([c.id for c in deal_service.contacts_of(fresh)])
        elif kind is RecordKind.CONTACT:
            contact_service.recompute_statuses(fresh)
    result: BaseModel = fresh
    return result


def restore_document(actor: User, document: Document) -> Document:
    """Bring back a removed document of a record ``actor`` may edit (Undo of a removal)."""
    fresh = Document.get_by_id(document.id)
    record = get_record(actor, fresh.record_type, fresh.record_id)
    require_edit(actor, record)
    with writing(actor):
        fresh.restore()
    return fresh


def add_tags(actor: User, record: Record, names: Iterable[str]) -> list[str]:
    """Add tags to a record ``actor`` may edit; returns its tags."""
    _check_taggable(actor, record)
    with writing(actor):
        return tag_service.add_tags(record, names)


def remove_tags(actor: User, record: Record, names: Iterable[str]) -> list[str]:
    """Take tags off a record ``actor`` may edit; returns the remaining tags."""
    _check_taggable(actor, record)
    with writing(actor):
        return tag_service.remove_tags(record, names)


def _check_taggable(actor: User, record: Record) -> None:
    require_edit(actor, record)
    if isinstance(record, Lead):
        refuse_converted(record)


def display_value(value: Any) -> str:
    """A custom value as text for read-only places (timeline, conflict dialog)."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)
