"""CSV export: columns, custom fields, tags, visibility, ids, round trip through import."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktopcrm.models import Profile, User, acting_as
from desktopcrm.models.custom_fields import FieldType
from desktopcrm.models.records import Contact, RecordKind
from desktopcrm.services import custom_fields
from desktopcrm.services.csv_import import import_file
from desktopcrm.services.errors import ServiceError
from desktopcrm.services.export import export_csv, export_file
from desktopcrm.services.workspace import Workspace

FIXTURES = Path(__file__).parent.parent / "fixtures"


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def setup_contacts(admin: User) -> None:
    custom_fields.create_field(admin, RecordKind.CONTACT, "Employees", FieldType.NUMBER)
    custom_fields.create_field(
        admin, RecordKind.CONTACT, "Industry", FieldType.DROPDOWN, ["Manufacturing", "Retail"]
    )
    import_file(admin, "contact", FIXTURES / "hubspot_contacts.csv")


def test_people_with_custom_fields_tags_owner_and_company(any_database: Workspace) -> None:
    admin = any_database.user
    setup_contacts(admin)
    out = io.StringIO()
    assert export_csv(admin, "contact", out) == 3
    exported = rows(out.getvalue())
    anna = next(r for r in exported if r["Email"] == "anna@mueller.de")
    assert anna["First name"] == "Anna" and anna["Company"] == "Müller GmbH"
    assert anna["Tags"] == "fair 2024, vip" and anna["Owner"] == admin.name
    assert anna["Employees"] == "120" and anna["Industry"] == "Manufacturing"
    out = io.StringIO()
    assert export_csv(admin, "company", out) == 2
    assert sorted(r["Name"] for r in rows(out.getvalue())) == ["Müller GmbH", "Puig SL"]


def test_deals_and_leads(any_database: Workspace) -> None:
    admin = any_database.user
    import_file(admin, "contact", FIXTURES / "hubspot_contacts.csv")
    import_file(admin, "deal", FIXTURES / "deals.csv")
    out = io.StringIO()
    export_csv(admin, "deal", out)
    deals = {r["Name"]: r for r in rows(out.getvalue())}
    assert deals["Forklifts"]["Value"] == "12500.5" or deals["Forklifts"]["Value"] == "12500.50"
    assert deals["Forklifts"]["Stage"] == "Qualified" and deals["Forklifts"]["Pipeline"] == "Sales"
    assert deals["Forklifts"]["Contact"] == "Anna Müller"
    assert deals["Forklifts"]["Expected close"] == "2025-03-31"
    assert deals["Crates"]["Loss reason"] == "Price"
    out = io.StringIO()
    assert export_csv(admin, "lead", out) == 0
    assert out.getvalue().startswith("First name,Last name,Title,Company,Email")


def test_only_what_the_user_may_see_and_only_given_ids(any_database: Workspace) -> None:
    admin = any_database.user
    import_file(admin, "contact", FIXTURES / "hubspot_contacts.csv")
    with acting_as(admin.id):
        rep = User(name="Rita Rep", profile=Profile.USER.value)
        rep.save()
    out = io.StringIO()
    assert export_csv(rep, "contact", out) == 0
    anna = Contact.get(Contact.email == "anna@mueller.de")
    out = io.StringIO()
    assert export_csv(admin, "contact", out, ids=[anna.id]) == 1
    out = io.StringIO()
    query = Contact.select().where(Contact.city == "Barcelona", ~Contact.is_company)
    assert export_csv(admin, "contact", out, query=query) == 1
    assert rows(out.getvalue())[0]["Last name"] == "Puig"


def test_export_imports_back(any_database: Workspace, tmp_path: Path) -> None:
    admin = any_database.user
    setup_contacts(admin)
    path = tmp_path / "out.csv"
    assert export_file(admin, "contact", path) == 3
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    report = import_file(admin, "contact", path, check_duplicates=False)
    assert report.accepted == 3, report.as_text()
    copies = Contact.select().where(Contact.email == "anna@mueller.de")
    assert copies.count() == 2
    out = io.StringIO()
    export_csv(admin, "contact", out)
    both = [r for r in rows(out.getvalue()) if r["Email"] == "anna@mueller.de"]
    assert both[0] == both[1]


def test_formats_and_kinds_are_checked(workspace: Workspace, tmp_path: Path) -> None:
    with pytest.raises(ServiceError, match="vCard export is for contacts"):
        export_file(workspace.user, "deal", tmp_path / "x.vcf", "vcf")
    with pytest.raises(ServiceError, match="not an export format"):
        export_file(workspace.user, "deal", tmp_path / "x.xls", "xls")
    with pytest.raises(ServiceError, match="cannot be exported"):
        export_file(workspace.user, "invoice", tmp_path / "x.csv")
    assert export_file(workspace.user, "contact", tmp_path / "c.vcf", "vcf") == 0


def test_export_command(tmp_path: Path) -> None:
    db = tmp_path / "crm.sqlite"
    env = dict(os.environ)

    def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "desktopcrm", "--database", str(db), *map(str, args)],
            capture_output=True,
            text=True,
            timeout=300,
            env=env,
            check=False,
        )

    assert run("import", "contact", FIXTURES / "hubspot_contacts.csv").returncode == 0
    out = tmp_path / "people.csv"
    result = run("export", "contact", "--out", out)
    assert result.returncode == 0, result.stderr
    assert f"Exported 3 contact records to {out}" in result.stdout
    assert len(rows(out.read_text(encoding="utf-8-sig"))) == 3
    cards = tmp_path / "people.vcf"
    assert run("export", "contact", "--out", cards).returncode == 0
    assert cards.read_text().count("BEGIN:VCARD") == 3
    refused = run("export", "deal", "--out", tmp_path / "deals.vcf")
    assert refused.returncode == 1 and "vCard export is for contacts" in refused.stderr
