"""CSV import of leads, people, companies and deals: the public names of
``desktopcrm.services.importing`` (reading, mapping, validation, writing, runs, report).

Validation applies the same rules as creating a record by hand; valid rows are written in
batches (records, change-log rows, custom values, tags, search entries) inside one
transaction per batch; every rejected row is reported with its line number and every reason;
an import can be undone as a whole (``undo_import``).
"""

from __future__ import annotations

from desktopcrm.services.importing.mapping import (
    fields_for,
    header_key,
    resolve_mapping,
    suggest_mapping,
)
from desktopcrm.services.importing.reading import (
    SAMPLE_BYTES,
    CsvFile,
    SourceRow,
    detect_encoding,
    mapped_rows,
    open_csv,
    sniff_delimiter,
)
from desktopcrm.services.importing.report import (
    KINDS,
    PLURALS,
    ImportReport,
    Problem,
    RowProblem,
)
from desktopcrm.services.importing.runs import (
    BATCH_SIZE,
    PREVIEW_ROWS,
    Preview,
    ProgressCallback,
    UndoResult,
    import_file,
    import_rows,
    preview,
    undo_import,
)
from desktopcrm.services.importing.validation import find_contact, split_name
from desktopcrm.services.importing.writing import (
    TagCache,
    bulk_pragmas,
    insert_rows,
)

__all__ = [
    "BATCH_SIZE",
    "KINDS",
    "PLURALS",
    "PREVIEW_ROWS",
    "SAMPLE_BYTES",
    "CsvFile",
    "ImportReport",
    "Preview",
    "Problem",
    "ProgressCallback",
    "RowProblem",
    "SourceRow",
    "TagCache",
    "UndoResult",
    "bulk_pragmas",
    "detect_encoding",
    "fields_for",
    "find_contact",
    "header_key",
    "import_file",
    "import_rows",
    "insert_rows",
    "mapped_rows",
    "open_csv",
    "preview",
    "resolve_mapping",
    "sniff_delimiter",
    "split_name",
    "suggest_mapping",
    "undo_import",
]
