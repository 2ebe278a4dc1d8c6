"""CSV (and vCard) import of leads, people, companies and deals.

- ``reading``: the file (encoding, delimiter, header) and its rows as field values;
- ``mapping``: which field each column goes to;
- ``validation``: the services' rules applied to every row, duplicates found per batch;
- ``writing``: the bulk write path (plain rows, change log, custom values, tags, search);
- ``runs``: ``import_file`` / ``import_rows``, ``preview``, ``undo_import``;
- ``report``: ``Problem`` codes, ``RowProblem``, ``ImportReport``.

``desktopcrm.services.csv_import`` re-exports the public names.
"""
