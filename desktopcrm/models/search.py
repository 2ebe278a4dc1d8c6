"""The full-text search index over leads, contacts, companies, deals and notes.

``SearchEntry`` holds one row per searchable record: its kind, owner for visibility, the
title shown in results, and ``title_key``, the title folded (its words, lower-case without
accents, separated by single spaces) and indexed in byte order for type-ahead by title
prefix. The text itself is indexed by SQLite FTS5 (``search_fts``, rowid = ``SearchEntry.id``,
prefix indexes for type-ahead) or, on PostgreSQL, by a ``tsvector`` column with a GIN index.
``create_search_index`` builds whichever the database needs.
"""

from __future__ import annotations

import peewee

from desktopcrm.models.db import database


class SearchEntry(peewee.Model):
    id = peewee.AutoField()
    kind = peewee.CharField(max_length=16)  # lead / contact / company / deal / note
    record_id = peewee.UUIDField(unique=True)
    owner_id = peewee.UUIDField(null=True, index=True)
    title = peewee.CharField(max_length=400, default="")
    subtitle = peewee.CharField(max_length=400, default="")
    title_key = peewee.CharField(max_length=400, default="")  # indexed by create_search_index

    class Meta:
        database = database
        table_name = "search_entry"


def create_search_index(db: peewee.Database) -> None:
    """Create the text index for ``SearchEntry`` (FTS5 on SQLite, tsvector on PostgreSQL)."""
    if isinstance(db, peewee.PostgresqlDatabase):
        db.execute_sql("ALTER TABLE search_entry ADD COLUMN IF NOT EXISTS tsv tsvector")
        db.execute_sql(
            "CREATE INDEX IF NOT EXISTS search_entry_tsv ON search_entry USING gin (tsv)"
        )
        # Byte order ("C"), so that a range of keys is a range of title prefixes.
        db.execute_sql(
            "CREATE INDEX IF NOT EXISTS search_entry_title_key "
            'ON search_entry (title_key COLLATE "C")'
        )
        return
    db.execute_sql("CREATE INDEX IF NOT EXISTS search_entry_title_key ON search_entry (title_key)")
    db.execute_sql(
        "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5("
        "title, body, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4')"
    )
