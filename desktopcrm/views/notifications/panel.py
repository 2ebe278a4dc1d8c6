"""The notification centre: a popup under the bell listing the newest entries.

A click (or Enter) on an entry marks it read and opens its record; "Mark all read" clears the
count; "Notification settings" opens Settings › Notifications.
"""

from __future__ import annotations

from desktopcrm.qt import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QKeyEvent,
    QLabel,
    QListView,
    QModelIndex,
    QPoint,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desktopcrm.services.notifications import Entry
from desktopcrm.views.notifications.delegate import NotificationDelegate
from desktopcrm.views.notifications.model import ENTRY_ROLE, NotificationListModel

WIDTH = 420
HEIGHT = 480


class EntryList(QListView):
    """Enter activates the current entry, like a click."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.activated.emit(self.currentIndex())
            return
        super().keyPressEvent(event)


class NotificationPanel(QFrame):
    activated = Signal(object)  # Entry
    mark_all_requested = Signal()
    settings_requested = Signal()

    def __init__(self, model: NotificationListModel, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setObjectName("NotificationPanel")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.setFixedSize(WIDTH, HEIGHT)
        self.model = model
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 10, 0, 8)
        layout.setSpacing(6)
        header = QHBoxLayout()
        header.setContentsMargins(16, 0, 10, 0)
        title = QLabel("Notifications")
        title.setObjectName("PanelTitle")
        header.addWidget(title)
        header.addStretch(1)
        self.mark_all = QPushButton("Mark all read")
        self.mark_all.setObjectName("MarkAllRead")
        self.mark_all.setProperty("flat", True)
        self.mark_all.clicked.connect(self.mark_all_requested)
        header.addWidget(self.mark_all)
        layout.addLayout(header)
        self.list = EntryList()
        self.list.setObjectName("NotificationList")
        self.list.setAccessibleName("Notifications")
        self.list.setModel(model)
        self.list.setItemDelegate(NotificationDelegate(self.list))
        self.list.setMouseTracking(True)
        self.list.setFrameShape(QFrame.Shape.NoFrame)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list.clicked.connect(self._activated)
        self.list.activated.connect(self._activated)
        layout.addWidget(self.list, 1)
        self.empty = QLabel(
            "No notifications yet.\n\nYou are told here when someone assigns you a lead, "
            "deal or task, when a reminder fires, and when your own rules match."
        )
        self.empty.setObjectName("NotificationsEmpty")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setContentsMargins(30, 0, 30, 0)
        layout.addWidget(self.empty, 1)
        footer = QHBoxLayout()
        footer.setContentsMargins(10, 0, 10, 0)
        self.settings_button = QPushButton("Notification settings…")
        self.settings_button.setObjectName("NotificationSettings")
        self.settings_button.setProperty("flat", True)
        self.settings_button.clicked.connect(self.settings_requested)
        footer.addWidget(self.settings_button)
        footer.addStretch(1)
        layout.addLayout(footer)
        model.modelReset.connect(self.update_state)
        model.dataChanged.connect(self.update_state)
        self.update_state()

    def update_state(self) -> None:
        has_entries = self.model.rowCount() > 0
        self.list.setVisible(has_entries)
        self.empty.setVisible(not has_entries)
        self.mark_all.setEnabled(self.model.unread() > 0)

    def _activated(self, index: QModelIndex) -> None:
        entry = index.data(ENTRY_ROLE)
        if isinstance(entry, Entry):
            self.activated.emit(entry)

    def open_below(self, anchor: QWidget) -> None:
        """Show under ``anchor``, its right edge on the anchor's."""
        corner = anchor.mapToGlobal(QPoint(anchor.width(), anchor.height() + 6))
        self.move(corner.x() - self.width(), corner.y())
        self.show()
        self.list.setFocus(Qt.FocusReason.PopupFocusReason)
