"""Reminders while the app runs: one QTimer armed for the next reminder only.

At start, ``ReminderScheduler.start()`` shows the reminders missed while the app was closed or
the machine slept (each once: ``services.reminders.take_due`` records what it returns), then
arms the timer for the next one. When it fires, the due reminders are shown and the timer is
armed again. Any change to tasks or appointments, here or from another app, re-arms it; the
timer never waits longer than ``MAX_WAIT`` so a clock change or a long sleep is caught up.
The clock is a parameter: tests drive it without sleeping.

To run in the app, the start-up code creates one per window once the workspace is attached:
``ReminderScheduler(context, window).start()``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from typing import Protocol

from desktopcrm.qt import QObject, Qt, QTimer, QWidget, Signal, is_alive
from desktopcrm.services.reminders import DueReminder
from desktopcrm.views.context import AppContext
from desktopcrm.views.local_time import utc_now

log = logging.getLogger("desktopcrm.views.reminders")


class Notifier(Protocol):
    def reminders(self, due: Sequence[DueReminder]) -> list[DueReminder]: ...


#: The longest the timer waits before looking again.
MAX_WAIT = dt.timedelta(hours=1)


class ReminderScheduler(QObject):
    """Args:
    context: the workspace (its user's reminders) and its change signals.
    window: where the reminders are shown (None: only the ``due`` signal).
    clock: naive UTC now (tests pass a controllable one).
    """

    due = Signal(list)  # list[DueReminder], shown now

    def __init__(
        self,
        context: AppContext,
        window: QWidget | None = None,
        *,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        super().__init__(window)
        self.context = context
        self.window = window
        self.clock = clock
        self.next_at: dt.datetime | None = None
        self.popup: QWidget | None = None
        #: Posts reminders to the notification centre per the user's preferences and returns
        #: those to show (``NotificationCentre``); None shows them all.
        self.notifier: Notifier | None = None
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)  # a coarse one may be minutes late
        self.timer.timeout.connect(self.fire)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(200)
        self._debounce.timeout.connect(self.arm)

    def start(self) -> None:
        """Show what was missed, arm the timer and follow changes."""
        self.context.records_changed.connect(self._changed)
        self.context.database_changed.connect(self._debounce.start)
        self.context.user_changed.connect(self.fire)
        self.context.database_reopened.connect(self.fire)
        self.fire()

    def stop(self) -> None:
        self.timer.stop()
        self._debounce.stop()

    def _changed(self, table: str) -> None:
        if table in ("task", "appointment"):
            self._debounce.start()

    def arm(self) -> None:
        """Arm the one timer for the next reminder (or ``MAX_WAIT``, whichever is sooner)."""
        from desktopcrm.services.reminders import next_reminder_at

        if not self.context.database_open:
            return
        now = self.clock()
        self.next_at = next_reminder_at(self.context.user, now)
        wait = MAX_WAIT if self.next_at is None else min(self.next_at - now, MAX_WAIT)
        self.timer.start(max(int(wait.total_seconds() * 1000), 0))

    def fire(self) -> list[DueReminder]:
        """Show the reminders due now (not shown before) and arm for the next."""
        from desktopcrm.services.reminders import take_due

        if not self.context.database_open:
            return []
        shown = take_due(self.context.user, self.clock())
        if shown and self.notifier is not None:
            shown = self.notifier.reminders(shown)
        if shown:
            log.info("showing %d reminders", len(shown))
            self.due.emit(shown)
            self.show(shown)
        self.arm()
        return shown

    def show(self, reminders: list[DueReminder]) -> None:
        if self.window is None:
            return
        from desktopcrm.views.reminder_popup import ReminderPopup

        popup = self.popup
        if popup is None or not is_alive(popup):
            popup = ReminderPopup(self.context, self.window, clock=self.clock)
            self.popup = popup
        assert isinstance(popup, ReminderPopup)
        popup.add(reminders)
        popup.show()
        popup.raise_()
        self.context.message.emit(
            f"Reminder: {reminders[0].title}"
            + (f" and {len(reminders) - 1} more" if len(reminders) > 1 else "")
        )
