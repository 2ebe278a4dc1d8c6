"""Settings › Pipelines: pipelines, their stages (add, rename, reorder, delete with a place for
their deals; closed stages fixed last), and the reasons for lost and unqualified deals."""

from __future__ import annotations

import sys

from desktopcrm.models.records import LossReason, Pipeline, Stage, StageKind
from desktopcrm.qt import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)
from desktopcrm.services import pipelines
from desktopcrm.services.errors import ServiceError
from desktopcrm.views.context import AppContext
from desktopcrm.views.icons import icon
from desktopcrm.views.operations import Operation, is_known_failure, show_failure
from desktopcrm.views.settings.delete_stage_dialog import DeleteStageDialog
from desktopcrm.views.settings.editor_list import EditorItem, EditorList
from desktopcrm.views.settings.editor_section import EditorSection
from desktopcrm.views.settings.name_dialog import NameDialog
from desktopcrm.views.settings.widgets import Card

CLOSED_LABELS = {
    StageKind.WON.value: "Won · 100%",
    StageKind.LOST.value: "Lost · 0%",
    StageKind.UNQUALIFIED.value: "Unqualified · 0%",
}
REASON_TITLES = {
    StageKind.LOST.value: ("Reasons for lost deals", "Offered when a deal is moved to Lost."),
    StageKind.UNQUALIFIED.value: (
        "Reasons for unqualified deals",
        "Unqualified is not a refusal: timing, budget, a reorganisation, something out of "
        "our control… Offered when a deal is moved to Unqualified.",
    ),
}


def _row(*widgets: QWidget, stretch_after: bool = True) -> QHBoxLayout:
    row = QHBoxLayout()
    row.setSpacing(8)
    for widget in widgets:
        row.addWidget(widget)
    if stretch_after:
        row.addStretch(1)
    return row


class ReasonsCard(Card):
    """One kind of loss reasons: add, rename in place, retire."""

    def __init__(self, section: PipelinesSection, kind: str) -> None:
        title, subtitle = REASON_TITLES[kind]
        super().__init__(title, subtitle)
        self._section = section
        self.kind = kind
        self._reasons: dict[str, LossReason] = {}
        self.list = EditorList(title, movable=False, select_first=False)
        self.list.setMinimumHeight(150)
        self.list.renamed.connect(self._renamed)
        self.list.delete_requested.connect(self.delete)
        self.body.addWidget(self.list)
        self.new_edit = QLineEdit()
        self.new_edit.setPlaceholderText("New reason")
        self.new_edit.setAccessibleName(f"New reason for {kind} deals")
        self.new_edit.returnPressed.connect(self.add_reason)
        self.add_button = QPushButton(icon("add"), "Add reason")
        self.add_button.setAccessibleName(f"Add a reason for {kind} deals")
        self.add_button.clicked.connect(self.add_reason)
        self.delete_button = QPushButton(icon("trash"), "Remove")
        self.delete_button.setAccessibleName(f"Remove the selected reason for {kind} deals")
        self.delete_button.setProperty("danger", True)
        self.delete_button.clicked.connect(lambda: self.delete(self.list.current_id() or ""))
        self.controls = QWidget()
        controls = _row(self.new_edit, self.add_button, stretch_after=False)
        controls.addStretch(1)
        controls.addWidget(self.delete_button)
        controls.setContentsMargins(0, 0, 0, 0)
        self.controls.setLayout(controls)
        self.body.addWidget(self.controls)

    def reload(self) -> None:
        reasons = pipelines.loss_reasons(self.kind)
        self._reasons = {r.id.hex: r for r in reasons}
        self.list.set_items([EditorItem(r.id.hex, r.name) for r in reasons])

    def set_editable(self, editable: bool) -> None:
        self.list.set_editable(editable)
        self.controls.setVisible(editable)

    def add_reason(self) -> None:
        name = self.new_edit.text()
        actor = self._section.context.user
        added = self._section.write(
            "add the reason", lambda: pipelines.add_loss_reason(actor, name, self.kind)
        )
        if added is not None:
            self.new_edit.clear()
            self.list.select(added.id.hex)

    def _renamed(self, reason_id: str, name: str) -> None:
        reason = self._reasons[reason_id]
        actor = self._section.context.user
        self._section.write(
            "rename the reason", lambda: pipelines.rename_loss_reason(actor, reason, name)
        )

    def delete(self, reason_id: str) -> None:
        reason = self._reasons.get(reason_id)
        if reason is None:
            return
        actor = self._section.context.user
        self._section.write(
            "remove the reason", lambda: pipelines.delete_loss_reason(actor, reason)
        )


