"""Settings › Notifications: predefined deliveries, the no-tray fallback message, and a custom
rule written in the editor that then fires from another user's change."""

from __future__ import annotations

from typing import Any

from desktopcrm.models.notifications import Delivery, NotificationKind, NotificationRule, Trigger
from desktopcrm.models.records import Stage
from desktopcrm.qt import QMessageBox, Qt
from desktopcrm.services import deals, notification_rules, notifications, users
from desktopcrm.services.lists import Filter
from desktopcrm.views.context import AppContext
from desktopcrm.views.settings.notifications_section import NO_TRAY, NotificationsSection
from desktopcrm.views.settings.rule_dialog import RuleDialog


def section(qtbot: Any, context: AppContext, tray: bool = False) -> NotificationsSection:
    page = NotificationsSection(context, tray=tray)
    qtbot.addWidget(page)
    page.show()
    return page


def test_deliveries_are_each_users_own(qtbot: Any, context: AppContext) -> None:
    page = section(qtbot, context)
    combo = page.combos[NotificationKind.DEAL_ASSIGNED]
    assert combo.currentData() == "desktop"
    combo.setCurrentIndex(combo.findData("off"))
    assert notifications.preferences(context.user)[NotificationKind.DEAL_ASSIGNED] is Delivery.OFF
    other = users.create_user(context.user, "Olga Other")
    assert notifications.preferences(other)[NotificationKind.DEAL_ASSIGNED] is Delivery.DESKTOP
    context.switch_user(other)
    assert combo.currentData() == "desktop"


def test_without_a_tray_the_section_says_where_they_go(qtbot: Any, context: AppContext) -> None:
    page = section(qtbot, context, tray=False)
    assert page.tray_hint.isVisible() and page.tray_hint.text() == NO_TRAY
    with_tray = section(qtbot, context, tray=True)
    assert not with_tray.tray_hint.isVisible()


def test_a_rule_written_in_the_editor_fires(qtbot: Any, context: AppContext) -> None:
    me = context.user
    notification_rules.start_cursor(me)
    page = section(qtbot, context)
    assert page.empty.isVisible() and not page.edit_button.isEnabled()
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    assert isinstance(dialog, RuleDialog) and dialog.isVisible()
    # nothing typed: the dialog says what is missing and stays open
    dialog.trigger_boxes[Trigger.CREATED].setChecked(False)
    qtbot.keyClicks(dialog.name, "Quotes")
    dialog.buttons.accepted.emit()
    assert dialog.isVisible() and "Tick at least one trigger" in dialog.error.text()
    # deals in the Quote stage, when their stage changes or they get a task; in the app only
    assert dialog.current_kind() == "deal"
    assert dialog.trigger_boxes[Trigger.STAGE_CHANGED].text() == "Stage changed"
    quote = Stage.get(Stage.name.startswith("Quote"))
    dialog.filters.add_condition()
    row = dialog.filters.rows[0]
    row.field_combo.setCurrentIndex(row.field_combo.findData("stage"))
    row.choice_combo.setCurrentIndex(row.choice_combo.findData(str(quote.id)))
    dialog.trigger_boxes[Trigger.STAGE_CHANGED].setChecked(True)
    dialog.trigger_boxes[Trigger.TASK_ADDED].setChecked(True)
    dialog.delivery.setCurrentIndex(dialog.delivery.findData("app"))
    dialog.buttons.accepted.emit()
    assert not dialog.isVisible()
    rule = NotificationRule.get()
    assert (rule.name, rule.kind, rule.delivery) == ("Quotes", "deal", "app")
    assert rule.trigger_set == {Trigger.STAGE_CHANGED, Trigger.TASK_ADDED}
    assert page.rule_list.count() == 1 and not page.empty.isVisible()
    assert page.rule_list.item(0).text() == (
        "Quotes\nDeals · Stage changed, Task added · 1 condition · In the app only"
    )
    # someone else moves a deal to Quote: the rule fires
    colleague = users.create_user(me, "Carl Colleague", profile=users.Profile.ADMIN)
    deal = deals.create_deal(colleague, "Crane hire", 500)
    deals.move_deal(colleague, deal, quote)
    found = notification_rules.evaluate(me)
    assert [(e.title, e.delivery) for e in found] == [("Quotes: Crane hire", "app")]

    # edit it: leads instead, created; the labels follow the kind
    page.rule_list.setCurrentRow(0)
    dialog = page.edit_rule()
    assert dialog is not None and dialog.name.text() == "Quotes"
    assert [r.condition() for r in dialog.filters.rows] == [Filter("stage", "eq", str(quote.id))]
    dialog.kind.setCurrentIndex(dialog.kind.findData("lead"))
    assert dialog.trigger_boxes[Trigger.STAGE_CHANGED].text() == "Status changed"
    assert dialog.filters.filters() == []
    dialog.trigger_boxes[Trigger.CREATED].setChecked(True)
    dialog.buttons.accepted.emit()
    assert "Leads · Created, Stage changed" not in page.rule_list.item(0).text()
    assert page.rule_list.item(0).text().startswith("Quotes\nLeads · Created, Status changed")


def test_deleting_a_rule_asks_first(qtbot: Any, context: AppContext, monkeypatch: Any) -> None:
    notifications.save_rule(context.user, None, name="Mine", kind="lead", triggers=["created"])
    page = section(qtbot, context)
    assert page.rule_list.count() == 1 and page.delete_button.isEnabled()
    answers = iter([QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes])
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: next(answers))
    qtbot.mouseClick(page.delete_button, Qt.MouseButton.LeftButton)
    assert notifications.rules(context.user) != []
    qtbot.mouseClick(page.delete_button, Qt.MouseButton.LeftButton)
    assert notifications.rules(context.user) == []
    assert page.empty.isVisible() and not page.delete_button.isEnabled()
