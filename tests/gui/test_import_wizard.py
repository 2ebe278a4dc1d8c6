"""The CSV import wizard end to end: a file with bad rows, mapping, preview, the import in the
background, the rejected-rows report (and its CSV), undo; the palette command; export."""

from __future__ import annotations

import csv
from pathlib import Path

from desktopcrm.models.imports import ImportRun, ImportStatus
from desktopcrm.models.records import Contact, Deal, Lead
from desktopcrm.qt import Qt
from desktopcrm.services import contacts, import_history
from desktopcrm.views.import_wizard import ImportWizard
from desktopcrm.views.import_wizard_models import PreviewModel, ProblemsModel
from desktopcrm.views.settings.import_export_section import ImportExportSection

DEALS = [
    ["Deal name", "Amount", "Currency", "Stage", "Contact email", "Notes column"],
    ["Forklift fleet", "12000", "EUR", "Quote", "ann@acme.test", "x"],
    ["Racks", "900", "EUR", "Proposal sent", "", "unknown stage"],
    ["Belts", "lots", "EUR", "Incoming", "", "not a number"],
    ["Service plan", "450", "EUR", "Incoming", "", ""],
    ["Training", "300", "EUR", "Qualified", "nobody@nowhere.test", "unknown contact"],
]
LEADS = [
    ["First name", "Last name", "E-mail", "Company", "Status", "Score"],
    ["Ann", "Lee", "ann@lee.test", "Lee Ltd", "New", "1"],
    ["Bob", "Marr", "bob@@bad", "Marr & Co", "New", "2"],
    ["Cleo", "Park", "cleo@park.test", "", "Sleeping", "3"],
    ["Dan", "Roe", "ann@lee.test", "", "Working", "4"],
    ["Eve", "Stone", "eve@stone.test", "Stone plc", "Working", "5"],
]


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def _read(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def _lead_names() -> set[str]:
    return {f"{lead.first_name} {lead.last_name}" for lead in Lead.live()}


def test_import_leads_with_bad_rows_report_and_undo(qtbot, context, tmp_path: Path) -> None:
    source = _write(tmp_path / "leads.csv", LEADS)
    wizard = ImportWizard(context)
    qtbot.addWidget(wizard)
    wizard.show()
    assert wizard.step() == 0

    # 1. file and kind
    qtbot.keyClicks(wizard.file_page.path_edit, str(source))
    wizard.file_page.choose_kind("lead")
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.step() == 1)

    # 2. mapping: guessed from the headers, "Score" left out; the user maps nothing more
    mapping = wizard.mapping_page.mapping()
    assert mapping == {
        "First name": "first_name",
        "Last name": "last_name",
        "E-mail": "email",
        "Company": "company_name",
        "Status": "status",
        "Score": None,
    }
    assert "5 of 6 columns will be imported" in wizard.mapping_page.summary.text()
    assert wizard.mapping_page.combos["Score"].currentText() == "— Do not import —"

    # 3. preview: the first rows with their problems
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.preview_page.model.rowCount() == 5)
    model: PreviewModel = wizard.preview_page.model
    problems = [model.data(model.index(row, 1)) for row in range(5)]
    assert problems[0] == "Ready"
    assert "email" in problems[1].lower()
    assert "Sleeping" in problems[2]
    assert "ann@lee.test" in problems[3] or "line 2" in problems[3].lower()
    assert problems[4] == "Ready"
    assert "3 with problems" in wizard.preview_page.summary.text()
    assert not Lead.select().exists()  # nothing written yet

    # 4. import in the background, 5. the report
    with qtbot.waitSignal(wizard.imported, timeout=20_000) as imported:
        qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    report = imported.args[0]
    assert wizard.step() == 4
    assert (report.accepted, report.rejected, report.total) == (2, 3, 5)
    assert _lead_names() == {"Ann Lee", "Eve Stone"}
    page = wizard.report_page
    assert "Imported 2 of 5 rows as leads; 3 rejected" in page.heading.text()
    problems_model: ProblemsModel = page.model
    lines = sorted({problems_model.problem(r).line for r in range(problems_model.rowCount())})
    assert lines == [3, 4, 5]
    reasons = {problems_model.problem(r).line: problems_model.problem(r).reason for r in range(3)}
    assert reasons == {3: "bad_email", 4: "unknown_status", 5: "duplicate"}
    assert problems_model.data(problems_model.index(0, 2)) == "Bad email"

    # save the rejected rows as CSV: the original cells with their problems
    out = tmp_path / "rejected.csv"
    with qtbot.waitSignal(context.message):
        wizard.save_report(out)
    rows = _read(out)
    assert rows[0] == ["Line", "Problems", *LEADS[0]]
    assert [r[0] for r in rows[1:]] == ["3", "4", "5"]
    assert rows[1][2:] == LEADS[2]
    assert "not an email address" in rows[1][1] or "email" in rows[1][1].lower()
    assert page.outcome.isVisible()

    # undo the whole import
    assert page.undo_button.isVisible()
    with qtbot.waitSignal(wizard.undone, timeout=10_000):
        qtbot.mouseClick(page.undo_button, Qt.MouseButton.LeftButton)
    assert _lead_names() == set()
    assert Lead.select().count() == 2  # soft-deleted, not purged
    assert ImportRun.get_by_id(report.import_id).status == ImportStatus.UNDONE.value
    assert "removed 2 records" in page.outcome.text()


