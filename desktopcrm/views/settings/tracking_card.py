"""The open-tracking endpoint card of Settings › Mail accounts: address, secret, test."""

from __future__ import annotations

from typing import Any

from desktopcrm.qt import QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget
from desktopcrm.views.context import AppContext
from desktopcrm.views.settings.widgets import Card, field_form, note


class TrackingCard(Card):
    """Save checks the endpoint with the secret before keeping them; Test asks it again."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(
            "Open tracking",
            "Optional. With your office's tracking endpoint (python -m desktopcrm.tracking) "
            "sent mail carries a tiny image and Sent shows how often it was opened. Counts are "
            "approximate: some mail apps block images, and image proxies or scanners may "
            "open a message nobody read.",
            parent,
        )
        self._context = context
        form = field_form()
        self.url = QLineEdit(str(context.settings.get("tracking_url") or ""))
        self.url.setObjectName("TrackingUrl")
        self.url.setPlaceholderText("https://track.example.com")
        self.secret = QLineEdit()
        self.secret.setObjectName("TrackingSecret")
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret.setPlaceholderText(
            "kept in the keyring" if self.url.text() else "the endpoint's secret"
        )
        form.addRow("Address", self.url)
        form.addRow("Secret", self.secret)
        self.body.addLayout(form)
        row = QHBoxLayout()
        self.save_button = QPushButton("Save and test")
        self.save_button.setObjectName("SaveTracking")
        self.save_button.clicked.connect(lambda: self.save())
        self.test_button = QPushButton("Test connection")
        self.test_button.setObjectName("TestTracking")
        self.test_button.clicked.connect(lambda: self.test())
        self.off_button = QPushButton("Turn off")
        self.off_button.setObjectName("TrackingOff")
        self.off_button.setProperty("flat", True)
        self.off_button.clicked.connect(self.turn_off)
        for button in (self.save_button, self.test_button, self.off_button):
            row.addWidget(button)
        row.addStretch(1)
        self.body.addLayout(row)
        self.result = QLabel()
        self.result.setObjectName("TrackingResult")
        self.result.setWordWrap(True)
        self.result.hide()
        self.body.addWidget(self.result)
        self.body.addWidget(
            note("The secret stays in this computer's keyring; the address in its settings.")
        )
        self._update_buttons()

    def _update_buttons(self) -> None:
        on = bool(self._context.settings.get("tracking_url"))
        self.test_button.setEnabled(on)
        self.off_button.setEnabled(on)

    def save(self) -> Any:
        """Check the address and secret against the endpoint, then keep them."""
        from desktopcrm.views.operations import Operation

        settings = self._context.settings
        url, secret = self.url.text().strip(), self.secret.text().strip()
        if not secret and url == settings.get("tracking_url"):
            return self.test()

        def work(_task: object) -> str:
            from desktopcrm.sync.tracking_client import TrackingClient

            client = TrackingClient(url, secret, timeout=10)
            client.fetch_opens("")  # raises with what is wrong
            return client.base_url

        def saved(base_url: str) -> None:
            from desktopcrm.sync.tracking_settings import save_tracking

            try:
                save_tracking(settings, base_url, secret)
            except Exception as exc:  # the keyring refused: say so
                self._show(f"Not saved: {exc}", problem=True)
                return
            self.secret.clear()
            self.secret.setPlaceholderText("kept in the keyring")
            self._update_buttons()
            self._show("Saved. The endpoint answered: open tracking is on.", problem=False)

        self._show("Testing the endpoint…", problem=False, muted=True)
        return Operation(
            self, work, on_success=saved, on_failure=self._failed, title="test tracking"
        ).run()

    def test(self) -> Any:
        """Ask the configured endpoint for counts, with the secret from the keyring."""
        from desktopcrm.views.operations import Operation

        settings = self._context.settings

        def work(_task: object) -> int:
            from desktopcrm.sync.tracking_settings import tracking_client

            client = tracking_client(settings)
            if client is None:
                raise ValueError(
                    "No secret for this endpoint in the keyring: enter it and Save again."
                )
            return len(client.fetch_opens("").counts)

        self._show("Testing the endpoint…", problem=False, muted=True)
        return Operation(
            self,
            work,
            on_success=lambda n: self._show(
                f"The endpoint answered: {n:,} tracked message{'s' if n != 1 else ''} opened "
                "so far.",
                problem=False,
            ),
            on_failure=self._failed,
            title="test tracking",
        ).run()

    def turn_off(self) -> None:
        from desktopcrm.sync.tracking_settings import clear_tracking

        clear_tracking(self._context.settings)
        self.url.clear()
        self.secret.clear()
        self.secret.setPlaceholderText("the endpoint's secret")
        self._update_buttons()
        self._show("Open tracking is off: new mail carries no tracking image.", problem=False)

    def _failed(self, error: BaseException) -> None:
        self._show(f"Not working: {error}", problem=True)

    def _show(self, text: str, *, problem: bool, muted: bool = False) -> None:
        self.result.setText(text)
        name = "ProblemText" if problem else "Muted" if muted else "SuccessText"
        self.result.setObjectName(name)
        self.result.style().unpolish(self.result)
        self.result.style().polish(self.result)
        self.result.show()
