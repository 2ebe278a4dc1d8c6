"""Running an import: ``import_file`` (CSV), ``import_rows`` (any mapped rows: CSV, vCard),
``preview``, and ``undo_import``.

Rows are streamed in batches of ``BATCH_SIZE``: each batch is validated, then its valid rows
are written in one transaction - on a local file by a writer thread (``WriteBehind``) while
the next batch is validated. A row that breaks any rule is rejected and reported with its
line number and every reason; nothing is silently dropped: accepted + rejected = data rows in
the file (blank lines are counted apart). Memory does not grow with the file: accepted rows
leave nothing behind but counts, rejected rows' problems beyond the first few thousand go to
a temporary file (``ImportReport``), and the keys for duplicates within the file to a
temporary SQLite file (``validation.SeenKeys``).

Every import is an ``ImportRun`` that remembers the records it created, so ``undo_import``
can remove them later, even after a restart. Records someone changed since the import are
kept (and listed), because undoing must not lose later work.
"""

from __future__ import annotations

import contextlib
import json
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from desktopcrm.models import ORIGIN, User, acting_as, utcnow, write_transaction
from desktopcrm.models.base import ChangeLog, encode_changes
from desktopcrm.models.db import DatabaseMode, current_location
from desktopcrm.models.imports import ImportedRecord, ImportRun, ImportStatus
from desktopcrm.models.records import Contact, Deal, Lead
from desktopcrm.services.contacts import recompute_for
from desktopcrm.services.errors import PermissionDenied, ServiceError
from desktopcrm.services.importing.mapping import check_kind, resolve_mapping
from desktopcrm.services.importing.reading import SourceRow, mapped_rows, open_csv
from desktopcrm.services.importing.report import ImportReport, RowProblem
from desktopcrm.services.importing.validation import Validator
from desktopcrm.services.importing.writing import (
    WriteBehind,
    Writer,
    bulk_pragmas,
    insert_rows,
)
from desktopcrm.services.search import remove_many_from_index

BATCH_SIZE = 5000
PREVIEW_ROWS = 20

ProgressCallback = Callable[[int, int], None]


@dataclass
class Preview:
    """The first rows of a file as they would be imported, and their problems."""

    encoding: str
    delimiter: str
    headers: list[str]
    mapping: dict[str, str | None]
    rows: list[tuple[int, dict[str, str], list[RowProblem]]]

    @property
    def unmapped(self) -> list[str]:
        """Columns that would not be imported."""
        return [h for h, target in self.mapping.items() if target is None]


def preview(
    actor: User,
    kind: str,
    path: str | Path,
    mapping: Mapping[str, str | None] | None = None,
    rows: int = PREVIEW_ROWS,
) -> Preview:
    """The first ``rows`` rows mapped and validated (nothing is written)."""
    source = open_csv(path)
    resolved = resolve_mapping(kind, source.headers, mapping)
    validator = Validator(actor, kind, dry_run=True, check_duplicates=True)
    try:
        batch = [r for r in islice(mapped_rows(source, resolved), rows) if r is not None]
        shown = [
            (row.line, row.values, problems)
            for row, (_, problems) in zip(batch, validator.validate(batch), strict=True)
        ]
    finally:
        validator.close()
    return Preview(source.encoding, source.delimiter, source.headers, resolved, shown)


