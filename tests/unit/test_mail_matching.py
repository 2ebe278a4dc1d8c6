"""Matching mail addresses to leads, contacts, companies and deals (real database)."""

from __future__ import annotations

import pytest

from desktopcrm.models.custom_fields import FieldType
from desktopcrm.models.mail import MailAccount
from desktopcrm.models.records import RecordKind
from desktopcrm.services import contacts, conversion, custom_fields, deals, leads, users
from desktopcrm.services.mail_matching import (
    AddressBook,
    MailLinks,
    match_key,
    normalise_address,
    split_addresses,
)
from desktopcrm.services.workspace import Workspace


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Ann@Example.COM", "ann@example.com"),
        ("  <ann@example.com> ", "ann@example.com"),
        ('"Smith, Ann" <Ann.Smith@Example.com>', "ann.smith@example.com"),
        ("Ann Smith <ann@example.com>", "ann@example.com"),
        ("info@Bücher.de", "info@xn--bcher-kva.de"),
        ("info@xn--bcher-kva.de", "info@xn--bcher-kva.de"),
        ("ann@example.com.", "ann@example.com"),
        ("not an address", ""),
        ("", ""),
        ("@example.com", ""),
    ],
)
def test_normalise_address(typed: str, stored: str) -> None:
    assert normalise_address(typed) == stored


def test_match_key_folds_gmail_dots_and_tags_only() -> None:
    assert match_key("Ann.Smith+crm@googlemail.com") == "annsmith@gmail.com"
    assert match_key("annsmith@gmail.com") == "annsmith@gmail.com"
    assert match_key("ann.smith+crm@example.com") == "ann.smith+crm@example.com"


def test_split_addresses() -> None:
    assert split_addresses("a@x.com; b@y.com,c@z.com  d@w.com") == [
        "a@x.com",
        "b@y.com",
        "c@z.com",
        "d@w.com",
    ]
    assert split_addresses("Ann Smith <ann@x.com>") == ["Ann Smith <ann@x.com>"]
    assert split_addresses("none") == []


def test_people_companies_deals_and_leads(any_database: Workspace) -> None:
    me = any_database.user
    acme = contacts.create_company(me, "Acme", email="info@acme.com")
    ann = contacts.create_person(
        me, first_name="Ann", last_name="Lee", company=acme, email="Ann@Acme.com"
    )
    bob = contacts.create_person(me, first_name="Bob", last_name="Ray", email="bob@ray.org")
    big = deals.create_deal(me, "Big order", 1000, primary_contact=ann)
    side = deals.create_deal(me, "Side deal", 10, primary_contact=bob, contacts=[ann])
    company_deal = deals.create_deal(me, "Acme frame", 5, primary_contact=acme)
    lead = leads.create_lead(me, first_name="Lea", email="lea@newco.com", check_duplicates=False)
    lead_deal = deals.create_deal(me, "Lead deal", 1, lead=lead)

    book = AddressBook.load()

    assert book.links_for(["ANN@acme.com"]) == MailLinks(
        contact_ids=frozenset({ann.id}),
        company_ids=frozenset({acme.id}),
        deal_ids=frozenset({big.id, side.id}),
    )
    assert book.links_for(["info@acme.com"]) == MailLinks(
        company_ids=frozenset({acme.id}), deal_ids=frozenset({company_deal.id})
    )
    assert book.links_for(["Lea <lea@newco.com>"]) == MailLinks(
        lead_ids=frozenset({lead.id}), deal_ids=frozenset({lead_deal.id})
    )
    both = book.links_for(["bob@ray.org", "lea@newco.com", "stranger@nowhere.net"])
    assert both.contact_ids == {bob.id} and both.lead_ids == {lead.id}
    assert both.deal_ids == {side.id, lead_deal.id}
    assert not book.links_for(["stranger@nowhere.net"])
    assert not book.is_known("stranger@nowhere.net")
    assert book.is_known("bob@ray.org")


def test_aliases_in_email_custom_fields(workspace: Workspace) -> None:
    me = workspace.user
    custom_fields.create_field(me, RecordKind.CONTACT, "Private email", FieldType.EMAIL)
    custom_fields.create_field(me, RecordKind.LEAD, "Other email", FieldType.EMAIL)
    ann = contacts.create_person(
        me,
        first_name="Ann",
        last_name="Lee",
        email="ann@work.com",
        custom={"private_email": "ann.lee@gmail.com"},
    )
    only_alias = contacts.create_person(
        me, first_name="Cy", last_name="Who", custom={"private_email": "cy@home.net"}
    )
    lead = leads.create_lead(
        me,
        last_name="Lo",
        email="lo@a.com",
        custom={"other_email": "lo@b.com"},
        check_duplicates=False,
    )
    book = AddressBook.load()
    assert book.links_for(["annlee+crm@gmail.com"]).contact_ids == {ann.id}
    assert book.links_for(["ann@work.com"]).contact_ids == {ann.id}
    assert book.links_for(["cy@home.net"]).contact_ids == {only_alias.id}
    assert book.links_for(["lo@b.com"]).lead_ids == {lead.id}


def test_deleted_records_do_not_match(workspace: Workspace) -> None:
    me = workspace.user
    gone = contacts.create_person(me, first_name="Gone", last_name="Away", email="gone@x.com")
    deal = deals.create_deal(me, "Old", 1, primary_contact=gone)
    deals.delete_deal(me, deal)
    assert AddressBook.load().links_for(["gone@x.com"]).deal_ids == frozenset()
    contacts.delete_contact(me, contacts.get_contact(me, gone.id))
    assert not AddressBook.load().links_for(["gone@x.com"])


def test_converted_lead_mail_goes_to_what_it_became(workspace: Workspace) -> None:
    me = workspace.user
    lead = leads.create_lead(
        me,
        first_name="Giulia",
        last_name="Bianchi",
        company_name="Vetreria",
        email="giulia@vetreria.it",
        check_duplicates=False,
    )
    result = conversion.convert_lead(
        me, lead, create_deal={"name": "Windows"}, check_duplicates=False
    )
    links = AddressBook.load().links_for(["giulia@vetreria.it"])
    assert links.lead_ids == frozenset()
    assert result.contact.id in links.contact_ids
    assert result.company is not None and result.company.id in links.company_ids
    assert result.deal is not None and result.deal.id in links.deal_ids


def test_team_addresses_are_never_unknown(workspace: Workspace) -> None:
    me = workspace.user
    users.create_user(me, "Tea Mate", email="Tea.Mate@office.com")
    MailAccount(email="me@office.com").save()
    book = AddressBook.load()
    assert book.is_team("tea.mate@OFFICE.com")
    assert book.is_team("Me <me@office.com>")
    assert book.is_known("me@office.com")
    assert not book.is_team("customer@acme.com")
    assert not book.links_for(["tea.mate@office.com"])  # teammates are not records
