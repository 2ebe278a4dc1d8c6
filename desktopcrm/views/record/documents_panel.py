"""A record's documents: add files (copied beside the database in the background), open one
with the desktop's viewer, remove one (with Undo)."""

from __future__ import annotations

from pathlib import Path

from desktopcrm.models.attachments import Document
from desktopcrm.qt import (
    QDesktopServices,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    Qt,
    QToolButton,
    QUrl,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desktopcrm.services.errors import ServiceError
from desktopcrm.services.record_details import RecordDetails
from desktopcrm.views.context import AppContext
from desktopcrm.views.icons import icon
from desktopcrm.views.operations import Operation, Task, failure_text
from desktopcrm.views.record.widgets import Card, error_label, file_size, local_time


class DocumentRow(QWidget):
    def __init__(self, document: Document, who: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.setObjectName("DocumentRow")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        layout.setSpacing(8)
        column = QVBoxLayout()
        column.setSpacing(0)
        self.open_button = QPushButton(document.filename)
        self.open_button.setObjectName("RecordLink")
        self.open_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.open_button.setAccessibleName(f"Open {document.filename}")
        self.open_button.setToolTip(f"Open {document.filename}")
        column.addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignLeft)
        meta = f"{file_size(document.size)} · {local_time(document.created_at)}"
        if who:
            meta += f" · {who}"
        sub = QLabel(meta)
        sub.setObjectName("RowSubtitle")
        column.addWidget(sub)
        layout.addLayout(column, 1)
        self.remove_button = QToolButton()
        self.remove_button.setObjectName("RowMenu")
        self.remove_button.setProperty("flat", True)
        self.remove_button.setText("×")
        self.remove_button.setToolTip(f"Remove {document.filename}")
        self.remove_button.setAccessibleName(f"Remove {document.filename}")
        layout.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignTop)


class DocumentsPanel(Card):
    saved = Signal(str)
    #: Whether adding runs in the background (tests may wait on ``operation``).
    operation: Operation | None = None

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__("Documents", parent)
        self._context = context
        self.details: RecordDetails | None = None
        self.list = QVBoxLayout()
        self.list.setSpacing(4)
        self.body.addLayout(self.list)
        self.empty = QLabel("No documents yet.")
        self.empty.setObjectName("Muted")
        self.body.addWidget(self.empty)
        self.undo_row = QWidget()
        undo_layout = QHBoxLayout(self.undo_row)
        undo_layout.setContentsMargins(0, 0, 0, 0)
        self.undo_text = QLabel()
        self.undo_text.setObjectName("Muted")
        undo_layout.addWidget(self.undo_text, 1)
        self.undo_button = QPushButton("Undo")
        self.undo_button.setProperty("flat", True)
        self.undo_button.clicked.connect(self.undo_remove)
        undo_layout.addWidget(self.undo_button)
        self.undo_row.hide()
        self.body.addWidget(self.undo_row)
        self.add_button = QPushButton(icon("add"), "Add files…")
        self.add_button.setAccessibleName("Add documents")
        self.add_button.clicked.connect(self.choose_files)
        self.body.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.error = error_label()
        self.body.addWidget(self.error)
        self.rows: list[DocumentRow] = []
        self._removed: Document | None = None

    def show_details(self, details: RecordDetails) -> None:
        self.details = details
        self.show_documents(details.documents)

    def show_documents(self, documents: list[Document]) -> None:
        assert self.details is not None
        for row in self.rows:
            row.hide()
            row.deleteLater()
        self.rows = []
        for document in documents:
            uploader = document.uploaded_by_id
            who = self.details.user_names.get(uploader, "") if uploader else ""
            row = DocumentRow(document, who)
            row.open_button.clicked.connect(lambda _c=False, d=document: self.open_document(d))
            row.remove_button.clicked.connect(lambda _c=False, d=document: self.remove(d))
            self.list.addWidget(row)
            self.rows.append(row)
        self.empty.setVisible(not documents)

    # ---- commands ----------------------------------------------------------

    def choose_files(self) -> None:
        paths, _filter = QFileDialog.getOpenFileNames(self, "Add documents")
        if paths:
            self.add_files([Path(p) for p in paths])

    def add_files(self, paths: list[Path]) -> Operation | None:
        """Attach copies of ``paths`` in the background; the page reloads when done."""
        if self.details is None or not paths:
            return None
        from desktopcrm.services.documents import add_document

        user, record = self._context.user, self.details.record
        self.error.hide()
        self.add_button.setEnabled(False)
        self.add_button.setText("Adding…")

        def work(task: Task) -> list[Document]:
            added = []
            for index, path in enumerate(paths):
                task.check_cancelled()
                task.progress(index, len(paths), path.name)
                added.append(add_document(user, record, path))
            return added

        def done(_added: object) -> None:
            self._restore_button()
            self.saved.emit("document")

        def failed(error: BaseException) -> None:
            self._restore_button()
            self.error.setText(failure_text(error))
            self.error.show()
            self.saved.emit("document")

        self.operation = Operation(
            self, work, on_success=done, on_failure=failed, title="add documents"
        ).run()
        return self.operation

    def _restore_button(self) -> None:
        self.add_button.setEnabled(True)
        self.add_button.setText("Add files…")

    def open_document(self, document: Document) -> bool:
        from desktopcrm.services.documents import open_path

        self.error.hide()
        try:
            path = open_path(document)
        except ServiceError as error:
            self.error.setText(str(error))
            self.error.show()
            return False
        return bool(QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))))

    def remove(self, document: Document) -> None:
        from desktopcrm.services.documents import remove_document

        self.error.hide()
        try:
            remove_document(self._context.user, document)
        except ServiceError as error:
            self.error.setText(str(error))
            self.error.show()
            return
        self._removed = document
        self.undo_text.setText(f"Removed {document.filename}.")
        self.undo_row.show()
        self.saved.emit("document")

    def undo_remove(self) -> None:
        """Bring the last removed document back."""
        from desktopcrm.services.record_details import restore_document

        document = self._removed
        if document is None:
            return
        try:
            restore_document(self._context.user, document)
        except ServiceError as error:
            self.error.setText(str(error))
            self.error.show()
            return
        self._removed = None
        self.undo_row.hide()
        self.saved.emit("document")