def test_import_deals_with_custom_mapping(qtbot, context, tmp_path: Path) -> None:
    contacts.create_person(context.user, first_name="Ann", last_name="Acme", email="ann@acme.test")
    source = _write(tmp_path / "deals.csv", DEALS)
    wizard = ImportWizard(context, path=str(source))
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.file_page.choose_kind("deal")
    wizard.file_page.duplicates_check.setChecked(False)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.step() == 1)
    assert wizard.mapping_page.mapping()["Deal name"] == "name"
    assert wizard.mapping_page.mapping()["Amount"] == "value"
    wizard.mapping_page.set_target("Notes column", "description")
    wizard.next()
    qtbot.waitUntil(lambda: wizard.preview_page.model.rowCount() == 5)
    with qtbot.waitSignal(wizard.imported, timeout=20_000) as imported:
        wizard.next()
    report = imported.args[0]
    assert (report.accepted, report.rejected) == (2, 3)
    names = {d.name: d for d in Deal.live()}
    assert set(names) == {"Forklift fleet", "Service plan"}
    assert names["Forklift fleet"].description == "x"
    assert Contact.get_by_id(names["Forklift fleet"].primary_contact_id).email == "ann@acme.test"
    reasons = sorted(p.reason for p in report.problems)
    assert reasons == ["unknown_stage", "unmatched_contact", "wrong_type"]


def test_wizard_refuses_a_missing_file_inline(qtbot, context, tmp_path: Path) -> None:
    wizard = ImportWizard(context, path=str(tmp_path / "nope.csv"))
    qtbot.addWidget(wizard)
    wizard.show()
    assert wizard.next() is None
    assert wizard.file_page.error.isVisible()
    assert "There is no file" in wizard.file_page.error.text()
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    wizard.file_page.path_edit.setText(str(empty))
    wizard.next()
    qtbot.waitUntil(lambda: "empty" in wizard.file_page.error.text())
    assert wizard.step() == 0


def test_wizard_models_pass_qtmodeltester(qtmodeltester, context) -> None:
    from desktopcrm.services.importing.report import RowProblem

    preview = PreviewModel()
    preview.set_preview(
        [(2, {"email": "a@b.test"}, []), (3, {}, [RowProblem(3, "bad_email", "email", "bad")])],
        ["email"],
        {},
    )
    qtmodeltester.check(preview)
    problems = ProblemsModel()
    problems.set_problems([RowProblem(3, "duplicate", "email", "repeats line 2", "x")], {})
    qtmodeltester.check(problems)


def test_palette_command_opens_the_wizard_and_section_undo(
    qtbot, window, context, tmp_path: Path
) -> None:
    window.focus_search()
    qtbot.keyClicks(window.top_bar.search, "Import CSV")
    assert window.palette_popup.model.result(0).title == "Import CSV…"
    qtbot.keyClick(window.top_bar.search, Qt.Key.Key_Return)
    # (Enter waits for the record search still running, then runs the best result)
    qtbot.waitUntil(lambda: not window.palette_popup.isVisible(), timeout=2000)
    section = window.screen_widget("settings").page("import-export")
    assert isinstance(section, ImportExportSection)
    wizard = section.wizard
    assert wizard is not None and wizard.isVisible()

    source = _write(tmp_path / "leads.csv", LEADS)
    wizard.file_page.path_edit.setText(str(source))
    wizard.next()
    qtbot.waitUntil(lambda: wizard.step() == 1)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.preview_page.model.rowCount() == 5)
    with qtbot.waitSignal(wizard.imported, timeout=20_000):
        wizard.next()
    wizard.close_button.click()
    # the section lists the import; undo it from there
    assert section.runs.topLevelItemCount() == 1
    item = section.runs.topLevelItem(0)
    assert (item.text(0), item.text(3), item.text(4)) == ("leads.csv", "2", "3")
    section.runs.setCurrentItem(item)
    assert section.undo_button.isEnabled()
    operation = section.undo_selected()
    assert operation is not None
    with qtbot.waitSignal(operation.finished, timeout=10_000):
        pass
    assert _lead_names() == set()
    assert "removed 2 records" in section.undo_result.text()
    assert section.runs.topLevelItem(0).text(5) == "Undone"
    assert import_history.recent_imports(context.user)[0].status == "undone"


def test_export_a_whole_kind_to_csv(qtbot, context, tmp_path: Path) -> None:
    for index in range(3):
        contacts.create_company(context.user, f"Company {index}")
    section = ImportExportSection(context)
    qtbot.addWidget(section)
    section.show()
    out = tmp_path / "companies.csv"
    operation = section.export_to(out, "company")
    with qtbot.waitSignal(operation.finished, timeout=10_000):
        pass
    rows = _read(out)
    assert rows[0][0] == "Name"
    assert sorted(r[0] for r in rows[1:]) == ["Company 0", "Company 1", "Company 2"]
    assert "Exported 3 companies" in section.export_status.text()
    assert section.export_button.isEnabled()
