"""The notification centre of a window: evaluates new notifications in the background, keeps
the bell's count, the panel's entries and the tray's desktop messages up to date.

``NotificationCentre(context, window).start()`` (from ``Startup`` once the workspace is
attached, after the first paint) puts the bell in the top bar and checks at once, then every
``POLL_MS`` and soon after another app commits (``database_changed``). Each check is one
``Operation``: ``notification_rules.evaluate`` (other people's changes since this user's
cursor), the sync problems of the user's mail accounts (``services.sync_notifications``)
and the centre's newest entries. The reminder scheduler hands its reminders to
``reminders()``, which posts them per the user's preferences; background work (imports,
exports) posts its own and hands them over through ``context.notified``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from desktopcrm.qt import QObject, QTimer, Signal, is_alive
from desktopcrm.services.notifications import Entry
from desktopcrm.views.context import AppContext
from desktopcrm.views.local_time import describe_due, utc_now
from desktopcrm.views.notifications.bell import BellButton
from desktopcrm.views.notifications.model import NotificationListModel
from desktopcrm.views.notifications.tray import TrayNotifier
from desktopcrm.views.operations import Operation, Task, failure_text
from desktopcrm.views.theme import ThemeManager, tokens

if TYPE_CHECKING:
    from desktopcrm.views.main_window import MainWindow
    from desktopcrm.views.notifications.panel import NotificationPanel

log = logging.getLogger("desktopcrm.views.notifications")

#: How often the change log is checked for other people's changes.
POLL_MS = 10_000
#: Entries the panel lists.
SHOWN = 50


@dataclass(frozen=True)
class CentreState:
    added: list[Entry]
    unread: int
    recent: list[Entry]


def panel_style(scheme: str) -> str:
    c = tokens(scheme)
    return f"""
