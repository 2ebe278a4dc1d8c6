"""Light and dark themes, the Appearance section, following the system."""

from __future__ import annotations

from desktopcrm.qt import QApplication, QColor, QPalette, Qt
from desktopcrm.views.main_window import MainWindow
from desktopcrm.views.theme import THEME_CHOICES, ThemeManager, style_sheet, tokens


def window_colour() -> str:
    return QApplication.palette().color(QPalette.ColorRole.Window).name()


def test_both_style_sheets_fill_every_token() -> None:
    for scheme in ("light", "dark"):
        sheet = style_sheet(scheme)
        assert "${" not in sheet
        assert tokens(scheme)["accent"] in sheet


def test_appearance_switch_changes_the_palette_live(qtbot, window: MainWindow, context) -> None:
    window.show_screen("settings", "appearance")
    section = window.screen_widget("settings").page("appearance")
    assert window_colour() == tokens("light")["window"]
    with qtbot.waitSignal(context.theme.changed) as blocker:
        qtbot.mouseClick(section.buttons["dark"], Qt.MouseButton.LeftButton)
    assert blocker.args == ["dark"]
    assert window_colour() == QColor(tokens("dark")["window"]).name()
    assert context.settings.get("theme") == "dark"
    qtbot.mouseClick(section.buttons["light"], Qt.MouseButton.LeftButton)
    assert window_colour() == tokens("light")["window"]


def test_system_choice_follows_the_colour_scheme(qtbot, qapp, theme: ThemeManager) -> None:
    hints = qapp.styleHints()
    theme.set_choice("system")
    with qtbot.waitSignal(theme.changed) as blocker:
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)  # what the OS does on a switch
    assert blocker.args == ["dark"]
    assert window_colour() == QColor(tokens("dark")["window"]).name()
    theme.set_choice("light")  # an explicit choice overrides the system
    assert theme.scheme == "light"
    with qtbot.assertNotEmitted(theme.changed):
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)


def test_theme_choices() -> None:
    assert THEME_CHOICES == ("system", "light", "dark")
