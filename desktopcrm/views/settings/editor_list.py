"""An ordered list the settings editors share: drag (or Alt+Up/Alt+Down) to reorder, F2 or a
double-click to rename in place, Delete to ask for removal, colour chips on each row.

The list only reports what the user asked for (``reordered``, ``renamed``, ``delete_requested``,
``activated``); the section calls the service and reloads the list from what was saved, so a
refused change simply springs back.
"""

from __future__ import annotations

from dataclasses import dataclass

from desktopcrm.qt import (
    QAbstractItemView,
    QEvent,
    QHBoxLayout,
    QKeyEvent,
    QListWidget,
    QListWidgetItem,
    QObject,
    Qt,
    QTimer,
    QToolButton,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desktopcrm.views.icons import icon
from desktopcrm.views.settings.chip_delegate import (
    BG_ROLE,
    CHIP_ROLE,
    DETAIL_ROLE,
    FG_ROLE,
    FIXED_ROLE,
    ID_ROLE,
    ChipDelegate,
)

NAME_ROLE = Qt.ItemDataRole.UserRole + 10


@dataclass(frozen=True)
class EditorItem:
    """One row: ``fixed`` rows keep their place (closed stages, the New status)."""

    id: str
    name: str
    detail: str = ""
    chip: str = ""
    fg: str = ""
    bg: str = ""
    fixed: bool = False
    renamable: bool = True
    icon: str = ""
    tooltip: str = ""


class EditorList(QWidget):
    reordered = Signal(list)  # every id, in the new order
    renamed = Signal(str, str)  # id, new name
    delete_requested = Signal(str)
    activated = Signal(str)  # Enter or double-click on a row that is not renamed in place
    current_changed = Signal(str)  # id, "" when nothing is selected

    def __init__(
        self,
        accessible_name: str,
        *,
        movable: bool = True,
        rename_in_place: bool = True,
        select_first: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._movable = movable
        self._rename_in_place = rename_in_place
        self._select_first = select_first
        self._editable = True
        self._loading = False
        self._items: list[EditorItem] = []
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        self.list = QListWidget()
        self.list.setObjectName("EditorList")
        self.list.setAccessibleName(accessible_name)
        self.list.setItemDelegate(ChipDelegate(self.list))
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setUniformItemSizes(True)
        self.list.setMouseTracking(True)
        self.list.setEditTriggers(
            QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.DoubleClicked
        )
        self.list.model().rowsMoved.connect(self._rows_moved)
        self.list.itemChanged.connect(self._item_changed)
        self.list.currentItemChanged.connect(self._current_changed)
        self.list.itemDoubleClicked.connect(self._double_clicked)
        self.list.installEventFilter(self)
        layout.addWidget(self.list, 1)
        side = QVBoxLayout()
        side.setSpacing(6)
        self.up_button = self._side_button("arrow-up", "Move up (Alt+Up)", -1)
        self.down_button = self._side_button("arrow-down", "Move down (Alt+Down)", 1)
        side.addWidget(self.up_button)
        side.addWidget(self.down_button)
        side.addStretch(1)
        layout.addLayout(side)
        self.up_button.setVisible(movable)
        self.down_button.setVisible(movable)
        self._apply_mode()

    def _side_button(self, name: str, tip: str, delta: int) -> QToolButton:
        button = QToolButton()
        button.setIcon(icon(name))
        button.setToolTip(tip)
        button.setAccessibleName(tip.split(" (")[0])
        button.clicked.connect(lambda: self.move_current(delta))
        return button

    # ---- contents ----------------------------------------------------------

    def set_items(self, items: list[EditorItem], keep: str | None = None) -> None:
        """Show ``items``; select ``keep`` (an id), else keep the current row's id."""
        wanted = keep if keep is not None else self.current_id()
        self._loading = True
        try:
            self._items = list(items)
            self.list.clear()
            for entry in items:
                item = QListWidgetItem(entry.name)
                item.setData(ID_ROLE, entry.id)
                item.setData(NAME_ROLE, entry.name)
                item.setData(DETAIL_ROLE, entry.detail)
                item.setData(CHIP_ROLE, entry.chip)
                item.setData(FG_ROLE, entry.fg)
                item.setData(BG_ROLE, entry.bg)
                item.setData(FIXED_ROLE, entry.fixed)
                if entry.icon:
                    item.setIcon(icon(entry.icon))
                item.setToolTip(entry.tooltip or entry.name)
                item.setData(
                    Qt.ItemDataRole.AccessibleTextRole,
                    ", ".join(filter(None, [entry.name, entry.chip, entry.detail])),
                )
                self.list.addItem(item)
            self._apply_flags()
        finally:
            self._loading = False
        row = self.row_of(wanted) if wanted else -1
        if row < 0 and self.list.count() and self._select_first:
            row = 0
        if row >= 0:
            self.list.setCurrentRow(row)
        self._update_buttons()

    def set_editable(self, editable: bool) -> None:
        """Admins edit; everyone else sees the same list, read-only."""
        self._editable = editable
        self._apply_mode()
        self._apply_flags()

    def _apply_mode(self) -> None:
        move = self._movable and self._editable
        self.list.setDragEnabled(move)
        self.list.setAcceptDrops(move)
        self.list.viewport().setAcceptDrops(move)
        self.list.setDropIndicatorShown(move)
        self.list.setDragDropMode(
            QAbstractItemView.DragDropMode.InternalMove
            if move
            else QAbstractItemView.DragDropMode.NoDragDrop
        )
        self.list.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.up_button.setVisible(move)
        self.down_button.setVisible(move)
        self._update_buttons()

    def _apply_flags(self) -> None:
        was = self._loading
        self._loading = True
        try:
            for row in range(self.list.count()):
                item = self.list.item(row)
                entry = self._items[row] if row < len(self._items) else None
                flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                if entry is not None and self._editable:
                    if self._movable and not entry.fixed:
                        flags |= Qt.ItemFlag.ItemIsDragEnabled
                    if self._rename_in_place and entry.renamable:
                        flags |= Qt.ItemFlag.ItemIsEditable
                item.setFlags(flags)
        finally:
            self._loading = was

    def ids(self) -> list[str]:
        return [self.list.item(row).data(ID_ROLE) for row in range(self.list.count())]

    def row_of(self, item_id: str | None) -> int:
        ids = self.ids()
        return ids.index(item_id) if item_id in ids else -1

    def current_id(self) -> str | None:
        item = self.list.currentItem()
        return item.data(ID_ROLE) if item is not None else None

    def select(self, item_id: str) -> None:
        row = self.row_of(item_id)
        if row >= 0:
            self.list.setCurrentRow(row)

    def rename_current(self) -> None:
        """Open the in-place editor on the current row (F2 does the same)."""
        item = self.list.currentItem()
        if item is not None and item.flags() & Qt.ItemFlag.ItemIsEditable:
            self.list.editItem(item)

    # ---- reordering --------------------------------------------------------

    def _fixed(self, row: int) -> bool:
        return bool(self.list.item(row).data(FIXED_ROLE))

    def move_current(self, delta: int) -> None:
        """Move the selected row up (-1) or down (+1) past movable rows only."""
        if not (self._movable and self._editable):
            return
        row = self.list.currentRow()
        target = row + delta
        if row < 0 or not 0 <= target < self.list.count():
            return
        if self._fixed(row) or self._fixed(target):
            return
        ids = self.ids()
        ids[row], ids[target] = ids[target], ids[row]
        moved = ids[target]
        self._reorder_items(ids)
        self.list.setCurrentRow(target)
        self.reordered.emit(ids)
        self.select(moved)

    def _reorder_items(self, ids: list[str]) -> None:
        by_id = {entry.id: entry for entry in self._items}
        self.set_items([by_id[i] for i in ids], keep=self.current_id())

    def _rows_moved(self, *_args: object) -> None:
        if not self._loading:
            # After the drop has finished: the view is still inside its drop handling here.
            QTimer.singleShot(0, self._after_drop)

    def _after_drop(self) -> None:
        ids = self.ids()
        before = [entry.id for entry in self._items]
        if ids == before:
            return
        fixed_ok = all(
            ids.index(entry.id) == index for index, entry in enumerate(self._items) if entry.fixed
        )
        moved = self.current_id()
        if not fixed_ok:
            self._reorder_items(before)
            return
        self._reorder_items(ids)
        self.reordered.emit(ids)
        if moved:
            self.select(moved)

    # ---- renaming, keys ------------------------------------------------------

    def _item_changed(self, item: QListWidgetItem) -> None:
        if self._loading:
            return
        old = item.data(NAME_ROLE) or ""
        new = item.text().strip()
        if new != old:
            self.renamed.emit(item.data(ID_ROLE), new)

    def _current_changed(self, *_args: object) -> None:
        self._update_buttons()
        self.current_changed.emit(self.current_id() or "")

    def _double_clicked(self, item: QListWidgetItem) -> None:
        if not item.flags() & Qt.ItemFlag.ItemIsEditable:
            self.activated.emit(item.data(ID_ROLE))

    def _update_buttons(self) -> None:
        row = self.list.currentRow()
        count = self.list.count()
        can = self._movable and self._editable and row >= 0 and not self._fixed(row)
        self.up_button.setEnabled(can and row > 0 and not self._fixed(row - 1))
        self.down_button.setEnabled(can and row < count - 1 and not self._fixed(row + 1))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.list and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key, mods = event.key(), event.modifiers()
            if self.list.state() == QAbstractItemView.State.EditingState:
                return False
            if mods & Qt.KeyboardModifier.AltModifier and key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
                self.move_current(-1 if key == Qt.Key.Key_Up else 1)
                return True
            current = self.current_id()
            if key == Qt.Key.Key_Delete and current and self._editable:
                self.delete_requested.emit(current)
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and current:
                self.activated.emit(current)
                return True
        return False
