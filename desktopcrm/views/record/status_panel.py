"""Where a record stands: a lead's status, a contact's prospect and customer status, a deal's
pipeline stage. Each change is a command saved at once through its service; a refusal (a
contact with an open deal cannot be a lost prospect...) is shown under the choice, in the
service's words, and the choice goes back to what is saved."""

from __future__ import annotations

from typing import Any

from desktopcrm.models.records import (
    Contact,
    CustomerStatus,
    Deal,
    Lead,
    ProspectStatus,
    StageKind,
)
from desktopcrm.qt import QComboBox, QDialog, QIcon, QLabel, QVBoxLayout, QWidget, Signal
from desktopcrm.services.errors import ServiceError
from desktopcrm.services.record_details import RecordDetails
from desktopcrm.views.context import AppContext
from desktopcrm.views.record.widgets import Card, colour_swatch, error_label, field_label


class StatusPanel(Card):
    """The status card of a record page; ``saved`` fires after a successful change."""

    saved = Signal(str)  # the table that changed

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__("Status", parent)
        self.setObjectName("Card")
        self._context = context
        self.details: RecordDetails | None = None
        self.reason_dialog: QDialog | None = None  # open while a lost/unqualified move waits
        self.content = QWidget()
        self.layout_ = QVBoxLayout(self.content)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.layout_.setSpacing(6)
        self.body.addWidget(self.content)
        self.error = error_label()
        self.error.setObjectName("FieldError")
        self.error.setAccessibleName("Status problem")
        self.body.addWidget(self.error)
        self.combos: dict[str, QComboBox] = {}
        self.info = QLabel()
        self.info.setObjectName("Muted")
        self.info.setWordWrap(True)
        self._kind: tuple[str, bool] | None = None

    # ---- building ----------------------------------------------------------

    def _combo(self, key: str, label: str) -> QComboBox:
        self.layout_.addWidget(field_label(label))
        combo = QComboBox()
        combo.setObjectName(f"status-{key}")
        combo.setAccessibleName(label)
        self.layout_.addWidget(combo)
        combo.activated.connect(lambda _i, k=key: self._chosen(k))
        self.combos[key] = combo
        return combo

    def show_details(self, details: RecordDetails) -> None:
        self.details = details
        record = details.record
        kind = (type(record).__name__, bool(getattr(record, "is_company", False)))
        if kind != self._kind:
            self._kind = kind
            self.combos.clear()
            while self.layout_.count():
                item = self.layout_.takeAt(0)
                widget = item.widget() if item is not None else None
                if widget is not None and widget is not self.info:
                    widget.deleteLater()
            if isinstance(record, Lead):
                self._combo("lead_status", "Lead status")
            elif isinstance(record, Contact):
                self._combo("prospect", "Prospect status")
                self._combo("customer", "Customer status")
            else:
                self._combo("stage", "Pipeline stage")
            self.layout_.addWidget(self.info)
        self._fill(details)

    def _fill(self, details: RecordDetails) -> None:
        record = details.record
        for combo in self.combos.values():
            combo.blockSignals(True)
            combo.clear()
        if isinstance(record, Lead):
            combo = self.combos["lead_status"]
            for status in details.lead_statuses:
                combo.addItem(
                    QIcon(colour_swatch(status.fg_color, status.bg_color)), status.name, status.id
                )
            self._select(combo, record.status_id)
            converted = record.converted_at is not None
            combo.setEnabled(not converted)
            self.info.setText(
                "Converted leads keep their last status."
                if converted
                else "Every new lead starts in New. Leads nobody could reach stay in New: "
                "reassign the owner instead."
            )
        elif isinstance(record, Contact):
            prospect, customer = self.combos["prospect"], self.combos["customer"]
            for prospect_status in ProspectStatus:
                prospect.addItem(prospect_status.label, prospect_status.value)
            for customer_status in CustomerStatus:
                customer.addItem(customer_status.label, customer_status.value)
            self._select(prospect, record.prospect_status)
            self._select(customer, record.customer_status)
            self.info.setText(
                "These follow the deals: an open deal makes a current prospect, a won deal a "
                "current customer. Set Past customer by hand."
            )
        elif isinstance(record, Deal):
            combo = self.combos["stage"]
            for choice in details.stages:
                prefix = f"{choice.pipeline.name} › " if len(_pipelines(details)) > 1 else ""
                combo.addItem(f"{prefix}{choice.stage.name}", choice.stage.id)
            self._select(combo, record.stage_id)
            self.info.setText(_deal_line(details))
        for combo in self.combos.values():
            combo.blockSignals(False)

    @staticmethod
    def _select(combo: QComboBox, value: Any) -> None:
        for index in range(combo.count()):
            if combo.itemData(index) == value:
                combo.setCurrentIndex(index)
                return

    # ---- commands ----------------------------------------------------------

    def _chosen(self, key: str) -> None:
        if self.details is None:
            return
        self.error.hide()
        combo = self.combos[key]
        value = combo.currentData()
        try:
            table = self._apply(key, value)
        except ServiceError as error:
            self.show_refusal(str(error))
            self._fill(self.details)
            return
        if table:
            self.saved.emit(table)

    def show_refusal(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    def _apply(self, key: str, value: Any) -> str | None:
        from desktopcrm.services import contacts, deals, leads

        assert self.details is not None
        user = self._context.user
        record = self.details.record
        if key == "lead_status":
            if value == record.status_id:
                return None
            status = next(s for s in self.details.lead_statuses if s.id == value)
            leads.set_lead_status(user, Lead.get_by_id(record.id), status)
            return "lead"
        if key == "prospect":
            if value == record.prospect_status:
                return None
            contacts.set_prospect_status(user, record, ProspectStatus(value))
            return "contact"
        if key == "customer":
            if value == record.customer_status:
                return None
            contacts.set_customer_status(user, record, CustomerStatus(value))
            return "contact"
        if value == record.stage_id:
            return None
        stage = next(c.stage for c in self.details.stages if c.stage.id == value)
        if stage.kind in (StageKind.LOST.value, StageKind.UNQUALIFIED.value):
            self._ask_reason(stage)  # the move happens when the dialog is accepted
            return None
        deals.move_deal(user, Deal.get_by_id(record.id), stage)
        return "deal"

    def _ask_reason(self, stage: Any) -> None:
        """Ask why (window-modal, without a nested event loop); move when accepted."""
        from desktopcrm.views.record.reason_dialog import ReasonDialog

        assert self.details is not None
        details = self.details
        dialog = ReasonDialog(stage, details.loss_reasons.get(stage.kind, []), self)
        self.reason_dialog = dialog

        def finished(result: int) -> None:
            self.reason_dialog = None
            dialog.deleteLater()
            if result != ReasonDialog.DialogCode.Accepted:
                self._fill(details)  # the combo goes back to the deal's stage
                return
            self._move_with_reason(stage, dialog.reasons.currentData(), dialog.note.text())

        dialog.finished.connect(finished)
        dialog.open()

    def _move_with_reason(self, stage: Any, reason: Any, note: str) -> None:
        from desktopcrm.services import deals

        if self.details is None:
            return
        try:
            deals.move_deal(
                self._context.user, Deal.get_by_id(self.details.record.id), stage, reason, note
            )
        except ServiceError as error:
            self.show_refusal(str(error))
            self._fill(self.details)
            return
        self.saved.emit("deal")


def _pipelines(details: RecordDetails) -> set[Any]:
    return {choice.pipeline.id for choice in details.stages}


def _deal_line(details: RecordDetails) -> str:
    deal = details.record
    stage = next((c.stage for c in details.stages if c.stage.id == deal.stage_id), None)
    if stage is None:
        return ""
    probability = deal.probability if deal.probability is not None else stage.probability
    text = f"Probability {probability}%"
    if deal.closed_at is not None:
        from desktopcrm.views.record.widgets import local_time

        text += f" · closed {local_time(deal.closed_at)}"
    if deal.loss_reason_id is not None:
        reasons = [r for rs in details.loss_reasons.values() for r in rs]
        reason = next((r.name for r in reasons if r.id == deal.loss_reason_id), "")
        if reason:
            text += f" · reason: {reason}"
        if deal.loss_note:
            text += f" ({deal.loss_note})"
    return text
