"""The Tasks screen: overdue, today, upcoming and done sections, filters, quick add.

Typing "Call Anna tomorrow 10:00" and Enter in the quick-add line adds a task due then (the
parsed due time shows beside the line while typing). A tick marks a task done or open again;
overdue tasks are red. Enter or a double click edits a task; on the "Linked to" column, or
with Ctrl+O, it opens the linked lead, contact or deal. The rows are read in an
``Operation`` and read again when tasks change here or in another app.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from desktopcrm.qt import (
    QAbstractItemView,
    QBrush,
    QColor,
    QComboBox,
    QFont,
    QHBoxLayout,
    QHeaderView,
    QKeyEvent,
    QLabel,
    QLineEdit,
    QMenu,
    QPoint,
    QPushButton,
    QShowEvent,
    Qt,
    QTimer,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desktopcrm.services.tasks import Section, TaskFilter, TaskRow
from desktopcrm.views.context import AppContext
from desktopcrm.views.local_time import describe_due, local_zone, utc_now
from desktopcrm.views.operations import Operation
from desktopcrm.views.tasks.style import apply_task_style
from desktopcrm.views.theme import ThemeManager, tokens

ID_ROLE = Qt.ItemDataRole.UserRole + 1
SECTION_TITLES = {
    Section.OVERDUE: "Overdue",
    Section.TODAY: "Today",
    Section.UPCOMING: "Upcoming",
    Section.DONE: "Done",
}
KIND_CHOICES = (("", "Any record"), ("lead", "Leads"), ("contact", "Contacts"), ("deal", "Deals"))
KIND_WORDS = {"lead": "Lead", "contact": "Contact", "deal": "Deal"}
COLUMNS = ("Task", "Due", "Linked to", "Assigned to")


class TaskTree(QTreeWidget):
    """The sections and their tasks; Space ticks, Delete removes, Ctrl+O opens the link."""

    toggle_requested = Signal(object)
    delete_requested = Signal(object)
    open_link_requested = Signal(object)
    edit_requested = Signal(object)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        item = self.currentItem()
        task_id = item.data(0, ID_ROLE) if item is not None else None
        key = event.key()
        if task_id and key == Qt.Key.Key_Space:
            self.toggle_requested.emit(task_id)
            return
        if task_id and key == Qt.Key.Key_Delete:
            self.delete_requested.emit(task_id)
            return
        if task_id and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.edit_requested.emit(task_id)
            return
        if (
            task_id
            and key == Qt.Key.Key_O
            and event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            self.open_link_requested.emit(task_id)
            return
        super().keyPressEvent(event)


class TasksScreen(QWidget):
    """Args:
    context: the workspace and its change signals.
    """

    loaded = Signal()

    def __init__(
        self, context: AppContext, *, clock: Callable[[], dt.datetime] | None = None
    ) -> None:
        super().__init__()
        self.context = context
        self.rows: dict[uuid.UUID, TaskRow] = {}
        self.counts: dict[Section, int] = {}
        self.loading: Operation | None = None
        self._again = False
        self._filling = False
        self._stale = True
        #: The clock: naive UTC now (tests pass a fixed instant).
        self.now = clock or utc_now

        self.quick_add = QLineEdit()
        self.quick_add.setObjectName("QuickAddTask")
        self.quick_add.setPlaceholderText(
            "Add a task — e.g. “Call Anna tomorrow 10:00”, then Enter"
        )
        self.quick_add.setClearButtonEnabled(True)
        self.quick_hint = QLabel()
        self.quick_hint.setObjectName("QuickAddHint")
        self.quick_hint.setMinimumWidth(160)
        new_button = QPushButton("New task…")
        new_button.setObjectName("NewTask")
        new_button.clicked.connect(lambda: self.edit_task(None))

        self.search = QLineEdit()
        self.search.setObjectName("TaskSearch")
        self.search.setPlaceholderText("Filter by title…")
        self.search.setClearButtonEnabled(True)
        self.assignee = QComboBox()
        self.assignee.setObjectName("TaskAssigneeFilter")
        self.kind = QComboBox()
        self.kind.setObjectName("TaskKindFilter")
        for value, label in KIND_CHOICES:
            self.kind.addItem(label, value)
        self.summary = QLabel()
        self.summary.setObjectName("TaskSummary")

        self.tree = TaskTree()
        self.tree.setObjectName("TaskTree")
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column, width in ((1, 160), (2, 200), (3, 150)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, width)

        top = QHBoxLayout()
        top.addWidget(self.quick_add, 1)
        top.addWidget(self.quick_hint)
        top.addWidget(new_button)
        filters = QHBoxLayout()
        filters.addWidget(self.search, 1)
        filters.addWidget(self.assignee)
        filters.addWidget(self.kind)
        filters.addWidget(self.summary)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(8)
        layout.addLayout(top)
        layout.addLayout(filters)
        layout.addWidget(self.tree, 1)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(150)
        self._debounce.timeout.connect(self.refresh)
        self.quick_add.textChanged.connect(self._preview)
        self.quick_add.returnPressed.connect(self.add_quick)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.assignee.currentIndexChanged.connect(lambda _i: self.refresh())
        self.kind.currentIndexChanged.connect(lambda _i: self.refresh())
        self.tree.itemChanged.connect(self._item_changed)
        self.tree.itemActivated.connect(self._activated)
        self.tree.customContextMenuRequested.connect(self._menu)
        self.tree.toggle_requested.connect(self.toggle)
        self.tree.delete_requested.connect(self.delete)
        self.tree.open_link_requested.connect(self.open_link)
        self.tree.edit_requested.connect(self.edit_task)
        context.records_changed.connect(self._records_changed)
        context.database_changed.connect(self.refresh)
        context.user_changed.connect(self._user_changed)
        if context.theme is not None:
            context.theme.changed.connect(lambda _s: self.refresh())
        apply_task_style(self, context)
        self._fill_assignees()
        self.refresh()

    # ---- loading -----------------------------------------------------------

    def _fill_assignees(self) -> None:
        from desktopcrm.services import users
        from desktopcrm.services.visibility import visible_owner_ids

        self.assignee.blockSignals(True)
        self.assignee.clear()
        self.assignee.addItem("Everyone", "")
        self.assignee.addItem("Me", self.context.user.id.hex)
        ids = visible_owner_ids(self.context.user)
        for user in users.list_users():
            if user.id != self.context.user.id and (ids is None or user.id in ids):
                self.assignee.addItem(user.name, user.id.hex)
        self.assignee.blockSignals(False)

    def _user_changed(self) -> None:
        self._fill_assignees()
        self.refresh()

    def _records_changed(self, table: str) -> None:
        if table in ("task", "lead", "contact", "deal"):
            self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    @property
    def busy(self) -> bool:
        """Whether rows are being read (or will be read again)."""
        return self._again or (self.loading is not None and self.loading.running)

    def filters(self) -> TaskFilter:
        assignee = self.assignee.currentData()
        return TaskFilter(
            assignee_id=uuid.UUID(assignee) if assignee else None,
            record_type=self.kind.currentData() or None,
            text=self.search.text().strip(),
        )

    def refresh(self) -> None:
        """Read the sections again in the background (once more if asked while reading); a
        hidden screen reads them when it is shown next."""
        if not self.context.database_open:
            return
        if not self.isVisible():
            self._stale = True
            return
        self._stale = False
        if self.loading is not None and self.loading.running:
            self._again = True
            return
        from desktopcrm.services import tasks

        user, now, tz, filters = self.context.user, self.now(), local_zone(), self.filters()
        self.loading = Operation(
            self,
            lambda _task: tasks.task_sections(user, now=now, tz=tz, filters=filters),
            on_success=self._show,
            title="load tasks",
        ).run()

    def _show(self, result: Any) -> None:
        sections, counts = result
        self.counts = counts
        current = self.current_task_id()
        colors = tokens(ThemeManager.current_scheme())
        danger, muted = QColor(colors["danger"]), QColor(colors["text_muted"])
        self._filling = True
        self.tree.clear()
        self.rows = {}
        now = self.now()
        for section in Section:
            rows = sections[section]
            count = counts[section]
            header = QTreeWidgetItem([f"{SECTION_TITLES[section]}  ·  {count}"])
            header.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = QFont(self.font())
            font.setBold(True)
            header.setFont(0, font)
            header.setFirstColumnSpanned(True)
            if section is Section.OVERDUE and count:
                header.setForeground(0, QBrush(danger))
            self.tree.addTopLevelItem(header)
            header.setFirstColumnSpanned(True)
            for row in rows:
                self.rows[row.id] = row
                item = self._item(row, now, danger, muted)
                header.addChild(item)
                if row.id == current:
                    self.tree.setCurrentItem(item)
            if not rows:
                empty = QTreeWidgetItem(["No tasks"])
                empty.setData(0, Qt.ItemDataRole.AccessibleTextRole, f"No {section.value} tasks")
                empty.setFlags(Qt.ItemFlag.NoItemFlags)
                empty.setForeground(0, QBrush(muted))
                header.addChild(empty)
            header.setExpanded(True)
        self._filling = False
        open_count = counts[Section.OVERDUE] + counts[Section.TODAY] + counts[Section.UPCOMING]
        self.summary.setText(f"{open_count} open")
        if self._again:
            self._again = False
            self.refresh()
            return
        self.loaded.emit()

    def _item(self, row: TaskRow, now: dt.datetime, danger: QColor, muted: QColor) -> Any:
        due = describe_due(row.due_at, now) if row.due_at else "No due date"
        link = (
            f"{KIND_WORDS.get(row.record_type or '', '')}: {row.record_title}"
            if row.record_id
            else ""
        )
        item = QTreeWidgetItem([row.title, due, link, row.assignee_name])
        item.setData(0, ID_ROLE, row.id.hex)
        item.setFlags(
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemIsUserCheckable
        )
        item.setCheckState(0, Qt.CheckState.Checked if row.done else Qt.CheckState.Unchecked)
        if row.overdue:
            for column in range(len(COLUMNS)):
                item.setForeground(column, QBrush(danger))
            item.setToolTip(1, "Overdue")
        elif row.done:
            font = QFont(self.font())
            font.setStrikeOut(True)
            item.setFont(0, font)
            for column in range(len(COLUMNS)):
                item.setForeground(column, QBrush(muted))
        if row.record_id:
            item.setToolTip(2, "Ctrl+O or double-click opens the linked record")
        return item

    # ---- reading the tree --------------------------------------------------

    def current_task_id(self) -> uuid.UUID | None:
        item = self.tree.currentItem()
        value = item.data(0, ID_ROLE) if item is not None else None
        return uuid.UUID(value) if value else None

    def _children(self, header: QTreeWidgetItem | None) -> list[QTreeWidgetItem]:
        if header is None:
            return []
        found = [header.child(i) for i in range(header.childCount())]
        return [item for item in found if item is not None]

    def item_for(self, task_id: uuid.UUID) -> QTreeWidgetItem | None:
        for index in range(self.tree.topLevelItemCount()):
            for item in self._children(self.tree.topLevelItem(index)):
                if item.data(0, ID_ROLE) == task_id.hex:
                    return item
        return None

    def section_titles(self, section: Section) -> list[str]:
        """The titles shown in ``section`` (for tests and accessibility)."""
        header = self.tree.topLevelItem(list(Section).index(section))
        return [item.text(0) for item in self._children(header) if item.data(0, ID_ROLE)]

    # ---- actions -----------------------------------------------------------

    def _preview(self, text: str) -> None:
        from desktopcrm.services.tasks import parse_quick_add

        if not text.strip():
            self.quick_hint.setText("")
            return
        parsed = parse_quick_add(text, now=self.now(), tz=local_zone())
        self.quick_hint.setText(
            f"Due {describe_due(parsed.due_at, self.now())}" if parsed.due_at else "No due date"
        )

    def add_quick(self) -> None:
        """Add the task typed in the quick-add line."""
        from desktopcrm.services import tasks

        text = self.quick_add.text().strip()
        if not text:
            return
        parsed = tasks.parse_quick_add(text, now=self.now(), tz=local_zone())
        if not self._run(
            lambda: tasks.create_task(self.context.user, parsed.title or text, due_at=parsed.due_at)
        ):
            return
        self.quick_add.clear()
        self.context.message.emit(f"Added the task “{parsed.title or text}”")

    def _run(self, action: Any) -> bool:
        from desktopcrm.models.errors import DatabaseError
        from desktopcrm.services.errors import ServiceError
        from desktopcrm.views.operations import show_failure

        try:
            action()
        except (ServiceError, DatabaseError) as exc:
            show_failure(self, "change the task", exc)
            self.refresh()
            return False
        self.context.records_changed.emit("task")
        return True

    def _item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        if self._filling or column != 0 or not item.data(0, ID_ROLE):
            return
        task_id = uuid.UUID(item.data(0, ID_ROLE))
        row = self.rows.get(task_id)
        done = item.checkState(0) == Qt.CheckState.Checked
        if row is not None and row.done != done:
            self.set_done(task_id, done)

    def toggle(self, task_id: str | uuid.UUID) -> None:
        task_id = uuid.UUID(str(task_id))
        row = self.rows.get(task_id)
        if row is not None:
            self.set_done(task_id, not row.done)

    def set_done(self, task_id: uuid.UUID, done: bool) -> None:
        """Tick (``done``) or untick a task."""
        from desktopcrm.services import tasks

        def change() -> None:
            task = tasks.get_task(self.context.user, task_id)
            if done:
                tasks.complete_task(self.context.user, task)
            else:
                tasks.reopen_task(self.context.user, task)

        self._run(change)

    def delete(self, task_id: str | uuid.UUID) -> None:
        from desktopcrm.services import tasks

        task_id = uuid.UUID(str(task_id))
        row = self.rows.get(task_id)
        self._run(
            lambda: tasks.delete_task(self.context.user, tasks.get_task(self.context.user, task_id))
        )
        if row is not None:
            self.context.message.emit(f"Deleted the task “{row.title}”")

    def open_link(self, task_id: str | uuid.UUID) -> bool:
        """Open the lead, contact or deal the task is linked to; False when it has none."""
        row = self.rows.get(uuid.UUID(str(task_id)))
        if row is None or not row.record_type or not row.record_id:
            return False
        self.context.open_record.emit(row.record_type, row.record_id.hex)
        return True

    def edit_task(self, task_id: str | uuid.UUID | None) -> Any:
        from desktopcrm.views.tasks.task_dialog import open_task_dialog

        return open_task_dialog(
            self.context, self, task_id=uuid.UUID(str(task_id)) if task_id else None
        )

    def _activated(self, item: QTreeWidgetItem, column: int) -> None:
        task_id = item.data(0, ID_ROLE)
        if not task_id:
            return
        if column == 2 and self.open_link(task_id):
            return
        self.edit_task(task_id)

    def _menu(self, pos: QPoint) -> None:
        item = self.tree.itemAt(pos)
        task_id = item.data(0, ID_ROLE) if item is not None else None
        if not task_id:
            return
        row = self.rows[uuid.UUID(task_id)]
        menu = QMenu(self)
        menu.addAction("Mark as open" if row.done else "Mark as done", lambda: self.toggle(task_id))
        menu.addAction("Edit…", lambda: self.edit_task(task_id))
        if row.record_id:
            menu.addAction(f"Open {row.record_title}", lambda: self.open_link(task_id))
        menu.addSeparator()
        menu.addAction("Delete", lambda: self.delete(task_id))
        menu.popup(self.tree.viewport().mapToGlobal(pos))
