"""Add or edit a custom notification rule: which records (kind and filter), on which
triggers, delivered how."""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktopcrm.models.notifications import Delivery, Trigger
from desktopcrm.qt import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desktopcrm.services.errors import ServiceError
from desktopcrm.views.context import AppContext
from desktopcrm.views.lists.filter_panel import FilterPanel

if TYPE_CHECKING:
    from desktopcrm.models.notifications import NotificationRule

KINDS = (("deal", "Deals"), ("lead", "Leads"), ("person", "People"), ("company", "Companies"))
DELIVERIES = (Delivery.DESKTOP, Delivery.APP, Delivery.OFF)
ENTITIES = {"deal": "deal", "lead": "lead", "person": "contact", "company": "contact"}


class RuleDialog(QDialog):
    """Args:
    context: the workspace (rules are its user's own).
    rule: the rule to edit; None adds one.
    """

    saved = Signal(object)  # the rule

    def __init__(
        self,
        context: AppContext,
        parent: QWidget | None = None,
        *,
        rule: NotificationRule | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.rule = rule
        self.setObjectName("RuleDialog")
        self.setWindowTitle("Edit notification rule" if rule else "New notification rule")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setMinimumWidth(720)
        self.name = QLineEdit()
        self.name.setObjectName("RuleName")
        self.name.setPlaceholderText("e.g. Big deals moving")
        self.kind = QComboBox()
        self.kind.setObjectName("RuleKind")
        for value, label in KINDS:
            self.kind.addItem(label, value)
        self.filters = FilterPanel()
        self.filters.setObjectName("RuleFilters")
        self.filters.hint.setText("Only records that match every condition notify you.")
        self.trigger_boxes: dict[Trigger, QCheckBox] = {}
        triggers = QHBoxLayout()
        triggers.setSpacing(16)
        for trigger in Trigger:
            box = QCheckBox()
            box.setObjectName(f"trigger-{trigger.value}")
            self.trigger_boxes[trigger] = box
            triggers.addWidget(box)
        triggers.addStretch(1)
        self.delivery = QComboBox()
        self.delivery.setObjectName("RuleDelivery")
        for delivery in DELIVERIES:
            self.delivery.addItem(delivery.label, delivery.value)
        self.error = QLabel()
        self.error.setObjectName("FormError")
        self.error.setWordWrap(True)
        self.error.hide()
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Watch", self.kind)
        form.addRow("Which", self.filters)
        form.addRow("When", triggers)
        form.addRow("Deliver as", self.delivery)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self._fill()

    def _fill(self) -> None:
        from desktopcrm.services import notifications

        rule = self.rule
        if rule is None:
            self._kind_changed()
            self.trigger_boxes[Trigger.CREATED].setChecked(True)
            return
        self.name.setText(rule.name)
        self.kind.setCurrentIndex(max(self.kind.findData(rule.kind), 0))
        self._kind_changed()
        self.filters.set_filters(list(notifications.rule_spec(rule).filters))
        for trigger, box in self.trigger_boxes.items():
            box.setChecked(trigger in rule.trigger_set)
        self.delivery.setCurrentIndex(max(self.delivery.findData(rule.delivery), 0))

    def current_kind(self) -> str:
        return str(self.kind.currentData())

    def _kind_changed(self) -> None:
        from desktopcrm.models.records import RecordKind
        from desktopcrm.views.lists.columns import load_lookups
        from desktopcrm.views.lists.filters import filter_fields

        kind = self.current_kind()
        lookups = load_lookups(RecordKind(ENTITIES[kind]))  # small tables
        self.filters.clear()
        self.filters.set_fields(filter_fields(kind, lookups))
        for trigger, box in self.trigger_boxes.items():
            box.setText(trigger.label_for(kind))

    def save(self) -> None:
        from desktopcrm.services import notifications

        triggers = [t for t, box in self.trigger_boxes.items() if box.isChecked()]
        try:
            rule = notifications.save_rule(
                self.context.user,
                self.rule,
                name=self.name.text(),
                kind=self.current_kind(),
                filters=self.filters.filters(),
                triggers=triggers,
                delivery=str(self.delivery.currentData()),
            )
        except ServiceError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        self.saved.emit(rule)
        self.accept()
