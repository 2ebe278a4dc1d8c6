"""Never die silently: uncaught exceptions and Qt's own messages go to the log, and bugs
show a crash dialog on the GUI thread (from any thread, like qutebrowser's crashsignal)."""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from desktopcrm.qt import QApplication, QObject, QtMsgType, Signal, qInstallMessageHandler

if TYPE_CHECKING:
    from desktopcrm.views.crash_dialog import CrashDialog

log = logging.getLogger("desktopcrm.crash")
qt_log = logging.getLogger("desktopcrm.qt")

_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def qt_message_handler(msg_type: QtMsgType, context: object, message: str) -> None:
    """Route a Qt message into the ``desktopcrm.qt`` logger."""
    level = _QT_LEVELS.get(msg_type, logging.WARNING)
    category = getattr(context, "category", None) or ""
    prefix = f"[{category}] " if category and category != "default" else ""
    qt_log.log(level, "%s%s", prefix, message)


def install_qt_message_handler() -> None:
    qInstallMessageHandler(qt_message_handler)


class CrashHandler(QObject):
    """``sys.excepthook`` and ``threading.excepthook``: log, then show a dialog on the GUI
    thread (worker threads hand off through the queued ``crashed`` signal)."""

    crashed = Signal(str, str)  # summary, details

    def __init__(self, log_path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.log_path = log_path
        self.dialog: CrashDialog | None = None
        self.crashed.connect(self._show)
        self._previous: tuple[object, object] | None = None

    def install(self) -> None:
        self._previous = (sys.excepthook, threading.excepthook)
        sys.excepthook = self.excepthook
        threading.excepthook = self.thread_excepthook

    def uninstall(self) -> None:
        if self._previous is not None:
            sys.excepthook, threading.excepthook = self._previous  # type: ignore[assignment]
            self._previous = None

    def excepthook(
        self,
        exc_type: type[BaseException],
        exc: BaseException,
        tb: TracebackType | None,
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            QApplication.exit(130)
            return
        details = "".join(traceback.format_exception(exc_type, exc, tb))
        log.critical("uncaught exception in %s\n%s", threading.current_thread().name, details)
        summary = f"{exc_type.__name__}: {exc}" if str(exc) else exc_type.__name__
        self.crashed.emit(summary, details)

    def thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None:
            return
        self.excepthook(args.exc_type, args.exc_value, args.exc_traceback)

    def _show(self, summary: str, details: str) -> None:
        from desktopcrm.views.crash_dialog import CrashDialog

        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.add_details(details)
            return
        parent = QApplication.activeWindow()
        self.dialog = CrashDialog(summary, details, self.log_path, parent)
        self.dialog.open()
