"""Gmail sync while the window is open: the ``SyncManager`` started after the first paint, its
status in the status bar, its errors where they belong, and open-count polling.

``MailSync(context, status_bar)`` is created when the workspace is attached and ``start()``-ed
once the window has painted with it (nothing of ``desktopcrm.sync`` is imported before). The
manager's worker threads report through ``on_change``; that is re-emitted as a Qt signal, so
everything here runs on the GUI thread. Errors of a scheduled round go to the log and the status
bar; errors of a round (or check) the user asked for open a dialog (STYLE.md 5). Problems the
user must act on (sign in again, keyring) are also posted to the notification centre once a day.
When a tracking endpoint is configured, its open counts are polled every ``tracking_interval``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from typing import TYPE_CHECKING, Any

from desktopcrm.qt import QMessageBox, QObject, Qt, QTimer, QWidget, Signal, is_alive
from desktopcrm.views.context import AppContext

if TYPE_CHECKING:
    from desktopcrm.sync.manager import AccountStatus, ClientOptions, SyncManager
    from desktopcrm.views.status_bar import StatusBar

log = logging.getLogger("desktopcrm.views.mail_sync")


class MailSync(QObject):
    """Args:
    context: the workspace.
    status_bar: where the sync state shows (None: only the signals).
    options: how the clients talk to Google (tests pass short timeouts).
    interval: seconds between scheduled rounds.
    tracking_interval: seconds between polls of the tracking endpoint.
    """

    status_changed = Signal(object)  # AccountStatus, on the GUI thread
    round_finished = Signal(object)  # AccountStatus of a round that ended
    check_finished = Signal(object, object)  # account id, CheckReport (None if it failed)
    opens_polled = Signal(int)  # Sent messages whose open count changed
    _from_worker = Signal(object)

    def __init__(
        self,
        context: AppContext,
        status_bar: StatusBar | None = None,
        *,
        options: ClientOptions | None = None,
        interval: float = 300.0,
        tracking_interval: float = 600.0,
    ) -> None:
        super().__init__(status_bar)
        self.context = context
        self.status_bar = status_bar
        self.options = options
        self.interval = interval
        self.manager: SyncManager | None = None
        self.statuses: dict[uuid.UUID, AccountStatus] = {}
        self.asked: set[uuid.UUID] = set()  # rounds / checks the user asked for
        self.dialog: QMessageBox | None = None
        self._notified: set[str] = set()
        self._polling = False
        self._from_worker.connect(self._on_status, Qt.ConnectionType.QueuedConnection)
        self.tracking_timer = QTimer(self)
        self.tracking_timer.setInterval(int(tracking_interval * 1000))
        self.tracking_timer.timeout.connect(self.poll_opens)

    # ---- lifetime ----------------------------------------------------------------------

    def start(self) -> None:
        """Start a queue per connected account and the periodic rounds (and tracking polls)."""
        from desktopcrm.sync.manager import SyncManager

        if self.manager is not None:
            return
        self.manager = SyncManager(
            options=self.options, interval=self.interval, on_change=self._from_worker.emit
        )
        self.manager.start()
        self.manager.sync_now()  # a round at start: what arrived while the app was closed
        self._show_state()
        self.tracking_timer.start()
        if self.context.settings.get("tracking_url"):
            QTimer.singleShot(0, self.poll_opens)
        log.info("mail sync started for %d account(s)", len(self.manager.queues))

    def stop(self) -> None:
        """At quit: cancel running rounds and let the workers end (they resume next start)."""
        self.tracking_timer.stop()
        if self.manager is not None:
            self.manager.stop(wait=True)
            self.manager = None

    def refresh_accounts(self) -> None:
        """An account was connected or disconnected."""
        if self.manager is not None:
            self.manager.refresh_accounts()
        self.statuses = {k: v for k, v in self.statuses.items() if self._known(k)}
        self._show_state()

    def _known(self, account_id: uuid.UUID) -> bool:
        return self.manager is not None and account_id in self.manager.queues

    # ---- what the user asks ------------------------------------------------------------

    def sync_now(self, account_id: uuid.UUID | None = None, *, asked: bool = False) -> None:
        """Queue a round (for one account or all); ``asked``: the user pressed Sync now, so a
        failure opens a dialog."""
        if self.manager is None:
            return
        if asked:
            targets = [account_id] if account_id else list(self.manager.queues)
            self.asked.update(t for t in targets if t is not None)
        self.manager.sync_now(account_id)

    def check(self, account_id: uuid.UUID) -> None:
        """Reconcile the account's local mail with Gmail by message id (``check_finished``)."""
        if self.manager is None:
            return
        self.asked.add(account_id)
        self.manager.check(account_id)

    def cancel(self, account_id: uuid.UUID | None = None) -> None:
        if self.manager is not None:
            self.manager.cancel(account_id)

    # ---- status ------------------------------------------------------------------------

    def _on_status(self, status: AccountStatus) -> None:
        previous = self.statuses.get(status.account_id)
        self.statuses[status.account_id] = status
        self.status_changed.emit(status)
        self._show_state()
        was_busy = previous is not None and previous.activity in ("syncing", "checking")
        if status.activity != "idle" or not was_busy:
            return
        assert previous is not None
        asked = status.account_id in self.asked
        self.asked.discard(status.account_id)
        if previous.activity == "checking":
            report = self.manager.last_check.get(status.account_id) if self.manager else None
            self.check_finished.emit(status.account_id, report)
            if report is None and status.last_error and asked:
                self._error_dialog(status, "The check could not run")
            return
        self.round_finished.emit(status)
        result = status.last_result
        changed = result is not None and (
            result.added or result.labels_changed or result.removed or result.sent
        )
        if changed and not status.last_error:
            self.context.records_changed.emit("mail_message")
        if status.last_error:
            log.warning("mail sync of %s: %s", status.email, status.last_error)
            if status.needs_sign_in:
                self._notify_problem(status)
            if asked:
                self._error_dialog(status, "Mail could not be synced")
            elif self.status_bar is not None:
                self.status_bar.show_problem(f"Gmail ({status.email}): {status.last_error}")
        elif asked and result is not None:
            self.context.message.emit(f"{status.email}: {round_summary(result)}")

    def _error_dialog(self, status: AccountStatus, title: str) -> None:
        parent = self.status_bar.window() if self.status_bar is not None else None
        if self.dialog is not None and is_alive(self.dialog):
            self.dialog.close()
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            title,
            f"{status.email}: {status.last_error}",
            QMessageBox.StandardButton.Ok,
            parent if isinstance(parent, QWidget) else None,
        )
        box.setObjectName("SyncErrorDialog")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = box
        box.open()

    def _notify_problem(self, status: AccountStatus) -> None:
        from desktopcrm.services.notifications import post_finished

        digest = hashlib.sha1(status.last_error.encode()).hexdigest()[:10]
        key = f"{status.email}:{dt.date.today().isoformat()}:{digest}"
        if key in self._notified:
            return
        self._notified.add(key)
        try:
            entries = post_finished(
                self.context.user,
                "sync",
                key,
                f"Gmail sync needs you: {status.email}",
                status.last_error,
                problem=True,
            )
        except Exception as exc:  # a notification never breaks the sync
            log.warning("could not post the sync problem: %s", exc)
            return
        if entries and hasattr(self.context, "notified"):
            self.context.notified.emit(entries)

    def _show_state(self) -> None:
        if self.status_bar is None:
            return
        text, icon_name, tooltip = sync_state_text(
            list(self.statuses.values()), len(self.manager.queues) if self.manager else 0
        )
        self.status_bar.set_sync(text, icon_name, tooltip)

    # ---- open tracking -----------------------------------------------------------------

    def poll_opens(self) -> None:
        """Ask the tracking endpoint for new open counts (in the background)."""
        settings = self.context.settings
        if self._polling or not settings.get("tracking_url"):
            return
        from desktopcrm.views.operations import Operation

        cursor = str(settings.get("tracking_cursor") or "")

        def work(_task: object) -> tuple[int, str] | None:
            from desktopcrm.sync.tracking_settings import poll_opens, tracking_client

            client = tracking_client(settings)
            return poll_opens(client, cursor) if client is not None else None

        self._polling = True
        Operation(
            self, work, on_success=self._polled, on_failure=self._poll_failed, title="poll opens"
        ).run()

    def _polled(self, result: tuple[int, str] | None) -> None:
        self._polling = False
        if result is None:
            return
        updated, cursor = result
        self.context.settings.set("tracking_cursor", cursor)
        if updated:
            self.context.records_changed.emit("mail_message")
        self.opens_polled.emit(updated)

    def _poll_failed(self, error: BaseException) -> None:
        self._polling = False
        log.warning("polling the tracking endpoint failed: %s", error)
        if self.status_bar is not None:
            self.status_bar.show_problem(f"Open tracking: {error}")


