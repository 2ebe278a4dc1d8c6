"""Documents: content-addressed files beside the database, soft removal, purge, backups."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path

import pytest

from desktopcrm.models import ChangeLog, Profile, User, current_location
from desktopcrm.models.attachments import Document
from desktopcrm.models.backup import backup_documents_folder
from desktopcrm.models.db import user_data_dir
from desktopcrm.models.records import Contact, Lead, LeadStatus, RecordKind
from desktopcrm.services import documents, maintenance
from desktopcrm.services.errors import PermissionDenied, ValidationError
from desktopcrm.services.workspace import Workspace, close_workspace, open_workspace


def make_lead(owner: User) -> Lead:
    lead = Lead(first_name="Ada", status=LeadStatus.select().first(), owner=owner.id)
    lead.save()
    return lead


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_add_document_stores_bytes_by_hash(any_database: Workspace, tmp_path: Path) -> None:
    admin = any_database.user
    lead = make_lead(admin)
    data = os.urandom(3 * 1024 * 1024 + 17)  # more than one chunk
    source = write(tmp_path / "in" / "Offer 2025.pdf", data)
    document = documents.add_document(admin, lead, source)
    digest = hashlib.sha256(data).hexdigest()
    stored = Document.get_by_id(document.id)
    assert (stored.filename, stored.content_hash, stored.size) == (
        "Offer 2025.pdf",
        digest,
        len(data),
    )
    assert stored.mime_type == "application/pdf"
    assert stored.record_type == "lead" and stored.record_id == lead.id
    assert stored.uploaded_by_id == admin.id
    location = current_location()
    if location.path is not None:
        expected = location.path.parent / "crm-documents" / digest[:2] / digest
    else:
        expected = user_data_dir() / "documents" / digest[:2] / digest
    assert documents.open_path(stored) == expected
    assert expected.read_bytes() == data
    assert ChangeLog.get(ChangeLog.row_id == document.id).operation == "insert"
    assert list(expected.parent.parent.glob(".incoming-*")) == []


def test_same_content_is_stored_once(workspace: Workspace, tmp_path: Path) -> None:
    admin = workspace.user
    lead = make_lead(admin)
    contact = Contact(name="Acme", is_company=True, owner=admin.id)
    contact.save()
    first = documents.add_document(admin, lead, write(tmp_path / "a.txt", b"same bytes"))
    second = documents.add_document(admin, contact, write(tmp_path / "b.bin", b"same bytes"))
    assert first.content_hash == second.content_hash
    assert second.mime_type == "application/octet-stream"
    blobs = [p for p in documents.documents_dir().rglob("*") if p.is_file()]
    assert len(blobs) == 1
    assert [d.filename for d in documents.documents_of(RecordKind.CONTACT, contact.id)] == ["b.bin"]


def test_clear_messages_for_bad_sources(workspace: Workspace, tmp_path: Path) -> None:
    admin = workspace.user
    lead = make_lead(admin)
    with pytest.raises(ValidationError, match="does not exist") as err:
        documents.add_document(admin, lead, tmp_path / "nope.pdf")
    assert err.value.field == "source_path"
    with pytest.raises(ValidationError, match="is a folder"):
        documents.add_document(admin, lead, tmp_path)
    locked = write(tmp_path / "locked.txt", b"secret")
    locked.chmod(0)
    try:
        if os.access(locked, os.R_OK):
            pytest.skip("running as root: permissions are not enforced")
        with pytest.raises(ValidationError, match="cannot be read"):
            documents.add_document(admin, lead, locked)
    finally:
        locked.chmod(0o644)
    assert Document.select().count() == 0


def test_only_editors_attach_and_remove(workspace: Workspace, tmp_path: Path) -> None:
    owner = User(name="Olga", profile=Profile.USER.value)
    owner.save()
    other = User(name="Piotr", profile=Profile.USER.value)
    other.save()
    lead = make_lead(owner)
    source = write(tmp_path / "x.txt", b"x")
    with pytest.raises(PermissionDenied):
        documents.add_document(other, lead, source)
    document = documents.add_document(owner, lead, source)
    with pytest.raises(PermissionDenied):
        documents.remove_document(other, document)
    assert Document.get_by_id(document.id).deleted_at is None


def test_remove_keeps_bytes_until_purged(any_database: Workspace, tmp_path: Path) -> None:
    admin = any_database.user
    lead = make_lead(admin)
    document = documents.add_document(admin, lead, write(tmp_path / "a.txt", b"keep me"))
    path = documents.open_path(document)
    documents.remove_document(admin, document)
    assert documents.documents_of(RecordKind.LEAD, lead.id) == []
    assert Document.get_by_id(document.id).deleted_at is not None
    assert documents.purge_orphans(min_age=dt.timedelta(0)) == 0
    assert path.read_bytes() == b"keep me"  # restorable, so kept
    Document.get_by_id(document.id).restore()
    assert [d.id for d in documents.documents_of(RecordKind.LEAD, lead.id)] == [document.id]
    Document.get_by_id(document.id).purge()
    assert documents.purge_orphans() == 0  # too young: another PC may be attaching it
    assert documents.purge_orphans(min_age=dt.timedelta(0)) == 1
    assert not path.exists()
    with pytest.raises(Exception, match="missing"):
        documents.open_path(document)


def test_move_documents(workspace: Workspace, tmp_path: Path) -> None:
    admin = workspace.user
    lead = make_lead(admin)
    contact = Contact(name="Ada", owner=admin.id)
    contact.save()
    kept = documents.add_document(admin, lead, write(tmp_path / "a.txt", b"a"))
    removed = documents.add_document(admin, lead, write(tmp_path / "b.txt", b"b"))
    documents.remove_document(admin, removed)
    moved = documents.move_documents(RecordKind.LEAD, lead.id, RecordKind.CONTACT, contact.id)
    assert moved == 2
    assert [d.id for d in documents.documents_of(RecordKind.CONTACT, contact.id)] == [kept.id]
    assert Document.get_by_id(removed.id).record_id == contact.id
    entry = ChangeLog.select().where(ChangeLog.row_id == kept.id).order_by(ChangeLog.seq.desc())
    assert entry.first().changed["record_type"] == ["lead", "contact"]


def test_backup_and_restore_bring_documents_back(workspace: Workspace, tmp_path: Path) -> None:
    admin = workspace.user
    lead = make_lead(admin)
    data = b"%PDF- contract" * 1000
    document = documents.add_document(admin, lead, write(tmp_path / "contract.pdf", data))
    blob = documents.open_path(document)
    location = workspace.location
    backup = maintenance.backup_to(location, tmp_path / "backups" / "b1.sqlite")
    copy = backup_documents_folder(backup) / blob.parent.name / blob.name
    assert copy.read_bytes() == data
    # A second backup adds only what is new and rotation removes old copies with their files.
    automatic = maintenance.backup_now(location, tmp_path / "auto")
    assert (backup_documents_folder(automatic) / blob.parent.name / blob.name).is_file()
    close_workspace()
    blob.chmod(0o644)
    blob.unlink()
    maintenance.restore_from(location, backup, tmp_path / "auto")
    assert blob.read_bytes() == data
    open_workspace(location.path)
    assert documents.open_path(Document.get_by_id(document.id)) == blob


def test_backups_rotate_with_their_documents(workspace: Workspace, tmp_path: Path) -> None:
    from desktopcrm.models.backup import automatic_backup

    admin = workspace.user
    documents.add_document(admin, make_lead(admin), write(tmp_path / "a.txt", b"a"))
    assert workspace.location.path is not None
    made = [automatic_backup(workspace.location.path, tmp_path / "rot", "t", keep=2) for _ in "abc"]
    assert not made[0].exists() and not backup_documents_folder(made[0]).exists()
    assert all(backup_documents_folder(path).is_dir() for path in made[1:])
