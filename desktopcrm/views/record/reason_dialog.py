"""Why a deal is lost or unqualified: a reason of that kind and an optional note."""

from __future__ import annotations

from desktopcrm.models.records import LossReason, Stage
from desktopcrm.qt import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    Qt,
    QVBoxLayout,
    QWidget,
)


class ReasonDialog(QDialog):
    """Pick a reason of the stage's kind, and optionally a note; accepted = move."""

    def __init__(self, stage: Stage, reasons: list[LossReason], parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("ReasonDialog")
        self.setWindowTitle(f"Move to {stage.name}")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumWidth(420)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.setSpacing(10)
        title = QLabel(f"Why is the deal {stage.kind}?")
        title.setObjectName("DialogTitle")
        layout.addWidget(title)
        self.reasons = QComboBox()
        self.reasons.setAccessibleName("Reason")
        for reason in reasons:
            self.reasons.addItem(reason.name, reason)
        layout.addWidget(self.reasons)
        self.note = QLineEdit()
        self.note.setAccessibleName("Note")
        self.note.setPlaceholderText("Anything to add (optional)")
        layout.addWidget(self.note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        ok = buttons.addButton(f"Move to {stage.name}", QDialogButtonBox.ButtonRole.AcceptRole)
        ok.setProperty("primary", True)
        ok.setDefault(True)
        ok.setEnabled(bool(reasons))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
