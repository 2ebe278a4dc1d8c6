"""Settings › Database: where the data lives, integrity check, backups and restore."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from desktopcrm.models import SCHEMA_VERSION, DatabaseMode, database, default_backup_dir, schema
from desktopcrm.models import backup as backups
from desktopcrm.qt import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSize,
    Qt,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)
from desktopcrm.services.maintenance import CheckReport, backup_now, check_database, restore_from
from desktopcrm.views.context import AppContext
from desktopcrm.views.desktop import open_folder
from desktopcrm.views.icons import icon
from desktopcrm.views.operations import Operation, show_failure
from desktopcrm.views.settings.report_dialog import ReportDialog
from desktopcrm.views.settings.widgets import (
    Card,
    SectionPage,
    field_form,
    field_label,
    note,
    value_label,
)

log = logging.getLogger("desktopcrm.views.settings.database")

PATH_ROLE = Qt.ItemDataRole.UserRole

SHARING_NOTES = {
    DatabaseMode.LOCAL: (
        "This file is on this computer's own disk, so only this computer uses it. To share it "
        "with the office, put it on a network share and start DesktopCRM with --database "
        "pointing at it: shared-file mode is chosen automatically on network drives, or with "
        "--shared-file. Do not put it in a Dropbox, OneDrive, Google Drive or iCloud folder."
    ),
    DatabaseMode.SHARED: (
        "Shared-file mode: several computers open this file at once. It uses SQLite's rollback "
        "journal (WAL does not work over network file systems), short write transactions, and "
        "a version on every record so two people never silently overwrite each other. The "
        "status bar shows who else is connected. Keep backups."
    ),
    DatabaseMode.POSTGRESQL: (
        "The data lives on a PostgreSQL server shared by the office. Back it up and restore it "
        "with the server's tools (pg_dump, pg_restore)."
    ),
}


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"


def database_size(path: Path) -> int:
    return sum(p.stat().st_size for p in (path, path.with_name(path.name + "-wal")) if p.exists())


class DatabaseSection(SectionPage):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(
            "Database",
            "Everything DesktopCRM knows is in one database. Check it, back it up, and restore "
            "it from here.",
            parent,
        )
        self._context = context
        self.last_report: CheckReport | None = None
        self.report_dialog: ReportDialog | None = None
        self.confirm_box: QMessageBox | None = None

        # -- this database
        card = Card("This database")
        form = field_form()
        self.mode_value = QLabel()
        self.mode_value.setObjectName("Badge")
        mode_row = QHBoxLayout()
        mode_row.addWidget(self.mode_value)
        mode_row.addStretch(1)
        form.addRow(field_label("Mode"), mode_row)
        self.location_value = value_label()
        self.location_value.setAccessibleName("Database location")
        form.addRow(field_label("Location"), self.location_value)
        self.reason_value = value_label()
        form.addRow(field_label("Why this mode"), self.reason_value)
        self.schema_value = value_label()
        form.addRow(field_label("Schema version"), self.schema_value)
        self.size_value = value_label()
        form.addRow(field_label("Size"), self.size_value)
        card.body.addLayout(form)
        self.show_folder_button = QPushButton(icon("folder"), "Show in folder")
        self.show_folder_button.clicked.connect(self._show_folder)
        row = QHBoxLayout()
        row.addWidget(self.show_folder_button)
        row.addStretch(1)
        card.body.addLayout(row)
        self.add(card)

        # -- integrity
        check = Card(
            "Integrity check",
            "Reads every page of the file, checks the links between records and the schema "
            "version, and counts the records.",
        )
        row = QHBoxLayout()
        self.check_button = QPushButton(icon("check"), "Check now")
        self.check_button.setAccessibleName("Check the database now")
        self.check_button.clicked.connect(self.check)
        row.addWidget(self.check_button)
        self.check_result = QLabel("Not checked yet in this session.")
        self.check_result.setObjectName("Muted")
        self.check_result.setWordWrap(True)
        row.addWidget(self.check_result, 1)
        self.report_button = QPushButton("View report")
        self.report_button.setEnabled(False)
        self.report_button.clicked.connect(self.show_report)
        row.addWidget(self.report_button)
        check.body.addLayout(row)
        self.add(check)

        # -- backups
        self.backups_card = Card("Backups")
        self.backups_intro = QLabel()
        self.backups_intro.setObjectName("Muted")
        self.backups_intro.setWordWrap(True)
        self.backups_card.body.addWidget(self.backups_intro)
        row = QHBoxLayout()
        self.backup_button = QPushButton(icon("backup", "accent_text"), "Back up now")
        self.backup_button.setProperty("primary", True)
        self.backup_button.clicked.connect(self.back_up)
        row.addWidget(self.backup_button)
        self.open_backups_button = QPushButton(icon("folder"), "Open backups folder")
        self.open_backups_button.clicked.connect(lambda: open_folder(default_backup_dir()))
        row.addWidget(self.open_backups_button)
        row.addStretch(1)
        self.backups_card.body.addLayout(row)
        self.backup_list = QTreeWidget()
        self.backup_list.setObjectName("BackupList")
        self.backup_list.setAccessibleName("Backups")
        self.backup_list.setHeaderLabels(["Backup", "Made", "Size"])
        self.backup_list.setRootIsDecorated(False)
        self.backup_list.setUniformRowHeights(True)
        self.backup_list.setAlternatingRowColors(False)
        self.backup_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.backup_list.setMinimumHeight(180)
        self.backup_list.setIconSize(QSize(16, 16))
        self.backup_list.header().setStretchLastSection(False)
        self.backup_list.header().setSectionResizeMode(
            0, self.backup_list.header().ResizeMode.Stretch
        )
        self.backup_list.itemSelectionChanged.connect(self._selection_changed)
        self.backup_list.itemActivated.connect(
            lambda item, _col: self.confirm_restore(item.data(0, PATH_ROLE))
        )
        self.backups_card.body.addWidget(self.backup_list)
        self.empty_backups = QLabel("No backups yet. Back up now to make the first one.")
        self.empty_backups.setObjectName("Muted")
        self.backups_card.body.addWidget(self.empty_backups)
        row = QHBoxLayout()
        self.restore_button = QPushButton(icon("restore"), "Restore selected…")
        self.restore_button.setEnabled(False)
        self.restore_button.clicked.connect(self._restore_selected)
        row.addWidget(self.restore_button)
        self.restore_file_button = QPushButton("Restore from a file…")
        self.restore_file_button.clicked.connect(self._restore_from_file)
        row.addWidget(self.restore_file_button)
        row.addStretch(1)
        self.backups_card.body.addLayout(row)
        self.add(self.backups_card)

        # -- sharing
        sharing = Card("Sharing")
        self.sharing_note = note("")
        sharing.body.addWidget(self.sharing_note)
        self.add(sharing)

        context.database_reopened.connect(self.refresh)
        self.refresh()

    # ---- display -----------------------------------------------------------

    def refresh(self) -> None:
        location = self._context.location
        self.mode_value.setText(location.mode.label)
        self.location_value.setText(location.display())
        self.reason_value.setText(location.reason.capitalize() if location.reason else "—")
        version = schema.read_schema_version(database.obj)
        self.schema_value.setText(
            f"{version}" + ("" if version == SCHEMA_VERSION else f" (this app: {SCHEMA_VERSION})")
        )
        if location.path is not None:
            self.size_value.setText(human_size(database_size(location.path)))
        else:
            self.size_value.setText("On the server")
        self.show_folder_button.setVisible(location.is_sqlite)
        self.sharing_note.setText(SHARING_NOTES[location.mode])
        self.backups_card.setVisible(location.is_sqlite)
        self.backups_intro.setText(
            f"Backups are consistent copies made while you work, kept in {default_backup_dir()} "
            f"(the {backups.KEEP_BACKUPS} newest of each kind). DesktopCRM also backs up "
            "before every upgrade and before a restore."
        )
        self.refresh_backups()

    def refresh_backups(self) -> None:
        self.backup_list.clear()
        for path in backups.list_backups(default_backup_dir()):
            stat = path.stat()
            made = dt.datetime.fromtimestamp(stat.st_mtime).strftime("%Y-%m-%d %H:%M:%S")
            item = QTreeWidgetItem([path.name, made, human_size(stat.st_size)])
            item.setIcon(0, icon("database"))
            item.setData(0, PATH_ROLE, str(path))
            item.setToolTip(0, str(path))
            self.backup_list.addTopLevelItem(item)
        has = self.backup_list.topLevelItemCount() > 0
        self.backup_list.setVisible(has)
        self.empty_backups.setVisible(not has)
        self.backup_list.resizeColumnToContents(1)
        self.backup_list.resizeColumnToContents(2)
        self._selection_changed()

    def _selection_changed(self) -> None:
        self.restore_button.setEnabled(bool(self.backup_list.selectedItems()))

    def _show_folder(self) -> None:
        if self._context.location.path is not None:
            open_folder(self._context.location.path)

    def focus_item(self, name: str) -> None:
        """Put the keyboard focus on ``check`` or ``restore`` (from the command palette)."""
        if name == "check":
            self.check_button.setFocus()
        elif name == "restore":
            newest = self.backup_list.topLevelItem(0)
            if newest is not None:
                self.backup_list.setCurrentItem(newest)
                self.backup_list.setFocus()
            else:
                self.restore_file_button.setFocus()
        self.ensureWidgetVisible(self.focusWidget() or self)

    # ---- integrity ---------------------------------------------------------

    def check(self) -> Operation:
        location = self._context.location
        self.check_button.setEnabled(False)
        self.check_result.setText("Checking…")
        operation = Operation(
            self,
            lambda _task: check_database(location),
            on_success=self._checked,
            title="check the database",
        )
        operation.finished.connect(lambda: self.check_button.setEnabled(True))
        return operation.run()

    def _checked(self, report: CheckReport) -> None:
        self.last_report = report
        when = dt.datetime.now().strftime("%H:%M")
        records = sum(report.counts.values())
        if report.ok:
            self.check_result.setText(f"No problems found ({records} records, checked at {when}).")
        else:
            self.check_result.setText(
                f"{len(report.problems)} problem(s) found at {when}: see the report."
            )
        self.report_button.setEnabled(True)
        if not report.ok:
            self.show_report()

    def show_report(self) -> None:
        if self.last_report is None:
            return
        self.report_dialog = ReportDialog(
            "Database check", self.last_report.as_text(), ok=self.last_report.ok, parent=self
        )
        self.report_dialog.open()

    # ---- backups -----------------------------------------------------------

    def back_up(self) -> Operation:
        location = self._context.location
        self.backup_button.setEnabled(False)
        operation = Operation(
            self,
            lambda _task: backup_now(location),
            on_success=self._backed_up,
            title="back up the database",
        )
        operation.finished.connect(lambda: self.backup_button.setEnabled(True))
        return operation.run()

    def _backed_up(self, path: Path) -> None:
        self._context.message.emit(f"Backed up to {path}")
        self.refresh_backups()

    def _restore_selected(self) -> None:
        items = self.backup_list.selectedItems()
        if items:
            self.confirm_restore(items[0].data(0, PATH_ROLE))

    def _restore_from_file(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(
            self,
            "Restore from a backup",
            str(default_backup_dir()),
            "DesktopCRM backups (*.sqlite *.db);;All files (*)",
        )
        if chosen:
            self.confirm_restore(chosen)

    def confirm_restore(self, source: str | Path) -> QMessageBox:
        """Ask before replacing the database with ``source`` (non-blocking)."""
        source = Path(source)
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Restore the database?",
            f"Replace the database with the backup {source.name}?\n\n"
            "Changes made since that backup will no longer be in the database. The current "
            "database is backed up first, so you can go back. Other computers connected to a "
            "shared file should close DesktopCRM first.",
            QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setObjectName("ConfirmRestore")
        restore = box.addButton("Restore", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.buttonClicked.connect(
            lambda button: self.restore(source) if button is restore else None
        )
        self.confirm_box = box
        box.open()
        return box

    def restore(self, source: Path) -> Operation:
        """Close the database, restore ``source`` over it in the background, reopen it."""
        from desktopcrm.views.operations import wait_for_workers

        location = self._context.location
        window = self.window()
        window.setEnabled(False)
        self._context.message.emit(f"Restoring from {source.name}…")
        wait_for_workers()
        self._context.close_database()

        def reopen() -> None:
            try:
                self._context.reopen_database()
            finally:
                window.setEnabled(True)

        def restored(saved: Path | None) -> None:
            reopen()
            kept = f" The replaced database was saved as {saved}." if saved else ""
            self._context.message.emit(f"Restored from {source.name}.{kept}")

        def failed(error: BaseException) -> None:
            reopen()
            show_failure(self, "restore the database", error)

        return Operation(
            self,
            lambda _task: restore_from(location, source),
            on_success=restored,
            on_failure=failed,
            title="restore the database",
        ).run()
