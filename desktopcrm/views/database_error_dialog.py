"""The dialog shown when the database cannot be opened: what is wrong and what to do."""

from __future__ import annotations

from desktopcrm.qt import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
)
from desktopcrm.views.icons import icon


class DatabaseErrorDialog(QDialog):
    """Result: ``CHOOSE`` (pick another file) or ``QUIT``."""

    QUIT = 0
    CHOOSE = 1

    def __init__(self, message: str, location: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DatabaseErrorDialog")
        self.setWindowTitle("Cannot open the database")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 22, 24, 18)
        layout.setSpacing(14)
        head = QHBoxLayout()
        head.setSpacing(14)
        badge = QLabel()
        badge.setObjectName("ErrorIcon")
        badge.setPixmap(icon("database", "danger").pixmap(36, 36))
        badge.setAlignment(Qt.AlignmentFlag.AlignTop)
        head.addWidget(badge)
        text = QVBoxLayout()
        title = QLabel("DesktopCRM cannot open the database")
        title.setObjectName("DialogTitle")
        text.addWidget(title)
        self.message_label = QLabel(message)
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        text.addWidget(self.message_label)
        self.location_label = QLabel(location)
        self.location_label.setObjectName("Note")
        self.location_label.setWordWrap(True)
        self.location_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.location_label.setAccessibleName("Database location")
        text.addWidget(self.location_label)
        head.addLayout(text, 1)
        layout.addLayout(head)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.quit_button = QPushButton("Quit")
        self.quit_button.clicked.connect(lambda: self.done(self.QUIT))
        self.choose_button = QPushButton("Choose another database…")
        self.choose_button.setProperty("primary", True)
        self.choose_button.setDefault(True)
        self.choose_button.clicked.connect(lambda: self.done(self.CHOOSE))
        buttons.addWidget(self.quit_button)
        buttons.addWidget(self.choose_button)
        layout.addLayout(buttons)
