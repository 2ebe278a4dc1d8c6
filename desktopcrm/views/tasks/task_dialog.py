"""Add or edit a task: title, due time, reminder, assignee, linked record, description."""

from __future__ import annotations

import datetime as dt
import uuid

from desktopcrm.qt import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desktopcrm.views.context import AppContext
from desktopcrm.views.local_time import (
    from_qdatetime,
    local_zone,
    to_local,
    to_qdatetime,
    to_utc,
    utc_now,
)
from desktopcrm.views.record.picker import PickedRecord, RecordPicker

REMINDER_CHOICES: tuple[tuple[str, str], ...] = (
    ("", "No reminder"),
    ("0m", "At the due time"),
    ("5m", "5 minutes before"),
    ("15m", "15 minutes before"),
    ("30m", "30 minutes before"),
    ("1h", "1 hour before"),
    ("1d", "1 day before"),
    ("1w", "1 week before"),
)


class TaskDialog(QDialog):
    """Args:
    context: the workspace (its user is the actor).
    task_id: the task to edit; None adds a new one.
    link: a record to link a new task to (kind, id, title), e.g. the record page shown.
    """

    saved = Signal(object)  # the task's id

    def __init__(
        self,
        context: AppContext,
        parent: QWidget | None = None,
        *,
        task_id: uuid.UUID | None = None,
        link: PickedRecord | None = None,
    ) -> None:
        super().__init__(parent)
        from desktopcrm.models.tasks import Task
        from desktopcrm.services import record_details, tasks, users

        self.context = context
        self.task: Task | None = tasks.get_task(context.user, task_id) if task_id else None
        self.setObjectName("TaskDialog")
        self.setWindowTitle("Edit task" if self.task else "New task")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setMinimumWidth(460)

        self.title = QLineEdit()
        self.title.setObjectName("TaskTitle")
        self.title.setPlaceholderText("What needs to be done?")
        self.has_due = QCheckBox("Due")
        self.due = QDateTimeEdit()
        self.due.setObjectName("TaskDue")
        self.due.setCalendarPopup(True)
        self.due.setDisplayFormat("ddd d MMM yyyy  HH:mm")
        self.reminder = QComboBox()
        self.reminder.setObjectName("TaskReminder")
        for value, label in REMINDER_CHOICES:
            self.reminder.addItem(label, value)
        self.assignee = QComboBox()
        self.assignee.setObjectName("TaskAssignee")
        current = self.task.assignee_id if self.task else None
        for user in record_details.assignable_owners(context.user, users.list_users(), current):
            self.assignee.addItem(user.name, user.id.hex)
        self.link = RecordPicker(context, placeholder="Lead, person, company or deal…")
        self.link.setObjectName("TaskLink")
        self.description = QPlainTextEdit()
        self.description.setObjectName("TaskDescription")
        self.description.setFixedHeight(80)
        self.error = QLabel()
        self.error.setObjectName("FormError")
        self.error.setWordWrap(True)
        self.error.hide()

        due_row = QHBoxLayout()
        due_row.addWidget(self.has_due)
        due_row.addWidget(self.due, 1)
        form = QFormLayout()
        form.addRow("Title", self.title)
        form.addRow("When", due_row)
        form.addRow("Reminder", self.reminder)
        form.addRow("Assigned to", self.assignee)
        form.addRow("Linked to", self.link)
        form.addRow("Notes", self.description)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        if self.task is not None:
            delete = QPushButton("Delete")
            delete.setObjectName("DeleteTask")
            delete.clicked.connect(self.delete)
            buttons.addButton(delete, QDialogButtonBox.ButtonRole.DestructiveRole)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.has_due.toggled.connect(self._due_toggled)
        self._fill(link)

    def _fill(self, link: PickedRecord | None) -> None:
        from desktopcrm.services import tasks

        task = self.task
        now_local = to_local(utc_now())
        default_due = (now_local + dt.timedelta(hours=1)).replace(minute=0, second=0)
        if task is None:
            self.has_due.setChecked(True)
            self.due.setDateTime(to_qdatetime(default_due))
            self._select(self.assignee, self.context.user.id.hex)
            if link is not None:
                self.link.set_record(link)
            return
        self.title.setText(task.title)
        self.has_due.setChecked(task.due_at is not None)
        self.due.setDateTime(to_qdatetime(to_local(task.due_at) if task.due_at else default_due))
        self._due_toggled(task.due_at is not None)
        self._select(self.reminder, task.reminder or "")
        self._select(self.assignee, task.assignee_id.hex if task.assignee_id else "")
        self.description.setPlainText(task.description)
        if task.record_type and task.record_id:
            title = tasks.link_titles([(task.record_type, task.record_id)]).get(task.record_id, "")
            self.link.set_record(PickedRecord(task.record_type, task.record_id, title))

    @staticmethod
    def _select(combo: QComboBox, value: str) -> None:
        index = combo.findData(value)
        if index >= 0:
            combo.setCurrentIndex(index)

    def _due_toggled(self, on: bool) -> None:
        self.due.setEnabled(on)
        self.reminder.setEnabled(on)

    def values(self) -> dict[str, object]:
        from desktopcrm.models import User

        picked = self.link.selected
        assignee_hex = self.assignee.currentData()
        due = to_utc(from_qdatetime(self.due.dateTime()), local_zone())
        return {
            "title": self.title.text(),
            "due_at": due if self.has_due.isChecked() else None,
            "reminder": (self.reminder.currentData() or None) if self.has_due.isChecked() else None,
            "assignee": User.get_by_id(uuid.UUID(assignee_hex)) if assignee_hex else None,
            "record_type": picked.record_kind if picked else None,
            "record_id": picked.record_id if picked else None,
            "description": self.description.toPlainText(),
        }

    def save(self) -> None:
        """Create or update the task; a refusal is shown in the dialog, which stays open."""
        from desktopcrm.models.errors import DatabaseError
        from desktopcrm.services import tasks
        from desktopcrm.services.errors import ServiceError

        values = self.values()
        try:
            if self.task is None:
                title = str(values.pop("title"))
                task = tasks.create_task(self.context.user, title, **values)  # type: ignore[arg-type]
            else:
                task = self.task
                tasks.update_task(self.context.user, task, values)
        except (ServiceError, DatabaseError) as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        self.context.records_changed.emit("task")
        self.saved.emit(task.id)
        self.accept()

    def delete(self) -> None:
        from desktopcrm.services import tasks

        if self.task is None:
            return
        tasks.delete_task(self.context.user, self.task)
        self.context.records_changed.emit("task")
        self.context.message.emit(f"Deleted the task “{self.task.title}”")
        self.accept()


def open_task_dialog(
    context: AppContext,
    parent: QWidget | None = None,
    *,
    task_id: uuid.UUID | None = None,
    link: PickedRecord | None = None,
) -> TaskDialog:
    dialog = TaskDialog(context, parent, task_id=task_id, link=link)
    dialog.open()
    dialog.title.setFocus()
    return dialog