QFrame#NotificationPanel {{ background: {c["surface"]}; border: 1px solid {c["border_strong"]}; }}
QListView#NotificationList {{ background: {c["surface"]}; border: none; }}
QLabel#PanelTitle {{ font-size: 15px; font-weight: 600; color: {c["text"]}; }}
QLabel#NotificationsEmpty {{ color: {c["text_muted"]}; }}
"""


class NotificationCentre(QObject):
    """Args:
    context: the workspace and its signals.
    window: the main window (its top bar gets the bell; records open in it).
    tray: the desktop messages (default: the tray when the desktop has one).
    interval_ms: how often to check.
    clock: naive UTC now, for the entries' ages and reminder times.
    """

    updated = Signal()  # the count and the entries were read again
    posted = Signal(list)  # entries just added (list[Entry])

    def __init__(
        self,
        context: AppContext,
        window: MainWindow,
        *,
        tray: TrayNotifier | None = None,
        interval_ms: int = POLL_MS,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        super().__init__(window)
        self.context = context
        self.window = window
        self.clock = clock
        self.tray = tray if tray is not None else TrayNotifier(self)
        self.tray.clicked.connect(self._tray_clicked)
        self.model = NotificationListModel(clock)
        self.bell = BellButton()
        self.bell.clicked.connect(self.toggle_panel)
        self.panel: NotificationPanel | None = None
        self.unread = 0
        self.operation: Operation | None = None
        self._again = False
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.check)
        self._soon = QTimer(self)
        self._soon.setSingleShot(True)
        self._soon.setInterval(300)
        self._soon.timeout.connect(self.check)

    # ---- life ----------------------------------------------------------------

    def start(self) -> Operation | None:
        """Put the bell in the top bar, check now and from time to time."""
        self.window.top_bar.add_tool(self.bell)
        self.context.database_changed.connect(self._soon.start)
        self.context.database_reopened.connect(self.check)
        self.context.user_changed.connect(self._user_changed)
        self.context.notified.connect(self.add)
        self.timer.start()
        return self.check()

    def stop(self) -> None:
        self.timer.stop()
        self._soon.stop()
        self.tray.hide()

    def _user_changed(self) -> None:
        self.model.set_entries([])
        self._set_unread(0)
        self.check()

    # ---- checking ------------------------------------------------------------

    def check(self) -> Operation | None:
        """Evaluate new notifications and read the centre, in the background."""
        if not self.context.database_open:
            return None
        if self.operation is not None and self.operation.running:
            self._again = True
            return self.operation
        user = self.context.user

        def work(_task: Task) -> CentreState:
            from desktopcrm.services import notification_rules, notifications
            from desktopcrm.services.sync_notifications import check_accounts

            added = notification_rules.evaluate(user) + check_accounts(user)
            return CentreState(
                added, notifications.unread_count(user), notifications.recent(user, SHOWN)
            )

        self.operation = Operation(
            self, work, on_success=self._checked, on_failure=self._failed, title="notifications"
        ).run()
        return self.operation

    def _checked(self, state: CentreState) -> None:
        self.model.set_entries(state.recent)
        self._set_unread(state.unread)
        if state.added:
            self._deliver(state.added)
        self.updated.emit()
        if self._again:
            self._again = False
            QTimer.singleShot(0, self.check)

    def _failed(self, error: BaseException) -> None:
        log.warning("notifications: %s", error)
        self.context.message.emit(f"Could not check notifications: {failure_text(error)}")

    def _deliver(self, added: Sequence[Entry]) -> None:
        log.info("%d new notifications", len(added))
        self.tray.notify(added)
        self.posted.emit(list(added))

    def _set_unread(self, count: int) -> None:
        self.unread = count
        self.bell.set_unread(count)

    # ---- posting from this app -----------------------------------------------

    def reminders(self, due: Sequence[Any]) -> list[Any]:
        """Post reminders just claimed (``DueReminder``) per the user's preferences; returns
        those to show in the Reminders window (their kind is not off)."""
        from desktopcrm.services import notifications

        now = self.clock()
        added, shown = notifications.post_reminders(
            self.context.user, due, describe=lambda r: _reminder_text(r, now)
        )
        if added:
            self.add(added)
        return shown

    def add(self, added: Sequence[Entry]) -> None:
        """Show entries this app just posted (newest first in the panel); also what
        ``context.notified`` brings (imports, exports)."""
        if not added:
            return
        shown = {e.id for e in self.model.entries}  # a check may have read them meanwhile
        new = [e for e in added if e.id not in shown]
        self.model.set_entries([*reversed(new), *self.model.entries][:SHOWN])
        self._set_unread(self.unread + sum(1 for e in new if not e.read))
        self._deliver(added)

    # ---- the panel -----------------------------------------------------------

    def open_panel(self) -> NotificationPanel:
        from desktopcrm.views.notifications.panel import NotificationPanel

        panel = self.panel
        if panel is None or not is_alive(panel):
            panel = NotificationPanel(self.model, self.window)
            panel.setStyleSheet(panel_style(ThemeManager.current_scheme()))
            if self.context.theme is not None:
                self.context.theme.changed.connect(
                    lambda scheme, p=panel: is_alive(p) and p.setStyleSheet(panel_style(scheme))
                )
            panel.activated.connect(self.activate)
            panel.mark_all_requested.connect(self.mark_all_read)
            panel.settings_requested.connect(self._open_settings)
            self.panel = panel
        panel.update_state()
        panel.open_below(self.bell)
        return panel

    def toggle_panel(self) -> None:
        if self.panel is not None and is_alive(self.panel) and self.panel.isVisible():
            self.panel.hide()
        else:
            self.open_panel()

    def activate(self, entry: Entry) -> None:
        """Mark ``entry`` read and open its record."""
        from desktopcrm.services import notifications

        if not entry.read and notifications.mark_read(self.context.user, [entry.id]):
            self._set_unread(self.unread - 1)
        self.model.mark_read([entry.id])
        if self.panel is not None and is_alive(self.panel):
            self.panel.hide()
        if entry.record_type == "import_run":  # an import: its run, undo and report
            self.window.show_screen("settings", "import-export")
        elif entry.record_type and entry.record_id:
            self.context.open_record.emit(entry.record_type, entry.record_id.hex)

    def mark_all_read(self) -> None:
        from desktopcrm.services import notifications

        notifications.mark_all_read(self.context.user)
        self.model.mark_read()
        self._set_unread(0)

    def _open_settings(self) -> None:
        if self.panel is not None:
            self.panel.hide()
        self.window.show_screen("settings", "notifications")

    def _tray_clicked(self) -> None:
        self.window.showNormal()
        self.window.raise_()
        self.window.activateWindow()
        self.open_panel()


def _reminder_text(reminder: Any, now: dt.datetime) -> str:
    word = "Due" if reminder.item_type == "task" else "Starts"
    when = describe_due(reminder.due_at, now)
    if when.split(" ")[0] in ("Today", "Tomorrow", "Yesterday"):
        when = when[0].lower() + when[1:]
    return f"{word} {when}"
