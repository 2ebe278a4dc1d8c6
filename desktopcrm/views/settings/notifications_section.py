"""Settings › Notifications: how each predefined notification reaches you, and your own
rules. Each user sets their own; nothing here changes anyone else's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktopcrm.models.notifications import PREDEFINED, Delivery, NotificationKind
from desktopcrm.qt import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    Qt,
    QWidget,
)
from desktopcrm.services.errors import ServiceError
from desktopcrm.views.context import AppContext
from desktopcrm.views.icons import icon
from desktopcrm.views.notifications.tray import tray_available
from desktopcrm.views.settings.rule_dialog import DELIVERIES, KINDS, RuleDialog
from desktopcrm.views.settings.widgets import Card, SectionPage, note

if TYPE_CHECKING:
    from desktopcrm.models.notifications import NotificationRule

RULE_ROLE = Qt.ItemDataRole.UserRole
NO_TRAY = (
    "This desktop shows no tray icon, so desktop notifications cannot pop up here: they "
    "appear in the notification centre (the bell at the top right) instead."
)


def rule_summary(rule: NotificationRule) -> str:
    """'Deals · Stage changed, Task added · 2 conditions · Desktop notification'."""
    from desktopcrm.services import notifications

    kind = dict(KINDS).get(str(rule.kind), str(rule.kind))
    triggers = ", ".join(t.label_for(str(rule.kind)) for t in sorted(rule.trigger_set))
    count = len(notifications.rule_spec(rule).filters)
    which = f"{count} condition{'s' if count != 1 else ''}" if count else "all you can see"
    return f"{kind} · {triggers} · {which} · {Delivery(rule.delivery).label}"


class NotificationsSection(SectionPage):
    """Args:
    tray: whether the desktop shows tray messages (default: ask it).
    """

    def __init__(
        self, context: AppContext, parent: QWidget | None = None, *, tray: bool | None = None
    ) -> None:
        super().__init__(
            "Notifications",
            "What you are told about, and how: a desktop notification (also listed under the "
            "bell), only under the bell, or not at all. Changes you make yourself never "
            "notify you.",
            parent,
        )
        self._context = context
        self.dialog: RuleDialog | None = None
        self.tray = tray_available() if tray is None else tray
        self.tray_hint = note(NO_TRAY)
        self.tray_hint.setObjectName("TrayHint")
        self.tray_hint.setVisible(not self.tray)
        self.add(self.tray_hint)

        card = Card("Notify me when", "Each is your own choice.")
        grid = QGridLayout()
        grid.setHorizontalSpacing(24)
        grid.setVerticalSpacing(8)
        self.combos: dict[NotificationKind, QComboBox] = {}
        for row, kind in enumerate(PREDEFINED):
            label = QLabel(kind.label)
            combo = QComboBox()
            combo.setObjectName(f"delivery-{kind.value}")
            combo.setAccessibleName(kind.label)
            for delivery in DELIVERIES:
                combo.addItem(delivery.label, delivery.value)
            combo.currentIndexChanged.connect(lambda _i, k=kind: self._choose(k))
            label.setBuddy(combo)
            grid.addWidget(label, row, 0)
            grid.addWidget(combo, row, 1)
            self.combos[kind] = combo
        grid.setColumnStretch(2, 1)
        card.body.addLayout(grid)
        self.sync_note = note("Sync problems are reported once Google accounts can be connected.")
        card.body.addWidget(self.sync_note)
        self.error = QLabel()
        self.error.setObjectName("FieldError")
        self.error.setWordWrap(True)
        self.error.hide()
        card.body.addWidget(self.error)
        self.add(card)

        rules = Card(
            "My rules",
            "Be told about deals, leads, people or companies that match a filter, when they "
            "are created, change stage or status, get a task, or change owner.",
        )
        self.rule_list = QListWidget()
        self.rule_list.setObjectName("RuleList")
        self.rule_list.setAccessibleName("My notification rules")
        self.rule_list.setMinimumHeight(140)
        self.rule_list.itemDoubleClicked.connect(lambda _item: self.edit_rule())
        self.rule_list.currentRowChanged.connect(self._selection_changed)
        rules.body.addWidget(self.rule_list)
        self.empty = note("No rules yet. Add one to follow what matters to you.")
        self.empty.setObjectName("RulesEmpty")
        rules.body.addWidget(self.empty)
        buttons = QHBoxLayout()
        self.add_button = QPushButton(icon("add"), "Add rule…")
        self.add_button.setObjectName("AddRule")
        self.add_button.clicked.connect(self.add_rule)
        self.edit_button = QPushButton("Edit…")
        self.edit_button.setObjectName("EditRule")
        self.edit_button.clicked.connect(self.edit_rule)
        self.delete_button = QPushButton("Delete")
        self.delete_button.setObjectName("DeleteRule")
        self.delete_button.setProperty("danger", True)
        self.delete_button.clicked.connect(self.delete_rule)
        for button in (self.add_button, self.edit_button, self.delete_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        rules.body.addLayout(buttons)
        self.add(rules)
        context.user_changed.connect(self.reload)
        context.database_reopened.connect(self.reload)
        self.reload()

    def reload(self) -> None:
        from desktopcrm.services import notifications

        user = self._context.user
        for kind, delivery in notifications.preferences(user).items():
            combo = self.combos[kind]
            combo.blockSignals(True)
            combo.setCurrentIndex(combo.findData(delivery.value))
            combo.blockSignals(False)
        self.rule_list.clear()
        for rule in notifications.rules(user):
            item = QListWidgetItem(f"{rule.name}\n{rule_summary(rule)}")
            item.setData(RULE_ROLE, rule)
            self.rule_list.addItem(item)
        has_rules = self.rule_list.count() > 0
        self.rule_list.setVisible(has_rules)
        self.empty.setVisible(not has_rules)
        if has_rules:
            self.rule_list.setCurrentRow(0)
        self._selection_changed()

    def _choose(self, kind: NotificationKind) -> None:
        from desktopcrm.services import notifications

        value = str(self.combos[kind].currentData())
        try:
            notifications.set_preference(self._context.user, kind, value)
        except ServiceError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        self.error.hide()
        self._context.message.emit(f"{kind.label}: {Delivery(value).label.lower()}")

    def current_rule(self) -> NotificationRule | None:
        item = self.rule_list.currentItem()
        return item.data(RULE_ROLE) if item is not None and not self.rule_list.isHidden() else None

    def _selection_changed(self) -> None:
        chosen = self.current_rule() is not None
        self.edit_button.setEnabled(chosen)
        self.delete_button.setEnabled(chosen)

    def add_rule(self) -> RuleDialog:
        return self._open(None)

    def edit_rule(self) -> RuleDialog | None:
        rule = self.current_rule()
        return self._open(rule) if rule is not None else None

    def _open(self, rule: NotificationRule | None) -> RuleDialog:
        dialog = RuleDialog(self._context, self, rule=rule)
        dialog.saved.connect(lambda _rule: self.reload())
        self.dialog = dialog
        dialog.open()
        return dialog

    def delete_rule(self) -> None:
        from desktopcrm.services import notifications

        rule = self.current_rule()
        if rule is None:
            return
        answer = QMessageBox.question(
            self, "Delete rule", f"Delete the rule “{rule.name}”? You will no longer be told."
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            notifications.delete_rule(self._context.user, rule)
        except ServiceError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        self.reload()
