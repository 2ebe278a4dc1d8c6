"""A dialog showing a plain-text report (the database check)."""

from __future__ import annotations

from desktopcrm.qt import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)
from desktopcrm.views.icons import icon


class ReportDialog(QDialog):
    def __init__(self, title: str, text: str, *, ok: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ReportDialog")
        self.setWindowTitle(title)
        self.resize(620, 460)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 20, 22, 18)
        layout.setSpacing(12)
        head = QHBoxLayout()
        badge = QLabel()
        badge.setPixmap(
            (icon("check", "success") if ok else icon("warning", "danger")).pixmap(28, 28)
        )
        head.addWidget(badge)
        heading = QLabel("No problems found" if ok else "Problems found")
        heading.setObjectName("DialogTitle")
        head.addWidget(heading, 1)
        layout.addLayout(head)
        self.text = QPlainTextEdit(text)
        self.text.setObjectName("Details")
        self.text.setReadOnly(True)
        self.text.setAccessibleName("Report")
        layout.addWidget(self.text, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = buttons.addButton("Copy", QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(lambda: QApplication.clipboard().setText(text))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
