"""One connected Google account in Settings › Mail accounts: its sync health and actions."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from desktopcrm.qt import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QWidget,
    Signal,
)
from desktopcrm.views.settings.widgets import Card, field_label, value_label

if TYPE_CHECKING:
    from desktopcrm.services.mail import AccountHealth
    from desktopcrm.sync.gmail_sync import CheckReport


def local_time(when: dt.datetime | None) -> str:
    if when is None:
        return "never"
    return when.replace(tzinfo=dt.UTC).astimezone().strftime("%Y-%m-%d %H:%M")


def check_text(report: CheckReport | None) -> str:
    """What the reconcile check found, in words."""
    if report is None:
        return "The check could not run; see the last error."
    if report.ok:
        return (
            f"Checked: all {report.gmail_total:,} messages in Gmail are here "
            f"({report.local_total:,} stored)."
        )
    parts = []
    if report.missing_locally:
        parts.append(f"{len(report.missing_locally):,} in Gmail are missing here")
    if report.only_locally:
        parts.append(f"{len(report.only_locally):,} here are no longer in Gmail")
    fetched = f"; {report.fetched:,} fetched now" if report.fetched else ""
    return "Gap found: " + " and ".join(parts) + fetched + ". Sync now to catch up."


class AccountCard(Card):
    """Emits what the user asks for; the section does it."""

    sync_requested = Signal(object)  # account id
    check_requested = Signal(object)
    disconnect_requested = Signal(object)
    reconnect_requested = Signal(object)
    quota_changed = Signal(object, int)

    def __init__(self, health: AccountHealth, quota: int, parent: QWidget | None = None) -> None:
        super().__init__(health.email, parent=parent)
        self.account_id = health.account_id
        self.email = health.email
        self.setObjectName("Card")
        self.setAccessibleName(f"Mail account {health.email}")
        grid = QGridLayout()
        grid.setHorizontalSpacing(24)
        grid.setVerticalSpacing(6)
        self.values: dict[str, QLabel] = {}
        rows = (
            ("state", "State"),
            ("last_sync", "Last sync"),
            ("messages", "Messages synced"),
            ("queued", "Queued outgoing"),
            ("last_error", "Last error"),
        )
        for row, (key, title) in enumerate(rows):
            grid.addWidget(field_label(title), row, 0)
            label = value_label()
            label.setObjectName(f"health-{key}")
            grid.addWidget(label, row, 1)
            self.values[key] = label
        grid.addWidget(field_label("Quota"), len(rows), 0)
        quota_row = QHBoxLayout()
        self.quota = QSpinBox()
        self.quota.setObjectName("QuotaSpin")
        self.quota.setAccessibleName("Quota in units per second")
        self.quota.setRange(10, 250)
        self.quota.setSuffix(" units/s")
        self.quota.setValue(quota)
        self.quota.setToolTip(
            "Gmail API quota units per second this app may use (Gmail allows 250 per user; "
            "lower it when other programs use the same account)."
        )
        self.quota.editingFinished.connect(
            lambda: self.quota_changed.emit(self.account_id, self.quota.value())
        )
        quota_row.addWidget(self.quota)
        quota_row.addStretch(1)
        grid.addLayout(quota_row, len(rows), 1)
        grid.setColumnStretch(1, 1)
        self.body.addLayout(grid)
        self.check_result = QLabel()
        self.check_result.setObjectName("CheckResult")
        self.check_result.setWordWrap(True)
        self.check_result.hide()
        self.body.addWidget(self.check_result)
        buttons = QHBoxLayout()
        self.sync_button = QPushButton("Sync now")
        self.sync_button.setObjectName("SyncNow")
        self.sync_button.clicked.connect(lambda: self.sync_requested.emit(self.account_id))
        self.check_button = QPushButton("Check")
        self.check_button.setObjectName("CheckAccount")
        self.check_button.setToolTip(
            "Compare the messages here with Gmail by message id and report any gap"
        )
        self.check_button.clicked.connect(lambda: self.check_requested.emit(self.account_id))
        self.reconnect_button = QPushButton("Sign in again")
        self.reconnect_button.setObjectName("Reconnect")
        self.reconnect_button.setProperty("primary", True)
        self.reconnect_button.clicked.connect(
            lambda: self.reconnect_requested.emit(self.account_id)
        )
        self.disconnect_button = QPushButton("Disconnect")
        self.disconnect_button.setObjectName("Disconnect")
        self.disconnect_button.setProperty("danger", True)
        self.disconnect_button.clicked.connect(
            lambda: self.disconnect_requested.emit(self.account_id)
        )
        for button in (self.sync_button, self.check_button, self.reconnect_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.disconnect_button)
        self.body.addLayout(buttons)
        self.show_health(health)

    def show_health(self, health: AccountHealth, activity: str = "") -> None:
        state = {
            "new": "Waiting for the first sync",
            "full": "First sync under way",
            "incremental": "Synced",
            "needs_sign_in": "Needs you to sign in again",
            "error": "The last sync failed",
        }.get(health.state.value, health.state.value)
        if activity in ("syncing", "checking"):
            state = "Syncing now…" if activity == "syncing" else "Checking…"
        self.values["state"].setText(state)
        self.values["last_sync"].setText(local_time(health.last_sync_at))
        self.values["messages"].setText(f"{health.messages:,}")
        queued = f"{health.queued_outgoing:,}"
        if health.failed_outgoing:
            queued += f" ({health.failed_outgoing:,} refused by Gmail)"
        self.values["queued"].setText(queued)
        error = health.last_error or "none"
        if health.last_error and health.last_error_at:
            error = f"{health.last_error} ({local_time(health.last_error_at)})"
        self.values["last_error"].setText(error)
        self.values["last_error"].setObjectName(
            "ProblemText" if health.last_error else "FieldValue"
        )
        self.values["last_error"].style().unpolish(self.values["last_error"])
        self.values["last_error"].style().polish(self.values["last_error"])
        self.reconnect_button.setVisible(health.state.value == "needs_sign_in")
        busy = activity in ("syncing", "checking")
        self.sync_button.setEnabled(not busy)
        self.check_button.setEnabled(not busy)

    def show_check(self, report: CheckReport | None) -> None:
        self.check_result.setText(check_text(report))
        self.check_result.setObjectName("SuccessText" if report and report.ok else "ProblemText")
        self.check_result.style().unpolish(self.check_result)
        self.check_result.style().polish(self.check_result)
        self.check_result.show()
