"""The Emails card of a record page: the newest messages linked to the lead, contact, company
or deal (``services.mail.messages_for_record``, read in an ``Operation`` when the page loads),
each opening in a window with the reading pane (the whole conversation, attachments, the same
safe HTML); "Write email" opens the compose window addressed to the record."""

from __future__ import annotations

from typing import Any

from desktopcrm.models.records import Contact
from desktopcrm.qt import QDialog, QHBoxLayout, QLabel, QPushButton, Qt, QVBoxLayout, QWidget
from desktopcrm.services.mail import MailRow
from desktopcrm.services.record_details import RecordDetails
from desktopcrm.views.context import AppContext
from desktopcrm.views.local_time import utc_now
from desktopcrm.views.mail.list_delegate import counterpart, short_date
from desktopcrm.views.mail.reader import MailReader
from desktopcrm.views.mail.style import apply_mail_style
from desktopcrm.views.operations import Operation
from desktopcrm.views.record.widgets import Card

#: Messages listed on the card (the newest).
SHOWN = 8


def link_type(record: Any) -> str:
    """The ``MailLink.record_type`` of a page's record."""
    if isinstance(record, Contact):
        return "company" if record.is_company else "contact"
    return type(record).__name__.lower()


class MessageLine(QPushButton):
    """One message: who, subject, when (a click opens it)."""

    def __init__(self, row: MailRow) -> None:
        super().__init__()
        self.row = row
        self.setObjectName("RecordLink")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        prefix = "To " if row.sent_by_us or row.folder.value == "sent" else ""
        subject = row.subject or "(no subject)"
        when = short_date(row.date, utc_now())
        self.setText(f"{prefix}{counterpart(row)}  ·  {subject}  ·  {when}")
        self.setToolTip(" ".join(row.snippet.split())[:200] or subject)
        self.setAccessibleName(f"Email {subject} from {row.sender}")


class MessageWindow(QDialog):
    """A message and its conversation on its own (opened from a record page)."""

    def __init__(self, context: AppContext, message_id: int, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Email")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(820, 640)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.reader = MailReader(context)
        layout.addWidget(self.reader)
        apply_mail_style(self, context)
        self.reader.show_message(message_id)


class MailCard(Card):
    """Args:
    context: the workspace; the card reads when ``show_details`` gives it the record.
    """

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__("Emails", parent)
        self.context = context
        self.record_type = ""
        self.record_id: Any = None
        self.rows: list[MailRow] = []
        self.reading: Operation | None = None
        self.message_window: MessageWindow | None = None
        self.lines = QVBoxLayout()
        self.lines.setSpacing(2)
        self.body.addLayout(self.lines)
        self.empty = QLabel("No emails with this record yet.")
        self.empty.setObjectName("MailCardEmpty")
        self.empty.setWordWrap(True)
        self.body.addWidget(self.empty)
        actions = QHBoxLayout()
        self.write_button = QPushButton("Write email")
        self.write_button.setObjectName("WriteEmail")
        self.write_button.setToolTip("A new message to this record (its fields fill templates)")
        self.write_button.clicked.connect(self.write)
        self.write_button.setEnabled(False)
        actions.addWidget(self.write_button)
        actions.addStretch(1)
        self.body.addLayout(actions)

    def show_details(self, details: RecordDetails) -> Operation:
        """Read the record's newest messages in the background."""
        self.record_type = link_type(details.record)
        self.record_id = details.record.id
        self.write_button.setEnabled(True)
        user, kind, record_id = self.context.user, self.record_type, self.record_id

        def work(_task: Any) -> list[MailRow]:
            from desktopcrm.services import mail

            return mail.messages_for_record(user, kind, record_id, limit=SHOWN)

        self.reading = Operation(self, work, on_success=self._show, title="read the emails").run()
        return self.reading

    def _show(self, rows: list[MailRow]) -> None:
        self.rows = rows
        while self.lines.count():
            item = self.lines.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        for row in rows:
            line = MessageLine(row)
            line.clicked.connect(lambda _c=False, mid=row.id: self.open_message(mid))
            self.lines.addWidget(line)
        self.empty.setVisible(not rows)

    def open_message(self, message_id: int) -> MessageWindow:
        self.message_window = MessageWindow(self.context, message_id, self)
        self.message_window.show()
        return self.message_window

    def write(self) -> Any:
        """A new message to the record (its address in To, its fields for templates); returns
        the compose window."""
        if self.record_id is None:
            return None
        from desktopcrm.views.mail.compose import open_compose

        kind = "contact" if self.record_type == "company" else self.record_type
        return open_compose(self.context, mode="new", to_record=(kind, str(self.record_id)))
