"""The main window: sidebar, shortcuts, command palette, Add menu, remembered state."""

from __future__ import annotations

from desktopcrm.qt import QApplication, QMenu, Qt
from desktopcrm.views.main_window import MainWindow
from desktopcrm.views.user_dialog import AddUserDialog
from tests.gui.conftest import offscreen_popup_noise, show_active


def test_opens_on_the_first_screen_with_only_real_screens(window: MainWindow) -> None:
    keys = [
        "dashboard", "leads", "contacts", "companies", "deals", "board", "calendar", "tasks",
        "mail", "settings",
    ]  # fmt: skip
    assert [s.key for s in window.screens] == keys
    assert window.current_key == "dashboard"
    assert window.top_bar.title.text() == "Dashboard"
    sidebar = window.sidebar
    assert [b.key for b in sidebar.nav_buttons()] == keys
    assert len(sidebar.nav_buttons(sidebar.main_nav)) == 9
    assert sidebar.current_key() == "dashboard"


def test_sidebar_and_ctrl_digits_switch_screens(qtbot, with_demo_screen, context) -> None:
    win = MainWindow(context)
    qtbot.addWidget(win)
    show_active(qtbot, win)
    keys = [
        "demo", "dashboard", "leads", "contacts", "companies", "deals", "board", "calendar",
        "tasks", "mail", "settings",
    ]  # fmt: skip
    assert [s.key for s in win.screens] == keys
    qtbot.keyClick(win, Qt.Key.Key_9, Qt.KeyboardModifier.ControlModifier)
    assert win.current_key == "tasks"  # the ninth screen
    assert win.stack.currentWidget().objectName() == "screen-tasks"
    qtbot.keyClick(win, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert win.current_key == "demo"
    assert win.top_bar.title.text() == "Demo"
    # keyboard in the sidebar itself: Tab reaches the current screen only, arrows move on
    sidebar = win.sidebar
    assert sidebar.current_key() == "demo"
    sidebar.user_chip.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClick(sidebar.user_chip, Qt.Key.Key_Backtab)  # the first time a nav button is reached
    assert QApplication.focusWidget() is sidebar.button("demo")
    tab_stops = [b.key for b in sidebar.nav_buttons() if b.focusPolicy() & Qt.FocusPolicy.TabFocus]
    assert tab_stops == ["demo"]
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Down)
    assert win.current_key == "dashboard"
    assert sidebar.button("dashboard").hasFocus()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_End)
    assert win.current_key == "settings"
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Up)  # across the gap between groups
    assert win.current_key == keys[-2]  # the last main screen
    assert sidebar.current_key() == keys[-2]
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Down)
    assert win.current_key == "settings"
    assert sidebar.button("settings").hasFocus()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Home)
    assert win.current_key == "demo"
    qtbot.mouseClick(sidebar.button("board"), Qt.MouseButton.LeftButton)
    assert win.current_key == "board"


def test_ctrl_k_opens_the_palette_and_enter_runs_a_result(qtbot, window: MainWindow) -> None:
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    search = window.top_bar.search
    qtbot.waitUntil(search.hasFocus)
    palette = window.palette_popup
    assert palette.isVisible()
    assert palette.model.rowCount() > 0  # suggestions before typing
    qtbot.keyClicks(search, "appear")
    titles = [palette.model.result(r).title for r in range(palette.model.rowCount())]
    assert titles[0] == "Settings › Appearance"
    qtbot.keyClick(search, Qt.Key.Key_Return)
    # Enter waits for the record search still running, then runs the best result
    qtbot.waitUntil(lambda: not palette.isVisible(), timeout=2000)
    settings = window.screen_widget("settings")
    assert settings.pages.currentWidget().objectName() == "section-appearance"


