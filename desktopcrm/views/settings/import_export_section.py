"""Settings › Import & export: the CSV import wizard, the recent imports (undo one), and the
export of a whole record kind to CSV. (List screens export their selection themselves.)"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

from desktopcrm.models.imports import ImportRun, ImportStatus
from desktopcrm.qt import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    Qt,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)
from desktopcrm.services import csv_import, export, import_history, job_notifications
from desktopcrm.services.importing.report import PLURALS
from desktopcrm.services.importing.runs import UndoResult
from desktopcrm.views.context import AppContext
from desktopcrm.views.icons import icon
from desktopcrm.views.import_wizard import TABLES, ImportWizard
from desktopcrm.views.notifications.posting import Posted
from desktopcrm.views.operations import Operation, Task, failure_text
from desktopcrm.views.settings.widgets import Card, SectionPage

ID_ROLE = Qt.ItemDataRole.UserRole
EXPORT_KINDS = (
    ("lead", "Leads"),
    ("contact", "People"),
    ("company", "Companies"),
    ("deal", "Deals"),
)
STATUS_LABELS = {
    ImportStatus.RUNNING.value: "Running",
    ImportStatus.DONE.value: "Done",
    ImportStatus.CANCELLED.value: "Stopped",
    ImportStatus.FAILED.value: "Failed",
    ImportStatus.UNDONE.value: "Undone",
}


class ImportExportSection(SectionPage):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(
            "Import & export",
            "Bring records in from a CSV file (a spreadsheet, another CRM) and take them out "
            "again. Nothing is dropped silently: every rejected row is reported with its reason, "
            "and a whole import can be undone.",
            parent,
        )
        self._context = context
        self._runs: dict[str, ImportRun] = {}
        self.wizard: ImportWizard | None = None
        self.exporting: Operation | None = None
        self._export_cancel = threading.Event()

        # -- import
        card = Card(
            "Import a CSV file",
            "Leads, people, companies or deals. Columns are matched to fields by their names "
            "(exports of Zendesk Sell, HubSpot, Salesforce, Pipedrive, Google and Outlook are "
            "recognised); you check the match and a preview before anything is written.",
        )
        row = QHBoxLayout()
        self.import_button = QPushButton(icon("import", "accent_text"), "Import a CSV file…")
        self.import_button.setProperty("primary", True)
        self.import_button.clicked.connect(self.open_wizard)
        row.addWidget(self.import_button)
        row.addStretch(1)
        card.body.addLayout(row)
        recent = QLabel("Recent imports")
        recent.setObjectName("FieldLabel")
        card.body.addWidget(recent)
        self.runs = QTreeWidget()
        self.runs.setObjectName("ImportRuns")
        self.runs.setAccessibleName("Recent imports")
        self.runs.setHeaderLabels(["File", "As", "When", "Imported", "Rejected", "Status"])
        self.runs.setRootIsDecorated(False)
        self.runs.setUniformRowHeights(True)
        self.runs.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.runs.setMinimumHeight(170)
        self.runs.header().setStretchLastSection(False)
        self.runs.header().setSectionResizeMode(0, self.runs.header().ResizeMode.Stretch)
        self.runs.itemSelectionChanged.connect(self._run_selected)
        card.body.addWidget(self.runs)
        self.no_runs = QLabel("No imports yet.")
        self.no_runs.setObjectName("Muted")
        card.body.addWidget(self.no_runs)
        row = QHBoxLayout()
        self.undo_button = QPushButton(icon("restore"), "Undo selected import")
        self.undo_button.setProperty("danger", True)
        self.undo_button.clicked.connect(self.undo_selected)
        row.addWidget(self.undo_button)
        self.undo_result = QLabel()
        self.undo_result.setObjectName("Muted")
        self.undo_result.setWordWrap(True)
        row.addWidget(self.undo_result, 1)
        card.body.addLayout(row)
        self.add(card)

        # -- export
        export_card = Card(
            "Export to CSV",
            "Every record of one kind that you can see, with custom fields and tags as "
            "columns; the file imports back as it is. To export part of a list, select rows "
            "on the list screen and export the selection there.",
        )
        row = QHBoxLayout()
        self.export_combo = QComboBox()
        self.export_combo.setAccessibleName("Records to export")
        for kind, label in EXPORT_KINDS:
            self.export_combo.addItem(label, kind)
        row.addWidget(self.export_combo)
        self.export_button = QPushButton(icon("export"), "Export to CSV…")
        self.export_button.clicked.connect(self._ask_export_path)
        row.addWidget(self.export_button)
        row.addStretch(1)
        export_card.body.addLayout(row)
        self.export_box = QWidget()
        progress_row = QHBoxLayout(self.export_box)
        progress_row.setContentsMargins(0, 0, 0, 0)
        self.export_progress = QProgressBar()
        self.export_progress.setAccessibleName("Export progress")
        progress_row.addWidget(self.export_progress, 1)
        self.export_cancel_button = QPushButton("Stop")
        self.export_cancel_button.setAccessibleName("Stop the export")
        self.export_cancel_button.clicked.connect(self._export_cancel.set)
        progress_row.addWidget(self.export_cancel_button)
        self.export_box.hide()
        export_card.body.addWidget(self.export_box)
        self.export_status = QLabel()
        self.export_status.setObjectName("Muted")
        self.export_status.setWordWrap(True)
        export_card.body.addWidget(self.export_status)
        self.add(export_card)

        for signal in (context.user_changed, context.database_reopened):
            signal.connect(self.refresh)
        context.records_changed.connect(self._records_changed)
        self.refresh()

    def _records_changed(self, table: str) -> None:
        if table == "import_run":
            self.refresh()

    def refresh(self) -> None:
        if not self._context.database_open:
            return
        chosen = self._selected_id()
        self.runs.clear()
        runs = import_history.recent_imports(self._context.user)
        self._runs = {run.id.hex: run for run in runs}
        for run in runs:
            when = dt.datetime.fromtimestamp(
                run.created_at.replace(tzinfo=dt.UTC).timestamp()
            ).strftime("%Y-%m-%d %H:%M")
            item = QTreeWidgetItem(
                [
                    run.file_name,
                    PLURALS.get(run.kind, run.kind).capitalize(),
                    when,
                    f"{run.accepted:,}",
                    f"{run.rejected:,}",
                    STATUS_LABELS.get(run.status, run.status),
                ]
            )
            item.setData(0, ID_ROLE, run.id.hex)
            item.setIcon(0, icon("import"))
            self.runs.addTopLevelItem(item)
            if run.id.hex == chosen:
                self.runs.setCurrentItem(item)
        for column in range(1, 6):
            self.runs.resizeColumnToContents(column)
        self.runs.setVisible(bool(runs))
        self.no_runs.setVisible(not runs)
        self._run_selected()

    def _selected_id(self) -> str | None:
        items = self.runs.selectedItems()
        return items[0].data(0, ID_ROLE) if items else None

    def _run_selected(self) -> None:
        run = self._runs.get(self._selected_id() or "")
        self.undo_button.setEnabled(
            run is not None
            and run.status in (ImportStatus.DONE.value, ImportStatus.CANCELLED.value)
            and run.accepted > 0
        )

    def focus_item(self, name: str) -> None:
        """``import`` opens the wizard (the palette's "Import CSV…"); ``export`` focuses it."""
        if name == "import":
            self.open_wizard()
        elif name == "export":
            self.export_combo.setFocus()

    # ---- import --------------------------------------------------------------

    def open_wizard(self, path: str = "") -> ImportWizard:
        if self.wizard is not None and self.wizard.isVisible():
            self.wizard.raise_()
            return self.wizard
        wizard = ImportWizard(self._context, self, path=path)
        self.wizard = wizard
        wizard.open()
        return wizard

    def undo_selected(self) -> Operation | None:
        run = self._runs.get(self._selected_id() or "")
        if run is None:
            return None
        actor = self._context.user
        self.undo_button.setEnabled(False)

        def done(result: UndoResult) -> None:
            kept = f"; {len(result.kept):,} changed since were kept" if result.kept else ""
            self.undo_result.setText(
                f"Undid the import of {run.file_name}: removed {result.removed:,} records{kept}."
            )
            for table in TABLES.get(run.kind, ()):
                self._context.records_changed.emit(table)
            self._context.records_changed.emit("import_run")

        operation = Operation(
            self,
            lambda _task: csv_import.undo_import(actor, run.id),
            on_success=done,
            title="undo the import",
        )
        operation.finished.connect(self._run_selected)
        return operation.run()

    # ---- export --------------------------------------------------------------

    def _ask_export_path(self) -> None:
        kind = self.export_combo.currentData()
        name = f"{PLURALS[kind]}-{dt.date.today().isoformat()}.csv"
        chosen, _ = QFileDialog.getSaveFileName(
            self, "Export to CSV", str(Path.home() / name), "CSV files (*.csv)"
        )
        if chosen:
            self.export_to(chosen)

    def export_to(self, path: str | Path, kind: str | None = None) -> Operation:
        """Export every visible record of ``kind`` (the chosen one) to ``path`` in the
        background, with progress and Stop."""
        kind = kind or str(self.export_combo.currentData())
        actor = self._context.user
        self._export_cancel.clear()
        self.export_button.setEnabled(False)
        self.export_progress.setRange(0, 0)
        self.export_box.show()
        self.export_status.setText(f"Exporting {PLURALS[kind]}…")
        cancel = self._export_cancel
        posted = Posted()

        def work(task: Task) -> int:
            try:
                count = export.export_file(
                    actor,
                    kind,
                    path,
                    "csv",
                    progress=lambda done: task.progress(done),
                    cancel=cancel,
                )
            except Exception as exc:
                posted.run(
                    job_notifications.export_failed, actor, PLURALS[kind], path, failure_text(exc)
                )
                raise
            posted.run(
                job_notifications.export_finished,
                actor,
                job_notifications.count(count, PLURALS[kind]),
                path,
                stopped=cancel.is_set(),
            )
            return count

        def done(count: int) -> None:
            stopped = " (stopped before the end)" if cancel.is_set() else ""
            self.export_status.setText(f"Exported {count:,} {PLURALS[kind]} to {path}{stopped}.")
            self._context.message.emit(f"Exported {count:,} {PLURALS[kind]}")

        operation = Operation(self, work, on_success=done, title="export to CSV")
        operation.progressed.connect(
            lambda done_, _total, _text: self.export_status.setText(
                f"Exporting {PLURALS[kind]}: {done_:,} written…"
            )
        )

        def finished() -> None:
            self.export_button.setEnabled(True)
            self.export_box.hide()
            posted.deliver(self._context)

        operation.finished.connect(finished)
        self.exporting = operation
        return operation.run()
