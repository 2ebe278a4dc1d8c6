"""Mail templates filled from leads, contacts and deals (real database)."""

from __future__ import annotations

import datetime as dt

from desktopcrm.models.custom_fields import FieldType
from desktopcrm.models.records import RecordKind
from desktopcrm.services import contacts, custom_fields, deals, leads, users
from desktopcrm.services.mail_templates import fill, render, render_template, template_fields
from desktopcrm.services.workspace import Workspace


def test_lead_fields_owner_and_sender(workspace: Workspace) -> None:
    me = workspace.user
    rep = users.create_user(me, "Rita Rep", email="rita@office.com")
    lead = leads.create_lead(
        me,
        first_name="Giulia",
        last_name="Bianchi",
        company_name="Vetreria",
        email="giulia@vetreria.it",
        owner=rep,
        check_duplicates=False,
    )
    result = render(
        "Dear {first_name} {last_name} of {company},\n{owner_name} ({owner_email}) will call.\n"
        "-- {my_first_name}",
        lead,
        sender=rep,
    )
    assert result.text == (
        "Dear Giulia Bianchi of Vetreria,\nRita Rep (rita@office.com) will call.\n-- Rita"
    )
    assert result.unknown_fields == () and result.empty_fields == ()


def test_unknown_fields_stay_visible_and_are_reported(workspace: Workspace) -> None:
    lead = leads.create_lead(workspace.user, last_name="Lo", check_duplicates=False)
    result = render("Hi {frist_name}, {first_name}! {{literal}} {last_name}", lead)
    assert result.text == "Hi {frist_name}, ! {literal} Lo"
    assert result.unknown_fields == ("frist_name",)
    assert result.empty_fields == ("first_name",)
    assert render_template("{ Last_Name }", lead) == "Lo"


def test_person_company_and_custom_fields(workspace: Workspace) -> None:
    me = workspace.user
    custom_fields.create_field(me, RecordKind.CONTACT, "Industry", FieldType.TEXT)
    acme = contacts.create_company(me, "Acme GmbH", custom={"industry": "Glass"})
    ann = contacts.create_person(
        me, first_name="Ann", last_name="Lee", company=acme, custom={"industry": "Windows"}
    )
    assert (
        render_template("{name} at {company}: {industry}", ann) == "Ann Lee at Acme GmbH: Windows"
    )
    assert render_template("{company} / {first_name}|", acme) == "Acme GmbH / |"


def test_deal_fields_with_its_primary_contact(workspace: Workspace) -> None:
    me = workspace.user
    ann = contacts.create_person(me, first_name="Ann", last_name="Lee", email="ann@acme.com")
    deal = deals.create_deal(
        me, "Big order", "1250.50", "EUR", primary_contact=ann, expected_close=dt.date(2026, 5, 1)
    )
    text = render_template(
        "{first_name}: {deal_name} for {deal_value} closes {expected_close} ({stage})", deal
    )
    assert text.startswith("Ann: Big order for €1,250.50 closes 2026-05-01 (")
    values = template_fields(deal)
    assert values["email"] == "ann@acme.com" and values["pipeline"] == "Sales"


def test_deal_without_people_and_html_escaping(workspace: Workspace) -> None:
    me = workspace.user
    deal = deals.create_deal(me, "<b>Tom & Jerry</b>", 1)
    result = render("<p>{deal_name} {first_name}</p>", deal, html_escape=True)
    assert result.text == "<p>&lt;b&gt;Tom &amp; Jerry&lt;/b&gt; </p>"
    assert result.empty_fields == ("first_name",)


def test_fill_is_pure() -> None:
    result = fill("{a}{b}{{}}", {"a": "1"})
    assert result.text == "1{b}{}"
    assert result.unknown_fields == ("b",)
