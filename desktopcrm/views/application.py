"""Starting the window: ``run_gui(args)`` is what ``desktopcrm`` does without a subcommand.

Start-up paints first and opens the database after, so the window appears at once even when
the database sits on a slow network share or needs a migration:

1. **Shell.** ``run_gui`` creates the QApplication, the crash handler and the theme, and shows
   ``MainWindow()`` without a workspace: the sidebar with the registered screens, the top bar
   (search and Add disabled), "Opening the database…" in the content area, and the status bar.
   The modules the shell needs do not import ``desktopcrm.models`` or ``desktopcrm.services``
   at module level, so none of the database layer is loaded yet.
2. **Shell painted** (``Startup.shell_painted``, right after the window's first paint).
   ``--quit-after-startup`` quits here: it times the shell alone, and no database is opened.
   Otherwise ``Startup.open`` starts a ``WorkspaceOpener`` (``views/workspace_opener.py``): an
   ``Operation`` that imports the database layer and opens (creates, migrates) the database in
   a worker thread. Peewee keeps one connection per thread: the worker's is closed when its
   work ends, and the GUI thread's first query opens the GUI thread's own. On the next turn
   of the event loop the theme starts following the OS colour scheme.
3. **Database error.** If the database cannot be used (a ``DatabaseError``), the
   database-error dialog asks for another file (tried the same way, in the background) or quits
   with exit code 1 (``Startup.abandoned``). A bug while opening goes to the crash dialog and
   the content area says the database could not be opened.
4. **Attached.** ``Startup`` builds the ``AppContext``, ``MainWindow.attach`` fills in the
   user chip, the status bar, the Add menu and the command palette and builds the last screen,
   and the presence monitor starts (``Startup.attached``).
5. **Ready** (``Startup.ready``): the first paint after that. ``--quit-when-ready`` quits here.

At quit, ``Startup.shutdown`` stops the presence monitor, waits for background work (an open
still running included) and closes the GUI thread's connection.
"""

from __future__ import annotations

import argparse
import gc
import logging
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from desktopcrm import APP_NAME, __version__
from desktopcrm.log import log_file_path
from desktopcrm.qt import QApplication, QEvent, QIcon, QObject, QTimer, Signal
from desktopcrm.settings import Settings
from desktopcrm.views.crash import CrashHandler, install_qt_message_handler
from desktopcrm.views.resources import icon_path
from desktopcrm.views.theme import ThemeManager, new_application

if TYPE_CHECKING:
    from desktopcrm.qt import QWidget
    from desktopcrm.views.context import AppContext
    from desktopcrm.views.mail_sync import MailSync
    from desktopcrm.views.main_window import MainWindow
    from desktopcrm.views.notifications.centre import NotificationCentre
    from desktopcrm.views.presence_monitor import PresenceMonitor
    from desktopcrm.views.reminders import ReminderScheduler
    from desktopcrm.views.workspace_opener import AskForDatabase, OpenedWorkspace, WorkspaceOpener

log = logging.getLogger("desktopcrm.views.application")


def create_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication, named, with the window icon (reused if one exists)."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else new_application(argv or [APP_NAME])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("desktopcrm")
    app_icon = icon_path("app-icon")
    if app_icon.exists():
        app.setWindowIcon(QIcon(str(app_icon)))
    return app


def ask_with_dialog(message: str, location: str) -> Path | None:
    """Show the database error; return the file the user picks instead, or None to quit."""
    from desktopcrm.qt import QFileDialog
    from desktopcrm.views.database_error_dialog import DatabaseErrorDialog

    while True:
        dialog = DatabaseErrorDialog(message, location, QApplication.activeWindow())
        if dialog.exec() != DatabaseErrorDialog.CHOOSE:
            return None
        chosen, _ = QFileDialog.getOpenFileName(
            dialog.parentWidget(),
            "Choose a DesktopCRM database",
            str(Path(location).parent) if "://" not in location else "",
            "DesktopCRM databases (*.sqlite *.db);;All files (*)",
        )
        if chosen:
            return Path(chosen)


class PaintWatcher(QObject):
    """Emits ``painted`` once, from the event loop right after ``widget``'s next paint."""

    painted = Signal()

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self.seen = False
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and not self.seen:
            self.seen = True
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self.painted.emit)
        return False


