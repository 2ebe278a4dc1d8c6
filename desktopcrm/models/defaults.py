"""The CRM tables and what a new database starts with: lead statuses, a pipeline with six
active and three closed stages, loss reasons, and note actions and statuses."""

from __future__ import annotations

import peewee

from desktopcrm.models.attachments import Document, RecordTag, Tag
from desktopcrm.models.custom_fields import CustomField, CustomFieldOption, CustomValue
from desktopcrm.models.imports import ImportedRecord, ImportRun
from desktopcrm.models.notes import (
    Note,
    NoteAction,
    NoteStatus,
    NoteVariable,
    NoteVariableOption,
    NoteVariableValue,
)
from desktopcrm.models.records import (
    Contact,
    Deal,
    DealContact,
    Lead,
    LeadStatus,
    LeadStatusKind,
    LossReason,
    Pipeline,
    Stage,
    StageKind,
)
from desktopcrm.models.search import SearchEntry

CRM_MODELS: list[type[peewee.Model]] = [
    LeadStatus,
    Lead,
    Contact,
    Pipeline,
    Stage,
    LossReason,
    Deal,
    DealContact,
    CustomField,
    CustomFieldOption,
    CustomValue,
    NoteAction,
    NoteStatus,
    NoteVariable,
    NoteVariableOption,
    Note,
    NoteVariableValue,
    Tag,
    RecordTag,
    Document,
    SearchEntry,
    ImportRun,
    ImportedRecord,
]

LEAD_STATUSES = (
    ("New", LeadStatusKind.NEW, "#1e40af", "#dbeafe"),
    ("Working", LeadStatusKind.WORKING, "#92400e", "#fef3c7"),
    ("Unqualified", LeadStatusKind.UNQUALIFIED, "#374151", "#e5e7eb"),
)

DEFAULT_STAGES = (
    ("Incoming", StageKind.OPEN, 10),
    ("Qualified", StageKind.OPEN, 25),
    ("Demo", StageKind.OPEN, 40),
    ("Quote", StageKind.OPEN, 60),
    ("Negotiation", StageKind.OPEN, 80),
    ("Closure", StageKind.OPEN, 90),
    ("Won", StageKind.WON, 100),
    ("Lost", StageKind.LOST, 0),
    ("Unqualified", StageKind.UNQUALIFIED, 0),
)

LOSS_REASONS = (
    ("Timing", "unqualified"),
    ("Budget", "unqualified"),
    ("Reorganisation", "unqualified"),
    ("Out of our control", "unqualified"),
    ("Price", "lost"),
    ("Chose a competitor", "lost"),
    ("No decision", "lost"),
    ("Timing", "lost"),
    ("Budget", "lost"),
)

NOTE_ACTIONS = (
    ("Call", "CALL", "#1e3a8a", "#dbeafe"),
    ("Email", "EML", "#065f46", "#d1fae5"),
    ("Fax", "FAX", "#374151", "#e5e7eb"),
    ("Send sample", "SMPL", "#7c2d12", "#ffedd5"),
    ("Shipping", "SHIP", "#4c1d95", "#ede9fe"),
    ("Order handling", "ORD", "#831843", "#fce7f3"),
)

NOTE_STATUSES = (
    ("Awaiting approval", "WAIT", "#92400e", "#fef3c7"),
    ("No answer", "N/A", "#991b1b", "#fee2e2"),
    ("Done", "DONE", "#065f46", "#d1fae5"),
    ("Active", "ACT", "#1e40af", "#dbeafe"),
    ("Inactive", "INACT", "#374151", "#e5e7eb"),
    ("Customer", "CUST", "#166534", "#dcfce7"),
    ("On hold", "HOLD", "#6b21a8", "#f3e8ff"),
)


def create_pipeline(name: str, currency: str = "EUR", position: int = 0) -> Pipeline:
    """A pipeline with the default stages (six active, then Won, Lost, Unqualified)."""
    pipeline = Pipeline(name=name, currency=currency, position=position)
    pipeline.save()
    for index, (stage_name, kind, probability) in enumerate(DEFAULT_STAGES):
        Stage(
            pipeline=pipeline,
            name=stage_name,
            kind=kind.value,
            position=index,
            probability=probability,
        ).save()
    return pipeline


def seed_defaults() -> None:
    """Fill a new database with the defaults (idempotent: only empty tables are filled)."""
    if not LeadStatus.select().exists():
        for index, (name, kind, fg, bg) in enumerate(LEAD_STATUSES):
            LeadStatus(name=name, kind=kind.value, position=index, fg_color=fg, bg_color=bg).save()
    if not Pipeline.select().exists():
        create_pipeline("Sales")
    if not LossReason.select().exists():
        for index, (name, reason_kind) in enumerate(LOSS_REASONS):
            LossReason(name=name, kind=reason_kind, position=index).save()
    for model, rows in ((NoteAction, NOTE_ACTIONS), (NoteStatus, NOTE_STATUSES)):
        if not model.select().exists():
            for index, (name, abbreviation, fg, bg) in enumerate(rows):
                model(
                    name=name, abbreviation=abbreviation, fg_color=fg, bg_color=bg, position=index
                ).save()
