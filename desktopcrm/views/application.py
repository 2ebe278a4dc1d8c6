"""Starting the window: ``run_gui(args)`` is what ``desktopcrm`` does without a subcommand."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from pathlib import Path

from desktopcrm import APP_NAME, __version__
from desktopcrm.log import log_file_path
from desktopcrm.models.errors import DatabaseError
from desktopcrm.qt import QApplication, QEvent, QFileDialog, QIcon, QObject, QTimer, QWidget
from desktopcrm.services.workspace import Workspace, close_workspace, open_workspace
from desktopcrm.settings import Settings
from desktopcrm.views.crash import CrashHandler, install_qt_message_handler
from desktopcrm.views.resources import icon_path
from desktopcrm.views.theme import ThemeManager

log = logging.getLogger("desktopcrm.views.application")

#: Asked when the database cannot be opened: (message, location) -> another path, or None to quit.
AskForDatabase = Callable[[str, str], Path | None]


def create_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication, named, with the window icon (reused if one exists)."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(argv or [APP_NAME])
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
    from desktopcrm.views.database_error_dialog import DatabaseErrorDialog

    while True:
        dialog = DatabaseErrorDialog(message, location)
        if dialog.exec() != DatabaseErrorDialog.CHOOSE:
            return None
        chosen, _ = QFileDialog.getOpenFileName(
            None,
            "Choose a DesktopCRM database",
            str(Path(location).parent) if "://" not in location else "",
            "DesktopCRM databases (*.sqlite *.db);;All files (*)",
        )
        if chosen:
            return Path(chosen)


def open_workspace_or_report(
    spec: str | Path | None,
    shared: bool | None,
    settings: Settings | None = None,
    *,
    ask: AskForDatabase = ask_with_dialog,
) -> tuple[Workspace, str | Path | None, bool | None] | None:
    """Open the database, or explain why not and let the user pick another one.

    Returns the workspace with the spec and mode it was opened with, or None if the user quit.
    """
    from desktopcrm.models import resolve_location

    while True:
        try:
            return open_workspace(spec, shared=shared, settings=settings), spec, shared
        except DatabaseError as exc:
            log.error("cannot open the database: %s", exc)
            try:
                where = resolve_location(spec, shared=shared).display()
            except Exception:
                where = str(spec)
            chosen = ask(str(exc), where)
            if chosen is None:
                return None
            spec, shared = chosen, None


class FirstPaintQuitter(QObject):
    """Quits the application right after ``window`` first paints (``--quit-after-startup``)."""

    def __init__(self, window: QWidget, app: QApplication) -> None:
        super().__init__(window)
        self._app = app
        self.painted = False
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and not self.painted:
            self.painted = True
            watched.removeEventFilter(self)
            log.info("first paint; quitting (--quit-after-startup)")
            QTimer.singleShot(0, self._app.quit)
        return False


def run_gui(args: argparse.Namespace) -> int:
    """Open the main window on the database of ``args``; returns the exit code."""
    from desktopcrm.views.context import AppContext
    from desktopcrm.views.main_window import MainWindow
    from desktopcrm.views.presence_monitor import PresenceMonitor

    app = create_application(sys.argv[:1])
    crash = CrashHandler(log_file_path(), app)
    crash.install()
    install_qt_message_handler()
    settings = Settings()
    theme = ThemeManager(app, args.theme or settings.get("theme"))
    theme.apply()
    opened = open_workspace_or_report(args.database, args.shared, settings, ask=ask_with_dialog)
    if opened is None:
        crash.uninstall()
        return 1
    workspace, spec, shared = opened
    context = AppContext(workspace, spec=spec, shared=shared, theme=theme)
    window = MainWindow(context)
    monitor = PresenceMonitor(context)
    monitor.peers_changed.connect(window.status.set_peers)
    monitor.problem.connect(window.status.show_problem)
    monitor.start()
    if args.quit_after_startup:
        FirstPaintQuitter(window, app)
    window.show()
    try:
        code = app.exec()
    finally:
        window.save_state()
        monitor.stop()
        if context.database_open:
            close_workspace()
        crash.uninstall()
    log.info("quit with code %s", code)
    return code
