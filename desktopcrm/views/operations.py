"""The one way to run work off the GUI thread.

``Operation(parent, work).run()`` calls ``work(task)`` in the global ``QThreadPool`` and
delivers its result, error or progress on the GUI thread through signals (like anki's
``QueryOp``). Known failures (``DatabaseError``, ``ServiceError``, ``OSError``) show a plain
message by default; anything else is a bug and goes to the crash handler. Widgets never create
threads themselves.

Peewee keeps one connection per thread: after ``work`` returns, the worker closes the
connection it may have opened, so pool threads never hold a database open between jobs (a
restore can replace the file, and nothing leaks when the pool winds down).

Lifetimes: a running ``Operation`` is kept in ``_running`` and released only after the event
that delivered its result has been handled, so it is never destroyed inside its own signal
dispatch. Its relay is its Qt child, so the worker's last reference to the relay never
destroys a QObject from the worker thread.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from functools import partial
from typing import Any

from desktopcrm.qt import (
    QMessageBox,
    QObject,
    QRunnable,
    Qt,
    QThreadPool,
    QTimer,
    QWidget,
    Signal,
    is_alive,
)

log = logging.getLogger("desktopcrm.views.operations")


class Cancelled(Exception):
    """Raised by ``Task.check_cancelled`` to stop work the user cancelled."""


class Task:
    """What the work function gets: progress reporting and the cancel flag."""

    def __init__(self, relay: _Relay) -> None:
        self._relay = relay
        self._cancel = threading.Event()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check_cancelled(self) -> None:
        if self._cancel.is_set():
            raise Cancelled

    def progress(self, done: int, total: int = 0, text: str = "") -> None:
        """Report progress (``total`` 0 means unknown); thread-safe."""
        self._relay.progressed.emit(done, total, text)


class _Relay(QObject):
    """Lives on the GUI thread, a child of its ``Operation``; worker emissions arrive there as
    queued signals."""

    progressed = Signal(int, int, str)
    done = Signal(object, object)  # result, exception


class _Runner(QRunnable):
    def __init__(self, work: Callable[[Task], Any], task: Task, relay: _Relay) -> None:
        super().__init__()
        self._work = work
        self._task = task
        self._relay = relay
        self.setAutoDelete(True)

    def run(self) -> None:
        result: Any = None
        error: BaseException | None = None
        try:
            result = self._work(self._task)
        except BaseException as exc:
            error = exc
        finally:
            close_thread_connection()
        self._relay.done.emit(result, error)


def close_thread_connection() -> None:
    """Close the database connection peewee opened for the calling thread, if any."""
    from desktopcrm.models import database

    db = database.obj
    if db is not None and not db.is_closed():
        db.close()


_running: set[Operation] = set()


class Operation(QObject):
    """A unit of background work with results delivered on the GUI thread.

    Args:
        parent: the widget the work is for; if it is gone when the work ends, the callbacks
            are skipped. Error messages are shown over it.
        work: called in a worker thread with a ``Task``; its return value goes to
            ``on_success``.
        on_success: called on the GUI thread with the result.
        on_failure: called on the GUI thread with the exception; the default shows known
            failures in a message box and hands bugs to the crash handler.
        title: a short name for the work, used in messages and the log.
    """

    succeeded = Signal(object)
    failed = Signal(object)
    progressed = Signal(int, int, str)
    cancelled = Signal()
    finished = Signal()

    def __init__(
        self,
        parent: QWidget | QObject | None,
        work: Callable[[Task], Any],
        *,
        on_success: Callable[[Any], None] | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
        title: str = "",
    ) -> None:
        super().__init__()
        self._owner = parent
        self._work = work
        self._on_success = on_success
        self._on_failure = on_failure
        self.title = title or getattr(work, "__name__", "work")
        self._relay = _Relay(self)
        self._relay.progressed.connect(self.progressed)
        self._relay.done.connect(self._finish)
        self._task = Task(self._relay)
        self.running = False

    def run(self) -> Operation:
        _running.add(self)
        self.running = True
        log.debug("starting %s", self.title)
        QThreadPool.globalInstance().start(_Runner(self._work, self._task, self._relay))
        return self

    def cancel(self) -> None:
        self._task._cancel.set()

    def _owner_alive(self) -> bool:
        return self._owner is None or is_alive(self._owner)

    def _finish(self, result: Any, error: BaseException | None) -> None:
        QTimer.singleShot(0, partial(_running.discard, self))
        self.running = False
        try:
            if self._task.cancelled or isinstance(error, Cancelled):
                log.info("%s cancelled", self.title)
                self.cancelled.emit()
            elif error is not None:
                log.info("%s failed: %s", self.title, error)
                self.failed.emit(error)
                if self._owner_alive():
                    (self._on_failure or self._default_failure)(error)
            else:
                self.succeeded.emit(result)
                if self._on_success is not None and self._owner_alive():
                    self._on_success(result)
        finally:
            self.finished.emit()

    def _default_failure(self, error: BaseException) -> None:
        if is_known_failure(error):
            parent = self._owner if isinstance(self._owner, QWidget) else None
            show_failure(parent, self.title, error)
        else:
            sys.excepthook(type(error), error, error.__traceback__)


def is_known_failure(error: BaseException) -> bool:
    from desktopcrm.models.errors import DatabaseError
    from desktopcrm.services.errors import ServiceError

    return isinstance(error, DatabaseError | ServiceError | OSError)


def failure_text(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        where = f": {error.filename}" if error.filename else ""
        return f"{error.strerror}{where}"
    return str(error)


def show_failure(parent: QWidget | None, title: str, error: BaseException) -> QMessageBox:
    """A non-blocking warning box with the plain message of a known failure."""
    box = QMessageBox(QMessageBox.Icon.Warning, title.capitalize(), failure_text(error))
    box.setObjectName("FailureMessage")
    if parent is not None:
        box.setParent(parent, box.windowFlags())
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


def wait_for_workers(timeout_ms: int = 10_000) -> bool:
    """Wait until the pool is idle (at shutdown, before the database closes)."""
    return QThreadPool.globalInstance().waitForDone(timeout_ms)
