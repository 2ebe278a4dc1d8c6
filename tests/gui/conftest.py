"""Fixtures for the GUI tests: a themed application, the app context, the main window."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from desktopcrm.qt import QApplication, QThreadPool
from desktopcrm.services.workspace import Workspace
from desktopcrm.views import screens
from desktopcrm.views.context import AppContext
from desktopcrm.views.main_window import MainWindow
from desktopcrm.views.operations import wait_for_workers
from desktopcrm.views.theme import ThemeManager

#: What the offscreen platform says when a window or popup opens: limits of the plugin (no
#: window manager, no input grabs), not bugs of ours. Every other Qt warning still fails a test.
offscreen_popup_noise = pytest.mark.qt_log_ignore(
    r"^This plugin does not support (raise\(\)|grabbing the keyboard|grabbing the mouse"
    r"|propagateSizeHints\(\))$"
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/gui/" in str(item.path).replace("\\", "/"):
            item.add_marker(offscreen_popup_noise)


@pytest.fixture
def theme(qapp: QApplication) -> Iterator[ThemeManager]:
    manager = ThemeManager(qapp, "light")
    manager.apply()
    yield manager
    manager.set_choice("light")


@pytest.fixture
def context(workspace: Workspace, theme: ThemeManager) -> Iterator[AppContext]:
    ctx = AppContext(workspace, theme=theme)
    yield ctx
    settle_workers()


def settle_workers(rounds: int = 5) -> None:
    """Finish the test's background work against its own database: wait for the workers,
    then deliver their results (queued to the GUI thread), which may start more reads (a
    record page's tasks and emails after its details). Left pending, those would run in the
    next test, against the next test's database."""
    for _ in range(rounds):
        wait_for_workers()
        QApplication.processEvents()
        if QThreadPool.globalInstance().activeThreadCount() == 0:
            return


@pytest.fixture
def with_demo_screen(monkeypatch: pytest.MonkeyPatch) -> None:
    """Register a second screen (tests/gui/demo_screen.py) next to Settings."""
    demo = screens.ScreenSpec(
        key="demo",
        title="Demo",
        icon="dashboard",
        widget="tests.gui.demo_screen:DemoScreen",
        order=1,
    )
    monkeypatch.setattr(screens, "SCREENS", (*screens.SCREENS, demo))


@pytest.fixture
def window(qtbot, context: AppContext) -> MainWindow:  # type: ignore[no-untyped-def]
    win = MainWindow(context)
    qtbot.addWidget(win)
    show_active(qtbot, win)
    return win


def show_active(qtbot, win: MainWindow) -> None:  # type: ignore[no-untyped-def]
    """Show ``win`` as the active window (window shortcuts only fire in the active one)."""
    with qtbot.waitActive(win):
        win.show()
        win.activateWindow()