def test_palette_arrows_and_escape(qtbot, window: MainWindow) -> None:
    window.focus_search()
    search = window.top_bar.search
    qtbot.keyClicks(search, "u")
    palette = window.palette_popup
    assert palette.current_row() == 0
    qtbot.keyClick(search, Qt.Key.Key_Down)
    assert palette.current_row() == 1
    qtbot.keyClick(search, Qt.Key.Key_Up)
    assert palette.current_row() == 0
    qtbot.keyClick(search, Qt.Key.Key_Escape)
    assert not palette.isVisible()
    assert search.text() == ""


def test_palette_finds_users_and_commands(qtbot, window: MainWindow, context) -> None:
    window.focus_search()
    qtbot.keyClicks(window.top_bar.search, context.user.name[:3])
    model = window.palette_popup.model
    found = [(model.result(r).kind, model.result(r).title) for r in range(model.rowCount())]
    assert ("User", context.user.name) in found
    window.palette_popup.close_palette()
    window.focus_search()
    qtbot.keyClicks(window.top_bar.search, "back up")
    first = window.palette_popup.model.result(0)
    assert (first.title, first.kind) == ("Back up now", "Command")


@offscreen_popup_noise
def test_ctrl_n_opens_add_menu_and_user_dialog(qtbot, window: MainWindow) -> None:
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    menu: QMenu = window.top_bar.add_button.menu_
    qtbot.waitUntil(menu.isVisible)
    assert [a.text() for a in menu.actions()] == [
        "Lead…",
        "Person…",
        "Company…",
        "Deal…",
        "Note…",
        "User…",
        "Task…",
        "Appointment…",
    ]
    menu.setActiveAction(next(a for a in menu.actions() if a.text() == "User…"))
    qtbot.keyClick(menu, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), AddUserDialog))
    dialog = QApplication.activeModalWidget()
    dialog.reject()


def test_accessible_names_and_tab_order(window: MainWindow) -> None:
    assert window.top_bar.search.accessibleName() == "Search"
    assert window.top_bar.add_button.accessibleName() == "Add"
    assert window.sidebar.user_chip.accessibleName().startswith("Signed in as")
    assert window.sidebar.user_chip.nextInFocusChain() is not None
    assert window.sidebar.user_chip.focusPolicy() & Qt.FocusPolicy.TabFocus


def test_geometry_and_last_screen_are_restored(qtbot, with_demo_screen, context) -> None:
    first = MainWindow(context)
    qtbot.addWidget(first)
    first.show()
    qtbot.waitExposed(first)
    first.show_screen("settings")
    first.resize(761, 541)  # the offscreen screen is 800x600
    first.close()

    second = MainWindow(context)
    qtbot.addWidget(second)
    assert second.current_key == "settings"
    assert (second.width(), second.height()) == (761, 541)
    second.show_screen("demo")
    second.close()

    third = MainWindow(context)
    qtbot.addWidget(third)
    assert third.current_key == "demo"


def test_database_warnings_show_in_a_banner(qtbot, theme, tmp_path) -> None:
    from desktopcrm.services.workspace import close_workspace, open_workspace
    from desktopcrm.views.context import AppContext

    quiet = MainWindow(remember_state=False)
    qtbot.addWidget(quiet)
    assert quiet.banner is None  # nothing to warn about, nothing built

    workspace = open_workspace(tmp_path / "Dropbox" / "crm.sqlite")
    try:
        win = MainWindow(AppContext(workspace, theme=theme), remember_state=False)
        qtbot.addWidget(win)
        win.show()
        assert win.banner is not None and win.banner.isVisible()
        assert "Dropbox" in win.banner.label.text()
    finally:
        close_workspace()


def test_the_palette_is_built_when_the_search_is_first_used(qtbot, window: MainWindow) -> None:
    assert window.palette_popup is None
    qtbot.mouseClick(window.top_bar.search, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.palette_popup is not None and window.palette_popup.isVisible())
    qtbot.keyClicks(window.top_bar.search, "appear")
    assert window.palette_popup.model.result(0).title == "Settings › Appearance"
