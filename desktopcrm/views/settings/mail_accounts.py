"""Settings › Mail accounts: connect a Google account, see each account's sync health, sync
now, check against Gmail, change the quota, disconnect; and the open-tracking endpoint.

Connecting runs Google's installed-app sign-in in an ``Operation`` (it waits for the browser;
the GUI never does). The address to open is shown too, in case no browser opens. Problems
(no usable keyring, the Gmail permission not granted, a revoked sign-in) are said in plain
words with what to do.
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Any

from desktopcrm.qt import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QSpinBox,
    Qt,
    QTimer,
    QWidget,
)
from desktopcrm.views.context import AppContext
from desktopcrm.views.settings.mail_account_card import AccountCard
from desktopcrm.views.settings.tracking_card import TrackingCard
from desktopcrm.views.settings.widgets import Card, SectionPage, field_form, note

if TYPE_CHECKING:
    from desktopcrm.views.operations import Operation

log = logging.getLogger("desktopcrm.views.settings.mail_accounts")


def problem_text(error: BaseException) -> str:
    """A failure of connecting or syncing as the user should read it."""
    from desktopcrm.sync.google_http import GoogleError
    from desktopcrm.views.operations import failure_text, is_known_failure

    if isinstance(error, GoogleError) or is_known_failure(error):
        return failure_text(error)
    return f"Unexpected problem: {error}. The log file has the details."


class MailAccountsSection(SectionPage):
    """Args:
    open_browser: open the sign-in page in the browser (tests drive the redirect instead).
    """

    def __init__(
        self, context: AppContext, parent: QWidget | None = None, *, open_browser: bool = True
    ) -> None:
        super().__init__(
            "Mail accounts",
            "Connect the Google accounts whose mail DesktopCRM keeps in sync. Your sign-in is "
            "kept in this computer's keyring, never in the database.",
            parent,
        )
        self._context = context
        self.open_browser = open_browser
        self.connecting: Operation | None = None
        self.sign_in_url = ""
        self.cards: dict[uuid.UUID, AccountCard] = {}
        self.confirm: QMessageBox | None = None

        self.keyring_note = note("")
        self.keyring_note.setObjectName("KeyringProblem")
        self.keyring_note.hide()
        self.add(self.keyring_note)

        self.no_accounts = note("No account is connected yet.")
        self.no_accounts.setObjectName("NoAccounts")
        self.add(self.no_accounts)
        self._cards_at = self.layout_.count()

        self.add(self._connect_card())
        self.tracking = TrackingCard(context)
        self.add(self.tracking)

        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(300)
        self._refresh_timer.timeout.connect(self.refresh)
        sync = self._mail_sync()
        if sync is not None:
            sync.status_changed.connect(lambda _s: self._refresh_timer.start())
            sync.check_finished.connect(self._check_finished)
        self.refresh()
        self.check_keyring()

    # ---- building --------------------------------------------------------------------

    def _connect_card(self) -> Card:
        from desktopcrm.sync.accounts import app_client

        card = Card(
            "Connect a Google account",
            "A browser window opens where you choose the account and allow DesktopCRM to "
            "read, compose and send mail.",
        )
        app_id, app_secret = app_client()
        self.app_client = (app_id, app_secret)
        self.use_app = QRadioButton("Use DesktopCRM's OAuth client")
        self.use_own = QRadioButton("Use my own OAuth client (e.g. my office's internal one)")
        self.use_app.setObjectName("UseAppClient")
        self.use_own.setObjectName("UseOwnClient")
        if not app_id:
            self.use_app.setEnabled(False)
            self.use_app.setText("Use DesktopCRM's OAuth client (not included in this build)")
        (self.use_app if app_id else self.use_own).setChecked(True)
        card.body.addWidget(self.use_app)
        card.body.addWidget(self.use_own)
        form = field_form()
        self.client_id = QLineEdit()
        self.client_id.setObjectName("ClientId")
        self.client_id.setPlaceholderText("1234-abc.apps.googleusercontent.com")
        self.client_secret = QLineEdit()
        self.client_secret.setObjectName("ClientSecret")
        self.client_secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.quota = QSpinBox()
        self.quota.setObjectName("NewQuota")
        self.quota.setRange(10, 250)
        self.quota.setValue(250)
        self.quota.setSuffix(" units/s")
        form.addRow("Client id", self.client_id)
        form.addRow("Client secret", self.client_secret)
        form.addRow("Quota", self.quota)
        card.body.addLayout(form)
        self.own_help = note(
            "Create the client in the Google Cloud console (APIs & Services › Credentials › "
            "Create credentials › OAuth client ID › Desktop app) with the Gmail API enabled. "
            "An internal client of your Google Workspace needs no review by Google."
        )
        card.body.addWidget(self.own_help)
        row = QHBoxLayout()
        self.connect_button = QPushButton("Connect a Google account…")
        self.connect_button.setObjectName("ConnectAccount")
        self.connect_button.setProperty("primary", True)
        self.connect_button.clicked.connect(lambda: self.connect_account())
        row.addWidget(self.connect_button)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("CancelConnect")
        self.cancel_button.clicked.connect(self.cancel_connect)
        self.cancel_button.hide()
        row.addWidget(self.cancel_button)
        row.addStretch(1)
        card.body.addLayout(row)
        self.connect_status = QLabel()
        self.connect_status.setObjectName("ConnectStatus")
        self.connect_status.setWordWrap(True)
        self.connect_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.connect_status.setOpenExternalLinks(True)
        self.connect_status.hide()
        card.body.addWidget(self.connect_status)
        self.use_own.toggled.connect(self._client_choice)
        self._client_choice(self.use_own.isChecked())
        return card

    def _client_choice(self, own: bool) -> None:
        for widget in (self.client_id, self.client_secret, self.own_help):
            widget.setEnabled(own)

    def _mail_sync(self) -> Any:
        return getattr(self._context, "mail_sync", None)

    # ---- keyring -----------------------------------------------------------------------

    def check_keyring(self) -> Operation:
        """Say up front when no keyring can keep the sign-in (in the background)."""
        from desktopcrm.views.operations import Operation

        def work(_task: object) -> str:
            from desktopcrm.sync.accounts import KeyringUnavailable, check_keyring

            try:
                check_keyring()
            except KeyringUnavailable as exc:
                return str(exc)
            return ""

        return Operation(self, work, on_success=self._keyring_checked, title="check keyring").run()

    def _keyring_checked(self, problem: str) -> None:
        self.keyring_note.setText(problem)
        self.keyring_note.setVisible(bool(problem))

    # ---- accounts ----------------------------------------------------------------------

    def refresh(self) -> None:
        """Show every account's health as stored now."""
        from desktopcrm.models.mail import MailAccount
        from desktopcrm.services.mail import sync_health

        health = sync_health(self._context.user)
        quotas = {
            a.id: a.quota_units_per_second
            for a in MailAccount.live().where(MailAccount.id.in_([h.account_id for h in health]))
        }
        sync = self._mail_sync()
        statuses = sync.statuses if sync is not None else {}
        for account_id in list(self.cards):
            if account_id not in {h.account_id for h in health}:
                gone = self.cards.pop(account_id)
                gone.hide()
                gone.deleteLater()
        for index, item in enumerate(health):
            card = self.cards.get(item.account_id)
            if card is None:
                card = AccountCard(item, quotas.get(item.account_id, 250))
                card.sync_requested.connect(self.sync_now)
                card.check_requested.connect(self.check_account)
                card.disconnect_requested.connect(self.disconnect_account)
                card.reconnect_requested.connect(self.reconnect)
                card.quota_changed.connect(self.set_quota)
                self.layout_.insertWidget(self._cards_at + index, card)
                self.cards[item.account_id] = card
            status = statuses.get(item.account_id)
            card.show_health(item, status.activity if status is not None else "")
        self.no_accounts.setVisible(not health)

    def sync_now(self, account_id: uuid.UUID) -> None:
        sync = self._mail_sync()
        if sync is None or sync.manager is None:
            self._context.message.emit("Mail sync is not running in this window.")
            return
        sync.sync_now(account_id, asked=True)
        self._context.message.emit("Syncing…")

    def check_account(self, account_id: uuid.UUID) -> None:
        sync = self._mail_sync()
        if sync is None or sync.manager is None:
            self._context.message.emit("Mail sync is not running in this window.")
            return
        card = self.cards.get(account_id)
        if card is not None:
            card.check_result.setText("Checking against Gmail…")
            card.check_result.setObjectName("Muted")
            card.check_result.show()
        sync.check(account_id)

    def _check_finished(self, account_id: uuid.UUID, report: Any) -> None:
        card = self.cards.get(account_id)
        if card is not None:
            card.show_check(report)
        self.refresh()

    def set_quota(self, account_id: uuid.UUID, value: int) -> None:
        from desktopcrm.services.errors import ServiceError
        from desktopcrm.sync.connect import set_quota

        try:
            set_quota(self._context.user, account_id, value)
        except ServiceError as exc:
            self._context.message.emit(str(exc))
            return
        self._context.message.emit(f"Quota set to {value} units per second (from the next round).")

    def disconnect_account(self, account_id: uuid.UUID) -> None:
        card = self.cards.get(account_id)
        email = card.email if card is not None else ""
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Disconnect this account?",
            f"DesktopCRM stops syncing {email or 'this account'} and forgets its sign-in. "
            "Its mail stays in Gmail.",
            QMessageBox.StandardButton.NoButton,
            self,
        )
        box.setObjectName("ConfirmDisconnect")
        self._disconnect_button = box.addButton(
            "Disconnect", QMessageBox.ButtonRole.DestructiveRole
        )
        box.addButton("Keep", QMessageBox.ButtonRole.RejectRole)
        self.confirm = box
        self._disconnecting = account_id
        box.finished.connect(self._disconnect_answered)
        box.open()

    def _disconnect_answered(self, _result: int) -> None:
        box, self.confirm = self.confirm, None
        if box is None:
            return
        box.deleteLater()
        if box.clickedButton() is self._disconnect_button:
            account_id = self._disconnecting
            QTimer.singleShot(0, lambda: self._disconnect(account_id))

    def _disconnect(self, account_id: uuid.UUID) -> None:
        from desktopcrm.sync.accounts import remove_account

        remove_account(self._context.user, account_id)
        sync = self._mail_sync()
        if sync is not None:
            sync.refresh_accounts()
        self._context.records_changed.emit("mail_message")
        self.refresh()

    def reconnect(self, account_id: uuid.UUID) -> None:
        """Sign in again with the account's own OAuth client (after a revoked token)."""
        from desktopcrm.models.mail import MailAccount

        account = MailAccount.get_or_none(MailAccount.id == account_id)
        if account is not None:
            self.connect_account(account.client_id, account.client_secret)

    # ---- connecting --------------------------------------------------------------------

    def connect_account(self, client_id: str = "", client_secret: str = "") -> Operation | None:
        """Run the Google sign-in in the background and connect the chosen account."""
        if self.connecting is not None and self.connecting.running:
            return None
        if not client_id:
            if self.use_app.isChecked():
                client_id, client_secret = self.app_client
            else:
                client_id, client_secret = self.client_id.text(), self.client_secret.text()
        from desktopcrm.views.operations import Operation

        user = self._context.user
        open_browser = self.open_browser
        quota = self.quota.value()

        def work(task: Any) -> Any:
            from desktopcrm.sync.connect import connect_account

            return connect_account(
                user,
                client_id,
                client_secret,
                open_browser=open_browser,
                on_url=lambda url: task.progress(0, 0, url),
                quota_units_per_second=quota,
            )

        self._set_status("Opening the Google sign-in…", problem=False)
        self.connect_button.setEnabled(False)
        self.cancel_button.show()
        self.connecting = Operation(
            self,
            work,
            on_success=self._connected,
            on_failure=self._connect_failed,
            title="connect a Google account",
        )
        self.connecting.progressed.connect(self._sign_in_url)
        self.connecting.cancelled.connect(self._connect_cancelled)
        self.connecting.run()
        return self.connecting

    def _sign_in_url(self, _done: int, _total: int, url: str) -> None:
        self.sign_in_url = url
        self._set_status(
            "Waiting for you in the browser… If no browser window opened, open "
            f'<a href="{url}">this sign-in page</a>.',
            problem=False,
        )

    def _connected(self, account: Any) -> None:
        self._finish_connect()
        self._set_status(f"Connected {account.email}. The first sync starts now.", problem=False)
        self.connect_status.setObjectName("SuccessText")
        self._repolish(self.connect_status)
        sync = self._mail_sync()
        if sync is not None:
            sync.refresh_accounts()
            sync.sync_now(account.id, asked=True)
        self.refresh()

    def _connect_failed(self, error: BaseException) -> None:
        self._finish_connect()
        log.info("connecting failed: %s", error)
        self._set_status(f"Not connected: {problem_text(error)}", problem=True)

    def _connect_cancelled(self) -> None:
        self._finish_connect()
        self._set_status("Connecting was cancelled.", problem=False)

    def cancel_connect(self) -> None:
        if self.connecting is not None:
            self.connecting.cancel()
            self._connect_cancelled()

    def _finish_connect(self) -> None:
        self.connect_button.setEnabled(True)
        self.cancel_button.hide()

    def _set_status(self, text: str, *, problem: bool) -> None:
        self.connect_status.setText(text)
        self.connect_status.setObjectName("ProblemText" if problem else "Muted")
        self._repolish(self.connect_status)
        self.connect_status.show()

    @staticmethod
    def _repolish(widget: QWidget) -> None:
        widget.style().unpolish(widget)
        widget.style().polish(widget)
