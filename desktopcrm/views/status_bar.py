"""The status bar: where the database is, who else is connected, and the state of sync."""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktopcrm.qt import QHBoxLayout, QLabel, QStatusBar, Qt, QWidget
from desktopcrm.views.icons import icon

if TYPE_CHECKING:
    import datetime as dt

    from desktopcrm.services.presence import Peer
    from desktopcrm.views.context import AppContext

#: Icon per ``DatabaseMode`` (a ``StrEnum``, so its members look up by their value).
MODE_ICONS = {
    "local": "laptop",
    "shared": "shared",
    "postgresql": "database",
}


class IconLabel(QWidget):
    """An icon and a text, as one status-bar item."""

    def __init__(self, icon_name: str, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 0)
        layout.setSpacing(2)
        self.icon = QLabel()
        layout.addWidget(self.icon)
        self.label = QLabel(text)  # made selectable by StatusBar.attach (qt.LazyNamespace)
        layout.addWidget(self.label)
        layout.addStretch(1)
        self.set_icon(icon_name)

    def set_icon(self, name: str) -> None:
        self.icon.setPixmap(icon(name, "text_muted").pixmap(14, 14))

    def text(self) -> str:
        return self.label.text()


def _local_time(when: dt.datetime) -> str:
    import datetime as dt  # only once there are peers: not worth its import before the window

    return when.replace(tzinfo=dt.UTC).astimezone().strftime("%H:%M")


def peers_text(peers: list[Peer]) -> tuple[str, str]:
    """The status-bar text for the other connected apps, and its tooltip."""
    if not peers:
        return "Only you are connected", "No other DesktopCRM is using this database right now."
    names = sorted({p.user_name or "someone" for p in peers})
    shown = ", ".join(names[:3]) + (f" +{len(names) - 3}" if len(names) > 3 else "")
    tooltip = "\n".join(
        f"{p.user_name or 'someone'} on {p.hostname or 'another computer'}, since "
        f"{_local_time(p.since)}"
        for p in peers
    )
    return f"Also connected: {shown}", tooltip


class StatusBar(QStatusBar):
    """Says "Opening the database…" until ``attach`` gives it the open workspace."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context: AppContext | None = None
        self.setSizeGripEnabled(False)
        self.location = IconLabel("database", "Opening the database…")
        self.location.setObjectName("DatabaseStatus")
        self.addWidget(self.location, 1)
        self.peers = IconLabel("users", "Only you are connected")
        self.peers.setObjectName("PeersStatus")
        self.peers.hide()
        self.addPermanentWidget(self.peers)
        self.sync = IconLabel("cloud-off", "Google: not connected")
        self.sync.setObjectName("SyncStatus")
        self.sync.setToolTip("Connect a Google account in Settings › Mail accounts.")
        self.addPermanentWidget(self.sync)

    def attach(self, context: AppContext) -> None:
        """Show where the open database is, and follow the context's messages."""
        self._context = context
        for item in (self.location, self.peers, self.sync):  # the path can be copied
            item.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        context.database_reopened.connect(self.refresh_location)
        context.message.connect(self.show_message)
        self.refresh_location()
        self.peers.show()

    def show_message(self, text: str) -> None:
        self.showMessage(text, 6000)

    def refresh_location(self) -> None:
        if self._context is None:
            return
        location = self._context.location
        self.location.set_icon(MODE_ICONS[location.mode])
        self.location.label.setText(f"{location.mode.label} · {location.display()}")
        tooltip = f"{location.mode.label}: {location.reason}" if location.reason else ""
        self.location.setToolTip(tooltip)
        self.location.label.setToolTip(tooltip)
        self.location.setAccessibleName(f"Database: {self.location.text()}")

    def set_peers(self, peers: list[Peer]) -> None:
        text, tooltip = peers_text(peers)
        self.peers.label.setText(text)
        self.peers.setToolTip(tooltip)
        self.peers.label.setToolTip(tooltip)

    def show_problem(self, text: str) -> None:
        self.showMessage(text, 15000)

    def set_sync(self, text: str, icon_name: str, tooltip: str) -> None:
        """Show the state of mail sync (``views.mail_sync.MailSync`` calls it)."""
        self.sync.set_icon(icon_name)
        self.sync.label.setText(text)
        self.sync.setToolTip(tooltip)
        self.sync.label.setToolTip(tooltip)
        self.sync.setAccessibleName(f"Sync: {text}")
