"""Settings › Email templates: write, change and delete the templates offered when composing.

Each template has a name, a subject and a body (formatted or plain text) with ``{fields}``
filled from the record the message is about; the fields available are listed beside the body
(double-click one to insert it). A shared template is offered to the whole office.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktopcrm.qt import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    Qt,
    QTimer,
    QVBoxLayout,
    QWidget,
)
from desktopcrm.views.context import AppContext
from desktopcrm.views.mail.compose_body import BodyEditor
from desktopcrm.views.settings.widgets import Card, SectionPage, field_form

if TYPE_CHECKING:
    from desktopcrm.models.mail_templates import MailTemplate

ID_ROLE = Qt.ItemDataRole.UserRole
FIELD_ROLE = Qt.ItemDataRole.UserRole + 1


class MailTemplatesSection(SectionPage):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(
            "Email templates",
            "Messages you send often. Fields in braces, like {first_name}, are filled from "
            "the lead, person or deal the message is about when you insert the template.",
            parent,
        )
        self._context = context
        self.current: MailTemplate | None = None
        self.confirm: QMessageBox | None = None

        card = Card()
        row = QHBoxLayout()
        row.setSpacing(16)
        left = QVBoxLayout()
        self.list = QListWidget()
        self.list.setObjectName("TemplateList")
        self.list.setAccessibleName("Templates")
        self.list.setFixedWidth(170)
        self.list.currentItemChanged.connect(self._chosen)
        left.addWidget(self.list, 1)
        self.new_button = QPushButton("New template")
        self.new_button.setObjectName("NewTemplate")
        self.new_button.clicked.connect(self.new_template)
        left.addWidget(self.new_button)
        row.addLayout(left)

        editor = QVBoxLayout()
        form = field_form()
        self.name = QLineEdit()
        self.name.setObjectName("TemplateName")
        self.subject = QLineEdit()
        self.subject.setObjectName("TemplateSubject")
        form.addRow("Name", self.name)
        form.addRow("Subject", self.subject)
        editor.addLayout(form)
        self.body = BodyEditor()
        self.body.edit.setObjectName("TemplateBody")
        self.body.edit.setMinimumHeight(200)
        editor.addWidget(self.body, 1)
        self.shared = QCheckBox("Shared with the whole office")
        self.shared.setObjectName("TemplateShared")
        editor.addWidget(self.shared)
        self.error = QLabel()
        self.error.setObjectName("FieldError")
        self.error.setWordWrap(True)
        self.error.hide()
        editor.addWidget(self.error)
        buttons = QHBoxLayout()
        self.save_button = QPushButton("Save")
        self.save_button.setObjectName("SaveTemplate")
        self.save_button.setProperty("primary", True)
        self.save_button.clicked.connect(self.save)
        self.delete_button = QPushButton("Delete")
        self.delete_button.setObjectName("DeleteTemplate")
        self.delete_button.setProperty("danger", True)
        self.delete_button.clicked.connect(self.delete)
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        buttons.addWidget(self.delete_button)
        editor.addLayout(buttons)
        row.addLayout(editor, 1)

        fields = QVBoxLayout()
        fields.addWidget(QLabel("Fields (double-click)"))
        self.fields = QListWidget()
        self.fields.setObjectName("TemplateFields")
        self.fields.setAccessibleName("Available fields")
        self.fields.setFixedWidth(170)
        self.fields.itemDoubleClicked.connect(self._insert_field)
        fields.addWidget(self.fields, 1)
        row.addLayout(fields)
        card.body.addLayout(row)
        self.add(card)
        self._fill_fields()
        self.reload()

    def _fill_fields(self) -> None:
        from desktopcrm.services.mail_templates import available_fields

        for key, description in available_fields():
            item = QListWidgetItem("{" + key + "}")
            item.setToolTip(description)
            item.setData(FIELD_ROLE, key)
            self.fields.addItem(item)

    def _insert_field(self, item: QListWidgetItem) -> None:
        self.body.edit.insertPlainText("{" + str(item.data(FIELD_ROLE)) + "}")
        self.body.edit.setFocus()

    def reload(self, select: object = None) -> None:
        """List the templates again (keeping ``select``, a template id, chosen)."""
        from desktopcrm.services.mail_templates import templates_for

        self.list.blockSignals(True)
        self.list.clear()
        chosen = None
        for template in templates_for(self._context.user):
            label = template.name + ("  · shared" if template.shared else "")
            item = QListWidgetItem(label)
            item.setData(ID_ROLE, template.id)
            self.list.addItem(item)
            if template.id == select:
                chosen = item
        self.list.blockSignals(False)
        if chosen is not None:
            self.list.setCurrentItem(chosen)
        elif self.list.count():
            self.list.setCurrentRow(0)
        else:
            self.new_template()

    def _chosen(self, item: QListWidgetItem | None, _previous: object = None) -> None:
        from desktopcrm.models.mail_templates import MailTemplate
        from desktopcrm.services.mail_templates import can_edit

        if item is None:
            return
        template = MailTemplate.get_or_none(MailTemplate.id == item.data(ID_ROLE))
        if template is None:
            return
        self.current = template
        self.name.setText(template.name)
        self.subject.setText(template.subject)
        if template.html_body:
            self.body.set_html(template.html_body)
        else:
            self.body.set_plain(True)
            self.body.set_text(template.text_body)
        self.shared.setChecked(template.shared)
        editable = can_edit(self._context.user, template)
        for widget in (self.name, self.subject, self.body, self.shared, self.save_button):
            widget.setEnabled(editable)
        self.delete_button.setEnabled(editable)
        self._error("" if editable else "Only its owner (or an admin, if shared) changes this.")

    def new_template(self) -> None:
        self.list.clearSelection()
        self.current = None
        self.name.clear()
        self.subject.clear()
        self.body.set_plain(False)
        self.body.set_text("")
        self.shared.setChecked(False)
        for widget in (self.name, self.subject, self.body, self.shared, self.save_button):
            widget.setEnabled(True)
        self.delete_button.setEnabled(False)
        self._error("")
        self.name.setFocus()

    def save(self) -> None:
        from desktopcrm.models import StaleRecordError
        from desktopcrm.services.errors import ServiceError
        from desktopcrm.services.mail_templates import save_template
        from desktopcrm.views.mail.compose import _inner_body

        html = "" if self.body.is_plain else _inner_body(self.body.html())
        try:
            saved = save_template(
                self._context.user,
                self.current,
                name=self.name.text(),
                subject=self.subject.text(),
                text_body=self.body.text(),
                html_body=html,
                shared=self.shared.isChecked(),
            )
        except (ServiceError, StaleRecordError) as exc:
            self._error(str(exc))
            return
        self._error("")
        self._context.message.emit(f"Template “{saved.name}” saved")
        self.reload(select=saved.id)

    def delete(self) -> None:
        template = self.current
        if template is None:
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Delete this template?",
            f"“{template.name}” will no longer be offered when composing.",
            QMessageBox.StandardButton.NoButton,
            self,
        )
        box.setObjectName("ConfirmDeleteTemplate")
        self._delete_button = box.addButton("Delete", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton("Keep", QMessageBox.ButtonRole.RejectRole)
        self.confirm = box
        self._deleting = template
        box.finished.connect(self._delete_answered)
        box.open()

    def _delete_answered(self, _result: int) -> None:
        from desktopcrm.services.errors import ServiceError
        from desktopcrm.services.mail_templates import delete_template

        box, template = self.confirm, self._deleting
        self.confirm = None
        if box is None or template is None:
            return
        box.deleteLater()
        if box.clickedButton() is not self._delete_button:
            return
        try:
            delete_template(self._context.user, template)
        except ServiceError as exc:
            self._error(str(exc))
            return
        QTimer.singleShot(0, self.reload)

    def _error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))
