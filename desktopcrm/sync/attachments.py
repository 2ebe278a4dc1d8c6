"""Opening an attachment: attachments are not stored, so Gmail is asked for the message again.

``fetch_attachment`` downloads the message (``messages.get format=raw`` through the account's
own client: same quota, retries and sign-in), streaming Gmail's answer to a temporary file and
decoding the message from it to a second one, then streams the one part out of that file
(memory-mapped, ``sync.mime.save_attachment``) into the user's attachment cache. Memory stays
a few hundred kilobytes whatever the size of the message. A message still waiting in the
outbox has its bytes there. An attachment opened before is served from the cache (also
offline). Call it from an ``Operation``: it does network and disk work.

Errors are ``AttachmentUnavailable`` (a ``ServiceError``) whose message says what to do:
offline → reconnect and open it again; sign-in refused → sign in again; gone from Gmail.
"""

from __future__ import annotations

import mmap
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import IO

import platformdirs

from desktopcrm.models import User
from desktopcrm.models.mail import MailAccount, MailAttachment, MailMessage, MailOutbox
from desktopcrm.services.errors import ServiceError
from desktopcrm.services.mail import mail_accounts
from desktopcrm.sync.accounts import KeyringUnavailable
from desktopcrm.sync.gmail_api import GmailApi
from desktopcrm.sync.google_http import (
    AuthError,
    Cancelled,
    GoogleError,
    NetworkError,
    NotFoundError,
)
from desktopcrm.sync.manager import ClientOptions, make_client
from desktopcrm.sync.mime import ParsedAttachment, save_attachment

APP_DIR_NAME = "DesktopCRM"
CACHE_ENV = "DESKTOPCRM_ATTACHMENT_DIR"


class AttachmentUnavailable(ServiceError):
    """The attachment could not be fetched; the message says why and what to do."""


def attachment_cache(user: User) -> Path:
    """The user's folder of opened attachments (``DESKTOPCRM_ATTACHMENT_DIR`` overrides the
    base), readable by the user only."""
    base = os.environ.get(CACHE_ENV) or str(
        platformdirs.user_cache_path(APP_DIR_NAME, appauthor=False) / "attachments"
    )
    folder = Path(base) / str(user.id)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def fetch_attachment(
    user: User,
    message_id: int,
    part_index: int,
    *,
    options: ClientOptions | None = None,
    cancel: threading.Event | None = None,
    folder: Path | None = None,
) -> Path:
    """The file of attachment ``part_index`` of message ``message_id`` (``MailMessage.id``),
    downloaded from Gmail into the user's cache (or ``folder``) unless it is there already.

    Raises:
        AttachmentUnavailable: offline, sign-in refused, the message is gone, or it has no
            such part; the message says what to do.
        desktopcrm.sync.google_http.Cancelled: ``cancel`` was set.
    """
    message = MailMessage.get_or_none(MailMessage.id == message_id)
    if message is None or message.account_id not in {a.id for a in mail_accounts(user)}:
        raise AttachmentUnavailable("This message is no longer in the mailbox.")
    meta = MailAttachment.get_or_none(
        (MailAttachment.message == message_id) & (MailAttachment.part_index == part_index)
    )
    attachment = ParsedAttachment(
        filename=meta.filename if meta else "",
        mime_type=meta.mime_type if meta else "application/octet-stream",
        size=meta.size if meta else 0,
        content_id=meta.content_id if meta else "",
        part_index=part_index,
    )
    target = (folder or attachment_cache(user)) / str(message.uid) / str(part_index)
    cached = _cached(target)
    if cached is not None:
        return cached
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with tempfile.TemporaryFile(dir=target.parent) as raw_file:
        _download(message, raw_file, options, cancel)
        raw_file.flush()
        if raw_file.tell() == 0:
            raise AttachmentUnavailable("Gmail sent this message back empty; try again later.")
        work = Path(tempfile.mkdtemp(prefix=".part-", dir=target.parent))
        try:
            with mmap.mmap(raw_file.fileno(), 0, access=mmap.ACCESS_READ) as raw:
                try:
                    saved = save_attachment(raw, attachment, work)  # type: ignore[arg-type]
                except KeyError as exc:
                    raise AttachmentUnavailable(
                        "Gmail's copy of this message has no such attachment any more."
                    ) from exc
            return _publish(work, saved, target)
        finally:
            shutil.rmtree(work, ignore_errors=True)


def _cached(target: Path) -> Path | None:
    if not target.is_dir():
        return None
    files = [path for path in target.iterdir() if path.is_file()]
    return files[0] if len(files) == 1 else None


def _publish(work: Path, saved: Path, target: Path) -> Path:
    """Move the finished file's folder into place in one step (a half-written file is never
    in the cache); if another open got there first, use theirs."""
    try:
        os.rename(work, target)
    except OSError:
        cached = _cached(target)
        if cached is None:
            raise
        return cached
    return target / saved.name


def _download(
    message: MailMessage,
    raw_file: IO[bytes],
    options: ClientOptions | None,
    cancel: threading.Event | None,
) -> None:
    if message.gmail_id.startswith("outbox:"):
        queued = MailOutbox.get_or_none(MailOutbox.mail_message == message.id)
        if queued is None or not queued.raw_message:
            raise AttachmentUnavailable("This message is no longer in the outbox.")
        raw_file.write(bytes(queued.raw_message))
        return
    account = MailAccount.get_by_id(message.account_id)
    client = make_client(
        account, options or ClientOptions(timeout=60.0), cancel or threading.Event()
    )
    try:
        GmailApi(client).get_raw_to_file(message.gmail_id, raw_file)
    except NetworkError as exc:
        raise AttachmentUnavailable(
            f"The attachment could not be downloaded: {exc} Reconnect to the network and "
            "open it again."
        ) from exc
    except NotFoundError as exc:
        raise AttachmentUnavailable(
            "Gmail no longer has this message (it was deleted in Gmail), so its attachment "
            "cannot be opened."
        ) from exc
    except (AuthError, KeyringUnavailable) as exc:
        raise AttachmentUnavailable(f"The attachment could not be downloaded: {exc}") from exc
    except Cancelled:
        raise
    except GoogleError as exc:
        raise AttachmentUnavailable(f"The attachment could not be downloaded: {exc}") from exc
    except ValueError as exc:
        raise AttachmentUnavailable(f"The attachment could not be read: {exc}") from exc
