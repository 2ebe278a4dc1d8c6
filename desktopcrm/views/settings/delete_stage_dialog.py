"""Delete a stage: choose the stage its deals move to (and a reason when that stage is Lost or
Unqualified)."""

from __future__ import annotations

from desktopcrm.models.records import LossReason, Stage, StageKind
from desktopcrm.qt import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)
from desktopcrm.services import pipelines


class DeleteStageDialog(QDialog):
    """``target()`` and ``reason()`` say where the deals go once accepted."""

    def __init__(self, stage: Stage, others: list[Stage], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DeleteStageDialog")
        self.setWindowTitle("Delete stage")
        self.setMinimumWidth(460)
        self.stage = stage
        self._others = {s.id.hex: s for s in others}
        self._reasons: dict[str, list[LossReason]] = {
            kind: pipelines.loss_reasons(kind) for kind in pipelines.REASON_KINDS
        }
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.setSpacing(12)
        title = QLabel(f"Delete the stage {stage.name}?")
        title.setObjectName("DialogTitle")
        title.setWordWrap(True)
        layout.addWidget(title)
        intro = QLabel(
            "Its deals move to the stage you choose, as if someone had moved each of them: "
            "their contacts' prospect and customer statuses follow, and the move is in each "
            "deal's history."
        )
        intro.setObjectName("Muted")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        form.setHorizontalSpacing(16)
        self.target_combo = QComboBox()
        self.target_combo.setAccessibleName("Move its deals to")
        for other in others:
            suffix = "" if other.kind == StageKind.OPEN.value else " (closed)"
            self.target_combo.addItem(other.name + suffix, other.id.hex)
        form.addRow("Move its deals to", self.target_combo)
        self.reason_label = QLabel("Reason")
        self.reason_combo = QComboBox()
        self.reason_combo.setAccessibleName("Reason")
        form.addRow(self.reason_label, self.reason_combo)
        layout.addLayout(form)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.delete_button = self.buttons.addButton(
            "Delete stage", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.delete_button.setProperty("danger", True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.target_combo.currentIndexChanged.connect(self._target_changed)
        self._target_changed()

    def choose_target(self, name: str) -> None:
        """Select the target stage called ``name``."""
        for index in range(self.target_combo.count()):
            if self._others[self.target_combo.itemData(index)].name == name:
                self.target_combo.setCurrentIndex(index)
                return

    def target(self) -> Stage:
        return self._others[self.target_combo.currentData()]

    def reason(self) -> LossReason | None:
        if self.reason_combo.isHidden():
            return None
        index = self.reason_combo.currentIndex()
        reasons = self._reasons.get(self.target().kind, [])
        return reasons[index] if 0 <= index < len(reasons) else None

    def _target_changed(self) -> None:
        if not self._others:
            return
        kind = self.target().kind
        needs_reason = kind in pipelines.REASON_KINDS
        self.reason_combo.clear()
        for reason in self._reasons.get(kind, []) if needs_reason else []:
            self.reason_combo.addItem(reason.name)
        self.reason_label.setVisible(needs_reason)
        self.reason_combo.setVisible(needs_reason)
