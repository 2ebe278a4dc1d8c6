"""The CSV import wizard: file and record kind → column mapping → preview of the first rows
with their problems → the import in the background (progress, stop) → the rejected-rows
report (save as CSV) and undo of the whole import.

Everything that reads the file or the database runs in an ``Operation``; the services
(``services.csv_import``) decide what is valid, exactly as for the command line.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from desktopcrm.qt import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desktopcrm.services import csv_import, custom_fields, import_history, job_notifications
from desktopcrm.services.importing.mapping import entity_of
from desktopcrm.services.importing.report import PLURALS, ImportReport
from desktopcrm.services.importing.runs import Preview, UndoResult
from desktopcrm.views.context import AppContext
from desktopcrm.views.import_wizard_pages import (
    FilePage,
    MappingPage,
    PreviewPage,
    ReportPage,
    RunPage,
)
from desktopcrm.views.notifications.posting import Posted
from desktopcrm.views.operations import Operation, Task, failure_text

log = logging.getLogger("desktopcrm.views.import_wizard")

STEPS = ("File", "Columns", "Preview", "Import", "Report")
SAMPLE_ROWS = 3
#: Record tables an import of each kind writes to (for ``records_changed``).
TABLES = {"lead": ("lead",), "contact": ("contact",), "company": ("contact",), "deal": ("deal",)}


@dataclass
class FileInfo:
    """What the wizard learnt from the file: its columns, a few values, the suggestion."""

    headers: list[str]
    samples: dict[str, list[str]]
    mapping: dict[str, str | None]
    fields: list[str]
    custom_names: dict[str, str]
    encoding: str
    delimiter: str


def read_file(kind: str, path: str) -> FileInfo:
    """Open the CSV (encoding, delimiter, header), read a few rows and suggest the mapping."""
    source = csv_import.open_csv(path)
    samples: dict[str, list[str]] = {h: [] for h in source.headers}
    for _, cells, _ in islice(source.records(), SAMPLE_ROWS):
        for header, cell in zip(source.headers, cells or [], strict=False):
            samples[header].append(cell.strip())
    names = {f"custom:{f.key}": f.name for f in custom_fields.fields_of(entity_of(kind))}
    return FileInfo(
        source.headers,
        samples,
        csv_import.suggest_mapping(kind, source.headers),
        csv_import.fields_for(kind),
        names,
        source.encoding,
        source.delimiter,
    )


class ImportWizard(QDialog):
    """``imported`` fires with the report once an import has run (also when stopped)."""

    imported = Signal(object)
    undone = Signal(object)

    def __init__(
        self, context: AppContext, parent: QWidget | None = None, *, path: str = ""
    ) -> None:
        super().__init__(parent)
        self._context = context
        self.setObjectName("ImportWizard")
        self.setWindowTitle("Import a CSV file")
        self.resize(900, 640)
        self.info: FileInfo | None = None
        self.preview: Preview | None = None
        self.report: ImportReport | None = None
        self.undo_result: UndoResult | None = None
        self.operation: Operation | None = None
        self.posted: Posted | None = None  # the import's notification, for the centre
        self._cancel = threading.Event()
        self._path = ""
        self._kind = ""

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.setSpacing(14)
        heading = QLabel("Import a CSV file")
        heading.setObjectName("DialogTitle")
        layout.addWidget(heading)
        steps = QHBoxLayout()
        steps.setSpacing(18)
        self.step_labels: list[QLabel] = []
        for number, name in enumerate(STEPS, start=1):
            label = QLabel(f"{number}  {name}")
            label.setObjectName("WizardStep")
            steps.addWidget(label)
            self.step_labels.append(label)
        steps.addStretch(1)
        layout.addLayout(steps)

        self.pages = QStackedWidget()
        self.file_page = FilePage()
        self.mapping_page = MappingPage()
        self.preview_page = PreviewPage()
        self.run_page = RunPage()
        self.report_page = ReportPage()
        for page in (
            self.file_page,
            self.mapping_page,
            self.preview_page,
            self.run_page,
            self.report_page,
        ):
            self.pages.addWidget(page)
        layout.addWidget(self.pages, 1)

        buttons = QHBoxLayout()
        self.back_button = QPushButton("Back")
        self.back_button.clicked.connect(self.back)
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        self.close_button = QPushButton("Cancel")
        self.close_button.clicked.connect(self.reject)
        buttons.addWidget(self.close_button)
        self.next_button = QPushButton("Next")
        self.next_button.setProperty("primary", True)
        self.next_button.setDefault(True)
        self.next_button.clicked.connect(self.next)
        buttons.addWidget(self.next_button)
        layout.addLayout(buttons)

        self.file_page.browse_button.clicked.connect(self.browse)
        self.file_page.path_edit.setText(path)
        self.run_page.cancel_button.clicked.connect(self.stop)
        self.report_page.save_button.clicked.connect(self._ask_report_path)
        self.report_page.undo_button.clicked.connect(self.undo)
        self._show_step(0)

    # ---- navigation ----------------------------------------------------------

    def step(self) -> int:
        return self.pages.currentIndex()

    def _show_step(self, index: int) -> None:
        self.pages.setCurrentIndex(index)
        for number, label in enumerate(self.step_labels):
            label.setProperty("current", number == index)
            label.style().unpolish(label)
            label.style().polish(label)
        self.back_button.setVisible(index in (1, 2))
        self.next_button.setVisible(index in (0, 1, 2))
        self.next_button.setText("Import" if index == 2 else "Next")
        self.next_button.setEnabled(True)
        self.close_button.setText("Close" if index == 4 else "Cancel")
        self.close_button.setEnabled(index != 3)

    def back(self) -> None:
        if self.step() in (1, 2):
            self._show_step(self.step() - 1)

    def next(self) -> Operation | None:
        """Go on from the current page (reading the file or the preview in the background)."""
        step = self.step()
        if step == 0:
            return self.read()
        if step == 1:
            return self.run_preview()
        if step == 2:
            return self.run_import()
        return None

    def browse(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(
            self, "Choose a CSV file", "", "CSV files (*.csv *.txt *.tsv);;All files (*)"
        )
        if chosen:
            self.file_page.path_edit.setText(chosen)

    def _busy(self, operation: Operation) -> Operation:
        self.next_button.setEnabled(False)
        operation.finished.connect(lambda: self.next_button.setEnabled(True))
        self.operation = operation
        return operation.run()

    # ---- 1. the file -----------------------------------------------------------

    def read(self) -> Operation | None:
        path = self.file_page.path_edit.text().strip()
        page = self.file_page
        if not path:
            page.error.setText("Choose the CSV file to import.")
            page.error.show()
            return None
        if not Path(path).is_file():
            page.error.setText(f"There is no file {path}.")
            page.error.show()
            return None
        page.error.hide()
        kind = page.kind()

        def read_done(info: FileInfo) -> None:
            self.info = info
            self._path, self._kind = path, kind
            self.mapping_page.set_columns(
                info.headers, info.samples, info.mapping, info.fields, info.custom_names
            )
            self._show_step(1)

        def read_failed(error: BaseException) -> None:
            page.error.setText(failure_text(error))
            page.error.show()

        return self._busy(
            Operation(
                self,
                lambda _task: read_file(kind, path),
                on_success=read_done,
                on_failure=read_failed,
                title="read the file",
            )
        )

    # ---- 2-3. mapping and preview ----------------------------------------------

    def run_preview(self) -> Operation:
        actor, kind, path = self._context.user, self._kind, self._path
        mapping = self.mapping_page.mapping()
        self.preview_page.summary.setText("Reading the first rows…")
        self.preview_page.model.set_preview([], [], {})
        self._show_step(2)

        def shown(preview: Preview) -> None:
            self.preview = preview
            fields = [t for t in preview.mapping.values() if t]
            names = self.info.custom_names if self.info else {}
            model = self.preview_page.model
            model.set_preview(preview.rows, fields, names)
            self.preview_page.table.resizeColumnsToContents()
            bad = model.problem_rows()
            count = model.rowCount()
            text = f"The first {count} rows: {count - bad} ready"
            if bad:
                text += (
                    f", {bad} with problems. Rows with problems are not imported; they are "
                    "listed in the report at the end, with every reason."
                )
            else:
                text += "."
            self.preview_page.summary.setText(
                text + " Go back to change the columns, or import the whole file."
            )

        def failed(error: BaseException) -> None:
            self.preview_page.summary.setText(
                f"The file cannot be previewed: {failure_text(error)}"
            )
            self.next_button.setEnabled(False)

        operation = Operation(
            self,
            lambda _task: csv_import.preview(actor, kind, path, mapping),
            on_success=shown,
            on_failure=failed,
            title="preview the import",
        )
        self.next_button.setEnabled(False)
        self.operation = operation
        operation.succeeded.connect(lambda _r: self.next_button.setEnabled(True))
        return operation.run()

    # ---- 4. the import -----------------------------------------------------------

    def run_import(self) -> Operation:
        actor, kind, path = self._context.user, self._kind, self._path
        mapping = self.mapping_page.mapping()
        duplicates = self.file_page.duplicates_check.isChecked()
        self._cancel.clear()
        page = self.run_page
        page.heading.setText(f"Importing {PLURALS[kind]} from {Path(path).name}…")
        page.progress.setRange(0, 0)
        page.status.setText("Counting the rows…")
        page.cancel_button.setEnabled(True)
        self._show_step(3)

        posted = self.posted = Posted()

        def work(task: Task) -> ImportReport:
            try:
                report = csv_import.import_file(
                    actor,
                    kind,
                    path,
                    mapping,
                    check_duplicates=duplicates,
                    progress=lambda done, total: task.progress(done, total),
                    cancel=self._cancel,
                )
            except Exception as exc:
                posted.run(job_notifications.import_failed, actor, kind, path, failure_text(exc))
                raise
            posted.run(job_notifications.import_finished, actor, report)
            return report

        operation = Operation(
            self,
            work,
            on_success=self._imported,
            on_failure=self._import_failed,
            title="import the file",
        )
        context = self._context
        operation.finished.connect(lambda: posted.deliver(context))
        operation.progressed.connect(self._progressed)
        self.operation = operation
        return operation.run()

    def _progressed(self, done: int, total: int, _text: str) -> None:
        page = self.run_page
        if total:
            page.progress.setRange(0, total)
            page.progress.setValue(done)
        page.status.setText(f"{done:,} of {total:,} rows read and checked…")

    def stop(self) -> None:
        """Stop after the current batch; what was written so far stays (and can be undone)."""
        self._cancel.set()
        self.run_page.cancel_button.setEnabled(False)
        self.run_page.status.setText("Stopping after the current batch…")

    def _import_failed(self, error: BaseException) -> None:
        self.run_page.heading.setText("The import failed")
        self.run_page.status.setText(failure_text(error))
        self.run_page.cancel_button.setEnabled(False)
        self.close_button.setEnabled(True)
        self.close_button.setText("Close")
        self.back_button.setVisible(True)
        self.back_button.setText("Back")
        self.back_button.clicked.disconnect()
        self.back_button.clicked.connect(lambda: self._show_step(2))

    def _imported(self, report: ImportReport) -> None:
        self.report = report
        for table in TABLES[report.kind]:
            self._context.records_changed.emit(table)
        self._context.records_changed.emit("import_run")
        self._show_report(report)
        self.imported.emit(report)

    # ---- 5. the report -------------------------------------------------------------

    def _show_report(self, report: ImportReport) -> None:
        page = self.report_page
        what = PLURALS[report.kind]
        if report.cancelled:
            page.heading.setText(f"Stopped: imported {report.accepted:,} {what} before stopping")
        elif report.rejected:
            page.heading.setText(
                f"Imported {report.accepted:,} of {report.total:,} rows as {what}; "
                f"{report.rejected:,} rejected"
            )
        else:
            page.heading.setText(f"Imported all {report.accepted:,} rows as {what}")
        notes = []
        if report.created > report.accepted:
            notes.append(
                f"{report.created - report.accepted:,} companies were created for the people."
            )
        if report.blank_lines:
            notes.append(f"{report.blank_lines:,} blank lines were skipped.")
        if report.rejected:
            notes.append(
                "Every rejected row is listed below with its reasons; nothing else was left "
                "out. Save them as a CSV file to fix and import them again."
            )
        else:
            notes.append("No row was rejected.")
        page.summary.setText(" ".join(notes))
        names = self.info.custom_names if self.info else {}
        page.model.set_problems(report.problems, names)
        page.table.resizeColumnToContents(0)
        page.table.resizeColumnToContents(1)
        page.table.resizeColumnToContents(2)
        page.table.resizeColumnToContents(4)
        hidden = report.problem_count - len(report.problems)
        page.more.setVisible(hidden > 0)
        page.more.setText(
            f"{hidden:,} more problems are not shown here; the saved CSV file has them all."
        )
        page.table.setVisible(bool(report.problems))
        page.save_button.setEnabled(bool(report.rejected))
        page.undo_button.setVisible(report.import_id is not None and bool(report.accepted))
        page.undo_button.setEnabled(True)
        page.outcome.hide()
        self._show_step(4)

    def _ask_report_path(self) -> None:
        suggested = str(Path(self._path).with_name(Path(self._path).stem + "-rejected.csv"))
        chosen, _ = QFileDialog.getSaveFileName(
            self, "Save the rejected rows", suggested, "CSV files (*.csv)"
        )
        if chosen:
            self.save_report(chosen)

    def save_report(self, out: str | Path) -> Operation | None:
        """Write the rejected rows (with their problems and cells) to ``out`` in the background."""
        report, source = self.report, self._path
        if report is None:
            return None
        page = self.report_page

        def saved(count: int) -> None:
            page.outcome.setText(f"Saved {count:,} rejected rows to {out}.")
            page.outcome.show()
            self._context.message.emit(f"Saved the rejected rows to {out}")

        return Operation(
            self,
            lambda _task: import_history.save_rejected_rows(report, source, out),
            on_success=saved,
            title="save the rejected rows",
        ).run()

    def undo(self) -> Operation | None:
        """Remove every record this import created (records changed since are kept)."""
        report = self.report
        if report is None or report.import_id is None:
            return None
        actor, import_id = self._context.user, report.import_id
        page = self.report_page
        page.undo_button.setEnabled(False)

        def done(result: UndoResult) -> None:
            self.undo_result = result
            kept = (
                f" {len(result.kept):,} records changed since the import were kept."
                if result.kept
                else ""
            )
            page.outcome.setText(f"Import undone: removed {result.removed:,} records.{kept}")
            page.outcome.show()
            page.undo_button.hide()
            for table in TABLES[report.kind]:
                self._context.records_changed.emit(table)
            self._context.records_changed.emit("import_run")
            self.undone.emit(result)

        operation = Operation(
            self,
            lambda _task: csv_import.undo_import(actor, import_id),
            on_success=done,
            title="undo the import",
        )
        operation.failed.connect(lambda _e: page.undo_button.setEnabled(True))
        self.operation = operation
        return operation.run()

    def reject(self) -> None:
        if self.step() == 3:
            return  # the import is running: stop it first
        super().reject()
