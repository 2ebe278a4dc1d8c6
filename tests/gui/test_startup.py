"""Paint first, then open: the shell, the background open, attaching, and the connections."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktopcrm.models import User, database
from desktopcrm.qt import QWidget
from desktopcrm.services.workspace import close_workspace
from desktopcrm.settings import Settings
from desktopcrm.views import workspace_opener
from desktopcrm.views.application import Startup
from desktopcrm.views.main_window import MainWindow
from desktopcrm.views.theme import ThemeManager
from desktopcrm.views.workspace_opener import OpenedWorkspace, open_workspace_or_report


def never_asked(message: str, location: str) -> Path | None:
    raise AssertionError(f"asked about {location}: {message}")


@pytest.fixture
def shell(qtbot, theme: ThemeManager) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    win = MainWindow()
    qtbot.addWidget(win)
    yield win


def start(qtbot, shell: MainWindow, theme: ThemeManager, ask=never_asked) -> Startup:  # type: ignore[no-untyped-def]
    """Show the shell under a ``Startup`` and wait for its first paint."""
    startup = Startup(shell, Settings(), theme, ask=ask)
    with qtbot.waitSignal(startup.shell_painted):
        shell.show()
    return startup


def test_the_shell_paints_before_the_workspace_then_attaches(
    qtbot, shell: MainWindow, theme: ThemeManager, tmp_path: Path
) -> None:
    startup = start(qtbot, shell, theme)
    # the shell: screens listed, nothing that needs the database is usable or built
    assert shell.isVisible() and not shell.is_attached
    assert [b.key for b in shell.sidebar.nav_buttons(shell.sidebar.system_nav)] == ["settings"]
    assert shell.top_bar.title.text() == "Dashboard"  # the first screen
    assert not shell.top_bar.add_button.isEnabled()
    assert not shell.top_bar.search.isEnabled()
    assert not shell.sidebar.user_chip.isEnabled()
    assert shell.status.location.text() == "Opening the database…"
    assert shell.opening_state is not None and shell.opening_state.isVisible()
    assert shell.findChild(QWidget, "screen-dashboard") is None
    assert shell.palette_popup is None
    assert shell.findChild(QWidget, "NotificationBell") is None  # built after the first paint
    shell.focus_search()  # Ctrl+K before the database is open does nothing
    shell.show_add_menu()
    with pytest.raises(RuntimeError):
        _ = shell.context

    database_file = tmp_path / "crm.sqlite"
    try:
        with qtbot.waitSignals([startup.attached, startup.ready], order="strict"):
            startup.open(database_file, None)
        assert shell.is_attached and startup.context is shell.context
        assert shell.top_bar.add_button.isEnabled()
        assert shell.top_bar.search.isEnabled()
        assert shell.sidebar.user_chip.isEnabled()
        assert shell.sidebar.user_chip.name_label.text() == shell.context.user.name
        assert shell.status.location.text() == f"Local file · {database_file}"
        assert shell.current_key == "dashboard"
        assert shell.stack.currentWidget().objectName() == "screen-dashboard"
        assert shell.opening_state is None
        # reminders are armed (one timer, for the next one or an hour from now)
        assert startup.reminders is not None and startup.reminders.timer.isActive()
        # the notification bell sits in the top bar and the centre checks from time to time
        assert startup.notifications is not None and startup.notifications.timer.isActive()
        assert shell.top_bar.findChild(QWidget, "NotificationBell") is not None
        assert startup.reminders.notifier is startup.notifications
        assert shell.palette_popup is None  # built on first use
        shell.focus_search()
        assert shell.palette_popup is not None and shell.palette_popup.isVisible()
    finally:
        startup.shutdown()
    assert startup.context is not None and not startup.context.database_open
    assert not startup.reminders.timer.isActive()
    assert startup.notifications is not None and not startup.notifications.timer.isActive()


def test_a_screen_picked_before_attach_is_shown_after(
    qtbot, with_demo_screen, theme: ThemeManager, tmp_path: Path
) -> None:
    win = MainWindow(remember_state=False)
    qtbot.addWidget(win)
    startup = start(qtbot, win, theme)
    assert win.requested_key == "demo"
    win.show_screen("settings")
    assert win.top_bar.title.text() == "Settings" and win.current_key is None
    try:
        with qtbot.waitSignal(startup.ready):
            startup.open(tmp_path / "crm.sqlite", None)
        assert win.current_key == "settings"
        assert win.findChild(QWidget, "screen-demo") is None  # only what is shown is built
    finally:
        startup.shutdown()


def test_the_error_dialog_flow_runs_through_the_background_open(
    qtbot, shell: MainWindow, theme: ThemeManager, tmp_path: Path
) -> None:
    bogus = tmp_path / "notes.sqlite"
    bogus.write_text("shopping list")
    good = tmp_path / "good.sqlite"
    asked: list[str] = []

    def ask(message: str, location: str) -> Path | None:
        asked.append(location)
        assert shell.isVisible() and not shell.is_attached  # asked over the shell
        return good if len(asked) == 1 else None

    startup = start(qtbot, shell, theme, ask)
    try:
        with qtbot.waitSignal(startup.ready):
            opener = startup.open(bogus, None)
        assert asked == [str(bogus)]
        assert shell.context.location.path == good
        assert (opener.spec, opener.shared) == (good, None)
        assert bogus.read_text() == "shopping list"
    finally:
        startup.shutdown()


def test_quitting_from_the_error_dialog_abandons_the_start(
    qtbot, shell: MainWindow, theme: ThemeManager, tmp_path: Path
) -> None:
    bogus = tmp_path / "notes.sqlite"
    bogus.write_text("shopping list")
    startup = start(qtbot, shell, theme, ask=lambda _m, _l: None)
    with qtbot.assertNotEmitted(startup.attached), qtbot.waitSignal(startup.abandoned):
        startup.open(bogus, None)
    assert not shell.is_attached
    startup.shutdown()


def test_a_bug_while_opening_goes_to_the_crash_handler(
    qtbot, shell: MainWindow, theme: ThemeManager, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object) -> OpenedWorkspace:
        raise RuntimeError("a bug")

    crashes: list[BaseException] = []
    monkeypatch.setattr(workspace_opener, "open_in_worker", broken)
    monkeypatch.setattr(sys, "excepthook", lambda _type, exc, _tb: crashes.append(exc))
    startup = start(qtbot, shell, theme)
    opener = startup.open(None, None)
    with qtbot.waitSignal(opener.failed):
        pass  # results arrive through the event loop, so connecting after the start is safe
    assert [str(e) for e in crashes] == ["a bug"]
    assert shell.opening_state is not None
    assert "could not open the database" in shell.opening_state.label.text()
    startup.shutdown()


def open_files_of(path: Path) -> int:
    """How many file descriptors of this process point at ``path`` (Linux)."""
    fds = Path("/proc/self/fd")
    count = 0
    for fd in fds.iterdir():
        try:
            if Path(os.readlink(fd)) == path:
                count += 1
        except OSError:
            continue
    return count


@pytest.mark.parametrize("mode", ["local", "shared", "postgresql"])
def test_gui_thread_queries_after_a_worker_opened_the_database(
    qtbot, mode: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """The worker opens and migrates, then closes its connection; the GUI thread's first
    query opens the GUI thread's own, configured like the worker's."""
    spec: str | Path = (
        request.getfixturevalue("pg_url") if mode == "postgresql" else tmp_path / "crm.sqlite"
    )
    shared = None if mode == "postgresql" else mode == "shared"
    opener = open_workspace_or_report(spec, shared, ask=never_asked)
    try:
        with qtbot.waitSignal(opener.opened) as blocker:
            pass
        opened: OpenedWorkspace = blocker.args[0]
        assert opened.workspace.location.mode.value == mode
        db = database.obj
        assert db.is_closed()  # nothing opened on the GUI thread yet
        assert User.select().count() == 1  # autoconnects this thread's connection
        assert not db.is_closed()
        if mode == "postgresql":
            sessions = db.execute_sql(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            ).fetchone()[0]
            assert sessions == 1  # the worker's connection was closed
        else:
            journal = db.execute_sql("PRAGMA journal_mode").fetchone()[0]
            assert journal == ("wal" if mode == "local" else "delete")
            assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
            if sys.platform.startswith("linux"):
                assert open_files_of(Path(spec)) == 1  # the worker's connection was closed
        # and writes from the GUI thread work too
        from desktopcrm.services import users

        users.create_user(opened.workspace.user, "Written On The GUI Thread")
        assert User.select().count() == 2
    finally:
        close_workspace()
