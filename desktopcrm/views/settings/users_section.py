"""Settings › Users: who works in this database; admins add users here."""

from __future__ import annotations

from desktopcrm.qt import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    Qt,
    QTableView,
    QWidget,
)
from desktopcrm.views.context import AppContext
from desktopcrm.views.icons import icon
from desktopcrm.views.settings.users_model import UsersModel
from desktopcrm.views.settings.widgets import Card, SectionPage, note


class UsersSection(SectionPage):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(
            "Users",
            "Everyone who works in this database. A User sees their own records, a Manager "
            "also their direct reports', an Admin everything, and configures the office.",
            parent,
        )
        self._context = context
        card = Card()
        row = QHBoxLayout()
        self.count_label = QLabel()
        self.count_label.setObjectName("CardTitle")
        row.addWidget(self.count_label)
        row.addStretch(1)
        self.add_button = QPushButton(icon("user-add", "accent_text"), "Add user…")
        self.add_button.setProperty("primary", True)
        self.add_button.clicked.connect(self.add_user)
        row.addWidget(self.add_button)
        card.body.addLayout(row)
        self.read_only_note = note("")
        self.read_only_note.setObjectName("Note")
        card.body.addWidget(self.read_only_note)
        self.model = UsersModel()
        self.table = QTableView()
        self.table.setObjectName("UsersTable")
        self.table.setAccessibleName("Users")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(36)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumHeight(260)
        card.body.addWidget(self.table)
        self.add(card)
        for signal in (
            context.user_changed,
            context.database_reopened,
            context.database_changed,
        ):
            signal.connect(self.refresh)
        context.records_changed.connect(self._records_changed)
        self.refresh()

    def _records_changed(self, table: str) -> None:
        if table == "users":
            self.refresh()

    def refresh(self) -> None:
        if not self._context.database_open:
            return
        self.model.reload()
        count = self.model.rowCount()
        self.count_label.setText(f"{count} user{'s' if count != 1 else ''}")
        admin = self._context.user.is_admin
        self.add_button.setVisible(admin)
        self.read_only_note.setVisible(not admin)
        user = self._context.user
        self.read_only_note.setText(
            f"You are signed in as {user.name} ({user.profile_enum.label}). Only an admin can "
            "add users or change their profiles."
        )

    def add_user(self) -> None:
        from desktopcrm.views.user_dialog import AddUserDialog

        AddUserDialog(self._context, self).open()

    def focus_item(self, user_id: str) -> None:
        row = self.model.row_of(user_id)
        if row >= 0:
            self.table.selectRow(row)
            self.table.setFocus()
