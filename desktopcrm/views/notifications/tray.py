"""Desktop notifications: messages from the tray icon, where the desktop has a tray.

Without one (``QSystemTrayIcon.isSystemTrayAvailable()`` false: some Linux desktops, the
offscreen platform), nothing is shown on the desktop; the entries are in the notification
centre all the same, and Settings › Notifications says so.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from desktopcrm import APP_NAME
from desktopcrm.qt import QApplication, QIcon, QObject, QSystemTrayIcon, Signal
from desktopcrm.services.notifications import Entry
from desktopcrm.views.resources import icon_path

log = logging.getLogger("desktopcrm.views.notifications")

#: How long a desktop message stays (the desktop may cap it).
MESSAGE_MS = 8000


def tray_available() -> bool:
    """Whether this desktop shows tray icons and their messages."""
    return bool(QSystemTrayIcon.isSystemTrayAvailable())


def app_icon() -> QIcon:
    """The application's icon (the window icon, or the one shipped in resources)."""
    current = QApplication.windowIcon()
    return current if not current.isNull() else QIcon(str(icon_path("app-icon")))


class TrayNotifier(QObject):
    """Args:
    available: whether to use the tray (default: ask the desktop).
    """

    clicked = Signal()  # the user clicked a message or the icon

    def __init__(self, parent: QObject | None = None, *, available: bool | None = None) -> None:
        super().__init__(parent)
        self.available = tray_available() if available is None else available
        self.icon: QSystemTrayIcon | None = None
        #: (title, text) of every message shown, oldest first.
        self.shown: list[tuple[str, str]] = []
        if self.available:
            self.icon = QSystemTrayIcon(app_icon(), self)
            self.icon.setToolTip(APP_NAME)
            self.icon.messageClicked.connect(self.clicked)
            self.icon.activated.connect(lambda _reason: self.clicked.emit())
            self.icon.show()

    def notify(self, entries: Sequence[Entry]) -> bool:
        """Show the desktop entries of ``entries`` (one message; several are summed up);
        returns whether a message was shown."""
        desktop = [e for e in entries if e.desktop]
        if not desktop or self.icon is None:
            return False
        if len(desktop) == 1:
            title, text = desktop[0].title, desktop[0].body
        else:
            title = f"{len(desktop)} new notifications"
            text = "\n".join(e.title for e in desktop[:3])
            if len(desktop) > 3:
                text += f"\n…and {len(desktop) - 3} more"
        self.icon.showMessage(title, text, QSystemTrayIcon.MessageIcon.Information, MESSAGE_MS)
        self.shown.append((title, text))
        log.info("desktop notification: %s", title)
        return True

    def hide(self) -> None:
        if self.icon is not None:
            self.icon.hide()
