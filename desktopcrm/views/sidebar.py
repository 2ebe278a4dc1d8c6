"""The left sidebar: the app's name, the screens, and the signed-in user."""

from __future__ import annotations

from desktopcrm import APP_NAME
from desktopcrm.qt import (
    QAbstractItemView,
    QEvent,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QObject,
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

#: Qt.ItemDataRole.UserRole, as the int item roles are (see ``qt.LazyNamespace``).
KEY_ROLE = 256
SIDEBAR_WIDTH = 232


class NavList(QListWidget):
    """A list of screens sized to its rows."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("SidebarNav")
        self.setAccessibleName(name)
        self.setIconSize(QSize(18, 18))
        # Sized to its rows, so never scrolled; app.qss hides the scroll bars (a scroll bar
        # policy here would build the Qt namespace before the first paint: qt.LazyNamespace).
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setUniformItemSizes(True)

    def fit_height(self) -> None:
        # Every row is as tall as the first (one icon size, one line of text); asking each
        # row lays out its text under the style sheet: ~2 ms a row before the first paint.
        row = self.sizeHintForRow(0) if self.count() else 0
        self.setFixedHeight((row + 2) * self.count() + 4)


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

        self.main_nav = NavList("Screens")
        self.system_nav = NavList("Settings and tools")
        for index, spec in enumerate(screens):
            nav = self.main_nav if spec.group == "main" else self.system_nav
            item = QListWidgetItem(icon(spec.icon), spec.title)
            item.setData(KEY_ROLE, spec.key)
            shortcut = f" (Ctrl+{index + 1})" if index < 9 else ""
            item.setToolTip(f"{spec.title}{shortcut}")
            nav.addItem(item)
        for nav in (self.main_nav, self.system_nav):
            nav.fit_height()
            nav.setVisible(nav.count() > 0)
            nav.currentItemChanged.connect(self._current_changed)
            nav.itemClicked.connect(lambda item: self.screen_requested.emit(item.data(KEY_ROLE)))
            nav.installEventFilter(self)
        layout.addWidget(self.main_nav)
        layout.addStretch(1)
        layout.addWidget(self.system_nav)
        divider = QFrame()
        divider.setFrameShape(QFrame.Shape.HLine)
        divider.setObjectName("SidebarDivider")
        divider.setStyleSheet("color: palette(midlight);")
        layout.addWidget(divider)
        self.user_chip = UserChip()
        layout.addWidget(self.user_chip)

    def _items(self) -> list[tuple[NavList, QListWidgetItem]]:
        return [
            (nav, nav.item(row))
            for nav in (self.main_nav, self.system_nav)
            for row in range(nav.count())
        ]

    def select(self, key: str) -> None:
        """Mark ``key`` as the current screen (without emitting ``screen_requested``)."""
        for nav, item in self._items():
            selected = item.data(KEY_ROLE) == key
            if selected:
                nav.blockSignals(True)
                nav.setCurrentItem(item)
                nav.blockSignals(False)
            else:
                item.setSelected(False)

    def nav_for_focus(self) -> NavList:
        return self.main_nav if self.main_nav.count() else self.system_nav

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Up and Down cross from one group of screens to the other."""
        if event.type() != QEvent.Type.KeyPress or not isinstance(watched, NavList):
            return False
        key = event.key()  # type: ignore[attr-defined]
        other = self.system_nav if watched is self.main_nav else self.main_nav
        if not other.count():
            return False
        row = watched.currentRow()
        down = key == Qt.Key.Key_Down and watched is self.main_nav and row == watched.count() - 1
        up = key == Qt.Key.Key_Up and watched is self.system_nav and row <= 0
        if down or up:
            target = other.item(0 if down else other.count() - 1)
            other.setFocus(Qt.FocusReason.TabFocusReason)
            other.setCurrentItem(target)
            self.screen_requested.emit(target.data(KEY_ROLE))
            return True
        return False

    def _current_changed(self, current: QListWidgetItem | None, _previous: object) -> None:
        if current is not None:
            self.screen_requested.emit(current.data(KEY_ROLE))
