"""What the content area shows while the database opens: a quiet line, no spinner."""

from __future__ import annotations

from desktopcrm.qt import QLabel, QVBoxLayout, QWidget


class OpeningState(QWidget):
    """ "Opening the database…", or why it could not be opened (``show_failure``)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("OpeningState")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 32, 32, 32)
        self.label = QLabel("Opening the database…")
        self.label.setObjectName("Muted")
        self.label.setWordWrap(True)
        # Centred by app.qss (qproperty-alignment), not here: see qt.LazyNamespace.
        self.label.setAccessibleName("Opening the database")
        layout.addWidget(self.label, 1)

    def show_failure(self, text: str) -> None:
        self.label.setText(text)
        self.label.setAccessibleName(text)
