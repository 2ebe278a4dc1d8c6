"""Add a user: name, email, profile and manager, validated by ``services.users``."""

from __future__ import annotations

import logging

from desktopcrm.models import Profile, User
from desktopcrm.qt import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)
from desktopcrm.services import users
from desktopcrm.services.errors import ServiceError, ValidationError
from desktopcrm.views.context import AppContext

log = logging.getLogger("desktopcrm.views.user_dialog")


def _error_label() -> QLabel:
    label = QLabel()
    label.setObjectName("FieldError")
    label.setWordWrap(True)
    label.hide()
    return label


class AddUserDialog(QDialog):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self.created: User | None = None
        self.setObjectName("AddUserDialog")
        self.setWindowTitle("Add user")
        self.setMinimumWidth(440)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.setSpacing(14)
        title = QLabel("Add a user")
        title.setObjectName("DialogTitle")
        layout.addWidget(title)
        intro = QLabel("They can then sign in on their computer from the user menu.")
        intro.setObjectName("Muted")
        intro.setWordWrap(True)
        layout.addWidget(intro)

        form = QFormLayout()
        form.setVerticalSpacing(6)
        form.setHorizontalSpacing(16)
        self.name_edit = QLineEdit()
        self.name_edit.setAccessibleName("Name")
        self.name_edit.setPlaceholderText("e.g. Anna Rossi")
        self.name_error = _error_label()
        form.addRow("Name", self.name_edit)
        form.addRow("", self.name_error)
        self.email_edit = QLineEdit()
        self.email_edit.setAccessibleName("Email")
        self.email_edit.setPlaceholderText("anna@example.com")
        self.email_error = _error_label()
        form.addRow("Email", self.email_edit)
        form.addRow("", self.email_error)
        self.profile_combo = QComboBox()
        self.profile_combo.setAccessibleName("Profile")
        for profile in Profile:
            self.profile_combo.addItem(profile.label, profile.value)
        form.addRow("Profile", self.profile_combo)
        self.reports_combo = QComboBox()
        self.reports_combo.setAccessibleName("Reports to")
        self.reports_combo.addItem("Nobody", None)
        for user in users.list_users():
            self.reports_combo.addItem(user.name, user.id.hex)
        form.addRow("Reports to", self.reports_combo)
        layout.addLayout(form)
        self.general_error = _error_label()
        layout.addWidget(self.general_error)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.add_button = self.buttons.addButton("Add user", QDialogButtonBox.ButtonRole.AcceptRole)
        self.add_button.setProperty("primary", True)
        self.add_button.setDefault(True)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.name_edit.textEdited.connect(lambda: self._clear(self.name_edit, self.name_error))
        self.email_edit.textEdited.connect(lambda: self._clear(self.email_edit, self.email_error))
        self.name_edit.setFocus()

    def _clear(self, edit: QLineEdit, label: QLabel) -> None:
        label.hide()
        edit.setProperty("invalid", False)
        edit.style().polish(edit)

    def _show_error(self, error: ServiceError) -> None:
        field = getattr(error, "field", None)
        targets = {
            "name": (self.name_edit, self.name_error),
            "email": (self.email_edit, self.email_error),
        }
        if field in targets:
            edit, label = targets[field]
            label.setText(str(error))
            label.show()
            edit.setProperty("invalid", True)
            edit.style().polish(edit)
            edit.setFocus()
        else:
            self.general_error.setText(str(error))
            self.general_error.show()

    def submit(self) -> None:
        """Create the user; a refused value is shown under its field and the dialog stays."""
        reports_id = self.reports_combo.currentData()
        reports_to = next(
            (u for u in users.list_users() if reports_id and u.id.hex == reports_id), None
        )
        try:
            created = users.create_user(
                self._context.user,
                self.name_edit.text(),
                email=self.email_edit.text(),
                profile=Profile(self.profile_combo.currentData()),
                reports_to=reports_to,
            )
        except ValidationError as error:
            self._show_error(error)
            return
        except ServiceError as error:
            self._show_error(error)
            return
        self.created = created
        log.info("added user %s", created.name)
        self._context.records_changed.emit("users")
        self._context.message.emit(f"Added {created.name}")
        self.accept()
