"""Lead conversion: one irreversible transaction that creates, links and carries over."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import pytest

from desktopcrm.models import ChangeLog
from desktopcrm.models.attachments import Document, RecordTag, Tag
from desktopcrm.models.custom_fields import FieldType
from desktopcrm.models.notes import Note
from desktopcrm.models.records import (
    Contact,
    CustomerStatus,
    Deal,
    Lead,
    ProspectStatus,
    RecordKind,
)
from desktopcrm.models.search import SearchEntry
from desktopcrm.services import contacts, conversion, custom_fields, deals, leads
from desktopcrm.services.errors import PermissionDenied, ServiceError, ValidationError
from desktopcrm.services.records import DuplicatesFound
from desktopcrm.services.workspace import Workspace
from tests.unit.test_visibility import Team, make_team


@pytest.fixture
def team(workspace: Workspace) -> Team:
    return make_team(workspace.user)


def giulia(team: Team, **fields: object) -> Lead:
    values: dict[str, object] = {
        "first_name": "Giulia",
        "last_name": "Bianchi",
        "company_name": "Vetreria Bianchi",
        "email": "giulia@vetreria.it",
        "phone": "+39 011 555 0101",
        "city": "Torino",
        "website": "vetreria.it",
    }
    values.update(fields)
    return leads.create_lead(team.rep, check_duplicates=False, **values)  # type: ignore[arg-type]


def note_on(lead: Lead, body: str) -> Note:
    note = Note(record_type="lead", record_id=lead.id, body=body)
    note.save()
    return note


def document_on(lead: Lead, filename: str) -> Document:
    digest = hashlib.sha256(filename.encode()).hexdigest()
    document = Document(
        record_type="lead", record_id=lead.id, filename=filename, content_hash=digest, size=3
    )
    document.save()
    return document


def tag(lead: Lead, name: str) -> None:
    found = Tag.get_or_none(Tag.key == name.lower())
    if found is None:
        found = Tag(name=name, key=name.lower())
        found.save()
    RecordTag.insert(tag=found.id, record_type="lead", record_id=lead.id).execute()


def test_convert_creates_person_company_deal_and_carries_everything(
    any_database: Workspace,
) -> None:
    team = make_team(any_database.user)
    custom_fields.create_field(team.admin, RecordKind.LEAD, "Budget", FieldType.NUMBER)
    custom_fields.create_field(team.admin, RecordKind.LEAD, "Fair", FieldType.TEXT)
    custom_fields.create_field(team.admin, RecordKind.CONTACT, "Budget", FieldType.NUMBER)
    lead = giulia(team, custom={"budget": "5000", "fair": "Vicenzaoro"})
    first, second = note_on(lead, "Met at the fair"), note_on(lead, "Call back in May")
    document_on(lead, "brochure.pdf")
    tag(lead, "VIP")

    preview = conversion.preview_conversion(team.rep, lead)
    assert preview.person_name == "Giulia Bianchi"
    assert preview.company_name == "Vetreria Bianchi" and preview.creates_company
    assert (preview.notes, preview.documents, preview.tags) == (2, 1, ["VIP"])
    assert preview.custom_values == ["budget", "fair"]
    assert preview.custom_not_carried == ["fair"]
    assert preview.duplicates == []

    seq = ChangeLog.last_seq()
    result = conversion.convert_lead(
        team.rep, lead, create_deal={"name": "Glass order", "value": "12000", "currency": "EUR"}
    )
    person, company, deal = result.contact, result.company, result.deal
    assert company is not None and deal is not None
    assert (person.name, person.email, person.city) == (
        "Giulia Bianchi",
        "giulia@vetreria.it",
        "Torino",
    )
    assert person.company_id == company.id and company.is_company
    assert (company.name, company.website) == ("Vetreria Bianchi", "vetreria.it")
    assert person.owner_id == company.owner_id == deal.owner_id == team.rep.id
    assert deal.primary_contact_id == person.id and deal.lead_id == lead.id
    assert deal.value == Decimal("12000.00")
    assert result.not_carried == ["fair"]

    stored = Lead.get_by_id(lead.id)
    assert stored.converted_at is not None
    assert stored.converted_contact_id == person.id
    assert stored.converted_company_id == company.id
    assert stored.converted_deal_id == deal.id

    for note in (first, second):
        moved = Note.get_by_id(note.id)
        assert (moved.record_type, moved.record_id) == ("contact", person.id)
    assert Document.get(Document.filename == "brochure.pdf").record_id == person.id
    assert [r.record_id for r in RecordTag.select()] == [person.id]
    assert custom_fields.get_values(RecordKind.CONTACT, person.id) == {"budget": 5000}

    for contact in (person, company):
        fresh = Contact.get_by_id(contact.id)
        assert fresh.prospect_status == ProspectStatus.CURRENT.value
        assert fresh.customer_status == CustomerStatus.NON_CUSTOMER.value
    assert not SearchEntry.select().where(SearchEntry.record_id == lead.id).exists()
    entries = ChangeLog.select().where(ChangeLog.seq > seq)
    assert {e.user_id for e in entries} == {team.rep.id}
    assert {e.table_name for e in entries} >= {"lead", "contact", "deal", "note", "document"}


def test_converted_leads_are_read_only_and_conversion_is_once(team: Team) -> None:
    lead = giulia(team)
    conversion.convert_lead(team.rep, lead)
    lead = Lead.get_by_id(lead.id)
    with pytest.raises(ServiceError, match=r"This lead was converted on .*; edit the contact"):
        leads.update_lead(team.rep, lead, city="Roma")
    with pytest.raises(ServiceError, match="edit the contact instead"):
        conversion.convert_lead(team.rep, lead)
    with pytest.raises(ServiceError, match="edit the contact instead"):
        conversion.preview_conversion(team.rep, lead)
    assert not hasattr(conversion, "unconvert_lead")


def test_an_existing_company_with_the_same_name_is_reused(team: Team) -> None:
    company = contacts.create_company(team.rep, "VETRERIA bianchi")
    lead = giulia(team)
    assert conversion.preview_conversion(team.rep, lead).existing_company == company
    result = conversion.convert_lead(team.rep, lead)
    assert result.company is not None and result.company.id == company.id
    assert Contact.select().where(Contact.is_company).count() == 1
    assert Contact.get_by_id(result.contact.id).company_id == company.id


def test_a_company_the_user_cannot_see_is_not_reused(team: Team) -> None:
    hidden = contacts.create_company(team.outsider, "Vetreria Bianchi")
    result = conversion.convert_lead(team.rep, giulia(team))
    assert result.company is not None and result.company.id != hidden.id


def test_existing_contact_and_company_can_be_chosen(team: Team) -> None:
    ada = contacts.create_person(
        team.rep, first_name="Giulia", last_name="B.", check_duplicates=False
    )
    acme = contacts.create_company(team.rep, "ACME")
    lead = giulia(team)
    note_on(lead, "hello")
    result = conversion.convert_lead(
        team.rep, lead, use_existing_contact=ada, use_existing_company=acme
    )
    assert result.contact.id == ada.id and result.company is not None
    assert result.company.id == acme.id
    assert Contact.get_by_id(ada.id).company_id == acme.id  # it had no employer
    assert Note.get(Note.body == "hello").record_id == ada.id
    assert Contact.select().count() == 2
    with pytest.raises(ValidationError, match="is a company; choose a person"):
        conversion.convert_lead(team.rep, giulia(team), use_existing_contact=acme)
    with pytest.raises(ValidationError, match="is a person; choose a company"):
        conversion.convert_lead(team.rep, giulia(team), use_existing_company=ada)


def test_a_lead_with_only_a_company_becomes_that_company(team: Team) -> None:
    lead = leads.create_lead(team.rep, company_name="Only Company Srl")
    result = conversion.convert_lead(team.rep, lead)
    assert result.contact.is_company and result.company is not None
    assert result.contact.id == result.company.id
    other = leads.create_lead(team.rep, company_name="Another Srl")
    assert conversion.preview_conversion(team.rep, other).person_name is None


def test_duplicates_are_checked_first(team: Team) -> None:
    contacts.create_person(
        team.rep, first_name="Giulia", last_name="Bianchi", email="giulia@vetreria.it"
    )
    lead = giulia(team)
    preview = conversion.preview_conversion(team.rep, lead)
    assert [m.name for m in preview.duplicates] == ["Giulia Bianchi"]
    with pytest.raises(DuplicatesFound, match="This person looks like"):
        conversion.convert_lead(team.rep, lead)
    assert Lead.get_by_id(lead.id).converted_at is None
    assert Contact.select().count() == 1
    result = conversion.convert_lead(team.rep, lead, check_duplicates=False)
    assert result.contact.name == "Giulia Bianchi"
    assert Contact.select().where(Contact.is_company == False).count() == 2  # noqa: E712


def test_a_failing_step_converts_nothing(team: Team) -> None:
    lead = giulia(team)
    note_on(lead, "keep me on the lead")
    with pytest.raises(ValidationError) as caught:
        conversion.convert_lead(team.rep, lead, create_deal={"name": "X", "value": "-5"})
    assert caught.value.field == "value"
    assert Lead.get_by_id(lead.id).converted_at is None and lead.converted_at is None
    assert Contact.select().count() == 0 and Deal.select().count() == 0
    assert Note.get(Note.body == "keep me on the lead").record_type == "lead"
    with pytest.raises(ValidationError, match="set by the conversion"):
        conversion.convert_lead(team.rep, lead, create_deal={"lead": None})

    def broken(lead: Lead, contact: Contact) -> None:
        raise RuntimeError("later record kind failed")

    conversion.CARRY_OVER.append(broken)
    try:
        with pytest.raises(RuntimeError):
            conversion.convert_lead(team.rep, lead)
    finally:
        conversion.CARRY_OVER.remove(broken)
    assert Contact.select().count() == 0 and Lead.get_by_id(lead.id).converted_at is None


def test_carry_over_hooks_run_with_the_lead_and_the_contact(team: Team) -> None:
    seen: list[tuple[str, str]] = []

    def mover(lead: Lead, contact: Contact) -> None:
        seen.append((lead.display_name, contact.name))

    conversion.CARRY_OVER.append(mover)
    try:
        conversion.convert_lead(team.rep, giulia(team))
    finally:
        conversion.CARRY_OVER.remove(mover)
    assert seen == [("Giulia Bianchi", "Giulia Bianchi")]


def test_deals_of_the_lead_follow_the_contact(team: Team) -> None:
    lead = giulia(team)
    earlier = deals.create_deal(team.rep, "Earlier", "10", "EUR", lead=lead)
    result = conversion.convert_lead(team.rep, lead)
    assert Deal.get_by_id(earlier.id).primary_contact_id == result.contact.id
    assert Contact.get_by_id(result.contact.id).prospect_status == ProspectStatus.CURRENT.value


def test_only_who_may_edit_the_lead_converts_it_and_owners_are_kept(team: Team) -> None:
    lead = giulia(team)
    with pytest.raises(PermissionDenied):
        conversion.convert_lead(team.outsider, lead)
    with pytest.raises(PermissionDenied):
        conversion.preview_conversion(team.rep2, lead)
    result = conversion.convert_lead(team.manager, lead)
    assert result.contact.owner_id == team.rep.id  # the lead's owner keeps the contact
    deleted = giulia(team, email="other@example.com")
    leads.delete_lead(team.rep, deleted)
    with pytest.raises(ValidationError, match="no longer exists"):
        conversion.convert_lead(team.rep, deleted)


def test_converted_at_is_shown_in_the_refusal(team: Team) -> None:
    lead = giulia(team)
    conversion.convert_lead(team.rep, lead)
    converted = Lead.get_by_id(lead.id).converted_at
    day = f"{converted.replace(tzinfo=dt.UTC).astimezone():%Y-%m-%d}"
    with pytest.raises(ServiceError, match=f"converted on {day}"):
        leads.set_lead_status(team.rep, Lead.get_by_id(lead.id), leads.lead_statuses()[1])
