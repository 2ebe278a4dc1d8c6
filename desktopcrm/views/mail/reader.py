"""The reading pane: the selected message with its conversation.

From top to bottom: the subject; the CRM records the message belongs to as chips (a click opens
the record) or, for mail from someone unknown, "Add as lead" / "Add as contact"; a banner when
the message waits in the outbox or could not be sent (with Retry: nothing is lost); the other
messages of the conversation (a click shows one); who wrote to whom and when; the attachments
(a click fetches and opens one); a note when remote images are hidden ("Load images"); what
the parser found damaged; the body (``MailBrowser``: no scripts, no remote content unasked).

The thread is read in an ``Operation`` (``services.mail.thread_messages``) each time a message
is shown; remote images and attachments are fetched in ``Operation``s too.
"""

from __future__ import annotations

import html
import logging
import uuid
from typing import Any

from desktopcrm.models.mail import Folder
from desktopcrm.qt import (
    QDesktopServices,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    Qt,
    QUrl,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desktopcrm.services.mail import AttachmentInfo, MailDetail
from desktopcrm.views.context import AppContext
from desktopcrm.views.icons import icon
from desktopcrm.views.local_time import to_local
from desktopcrm.views.mail.browser import MailBrowser, fetch_images
from desktopcrm.views.mail.list_model import OPENS_NOTE
from desktopcrm.views.operations import Operation, failure_text, show_failure
from desktopcrm.views.record.widgets import ChipFlow

log = logging.getLogger("desktopcrm.views.mail")

#: Link record types -> the kind ``AppContext.open_record`` takes, and the chip's word.
RECORD_KINDS = {
    "lead": ("lead", "Lead"),
    "contact": ("contact", "Contact"),
    "company": ("contact", "Company"),
    "deal": ("deal", "Deal"),
}


def size_text(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def when_long(detail: MailDetail) -> str:
    local = to_local(detail.row.date)
    return f"{local:%a} {local.day} {local:%b %Y}, {local:%H:%M}"


def _label(text: str = "", name: str = "", *, wrap: bool = True) -> QLabel:
    label = QLabel(text)
    if name:
        label.setObjectName(name)
    label.setWordWrap(wrap)
    return label


class ThreadEntry(QPushButton):
    """Another message of the conversation: who, when and the start of its text."""

    def __init__(self, detail: MailDetail, current: bool) -> None:
        super().__init__()
        self.detail = detail
        self.setObjectName("ThreadEntry")
        self.setCheckable(True)
        self.setChecked(current)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        row = detail.row
        snippet = " ".join((row.snippet or detail.text_body[:160]).split())
        local = to_local(row.date)
        self.setText(f"{row.sender}  ·  {local.day} {local:%b %H:%M}  —  {snippet}"[:160])
        self.setAccessibleName(f"Message from {row.sender}, {local.day} {local:%b %H:%M}")


class MailReader(QWidget):
    """Shows one message (and its thread) of the signed-in user's mailbox.

    Signals:
        shown: a message was shown (its id).
        marked_read: an unread message shown was marked read (its id; saved, and queued for
            Gmail).
        add_sender: the user asked to add the sender as 'lead' or 'contact' (message id, kind).
        retry_requested: the user asked to send a failed message again.
    """

    shown = Signal(int)
    marked_read = Signal(int)
    add_sender = Signal(int, str)
    retry_requested = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MailReader")
        self.context = context
        self.conversation: list[MailDetail] = []
        self.detail: MailDetail | None = None
        self.failed: dict[int, str] = {}
        self.message_id: int | None = None
        self.reading: Operation | None = None
        self.marking: Operation | None = None
        self.loading_images: Operation | None = None
        self.opening: Operation | None = None
        self.opened_files: list[str] = []

        self.stack = QStackedWidget()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.stack)
        self.empty = _label("Select a message to read it.", "ReaderEmpty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack.addWidget(self.empty)

        page = QWidget()
        page.setObjectName("ReaderPage")
        layout = QVBoxLayout(page)
        layout.setContentsMargins(22, 16, 22, 12)
        layout.setSpacing(10)
        self.subject = _label("", "ReaderSubject")
        self.subject.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.subject)
        self.chips = ChipFlow()
        layout.addWidget(self.chips)
        self.state_banner = self._banner()
        layout.addWidget(self.state_banner)
        self.thread_box = QFrame()
        self.thread_box.setObjectName("ThreadBox")
        self.thread_layout = QVBoxLayout(self.thread_box)
        self.thread_layout.setContentsMargins(0, 0, 0, 0)
        self.thread_layout.setSpacing(2)
        layout.addWidget(self.thread_box)
        self.headers = _label("", "ReaderHeaders")
        self.headers.setTextFormat(Qt.TextFormat.RichText)
        self.headers.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.headers)
        self.opens = _label("", "ReaderOpens")
        self.opens.setToolTip(OPENS_NOTE)
        layout.addWidget(self.opens)
        self.attachments = ChipFlow()
        layout.addWidget(self.attachments)
        self.images_bar = QFrame()
        self.images_bar.setObjectName("ImagesBar")
        self.images_bar.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        images_row = QHBoxLayout(self.images_bar)
        images_row.setContentsMargins(12, 6, 8, 6)
        self.images_text = _label(
            "Pictures from the internet are hidden: loading them tells the sender that and "
            "when you read this."
        )
        images_row.addWidget(self.images_text, 1)
        self.load_images_button = QPushButton("Load images")
        self.load_images_button.setObjectName("LoadImages")
        self.load_images_button.clicked.connect(self.load_images)
        images_row.addWidget(self.load_images_button)
        layout.addWidget(self.images_bar)
        self.defects = _label("", "ReaderDefects")
        layout.addWidget(self.defects)
        self.body = MailBrowser()
        self.body.setAccessibleName("Message text")
        layout.addWidget(self.body, 1)
        self.stack.addWidget(page)
        self.page = page

    def _banner(self) -> QFrame:
        banner = QFrame()
        banner.setObjectName("StateBanner")
        banner.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        row = QHBoxLayout(banner)
        row.setContentsMargins(12, 8, 8, 8)
        self.state_text = _label("", "StateText")
        row.addWidget(self.state_text, 1)
        self.retry_button = QPushButton(icon("sync"), "Retry")
        self.retry_button.setObjectName("RetrySend")
        self.retry_button.clicked.connect(self.retry_requested)
        row.addWidget(self.retry_button)
        banner.hide()
        return banner

    # ----------------------------------------------------------------- reading

    def clear(self) -> None:
        self.message_id = None
        self.detail = None
        self.conversation = []
        self.stack.setCurrentWidget(self.empty)

    def show_message(self, message_id: int) -> Operation:
        """Read the message and its conversation in the background, then show it."""
        self.message_id = message_id
        user = self.context.user

        def work(_task: Any) -> tuple[list[MailDetail], dict[int, str]]:
            from desktopcrm.services import mail
            from desktopcrm.views.mail.list_model import failed_sends

            return mail.thread_messages(user, message_id), failed_sends(user)

        self.reading = Operation(
            self,
            work,
            on_success=lambda result: self._read(message_id, *result),
            on_failure=lambda error: self._read_failed(message_id, error),
            title="open the message",
        ).run()
        return self.reading

    def _read(self, message_id: int, thread: list[MailDetail], failed: dict[int, str]) -> None:
        if message_id != self.message_id:
            return
        self.conversation = thread
        self.failed = failed
        current = next((d for d in thread if d.row.id == message_id), thread[-1])
        self._show(current)
        if current.row.unread:
            self._mark_read(current.row.id)

    def _mark_read(self, message_id: int) -> None:
        """Opening a message reads it: saved here, and UNREAD removed in Gmail through the
        outbox (after it is shown, so a busy database never delays showing it)."""
        user = self.context.user

        def work(_task: Any) -> list[int]:
            from desktopcrm.services import mail

            return mail.mark_read(user, [message_id])

        def done(changed: list[int]) -> None:
            for changed_id in changed:
                self.marked_read.emit(changed_id)

        def failed(error: BaseException) -> None:
            log.warning("could not mark message %s read: %s", message_id, error)

        self.marking = Operation(
            self, work, on_success=done, on_failure=failed, title="mark the message read"
        ).run()

    def _read_failed(self, message_id: int, error: BaseException) -> None:
        if message_id != self.message_id:
            return
        self.empty.setText(failure_text(error))
        self.stack.setCurrentWidget(self.empty)

    def _show(self, detail: MailDetail) -> None:
        self.detail = detail
        row = detail.row
        self.subject.setText(row.subject or "(no subject)")
        self._show_chips(detail)
        self._show_state(detail)
        self._show_thread(detail)
        self.headers.setText(self._headers_html(detail))
        tracked = row.open_count is not None and row.folder is Folder.SENT
        self.opens.setText(
            f"Opened about {row.open_count} times (approximate, hover for why)"
            if tracked and row.open_count
            else "No opens counted yet (approximate, hover for why)"
        )
        self.opens.setVisible(tracked and not row.queued)
        self._show_attachments(detail.attachments)
        notes = list(detail.defects)
        self.defects.setText(
            "Parts of this message were damaged; what could be read is shown. "
            + "; ".join(notes[:3])
            if notes
            else ""
        )
        self.defects.setVisible(bool(notes))
        self.body.show_body(detail.html_body, detail.text_body)
        self.images_bar.setVisible(bool(self.body.remote))
        self.load_images_button.setEnabled(True)
        self.stack.setCurrentWidget(self.page)
        self.shown.emit(row.id)

    def _show_chips(self, detail: MailDetail) -> None:
        widgets: list[QWidget] = []
        for link in detail.links:
            kind, word = RECORD_KINDS.get(link.record_type, (link.record_type, ""))
            chip = QPushButton(f"{word} · {link.title}")
            chip.setObjectName("RecordChip")
            chip.setProperty("kind", link.record_type)
            chip.setCursor(Qt.CursorShape.PointingHandCursor)
            chip.setToolTip(f"Open the {word.lower()} {link.title}")
            chip.clicked.connect(
                lambda _c=False, k=kind, rid=link.record_id: self._open_record(k, rid)
            )
            widgets.append(chip)
        if detail.row.folder is Folder.UNMATCHED:
            note = _label("Someone the CRM does not know:", "ChipNote", wrap=False)
            widgets.append(note)
            for kind, text in (("lead", "Add as lead"), ("contact", "Add as contact")):
                button = QPushButton(icon("user-add"), text)
                button.setObjectName(f"AddAs{kind.capitalize()}")
                button.setToolTip(
                    f"Create a {kind} from {detail.row.sender} and file their other mail"
                )
                button.clicked.connect(
                    lambda _c=False, k=kind, mid=detail.row.id: self.add_sender.emit(mid, k)
                )
                widgets.append(button)
        self.chips.set_widgets(widgets)
        self.chips.setVisible(bool(widgets))

    def _open_record(self, kind: str, record_id: uuid.UUID) -> None:
        self.context.open_record.emit(kind, record_id.hex)

    def _show_state(self, detail: MailDetail) -> None:
        failed = self.failed.get(detail.row.id, "")
        if failed:
            self.state_text.setText(
                f"This message could not be sent: {failed} It is kept here; retry once the "
                "problem is fixed."
            )
            self.state_banner.setProperty("kind", "failed")
        elif detail.row.queued:
            self.state_text.setText(
                "Waiting in the outbox: it goes to Gmail as soon as Gmail can be reached, "
                "also after a restart."
            )
            self.state_banner.setProperty("kind", "queued")
        self.retry_button.setVisible(bool(failed))
        self.state_banner.setVisible(bool(failed) or detail.row.queued)
        self.state_banner.style().unpolish(self.state_banner)
        self.state_banner.style().polish(self.state_banner)

    def _show_thread(self, detail: MailDetail) -> None:
        while self.thread_layout.count():
            item = self.thread_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        if len(self.conversation) < 2:
            self.thread_box.hide()
            return
        title = _label(f"Conversation · {len(self.conversation)} messages", "ThreadTitle")
        self.thread_layout.addWidget(title)
        for other in self.conversation:
            entry = ThreadEntry(other, other.row.id == detail.row.id)
            entry.clicked.connect(lambda _c=False, d=other: self._show(d))
            self.thread_layout.addWidget(entry)
        self.thread_box.show()

    @staticmethod
    def _headers_html(detail: MailDetail) -> str:
        row = detail.row
        sender = html.escape(row.from_name or row.from_address or "(unknown sender)")
        address = (
            f' <span style="opacity:0.7">&lt;{html.escape(row.from_address)}&gt;</span>'
            if row.from_name and row.from_address
            else ""
        )
        lines = [
            f"<b>{sender}</b>{address}"
            f'<span style="opacity:0.7"> &nbsp;·&nbsp; {html.escape(when_long(detail))}</span>'
        ]
        if row.to_text:
            lines.append(f"To: {html.escape(row.to_text)}")
        if detail.cc_text:
            lines.append(f"Cc: {html.escape(detail.cc_text)}")
        if detail.bcc_text:
            lines.append(f"Bcc: {html.escape(detail.bcc_text)}")
        if row.replied:
            lines.append("Replied")
        return "<br>".join(lines)

    def _show_attachments(self, attachments: tuple[AttachmentInfo, ...]) -> None:
        widgets: list[QWidget] = []
        for attachment in attachments:
            name = attachment.filename or f"attachment {attachment.part_index + 1}"
            button = QPushButton(icon("paperclip"), f"{name}  ({size_text(attachment.size)})")
            button.setObjectName("AttachmentButton")
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.setToolTip(f"Open {name} ({attachment.mime_type})")
            button.clicked.connect(lambda _c=False, a=attachment: self.open_attachment(a))
            widgets.append(button)
        self.attachments.set_widgets(widgets)
        self.attachments.setVisible(bool(widgets))

    # ----------------------------------------------------------------- actions

    def load_images(self) -> Operation | None:
        """Fetch the hidden remote images of the message shown (the user asked)."""
        detail = self.detail
        urls = list(self.body.remote)
        if detail is None or not urls:
            return None
        self.load_images_button.setEnabled(False)
        self.images_text.setText("Loading images…")
        message_id = detail.row.id

        def done(images: dict[str, bytes]) -> None:
            if self.detail is None or self.detail.row.id != message_id:
                return
            self.body.allow_images(images, detail.html_body)
            self.images_bar.hide()

        self.loading_images = Operation(
            self, lambda _task: fetch_images(urls), on_success=done, title="load the images"
        ).run()
        return self.loading_images

    def open_attachment(self, attachment: AttachmentInfo) -> Operation | None:
        """Fetch the message from Gmail, write the attachment to a file and open it."""
        if self.detail is None:
            return None
        user, message_id = self.context.user, self.detail.row.id
        self.context.message.emit(f"Fetching {attachment.filename or 'the attachment'}…")

        def work(_task: Any) -> str:
            from desktopcrm.sync.attachments import fetch_attachment

            return str(fetch_attachment(user, message_id, attachment.part_index))

        def opened(path: str) -> None:
            self.opened_files.append(path)
            QDesktopServices.openUrl(QUrl.fromLocalFile(path))

        def failed(error: BaseException) -> None:
            from desktopcrm.sync.google_http import GoogleError
            from desktopcrm.views.operations import is_known_failure

            if isinstance(error, GoogleError) or is_known_failure(error):
                show_failure(self, "open the attachment", error)
            else:
                import sys

                sys.excepthook(type(error), error, error.__traceback__)

        self.opening = Operation(
            self, work, on_success=opened, on_failure=failed, title="open the attachment"
        ).run()
        return self.opening
