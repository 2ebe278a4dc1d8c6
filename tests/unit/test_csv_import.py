"""CSV import: header mapping, encodings, every kind of rejected row, batches, undo."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from decimal import Decimal
from pathlib import Path

import peewee
import pytest

from desktopcrm.models import ChangeLog, Profile, User, acting_as, database
from desktopcrm.models.custom_fields import FieldType
from desktopcrm.models.imports import ImportRun
from desktopcrm.models.records import Contact, Deal, Lead, RecordKind
from desktopcrm.services import custom_fields, tags
from desktopcrm.services.csv_import import (
    Problem,
    detect_encoding,
    import_file,
    open_csv,
    preview,
    split_name,
    suggest_mapping,
    undo_import,
)
from desktopcrm.services.errors import PermissionDenied, ServiceError
from desktopcrm.services.search import search
from desktopcrm.services.workspace import Workspace, close_workspace, open_workspace

FIXTURES = Path(__file__).parent.parent / "fixtures"


def contact_fields(actor: User) -> None:
    custom_fields.create_field(actor, RecordKind.CONTACT, "Employees", FieldType.NUMBER)
    custom_fields.create_field(actor, RecordKind.CONTACT, "Renewal", FieldType.DATE)
    custom_fields.create_field(
        actor, RecordKind.CONTACT, "Industry", FieldType.DROPDOWN, ["Manufacturing", "Retail"]
    )


@pytest.mark.parametrize(
    ("kind", "headers", "expected"),
    [
        (
            "contact",
            [
                "Given Name",
                "Family Name",
                "E-mail 1 - Value",
                "Phone 1 - Value",
                "Organization 1 - Name",
                "Organization 1 - Title",
                "Group Membership",
            ],
            ["first_name", "last_name", "email", "phone", "company", "title", "tags"],
        ),
        (
            "contact",
            [
                "First Name",
                "Last Name",
                "E-mail Address",
                "Business Phone",
                "Mobile Phone",
                "Company",
                "Job Title",
                "Business City",
                "Business Country/Region",
                "Web Page",
            ],
            [
                "first_name",
                "last_name",
                "email",
                "phone",
                "mobile",
                "company",
                "title",
                "city",
                "country",
                "website",
            ],
        ),
        (
            "lead",
            [
                "First Name",
                "Last Name",
                "Email",
                "Company",
                "Lead Status",
                "Rating",
                "Lead Source",
                "Lead Owner",
                "Mailing Zip/Postal Code",
            ],
            [
                "first_name",
                "last_name",
                "email",
                "company_name",
                "status",
                "priority",
                "source",
                "owner",
                "postal_code",
            ],
        ),
        (
            "deal",
            [
                "Opportunity Name",
                "Amount",
                "Stage",
                "Close Date",
                "Account Name",
                "Opportunity Owner",
                "Probability (%)",
            ],
            ["name", "value", "stage", "expected_close", "company", "owner", "probability"],
        ),
        (
            "deal",
            [
                "Deal - Title",
                "Deal - Value",
                "Deal - Currency",
                "Deal - Stage",
                "Deal - Pipeline",
                "Person - Name",
                "Organization - Name",
                "Deal - Expected close date",
            ],
            [
                "name",
                "value",
                "currency",
                "stage",
                "pipeline",
                "contact",
                "company",
                "expected_close",
            ],
        ),
        (
            "company",
            ["name", "website", "phone", "owner", "tags", "address", "city", "zip", "country"],
            [
                "name",
                "website",
                "phone",
                "owner",
                "tags",
                "street",
                "city",
                "postal_code",
                "country",
            ],
        ),
        ("contact", ["Email", "Email Address", "Favourite colour"], ["email", None, None]),
    ],
)
def test_headers_of_common_exports_are_recognised(
    workspace: Workspace, kind: str, headers: list[str], expected: list[str | None]
) -> None:
    assert list(suggest_mapping(kind, headers).values()) == expected


def test_custom_fields_are_mapped_by_name_or_key(workspace: Workspace) -> None:
    contact_fields(workspace.user)
    mapping = suggest_mapping("contact", ["EMPLOYEES", "renewal", "Industry"])
    assert mapping == {
        "EMPLOYEES": "custom:employees",
        "renewal": "custom:renewal",
        "Industry": "custom:industry",
    }


def test_import_contacts_with_companies_tags_custom_values(any_database: Workspace) -> None:
    admin = any_database.user
    contact_fields(admin)
    progress: list[tuple[int, int]] = []
    report = import_file(
        admin,
        "contact",
        FIXTURES / "hubspot_contacts.csv",
        progress=lambda done, total: progress.append((done, total)),
    )
    assert report.problems == []
    assert (report.total, report.accepted, report.rejected, report.created) == (3, 3, 0, 5)
    assert report.ok and progress[-1] == (3, 3)
    anna = Contact.get(Contact.email == "anna@mueller.de")
    assert (anna.name, anna.title, anna.city, anna.owner_id) == (
        "Anna Müller",
        "CEO",
        "Berlin",
        admin.id,
    )
    assert anna.company.name == "Müller GmbH" and anna.company.is_company
    assert tags.tags_of(anna.id) == ["fair 2024", "vip"]
    assert custom_fields.get_values(RecordKind.CONTACT, anna.id) == {
        "industry": "Manufacturing",
        "employees": 120,
    }
    oleg = Contact.get(Contact.email == "oleg@petrov.ru")
    assert (oleg.first_name, oleg.mobile, oleg.company_id) == ("Олег", "+7 495 123 4567", None)
    # logged, indexed, remembered
    assert ChangeLog.select().where(ChangeLog.row_id == anna.id).count() == 1
    assert [h.title for h in search(admin, "müller gmbh", kinds=["company"])] == ["Müller GmbH"]
    assert [h.title for h in search(admin, "fair", kinds=["contact"])] == [
        "Anna Müller",
        "Jordi Puig",
    ] or len(search(admin, "fair", kinds=["contact"])) == 2
    run = ImportRun.get_by_id(report.import_id)
    assert (run.status, run.accepted, run.rejected, run.kind) == ("done", 3, 0, "contact")
    # An existing company is reused, not created again.
    again = FIXTURES.parent / "fixtures" / "hubspot_contacts.csv"
    second = import_file(admin, "contact", again, check_duplicates=False)
    assert second.created == 3
    assert Contact.select().where(Contact.is_company).count() == 2


def test_every_kind_of_rejected_row_is_reported_with_its_line(any_database: Workspace) -> None:
    admin = any_database.user
    contact_fields(admin)
    report = import_file(admin, "contact", FIXTURES / "rejects_contacts.csv")
    reasons = {(p.line, p.reason, p.field) for p in report.problems}
    assert reasons == {
        (3, Problem.BAD_EMAIL, "email"),
        (4, Problem.WRONG_TYPE, "custom:employees"),
        (5, Problem.WRONG_TYPE, "custom:renewal"),
        (6, Problem.TOO_LONG, "title"),
        (7, Problem.UNMATCHED_OWNER, "owner"),
        (8, Problem.MISSING, "last_name"),
        (9, Problem.DUPLICATE, "email"),
        (10, Problem.MALFORMED, ""),
        (11, Problem.MALFORMED, ""),
    }
    assert (report.total, report.accepted, report.rejected) == (11, 2, 9)
    assert report.accepted + report.rejected == report.total
    by_line = {p.line: p for p in report.problems}
    assert "line 2" in by_line[9].message
    assert "Nobody Atall" in by_line[7].message and "add the user" in by_line[7].message
    assert "header has 7" in by_line[10].message
    assert not report.ok
    assert sorted(c.email for c in Contact.select()) == ["good@example.com", "last@example.com"]
    run = ImportRun.get_by_id(report.import_id)
    assert run.rejected == 9 and len(run.problems) == 9
    text = report.as_text()
    assert "Imported 2 of 11 rows" in text and "line 6: too_long (title)" in text


def test_duplicates_of_existing_records_are_rejected(any_database: Workspace) -> None:
    admin = any_database.user
    import_file(admin, "contact", FIXTURES / "hubspot_contacts.csv")
    again = import_file(admin, "contact", FIXTURES / "hubspot_contacts.csv")
    assert again.accepted == 0 and again.rejected == 3
    assert {p.reason for p in again.problems} == {Problem.DUPLICATE}
    assert "anna@mueller.de" in again.problems[0].message
    allowed = import_file(
        admin, "contact", FIXTURES / "hubspot_contacts.csv", check_duplicates=False
    )
    assert allowed.accepted == 3


def test_leads_status_priority_owner(any_database: Workspace, tmp_path: Path) -> None:
    admin = any_database.user
    with acting_as(admin.id):
        rep = User(name="Rita Rep", email="rita@example.com")
        rep.save()
    path = tmp_path / "leads.csv"
    path.write_text(
        "Name,Company,Email,Lead Status,Rating,Lead Owner\n"
        "Marta Soler,Soler SL,marta@soler.es,Working,a,rita@example.com\n"
        "Pere Roca,,pere@roca.cat,,,Rita Rep\n"
        "Nobody,,nobody@example.com,Sleeping,,\n"
        "Hot Lead,,hot@example.com,,Z,\n"
        ",Only Company SA,,,,\n",
        encoding="utf-8",
    )
    report = import_file(admin, "lead", path)
    assert {(p.line, p.reason) for p in report.problems} == {
        (4, Problem.UNKNOWN_STATUS),
        (5, Problem.WRONG_TYPE),
    }
    marta = Lead.get(Lead.email == "marta@soler.es")
    assert (marta.first_name, marta.last_name, marta.priority, marta.status.name) == (
        "Marta",
        "Soler",
        "A",
        "Working",
    )
    assert marta.owner_id == rep.id
    assert Lead.get(Lead.email == "pere@roca.cat").status.name == "New"
    assert Lead.get(Lead.company_name == "Only Company SA").first_name == ""
    # A user may not give records to someone else.
    report = import_file(rep, "lead", path, check_duplicates=False)
    refused = [p for p in report.problems if p.reason == Problem.OWNER_NOT_ALLOWED]
    assert refused == [] or all(p.field == "owner" for p in refused)
    path.write_text("Name,Owner\nGiven Away,Administrator\n", encoding="utf-8")
    admin.name = "Administrator"
    with acting_as(admin.id):
        admin.save()
    report = import_file(rep, "lead", path)
    assert [p.reason for p in report.problems] == [Problem.OWNER_NOT_ALLOWED]
    assert "assign" in report.problems[0].message


def test_deals_stages_values_contacts_and_statuses(any_database: Workspace) -> None:
    admin = any_database.user
    import_file(admin, "contact", FIXTURES / "hubspot_contacts.csv")
    report = import_file(admin, "deal", FIXTURES / "deals.csv")
    assert {(p.line, p.reason, p.field) for p in report.problems} == {
        (4, Problem.WRONG_TYPE, "value"),
        (5, Problem.UNKNOWN_STAGE, "stage"),
        (7, Problem.MISSING, "loss_reason"),
        (8, Problem.UNMATCHED_CONTACT, "contact"),
        (9, Problem.WRONG_TYPE, "currency"),
    }
    forklifts = Deal.get(Deal.name == "Forklifts")
    assert forklifts.value == Decimal("12500.50") and forklifts.probability == 30
    assert forklifts.stage.name == "Qualified" and str(forklifts.expected_close) == "2025-03-31"
    anna = Contact.get(Contact.email == "anna@mueller.de")
    assert forklifts.primary_contact_id == anna.id
    pallets = Deal.get(Deal.name == "Pallets")
    assert pallets.stage.kind == "won" and pallets.closed_at is not None
    assert pallets.currency == "EUR"
    crates = Deal.get(Deal.name == "Crates")
    assert crates.loss_reason.name == "Price"
    anna = Contact.get_by_id(anna.id)
    assert (anna.prospect_status, anna.customer_status) == ("current", "current")
    assert anna.company.customer_status == "current"
    assert [h.title for h in search(admin, "forkl")] == ["Forklifts"]


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-8", ","), ("utf-8-sig", ";"), ("utf-16", "\t"), ("cp1252", ";"), ("utf-8", "|")],
)
def test_encodings_and_delimiters(
    workspace: Workspace, tmp_path: Path, encoding: str, delimiter: str
) -> None:
    path = tmp_path / "people.csv"
    rows = [
        ["First Name", "Last Name", "Email", "City"],
        ["José", "Núñez", "jose@example.es", "A Coruña; Galicia"],
        ["Zoë", "Ærø", "zoe@example.dk", "Århus"],
    ]
    text = "\r\n".join(
        delimiter.join(f'"{c}"' if delimiter in c else c for c in row) for row in rows
    )
    path.write_bytes(text.encode(encoding))
    source = open_csv(path)
    assert source.delimiter == delimiter
    assert (
        source.encoding
        == {"utf-8": "utf-8", "utf-8-sig": "utf-8-sig", "utf-16": "utf-16", "cp1252": "cp1252"}[
            encoding
        ]
    )
    report = import_file(workspace.user, "contact", path)
    assert report.accepted == 2, report.as_text()
    assert Contact.get(Contact.email == "jose@example.es").city == "A Coruña; Galicia"
    assert Contact.get(Contact.email == "zoe@example.dk").last_name == "Ærø"


def test_detect_encoding_falls_back_to_latin1_for_undefined_cp1252_bytes(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_bytes(b"Name\nA\x81B\n")
    assert detect_encoding(path) == "latin-1"


def test_empty_file_and_bad_mapping_are_refused(workspace: Workspace, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(ServiceError, match="empty"):
        import_file(workspace.user, "contact", empty)
    path = tmp_path / "x.csv"
    path.write_text("Email,Notes\nx@example.com,hi\n")
    with pytest.raises(ServiceError, match="no column 'Nope'"):
        import_file(workspace.user, "contact", path, {"Nope": "email"})
    with pytest.raises(ServiceError, match="not a field of contacts"):
        import_file(workspace.user, "contact", path, {"Notes": "shoe_size"})
    with pytest.raises(ServiceError, match="cannot be imported"):
        import_file(workspace.user, "invoice", path)


def test_mapping_overrides_and_blank_lines(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("Surname,Mail,Notes\nRossi,r@example.it,keep me\n\n,,\nBianchi,b@example.it,\n")
    report = import_file(
        workspace.user,
        "contact",
        path,
        {"Surname": "last_name", "Mail": "email", "Notes": None},
    )
    assert (report.total, report.accepted, report.blank_lines) == (2, 2, 2)
    assert Contact.get(Contact.last_name == "Rossi").description == ""
    assert report.mapping == {"Surname": "last_name", "Mail": "email", "Notes": None}


def test_a_failed_batch_stops_the_import_and_keeps_what_was_committed(
    any_database: Workspace, tmp_path: Path
) -> None:
    """On a local file batches are written by a writer thread while the next is validated;
    a database error in it (here a trigger refusing row 120) reaches the caller, the failing
    batch is rolled back, nothing after it is written, and the run is marked failed."""
    path = tmp_path / "many.csv"
    with path.open("w") as out:
        out.write("First Name,Last Name,Email\n")
        for i in range(250):
            out.write(f"P{i},Person,p{i}@example.com\n")
    db = database.obj
    if isinstance(db, peewee.PostgresqlDatabase):
        db.execute_sql(
            "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN "
            "IF NEW.email = 'p120@example.com' THEN RAISE EXCEPTION 'disk on fire'; END IF; "
            "RETURN NEW; END $$ LANGUAGE plpgsql"
        )
        db.execute_sql(
            "CREATE TRIGGER refuse BEFORE INSERT ON contact FOR EACH ROW EXECUTE FUNCTION refuse()"
        )
    else:
        db.execute_sql(
            "CREATE TRIGGER refuse BEFORE INSERT ON contact WHEN NEW.email = 'p120@example.com' "
            "BEGIN SELECT RAISE(ABORT, 'disk on fire'); END"
        )
    with pytest.raises(peewee.DatabaseError, match="disk on fire"):
        import_file(any_database.user, "contact", path, batch_size=50)
    assert Contact.select().count() == 100
    assert sorted(c.email for c in Contact.select())[:2] == ["p0@example.com", "p10@example.com"]
    run = ImportRun.get()
    assert run.status == "failed" and run.accepted >= 150
    assert not [t for t in threading.enumerate() if t.name == "import-writer"]


def test_dry_run_and_preview_write_nothing(workspace: Workspace) -> None:
    admin = workspace.user
    contact_fields(admin)
    before = ChangeLog.last_seq()
    report = import_file(admin, "contact", FIXTURES / "rejects_contacts.csv", dry_run=True)
    assert (report.accepted, report.rejected, report.import_id) == (2, 9, None)
    assert "Would import 2 of 11" in report.as_text()
    shown = preview(admin, "contact", FIXTURES / "rejects_contacts.csv", rows=3)
    assert [line for line, _, _ in shown.rows] == [2, 3, 4]
    assert shown.rows[0][1]["email"] == "good@example.com"
    assert [p.reason for p in shown.rows[1][2]] == [Problem.BAD_EMAIL]
    assert shown.unmapped == []
    assert ChangeLog.last_seq() == before
    assert Contact.select().count() == 0


def test_batches_progress_and_cancel(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "many.csv"
    with path.open("w") as out:
        out.write("First Name,Last Name,Email\n")
        for i in range(250):
            out.write(f"P{i},Person,p{i}@example.com\n")
    cancel = threading.Event()
    seen: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        seen.append((done, total))
        if done >= 100:
            cancel.set()

    report = import_file(
        workspace.user, "contact", path, progress=progress, cancel=cancel, batch_size=50
    )
    assert seen == [(50, 250), (100, 250)]
    assert report.cancelled and report.accepted == 100 and not report.ok
    assert ImportRun.get_by_id(report.import_id).status == "cancelled"
    assert Contact.select().count() == 100
    assert "Cancelled after 100 rows" in report.as_text()


def test_undo_removes_what_the_import_created_across_restarts(tmp_path: Path) -> None:
    db = tmp_path / "crm.sqlite"
    workspace = open_workspace(db)
    try:
        admin = workspace.user
        report = import_file(admin, "contact", FIXTURES / "hubspot_contacts.csv")
        edited = Contact.get(Contact.email == "jordi@puig.cat")
        edited.title = "CEO"
        with acting_as(admin.id):
            edited.save()
        with acting_as(admin.id):
            rep = User(name="Other user", profile=Profile.USER.value)
            rep.save()
        with pytest.raises(PermissionDenied):
            undo_import(rep, report.import_id)
    finally:
        close_workspace()
    workspace = open_workspace(db)
    try:
        result = undo_import(workspace.user, str(report.import_id))
        assert result.removed == 4 and result.kept == [edited.id]
        live = sorted(c.name for c in Contact.live())
        assert live == ["Jordi Puig"]
        assert search(workspace.user, "anna") == []
        anna = Contact.get(Contact.email == "anna@mueller.de")
        assert (
            ChangeLog.select()
            .where(ChangeLog.row_id == anna.id, ChangeLog.operation == "delete")
            .count()
            == 1
        )
        assert ImportRun.get_by_id(report.import_id).status == "undone"
        with pytest.raises(ServiceError, match="already undone"):
            undo_import(workspace.user, report.import_id)
        with pytest.raises(ServiceError, match="not an import id"):
            undo_import(workspace.user, "nope")
    finally:
        close_workspace()


def test_split_name() -> None:
    assert split_name("Anna Maria  Rossi") == ("Anna Maria", "Rossi")
    assert split_name("Rossi, Anna") == ("Anna", "Rossi")
    assert split_name("Madonna") == ("", "Madonna")


# -- the command line, as real processes --------------------------------------------------------


def desktopcrm(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktopcrm", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(os.environ),
        check=False,
    )


def test_import_command_exit_codes_reports_and_undo(tmp_path: Path) -> None:
    db = tmp_path / "crm.sqlite"
    assert desktopcrm("--database", db, "init").returncode == 0
    clean = desktopcrm("--database", db, "import", "contact", FIXTURES / "hubspot_contacts.csv")
    assert clean.returncode == 0, clean.stderr
    assert "Imported 3 of 3 rows" in clean.stdout
    import_id = re.search(r"Import id: (\S+)", clean.stdout).group(1)  # type: ignore[union-attr]

    report = tmp_path / "report.json"
    partial = desktopcrm(
        "import",
        "--database",
        db,
        "contact",
        FIXTURES / "rejects_contacts.csv",
        "--report",
        report,
    )
    assert partial.returncode == 3, partial.stderr
    data = json.loads(report.read_text())
    # (the Employees and Renewal columns are not imported: no such custom fields here)
    assert (data["rows"], data["accepted"], data["rejected"]) == (11, 4, 7)
    assert {p["reason"] for p in data["problems"]} >= {"bad_email", "too_long", "malformed_row"}
    assert f"Report written to {report}" in partial.stdout

    dry = desktopcrm(
        "import",
        "--database",
        db,
        "contact",
        FIXTURES / "hubspot_contacts.csv",
        "--dry-run",
        "--allow-duplicates",
    )
    assert dry.returncode == 0 and "Would import 3 of 3" in dry.stdout

    mapped = tmp_path / "mapped.csv"
    mapped.write_text("Surname,Mail\nRossi,rossi@example.it\n")
    ok = desktopcrm(
        "import",
        "--database",
        db,
        "contact",
        mapped,
        "--mapping",
        '{"Surname": "last_name", "Mail": "email"}',
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr

    undo = desktopcrm("import-undo", "--database", db, import_id)
    assert undo.returncode == 0, undo.stderr
    assert f"Removed 5 records created by import {import_id}" in undo.stdout
    again = desktopcrm("import-undo", "--database", db, import_id)
    assert again.returncode == 1 and "already undone" in again.stderr

    vcf = desktopcrm("import", "--database", db, "contact", FIXTURES / "contacts.vcf")
    assert vcf.returncode == 3 and "as companys" not in vcf.stdout

    missing = desktopcrm("import", "--database", db, "lead", tmp_path / "nope.csv")
    assert missing.returncode == 1 and "There is no file" in missing.stderr
    bad_mapping = desktopcrm("import", "--database", db, "lead", mapped, "--mapping", "{oops")
    assert bad_mapping.returncode == 1 and "not valid JSON" in bad_mapping.stderr
    wrong_field = desktopcrm(
        "import", "--database", db, "lead", mapped, "--mapping", '{"Mail": "shoe_size"}'
    )
    assert wrong_field.returncode == 1 and "not a field of leads" in wrong_field.stderr


def test_problems_beyond_the_memory_cap_are_kept_in_a_file(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from desktopcrm.services.importing import report as report_module

    monkeypatch.setattr(report_module, "PROBLEMS_IN_MEMORY", 2)
    source = tmp_path / "bad.csv"
    lines = ["First Name,Last Name,Email"]
    lines += [f"Ann,Bad{i},not-an-email-{i}" for i in range(5)]
    lines += ["Ann,Good,good@example.com", "Ann,Twin,good@example.com"]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = import_file(workspace.user, "contact", source, batch_size=2)
    assert (report.accepted, report.rejected, report.problem_count) == (1, 6, 6)
    assert len(report.problems) == 2  # in memory; the rest in the report's file
    every = list(report.iter_problems())
    assert [p.line for p in every] == [2, 3, 4, 5, 6, 8]
    assert every[-1].reason == Problem.DUPLICATE and "line 7" in every[-1].message
    assert len(report.as_dict()["problems"]) == 6
    assert len(ImportRun.get_by_id(report.import_id).problems) == 6
