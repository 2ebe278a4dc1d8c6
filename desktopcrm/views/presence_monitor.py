"""Who else is connected: a timer that beats this app's session row and reads the others',
in the background, and notices commits made by other apps (``PRAGMA data_version``)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from desktopcrm.models import data_version
from desktopcrm.qt import QObject, QTimer, Signal
from desktopcrm.services import presence
from desktopcrm.services.presence import Peer
from desktopcrm.views.context import AppContext
from desktopcrm.views.operations import Operation, Task, failure_text, wait_for_workers

log = logging.getLogger("desktopcrm.views.presence")


@dataclass(frozen=True)
class PresenceState:
    peers: list[Peer]
    data_version: int


class PresenceMonitor(QObject):
    """Beats and polls every ``interval_ms`` (default: the heartbeat period)."""

    peers_changed = Signal(list)
    problem = Signal(str)

    def __init__(self, context: AppContext, interval_ms: int | None = None) -> None:
        super().__init__()
        self._context = context
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms or presence.HEARTBEAT_SECONDS * 1000)
        self._timer.timeout.connect(self.refresh)
        self._operation: Operation | None = None
        self._started = False
        self._data_version: int | None = None
        self.peers: list[Peer] = []
        context.database_reopened.connect(self._reopened)

    def start(self) -> Operation:
        """Register this app's session and start polling."""
        user = self._context.user

        def work(_task: Task) -> PresenceState:
            presence.start_session(user)
            return PresenceState(presence.other_sessions(), data_version())

        self._started = True
        self._timer.start()
        return self._run(work, "start the session")

    def refresh(self) -> Operation | None:
        """Beat and poll now (skipped while the previous poll still runs)."""
        if not self._context.database_open or (self._operation and self._operation.running):
            return None
        user = self._context.user

        def work(_task: Task) -> PresenceState:
            presence.heartbeat(user)
            return PresenceState(presence.other_sessions(), data_version())

        return self._run(work, "update who is connected")

    def _run(self, work: Callable[[Task], PresenceState], title: str) -> Operation:
        self._operation = Operation(
            self, work, on_success=self._polled, on_failure=self._failed, title=title
        )
        return self._operation.run()

    def _polled(self, state: PresenceState) -> None:
        if state.peers != self.peers:
            self.peers = state.peers
            self.peers_changed.emit(state.peers)
        if self._data_version is not None and state.data_version != self._data_version:
            self._context.database_changed.emit()
        self._data_version = state.data_version

    def _failed(self, error: BaseException) -> None:
        log.warning("presence: %s", error)
        self.problem.emit(f"Could not reach the database: {failure_text(error)}")

    def _reopened(self) -> None:
        if self._started:
            self.start()

    def stop(self) -> None:
        """Stop polling and mark this app's session as closed (at quit)."""
        self._timer.stop()
        wait_for_workers()
        if not self._started or not self._context.database_open:
            return
        self._started = False
        try:
            presence.end_session()
        except Exception as exc:
            log.warning("could not close the session: %s", exc)
