"""Documents (attached files) on leads, contacts and deals.

The bytes live beside the database, named by their SHA-256 (``<folder>/<hash[:2]>/<hash>``), so
a file attached twice is stored once and backups copy only what is new. For a SQLite database
at ``X/crm.sqlite`` the folder is ``X/crm-documents``; for PostgreSQL it is ``documents`` in the
user data folder. Removing a document is a soft delete: the bytes stay while any document row,
live or restorable, names them; ``purge_orphans`` removes the rest.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import logging
import mimetypes
import os
import time
import uuid
from pathlib import Path

from desktopcrm.models import User, acting_as, current_location, write_transaction
from desktopcrm.models.attachments import Document
from desktopcrm.models.backup import documents_folder
from desktopcrm.models.base import BaseModel
from desktopcrm.models.db import user_data_dir
from desktopcrm.models.records import RECORD_MODELS, RecordKind, record_kind
from desktopcrm.services.errors import PermissionDenied, ServiceError, ValidationError
from desktopcrm.services.visibility import require_edit

log = logging.getLogger("desktopcrm.documents")

CHUNK = 1024 * 1024
_INCOMING = ".incoming-"


def documents_dir() -> Path:
    """The folder holding the open database's documents."""
    location = current_location()
    if location.path is not None:
        return documents_folder(location.path)
    return user_data_dir() / "documents"


def _blob(folder: Path, content_hash: str) -> Path:
    return folder / content_hash[:2] / content_hash


def _disk_full(folder: Path) -> ServiceError:
    return ServiceError(
        f"The disk holding the documents folder {folder} is full. Free some space on it, "
        "then attach the file again."
    )


def _store_bytes(source: Path) -> tuple[str, int]:
    """Copy ``source`` into the documents folder while hashing it; returns (sha256, size)."""
    folder = documents_dir()
    try:
        reader = source.open("rb")
    except PermissionError:
        raise ValidationError(
            "source_path",
            f"{source} cannot be read: you have no permission to open it. Copy it somewhere "
            "you can read, or ask the file's owner.",
        ) from None
    except OSError as exc:
        raise ValidationError(
            "source_path", f"{source} cannot be read ({exc.strerror}). Pick the file again."
        ) from None
    temporary = folder / f"{_INCOMING}{uuid.uuid4().hex}"
    digest = hashlib.sha256()
    size = 0
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with reader, temporary.open("wb") as writer:
            while chunk := reader.read(CHUNK):
                digest.update(chunk)
                writer.write(chunk)
                size += len(chunk)
            writer.flush()
            os.fsync(writer.fileno())
        content_hash = digest.hexdigest()
        target = _blob(folder, content_hash)
        if target.is_file() and target.stat().st_size == size:
            os.utime(target)  # in use again: keeps purge_orphans on another PC off it
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary.chmod(0o444)  # named by its content: never edited in place
            os.replace(temporary, target)
        return content_hash, size
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise _disk_full(folder) from None
        if exc.filename and Path(exc.filename) == source:
            raise ValidationError(
                "source_path", f"{source} could not be read to the end ({exc.strerror})."
            ) from None
        raise ServiceError(
            f"The file could not be stored in {folder} ({exc.strerror}). Check that the "
            "folder exists and that you may write to it."
        ) from None
    finally:
        temporary.unlink(missing_ok=True)


def add_document(actor: User, record: BaseModel, source_path: Path) -> Document:
    """Attach a copy of the file at ``source_path`` to a lead, contact or deal.

    The copy is streamed (never read whole into memory) and stored once per content.
    """
    require_edit(actor, record)
    kind = record_kind(record)
    source = Path(source_path).expanduser()
    if not source.exists():
        raise ValidationError(
            "source_path", f"{source} does not exist. Check the name, or pick the file again."
        )
    if not source.is_file():
        raise ValidationError("source_path", f"{source} is a folder, not a file. Pick a file.")
    content_hash, size = _store_bytes(source)
    mime_type, _ = mimetypes.guess_type(source.name)
    document = Document(
        record_type=kind.value,
        record_id=record.id,
        filename=source.name[-500:],
        content_hash=content_hash,
        size=size,
        mime_type=mime_type or "application/octet-stream",
        uploaded_by=actor.id,
    )
    with write_transaction(), acting_as(actor.id):
        document.save()
    return document


def open_path(document: Document) -> Path:
    """The stored file of ``document`` (read-only), for the GUI to open or save elsewhere."""
    path = _blob(documents_dir(), document.content_hash)
    if not path.is_file():
        raise ServiceError(
            f'The file of "{document.filename}" is missing from {path.parent.parent}. '
            "Restore the database from a backup (Settings > Database > Restore) to get it back."
        )
    return path


def _record_of(document: Document) -> BaseModel | None:
    model = RECORD_MODELS[RecordKind(document.record_type)]
    row: BaseModel | None = model.get_or_none(model.id == document.record_id)
    return row


def remove_document(actor: User, document: Document) -> None:
    """Remove a document from its record (soft delete: it can be restored, the bytes stay)."""
    record = _record_of(document)
    if record is not None:
        require_edit(actor, record)
    elif not actor.is_admin:
        raise PermissionDenied("Only an admin can remove documents of deleted records.")
    with write_transaction(), acting_as(actor.id):
        document.delete_instance()


def documents_of(record_kind: RecordKind | str, record_id: uuid.UUID) -> list[Document]:
    """The live documents of a record, newest first."""
    query = Document.live().where(
        Document.record_type == RecordKind(record_kind).value, Document.record_id == record_id
    )
    return list(query.order_by(Document.created_at.desc(), Document.filename))


def move_documents(
    from_kind: RecordKind, from_id: uuid.UUID, to_kind: RecordKind, to_id: uuid.UUID
) -> int:
    """Move every document of a record (deleted ones too) to another (conversion, merge).

    Each move is saved, and logged, through the document. Returns how many moved.
    """
    to_kind = RecordKind(to_kind)
    moved = 0
    with write_transaction():
        query = Document.select().where(
            Document.record_type == RecordKind(from_kind).value, Document.record_id == from_id
        )
        for document in query:
            document.record_type = to_kind.value
            document.record_id = to_id
            document.save()
            moved += 1
    return moved


def purge_orphans(min_age: dt.timedelta = dt.timedelta(hours=1)) -> int:
    """Delete stored files no document row names any more (rows purged for good).

    Files younger than ``min_age`` are left alone: another PC may be attaching them right now
    and commit its row a moment later. Returns how many files were deleted.
    """
    folder = documents_dir()
    if not folder.is_dir():
        return 0
    used = {row.content_hash for row in Document.select(Document.content_hash).distinct()}
    cutoff = time.time() - min_age.total_seconds()
    removed = 0
    for path in folder.rglob("*"):
        if not path.is_file():
            continue
        stale_upload = path.name.startswith(_INCOMING) or path.name.endswith(".partial")
        if not stale_upload and (path.name in used or len(path.parent.name) != 2):
            continue
        if path.stat().st_mtime > cutoff:
            continue
        path.chmod(0o644)
        path.unlink(missing_ok=True)
        removed += 1
    if removed:
        log.info("removed %d unused document files from %s", removed, folder)
    return removed
