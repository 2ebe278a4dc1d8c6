"""The bulk write path: plain rows converted once per batch and inserted a few thousand rows
per statement.

Imports and demo data write records as plain dicts (field name -> Python value), never as
model instances: ``record_rows`` adds what ``BaseModel.save()`` adds (id, timestamps,
version, the model's defaults) and the change-log row it would have written, ``table_rows``
converts each column once per batch, and ``models.db.insert_many`` writes them. ``Writer``
writes one import batch (companies found or created for people, records, change log, custom
values, tags, the import's record list, search entries) in one transaction, in two halves:
``stage`` makes every row (Python), ``commit`` inserts them (the database), so that a
``WriteBehind`` thread can commit one batch while the next is validated and staged."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import queue
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import peewee

from desktopcrm.models import ORIGIN, acting_as, database, utcnow, write_transaction
from desktopcrm.models.attachments import RecordTag
from desktopcrm.models.base import ChangeLog
from desktopcrm.models.base import _json_default as json_default  # the change log's encoding
from desktopcrm.models.custom_fields import CustomField, CustomValue
from desktopcrm.models.db import insert_many
from desktopcrm.models.imports import ImportedRecord, ImportRun
from desktopcrm.models.records import Contact, Deal, Lead
from desktopcrm.services import custom_fields
from desktopcrm.services import tags as tag_service
from desktopcrm.services.contacts import recompute_for
from desktopcrm.services.importing.mapping import entity_of
from desktopcrm.services.importing.validation import Prepared, Validator, find_companies
from desktopcrm.services.search import (
    IndexEntry,
    IndexRows,
    RowView,
    contact_entry,
    deal_entry,
    index_rows,
    lead_entry,
    words,
    write_index,
)

CACHE_KIB = 96 * 1024  # SQLite page cache during bulk writes (the default is 16 MiB)
CHECKPOINT_PAGES = 50_000  # WAL pages between checkpoints during bulk writes (default 1000)

#: ``encode_changes`` with its encoder built once (``json.dumps`` builds one per call).
encode_changes = json.JSONEncoder(default=json_default, ensure_ascii=False, sort_keys=True).encode


@contextlib.contextmanager
def bulk_pragmas(cache_kib: int = CACHE_KIB) -> Iterator[None]:
    """A larger page cache and rarer WAL checkpoints while writing many rows (SQLite).

    With the default, every batch's commit checkpoints the WAL into a large file: measured,
    that was a third of a 50,000-row import. Memory stays bounded by ``cache_kib``.
    """
    db = database.obj
    if isinstance(db, peewee.PostgresqlDatabase):
        yield
        return
    cache = db.execute_sql("PRAGMA cache_size").fetchone()[0]
    checkpoint = db.execute_sql("PRAGMA wal_autocheckpoint").fetchone()[0]
    db.execute_sql(f"PRAGMA cache_size = -{int(cache_kib)}")
    db.execute_sql(f"PRAGMA wal_autocheckpoint = {CHECKPOINT_PAGES}")
    try:
        yield
    finally:
        db.execute_sql(f"PRAGMA cache_size = {int(cache)}")
        db.execute_sql(f"PRAGMA wal_autocheckpoint = {int(checkpoint)}")


def _is_uuid_field(f: peewee.Field) -> bool:
    return isinstance(f, peewee.UUIDField) or (
        isinstance(f, peewee.ForeignKeyField) and isinstance(f.rel_field, peewee.UUIDField)
    )


def _is_text_field(f: peewee.Field) -> bool:
    return isinstance(f, peewee.CharField | peewee.TextField) and not isinstance(
        f, peewee.UUIDField
    )


def _converter(f: peewee.Field, sqlite: bool) -> Callable[[Any], Any]:
    """A function turning a Python value into what the driver stores for field ``f``."""
    default = f.default if f.default is not None and not callable(f.default) else None
    if _is_text_field(f):

        def text(value: Any) -> Any:
            if value is None:
                return default
            return value if type(value) is str else f.db_value(value)

        return text
    if _is_uuid_field(f):

        def uuid_value(value: Any) -> Any:
            return value.hex if isinstance(value, uuid.UUID) else f.db_value(value)

        return uuid_value

    def other(value: Any) -> Any:
        if value is None:
            value = default
        value = f.db_value(value)
        if sqlite and isinstance(value, dt.date | Decimal):
            return str(value)
        return value

    return other


def _column(f: peewee.Field, values: list[Any], sqlite: bool) -> list[Any]:
    """One column's values as the driver stores them."""
    if not values:
        return values
    first = values[0]
    if all(v is first for v in values):  # the batch's timestamp, version 1, one owner...
        return [_converter(f, sqlite)(first)] * len(values)
    if _is_uuid_field(f):
        return [v.hex if type(v) is uuid.UUID else v for v in values]
    if _is_text_field(f) and all(type(v) is str for v in values):
        return values
    convert = _converter(f, sqlite)
    return [convert(v) for v in values]


