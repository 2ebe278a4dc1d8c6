"""The notification centre in the window: the bell's count, the panel, opening a record,
marking read, desktop messages through the tray or the fallback without one, reminders."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from desktopcrm.models.notifications import Delivery, NotificationKind
from desktopcrm.qt import QSystemTrayIcon, Qt
from desktopcrm.services import leads, notification_rules, notifications, tasks, users
from desktopcrm.views.context import AppContext
from desktopcrm.views.main_window import MainWindow
from desktopcrm.views.notifications.centre import NotificationCentre
from desktopcrm.views.notifications.model import UNREAD_ROLE
from desktopcrm.views.notifications.tray import TrayNotifier
from desktopcrm.views.reminder_popup import ReminderPopup
from desktopcrm.views.reminders import ReminderScheduler

NOW = dt.datetime(2026, 3, 10, 12, 0)


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def started(qtbot: Any, window: MainWindow, tray: TrayNotifier | None = None) -> NotificationCentre:
    centre = NotificationCentre(
        window.context,
        window,
        tray=tray or TrayNotifier(window, available=False),
        interval_ms=3_600_000,
        clock=Clock(NOW),
    )
    with qtbot.waitSignal(centre.updated):
        centre.start()
    return centre


def check(qtbot: Any, centre: NotificationCentre) -> None:
    with qtbot.waitSignal(centre.updated):
        centre.check()


def assign_leads(context: AppContext, *names: str) -> list[Any]:
    """Another user (an admin colleague) creates leads owned by the window's user."""
    boss = users.create_user(context.user, "Bea Boss", profile=users.Profile.ADMIN)
    return [
        leads.create_lead(boss, last_name=name, owner=context.user, check_duplicates=False)
        for name in names
    ]


def test_bell_counts_and_the_panel_opens_the_record(
    qtbot: Any, window: MainWindow, qtmodeltester: Any
) -> None:
    centre = started(qtbot, window)
    assert centre.bell.parent() is window.top_bar and centre.bell.isVisible()
    assert centre.bell.badge_text() == ""
    first, second = assign_leads(window.context, "Lind", "Moreau")
    check(qtbot, centre)
    assert centre.bell.badge_text() == "2"
    assert centre.bell.accessibleName() == "Notifications, 2 unread"
    assert not centre.tray.available and centre.tray.shown == []  # the centre is the fallback
    qtbot.mouseClick(centre.bell, Qt.MouseButton.LeftButton)
    panel = centre.panel
    assert panel is not None and panel.isVisible()
    qtmodeltester.check(panel.model)
    assert [panel.model.index(r, 0).data() for r in range(2)] == [
        "Lead assigned to you: Moreau",
        "Lead assigned to you: Lind",
    ]
    assert panel.model.index(0, 0).data(UNREAD_ROLE) is True
    assert panel.list.isVisible() and not panel.empty.isVisible()
    # a click marks it read and opens the lead's page
    rect = panel.list.visualRect(panel.model.index(1, 0))
    qtbot.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.current_record is not None
    assert (window.current_record.kind.value, window.current_record.record_id) == (
        "lead",
        first.id,
    )
    assert not panel.isVisible()
    assert centre.bell.badge_text() == "1"
    assert notifications.unread_count(window.context.user) == 1
    assert panel.model.index(1, 0).data(UNREAD_ROLE) is False
    # mark all read
    centre.open_panel()
    assert panel.mark_all.isEnabled()
    qtbot.mouseClick(panel.mark_all, Qt.MouseButton.LeftButton)
    assert centre.bell.badge_text() == "" and not panel.mark_all.isEnabled()
    assert notifications.unread_count(window.context.user) == 0
    # nothing twice: checking again adds nothing
    check(qtbot, centre)
    assert panel.model.rowCount() == 2 and second.id