def import_file(
    actor: User,
    kind: str,
    path: str | Path,
    mapping: Mapping[str, str | None] | None = None,
    *,
    dry_run: bool = False,
    check_duplicates: bool = True,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportReport:
    """Import a CSV file of ``kind`` records (lead, contact, company, deal).

    Args:
        actor: who imports; owners, contacts and permissions are checked for this user.
        mapping: column header -> field (see ``fields_for``), overriding the suggestion.
        dry_run: validate everything and report, but write nothing.
        check_duplicates: reject rows that match an existing record (same email, phone,
            website or company name); rows repeating an earlier row are always rejected.
        progress: called with (rows done, rows in the file) after every batch.
        cancel: set it to stop after the current batch (what was written stays, undoable).
    """
    check_kind(kind)
    source = open_csv(path)
    resolved = resolve_mapping(kind, source.headers, mapping)
    total, blank = source.count_rows()
    rows = (r for r in mapped_rows(source, resolved) if r is not None)
    report = import_rows(
        actor,
        kind,
        rows,
        total=total,
        file_name=Path(path).name,
        file_format="csv",
        mapping=resolved,
        dry_run=dry_run,
        check_duplicates=check_duplicates,
        progress=progress,
        cancel=cancel,
        batch_size=batch_size,
    )
    report.blank_lines = blank
    return report


def import_rows(
    actor: User,
    kind: str,
    rows: Iterable[SourceRow],
    *,
    total: int,
    file_name: str,
    file_format: str,
    mapping: Mapping[str, str | None] | None = None,
    dry_run: bool = False,
    check_duplicates: bool = True,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportReport:
    """Validate and write rows already mapped to fields (CSV and vCard imports share this)."""
    check_kind(kind)
    validator = Validator(actor, kind, dry_run=dry_run, check_duplicates=check_duplicates)
    report = ImportReport(
        kind, file_name, total=total, dry_run=dry_run, mapping=dict(mapping or {})
    )
    run: ImportRun | None = None
    if not dry_run:
        run = ImportRun(
            kind=kind,
            file_name=file_name[:500],
            format=file_format,
            total_rows=total,
            mapping=json.dumps(report.mapping, ensure_ascii=False),
            user=actor.id,
        )
        with write_transaction(), acting_as(actor.id):
            run.save()
        report.import_id = run.id
    writer = Writer(validator, run)
    behind = None if dry_run else _write_behind(writer)
    done = 0
    iterator = iter(rows)
    try:
        with bulk_pragmas():
            while batch := list(islice(iterator, batch_size)):
                if cancel is not None and cancel.is_set():
                    report.cancelled = True
                    break
                valid = []
                for prepared, problems in validator.validate(batch):
                    if prepared is None:
                        report.rejected += 1
                        report.add_problems(problems)
                    else:
                        valid.append(prepared)
                report.accepted += len(valid)
                if valid and not dry_run:
                    staged = writer.stage(valid)
                    if behind is not None:
                        behind.put(staged)
                    else:
                        writer.commit(staged)
                done += len(batch)
                del batch, valid
                if progress is not None:
                    progress(done, max(total, done))
            if behind is not None:
                behind.finish()
    except BaseException:
        if behind is not None:
            with contextlib.suppress(BaseException):
                behind.finish()  # no writing after the run is marked failed
        if run is not None:
            _finish(run, report, ImportStatus.FAILED)
        raise
    finally:
        validator.close()
    report.created = writer.created if not dry_run else report.accepted
    report.total = max(total, done) if not report.cancelled else total
    if run is not None:
        _finish(run, report, ImportStatus.CANCELLED if report.cancelled else ImportStatus.DONE)
    return report


def _write_behind(writer: Writer) -> WriteBehind | None:
    """A writer thread for ``import_rows`` on a local database file. Not on a shared file,
    where each commit waits for every reader, nor on PostgreSQL (its driver's bulk insert
    holds the GIL per row, so it would only wait for the validating thread)."""
    if current_location().mode is not DatabaseMode.LOCAL:
        return None
    return WriteBehind(writer.commit)


def _finish(run: ImportRun, report: ImportReport, status: ImportStatus) -> None:
    with write_transaction(), acting_as(run.user_id):
        run = ImportRun.get_by_id(run.id)
        run.status = status.value
        run.accepted = report.accepted
        run.rejected = report.rejected
        run.total_rows = report.total
        run.report = json.dumps([p.as_dict() for p in report.iter_problems()], ensure_ascii=False)
        run.finished_at = utcnow()
        run.save()


@dataclass
class UndoResult:
    """What undoing an import removed, and what it kept because someone changed it since."""

    removed: int
    kept: list[uuid.UUID]


_MODELS: dict[str, type[Lead] | type[Contact] | type[Deal]] = {
    "lead": Lead,
    "contact": Contact,
    "deal": Deal,
}


def undo_import(actor: User, import_id: uuid.UUID | str) -> UndoResult:
    """Soft-delete every record an import created (logged), in one transaction.

    Only the user who ran the import or an admin may undo it. Records changed since the
    import (version above 1) are kept and listed, so later work is not lost.
    """
    try:
        run_id = uuid.UUID(str(import_id))
    except ValueError as exc:
        raise ServiceError(f"{import_id!r} is not an import id (a UUID).") from exc
    run = ImportRun.get_or_none(ImportRun.id == run_id)
    if run is None or run.deleted_at is not None:
        raise ServiceError(f"There is no import {run_id}; `desktopcrm import` prints the id.")
    if not actor.is_admin and run.user_id != actor.id:
        raise PermissionDenied("Only the user who ran an import, or an admin, can undo it.")
    if run.status == ImportStatus.UNDONE.value:
        raise ServiceError(f"The import {run_id} was already undone on {run.undone_at:%Y-%m-%d}.")
    removed = 0
    kept: list[uuid.UUID] = []
    now = utcnow()
    contacts_to_recompute: set[uuid.UUID] = set()
    with write_transaction():
        for record_type in ("deal", "contact", "lead"):
            model = _MODELS[record_type]
            query = ImportedRecord.select(ImportedRecord.record_id).where(
                ImportedRecord.run == run.id, ImportedRecord.record_type == record_type
            )
            ids = [row.record_id for row in query]
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                rows = list(
                    r
                    for r in model.select(
                        model.id,
                        model.version,
                        model.deleted_at,
                        *([Deal.primary_contact] if model is Deal else []),
                    ).where(model.id.in_(chunk))
                    if r.deleted_at is None  # checked here: see validation.find_contact
                )
                untouched = [r for r in rows if r.version == 1]
                kept.extend(r.id for r in rows if r.version != 1)
                if not untouched:
                    continue
                target = [r.id for r in untouched]
                model.update(
                    {model.deleted_at: now, model.updated_at: now, model.version: model.version + 1}
                ).where(model.id.in_(target), model.version == 1).execute()
                insert_rows(
                    ChangeLog,
                    [
                        {
                            "table_name": model._meta.table_name,
                            "row_id": r.id,
                            "operation": "delete",
                            "version": 2,
                            "changes": encode_changes({"import_undone": str(run.id)}),
                            "user_id": actor.id,
                            "origin": ORIGIN,
                            "at": now,
                        }
                        for r in untouched
                    ],
                )
                remove_many_from_index(target)
                removed += len(target)
                if model is Deal:
                    contacts_to_recompute.update(
                        r.primary_contact_id
                        for r in untouched
                        if isinstance(r, Deal) and r.primary_contact_id
                    )
        if contacts_to_recompute:
            recompute_for(contacts_to_recompute)
        run.status = ImportStatus.UNDONE.value
        run.undone_at = now
        with acting_as(actor.id):
            run.save()
    return UndoResult(removed, kept)
