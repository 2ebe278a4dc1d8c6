"""Known database failures, each with a message that tells the user what to do.

Anything raised from here is expected (a file someone picked by mistake, a database from a
newer app, a record someone else changed); the GUI shows the message, the CLI prints it and
exits non-zero. Anything else is a bug and goes to the crash dialog.
"""

from __future__ import annotations

from typing import Any


class DatabaseError(Exception):
    """A problem with the database the user can understand and act on."""


class NotADatabaseError(DatabaseError):
    """The file exists but is not a SQLite database (or is not a DesktopCRM one)."""


class CorruptDatabaseError(DatabaseError):
    """SQLite reports the file as damaged."""


class NewerDatabaseError(DatabaseError):
    """The database was written by a newer version of DesktopCRM."""


class DatabaseLockedError(DatabaseError):
    """Another program holds the database locked for longer than the busy timeout."""


class MigrationError(DatabaseError):
    """A schema upgrade step failed; the database was left at its previous version."""


class StaleRecordError(DatabaseError):
    """An update or delete was based on an old version of a record.

    Attributes:
        table: the table of the record.
        record_id: the record's id.
        expected_version: the version the caller had.
        current: the record's current column values (empty if it no longer exists).
        changed_by: name of the user who wrote the current version, if known.
        changed_fields: fields the other writer changed since ``expected_version``.
    """

    def __init__(
        self,
        table: str,
        record_id: Any,
        expected_version: int,
        current: dict[str, Any],
        changed_by: str | None = None,
        changed_fields: tuple[str, ...] = (),
    ) -> None:
        self.table = table
        self.record_id = record_id
        self.expected_version = expected_version
        self.current = current
        self.changed_by = changed_by
        self.changed_fields = changed_fields
        who = changed_by or "someone else"
        if not current or current.get("deleted_at") is not None:
            message = (
                f"This {table} record was deleted by {who} while you were editing it. "
                "Your changes were not saved."
            )
        else:
            fields = ", ".join(changed_fields) if changed_fields else "it"
            message = (
                f"This {table} record was changed by {who} while you were editing it "
                f"(they changed {fields}; you had version {expected_version}, "
                f"it is now version {current.get('version')}). Your changes were not saved: "
                "reload the record, then apply your changes again."
            )
        super().__init__(message)
