"""The crash dialog: what happened, where the details are, carry on or quit (shown by
``CrashHandler`` in ``views/crash.py``, which imports this module only when there is a crash)."""

from __future__ import annotations

from pathlib import Path

from desktopcrm.qt import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
)
from desktopcrm.views.desktop import open_folder
from desktopcrm.views.icons import icon


class CrashDialog(QDialog):
    """What happened, where the details are, and the choice to carry on or quit."""

    def __init__(self, summary: str, details: str, log_path: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("CrashDialog")
        self.setWindowTitle("DesktopCRM ran into a problem")
        self.setMinimumWidth(560)
        self.log_path = log_path
        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 20, 22, 18)
        layout.setSpacing(12)

        head = QHBoxLayout()
        badge = QLabel()
        badge.setObjectName("CrashIcon")
        badge.setPixmap(icon("warning", "danger").pixmap(32, 32))
        badge.setAlignment(Qt.AlignmentFlag.AlignTop)
        head.addWidget(badge)
        text = QVBoxLayout()
        title = QLabel("Something went wrong")
        title.setObjectName("DialogTitle")
        text.addWidget(title)
        self.summary_label = QLabel(
            f"{summary}\n\nThis is a bug in DesktopCRM, not something you did. Changes you saved "
            f"before are safe in the database. The details are in {log_path}."
        )
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        text.addWidget(self.summary_label)
        head.addLayout(text, 1)
        layout.addLayout(head)

        self.details = QPlainTextEdit(details)
        self.details.setObjectName("Details")
        self.details.setReadOnly(True)
        self.details.setAccessibleName("Error details")
        self.details.setMinimumHeight(160)
        layout.addWidget(self.details)

        buttons = QHBoxLayout()
        self.copy_button = QPushButton("Copy details")
        self.copy_button.clicked.connect(self.copy_details)
        self.folder_button = QPushButton("Open log folder")
        self.folder_button.clicked.connect(lambda: open_folder(self.log_path))
        self.quit_button = QPushButton("Quit")
        self.quit_button.clicked.connect(self.quit_app)
        self.continue_button = QPushButton("Continue")
        self.continue_button.setProperty("primary", True)
        self.continue_button.setDefault(True)
        self.continue_button.clicked.connect(self.accept)
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.folder_button)
        buttons.addStretch(1)
        buttons.addWidget(self.quit_button)
        buttons.addWidget(self.continue_button)
        layout.addLayout(buttons)

    def add_details(self, details: str) -> None:
        self.details.appendPlainText("\n" + details)

    def copy_details(self) -> None:
        QApplication.clipboard().setText(self.details.toPlainText())

    def quit_app(self) -> None:
        self.done(QDialog.DialogCode.Rejected)
        QApplication.exit(1)
