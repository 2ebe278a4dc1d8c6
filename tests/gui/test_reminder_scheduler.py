"""Reminders while the app runs, with a controllable clock: one timer armed for the next
reminder, shown at its time, missed ones shown once at start and never twice."""

from __future__ import annotations

import datetime as dt
from typing import Any

from desktopcrm.qt import QPushButton, QWidget
from desktopcrm.services import calendar, leads, tasks
from desktopcrm.views.context import AppContext
from desktopcrm.views.reminder_popup import ReminderPopup
from desktopcrm.views.reminders import MAX_WAIT, ReminderScheduler

NOW = dt.datetime(2026, 3, 10, 12, 0)


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def scheduler(qtbot: Any, context: AppContext, clock: Clock) -> ReminderScheduler:
    window = QWidget()
    qtbot.addWidget(window)
    return ReminderScheduler(context, window, clock=clock)


def test_arms_one_timer_for_the_next_reminder(qtbot: Any, context: AppContext) -> None:
    clock = Clock(NOW)
    tasks.create_task(context.user, "later", due_at=NOW + dt.timedelta(minutes=50), reminder="5m")
    tasks.create_task(context.user, "soon", due_at=NOW + dt.timedelta(minutes=20), reminder="15m")
    sched = scheduler(qtbot, context, clock)
    sched.start()
    assert sched.next_at == NOW + dt.timedelta(minutes=5)
    assert sched.timer.isActive() and 299_000 <= sched.timer.remainingTime() <= 300_000
    clock.now = NOW + dt.timedelta(minutes=5)
    with qtbot.waitSignal(sched.due) as shown:
        sched.timer.timeout.emit()
    assert [r.title for r in shown.args[0]] == ["soon"]
    assert sched.next_at == NOW + dt.timedelta(minutes=45)
    popup = sched.popup
    assert isinstance(popup, ReminderPopup) and popup.isVisible()
    assert [r.title for r in popup.reminders] == ["soon"]


def test_changes_rearm_the_timer(qtbot: Any, context: AppContext) -> None:
    clock = Clock(NOW)
    sched = scheduler(qtbot, context, clock)
    sched.start()
    assert sched.next_at is None
    assert sched.timer.remainingTime() > MAX_WAIT.total_seconds() * 1000 - 1000
    tasks.create_task(context.user, "new", due_at=NOW + dt.timedelta(hours=2), reminder="1h")
    context.records_changed.emit("task")
    qtbot.waitUntil(lambda: sched.next_at == NOW + dt.timedelta(hours=1), timeout=2000)
    # Never more than MAX_WAIT: a clock change or a long sleep is caught up.
    assert sched.timer.remainingTime() <= MAX_WAIT.total_seconds() * 1000


def test_missed_reminders_show_once_at_start(qtbot: Any, context: AppContext) -> None:
    lead = leads.create_lead(context.user, last_name="Rossi", check_duplicates=False)
    tasks.create_task(
        context.user, "call Rossi", due_at=NOW - dt.timedelta(hours=1), reminder="15m",
        record_type="lead", record_id=lead.id,
    )  # fmt: skip
    calendar.create_appointment(
        context.user, "demo", NOW - dt.timedelta(minutes=10), NOW + dt.timedelta(minutes=50),
        reminder="5m",
    )  # fmt: skip
    clock = Clock(NOW)
    first = scheduler(qtbot, context, clock)
    with qtbot.waitSignal(first.due) as shown:
        first.start()
    assert sorted(r.title for r in shown.args[0]) == ["call Rossi", "demo"]
    popup = first.popup
    assert isinstance(popup, ReminderPopup)
    open_button = next(b for b in popup.findChildren(QPushButton) if b.text() == "Open record")
    with qtbot.waitSignal(context.open_record) as opened:
        open_button.click()
    assert opened.args == ["lead", lead.id.hex]
    first.stop()
    # The app starts again (or a second window opens): nothing is shown twice.
    second = scheduler(qtbot, context, Clock(NOW + dt.timedelta(minutes=1)))
    assert second.fire() == []
    assert second.popup is None