class PipelinesSection(EditorSection):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(
            context,
            "Pipelines",
            "A pipeline is the road a deal travels: active stages in order, then Won, Lost "
            "and Unqualified. Several pipelines can run side by side, e.g. products and "
            "services.",
            what="change pipelines, stages and reasons",
            tables=("pipeline", "stage", "loss_reason"),
            parent=parent,
        )
        self._pipelines: dict[str, Pipeline] = {}
        self._stages: dict[str, Stage] = {}
        self.delete_dialog: DeleteStageDialog | None = None
        self.name_dialog: NameDialog | None = None
        self.deleting: Operation | None = None

        # -- pipeline chooser
        top = Card()
        self.pipeline_combo = QComboBox()
        self.pipeline_combo.setAccessibleName("Pipeline")
        self.pipeline_combo.setMinimumWidth(240)
        self.pipeline_combo.currentIndexChanged.connect(self._pipeline_chosen)
        label = QLabel("Pipeline")
        label.setObjectName("CardTitle")
        label.setBuddy(self.pipeline_combo)
        self.rename_pipeline_button = QPushButton(icon("edit"), "Rename…")
        self.rename_pipeline_button.setAccessibleName("Rename the pipeline")
        self.rename_pipeline_button.clicked.connect(self.rename_pipeline)
        self.add_pipeline_button = QPushButton(icon("add", "accent_text"), "New pipeline…")
        self.add_pipeline_button.setProperty("primary", True)
        self.add_pipeline_button.clicked.connect(self.add_pipeline)
        row = _row(label, self.pipeline_combo, stretch_after=True)
        row.addWidget(self.rename_pipeline_button)
        row.addWidget(self.add_pipeline_button)
        top.body.addLayout(row)
        self.add(top)

        # -- active stages
        self.stages_card = Card(
            "Stages",
            "Drag a stage, or select it and press Alt+Up or Alt+Down, to change the order. "
            "Press F2 or double-click to rename. Each stage's probability feeds the forecast.",
        )
        self.stage_list = EditorList("Active stages")
        self.stage_list.setMinimumHeight(250)
        self.stage_list.reordered.connect(self._reordered)
        self.stage_list.renamed.connect(self._rename_stage)
        self.stage_list.delete_requested.connect(self.confirm_delete)
        self.stage_list.current_changed.connect(self._stage_selected)
        self.stages_card.body.addWidget(self.stage_list)
        self.stage_controls = QWidget()
        self.new_stage_edit = QLineEdit()
        self.new_stage_edit.setPlaceholderText("New stage name")
        self.new_stage_edit.setAccessibleName("New stage name")
        self.new_stage_edit.returnPressed.connect(self.add_stage)
        self.add_stage_button = QPushButton(icon("add"), "Add stage")
        self.add_stage_button.clicked.connect(self.add_stage)
        probability_label = QLabel("Probability")
        probability_label.setObjectName("FieldLabel")
        self.probability_spin = QSpinBox()
        self.probability_spin.setRange(0, 100)
        self.probability_spin.setSuffix(" %")
        self.probability_spin.setAccessibleName("Probability of the selected stage")
        self.probability_spin.setKeyboardTracking(False)
        self.probability_spin.setButtonSymbols(QSpinBox.ButtonSymbols.NoButtons)
        self.probability_spin.setFixedWidth(72)
        self.probability_spin.valueChanged.connect(self._probability_changed)
        probability_label.setBuddy(self.probability_spin)
        self.rename_stage_button = QPushButton(icon("edit"), "Rename")
        self.rename_stage_button.setAccessibleName("Rename the selected stage")
        self.rename_stage_button.clicked.connect(self.stage_list.rename_current)
        self.delete_stage_button = QPushButton(icon("trash"), "Delete…")
        self.delete_stage_button.setAccessibleName("Delete the selected stage")
        self.delete_stage_button.setProperty("danger", True)
        self.delete_stage_button.clicked.connect(
            lambda: self.confirm_delete(self.stage_list.current_id() or "")
        )
        controls = _row(self.new_stage_edit, self.add_stage_button, stretch_after=True)
        controls.setContentsMargins(0, 0, 0, 0)
        for widget in (
            probability_label,
            self.probability_spin,
            self.rename_stage_button,
            self.delete_stage_button,
        ):
            controls.addWidget(widget)
        self.stage_controls.setLayout(controls)
        self.stages_card.body.addWidget(self.stage_controls)
        self.add(self.stages_card)

        closed = Card(
            "Closed stages",
            "Won, Lost and Unqualified always come last and cannot be deleted; you can rename "
            "them (F2).",
        )
        self.closed_list = EditorList("Closed stages", movable=False, select_first=False)
        self.closed_list.setFixedHeight(3 * 40 + 14)
        self.closed_list.renamed.connect(self._rename_stage)
        closed.body.addWidget(self.closed_list)
        self.add(closed)

        self.reason_cards = {kind: ReasonsCard(self, kind) for kind in pipelines.REASON_KINDS}
        for card in self.reason_cards.values():
            self.add(card)
        self.refresh()

    # ---- loading -----------------------------------------------------------

    def current_pipeline(self) -> Pipeline | None:
        return self._pipelines.get(self.pipeline_combo.currentData() or "")

    def reload(self) -> None:
        chosen = self.pipeline_combo.currentData()
        found = pipelines.pipelines()
        self._pipelines = {p.id.hex: p for p in found}
        self.pipeline_combo.blockSignals(True)
        self.pipeline_combo.clear()
        for pipeline in found:
            self.pipeline_combo.addItem(pipeline.name, pipeline.id.hex)
        index = self.pipeline_combo.findData(chosen) if chosen else 0
        self.pipeline_combo.setCurrentIndex(max(index, 0))
        self.pipeline_combo.blockSignals(False)
        self._load_stages()
        for card in self.reason_cards.values():
            card.reload()

    def _load_stages(self) -> None:
        pipeline = self.current_pipeline()
        stages = pipelines.stages_of(pipeline) if pipeline else []
        self._stages = {s.id.hex: s for s in stages}
        active = [s for s in stages if s.kind == StageKind.OPEN.value]
        closed = [s for s in stages if s.kind != StageKind.OPEN.value]
        title = self.stages_card.findChild(QLabel, "CardTitle")
        if title is not None:
            title.setText(f"Stages of {pipeline.name}" if pipeline else "Stages")
        self.stage_list.set_items(
            [EditorItem(s.id.hex, s.name, detail=f"{s.probability}%") for s in active]
        )
        self.closed_list.set_items(
            [EditorItem(s.id.hex, s.name, detail=CLOSED_LABELS[s.kind], fixed=True) for s in closed]
        )
        self._stage_selected()

    def set_editable(self, editable: bool) -> None:
        self.stage_list.set_editable(editable)
        self.closed_list.set_editable(editable)
        self.stage_controls.setVisible(editable)
        self.rename_pipeline_button.setVisible(editable)
        self.add_pipeline_button.setVisible(editable)
        for card in self.reason_cards.values():
            card.set_editable(editable)

    def _pipeline_chosen(self) -> None:
        self._load_stages()

    def _stage_selected(self, *_args: object) -> None:
        stage = self._stages.get(self.stage_list.current_id() or "")
        self.probability_spin.blockSignals(True)
        self.probability_spin.setValue(stage.probability if stage else 0)
        self.probability_spin.blockSignals(False)
        for widget in (self.probability_spin, self.rename_stage_button, self.delete_stage_button):
            widget.setEnabled(stage is not None)

    # ---- pipelines -----------------------------------------------------------

    def add_pipeline(self) -> NameDialog:
        def submit(name: str) -> str | None:
            try:
                created = pipelines.create_pipeline(self.context.user, name)
            except ServiceError as error:
                return str(error)
            self.context.records_changed.emit("pipeline")
            self.pipeline_combo.setCurrentIndex(self.pipeline_combo.findData(created.id.hex))
            return None

        return self._open_name_dialog(
            NameDialog(
                "New pipeline",
                "Name",
                submit,
                action="Create pipeline",
                parent=self,
            )
        )

    def rename_pipeline(self) -> NameDialog | None:
        pipeline = self.current_pipeline()
        if pipeline is None:
            return None

        def submit(name: str) -> str | None:
            try:
                pipelines.rename_pipeline(self.context.user, pipeline, name)
            except ServiceError as error:
                return str(error)
            self.context.records_changed.emit("pipeline")
            return None

        return self._open_name_dialog(
            NameDialog("Rename pipeline", "Name", submit, text=pipeline.name, parent=self)
        )

    def _open_name_dialog(self, dialog: NameDialog) -> NameDialog:
        self.name_dialog = dialog
        dialog.open()
        return dialog

    # ---- stages ----------------------------------------------------------------

    def add_stage(self) -> None:
        pipeline = self.current_pipeline()
        if pipeline is None:
            return
        name = self.new_stage_edit.text()
        actor = self.context.user
        added = self.write("add the stage", lambda: pipelines.add_stage(actor, pipeline, name))
        if added is not None:
            self.new_stage_edit.clear()
            self.stage_list.select(added.id.hex)

    def _rename_stage(self, stage_id: str, name: str) -> None:
        stage = self._stages[stage_id]
        actor = self.context.user
        self.write("rename the stage", lambda: pipelines.rename_stage(actor, stage, name))

    def _probability_changed(self, value: int) -> None:
        stage = self._stages.get(self.stage_list.current_id() or "")
        if stage is None or stage.probability == value:
            return
        actor = self.context.user
        self.write(
            "change the probability",
            lambda: pipelines.set_stage_probability(actor, stage, value),
        )

    def _reordered(self, ids: list[str]) -> None:
        pipeline = self.current_pipeline()
        if pipeline is None:
            return
        ordered = [self._stages[i] for i in ids]
        actor = self.context.user
        self.write("reorder the stages", lambda: pipelines.reorder_stages(actor, pipeline, ordered))

    def confirm_delete(self, stage_id: str) -> DeleteStageDialog | None:
        """Ask where the stage's deals go, then delete it in the background."""
        stage = self._stages.get(stage_id)
        if stage is None or stage.kind != StageKind.OPEN.value:
            return None
        others = [s for s in self._stages.values() if s.id != stage.id]
        dialog = DeleteStageDialog(stage, others, self)
        dialog.accepted.connect(lambda: self.delete_stage(stage, dialog.target(), dialog.reason()))
        self.delete_dialog = dialog
        dialog.open()
        return dialog

    def delete_stage(self, stage: Stage, target: Stage, reason: LossReason | None) -> Operation:
        """Delete ``stage``, moving its deals to ``target`` (one ``move_deal`` per deal, so it
        runs in the background)."""
        actor = self.context.user
        self.stage_controls.setEnabled(False)
        self.context.message.emit(f"Deleting the stage {stage.name}…")

        def done(moved: int) -> None:
            self.context.message.emit(
                f"Deleted the stage {stage.name}"
                + (f"; {moved} deal(s) moved to {target.name}." if moved else ".")
            )
            for table in ("stage", "deal"):
                self.context.records_changed.emit(table)

        def failed(error: BaseException) -> None:
            if is_known_failure(error):
                self.last_failure = show_failure(self, "Could not delete the stage", error)
            else:
                sys.excepthook(type(error), error, error.__traceback__)
            self.refresh()

        operation = Operation(
            self,
            lambda _task: pipelines.delete_stage(actor, stage, move_deals_to=target, reason=reason),
            on_success=done,
            on_failure=failed,
            title="delete the stage",
        )
        operation.finished.connect(lambda: self.stage_controls.setEnabled(True))
        self.deleting = operation
        return operation.run()
