"""The universal Add button; its menu lists what the signed-in user may create."""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktopcrm.qt import QMenu, QPoint, QPushButton, QSize, Qt, QWidget
from desktopcrm.views.icons import icon

if TYPE_CHECKING:
    from desktopcrm.views.add_actions import AddAction
    from desktopcrm.views.context import AppContext
    from desktopcrm.views.main_window import MainWindow


class AddButton(QPushButton):
    """Disabled until ``attach``: what a user may add depends on who is signed in."""

    def __init__(self, window: MainWindow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._window = window
        self.setObjectName("AddButton")
        self.setProperty("primary", True)
        self.setText("Add")
        self.setIcon(icon("add", "accent_text"))
        self.setIconSize(QSize(16, 16))
        self.setAccessibleName("Add")
        self.menu_ = QMenu(self)
        self.menu_.setObjectName("AddMenu")
        self.menu_.setMinimumWidth(200)
        self.clicked.connect(self.show_menu)
        self.setEnabled(False)
        self.setToolTip("Add a new record (available once the database is open)")

    def attach(self, context: AppContext) -> None:
        """Offer what the signed-in user of ``context`` may add, following user switches."""
        self.setCursor(Qt.CursorShape.PointingHandCursor)  # after the first paint: LazyNamespace
        context.user_changed.connect(self.refresh)
        self.refresh()

    def available(self) -> list[AddAction]:
        if not self._window.is_attached:
            return []
        from desktopcrm.views.add_actions import builtin_add_actions

        return [a for a in builtin_add_actions() if a.available(self._window.context)]

    def refresh(self) -> None:
        actions = self.available()
        self.setEnabled(bool(actions))
        self.setToolTip(
            "Add a new record (Ctrl+N)"
            if actions
            else "Nothing you can add in this version yet: records arrive with later versions."
        )

    def show_menu(self) -> None:
        """Pop the menu up under the button (non-blocking)."""
        self.menu_.clear()
        for add in self.available():
            action = self.menu_.addAction(icon(add.icon), add.label)
            action.setObjectName(f"add-{add.key}")
            action.triggered.connect(lambda _=False, a=add: a.run(self._window))
        if self.menu_.isEmpty():
            return
        width = self.menu_.sizeHint().width()
        self.menu_.popup(self.mapToGlobal(QPoint(self.width() - width, self.height() + 4)))
        self.menu_.setActiveAction(self.menu_.actions()[0])