class Startup(QObject):
    """Paint the shell first, then open the workspace and attach it (see the module docstring).

    Args:
        window: the shell, not shown yet.
        settings: this machine's settings.
        theme: the theme manager, handed to the ``AppContext``.
        ask: what to do when the database cannot be used (see ``WorkspaceOpener``).
    """

    shell_painted = Signal()
    attached = Signal()
    ready = Signal()
    abandoned = Signal()

    def __init__(
        self,
        window: MainWindow,
        settings: Settings,
        theme: ThemeManager | None,
        *,
        ask: AskForDatabase,
    ) -> None:
        super().__init__(window)
        self.window = window
        self._settings = settings
        self._theme = theme
        self._ask = ask
        self.opener: WorkspaceOpener | None = None
        self.context: AppContext | None = None
        self.monitor: PresenceMonitor | None = None
        self.reminders: ReminderScheduler | None = None
        self.notifications: NotificationCentre | None = None
        self.mail_sync: MailSync | None = None
        PaintWatcher(window).painted.connect(self._shell_painted)

    def _shell_painted(self) -> None:
        log.info("shell painted")
        self.shell_painted.emit()  # opens the database in a worker first
        if self._theme is not None:
            # Reading the OS colour scheme builds PySide's whole ``Qt`` namespace (~20 ms, see
            # ``qt.LazyNamespace``): on the next turn, while the worker opens the database.
            QTimer.singleShot(0, self._theme.follow_system)

    def _ready(self) -> None:
        log.info("ready: first paint with the workspace attached")
        self.ready.emit()
        if self.mail_sync is not None:  # after the first paint with the workspace
            QTimer.singleShot(0, self.mail_sync.start)

    def open(self, spec: str | Path | None, shared: bool | None) -> WorkspaceOpener:
        """Open the database in the background; attach it to the window when it is open."""
        from desktopcrm.views.workspace_opener import open_workspace_or_report

        self.opener = open_workspace_or_report(spec, shared, self._settings, ask=self._ask)
        self.opener.opened.connect(self._attach)
        self.opener.abandoned.connect(self.abandoned)
        self.opener.failed.connect(self.window.show_open_failure)
        return self.opener

    def _attach(self, opened: OpenedWorkspace) -> None:
        from desktopcrm.views.context import AppContext
        from desktopcrm.views.presence_monitor import PresenceMonitor

        self.context = AppContext(
            opened.workspace, spec=opened.spec, shared=opened.shared, theme=self._theme
        )
        PaintWatcher(self.window).painted.connect(self._ready)
        self.window.attach(self.context)
        self.monitor = PresenceMonitor(self.context)
        self.monitor.peers_changed.connect(self.window.status.set_peers)
        self.monitor.problem.connect(self.window.status.show_problem)
        self.monitor.start()
        from desktopcrm.views.notifications.centre import NotificationCentre
        from desktopcrm.views.reminders import ReminderScheduler

        self.notifications = NotificationCentre(self.context, self.window)
        self.notifications.start()
        self.reminders = ReminderScheduler(self.context, self.window)
        self.reminders.notifier = self.notifications
        self.reminders.start()  # the missed ones once, then one timer for the next
        from desktopcrm.views.mail_sync import MailSync

        self.mail_sync = MailSync(self.context, self.window.status)
        self.context.mail_sync = self.mail_sync
        log.info("workspace attached")
        self.attached.emit()

    def shutdown(self) -> None:
        """At quit: end the session, wait for background work, close this thread's connection."""
        if self.mail_sync is not None:
            self.mail_sync.stop()
        if self.reminders is not None:
            self.reminders.stop()
        if self.notifications is not None:
            self.notifications.stop()
        if self.monitor is not None:
            self.monitor.stop()
        elif self.opener is not None:  # without it nothing ran in the background
            from desktopcrm.views.operations import wait_for_workers

            if not wait_for_workers():
                log.warning("background work still running at quit")
        if self.context is not None and self.context.database_open:
            self.context.close_database()


def run_gui(args: argparse.Namespace) -> int:
    """Show the main window and open the database of ``args``; returns the exit code."""
    from desktopcrm.views.main_window import MainWindow

    app = create_application(sys.argv[:1])
    crash = CrashHandler(log_file_path(), app)
    crash.install()
    install_qt_message_handler()
    settings = Settings()
    theme = ThemeManager(app, args.theme or settings.get("theme"), follow_system=False)
    theme.apply()
    window = MainWindow()
    startup = Startup(window, settings, theme, ask=ask_with_dialog)
    if not gc.isenabled():  # paused by desktopcrm.app.main for the start-up imports
        startup.shell_painted.connect(resume_garbage_collection)
    if args.quit_after_startup:
        startup.shell_painted.connect(lambda: quit_now(app, "--quit-after-startup", stamp=True))
    else:
        startup.shell_painted.connect(lambda: startup.open(args.database, args.shared))
    if args.quit_when_ready:
        startup.ready.connect(lambda: quit_now(app, "--quit-when-ready", stamp=True))
    startup.abandoned.connect(lambda: app.exit(1))
    window.show()
    try:
        code = app.exec()
    finally:
        window.save_state()
        startup.shutdown()
        crash.uninstall()
    log.info("quit with code %s", code)
    return code


def resume_garbage_collection() -> None:
    """Turn garbage collection back on after the first paint; what start-up made (modules,
    classes, the window) lives as long as the app, so it is frozen out of future collections."""
    gc.freeze()
    gc.enable()


def quit_now(app: QApplication, reason: str, *, stamp: bool = False) -> None:
    """Quit; with ``stamp``, first print when (epoch seconds) the paint that ends the timing
    flag ``reason`` happened, for benchmarks/startup.py to subtract the launch time from."""
    if stamp:
        print(f"{reason} painted at {time.time():.6f}", flush=True)
    log.info("quitting (%s)", reason)
    app.quit()