@dataclass(frozen=True)
class TableRows:
    """Rows converted for the driver, ready for ``insert_many`` (``table_rows``)."""

    table: str
    columns: list[str]
    rows: list[tuple[Any, ...]]

    def insert(self) -> None:
        insert_many(self.table, self.columns, self.rows)


def table_rows(model: type[peewee.Model], rows: Sequence[Mapping[str, Any]]) -> TableRows:
    """Plain rows (field name -> Python value) as the driver stores them: each column's values
    go through the field's ``db_value`` as peewee would convert them, once per batch."""
    if not rows:
        return TableRows(model._meta.table_name, [], [])
    sqlite = not isinstance(database.obj, peewee.PostgresqlDatabase)
    fields = [
        f
        for f in model._meta.sorted_fields
        if not (isinstance(f, peewee.AutoField) and f.name not in rows[0])
    ]
    columns_values = [_column(f, [row.get(f.name) for row in rows], sqlite) for f in fields]
    return TableRows(
        model._meta.table_name,
        [f.column_name for f in fields],
        list(zip(*columns_values, strict=True)),
    )


def insert_rows(model: type[peewee.Model], rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert plain rows (field name -> Python value) in a few statements (``insert_many``).

    Call inside a transaction, and write the matching change-log rows (``record_rows``
    makes both for versioned records).
    """
    if rows:
        table_rows(model, rows).insert()


def time_ordered_uuid() -> uuid.UUID:
    """A UUID version 7 (RFC 9562): the time in milliseconds, then 74 random bits.

    Ids made one after another sort together, so a batch of new records lands in a few pages
    of each index on ids (the table's key, the change log's, the search entries', custom
    values', tags') instead of one page per row all over a large database, which made every
    commit rewrite most of those indexes (measured: 40 s instead of 25 s for 50,000 rows
    into the 170,000-record demo database).
    """
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10))  # 80 bits, 74 of them used
    rand_a = (rand >> 62) & 0xFFF
    rand_b = rand & ((1 << 62) - 1)
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b
    return uuid.UUID(int=value)


_SET_BY_NEW_ROW = frozenset({"id", "created_at", "updated_at", "version"})


_Defaults = tuple[dict[str, Any], tuple[tuple[str, Callable[[], Any]], ...]]
_DEFAULTS: dict[str, _Defaults] = {}


def _defaults(model: type[Any]) -> _Defaults:
    """``model``'s plain defaults, and its callable ones but those ``new_row`` sets itself
    (``get_default_dict`` would make a UUID and read the clock for every row, then lose them:
    half the time of ``new_row``)."""
    found = _DEFAULTS.get(model._meta.table_name)
    if found is None:
        meta = model._meta
        dynamic = tuple(
            (name, make)
            for name, make in meta._default_callable_list
            if name not in _SET_BY_NEW_ROW
        )
        found = _DEFAULTS[meta.table_name] = (dict(meta._default_by_name), dynamic)
    return found


def new_row(model: type[Any], values: Mapping[str, Any], now: dt.datetime) -> dict[str, Any]:
    """A new record's full row, as ``model(**values)`` then ``save()`` would insert it (with a
    ``time_ordered_uuid`` id)."""
    static, dynamic = _defaults(model)
    row: dict[str, Any] = static.copy()  # the defaults
    for name, make in dynamic:
        if name not in values:
            row[name] = make()
    row["id"] = time_ordered_uuid()
    row.update(values)
    row["created_at"] = row.get("created_at") or now
    row["updated_at"] = now
    row["version"] = 1
    return row


def record_rows(
    model: type[Any], rows: Sequence[dict[str, Any]], actor_id: uuid.UUID | None, now: dt.datetime
) -> list[TableRows]:
    """New records of ``model`` (rows from ``new_row``) and their change-log rows, converted.

    Each change-log row says what ``BaseModel.save()`` would have logged for the insert.
    """
    if not rows:
        return []
    bookkeeping = model.BOOKKEEPING
    table = model._meta.table_name
    log = [
        {
            "table_name": table,
            "row_id": row["id"],
            "operation": "insert",
            "version": 1,
            "changes": encode_changes(
                {k: v for k, v in row.items() if v is not None and k not in bookkeeping}
            ),
            "user_id": actor_id,
            "origin": ORIGIN,
            "at": now,
        }
        for row in rows
    ]
    return [table_rows(model, rows), table_rows(ChangeLog, log)]


def _value_order(row: Mapping[str, Any]) -> tuple[Any, ...]:
    """A sort key for new custom values: field, then typed value (None first)."""
    typed = row["text_value"]
    if typed is None:
        typed = row["number_value"]
        if typed is None:
            typed = row["date_value"]
            if typed is None:
                typed = row["option"]
    return (
        row["field"].int,  # the order of the stored hex text
        typed is not None,
        typed.int if isinstance(typed, uuid.UUID) else typed,
    )


def _insert_order(model: type[Any]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """A sort key putting new records in the order of their name indexes.

    The ids still follow the file (``new_row`` made them in order); only the order of the
    inserts changes, so each name index takes runs of neighbouring entries (measured: a
    quarter less time inserting 10,000 contacts into the demo database).
    """
    if model is Lead:
        return lambda row: (row.get("last_name") or "", row.get("first_name") or "")
    if model is Contact:
        return lambda row: (bool(row.get("is_company")), row.get("name") or "")
    return lambda row: (row.get("name") or "",)


class TagCache:
    """Tag ids by key; missing tags are created through the tags service. A row's list of tag
    names is looked up once per distinct list (most rows of a file repeat a few)."""

    def __init__(self) -> None:
        self._ids: dict[str, uuid.UUID] = {}
        self._lists: dict[tuple[str, ...], list[uuid.UUID]] = {}

    def ids(self, names: Iterable[str]) -> list[uuid.UUID]:
        names = tuple(names)
        found = self._lists.get(names)
        if found is None:
            result = []
            for name in names:
                key = tag_service.tag_key(name)
                if key not in self._ids:
                    clean = tag_service.clean_name(name)
                    self._ids[key] = tag_service.get_or_create_tag(clean).id
                result.append(self._ids[key])
            found = self._lists[names] = list(dict.fromkeys(result))
        return found


Extras = Sequence[tuple[uuid.UUID, list[tuple[CustomField, list[custom_fields.Stored]]], list[str]]]


def extra_rows(record_type: str, items: Extras, tag_cache: TagCache) -> list[TableRows]:
    """The custom values and tags of new records (logged with their inserts), converted."""
    values = [
        {
            "field": custom.id,
            "record_id": record_id,
            "text_value": row.text,
            "number_value": row.number,
            "date_value": row.date,
            "option": row.option,
        }
        for record_id, stored, _ in items
        for custom, rows in stored
        for row in rows
    ]
    # In the order of the (field, value, record) indexes: each batch then writes runs of
    # neighbouring index entries instead of one entry per page all over a large index
    # (measured: 10,000 number values into the demo database in 0.19 s instead of 0.30 s).
    values.sort(key=_value_order)
    tag_rows = [
        {"tag": tag_id, "record_type": record_type, "record_id": record_id}
        for record_id, _, tags in items
        if tags
        for tag_id in tag_cache.ids(tags)
    ]
    return [table_rows(CustomValue, values), table_rows(RecordTag, tag_rows)]


@dataclass
class Staged:
    """A batch ready to commit: every row converted for the driver (``Writer.stage``)."""

    tables: list[TableRows]
    index: IndexRows
    created: int
    deal_contacts: set[uuid.UUID]  # people whose statuses the new deals may change


class Writer:
    """Writes the valid rows of each batch, remembering what the import created.

    ``stage`` runs where the batch was validated (it reads and updates the validator's company
    cache, so batches are staged in order); ``commit`` writes a staged batch in one
    transaction, in this thread or in the ``WriteBehind`` thread.
    """

    def __init__(self, validator: Validator, run: ImportRun | None) -> None:
        self.validator = validator
        self.run = run
        self.tags = TagCache()
        self.created = 0

    def _companies(
        self, batch: Sequence[Prepared], now: dt.datetime
    ) -> tuple[list[dict[str, Any]], dict[uuid.UUID, str]]:
        """Employers of the batch's people: found (one query per 500 names) or new rows."""
        known = self.validator.companies
        wanted: dict[str, str] = {}  # key -> the first spelling in the batch
        for prepared in batch:
            if prepared.company_name:
                key = " ".join(words(prepared.company_name))
                if key not in known:
                    wanted.setdefault(key, prepared.company_name)
        existing = find_companies(wanted.values()) if wanted else {}
        new: list[dict[str, Any]] = []
        names: dict[uuid.UUID, str] = {}
        for prepared in batch:
            name = prepared.company_name
            if not name:
                continue
            key = " ".join(words(name))
            if key not in known:
                found = existing.get(wanted[key])
                if found is None:
                    row = new_row(
                        Contact,
                        {"name": name, "is_company": True, "owner": prepared.values["owner"]},
                        now,
                    )
                    new.append(row)
                    found = row["id"]
                known[key] = found
            prepared.values["company"] = known[key]
            names[known[key]] = name
        return new, names

    def stage(self, batch: Sequence[Prepared]) -> Staged:
        """Make and convert every row of the batch (Python work, in the validating thread;
        new tags are created here, in transactions of their own)."""
        actor_id = self.validator.actor.id
        now = utcnow()
        record_type = entity_of(self.validator.kind).value
        companies, names = self._companies(batch, now)
        model = batch[0].model if batch else Contact
        rows = [new_row(p.model, p.values, now) for p in batch]
        created = [(c["id"], "contact") for c in companies] + [(r["id"], record_type) for r in rows]
        tables = [
            *record_rows(Contact, companies, actor_id, now),
            *record_rows(model, sorted(rows, key=_insert_order(model)), actor_id, now),
            *extra_rows(
                record_type,
                [(row["id"], p.custom, p.tags) for row, p in zip(rows, batch, strict=True)],
                self.tags,
            ),
        ]
        if self.run is not None:
            run_id = self.run.id
            tables.append(
                table_rows(
                    ImportedRecord,
                    [{"run": run_id, "record_type": t, "record_id": i} for i, t in created],
                )
            )
        deal_contacts = (
            {r["primary_contact"] for r in rows if r.get("primary_contact")}
            if model is Deal
            else set()
        )
        index = index_rows(self._entries(batch, rows, companies, names))
        return Staged(tables, index, len(created), deal_contacts)

    def commit(self, staged: Staged) -> None:
        """Write a staged batch in one transaction (mostly time in the database, little in
        Python: see ``WriteBehind``)."""
        if not staged.created:
            return
        with write_transaction(), acting_as(self.validator.actor.id):
            for converted in staged.tables:
                converted.insert()
            write_index(staged.index)
            if staged.deal_contacts:
                recompute_for(staged.deal_contacts)
        self.created += staged.created

    @staticmethod
    def _entries(
        batch: Sequence[Prepared],
        rows: Sequence[dict[str, Any]],
        companies: Sequence[dict[str, Any]],
        names: dict[uuid.UUID, str],
    ) -> Iterator[IndexEntry]:
        yield from (contact_entry(RowView(c)) for c in companies)
        for prepared, row in zip(batch, rows, strict=True):
            view = RowView(row)
            if prepared.model is Lead:
                yield lead_entry(view, prepared.tags)
            elif prepared.model is Contact:
                company = row.get("company")
                yield contact_entry(view, names.get(company, "") if company else "", prepared.tags)
            else:
                yield deal_entry(view, prepared.contact_name, prepared.tags)


