"""Tags and documents, on every record kind (``record_type`` / ``record_id``)."""

from __future__ import annotations

import uuid

import peewee

from desktopcrm.models.base import BaseModel
from desktopcrm.models.db import database
from desktopcrm.models.user import User


class Tag(BaseModel):
    """A label; names are unique regardless of case (``key`` is the lower-cased name)."""

    name = peewee.CharField(max_length=100)
    key = peewee.CharField(max_length=100, unique=True)
    color = peewee.CharField(max_length=9, default="#6366f1")

    class Meta:
        table_name = "tag"


class RecordTag(peewee.Model):
    """A tag on a record (changes are logged on the record)."""

    id = peewee.AutoField()
    tag = peewee.ForeignKeyField(Tag, backref="records", on_delete="CASCADE")
    tag_id: uuid.UUID
    record_type = peewee.CharField(max_length=16)
    record_id = peewee.UUIDField()

    class Meta:
        database = database
        table_name = "record_tag"
        indexes = (
            (("record_id", "tag"), True),
            (("tag", "record_type"), False),
        )


class Document(BaseModel):
    """A file attached to a record. The bytes live beside the database, named by their hash,
    so identical files are stored once and a backup can copy the folder incrementally."""

    record_type = peewee.CharField(max_length=16)
    record_id = peewee.UUIDField()
    filename = peewee.CharField(max_length=500)
    content_hash = peewee.CharField(max_length=64, index=True)  # sha256 hex
    size = peewee.BigIntegerField(default=0)
    mime_type = peewee.CharField(max_length=200, default="application/octet-stream")
    uploaded_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    uploaded_by_id: uuid.UUID | None

    class Meta:
        table_name = "document"
        indexes = ((("record_type", "record_id"), False),)
