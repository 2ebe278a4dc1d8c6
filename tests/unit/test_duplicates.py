"""Likely duplicates (emails, phones, fuzzy names, companies) and merging two records."""

from __future__ import annotations

from typing import Any

import pytest

from desktopcrm.models import User
from desktopcrm.models.records import Contact, Lead, LeadStatus
from desktopcrm.services.duplicates import (
    company_words,
    domain_of,
    find_duplicates,
    name_similarity,
    same_phone,
)
from desktopcrm.services.search import index_record
from desktopcrm.services.workspace import Workspace


def person(owner: User | None, first: str, last: str, **extra: Any) -> Contact:
    contact = Contact(
        first_name=first, last_name=last, name=f"{first} {last}".strip(), owner=owner, **extra
    )
    contact.save()
    index_record(contact)
    return contact


def company(owner: User | None, name: str, **extra: Any) -> Contact:
    contact = Contact(name=name, is_company=True, owner=owner, **extra)
    contact.save()
    index_record(contact)
    return contact


def lead(owner: User | None, first: str, last: str, **extra: Any) -> Lead:
    status = LeadStatus.select().order_by(LeadStatus.position).first()
    record = Lead(first_name=first, last_name=last, owner=owner, status=status, **extra)
    record.save()
    index_record(record)
    return record


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
