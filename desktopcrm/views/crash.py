"""Never die silently: uncaught exceptions and Qt's own messages go to the log, and bugs
show a crash dialog on the GUI thread (from any thread, like qutebrowser's crashsignal)."""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from pathlib import Path
from types import TracebackType

from desktopcrm.qt import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QObject,
    QPlainTextEdit,
    QPushButton,
    Qt,
    QtMsgType,
    QVBoxLayout,
    QWidget,
    Signal,
    qInstallMessageHandler,
)
from desktopcrm.views.desktop import open_folder
from desktopcrm.views.icons import icon

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


class CrashDialog(QDialog):
    """What happened, where the details are, and the choice to carry on or quit."""

    def __init__(self, summary: str, details: str, log_path: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("CrashDialog")
        self.setWindowTitle("DesktopCRM ran into a problem")
        self.setMinimumWidth(560)
        self.log_path = log_path
        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 20, 22, 18)
        layout.setSpacing(12)

        head = QHBoxLayout()
        badge = QLabel()
        badge.setObjectName("CrashIcon")
        badge.setPixmap(icon("warning", "danger").pixmap(32, 32))
        badge.setAlignment(Qt.AlignmentFlag.AlignTop)
        head.addWidget(badge)
        text = QVBoxLayout()
        title = QLabel("Something went wrong")
        title.setObjectName("DialogTitle")
        text.addWidget(title)
        self.summary_label = QLabel(
            f"{summary}\n\nThis is a bug in DesktopCRM, not something you did. Changes you saved "
            f"before are safe in the database. The details are in {log_path}."
        )
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        text.addWidget(self.summary_label)
        head.addLayout(text, 1)
        layout.addLayout(head)

        self.details = QPlainTextEdit(details)
        self.details.setObjectName("Details")
        self.details.setReadOnly(True)
        self.details.setAccessibleName("Error details")
        self.details.setMinimumHeight(160)
        layout.addWidget(self.details)

        buttons = QHBoxLayout()
        self.copy_button = QPushButton("Copy details")
        self.copy_button.clicked.connect(self.copy_details)
        self.folder_button = QPushButton("Open log folder")
        self.folder_button.clicked.connect(lambda: open_folder(self.log_path))
        self.quit_button = QPushButton("Quit")
        self.quit_button.clicked.connect(self.quit_app)
        self.continue_button = QPushButton("Continue")
        self.continue_button.setProperty("primary", True)
        self.continue_button.setDefault(True)
        self.continue_button.clicked.connect(self.accept)
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.folder_button)
        buttons.addStretch(1)
        buttons.addWidget(self.quit_button)
        buttons.addWidget(self.continue_button)
        layout.addLayout(buttons)

    def add_details(self, details: str) -> None:
        self.details.appendPlainText("\n" + details)

    def copy_details(self) -> None:
        QApplication.clipboard().setText(self.details.toPlainText())

    def quit_app(self) -> None:
        self.done(QDialog.DialogCode.Rejected)
        QApplication.exit(1)


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
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.add_details(details)
            return
        parent = QApplication.activeWindow()
        self.dialog = CrashDialog(summary, details, self.log_path, parent)
        self.dialog.open()
