"""The compose window: a new message, a reply, reply-all or a forward, sent through the outbox.

``open_compose(context, mode=..., message_id=..., to_record=...)`` opens a non-modal window:
From (the user's Gmail accounts), To / Cc / Bcc with CRM people suggested as one types, the
subject, the body (simple formatting, or plain text), attachments, a template picker that
fills ``{fields}`` from the record chosen in "Fields from", and the quoted message of a reply
or forward (a forward carries the original's attachments, fetched from Gmail in the
background: ``forward_fetch.py``). Send (Ctrl+Enter) builds the message with our own Message-ID
in the background and queues it: it shows in Sent at once and the account's sync worker sends
it, also after a restart or when the network comes back. Esc or closing asks before a written
draft is thrown away. Replies keep the Gmail thread, ``In-Reply-To`` and ``References``.
"""

from __future__ import annotations

import logging
import re
import uuid
from typing import TYPE_CHECKING, Any

from desktopcrm.qt import (
    QCheckBox,
    QCloseEvent,
    QComboBox,
    QDragEnterEvent,
    QDropEvent,
    QFormLayout,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QShortcut,
    Qt,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desktopcrm.views.context import AppContext
from desktopcrm.views.mail.compose_body import MAX_TOTAL, AttachmentList, BodyEditor, human_size
from desktopcrm.views.mail.forward_fetch import ForwardFetch
from desktopcrm.views.mail.recipient_field import RecipientField
from desktopcrm.views.record.picker import PickedRecord, RecordPicker

if TYPE_CHECKING:
    from desktopcrm.models.mail_templates import MailTemplate
    from desktopcrm.services.mail_recipients import Recipient
    from desktopcrm.sync.compose import Draft, QuotedPieces
    from desktopcrm.views.operations import Operation

log = logging.getLogger("desktopcrm.views.mail.compose")

MODES = ("new", "reply", "reply_all", "forward")
TITLES = {"new": "New message", "reply": "Reply", "reply_all": "Reply all", "forward": "Forward"}
_BODY = re.compile(r"<body\b[^>]*>(.*?)</body\s*>", re.I | re.S)

#: Compose windows without a parent, kept alive until they close.
_open_windows: set[ComposeWindow] = set()


def open_compose(
    context: AppContext,
    *,
    mode: str = "new",
    message_id: int | None = None,
    to_record: tuple[str, str] | None = None,
    parent: QWidget | None = None,
) -> ComposeWindow:
    """Open a compose window and return it.

    Args:
        mode: 'new', 'reply', 'reply_all' or 'forward' (the last three need ``message_id``).
        message_id: the stored message (``MailMessage.id``) replied to or forwarded.
        to_record: (``RecordKind`` value, record id) to write to: its address goes into To and
            its fields fill templates.
        parent: the window it belongs to (closed with it); None keeps it on its own.
    """
    window = ComposeWindow(
        context, mode=mode, message_id=message_id, to_record=to_record, parent=parent
    )
    window.settings_requested.connect(lambda key: context.open_screen.emit("settings", key))
    if parent is None:
        _open_windows.add(window)
        window.destroyed.connect(lambda *_: _open_windows.discard(window))
    window.show()
    window.raise_()
    window.activateWindow()
    return window


class ComposeWindow(QWidget):
    """Args: see ``open_compose``."""

    queued = Signal(object)  # the MailOutbox row of the message just queued
    settings_requested = Signal(str)  # a settings section key ("mail-accounts")

    def __init__(
        self,
        context: AppContext,
        *,
        mode: str = "new",
        message_id: int | None = None,
        to_record: tuple[str, str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        if mode not in MODES:
            raise ValueError(f"unknown compose mode {mode!r}")
        if mode != "new" and message_id is None:
            raise ValueError(f"{mode} needs the message_id of the message")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setObjectName("ComposeWindow")
        self.setAcceptDrops(True)
        self._context = context
        self.mode = mode
        self.message_id = message_id
        self.thread_id = ""
        self.pieces: QuotedPieces | None = None
        self.operation: Operation | None = None
        self.confirm: QMessageBox | None = None
        self._done = False  # sent or discarded: close without asking
        self._send_waiting = False  # Send pressed while forwarded attachments are fetched
        self._build()
        self._fill_accounts()
        if mode != "new" and message_id is not None:
            self._start_from_message(message_id)
        if to_record is not None:
            self._start_from_record(to_record[0], uuid.UUID(to_record[1]))
        self._update_title()
        self.subject.textChanged.connect(self._update_title)
        self._initial = self._snapshot()
        self.resize(760, 640)
        focus: QWidget = self.to_field
        if mode in ("reply", "reply_all") and self.to_field.text():
            focus = self.body.edit
        focus.setFocus(Qt.FocusReason.OtherFocusReason)

    # ---- building --------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.setSpacing(10)
        self.no_account = QWidget()
        self.no_account.setObjectName("NoMailAccount")
        row = QHBoxLayout(self.no_account)
        row.setContentsMargins(0, 0, 0, 0)
        label = QLabel(
            "No Google account is connected, so there is nothing to send from. Connect one in "
            "Settings › Mail accounts."
        )
        label.setObjectName("ProblemText")
        label.setWordWrap(True)
        row.addWidget(label, 1)
        open_settings = QPushButton("Open Mail accounts")
        open_settings.clicked.connect(lambda: self.settings_requested.emit("mail-accounts"))
        row.addWidget(open_settings)
        self.no_account.hide()
        layout.addWidget(self.no_account)

        form = QFormLayout()
        form.setHorizontalSpacing(12)
        form.setVerticalSpacing(8)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.from_combo = QComboBox()
        self.from_combo.setObjectName("ComposeFrom")
        self.from_combo.setAccessibleName("From")
        form.addRow("From", self.from_combo)
        self.to_field = RecipientField(self._context)
        self.to_field.setObjectName("ComposeTo")
        self.to_field.setAccessibleName("To")
        to_row = QHBoxLayout()
        to_row.addWidget(self.to_field, 1)
        self.cc_button = QPushButton("Cc")
        self.bcc_button = QPushButton("Bcc")
        for button in (self.cc_button, self.bcc_button):
            button.setProperty("flat", True)
            button.setToolTip(f"Add {button.text()} recipients")
            to_row.addWidget(button)
        form.addRow("To", to_row)
        self.cc_field = RecipientField(self._context)
        self.cc_field.setObjectName("ComposeCc")
        self.cc_field.setAccessibleName("Cc")
        self.bcc_field = RecipientField(self._context)
        self.bcc_field.setObjectName("ComposeBcc")
        self.bcc_field.setAccessibleName("Bcc")
        self.cc_label = QLabel("Cc")
        self.bcc_label = QLabel("Bcc")
        form.addRow(self.cc_label, self.cc_field)
        form.addRow(self.bcc_label, self.bcc_field)
        self._form = form
        self.show_cc(False)
        self.show_bcc(False)
        self.cc_button.clicked.connect(lambda: self.show_cc(True, focus=True))
        self.bcc_button.clicked.connect(lambda: self.show_bcc(True, focus=True))
        self.subject = QLineEdit()
        self.subject.setObjectName("ComposeSubject")
        self.subject.setAccessibleName("Subject")
        form.addRow("Subject", self.subject)
        tools = QHBoxLayout()
        tools.setSpacing(8)
        self.record_picker = RecordPicker(self._context, placeholder="A lead, person or deal…")
        self.record_picker.setObjectName("ComposeRecord")
        self.record_picker.setAccessibleName("Fill template fields from")
        self.record_picker.setToolTip("The record whose fields fill a template's {fields}")
        tools.addWidget(self.record_picker, 1)
        self.template_combo = QComboBox()
        self.template_combo.setObjectName("ComposeTemplate")
        self.template_combo.setAccessibleName("Insert a template")
        self.template_combo.setMinimumWidth(200)
        self.template_combo.activated.connect(self._template_chosen)
        tools.addWidget(self.template_combo)
        form.addRow("Fields from", tools)
        layout.addLayout(form)
        self.template_report = QLabel()
        self.template_report.setObjectName("Muted")
        self.template_report.setWordWrap(True)
        self.template_report.hide()
        layout.addWidget(self.template_report)
        self.to_field.recipient_picked.connect(self._recipient_picked)
        self._fill_templates()

        self.body = BodyEditor()
        layout.addWidget(self.body, 3)
        self.quote_toggle = QCheckBox("Include the quoted message")
        self.quote_toggle.setObjectName("QuoteToggle")
        self.quote_toggle.setChecked(True)
        self.quote = QTextBrowser()
        self.quote.setObjectName("ComposeQuote")
        self.quote.setAccessibleName("Quoted message")
        self.quote.setOpenLinks(False)
        self.quote.setMaximumHeight(140)
        self.quote_toggle.toggled.connect(self.quote.setVisible)
        self.quote_toggle.hide()
        self.quote.hide()
        layout.addWidget(self.quote_toggle)
        layout.addWidget(self.quote, 1)
        self.attachments = AttachmentList()
        layout.addWidget(self.attachments)
        self.forward_fetch = ForwardFetch(self._context, self.attachments)
        self.forward_fetch.arrived.connect(self._forwarded_arrived)
        self.forward_fetch.failed.connect(self._forwarded_failed)
        self.forward_fetch.send_without.connect(self.send)
        layout.addWidget(self.forward_fetch)

        self.error = QLabel()
        self.error.setObjectName("ProblemText")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        bottom = QHBoxLayout()
        self.track = QCheckBox("Track opens")
        self.track.setObjectName("TrackOpens")
        self.track.setToolTip(
            "Adds a tiny image that your tracking endpoint counts when the message is shown. "
            "Counts are approximate: some mail apps block images, and image proxies or "
            "security scanners may open it without a person reading."
        )
        self.track.setVisible(bool(self._context.settings.get("tracking_url")))
        self.track.setChecked(self.track.isVisible())
        bottom.addWidget(self.track)
        bottom.addStretch(1)
        self.discard_button = QPushButton("Discard")
        self.discard_button.setObjectName("DiscardButton")
        self.discard_button.clicked.connect(self.discard)
        bottom.addWidget(self.discard_button)
        self.send_button = QPushButton("Send")
        self.send_button.setObjectName("SendButton")
        self.send_button.setProperty("primary", True)
        self.send_button.setToolTip("Send (Ctrl+Enter). Works offline: it goes out with the sync.")
        self.send_button.clicked.connect(self.send)
        bottom.addWidget(self.send_button)
        layout.addLayout(bottom)

        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(self.send)
        escape = QShortcut(QKeySequence("Esc"), self)
        escape.setContext(Qt.ShortcutContext.WindowShortcut)
        escape.activated.connect(self._escape)

    def show_cc(self, on: bool, *, focus: bool = False) -> None:
        self._form.setRowVisible(self.cc_field, on)
        self.cc_button.setVisible(not on)
        if focus:
            self.cc_field.setFocus()

    def show_bcc(self, on: bool, *, focus: bool = False) -> None:
        self._form.setRowVisible(self.bcc_field, on)
        self.bcc_button.setVisible(not on)
        if focus:
            self.bcc_field.setFocus()

    def _fill_accounts(self) -> None:
        from desktopcrm.services.mail import mail_accounts

        for account in mail_accounts(self._context.user):
            self.from_combo.addItem(account.email, account.id)
        has = self.from_combo.count() > 0
        self.no_account.setVisible(not has)
        self.from_combo.setEnabled(has)
        self.send_button.setEnabled(has)

    def _fill_templates(self) -> None:
        from desktopcrm.services.mail_templates import templates_for

        self.template_combo.clear()
        self.template_combo.addItem("Insert template…", None)
        for template in templates_for(self._context.user):
            self.template_combo.addItem(template.name, template.id)
        if self.template_combo.count() == 1:
            self.template_combo.setItemText(0, "No templates yet")
            self.template_combo.setToolTip("Write templates in Settings › Email templates.")
        self.template_combo.setCurrentIndex(0)

    def _start_from_message(self, message_id: int) -> None:
        from desktopcrm.sync.drafts import start_reply
        from desktopcrm.views.record.picker import PickedRecord

        start = start_reply(self._context.user, message_id, self.mode)
        self.pieces = start.pieces
        self.thread_id = start.thread_id
        index = self.from_combo.findData(start.account_id)
        if index >= 0:
            self.from_combo.setCurrentIndex(index)
        if self.mode != "forward":
            self.from_combo.setEnabled(False)  # the thread lives in this account
            self.from_combo.setToolTip("A reply goes out from the account the message is in.")
        self.to_field.set_addresses(start.pieces.to)
        if start.pieces.cc:
            self.cc_field.set_addresses(start.pieces.cc)
            self.show_cc(True)
        self.subject.setText(start.pieces.subject)
        self.quote.setPlainText(start.pieces.text_body.strip("\n"))
        self.quote_toggle.show()
        self.quote.show()
        link = next((lk for lk in start.links if lk.record_type != "deal"), None) or next(
            iter(start.links), None
        )
        if link is not None:
            kind = "lead" if link.record_type == "lead" else link.record_type
            self.record_picker.set_record(PickedRecord(kind, link.record_id, link.title))
        if self.mode == "forward" and start.pieces.attachments:
            self.attachments.add_forwarded(
                [(a.part_index, a.filename, a.size) for a in start.pieces.attachments]
            )
            self.forward_fetch.start(message_id)

    def _start_from_record(self, kind: str, record_id: uuid.UUID) -> None:
        from desktopcrm.services.mail_recipients import record_recipients, record_title

        recipients = record_recipients(kind, record_id)
        if recipients and not self.to_field.text().strip():
            self.to_field.add_recipient(recipients[0].display)
        titled = record_title(kind, record_id)
        if titled is not None:
            self.record_picker.set_record(PickedRecord(titled[0], record_id, titled[1]))

    def _recipient_picked(self, recipient: Recipient) -> None:
        if self.record_picker.selected is None and recipient.record_id is not None:
            self.record_picker.set_record(
                PickedRecord(recipient.kind, recipient.record_id, recipient.name)
            )

    def _update_title(self) -> None:
        subject = self.subject.text().strip()
        self.setWindowTitle(f"{subject or TITLES[self.mode]} — DesktopCRM")

    # ---- templates -------------------------------------------------------------------

    def _template_chosen(self, index: int) -> None:
        template_id = self.template_combo.itemData(index)
        self.template_combo.setCurrentIndex(0)
        if template_id is None:
            return
        from desktopcrm.models.mail_templates import MailTemplate

        template = MailTemplate.get_or_none(MailTemplate.id == template_id)
        if template is not None:
            self.apply_template(template)

    def apply_template(self, template: MailTemplate) -> None:
        """Fill the template's fields from the chosen record and put it into the message:
        its subject when the subject is empty, its body at the cursor."""
        from desktopcrm.services.mail_recipients import load_record
        from desktopcrm.services.mail_templates import fill, render

        picked = self.record_picker.selected
        record = load_record(picked.record_kind, picked.record_id) if picked else None
        user = self._context.user
        use_html = bool(template.html_body) and not self.body.is_plain
        first = user.name.split()[0] if user.name.split() else ""
        mine = {"my_name": user.name, "my_first_name": first, "my_email": user.email or ""}

        def filled(text: str, escape: bool = False) -> Any:
            if record is not None:
                return render(text, record, sender=user, html_escape=escape)
            return fill(text, mine, escape)

        subject = filled(template.subject)
        body = filled(template.html_body, True) if use_html else filled(template.text_body)
        if template.subject and not self.subject.text().strip():
            self.subject.setText(subject.text)
        cursor = self.body.edit.textCursor()
        follows = not cursor.atEnd()
        if use_html:
            cursor.insertHtml(body.text + ("<br>" if follows else ""))
        else:
            cursor.insertText(body.text + ("\n" if follows and body.text[-1:] != "\n" else ""))
        self.body.edit.setTextCursor(cursor)
        unknown = list(dict.fromkeys((*subject.unknown_fields, *body.unknown_fields)))
        empty = list(dict.fromkeys((*subject.empty_fields, *body.empty_fields)))
        parts = []
        if record is None and unknown:
            parts.append(
                "Choose a record in “Fields from” to fill "
                + ", ".join("{" + name + "}" for name in unknown)
                + "."
            )
        elif unknown:
            parts.append(
                "Not fields of this record, left as typed: "
                + ", ".join("{" + name + "}" for name in unknown)
                + "."
            )
        if empty:
            parts.append("Empty on this record: " + ", ".join(empty) + ".")
        if parts:
            self.template_report.setText(" ".join(parts))
            self.template_report.setObjectName("ProblemText" if unknown else "Muted")
        else:
            who = f" from {picked.title}" if picked else ""
            self.template_report.setText(f"Template “{template.name}” inserted{who}.")
            self.template_report.setObjectName("Muted")
        self.template_report.style().unpolish(self.template_report)
        self.template_report.style().polish(self.template_report)
        self.template_report.show()

    # ---- sending ---------------------------------------------------------------------

    def _snapshot(self) -> tuple[Any, ...]:
        return (
            self.to_field.text(),
            self.cc_field.text(),
            self.bcc_field.text(),
            self.subject.text(),
            self.body.text(),
            self.attachments.identities(),
        )

    def is_dirty(self) -> bool:
        """Something was written since the window opened."""
        return self._snapshot() != self._initial

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def draft(self) -> Draft | None:
        """The message as written, or None after saying what to fix."""
        from desktopcrm.sync.compose import Draft
        from desktopcrm.sync.mime import Address

        self.show_error("")
        account_email = self.from_combo.currentText()
        if not account_email:
            self.show_error("Connect a Google account to send from (Settings › Mail accounts).")
            return None
        fields = (("To", self.to_field), ("Cc", self.cc_field), ("Bcc", self.bcc_field))
        for name, field in fields:
            bad = field.problems()
            field.set_invalid(bool(bad))
            if bad:
                self.show_error(
                    f"“{bad[0]}” in {name} is not an email address. Correct it or remove it "
                    "(separate several addresses with commas)."
                )
                field.setFocus()
                return None
        to, cc, bcc = (field.addresses() for _, field in fields)
        if not (to or cc or bcc):
            self.to_field.set_invalid(True)
            self.to_field.setFocus()
            self.show_error("Add at least one recipient in To.")
            return None
        total = self.attachments.total_size()
        if total > MAX_TOTAL:
            self.show_error(
                f"The attachments add up to {human_size(total)}, over Gmail's limit of 25 MB "
                "for a message. Remove some (select one and press Remove), or share large "
                "files as a link."
            )
            return None
        text = self.body.text()
        html = _inner_body(self.body.html()) if not self.body.is_plain else ""
        quote = self.pieces is not None and self.quote_toggle.isChecked()
        if quote and self.pieces is not None:
            text = text + self.pieces.text_body
            if html:
                html = html + self.pieces.html_body
        return Draft(
            sender=Address(self._context.user.name, account_email),
            to=to,
            cc=cc,
            bcc=bcc,
            subject=self.subject.text().strip(),
            text_body=text,
            html_body=f"<html><body>{html}</body></html>" if html else "",
            attachments=self.attachments.paths(),
            in_reply_to=self.pieces.in_reply_to if self.pieces else "",
            references=self.pieces.references if self.pieces else (),
        )

    def send(self) -> Operation | None:
        """Queue the message in the background; the window closes once it is queued."""
        if self.operation is not None and self.operation.running:
            return None
        draft = self.draft()
        if draft is None:
            return None
        if (
            self.forward_fetch.busy and self.attachments.unfetched()
        ):  # sent once the forwarded attachments are here
            self._send_waiting = True
            self.send_button.setEnabled(False)
            self.send_button.setText("Sending…")
            self.forward_fetch.waiting_for_send()
            return None
        if self.attachments.unfetched():
            self.show_error(
                "The forwarded attachments have not been fetched: press Retry, or Send without "
                "them."
            )
            return None
        from desktopcrm.views.operations import Operation

        account_id = self.from_combo.currentData()
        user = self._context.user
        settings = self._context.settings
        track = self.track.isVisible() and self.track.isChecked()
        thread_id = self.thread_id

        def work(_task: object) -> tuple[Any, str]:
            from desktopcrm.sync.drafts import queue_draft
            from desktopcrm.sync.google_http import GoogleError
            from desktopcrm.sync.tracking_settings import tracking_client

            tracking, note = None, ""
            if track:
                try:
                    tracking = tracking_client(settings)
                except (GoogleError, ValueError) as exc:
                    note = f" Sent without open tracking: {exc}"
            row = queue_draft(user, account_id, draft, thread_id=thread_id, tracking=tracking)
            return row, note

        self.send_button.setEnabled(False)
        self.send_button.setText("Sending…")
        self.operation = Operation(
            self,
            work,
            on_success=self._queued,
            on_failure=self._send_failed,
            title="send the message",
        ).run()
        return self.operation

    def _forwarded_arrived(self) -> None:
        if self._send_waiting:
            self._send_waiting = False
            self.send_button.setEnabled(True)
            self.send_button.setText("Send")
            self.send()

    def _forwarded_failed(self) -> None:
        if self._send_waiting:
            self._send_waiting = False
            self.send_button.setEnabled(True)
            self.send_button.setText("Send")

    def _queued(self, result: tuple[Any, str]) -> None:
        row, note = result
        self._done = True
        self._context.records_changed.emit("mail_message")
        self._context.message.emit(
            "Message queued: it goes out with the next sync (also when you are offline now)." + note
        )
        mail_sync = getattr(self._context, "mail_sync", None)
        if mail_sync is not None:
            mail_sync.sync_now(row.account_id)
        self.queued.emit(row)
        self.close()

    def _send_failed(self, error: BaseException) -> None:
        from desktopcrm.sync.compose import ComposeError
        from desktopcrm.views.operations import failure_text, is_known_failure

        self.send_button.setEnabled(True)
        self.send_button.setText("Send")
        if isinstance(error, ComposeError) or is_known_failure(error):
            self.show_error(f"Not sent: {failure_text(error)}")
        else:
            import sys

            sys.excepthook(type(error), error, error.__traceback__)

    # ---- closing ---------------------------------------------------------------------

    def discard(self) -> None:
        """Throw the draft away (after asking, when something was written)."""
        self.close()

    def _escape(self) -> None:
        for field in (self.to_field, self.cc_field, self.bcc_field):
            if field.popup().isVisible():
                field.popup().hide()
                return
        if self.record_picker.popup().isVisible():
            self.record_picker.popup().hide()
            return
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._done or not self.is_dirty():
            self.forward_fetch.cancel()
            super().closeEvent(event)
            return
        event.ignore()
        if self.confirm is not None:
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Discard this message?",
            "What you wrote will be lost.",
            QMessageBox.StandardButton.NoButton,
            self,
        )
        box.setObjectName("DiscardDraft")
        discard = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton("Keep editing", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.confirm = box

        def answered(_result: int) -> None:
            self.confirm = None
            if box.clickedButton() is discard:
                self._done = True
                self.close()

        box.finished.connect(answered)
        box.open()

    # ---- drag and drop files ---------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        from pathlib import Path

        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        self.attachments.add_files(paths)
        event.acceptProposedAction()


def _inner_body(html_text: str) -> str:
    """What is inside <body> of the editor's HTML (Qt writes a whole document)."""
    match = _BODY.search(html_text)
    return match.group(1).strip() if match else html_text
