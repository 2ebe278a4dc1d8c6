"""CSV and vCard imports: one ``ImportRun`` per file, and which records each one created.

``ImportedRecord`` ties every record an import created to its run, so a whole import can be
undone (the records soft-deleted) even after the app was restarted.
"""

from __future__ import annotations

import enum
import json
import uuid
from typing import Any

import peewee

from desktopcrm.models.base import BaseModel
from desktopcrm.models.db import database
from desktopcrm.models.user import User


class ImportStatus(enum.StrEnum):
    RUNNING = "running"
    DONE = "done"
    CANCELLED = "cancelled"
    FAILED = "failed"
    UNDONE = "undone"


class ImportRun(BaseModel):
    """One import of one file: what it was, how it went, and its per-row report."""

    kind = peewee.CharField(max_length=16)  # lead / contact / company / deal
    file_name = peewee.CharField(max_length=500, default="")
    format = peewee.CharField(max_length=8, default="csv")  # csv / vcf
    status = peewee.CharField(max_length=16, default=ImportStatus.RUNNING.value)
    total_rows = peewee.IntegerField(default=0)
    accepted = peewee.IntegerField(default=0)
    rejected = peewee.IntegerField(default=0)
    mapping = peewee.TextField(default="{}")  # JSON: column header -> field
    report = peewee.TextField(default="[]")  # JSON: list of rejected rows with reasons
    user = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    user_id: uuid.UUID | None
    finished_at = peewee.DateTimeField(null=True)
    undone_at = peewee.DateTimeField(null=True)

    class Meta:
        table_name = "import_run"

    @property
    def problems(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = json.loads(self.report or "[]")
        return result


class ImportedRecord(peewee.Model):
    """A record created by an import (its creation is logged on the record itself)."""

    id = peewee.AutoField()
    run = peewee.ForeignKeyField(ImportRun, backref="records", on_delete="CASCADE")
    run_id: uuid.UUID
    record_type = peewee.CharField(max_length=16)  # lead / contact / deal
    record_id = peewee.UUIDField()

    class Meta:
        database = database
        table_name = "imported_record"
        indexes = ((("run", "record_type"), False),)