def test_the_panel_says_when_there_is_nothing(qtbot: Any, window: MainWindow) -> None:
    centre = started(qtbot, window)
    panel = centre.open_panel()
    assert panel.model.rowCount() == 0
    assert panel.empty.isVisible() and not panel.list.isVisible()
    assert "No notifications yet" in panel.empty.text()
    qtbot.mouseClick(panel.settings_button, Qt.MouseButton.LeftButton)
    assert window.current_key == "settings"
    screen = window.screen_widget("settings")
    assert screen.sections.currentItem().text() == "Notifications"  # type: ignore[attr-defined]


def test_other_apps_changes_are_checked_when_the_database_changes(
    qtbot: Any, window: MainWindow
) -> None:
    centre = started(qtbot, window)
    assign_leads(window.context, "Quinn")
    with qtbot.waitSignal(centre.posted) as posted:
        window.context.database_changed.emit()  # what the presence monitor says
    assert [e.title for e in posted.args[0]] == ["Lead assigned to you: Quinn"]
    assert centre.bell.badge_text() == "1"


@pytest.mark.qt_log_ignore(
    r"QObject::connect: No such signal QPlatformNativeInterface",
    r"^This plugin does not support (raise\(\)|grabbing the keyboard)$",
)
def test_desktop_messages_through_the_tray(qtbot: Any, window: MainWindow) -> None:
    # The offscreen platform has no tray; the icon is real, the desktop just does not show it.
    tray = TrayNotifier(window, available=True)
    assert isinstance(tray.icon, QSystemTrayIcon)
    centre = started(qtbot, window, tray)
    notifications.set_preference(window.context.user, NotificationKind.DEAL_ASSIGNED, Delivery.APP)
    assign_leads(window.context, "Ng")
    check(qtbot, centre)
    assert tray.shown == [("Lead assigned to you: Ng", "by Bea Boss")]
    boss = next(u for u in users.list_users() if u.name == "Bea Boss")
    for name in ("Ada", "Bo", "Cy", "Di"):
        leads.create_lead(boss, last_name=name, owner=window.context.user, check_duplicates=False)
    from desktopcrm.services import deals

    deals.create_deal(boss, "In-app only", owner=window.context.user)
    check(qtbot, centre)
    title, text = tray.shown[-1]
    assert title == "4 new notifications"  # the deal is in the centre, not on the desktop
    assert text.splitlines()[-1] == "…and 1 more"
    assert centre.bell.badge_text() == "6"
    tray.clicked.emit()  # the user clicks the message
    assert centre.panel is not None and centre.panel.isVisible()


def test_reminders_go_to_the_centre_per_preference(qtbot: Any, window: MainWindow) -> None:
    clock = Clock(NOW)
    context = window.context
    centre = started(qtbot, window)
    centre.clock = clock
    scheduler = ReminderScheduler(context, window, clock=clock)
    scheduler.notifier = centre
    tasks.create_task(
        context.user, "Call Lind", due_at=NOW + dt.timedelta(minutes=15), reminder="15m"
    )
    scheduler.start()
    assert centre.bell.badge_text() == "1"
    assert centre.model.entries[0].title == "Task due: Call Lind"
    assert centre.model.entries[0].body == "Due today " + _clock(NOW + dt.timedelta(minutes=15))
    assert isinstance(scheduler.popup, ReminderPopup) and scheduler.popup.isVisible()
    scheduler.popup.close()
    # reminders switched off: claimed (never shown later) but neither listed nor shown
    notifications.set_preference(context.user, NotificationKind.TASK_REMINDER, Delivery.OFF)
    tasks.create_task(context.user, "Quiet", due_at=NOW + dt.timedelta(minutes=30), reminder="0m")
    clock.now = NOW + dt.timedelta(minutes=30)
    assert scheduler.fire() == []
    assert centre.bell.badge_text() == "1"
    assert notification_rules.evaluate(context.user) == []


def _clock(at: dt.datetime) -> str:
    from desktopcrm.views.local_time import to_local

    local = to_local(at)
    return f"{local.hour}:{local.minute:02d}"
