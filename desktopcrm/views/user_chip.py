"""The signed-in user at the bottom of the sidebar, with a menu to switch user."""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktopcrm.qt import (
    QAction,
    QEvent,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPoint,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desktopcrm.views.icons import avatar_pixmap, icon

if TYPE_CHECKING:
    from desktopcrm.views.context import AppContext

AVATAR_SIZE = 32


class UserChip(QPushButton):
    """Avatar, name and profile; Enter or a click opens the switch-user menu."""

    manage_users_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context: AppContext | None = None
        self.setObjectName("UserChip")
        self.setFixedHeight(54)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.setSpacing(10)
        self.avatar = QLabel()
        self.avatar.setFixedSize(AVATAR_SIZE, AVATAR_SIZE)
        layout.addWidget(self.avatar)
        text = QVBoxLayout()
        text.setSpacing(0)
        self.name_label = QLabel()
        self.name_label.setObjectName("UserChipName")
        self.profile_label = QLabel()
        self.profile_label.setObjectName("UserChipProfile")
        text.addWidget(self.name_label)
        text.addWidget(self.profile_label)
        layout.addLayout(text, 1)
        self.chevron = QLabel()
        self.chevron.setPixmap(icon("chevron-down", "text_muted").pixmap(16, 16))
        layout.addWidget(self.chevron)
        self.user_menu = QMenu(self)
        self.user_menu.setObjectName("UserMenu")
        self.clicked.connect(self.show_menu)
        self.name_label.setText("Signing in…")
        self.setEnabled(False)

    def attach(self, context: AppContext) -> None:
        """Show the signed-in user of ``context`` and follow its changes."""
        self._context = context
        # Set here, not before the first paint (qt.LazyNamespace): clicks come after anyway.
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        for child in (self.avatar, self.name_label, self.profile_label, self.chevron):
            child.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        context.user_changed.connect(self.refresh)
        context.database_reopened.connect(self.refresh)
        self.setEnabled(True)
        self.refresh()

    def refresh(self) -> None:
        if self._context is None:
            return
        user = self._context.user
        self.name_label.setText(user.name)
        self.profile_label.setText(user.profile_enum.label)
        self.avatar.setPixmap(avatar_pixmap(user.initials, AVATAR_SIZE, self.devicePixelRatioF()))
        self.setToolTip(f"Signed in as {user.name} ({user.profile_enum.label})")
        self.setAccessibleName(f"Signed in as {user.name}. Switch user")

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
            self.refresh()

    def _build_menu(self, context: AppContext) -> None:
        from desktopcrm.services import users

        menu = self.user_menu
        menu.clear()
        current = context.user
        header = menu.addAction(f"Signed in as {current.name}")
        header.setEnabled(False)
        menu.addSeparator()
        others = [u for u in users.list_users() if u.id != current.id]
        if others:
            switch = menu.addMenu(icon("switch-user"), "Switch user")
            switch.setObjectName("SwitchUserMenu")
            for user in others:
                action = QAction(f"{user.name}  ·  {user.profile_enum.label}", switch)
                action.setData(user.id.hex)
                action.triggered.connect(lambda _=False, u=user: context.switch_user(u))
                switch.addAction(action)
        else:
            none = menu.addAction(icon("switch-user"), "Switch user (no other users yet)")
            none.setEnabled(False)
        manage = menu.addAction(icon("users"), "Users…")
        manage.triggered.connect(self.manage_users_requested)

    def show_menu(self) -> None:
        """Open the menu above the chip (without blocking, so tests and the palette can use it).

        Does nothing until a workspace is attached."""
        if self._context is None:
            return
        self._build_menu(self._context)
        size = self.user_menu.sizeHint()
        self.user_menu.popup(self.mapToGlobal(QPoint(0, -size.height() - 4)))