def round_summary(result: Any) -> str:
    """'3 new messages, 1 sent' for a finished round."""
    parts = []
    if result.added:
        parts.append(f"{result.added} new message{'s' if result.added != 1 else ''}")
    if result.sent:
        parts.append(f"{result.sent} sent")
    if result.labels_changed:
        parts.append(f"{result.labels_changed} changed")
    if result.outbox_waiting:
        parts.append(f"{result.outbox_waiting} waiting to go out")
    return ", ".join(parts) if parts else "up to date"


def sync_state_text(statuses: list[AccountStatus], accounts: int) -> tuple[str, str, str]:
    """Status-bar text, icon and tooltip for the accounts' sync states."""
    if not accounts:
        return "Gmail: not connected", "cloud-off", "Connect a Google account in Settings."
    lines = []
    for status in sorted(statuses, key=lambda s: s.email):
        if status.activity in ("syncing", "checking"):
            done = f" {status.done}/{status.total}" if status.total else ""
            lines.append(f"{status.email}: {status.activity}{done}")
        elif status.last_error:
            lines.append(f"{status.email}: {status.last_error}")
        else:
            lines.append(f"{status.email}: up to date")
    tooltip = "\n".join(lines) or "Waiting for the first round."
    busy = [s for s in statuses if s.activity in ("syncing", "checking")]
    if busy:
        status = busy[0]
        progress = f" {status.done:,}/{status.total:,}" if status.total else ""
        return f"Gmail: syncing{progress}…", "sync", tooltip
    if any(s.needs_sign_in for s in statuses):
        return "Gmail: sign in again", "warning", tooltip
    if any(s.offline for s in statuses):
        return "Gmail: offline, will retry", "cloud-off", tooltip
    if any(s.last_error for s in statuses):
        return "Gmail: sync problem", "warning", tooltip
    if statuses:
        now = dt.datetime.now().strftime("%H:%M")
        return f"Gmail: up to date · {now}", "sync", tooltip
    return "Gmail: connected", "sync", tooltip
