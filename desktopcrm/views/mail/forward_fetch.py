"""Fetching the attachments of a forwarded message for the compose window.

Attachments are not stored with the mail, so a forward lists the original's attachments at once
(``AttachmentList.add_forwarded``) and ``ForwardFetch`` downloads them from Gmail in an
``Operation`` (``sync.attachments.fetch_attachment``, one after another into the user's
attachment cache). The row shows "Fetching…" meanwhile; when a fetch fails (offline, sign-in,
gone from Gmail) it says so and offers Retry or Send without them. Nothing written is lost.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktopcrm.qt import QHBoxLayout, QLabel, QPushButton, QWidget, Signal
from desktopcrm.views.context import AppContext
from desktopcrm.views.mail.compose_body import AttachmentList

if TYPE_CHECKING:
    from desktopcrm.sync.manager import ClientOptions
    from desktopcrm.views.operations import Operation, Task


class ForwardFetch(QWidget):
    """The state row of the forwarded attachments, and their download.

    Args:
        context: the workspace (its user's mailbox; the mail sync's client options if set).
        attachments: the compose window's list, whose forwarded entries get their files.
    """

    arrived = Signal()  # every forwarded attachment still listed has its file
    failed = Signal()  # the fetch stopped; the row says why
    send_without = Signal()  # the user chose to send without the missing attachments

    def __init__(
        self, context: AppContext, attachments: AttachmentList, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("ForwardFetch")
        self._context = context
        self._attachments = attachments
        self._cancel = threading.Event()
        self.message_id: int | None = None
        self.operation: Operation | None = None
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.text = QLabel()
        self.text.setObjectName("Muted")
        self.text.setWordWrap(True)
        row.addWidget(self.text, 1)
        self.retry_button = QPushButton("Retry")
        self.retry_button.setObjectName("RetryForwardedAttachments")
        self.retry_button.setToolTip("Fetch the forwarded message's attachments again")
        self.retry_button.clicked.connect(self.fetch)
        row.addWidget(self.retry_button)
        self.without_button = QPushButton("Send without them")
        self.without_button.setObjectName("SendWithoutAttachments")
        self.without_button.setToolTip("Remove the attachments that could not be fetched and send")
        self.without_button.clicked.connect(self._without)
        row.addWidget(self.without_button)
        self.retry_button.hide()
        self.without_button.hide()
        self.hide()
        attachments.changed.connect(self._list_changed)

    @property
    def busy(self) -> bool:
        return self.operation is not None and self.operation.running

    def start(self, message_id: int) -> Operation | None:
        """Fetch the forwarded attachments of message ``message_id`` listed in the list."""
        self.message_id = message_id
        return self.fetch()

    def cancel(self) -> None:
        """Stop a download in progress (the window closes)."""
        self._cancel.set()

    def fetch(self) -> Operation | None:
        """Fetch the listed forwarded attachments that have not arrived yet."""
        from desktopcrm.views.operations import Operation

        missing = [e for e in self._attachments.unfetched() if e.part_index is not None]
        if self.busy or self.message_id is None or not missing:
            return None
        parts = [(e.part_index, e.name) for e in missing if e.part_index is not None]
        user, message_id = self._context.user, self.message_id
        options, cancel = self._options(), self._cancel

        def work(task: Task) -> tuple[dict[int, Path], BaseException | None]:
            from desktopcrm.services.errors import ServiceError
            from desktopcrm.sync.attachments import fetch_attachment

            done: dict[int, Path] = {}
            for n, (part_index, name) in enumerate(parts):
                task.progress(n, len(parts), name)
                try:
                    done[part_index] = fetch_attachment(
                        user, message_id, part_index, options=options, cancel=cancel
                    )
                except (ServiceError, OSError) as exc:
                    return done, exc  # the others would fail alike (offline, signed out)
            return done, None

        self._show("Fetching the forwarded message's attachments…", problem=False)
        self.operation = Operation(
            self, work, on_success=self._fetched, title="fetch the forwarded attachments"
        )
        self.operation.progressed.connect(self._progress)
        return self.operation.run()

    def _options(self) -> ClientOptions:
        """The mail sync's client options, or a short back-off: the user is waiting."""
        from desktopcrm.sync.google_http import RetryPolicy
        from desktopcrm.sync.manager import ClientOptions

        mail_sync = getattr(self._context, "mail_sync", None)
        options: ClientOptions | None = getattr(mail_sync, "options", None)
        return options or ClientOptions(
            timeout=60.0, retry=RetryPolicy(attempts=3, base_delay=0.5, max_delay=2.0)
        )

    def _progress(self, done: int, total: int, name: str) -> None:
        if total > 1:
            self.text.setText(
                f"Fetching the forwarded attachments ({done + 1} of {total}: {name})…"
            )

    def _fetched(self, result: tuple[dict[int, Path], BaseException | None]) -> None:
        done, error = result
        for part_index, path in done.items():
            self._attachments.set_fetched(part_index, path)
        missing = self._attachments.unfetched()
        if error is None or not missing:
            self.hide()
            self.arrived.emit()
            return
        self._attachments.set_failed([e.part_index for e in missing if e.part_index is not None])
        names = ", ".join(e.name for e in missing)
        self._show(f"Could not fetch {names} from Gmail: {_reason(error)}", problem=True)
        self.failed.emit()

    def _list_changed(self) -> None:
        """The user removed the forwarded attachments that were missing: nothing to say."""
        if not self.busy and not self._attachments.unfetched():
            self.hide()

    def _without(self) -> None:
        self._attachments.remove_unfetched()
        self.hide()
        self.send_without.emit()

    def waiting_for_send(self) -> None:
        """Send was pressed while the attachments are on their way."""
        self.text.setText(
            "Fetching the forwarded attachments; the message is sent once they are here…"
        )

    def _show(self, text: str, *, problem: bool) -> None:
        self.text.setText(text)
        self.text.setObjectName("ProblemText" if problem else "Muted")
        self.text.style().unpolish(self.text)
        self.text.style().polish(self.text)
        self.retry_button.setVisible(problem)
        self.without_button.setVisible(problem)
        self.show()


def _reason(error: BaseException) -> str:
    from desktopcrm.sync.google_http import NetworkError

    if isinstance(error.__cause__, NetworkError):
        return (
            "Gmail cannot be reached (are you offline?). Reconnect and press Retry, or send "
            "without them."
        )
    text: Any = error.strerror if isinstance(error, OSError) and error.strerror else error
    return f"{text} Press Retry, or send without them."
