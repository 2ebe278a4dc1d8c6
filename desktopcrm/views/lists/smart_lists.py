"""The views panel of a list screen: the built-in views (everything, mine) and the user's smart
lists (saved filters), their own first, then those others shared."""

from __future__ import annotations

from dataclasses import dataclass

from desktopcrm.qt import (
    QAbstractItemView,
    QFrame,
    QIcon,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desktopcrm.views.icons import icon

VIEW_ROLE = Qt.ItemDataRole.UserRole


@dataclass(frozen=True)
class View:
    """An entry of the panel: ``key`` is 'all', 'mine' or a smart list's id (hex)."""

    key: str
    name: str
    saved: bool = False
    shared: bool = False
    mine: bool = True

    @property
    def builtin(self) -> bool:
        return not self.saved


class SmartListsPanel(QFrame):
    """Lists the views; emits ``view_chosen`` with the key of the one clicked."""

    view_chosen = Signal(str)
    save_requested = Signal()
    context_requested = Signal(str, object)  # view key, global position

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ViewsPanel")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.setFixedWidth(208)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 14, 12, 12)
        layout.setSpacing(8)
        heading = QLabel("VIEWS")
        heading.setObjectName("SidebarHeading")
        layout.addWidget(heading)
        self.list = QListWidget()
        self.list.setObjectName("ViewsList")
        self.list.setAccessibleName(f"{title} views and smart lists")
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._context_menu)
        self.list.currentItemChanged.connect(self._current_changed)
        layout.addWidget(self.list, 1)
        self.save_button = QPushButton(icon("add"), "Save view…")
        self.save_button.setAccessibleName("Save the current filters as a smart list")
        self.save_button.setToolTip("Save the current filters, sort and columns as a smart list")
        self.save_button.clicked.connect(self.save_requested)
        layout.addWidget(self.save_button)
        self._views: dict[str, View] = {}

    def set_views(self, views: list[View], current: str) -> None:
        self.list.blockSignals(True)
        try:
            self.list.clear()
            self._views = {view.key: view for view in views}
            for view in views:
                item = QListWidgetItem(self._icon_for(view), view.name)
                item.setData(VIEW_ROLE, view.key)
                if view.saved and not view.mine:
                    item.setToolTip(f"{view.name} (shared by a colleague)")
                elif view.shared:
                    item.setToolTip(f"{view.name} (shared with everyone)")
                self.list.addItem(item)
            self.select(current)
        finally:
            self.list.blockSignals(False)

    @staticmethod
    def _icon_for(view: View) -> QIcon:
        if view.key == "all":
            return icon("contacts")
        if view.key == "mine":
            return icon("user")
        return icon("shared" if view.shared or not view.mine else "flag")

    def select(self, key: str) -> None:
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(VIEW_ROLE) == key:
                self.list.blockSignals(True)
                self.list.setCurrentItem(item)
                self.list.blockSignals(False)
                return

    def view(self, key: str) -> View | None:
        return self._views.get(key)

    def keys(self) -> list[str]:
        return [str(self.list.item(r).data(VIEW_ROLE)) for r in range(self.list.count())]

    def _current_changed(self, item: QListWidgetItem | None, _previous: object) -> None:
        if item is not None:
            self.view_chosen.emit(str(item.data(VIEW_ROLE)))

    def _context_menu(self, position: object) -> None:
        item = self.list.itemAt(position)  # type: ignore[call-overload]
        if item is not None:
            self.context_requested.emit(
                str(item.data(VIEW_ROLE)),
                self.list.viewport().mapToGlobal(position),  # type: ignore[call-overload]
            )
