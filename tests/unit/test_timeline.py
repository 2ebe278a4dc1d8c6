"""The activity timeline read from the change log: who did what, in words, newest first."""

from __future__ import annotations

from pathlib import Path

from desktopcrm.models import Profile
from desktopcrm.models.custom_fields import FieldType
from desktopcrm.models.records import Contact, Deal, RecordKind, Stage
from desktopcrm.services import contacts, custom_fields, deals, documents, leads, notes, tags, users
from desktopcrm.services.record_details import load_details
from desktopcrm.services.timeline import timeline
from desktopcrm.services.workspace import Workspace


def texts(entries) -> list[str]:  # type: ignore[no-untyped-def]
    return [f"{e.who} {e.text}" for e in entries]


def test_a_contacts_life_in_words(workspace: Workspace, tmp_path: Path) -> None:
    admin = workspace.user
    bea = users.create_user(admin, "Bea", profile=Profile.ADMIN)
    custom_fields.create_field(admin, RecordKind.CONTACT, "Industry", FieldType.TEXT)
    person = contacts.create_person(admin, first_name="Anna", last_name="Rossi", phone="1")
    contacts.update_contact(
        bea, Contact.get_by_id(person.id), phone="2", custom={"industry": "Steel"}
    )
    tags.add_tags(person, ["VIP"])
    notes.add_note(admin, person, "Called, no answer", action="Call", status="No answer")
    source = tmp_path / "offer.pdf"
    source.write_bytes(b"pdf")
    documents.add_document(admin, person, source)
    contacts.delete_contact(bea, Contact.get_by_id(person.id))
    entries = timeline(RecordKind.CONTACT, Contact.get_by_id(person.id))
    assert texts(entries)[:1] == ["Bea deleted this person"]
    assert set(texts(entries)) >= {
        f"{admin.name} attached offer.pdf",
        f"{admin.name} added a note",
        "Bea changed Phone",
        "Bea changed Industry",
        f"{admin.name} created this person",
    }
    phone = next(e for e in entries if e.text == "changed Phone")
    assert phone.details == ("Phone: 1 → 2",)
    note = next(e for e in entries if e.text == "added a note")
    assert note.details == ("Call · No answer", "Called, no answer")
    assert any(e.kind == "tags" and "added tag VIP" in e.text for e in entries)
    assert [e.at for e in entries] == sorted((e.at for e in entries), reverse=True)


def test_deal_moves_and_owner_changes_use_names(workspace: Workspace) -> None:
    admin = workspace.user
    bea = users.create_user(admin, "Bea", profile=Profile.ADMIN)
    deal = deals.create_deal(admin, "Licences", "100")
    won = Stage.get(Stage.pipeline == deal.pipeline_id, Stage.kind == "won")
    deals.move_deal(admin, deal, won)
    deals.update_deal(admin, Deal.get_by_id(deal.id), owner=bea)
    entries = timeline(RecordKind.DEAL, Deal.get_by_id(deal.id))
    assert entries[0].details == (f"Owner: {admin.name} → Bea",)
    assert entries[1].text.startswith("moved the deal from ") and entries[1].text.endswith(
        " to Won"
    )


def test_lead_status_and_conversion(workspace: Workspace) -> None:
    from desktopcrm.models.records import LeadStatusKind
    from desktopcrm.services.conversion import convert_lead

    admin = workspace.user
    lead = leads.create_lead(admin, first_name="Ivo", last_name="Neri")
    leads.set_lead_status(admin, lead, leads.status_of_kind(LeadStatusKind.WORKING))
    convert_lead(admin, lead)
    entries = timeline(RecordKind.LEAD, lead)
    assert [e.text for e in entries[:2]] == ["converted this lead", "changed Status"]
    assert entries[1].details == ("Status: New → Working",)


def test_load_details_gathers_the_page(workspace: Workspace) -> None:
    admin = workspace.user
    company = contacts.create_company(admin, "Globex")
    anna = contacts.create_person(admin, first_name="Anna", last_name="Rossi", company=company)
    contacts.create_person(admin, first_name="Bruno", last_name="Verdi", company=company)
    deals.create_deal(admin, "Licences", "100", primary_contact=anna)
    details = load_details(admin, "contact", company.id)
    assert details.is_company and details.title == "Globex"
    employees = next(s for s in details.related if s.title == "Employees")
    assert [(i.title, i.starred) for i in employees.items] == [
        ("Anna Rossi", True),
        ("Bruno Verdi", False),
    ]
    company_deals = next(s for s in details.related if s.title == "Deals")
    assert [i.title for i in company_deals.items] == ["Licences"]
    assert [e.text for e in details.timeline] == ["changed Prospect status", "created this company"]
    assert [u.id for u in details.owners] == [admin.id]
