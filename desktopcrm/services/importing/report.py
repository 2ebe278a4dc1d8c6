"""What an import did: the ``Problem`` codes, one ``RowProblem`` per reason, the ``ImportReport``.

A report keeps its first ``PROBLEMS_IN_MEMORY`` problems in memory (``problems``, what a
window shows) and writes the rest to a temporary file as it goes, so importing a file with
many bad rows takes no more memory than one with a few; ``iter_problems`` yields them all.
"""

from __future__ import annotations

import json
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

KINDS = ("lead", "contact", "company", "deal")
PLURALS = {"lead": "leads", "contact": "contacts", "company": "companies", "deal": "deals"}
PROBLEMS_IN_MEMORY = 2000


class Problem:
    """Why a row was rejected (the ``reason`` of a ``RowProblem``)."""

    MALFORMED = "malformed_row"
    BAD_EMAIL = "bad_email"
    WRONG_TYPE = "wrong_type"
    TOO_LONG = "too_long"
    MISSING = "missing_required"
    UNMATCHED_OWNER = "unmatched_owner"
    OWNER_NOT_ALLOWED = "owner_not_allowed"
    UNKNOWN_STATUS = "unknown_status"
    UNKNOWN_PIPELINE = "unknown_pipeline"
    UNKNOWN_STAGE = "unknown_stage"
    UNKNOWN_REASON = "unknown_reason"
    UNMATCHED_CONTACT = "unmatched_contact"
    DUPLICATE = "duplicate"
    INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class RowProblem:
    """One reason one row was rejected."""

    line: int  # line of the file where the row starts
    reason: str  # a ``Problem`` code
    field: str
    message: str
    value: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "reason": self.reason,
            "field": self.field,
            "message": self.message,
            "value": self.value,
        }


@dataclass
class ImportReport:
    """What an import (or a dry run) did: counts, and every rejected row with its reasons."""

    kind: str
    file_name: str
    import_id: uuid.UUID | None = None
    total: int = 0
    accepted: int = 0
    rejected: int = 0
    created: int = 0  # records written, including companies created for people
    blank_lines: int = 0
    problems: list[RowProblem] = field(default_factory=list)  # the first PROBLEMS_IN_MEMORY
    cancelled: bool = False
    dry_run: bool = False
    mapping: dict[str, str | None] = field(default_factory=dict)
    problem_count: int = 0
    _spill: IO[str] | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return not self.rejected and not self.cancelled

    def add_problems(self, problems: Iterable[RowProblem]) -> None:
        """Record problems: the first ones in memory, the rest in a temporary file."""
        for problem in problems:
            self.problem_count += 1
            if len(self.problems) < PROBLEMS_IN_MEMORY:
                self.problems.append(problem)
                continue
            if self._spill is None:
                self._spill = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
            self._spill.write(json.dumps(problem.as_dict(), ensure_ascii=False) + "\n")

    def iter_problems(self) -> Iterator[RowProblem]:
        """Every problem, in the order they were found (memory first, then the file)."""
        yield from self.problems
        if self._spill is None:
            return
        self._spill.flush()
        self._spill.seek(0)
        for line in self._spill:
            yield RowProblem(**json.loads(line))
        self._spill.seek(0, 2)

    def close(self) -> None:
        """Drop the temporary file of problems (``iter_problems`` then yields the first ones)."""
        if self._spill is not None:
            self._spill.close()
            self._spill = None

    def __del__(self) -> None:
        self.close()

    def as_dict(self) -> dict[str, Any]:
        return {
            "import_id": str(self.import_id) if self.import_id else None,
            "kind": self.kind,
            "file": self.file_name,
            "dry_run": self.dry_run,
            "cancelled": self.cancelled,
            "rows": self.total,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "created": self.created,
            "blank_lines": self.blank_lines,
            "mapping": self.mapping,
            "problems": [p.as_dict() for p in self.iter_problems()],
        }

    def as_text(self) -> str:
        """The report for people: a summary line, then one line per problem."""
        verb = "Would import" if self.dry_run else "Imported"
        what = PLURALS[self.kind]
        lines = [f"{verb} {self.accepted} of {self.total} rows from {self.file_name} as {what}."]
        if self.import_id and not self.dry_run:
            lines.append(f"Import id: {self.import_id} (undo with: desktopcrm import-undo ID)")
        if self.cancelled:
            lines.append(
                f"Cancelled after {self.accepted + self.rejected} rows; the rows before were "
                "imported (undo the import to remove them)."
            )
        if self.blank_lines:
            lines.append(f"Blank lines skipped: {self.blank_lines}.")
        if self.rejected:
            lines.append(f"Rejected {self.rejected} rows:")
            lines.extend(
                f"  line {p.line}: {p.reason}"
                + (f" ({p.field})" if p.field else "")
                + f": {p.message}"
                for p in self.iter_problems()
            )
        return "\n".join(lines)
