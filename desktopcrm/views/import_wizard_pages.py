"""The pages of the import wizard: file and record kind, column mapping, preview, progress,
report. Pages only show and collect; ``ImportWizard`` runs the work."""

from __future__ import annotations

from desktopcrm.qt import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    Qt,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from desktopcrm.views.icons import icon
from desktopcrm.views.import_wizard_models import PreviewModel, ProblemsModel, field_label

KIND_CHOICES = (
    ("lead", "Leads"),
    ("contact", "People (contacts)"),
    ("company", "Companies"),
    ("deal", "Deals"),
)
NOT_IMPORTED = "— Do not import —"


def _title(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("CardTitle")
    return label


def _muted(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setObjectName("Muted")
    label.setWordWrap(True)
    return label


def _table(model: PreviewModel | ProblemsModel, name: str) -> QTableView:
    table = QTableView()
    table.setModel(model)
    table.setAccessibleName(name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setShowGrid(False)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(30)
    header = table.horizontalHeader()
    header.setHighlightSections(False)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    header.setStretchLastSection(True)
    return table


class FilePage(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        layout.addWidget(_title("Choose the file"))
        layout.addWidget(
            _muted(
                "A CSV file whose first line names the columns, exported from a spreadsheet "
                "or another CRM. The encoding (UTF-8, UTF-16, Windows) and the delimiter "
                "(comma, semicolon, tab) are recognised by themselves."
            )
        )
        row = QHBoxLayout()
        self.path_edit = QLineEdit()
        self.path_edit.setAccessibleName("CSV file")
        self.path_edit.setPlaceholderText("Path of the CSV file")
        row.addWidget(self.path_edit, 1)
        self.browse_button = QPushButton(icon("folder"), "Choose…")
        self.browse_button.setAccessibleName("Choose the CSV file")
        row.addWidget(self.browse_button)
        layout.addLayout(row)
        layout.addSpacing(8)
        layout.addWidget(_title("What the rows are"))
        self.kind_combo = QComboBox()
        self.kind_combo.setAccessibleName("Import as")
        for kind, label in KIND_CHOICES:
            self.kind_combo.addItem(label, kind)
        kind_row = QHBoxLayout()
        kind_row.addWidget(self.kind_combo)
        kind_row.addStretch(1)
        layout.addLayout(kind_row)
        self.duplicates_check = QCheckBox(
            "Reject rows that match a record already in the database (same email, phone, "
            "website or company name)"
        )
        self.duplicates_check.setChecked(True)
        layout.addWidget(self.duplicates_check)
        self.error = QLabel()
        self.error.setObjectName("FieldError")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        layout.addStretch(1)

    def kind(self) -> str:
        return str(self.kind_combo.currentData())

    def choose_kind(self, kind: str) -> None:
        self.kind_combo.setCurrentIndex(self.kind_combo.findData(kind))


class MappingPage(QWidget):
    """One row per column of the file: its header, sample values, and the field it goes to."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.combos: dict[str, QComboBox] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        layout.addWidget(_title("Match the columns"))
        self.summary = _muted()
        layout.addWidget(self.summary)
        self.columns_area = QScrollArea()
        self.columns_area.setWidgetResizable(True)
        self.columns_area.setFrameShape(QFrame.Shape.NoFrame)
        self.body = QWidget()
        self.body.setObjectName("ScrollBody")
        self.grid = QGridLayout(self.body)
        self.grid.setHorizontalSpacing(16)
        self.grid.setVerticalSpacing(8)
        self.columns_area.setWidget(self.body)
        layout.addWidget(self.columns_area, 1)

    def set_columns(
        self,
        headers: list[str],
        samples: dict[str, list[str]],
        mapping: dict[str, str | None],
        fields: list[str],
        custom_names: dict[str, str],
    ) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.combos = {}
        for column, text in enumerate(("Column in the file", "Sample values", "Imports into")):
            label = QLabel(text)
            label.setObjectName("FieldLabel")
            self.grid.addWidget(label, 0, column)
        for row, header in enumerate(headers, start=1):
            name = QLabel(header or f"(column {row})")
            name.setObjectName("FieldValue")
            self.grid.addWidget(name, row, 0)
            sample = _muted(" · ".join(v for v in samples.get(header, []) if v)[:80])
            sample.setWordWrap(False)
            self.grid.addWidget(sample, row, 1)
            combo = QComboBox()
            combo.setAccessibleName(f"Import column {header} into")
            combo.addItem(NOT_IMPORTED, None)
            for target in fields:
                combo.addItem(field_label(target, custom_names), target)
            combo.setCurrentIndex(max(combo.findData(mapping.get(header)), 0))
            combo.currentIndexChanged.connect(self._update_summary)
            combo.setMinimumWidth(220)
            self.grid.addWidget(combo, row, 2)
            self.combos[header] = combo
        self.grid.setColumnStretch(1, 1)
        self.grid.setRowStretch(len(headers) + 1, 1)
        self._update_summary()

    def mapping(self) -> dict[str, str | None]:
        return {header: combo.currentData() for header, combo in self.combos.items()}

    def set_target(self, header: str, target: str | None) -> None:
        combo = self.combos[header]
        combo.setCurrentIndex(max(combo.findData(target), 0))

    def _update_summary(self) -> None:
        mapping = self.mapping()
        used = [h for h, t in mapping.items() if t]
        skipped = [h for h, t in mapping.items() if not t]
        text = f"{len(used)} of {len(mapping)} columns will be imported."
        if skipped:
            text += " Not imported: " + ", ".join(skipped[:8]) + ("…" if len(skipped) > 8 else ".")
        targets = [t for t in mapping.values() if t]
        doubles = sorted({t for t in targets if targets.count(t) > 1})
        if doubles:
            text += " Each field takes one column: the last column chosen for a field wins."
        self.summary.setText(
            text + " Columns were matched by their names; change any choice below."
        )


class PreviewPage(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        layout.addWidget(_title("Check the first rows"))
        self.summary = _muted("Reading the first rows…")
        layout.addWidget(self.summary)
        self.model = PreviewModel()
        self.table = _table(self.model, "Preview of the first rows")
        layout.addWidget(self.table, 1)


class RunPage(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        layout.addStretch(1)
        self.heading = _title("Importing…")
        layout.addWidget(self.heading)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Import progress")
        self.progress.setRange(0, 0)
        layout.addWidget(self.progress)
        self.status = _muted("Starting…")
        layout.addWidget(self.status)
        row = QHBoxLayout()
        row.addStretch(1)
        self.cancel_button = QPushButton("Stop import")
        self.cancel_button.setAccessibleName("Stop the import")
        row.addWidget(self.cancel_button)
        layout.addLayout(row)
        layout.addWidget(
            _muted(
                "Stopping keeps the rows imported so far; undo the import on the next page to "
                "remove them."
            )
        )
        layout.addStretch(2)


class ReportPage(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        self.heading = _title("")
        layout.addWidget(self.heading)
        self.summary = _muted()
        layout.addWidget(self.summary)
        self.model = ProblemsModel()
        self.table = _table(self.model, "Rejected rows")
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Interactive)
        layout.addWidget(self.table, 1)
        self.more = _muted()
        self.more.hide()
        layout.addWidget(self.more)
        row = QHBoxLayout()
        self.save_button = QPushButton(icon("export"), "Save rejected rows as CSV…")
        row.addWidget(self.save_button)
        row.addStretch(1)
        self.undo_button = QPushButton(icon("restore"), "Undo this import")
        self.undo_button.setProperty("danger", True)
        row.addWidget(self.undo_button)
        layout.addLayout(row)
        self.outcome = QLabel()
        self.outcome.setObjectName("SuccessText")
        self.outcome.setWordWrap(True)
        self.outcome.hide()
        layout.addWidget(self.outcome)
