"""The window that lists reminders as they come (a task due, an appointment starting)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from desktopcrm.qt import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
)
from desktopcrm.services.reminders import DueReminder
from desktopcrm.views.context import AppContext
from desktopcrm.views.local_time import describe_due, utc_now

KIND_WORDS = {"task": "Task", "appointment": "Appointment"}


class ReminderPopup(QDialog):
    """Non-modal; new reminders are added to the list while it is open."""

    def __init__(
        self,
        context: AppContext,
        parent: QWidget | None = None,
        *,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.clock = clock
        self.reminders: list[DueReminder] = []
        self.more: QLabel | None = None
        self.setObjectName("ReminderPopup")
        self.setWindowTitle("Reminders")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setModal(False)
        self.setMinimumWidth(420)
        self.rows = QVBoxLayout()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        buttons.accepted.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addLayout(self.rows)
        layout.addStretch(1)
        layout.addWidget(buttons)

    #: Rows shown at most; the rest are counted ("and 120 more").
    LIMIT = 12

    def add(self, reminders: list[DueReminder]) -> None:
        now = self.clock()
        shown = len(self.reminders)
        self.reminders.extend(reminders)
        for reminder in reminders[: max(self.LIMIT - shown, 0)]:
            row = QHBoxLayout()
            when = describe_due(reminder.due_at, now)
            late = reminder.due_at < now and reminder.item_type == "task"
            label = QLabel(
                f"<b>{_escape(reminder.title)}</b><br>"
                f"<span>{KIND_WORDS.get(reminder.item_type, '')} · "
                f"{'overdue since ' if late else ''}{when}</span>"
            )
            label.setObjectName("ReminderText")
            row.addWidget(label, 1)
            if reminder.record_type and reminder.record_id:
                button = QPushButton("Open record")
                kind, record_id = reminder.record_type, reminder.record_id.hex
                button.clicked.connect(
                    lambda _c=False, k=kind, r=record_id: self.context.open_record.emit(k, r)
                )
                row.addWidget(button)
            self.rows.addLayout(row)
        hidden = len(self.reminders) - self.LIMIT
        if hidden > 0:
            if self.more is None:
                self.more = QLabel()
                self.more.setObjectName("MoreReminders")
                self.rows.addWidget(self.more)
            self.more.setText(f"…and {hidden} more: see the Tasks screen and the calendar.")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