class WriteBehind:
    """Commits staged batches in a thread of its own, in order, while the caller validates the
    next batch: the database's half of an import overlaps the Python half, because SQLite
    works without the GIL (``insert_many`` hands it thousands of rows per statement).

    At most one batch waits while another is written, so memory stays at a few batches. A
    failed commit stops the writing; ``put`` or ``finish`` then raise it in the caller's thread.
    The thread has its own connection (peewee keeps one per thread) and closes it at the end.
    """

    def __init__(self, commit: Callable[[Staged], None]) -> None:
        self._commit = commit
        self._queue: queue.Queue[Staged | None] = queue.Queue(maxsize=1)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="import-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        stopped = False
        try:
            with bulk_pragmas():
                while (staged := self._queue.get()) is not None:
                    if self._error is None:  # after a failure, only drain the queue
                        try:
                            self._commit(staged)
                        except BaseException as exc:  # raised again in the caller's thread
                            self._error = exc
                stopped = True
        except BaseException as exc:
            self._error = self._error or exc
        finally:
            while not stopped:  # until ``finish``, so that a waiting ``put`` returns
                stopped = self._queue.get() is None
            if not database.is_closed():
                database.close()

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def put(self, staged: Staged) -> None:
        """Queue a batch (waits while another one is already waiting)."""
        self._raise()
        self._queue.put(staged)

    def finish(self) -> None:
        """Wait until every queued batch is committed; raise the first failure. Safe to call
        again after a failure."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        self._raise()
