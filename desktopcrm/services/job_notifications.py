"""The "An import or export finished" notifications: what an import, an export or a calendar
file's import says in the notification centre when it ends (done, stopped, rows rejected,
failed).

Each function posts one entry through ``notifications.post_finished``, per the user's delivery
for ``NotificationKind.IMPORT_EXPORT`` (nothing when it is off), and returns the entries added
(the window shows the desktop ones). Call them where the work ends, in the worker thread that
ran it, never on the GUI thread. Every call is a new cause (an import's key is its run, the
others a fresh id), so two imports of the same file notify twice.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from desktopcrm.models import User
from desktopcrm.services import notifications
from desktopcrm.services.importing.report import PLURALS, ImportReport
from desktopcrm.services.notifications import Entry

#: Singular words for the counts (plurals: ``PLURALS`` and these with an s).
SINGULAR = {
    "lead": "lead",
    "contact": "contact",
    "person": "person",
    "company": "company",
    "deal": "deal",
    "leads": "lead",
    "contacts": "contact",
    "people": "person",
    "companies": "company",
    "deals": "deal",
    "appointments": "appointment",
    "tasks": "task",
    "rows": "row",
}


def count(number: int, plural: str) -> str:
    """'1 lead', '1,200 leads' (``plural`` is the plural word)."""
    return f"{number:,} {SINGULAR.get(plural, plural) if number == 1 else plural}"


def _name(path: str | Path) -> str:
    return Path(path).name or str(path)


def import_finished(user: User, report: ImportReport) -> list[Entry]:
    """An import ran to its end, or was stopped: how many rows went in, how many were rejected."""
    plural = PLURALS.get(report.kind, "records")
    file_name = report.file_name
    imported = count(report.accepted, plural)
    if report.cancelled:
        title = f"Import stopped: {imported} imported from {file_name}"
    else:
        title = f"Imported {imported} from {file_name}"
    notes: list[str] = []
    if report.rejected:
        notes.append(
            f"{count(report.rejected, 'rows')} rejected; the import's report lists every reason."
        )
    elif not report.cancelled:
        notes.append("No row was rejected.")
    if report.cancelled:
        notes.append("Stopped before the end; undo the import to remove the rows it wrote.")
    key = report.import_id.hex if report.import_id is not None else uuid.uuid4().hex
    return notifications.post_finished(
        user,
        "import",
        key,
        title,
        " ".join(notes),
        record_type="import_run" if report.import_id is not None else None,
        record_id=report.import_id,
    )


def import_failed(user: User, kind: str, path: str | Path, error: str) -> list[Entry]:
    """An import of ``kind`` records (or of what ``kind`` names, e.g. 'appointments and
    tasks') stopped on an error (the file could not be read, the database refused)."""
    plural = PLURALS.get(kind, kind)
    return notifications.post_finished(
        user,
        "import",
        f"failed:{uuid.uuid4().hex}",
        f"Import of {plural} from {_name(path)} failed",
        f"{error} Rows written before the error are kept.",
    )


def calendar_imported(
    user: User, path: str | Path, created: int, updated: int, skipped: int
) -> list[Entry]:
    """An iCalendar file was imported (its appointments and tasks)."""
    body = f"{created:,} new, {updated:,} updated"
    if skipped:
        body += f", {count(skipped, 'rows')} skipped (the status bar said why)"
    return notifications.post_finished(
        user,
        "import",
        f"ics:{uuid.uuid4().hex}",
        f"Imported the calendar file {_name(path)}",
        body + ".",
    )


def export_finished(
    user: User, what: str, path: str | Path, *, stopped: bool = False
) -> list[Entry]:
    """An export wrote ``path``; ``what`` counts it ('1,200 leads', '4 appointments and
    2 tasks')."""
    title = f"Export stopped: {what} written" if stopped else f"Exported {what}"
    return notifications.post_finished(user, "export", uuid.uuid4().hex, title, f"Saved to {path}")


def export_failed(user: User, what: str, path: str | Path, error: str) -> list[Entry]:
    """An export of ``what`` ('leads', 'the calendar') to ``path`` failed."""
    return notifications.post_finished(
        user,
        "export",
        f"failed:{uuid.uuid4().hex}",
        f"Export of {what} to {_name(path)} failed",
        error,
    )
