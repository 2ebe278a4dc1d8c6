"""Likely duplicates (emails, phones, fuzzy names, companies) and merging two records."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from desktopcrm.models import ChangeLog, User, acting_as
from desktopcrm.models.attachments import Document
from desktopcrm.models.custom_fields import FieldType
from desktopcrm.models.notes import Note
from desktopcrm.models.records import (
    Contact,
    Deal,
    DealContact,
    Lead,
    RecordKind,
    Stage,
)
from desktopcrm.services import custom_fields, tags
from desktopcrm.services.contacts import create_company, create_person
from desktopcrm.services.deals import create_deal
from desktopcrm.services.documents import add_document
from desktopcrm.services.duplicates import (
    company_words,
    domain_of,
    find_duplicates,
    merge,
    name_similarity,
    same_phone,
)
from desktopcrm.services.errors import PermissionDenied, ServiceError
from desktopcrm.services.leads import create_lead
from desktopcrm.services.notes import add_note
from desktopcrm.services.search import search
from desktopcrm.services.workspace import Workspace

from .indexed_records import company, lead, person


def names(matches: list[Any]) -> list[str]:
    return [m.name for m in matches]


def test_same_email_in_any_spelling(any_database: Workspace) -> None:
    admin = any_database.user
    anna = person(admin, "Anna", "Schmidt", email="anna.schmidt@gmail.com")
    person(admin, "Someone", "Else", email="other@gmail.com")
    for email in (
        "Anna.Schmidt@Gmail.com",
        "annaschmidt+crm@googlemail.com",
        "a.nna.schmidt@gmail.com",
    ):
        [match] = find_duplicates("contact", {"first_name": "X", "last_name": "Y", "email": email})
        assert match.record_id == anna.id
        assert match.score == 1.0
        assert match.reasons == ("same email address (anna.schmidt@gmail.com)",)
    # Dots matter outside Gmail.
    person(admin, "Jan", "Kowal", email="jan.kowal@firma.pl")
    assert find_duplicates("contact", {"first_name": "Q", "email": "jankowal@firma.pl"}) == []


def test_same_phone_with_or_without_country_code(any_database: Workspace) -> None:
    admin = any_database.user
    marco = person(admin, "Marco", "Rossi", phone="+39 02 1234 5678")
    for phone in ("02 12345678", "0039 02 12345678", "+39-02-12345678"):
        matches = find_duplicates(
            "contact", {"first_name": "Luca", "last_name": "B", "phone": phone}
        )
        assert [m.record_id for m in matches] == [marco.id], phone
        assert matches[0].reasons == ("same phone number (+39 02 1234 5678)",)
    assert find_duplicates("contact", {"first_name": "Luca", "phone": "02 87654321"}) == []
    # The mobile counts too.
    [match] = find_duplicates("contact", {"first_name": "L", "mobile": "021234 5678"})
    assert match.record_id == marco.id


def test_fuzzy_names_accents_order_initials_and_typos(any_database: Workspace) -> None:
    admin = any_database.user
    person(admin, "José", "Müller")
    person(admin, "John", "Smith")
    person(admin, "Joanna", "Smithson")
    assert names(find_duplicates("contact", {"first_name": "jose", "last_name": "MULLER"})) == [
        "José Müller"
    ]
    assert names(find_duplicates("contact", {"first_name": "Müller", "last_name": "José"})) == [
        "José Müller"
    ]
    [initial] = find_duplicates("contact", {"first_name": "J.", "last_name": "Smith"})
    assert initial.name == "John Smith" and initial.reasons == ("similar name (90%)",)
    [typo] = find_duplicates("contact", {"first_name": "Jon", "last_name": "Smith"})
    assert typo.name == "John Smith"
    [typo2] = find_duplicates("contact", {"first_name": "John", "last_name": "Smyth"})
    assert typo2.name == "John Smith"
    assert find_duplicates("contact", {"first_name": "Peter", "last_name": "Smith"}) == []


def test_several_signals_score_higher_and_sort_first(any_database: Workspace) -> None:
    admin = any_database.user
    person(admin, "Ewa", "Nowak")
    both = person(admin, "Ewa", "Nowak", email="ewa@nowak.pl")
    matches = find_duplicates(
        "contact", {"first_name": "Ewa", "last_name": "Nowak", "email": "EWA@nowak.pl"}
    )
    assert matches[0].record_id == both.id and matches[0].score == 1.0
    assert len(matches[0].reasons) == 2
    assert matches[1].score == 0.8 and matches[1].reasons == ("same name",)
    assert (
        len(find_duplicates("contact", {"first_name": "Ewa", "last_name": "Nowak"}, limit=1)) == 1
    )


def test_kinds_are_kept_apart_and_deleted_or_excluded_records_ignored(
    any_database: Workspace,
) -> None:
    admin = any_database.user
    acme_person = person(admin, "Acme", "Person", email="info@acme.com")
    acme = company(admin, "ACME S.p.A.", website="https://www.acme.com/it")
    acme_lead = lead(admin, "Lia", "Lead", company_name="Acme", email="info@acme.com")
    assert [m.record_id for m in find_duplicates("company", {"name": "Acme"})] == [acme.id]
    [by_site] = find_duplicates("company", {"name": "Totally different", "website": "acme.com"})
    assert by_site.record_id == acme.id and by_site.reasons == ("same website (acme.com)",)
    assert [m.record_id for m in find_duplicates("lead", {"email": "info@acme.com"})] == [
        acme_lead.id
    ]
    assert [m.record_id for m in find_duplicates("contact", {"email": "info@acme.com"})] == [
        acme_person.id
    ]
    assert find_duplicates("contact", {"email": "info@acme.com"}, exclude=[acme_person.id]) == []
    acme_person.delete_instance()
    assert find_duplicates("contact", {"email": "info@acme.com"}) == []
    with pytest.raises(ValueError):
        find_duplicates("deal", {"name": "x"})


def test_duplicates_of_records_owned_by_anyone(any_database: Workspace) -> None:
    person(None, "Nobody's", "Contact", email="n@example.com")
    assert len(find_duplicates("contact", {"email": "n@example.com"})) == 1


def test_helpers() -> None:
    assert company_words("The ACME Company GmbH & Co. KG") == ["acme"]
    assert company_words("Inc") == ["inc"]
    assert domain_of("https://www.example.com/about") == "example.com"
    assert domain_of("example.org") == "example.org"
    assert domain_of("sales@example.net") == "example.net"
    assert name_similarity("Kraków Trading sp. z o.o.", "Krakow Trading", company=True) == 1.0
    assert name_similarity("", "x") == 0.0
    assert same_phone("+48 22 555 01 23", "22 555 01 23")
    assert not same_phone("123", "123")
    assert not same_phone("+48 22 555 01 23", "+49 22 555 01 23")


# -- merge -------------------------------------------------------------------------------------


def test_merge_people_keeps_every_related_record(any_database: Workspace, tmp_path: Path) -> None:
    admin = any_database.user
    custom_fields.create_field(admin, RecordKind.CONTACT, "Employees", FieldType.NUMBER)
    custom_fields.create_field(admin, RecordKind.CONTACT, "Hobby", FieldType.TEXT)
    acme = create_company(admin, "Acme")
    keep = create_person(
        admin,
        first_name="Anna",
        last_name="Schmidt",
        email="anna@acme.de",
        custom={"hobby": "chess"},
        tags=["vip"],
    )
    other = create_person(
        admin,
        first_name="Anna",
        last_name="Schmidt",
        phone="+49 30 1234567",
        company=acme,
        custom={"employees": "12", "hobby": "golf"},
        tags=["fair"],
        check_duplicates=False,
    )
    won = Stage.get(Stage.kind == "won")
    primary_deal = create_deal(admin, "Forklifts", "1000", primary_contact=other, stage=won)
    linked_deal = create_deal(admin, "Pallets", "10", contacts=[other, keep])
    other_only = create_deal(admin, "Racks", "10", contacts=[other])
    add_note(admin, other, "Called Anna about pallets")
    source = tmp_path / "offer.txt"
    source.write_text("offer")
    add_document(admin, other, source)

    result = merge(admin, keep, other)

    kept = Contact.get_by_id(keep.id)
    assert (kept.phone, kept.email, kept.company_id) == ("+49 30 1234567", "anna@acme.de", acme.id)
    assert set(result.filled) == {"phone", "company"}
    assert Contact.get_by_id(other.id).deleted_at is not None
    assert Deal.get_by_id(primary_deal.id).primary_contact_id == keep.id
    links = DealContact.select().where(
        DealContact.contact == keep.id, DealContact.deleted_at.is_null()
    )
    assert {link.deal_id for link in links} >= {linked_deal.id, other_only.id}
    assert (
        DealContact.select()
        .where(DealContact.contact == other.id, DealContact.deleted_at.is_null())
        .count()
        == 0
    )
    assert [n.body for n in Note.select().where(Note.record_id == keep.id)] == [
        "Called Anna about pallets"
    ]
    assert Document.select().where(Document.record_id == keep.id).count() == 1
    assert tags.tags_of(keep.id) == ["fair", "vip"]
    assert custom_fields.get_values(RecordKind.CONTACT, keep.id) == {
        "employees": 12,
        "hobby": "chess",
    }
    assert (kept.customer_status, kept.prospect_status) == ("current", "current")
    assert [h.record_id for h in search(admin, "schmidt", kinds=["contact"])] == [keep.id]
    [deal_hit] = search(admin, "forklifts")
    assert "Anna Schmidt" in deal_hit.subtitle
    assert (
        ChangeLog.select()
        .where(ChangeLog.row_id == other.id, ChangeLog.operation == "delete")
        .count()
        == 1
    )
    assert result.deals == 3 and result.notes == 1 and result.documents == 1


def test_merge_companies_moves_employees_and_leads(any_database: Workspace) -> None:
    admin = any_database.user
    keep = create_company(admin, "Acme")
    other = create_company(admin, "ACME Ltd", website="https://acme.com", check_duplicates=False)
    worker = create_person(admin, first_name="Bo", last_name="Worker", company=other)
    result = merge(admin, keep, other)
    assert result.employees == 1 and result.filled == ("website",)
    assert Contact.get_by_id(worker.id).company_id == keep.id
    [hit] = search(admin, "worker")
    assert "Acme" in hit.subtitle


def test_merge_leads(any_database: Workspace) -> None:
    admin = any_database.user
    keep = create_lead(admin, first_name="Lia", last_name="Lead")
    other = create_lead(
        admin,
        first_name="Lia",
        last_name="Lead",
        company_name="Lia SL",
        priority="A",
        check_duplicates=False,
    )
    result = merge(admin, keep, other)
    assert set(result.filled) == {"company_name", "priority"}
    assert Lead.get_by_id(keep.id).company_name == "Lia SL"


def test_merge_refusals(any_database: Workspace) -> None:
    admin = any_database.user
    person_a = create_person(admin, first_name="A", last_name="One")
    company_b = create_company(admin, "B Corp")
    lead_c = create_lead(admin, first_name="C", last_name="Lead")
    with pytest.raises(ServiceError, match="different records"):
        merge(admin, person_a, person_a)
    with pytest.raises(ServiceError, match="same kind"):
        merge(admin, person_a, company_b)
    with pytest.raises(ServiceError, match="same kind"):
        merge(admin, person_a, lead_c)  # type: ignore[arg-type]
    with acting_as(admin.id):
        rep = User(name="Rep")
        rep.save()
    mine = create_person(rep, first_name="Mine", last_name="Person")
    with pytest.raises(PermissionDenied):
        merge(rep, mine, person_a)
    person_a.delete_instance()
    with pytest.raises(ServiceError, match="was deleted"):
        merge(admin, mine, person_a)
    assert Contact.get_by_id(mine.id).deleted_at is None
