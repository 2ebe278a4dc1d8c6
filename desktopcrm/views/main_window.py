"""The main window: sidebar, top bar with search and Add, the current screen, status bar.

``MainWindow()`` is the *shell*: everything that does not need the database, so it can paint
before the database is opened. ``attach(context)`` then fills in the user, the status bar, the
Add menu and the command palette, and builds the current screen (``MainWindow(context)`` does
both at once, for tests and screenshots).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from desktopcrm import APP_NAME
from desktopcrm.log import log_file_path
from desktopcrm.qt import (
    QCloseEvent,
    QEvent,
    QHBoxLayout,
    QKeySequence,
    QMainWindow,
    QObject,
    QSettings,
    QShortcut,
    QStackedWidget,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desktopcrm.settings import config_dir
from desktopcrm.views.opening_state import OpeningState
from desktopcrm.views.screens import ScreenSpec, registered_screens
from desktopcrm.views.sidebar import Sidebar
from desktopcrm.views.status_bar import StatusBar
from desktopcrm.views.top_bar import TopBar

if TYPE_CHECKING:
    from desktopcrm.views.banner import WarningBanner
    from desktopcrm.views.command_palette import CommandPalette
    from desktopcrm.views.context import AppContext
    from desktopcrm.views.operations import Operation
    from desktopcrm.views.record.page import RecordPage
    from desktopcrm.views.warm_up import WarmUp

log = logging.getLogger("desktopcrm.views.main_window")

DEFAULT_SIZE = (1280, 820)
#: Record pages kept alive (edits in progress survive going back and forth); pages with unsaved
#: edits are never dropped.
KEPT_RECORD_PAGES = 6
#: The sidebar screen that lists each record kind, when this version has it.
LIST_SCREENS = {
    "lead": ("leads",),
    "contact": ("contacts", "people", "companies"),
    "deal": ("deals",),
}

#: Where the window is: ("screen", key) or ("record", kind, id).
Place = tuple[str, ...]


def window_state_store() -> QSettings:
    """Window geometry and the last screen (an INI file beside settings.json)."""
    return QSettings(str(config_dir() / "window.ini"), QSettings.Format.IniFormat)


class MainWindow(QMainWindow):
    """Args:
    context: the workspace and its signals; None builds the shell, to ``attach`` one later.
    remember_state: restore and save geometry and the last screen (off for screenshots).
    """

    attached = Signal()  # the workspace is attached and the current screen is built

    def __init__(self, context: AppContext | None = None, *, remember_state: bool = True) -> None:
        super().__init__()
        self._context: AppContext | None = None
        self.remember_state = remember_state
        self._saved_state: tuple[bytes, bytes, str | None] | None = None
        self.setWindowTitle(APP_NAME)
        self.setObjectName("MainWindow")
        self.setMinimumSize(720, 480)
        self.screens: list[ScreenSpec] = registered_screens()
        self._screen_widgets: dict[str, QWidget] = {}
        self.current_key: str | None = None
        #: The record page shown, if the window shows one (else a screen, ``current_key``).
        self.current_record: RecordPage | None = None
        self.record_pages: dict[tuple[str, str], RecordPage] = {}
        self.history: list[Place] = []
        self.palette_popup: CommandPalette | None = None

        root = QWidget()
        root.setObjectName("Root")
        outer = QVBoxLayout(root)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        self._outer = outer
        self.banner: WarningBanner | None = None  # built when there is something to warn about
        self.warm_up: WarmUp | None = None  # imports the screens' modules once attached
        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(0)
        outer.addLayout(body, 1)
        self.sidebar = Sidebar(self.screens)
        body.addWidget(self.sidebar)
        content = QWidget()
        content.setObjectName("ContentArea")
        content_layout = QVBoxLayout(content)
        content_layout.setContentsMargins(0, 0, 0, 0)
        content_layout.setSpacing(0)
        self.top_bar = TopBar(self)
        content_layout.addWidget(self.top_bar)
        self.stack = QStackedWidget()
        self.stack.setObjectName("Screens")
        self.opening_state: OpeningState | None = OpeningState()
        self.stack.addWidget(self.opening_state)
        content_layout.addWidget(self.stack, 1)
        body.addWidget(content, 1)
        self.setCentralWidget(root)
        self._root = root
        self.status = StatusBar()
        self.setStatusBar(self.status)

        self.sidebar.screen_requested.connect(self.show_screen)
        self.sidebar.user_chip.manage_users_requested.connect(
            lambda: self.show_screen("settings", "users")
        )
        self._shortcuts()
        QWidget.setTabOrder(self.sidebar.user_chip, self.top_bar.search)
        QWidget.setTabOrder(self.top_bar.search, self.top_bar.add_button)

        self.resize(*DEFAULT_SIZE)
        last = None
        if remember_state:
            last = self._restore_state()
        keys = [s.key for s in self.screens]
        #: The screen to show; before ``attach``, only marked in the sidebar and the top bar.
        self.requested_key = last if last in keys else keys[0]
        self._mark_current(self.requested_key)
        if context is not None:
            self.attach(context)

    # ---- the workspace -----------------------------------------------------

    @property
    def context(self) -> AppContext:
        """The attached workspace's context (a RuntimeError before ``attach``)."""
        if self._context is None:
            raise RuntimeError("the main window has no workspace attached yet")
        return self._context

    @property
    def is_attached(self) -> bool:
        return self._context is not None

    def attach(self, context: AppContext) -> None:
        """Fill the shell in from the open workspace, show the requested screen, emit
        ``attached``."""
        if self._context is not None:
            raise RuntimeError("the main window already has a workspace")
        self._context = context
        self.show_warnings(context.location.warnings)
        context.database_reopened.connect(lambda: self.show_warnings(context.location.warnings))
        self.sidebar.user_chip.attach(context)
        self.status.attach(context)
        self.top_bar.attach(context)
        self.top_bar.search.installEventFilter(self)  # builds the palette on first focus
        context.open_record.connect(self.open_record)
        context.open_screen.connect(self._open_screen)
        self.show_screen(self.requested_key)
        if self.opening_state is not None:
            self.stack.removeWidget(self.opening_state)
            self.opening_state.deleteLater()
            self.opening_state = None
        from desktopcrm.views.warm_up import WarmUp

        modules = [spec.widget.partition(":")[0] for spec in self.screens]
        self.warm_up = WarmUp([*modules, "desktopcrm.views.record.page"], self)
        self.warm_up.start()
        self.attached.emit()

    def command_palette(self) -> CommandPalette:
        """The search's results popup, built the first time the search is used."""
        if self.palette_popup is None:
            from desktopcrm.views.command_palette import CommandPalette
            from desktopcrm.views.search_providers import builtin_providers

            self.palette_popup = CommandPalette(
                self.top_bar.search,
                builtin_providers(self),
                self._root,
                anchor=self.top_bar.search_field,
            )
        return self.palette_popup

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.top_bar.search and event.type() == QEvent.Type.FocusIn:
            self.top_bar.search.removeEventFilter(self)
            self.command_palette().open()
        return False

    def show_warnings(self, warnings: tuple[str, ...]) -> None:
        """Show the database's warnings in the banner at the top (hide it when there are none)."""
        if self.banner is None:
            if not warnings:
                return
            from desktopcrm.views.banner import WarningBanner

            self.banner = WarningBanner()
            self._outer.insertWidget(0, self.banner)
        self.banner.set_warnings(warnings)

    def show_open_failure(self, text: str) -> None:
        """Say in the content area why the database could not be opened."""
        if self.opening_state is not None:
            self.opening_state.show_failure(text)

    # ---- navigation --------------------------------------------------------

    def _shortcuts(self) -> None:
        def add(
            sequence: str | QKeySequence | QKeySequence.StandardKey, slot: object, name: str
        ) -> QShortcut:
            shortcut = QShortcut(QKeySequence(sequence), self)  # a window shortcut by default
            shortcut.activated.connect(slot)
            shortcut.setObjectName(name)
            return shortcut

        add("Ctrl+K", self.focus_search, "focus-search")
        add(QKeySequence.StandardKey.Find, self.focus_search, "find")
        add("Ctrl+N", self.show_add_menu, "add")
        add("Alt+Left", self.go_back, "back")
        for index, spec in enumerate(self.screens[:9]):
            add(
                f"Ctrl+{index + 1}",
                lambda key=spec.key: self.show_screen(key),
                f"screen-{spec.key}",
            )

    def focus_search(self) -> None:
        if not self.is_attached:
            return
        self.top_bar.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.top_bar.search.selectAll()
        self.command_palette().open()

    def show_add_menu(self) -> None:
        if self.top_bar.add_button.isEnabled():
            self.top_bar.add_button.show_menu()

    def screen_widget(self, key: str) -> QWidget:
        """The widget of screen ``key``, built the first time it is asked for."""
        widget = self._screen_widgets.get(key)
        if widget is None:
            spec = next(s for s in self.screens if s.key == key)
            widget = spec.build(self.context)
            widget.setObjectName(f"screen-{key}")
            self._screen_widgets[key] = widget
            self.stack.addWidget(widget)
        return widget

    def show_screen(self, key: str, section: str | None = None, focus: str | None = None) -> None:
        """Show screen ``key`` (and, for screens with sections, ``section``).

        Before ``attach`` the screen is only remembered, and shown once the workspace is.
        """
        if self._mark_current(key) is None:
            log.warning("no screen %s in this version", key)
            return
        self.requested_key = key
        if self._context is None:
            return
        self._remember_place(("screen", key))
        widget = self.screen_widget(key)
        self.stack.setCurrentWidget(widget)
        self.current_key = key
        self.current_record = None
        if section is not None and hasattr(widget, "show_section"):
            widget.show_section(section, focus)

    def _open_screen(self, key: str, section: str) -> None:
        """``AppContext.open_screen``: show the screen (and section) and bring the window up."""
        self.show_screen(key, section or None)
        self.raise_()
        self.activateWindow()

    def _mark_current(self, key: str) -> ScreenSpec | None:
        """Title, window title and sidebar say ``key`` is the current screen."""
        spec = next((s for s in self.screens if s.key == key), None)
        if spec is not None:
            self.top_bar.title.setText(spec.title)
            self.setWindowTitle(f"{spec.title} — {APP_NAME}")
            self.sidebar.select(key)
        return spec

    # ---- record pages ------------------------------------------------------

    def place(self) -> Place | None:
        """Where the window is now (None before anything is shown)."""
        if self.current_record is not None:
            page = self.current_record
            return ("record", page.kind.value, page.record_id.hex)
        return ("screen", self.current_key) if self.current_key else None

    def _remember_place(self, new: Place) -> None:
        current = self.place()
        if current is not None and current != new and not self._going_back:
            self.history.append(current)
            del self.history[:-50]

    _going_back = False

    def open_record(self, kind: str, record_id: str) -> RecordPage:
        """Show the page of a lead, contact or deal (``AppContext.open_record``), in place of
        the screen; Back (Alt+Left) returns to where the user was."""
        from desktopcrm.views.record.page import RecordPage

        key = (kind, record_id.replace("-", "").lower())
        self._remember_place(("record", *key))
        page = self.record_pages.pop(key, None)
        if page is None:
            page = RecordPage(self.context, kind, record_id)
            page.back_requested.connect(self.go_back)
            page.title_changed.connect(lambda title, p=page: self._record_title(p, title))
            self.stack.addWidget(page)
        self.record_pages[key] = page  # most recent last
        self.stack.setCurrentWidget(page)
        self.current_record = page
        self._record_title(page, page.title or "Loading…")
        self._drop_old_pages()
        if not self._going_back or not page.isAncestorOf(self.focusWidget()):
            page.back_button.setFocus(Qt.FocusReason.OtherFocusReason)
        return page

    def _mark_list_screen(self, kind: str) -> ScreenSpec | None:
        """Highlight the list the record belongs to (a click on it, or on any screen, shows
        that screen), or no screen when this version has no such list; returns that list."""
        wanted = LIST_SCREENS.get(kind, ())
        page = self.current_record
        if kind == "contact" and page is not None and page.details is not None:
            wanted = ("companies",) if page.details.is_company else ("contacts", "people")
        by_key = {spec.key: spec for spec in self.screens}
        spec = next((by_key[k] for k in wanted if k in by_key), None)
        self.sidebar.select(spec.key if spec is not None else "")
        return spec

    def _record_title(self, page: RecordPage, title: str) -> None:
        """The window title names the record; the top bar names the list it belongs to (the
        page's own header names the record, in large)."""
        if page is self.current_record:
            self.setWindowTitle(f"{title} — {APP_NAME}")
            spec = self._mark_list_screen(page.kind.value)
            self.top_bar.title.setText(spec.title if spec is not None else title)

    def _drop_old_pages(self) -> None:
        for key in list(self.record_pages):
            if len(self.record_pages) <= KEPT_RECORD_PAGES:
                break
            page = self.record_pages[key]
            if page is self.current_record or page.is_dirty():
                continue
            del self.record_pages[key]
            self.stack.removeWidget(page)
            page.deleteLater()

    def go_back(self) -> None:
        """Return to the screen or record shown before (Alt+Left)."""
        if not self.is_attached or not self.history:
            return
        place = self.history.pop()
        self._going_back = True
        try:
            if place[0] == "record":
                self.open_record(place[1], place[2])
            else:
                self.show_screen(place[1])
        finally:
            self._going_back = False

    def add_record(self, kind: str) -> None:
        """Open the Universal Add dialog for ``kind`` (lead, person, company, deal, note)."""
        from desktopcrm.views.record.add_dialogs import open_add_dialog

        record = None
        if self.current_record is not None and self.current_record.details is not None:
            record = self.current_record.details.record
        open_add_dialog(self.context, kind, self, current=record)

    # ---- commands ----------------------------------------------------------

    def back_up_now(self) -> Operation:
        from desktopcrm.services.maintenance import backup_now
        from desktopcrm.views.operations import Operation

        location = self.context.location
        self.context.message.emit("Backing up…")
        return Operation(
            self,
            lambda _task: backup_now(location),
            on_success=lambda path: self.context.message.emit(f"Backed up to {path}"),
            title="back up the database",
        ).run()

    def open_log_folder(self) -> None:
        from desktopcrm.views.desktop import open_folder

        open_folder(log_file_path())

    def add_user(self) -> None:
        from desktopcrm.views.user_dialog import AddUserDialog

        dialog = AddUserDialog(self.context, self)
        dialog.open()

    # ---- state -------------------------------------------------------------

    def _restore_state(self) -> str | None:
        store = window_state_store()
        geometry = store.value("main_window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = store.value("main_window/state")
        if state is not None:
            self.restoreState(state)
        last = store.value("main_window/screen")
        return str(last) if last else None

    def save_state(self) -> None:
        """Remember geometry and the current screen (written once when nothing changed since:
        closing the window and quitting both save)."""
        if not self.remember_state:
            return
        state = (
            bytes(self.saveGeometry().data()),
            bytes(self.saveState().data()),
            self.current_key,
        )
        if state == self._saved_state:
            return
        store = window_state_store()
        store.setValue("main_window/geometry", self.saveGeometry())
        store.setValue("main_window/state", self.saveState())
        if self.current_key:
            store.setValue("main_window/screen", self.current_key)
        store.sync()
        self._saved_state = state

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_state()
        super().closeEvent(event)

    def log_path(self) -> Path:
        return log_file_path()
