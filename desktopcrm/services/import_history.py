"""What the import window needs beyond running an import: the recent imports a user may see
(and undo), and the rejected rows written back out as a CSV file to fix and import again."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

from desktopcrm.models import User
from desktopcrm.models.imports import ImportRun
from desktopcrm.services.importing.reading import open_csv
from desktopcrm.services.importing.report import ImportReport


def recent_imports(actor: User, limit: int = 20) -> list[ImportRun]:
    """The latest imports, newest first: every import for an admin, else the user's own."""
    query = ImportRun.live()
    if not actor.is_admin:
        query = query.where(ImportRun.user == actor.id)
    return list(query.order_by(ImportRun.created_at.desc()).limit(limit))


def save_rejected_rows(report: ImportReport, source: str | Path, out: str | Path) -> int:
    """Write every rejected row of ``report`` to ``out`` as CSV: its line in the file, its
    problems, then the row's own cells under the file's headers (so the file can be fixed and
    imported again). Returns how many rows were written."""
    problems: dict[int, list[str]] = defaultdict(list)
    for problem in report.iter_problems():
        where = f"{problem.field}: " if problem.field else ""
        problems[problem.line].append(f"{where}{problem.message}")
    csv_file = open_csv(source)
    written = 0
    with Path(out).open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Line", "Problems", *csv_file.headers])
        for line, cells, error in csv_file.records():
            reasons = problems.get(line)
            if reasons is None:
                continue
            if error and not reasons:
                reasons = [error]
            writer.writerow([line, "; ".join(reasons), *(cells or [])])
            written += 1
    return written
