"""The left sidebar: the app's name, the screens, and the signed-in user.

Each screen is a ``NavButton``: a checkable button, drawn by app.qss as a row (icon and title).
All of them are in one exclusive ``QButtonGroup``, so Qt gives them the keyboard behaviour of a
list: Tab reaches only the current screen's button, the arrow keys move to the next button up
or down (across the gap between the two groups too) and choose it, and screen readers hear a
named, checked button. Buttons rather than a ``QListWidget`` because the sidebar is in the
window's first paint, where the item view's classes, its per-row size hints and its
style-sheet item rules cost ~12 ms.
"""

from __future__ import annotations

from desktopcrm import APP_NAME
from desktopcrm.qt import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QKeyEvent,
    QLabel,
    QPushButton,
    QSize,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desktopcrm.views.icons import icon
from desktopcrm.views.resources import icon_path
from desktopcrm.views.screens import ScreenSpec
from desktopcrm.views.user_chip import UserChip

SIDEBAR_WIDTH = 232
ICON_SIZE = 18


class NavButton(QPushButton):
    """One screen's row, checked while its screen is shown; app.qss draws it (in C++: painting
    it here would take pens and brushes, whose overloads build the ``Qt`` namespace)."""

    def __init__(self, spec: ScreenSpec, tooltip: str, parent: QWidget | None = None) -> None:
        super().__init__(icon(spec.icon, on_role="accent_soft_text"), spec.title, parent)
        self.key = spec.key
        self.setObjectName(f"nav-{spec.key}")
        self.setIconSize(QSize(ICON_SIZE, ICON_SIZE))
        self.setToolTip(tooltip)
        self.setCheckable(True)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Home and End jump to the first and last screen (arrows are QAbstractButton's)."""
        key = event.key()
        group = self.group()
        if key in (Qt.Key.Key_Home, Qt.Key.Key_End) and group is not None:
            buttons = group.buttons()
            target = buttons[0] if key == Qt.Key.Key_Home else buttons[-1]
            target.setFocus(Qt.FocusReason.TabFocusReason)
            target.click()
            return
        super().keyPressEvent(event)


class NavGroup(QWidget):
    """A named group of screens' buttons, one under the other."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("SidebarNav")
        self.setAccessibleName(name)
        self.rows = QVBoxLayout(self)
        self.rows.setContentsMargins(0, 0, 0, 0)
        self.rows.setSpacing(2)


class Sidebar(QFrame):
    """Emits ``screen_requested(key)`` when the user picks a screen."""

    screen_requested = Signal(str)

    def __init__(self, screens: list[ScreenSpec], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Sidebar")
        self.setFixedWidth(SIDEBAR_WIDTH)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 14, 12, 12)
        layout.setSpacing(6)

        brand = QHBoxLayout()
        brand.setContentsMargins(6, 0, 0, 10)
        brand.setSpacing(10)
        logo = QLabel()
        app_icon = icon_path("app-icon")
        logo_icon = icon("app-icon") if app_icon.exists() else icon("deals", "accent")
        logo.setPixmap(logo_icon.pixmap(24, 24))
        brand.addWidget(logo)
        name = QLabel(APP_NAME)
        name.setObjectName("SidebarBrand")
        brand.addWidget(name, 1)
        layout.addLayout(brand)

        #: Every screen's button, in the order of ``screens``; one group makes them exclusive.
        self.buttons = QButtonGroup(self)
        self.main_nav = NavGroup("Screens")
        self.system_nav = NavGroup("Settings and tools")
        for index, spec in enumerate(screens):
            nav = self.main_nav if spec.group == "main" else self.system_nav
            shortcut = f" (Ctrl+{index + 1})" if index < 9 else ""
            button = NavButton(spec, f"{spec.title}{shortcut}")
            nav.rows.addWidget(button)
            self.buttons.addButton(button)
        self.buttons.buttonClicked.connect(lambda b: self.screen_requested.emit(b.key))
        layout.addWidget(self.main_nav)
        layout.addStretch(1)
        layout.addWidget(self.system_nav)
        for nav in (self.main_nav, self.system_nav):
            if not self.nav_buttons(nav):
                nav.hide()
        divider = QFrame()
        divider.setFrameShape(QFrame.Shape.HLine)
        divider.setObjectName("SidebarDivider")
        divider.setStyleSheet("color: palette(midlight);")
        layout.addWidget(divider)
        self.user_chip = UserChip()
        layout.addWidget(self.user_chip)

    def nav_buttons(self, nav: QWidget | None = None) -> list[NavButton]:
        """The screens' buttons, in order; only those of the group ``nav`` if given."""
        buttons = [b for b in self.buttons.buttons() if isinstance(b, NavButton)]
        return [b for b in buttons if nav is None or b.parent() is nav]

    def button(self, key: str) -> NavButton | None:
        return next((b for b in self.nav_buttons() if b.key == key), None)

    def current_key(self) -> str | None:
        checked = self.buttons.checkedButton()
        return checked.key if isinstance(checked, NavButton) else None

    def select(self, key: str) -> None:
        """Mark ``key`` as the current screen (without emitting ``screen_requested``); a key
        that is no screen (a record page is shown) marks none."""
        button = self.button(key)
        if button is not None:
            button.setChecked(True)
        else:
            checked = self.buttons.checkedButton()
            if checked is not None:  # an exclusive group keeps one checked: let go for a moment
                self.buttons.setExclusive(False)
                checked.setChecked(False)
                self.buttons.setExclusive(True)
        if self.isVisible():
            self._one_tab_stop()

    def _one_tab_stop(self) -> None:
        """Let Tab reach only the current screen's button (the first if none is current).

        Qt does this itself once a button of the group has had the focus; done here so that
        the first Tab of a session lands on the current screen too. Not before the window's
        first paint (``qt.LazyNamespace``): the shell's ``select`` happens before it is shown.
        """
        buttons = self.nav_buttons()
        stop = self.buttons.checkedButton() or (buttons[0] if buttons else None)
        for button in buttons:
            tab = button is stop
            button.setFocusPolicy(Qt.FocusPolicy.StrongFocus if tab else Qt.FocusPolicy.ClickFocus)
