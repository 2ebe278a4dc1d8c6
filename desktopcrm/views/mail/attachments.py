"""Opening an attachment: attachments are not stored, so the message is fetched again from
Gmail (``messages.get format=raw``; a message still in the outbox has its bytes there), and the
one part is streamed to a file in a temporary folder (``sync.mime.save_attachment``), which the
reader then opens with the system's program. Runs in an ``Operation`` (network and disk)."""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

from desktopcrm.models import User
from desktopcrm.models.mail import MailAccount, MailOutbox
from desktopcrm.services import mail
from desktopcrm.services.errors import ValidationError
from desktopcrm.sync.mime import parse_message, save_attachment


def attachment_folder() -> Path:
    """Where opened attachments are written (one folder per run of the app)."""
    folder = Path(tempfile.gettempdir()) / "desktopcrm-attachments"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def message_raw(user: User, message_id: int) -> bytes:
    """The whole message as Gmail holds it (or as it waits in the outbox)."""
    detail = mail.message_detail(user, message_id)
    gmail_id = detail.row.gmail_id
    if gmail_id.startswith("outbox:"):
        queued = MailOutbox.get_or_none(MailOutbox.mail_message == message_id)
        if queued is None or not queued.raw_message:
            raise ValidationError("attachment", "This message is no longer in the outbox.")
        return bytes(queued.raw_message)
    from desktopcrm.sync.manager import ClientOptions, make_sync

    account = MailAccount.get_by_id(detail.row.account_id)
    sync = make_sync(account, ClientOptions(fetch_workers=1), threading.Event())
    return sync.api.get_raw(gmail_id).raw


def save_message_attachment(
    user: User, message_id: int, part_index: int, folder: Path | None = None
) -> Path:
    """Fetch the message and write attachment ``part_index`` to a file; returns its path."""
    raw = message_raw(user, message_id)
    parsed = parse_message(raw)
    attachment = next((a for a in parsed.attachments if a.part_index == part_index), None)
    if attachment is None:
        raise ValidationError("attachment", "Gmail's copy of this message has no such attachment.")
    return save_attachment(raw, attachment, folder or attachment_folder())
