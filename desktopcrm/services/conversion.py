"""Lead conversion: a lead becomes a person contact (and a company when it names one),
optionally with a deal, and everything hanging off the lead moves with it.

Conversion is one transaction and cannot be undone: the lead keeps pointers to what it became
(``converted_*_id``) and is read-only from then on. Notes, documents, tags and custom values
move to the new contact; deals already linked to the lead get the contact as primary contact.
Later record kinds (tasks, appointments, emails) register their own mover in ``CARRY_OVER``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import peewee

from desktopcrm.models import User, utcnow
from desktopcrm.models.attachments import Document, RecordTag, Tag
from desktopcrm.models.notes import Note
from desktopcrm.models.records import PERSON_FIELDS, Contact, Deal, Lead, RecordKind
from desktopcrm.services import contacts as contact_service
from desktopcrm.services import custom_fields, documents, notes, tags
from desktopcrm.services import deals as deal_service
from desktopcrm.services.errors import ValidationError
from desktopcrm.services.leads import refuse_converted
from desktopcrm.services.records import DuplicatesFound, likely_duplicates, live, writing
from desktopcrm.services.search import index_record
from desktopcrm.services.visibility import require_assign, require_edit, require_see, scope

#: Movers for what later issues attach to leads (tasks, appointments, emails):
#: ``mover(lead, contact)``, called inside the conversion transaction after the built-in ones.
CARRY_OVER: list[Callable[[Lead, Contact], None]] = []

#: Lead fields a new company gets (besides its name).
COMPANY_FIELDS = ("website", "street", "city", "region", "postal_code", "country", "source")


@dataclass(frozen=True)
class ConversionPreview:
    """What ``convert_lead`` would do, for the confirmation dialog.

    ``custom_not_carried`` lists custom values no contact field has the key of; a value whose
    field exists but with an incompatible type is reported by ``ConversionResult``.
    """

    lead: Lead
    person_name: str | None  # None: the lead names only a company, which becomes the contact
    company_name: str
    existing_company: Contact | None
    notes: int
    documents: int
    tags: list[str]
    custom_values: list[str]
    custom_not_carried: list[str]
    duplicates: list[Any] = field(default_factory=list)

    @property
    def creates_company(self) -> bool:
        return bool(self.company_name) and self.existing_company is None


@dataclass(frozen=True)
class ConversionResult:
    """What conversion created or linked, and the custom values it could not carry."""

    contact: Contact
    company: Contact | None
    deal: Deal | None
    not_carried: list[str]


def _person_name(lead: Lead) -> str | None:
    return f"{lead.first_name} {lead.last_name}".strip() or None


def existing_company(actor: User, name: str) -> Contact | None:
    """A live company ``actor`` can see whose name is ``name`` ignoring case, if any."""
    name = name.strip()
    if not name:
        return None
    query = scope(Contact.live(), Contact, actor).where(
        Contact.is_company, peewee.fn.LOWER(Contact.name) == name.lower()
    )
    for company in query.order_by(Contact.created_at):
        if company.name.casefold() == name.casefold():
            return company
    return None


def _lead_notes(lead: Lead) -> peewee.ModelSelect[Note]:
    return Note.select().where(Note.record_type == RecordKind.LEAD.value, Note.record_id == lead.id)


def _tag_names(lead: Lead) -> list[str]:
    query = Tag.select(Tag.name).join(RecordTag).where(RecordTag.record_id == lead.id)
    return sorted(tag.name for tag in query)


def _check_convertible(actor: User, lead: Lead) -> Lead:
    lead = live(Lead, lead.id, "lead")
    refuse_converted(lead)
    require_edit(actor, lead)
    return lead


def _person_duplicates(lead: Lead) -> list[Any]:
    if _person_name(lead) is None:
        return []
    fields = {name: getattr(lead, name) for name in ("first_name", "last_name", "email")}
    fields.update(phone=lead.phone, mobile=lead.mobile)
    return likely_duplicates("contact", fields)


def preview_conversion(actor: User, lead: Lead) -> ConversionPreview:
    """What converting ``lead`` will create, reuse and move, and its likely duplicates."""
    lead = _check_convertible(actor, lead)
    values = custom_fields.get_values(RecordKind.LEAD, lead.id)
    not_carried = [
        key for key in values if custom_fields.field_by_key(RecordKind.CONTACT, key) is None
    ]
    return ConversionPreview(
        lead=lead,
        person_name=_person_name(lead),
        company_name=lead.company_name,
        existing_company=existing_company(actor, lead.company_name),
        notes=_lead_notes(lead).where(Note.deleted_at.is_null()).count(),
        documents=Document.live()
        .where(Document.record_type == RecordKind.LEAD.value, Document.record_id == lead.id)
        .count(),
        tags=_tag_names(lead),
        custom_values=sorted(values),
        custom_not_carried=sorted(not_carried),
        duplicates=_person_duplicates(lead),
    )


def convert_lead(
    actor: User,
    lead: Lead,
    *,
    create_deal: Mapping[str, Any] | None = None,
    use_existing_contact: Contact | None = None,
    use_existing_company: Contact | None = None,
    check_duplicates: bool = True,
) -> ConversionResult:
    """Convert ``lead`` in one transaction: person contact (or ``use_existing_contact``),
    company when the lead names one (``use_existing_company``, else an existing one of the
    same name, else a new one), an optional deal (``create_deal``: ``deals.create_deal``
    arguments), then notes, documents, tags, custom values and ``CARRY_OVER`` move over.

    Raises ``DuplicatesFound`` when the new person looks like an existing contact, unless
    ``check_duplicates`` is false or an existing contact is used. Irreversible.
    """
    lead = _check_convertible(actor, lead)
    owner = User.get_by_id(lead.owner_id) if lead.owner_id else actor
    require_assign(actor, owner)
    contact = _usable(actor, use_existing_contact, company=False)
    company = _usable(actor, use_existing_company, company=True)
    if contact is None and _person_name(lead) is None and not lead.company_name:
        raise ValidationError("lead", "The lead has neither a name nor a company to convert to.")
    if check_duplicates and contact is None:
        matches = _person_duplicates(lead)
        if matches:
            raise DuplicatesFound("person", matches)
    with writing(actor, lead):
        if company is None and lead.company_name:
            company = existing_company(actor, lead.company_name) or _new_company(actor, lead, owner)
        if contact is None:
            contact = _new_person(actor, lead, owner, company) if _person_name(lead) else company
        elif company is not None and contact.company_id is None:
            contact = contact_service.update_contact(actor, contact, company=company)
        assert contact is not None
        deal = None
        if create_deal is not None:
            deal = _new_deal(actor, lead, contact, owner, create_deal)
        not_carried = _carry_over(lead, contact)
        lead.converted_at = utcnow()
        lead.converted_contact_id = contact.id
        lead.converted_company_id = company.id if company else None
        lead.converted_deal_id = deal.id if deal else None
        lead.save()
        index_record(lead)
    return ConversionResult(contact, company, deal, not_carried)


def _usable(actor: User, contact: Contact | None, *, company: bool) -> Contact | None:
    if contact is None:
        return None
    what = "company" if company else "contact"
    contact = live(Contact, contact.id, what)
    require_see(actor, contact)
    if company and not contact.is_company:
        raise ValidationError(what, f"{contact.name} is a person; choose a company.")
    if not company and contact.is_company:
        raise ValidationError(what, f"{contact.name} is a company; choose a person.")
    return contact


def _new_company(actor: User, lead: Lead, owner: User) -> Contact:
    fields = {name: getattr(lead, name) for name in COMPANY_FIELDS}
    return contact_service.create_company(
        actor, lead.company_name, owner=owner, check_duplicates=False, **fields
    )


def _new_person(actor: User, lead: Lead, owner: User, company: Contact | None) -> Contact:
    fields = {name: getattr(lead, name) for name in PERSON_FIELDS}
    return contact_service.create_person(
        actor, company=company, owner=owner, check_duplicates=False, **fields
    )


def _new_deal(
    actor: User, lead: Lead, contact: Contact, owner: User, arguments: Mapping[str, Any]
) -> Deal:
    values = dict(arguments)
    for reserved in ("primary_contact", "lead"):
        if reserved in values:
            raise ValidationError(reserved, f"The deal's {reserved} is set by the conversion.")
    values.setdefault("name", lead.company_name or lead.display_name)
    values.setdefault("owner", owner)
    return deal_service.create_deal(actor, primary_contact=contact, lead=lead, **values)


def _carry_over(lead: Lead, contact: Contact) -> list[str]:
    """Move what hangs off the lead to the contact; returns custom keys left behind."""
    notes.move_notes(RecordKind.LEAD, lead.id, RecordKind.CONTACT, contact)
    documents.move_documents(RecordKind.LEAD, lead.id, RecordKind.CONTACT, contact.id)
    tags.move_tags(lead.id, contact)
    not_carried = custom_fields.copy_values(RecordKind.LEAD, lead.id, RecordKind.CONTACT, contact)
    for deal in Deal.live().where(Deal.lead == lead.id, Deal.primary_contact.is_null()):
        deal.primary_contact = contact
        deal.save()
        index_record(deal)
        contact_service.recompute_statuses(contact)
    for mover in CARRY_OVER:
        mover(lead, contact)
    index_record(contact)
    return not_carried
