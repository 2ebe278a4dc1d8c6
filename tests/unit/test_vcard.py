"""vCard: reading 2.1/3.0/4.0 cards, reporting bad ones, importing and writing contacts."""

from __future__ import annotations

import io
from pathlib import Path

from desktopcrm.models.imports import ImportRun
from desktopcrm.models.records import Contact
from desktopcrm.services.csv_import import Problem
from desktopcrm.services.export import export_vcards
from desktopcrm.services.vcard import fold_line, format_card, import_vcards, parse_cards
from desktopcrm.services.workspace import Workspace

FIXTURES = Path(__file__).parent.parent / "fixtures"


def read(path: Path) -> list:
    with path.open(encoding="utf-8") as handle:
        return list(parse_cards(handle))


def test_parse_every_property_folding_quoted_printable_and_bad_cards() -> None:
    cards = read(FIXTURES / "contacts.vcf")
    assert [c.line for c in cards] == [1, 14, 23, 29, 33, 40]
    anna = cards[0].fields
    assert anna == {
        "name": "Anna Müller",
        "last_name": "Müller",
        "first_name": "Anna",
        "company_name": "Müller GmbH",
        "title": "CEO",
        "email": "anna@mueller.de",
        "phone": "+49 30 1234567",
        "mobile": "+49 170 1234567",
        "street": "Hauptstraße 1",
        "city": "Berlin",
        "postal_code": "10115",
        "country": "Germany",
        "website": "https://mueller.de",
        "description": "Met at the fair, booth 12\nCall back in May",
    }
    jose = cards[1].fields
    assert (jose["first_name"], jose["last_name"], jose["name"]) == (
        "José",
        "García",
        "José García",
    )
    assert jose["description"] == "A long note that goes on and on and is split with a soft break"
    assert (jose["mobile"], jose["email"]) == ("600 123 456", "jose@garcia.es")
    folded = cards[2].fields
    assert folded["name"] == "A very long name that is folded over two lines"
    assert (folded["first_name"], folded["last_name"]) == (
        "A very long name that is folded over two",
        "lines",
    )
    assert cards[3].problems == ["card on line 29 has no name, organisation or email"]
    assert cards[4].fields["kind"] == "company" and cards[4].fields["company_name"] == "Acme Iberia"
    assert cards[5].problems == ["card starting on line 40 ends without END:VCARD"]


def test_lines_outside_cards_and_unreadable_lines_are_reported() -> None:
    cards = list(
        parse_cards(
            [
                "junk\n",
                "BEGIN:VCARD\n",
                "FN:A\n",
                "no colon here\n",
                "BEGIN:VCARD\n",
                "FN:B\n",
                "END:VCARD\n",
            ]
        )
    )
    assert cards[0].problems == ["line 1 is outside a card (BEGIN:VCARD missing)"]
    assert "line 4 is not a vCard property" in cards[1].problems[0]
    assert "has no END:VCARD before line 5" in cards[1].problems[1]
    assert cards[2].ok and cards[2].fields["name"] == "B"


def test_import_vcards_people_companies_and_rejected_cards(any_database: Workspace) -> None:
    admin = any_database.user
    company_report, people_report = import_vcards(admin, FIXTURES / "contacts.vcf")
    assert (company_report.kind, company_report.accepted) == ("company", 1)
    assert (people_report.total, people_report.accepted, people_report.rejected) == (5, 3, 2)
    assert {(p.line, p.reason) for p in people_report.problems} == {
        (29, Problem.MALFORMED),
        (40, Problem.MALFORMED),
    }
    anna = Contact.get(Contact.email == "anna@mueller.de")
    assert anna.company.name == "Müller GmbH" and anna.mobile == "+49 170 1234567"
    assert Contact.get(Contact.name == "Acme Iberia").is_company
    assert ImportRun.get_by_id(people_report.import_id).format == "vcf"


def test_export_round_trip_and_folding(any_database: Workspace, tmp_path: Path) -> None:
    admin = any_database.user
    import_vcards(admin, FIXTURES / "contacts.vcf")
    for version in ("3.0", "4.0"):
        out = io.StringIO()
        assert export_vcards(admin, out, version=version) == 5
        text = out.getvalue()
        assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
        again = list(parse_cards(io.StringIO(text)))
        assert all(card.ok for card in again)
        by_name = {c.fields.get("name"): c.fields for c in again}
        anna = by_name["Anna Müller"]
        assert anna["company_name"] == "Müller GmbH"
        assert anna["description"] == "Met at the fair, booth 12\nCall back in May"
        assert anna["street"] == "Hauptstraße 1" and anna["mobile"] == "+49 170 1234567"
        assert by_name["Acme Iberia"].get("kind") == ("company" if version == "4.0" else None)


def test_fold_line_never_splits_a_character() -> None:
    line = "NOTE:" + "ż" * 60
    folded = fold_line(line)
    parts = folded.rstrip("\r\n").split("\r\n ")
    assert "".join(parts) == line
    assert all(len(p.encode()) <= 75 for p in parts)
    contact = Contact(name="Łukasz; Ltd, \\ x", is_company=True)
    assert "ORG:Łukasz\\; Ltd\\, \\\\ x" in format_card(contact)
