"""One list-query engine for leads, people, companies and deals: filter, sort, page.

A list is a ``ListSpec``: the kind of record, filters on built-in or custom fields, sort keys
and optional search text. ``ListQuery(user, spec)`` runs it for the acting user (visibility
applied, deleted records left out) and answers what a lazy Qt item model asks:

- ``rows_at(start, count)`` / ``page(offset, limit)``: lightweight rows (``Row``, a tuple of the
  list's ``columns``: id, version, then what the list shows), never full peewee models;
- ``count()``: the size of the list, only when asked (it reads the whole list's index);
- ``ids()``: every id in the list, for bulk actions.

Speed (100k records; see ``benchmarks/bench_records.py``): the rows come in index order and
the query stops after a page. Sorted lists are read by *keyset*: the sort key of the last row
read is remembered every ``BLOCK`` rows, and the next block starts after it
(``WHERE (key, id) > (last key, last id)``), so scrolling down a list costs the same at row
90,000 as at row 0. A jump far into the list (dragging the scroll bar) skips rows from the
nearest remembered key (an index walk, no rows built). Ties are broken by id, so the order is
total and pages never repeat or skip a row.

A sort key with blanks (empty text, no date, no custom value) splits the list into two
*segments*: the records with a value, in the index order of that value, then the records
without, in the list's default order. Custom fields sort from their ``(field, typed value,
record)`` index (``custom_field_queries.sorted_values``), never by joining and sorting the
whole list.
"""

from __future__ import annotations

import bisect
import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar, cast

import peewee

from desktopcrm.models import User
from desktopcrm.models.attachments import RecordTag, Tag
from desktopcrm.models.base import BaseModel
from desktopcrm.models.custom_fields import CustomField, FieldType
from desktopcrm.models.db import database
from desktopcrm.models.records import (
    Contact,
    CustomerStatus,
    Deal,
    Lead,
    ProspectStatus,
    RecordKind,
)
from desktopcrm.services import custom_field_queries
from desktopcrm.services.errors import ValidationError
from desktopcrm.services.visibility import visible_owner_ids

#: Rows per remembered keyset cursor (and the page size the lazy models use).
BLOCK = 200
#: A filtered list this long is read along the sort key's index from a cursor (``_seeks``).
SEEK_MIN_ROWS = 5000
#: A semi-join filter (custom field, tags, search) matching this many records is checked per
#: row of a built-in sort key's index rather than driving the query (``_walk_conditions``).
WALK_MIN_MATCHES = 2000

KINDS = ("lead", "person", "company", "contact", "deal")
_MODELS: dict[str, type[BaseModel]] = {
    "lead": Lead,
    "person": Contact,
    "company": Contact,
    "contact": Contact,
    "deal": Deal,
}
_ENTITIES = {
    "lead": RecordKind.LEAD,
    "person": RecordKind.CONTACT,
    "company": RecordKind.CONTACT,
    "contact": RecordKind.CONTACT,
    "deal": RecordKind.DEAL,
}
_SEARCH_KINDS = {
    "lead": ("lead",),
    "person": ("contact",),
    "company": ("company",),
    "contact": ("contact", "company"),
    "deal": ("deal",),
}

#: What a list shows when the spec names no columns (after id and version).
DEFAULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "lead": (
        "first_name",
        "last_name",
        "company_name",
        "email",
        "phone",
        "status",
        "priority",
        "source",
        "owner",
        "created_at",
        "updated_at",
    ),
    "person": (
        "name",
        "email",
        "phone",
        "city",
        "company",
        "owner",
        "prospect_status",
        "customer_status",
        "created_at",
        "updated_at",
    ),
    "company": (
        "name",
        "email",
        "phone",
        "website",
        "city",
        "country",
        "owner",
        "prospect_status",
        "customer_status",
        "created_at",
        "updated_at",
    ),
    "deal": (
        "name",
        "value",
        "currency",
        "probability",
        "expected_close",
        "pipeline",
        "stage",
        "primary_contact",
        "owner",
        "created_at",
        "updated_at",
    ),
}
DEFAULT_COLUMNS["contact"] = (
    *DEFAULT_COLUMNS["person"][:5],
    "is_company",
    *DEFAULT_COLUMNS["person"][5:],
)

#: The order of a list whose spec has no sort (and of the records a sort key leaves blank).
DEFAULT_SORT: dict[str, tuple[SortKey, ...]] = {}

#: Extra columns read by subqueries of a page's query (tags; the name a reference points at).
EXTRA_COLUMNS = ("tags", "company_name", "contact_name")
#: Joins a record's tag names in the page query (a character no tag name has).
TAG_SEPARATOR = "\x1f"

TEXT_OPS = frozenset({"eq", "ne", "contains", "starts", "in", "is_empty", "is_set"})
ORDERED_OPS = frozenset({"eq", "ne", "lt", "le", "gt", "ge", "between", "in", "is_empty", "is_set"})
REF_OPS = frozenset({"eq", "ne", "in", "is_empty", "is_set"})
TAG_OPS = frozenset({"has_any", "has_all", "has_none", "is_empty", "is_set"})


@dataclass(frozen=True)
class Filter:
    """One condition: ``field`` (a built-in field name, ``tags``, or ``custom:<key>``),
    ``op`` and ``value``.

    Ops by field type — text: eq, ne, contains, starts, in, is_empty, is_set; numbers and
    dates: eq, ne, lt, le, gt, ge, between (value = (low, high), inclusive), in, is_empty,
    is_set (a date on a date-and-time field means that whole day), and the relative
    ``RELATIVE_DATE_OPS``; references (owner, status,
    stage, pipeline, company, primary_contact), statuses and booleans: eq, ne, in, is_empty,
    is_set (``owner`` None = unassigned); tags: has_any, has_all, has_none (value = names),
    is_empty, is_set; custom fields: ``custom_fields.FILTER_OPS``.
    """

    field: str
    op: str = "eq"
    value: Any = None


#: Date ops relative to the day the list is read, so a smart list "created this week" stays
#: current: today, this_week (Monday to Sunday), this_month, last_days and next_days
#: (value = a number of days; today and that many days before or after it).
RELATIVE_DATE_OPS = frozenset({"today", "this_week", "this_month", "last_days", "next_days"})


def resolve_relative_date(item: Filter, today: dt.date) -> Filter:
    """``item`` with a relative date op turned into ``between`` two days around ``today``
    (other conditions unchanged)."""
    if item.op not in RELATIVE_DATE_OPS:
        return item
    low = high = today
    if item.op == "this_week":
        low = today - dt.timedelta(days=today.weekday())
        high = low + dt.timedelta(days=6)
    elif item.op == "this_month":
        low = today.replace(day=1)
        high = (low + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    elif item.op in ("last_days", "next_days"):
        try:
            days = int(str(item.value).strip())
        except ValueError:
            days = -1
        if not 0 <= days <= 36_500:
            raise ValidationError(item.field, f'"{item.value}" is not a number of days.')
        if item.op == "last_days":
            low = today - dt.timedelta(days=days)
        else:
            high = today + dt.timedelta(days=days)
    return Filter(item.field, "between", (low.isoformat(), high.isoformat()))


@dataclass(frozen=True)
class SortKey:
    """Sort by ``field`` (built-in or ``custom:<key>``); blanks always come last."""

    field: str
    descending: bool = False


DEFAULT_SORT.update(
    {
        "lead": (SortKey("created_at", descending=True),),
        "person": (SortKey("name"),),
        "company": (SortKey("name"),),
        "contact": (SortKey("name"),),
        "deal": (SortKey("created_at", descending=True),),
    }
)


@dataclass(frozen=True)
class ListSpec:
    """What a list shows: ``kind`` (lead, person, company, contact = both, deal), filters
    (all must hold), sort keys (default: ``DEFAULT_SORT``), search text (every word as a
    prefix, from the search index) and the columns (default: ``DEFAULT_COLUMNS``; also
    ``tags``, ``company_name``, ``contact_name`` and ``custom:<key>``).

    Leads that were converted are left out unless a filter on ``converted_at`` asks for them.
    """

    kind: str
    filters: Sequence[Filter] = ()
    sort: Sequence[SortKey] = ()
    search_text: str | None = None
    columns: Sequence[str] | None = None


class Row(tuple[Any, ...]):
    """One list row: the values of its list's ``columns`` (id and version first)."""

    __slots__ = ()
    columns: ClassVar[tuple[str, ...]] = ()
    positions: ClassVar[dict[str, int]] = {}

    @property
    def id(self) -> uuid.UUID:
        return cast(uuid.UUID, self[0])

    @property
    def version(self) -> int:
        return cast(int, self[1])

    def get(self, name: str, default: Any = None) -> Any:
        index = self.positions.get(name)
        return default if index is None else self[index]

    def as_dict(self) -> dict[str, Any]:
        return dict(zip(self.columns, self, strict=True))


def _row_class(kind: str, columns: tuple[str, ...]) -> type[Row]:
    positions = {name: index for index, name in enumerate(columns)}
    return type(f"{kind.capitalize()}Row", (Row,), {"columns": columns, "positions": positions})


# --------------------------------------------------------------------------- fields


@dataclass(frozen=True)
class _Key:
    """A resolved sort key: an expression of the segment's query and its direction."""

    expr: Any
    descending: bool
    nullable: bool

    def ordering(self, first: bool) -> Any:
        if first or not self.nullable:
            return self.expr.desc() if self.descending else self.expr.asc()
        return peewee.Ordering(self.expr, "DESC" if self.descending else "ASC", nulls="LAST")


@dataclass
class _Segment:
    """A part of the list read in one index order: ``query`` (conditions and joins, no
    columns), its ``keys`` (the last one the tie-break id), and what is known of it."""

    build: Callable[..., peewee.ModelSelect[Any]]
    keys: list[_Key]
    cheap_count: bool = True
    size: int | None = None
    cursors: dict[int, tuple[Any, ...]] = field(default_factory=dict)
    positions: list[int] = field(default_factory=lambda: [0])
    ordered: bool | None = None


def _is_text(column: peewee.Field) -> bool:
    return isinstance(column, peewee.CharField | peewee.TextField) and not isinstance(
        column, peewee.UUIDField
    )


_REFS = {
    "owner",
    "status",
    "stage",
    "pipeline",
    "company",
    "primary_contact",
    "lead",
    "loss_reason",
}
_ENUMS: dict[str, frozenset[str]] = {
    "prospect_status": frozenset(s.value for s in ProspectStatus),
    "customer_status": frozenset(s.value for s in CustomerStatus),
}


class ListQuery:
    """A list for ``user`` as ``spec`` describes it; see the module docstring.

    Remembers keyset cursors and the sizes it learnt; call ``refresh()`` when the records
    changed (the change log says so) to read the list afresh.
    """

    def __init__(self, user: User, spec: ListSpec) -> None:
        if spec.kind not in KINDS:
            raise ValidationError("kind", f'"{spec.kind}" is not a list; use one of {KINDS}.')
        self.user = user
        self.spec = spec
        self.kind = spec.kind
        self.model: type[BaseModel] = _MODELS[spec.kind]
        self.entity = _ENTITIES[spec.kind]
        self._custom: dict[str, CustomField] = {}
        self._conditions = self._where()
        self._walk: list[Any] | None = None
        # Seek by the sort key's index unless filters narrow the list (see ``_after``).
        self._seek = not spec.filters and not (spec.search_text or "").strip()
        wanted = tuple(spec.columns) if spec.columns is not None else DEFAULT_COLUMNS[self.kind]
        self.columns: tuple[str, ...] = (
            "id",
            "version",
            *[c for c in wanted if c not in ("id", "version")],
        )
        self._plain = [self._column(name) for name in self.columns if self._is_plain(name)]
        # Tags and the names of references are read by the page's own query (subqueries per
        # row, answered by the database in the same statement); custom values per page.
        names = [name for name in self.columns if self._is_plain(name)]
        inline = [name for name in self.columns if name in EXTRA_COLUMNS and name not in names]
        self._selected: list[Any] = [*self._plain, *map(self._inline_column, inline)]
        self._late = [name for name in self.columns if name.startswith("custom:")]
        self._index = {name: index for index, name in enumerate([*names, *inline])}
        self._row = _row_class(self.kind, self.columns)
        convert: list[Callable[[Any], Any] | None] = [_converter(c) for c in self._plain]
        convert += [_tag_names if name == "tags" else None for name in inline]
        self._converters = [(i, c) for i, c in enumerate(convert) if c is not None]
        self._option_field: CustomField | None = None
        self._option_ids: list[Any] = []
        self._segments = self._plan(list(spec.sort) or list(DEFAULT_SORT[self.kind]))
        self._count: int | None = None

    # ----------------------------------------------------------------- public

    def rows_at(self, start: int, count: int) -> list[Row]:
        """``count`` rows from position ``start`` (fewer at the end of the list)."""
        if start < 0 or count <= 0:
            return []
        result: list[tuple[Any, ...]] = []
        segment_start = 0
        position = start
        for index, segment in enumerate(self._segments):
            if count <= 0:
                break
            if index == 8 and self._option_field is not None and segment.size is None:
                self._load_option_sizes()  # many options: skip the empty ones by their count
            last = index == len(self._segments) - 1
            if segment.size is not None and position >= segment_start + segment.size:
                segment_start += segment.size
                continue
            local = position - segment_start
            rows = self._fetch(segment, local, count)
            result.extend(rows)
            count -= len(rows)
            position += len(rows)
            if count > 0 and not last:
                if rows or local == 0:
                    segment.size = local + len(rows)
                else:
                    segment.size = self._segment_count(index)
                segment_start += segment.size
        return self._finish(result)

    def page(self, offset: int, limit: int) -> list[Row]:
        """One page: ``limit`` rows from ``offset`` (``rows_at`` with checked arguments)."""
        if offset < 0 or limit <= 0:
            raise ValidationError("page", "Pages start at 0 and hold at least one row.")
        return self.rows_at(offset, limit)

    def count(self) -> int:
        """How many records the list has (one counting query, remembered until ``refresh``)."""
        if self._count is None:
            query = self.model.select(peewee.fn.COUNT(peewee.SQL("*"))).where(*self._conditions)
            self._count = int(query.scalar() or 0)
        return self._count

    def ids(self) -> list[uuid.UUID]:
        """The ids of every record of the list (in no particular order), for bulk actions."""
        query = self.model.select(self.model.id).where(*self._conditions).tuples()
        return [row[0] for row in cast(Iterable[tuple[Any, ...]], query)]

    def ids_in_order(self, page: int = 5000) -> list[uuid.UUID]:
        """The ids of every record of the list in the list's order (an export of it)."""
        result: list[uuid.UUID] = []
        while True:
            rows = self.rows_at(len(result), page)
            result.extend(row.id for row in rows)
            if len(rows) < page:
                return result

    def matching(self, ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
        """Which of ``ids`` are in the list (notification rules test changed records)."""
        wanted = list(set(ids))
        found: set[uuid.UUID] = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            query = self.model.select(self.model.id).where(
                *self._conditions, self.model.id.in_(chunk)
            )
            found.update(row[0] for row in cast(Iterable[tuple[Any, ...]], query.tuples()))
        return found

    def prepare(self) -> None:
        """Remember a cursor every ``BLOCK`` rows of the whole list, and its size, in one pass.

        The database numbers the whole list in order (from the index: no rows are built,
        about what ``count()`` costs) and hands over only every ``BLOCK``-th sort key, so the
        worker holds the GIL for a few hundred rows, not the whole list
        (a GUI thread waiting for it would stall). Afterwards ``rows_at``
        anywhere is a keyset seek plus fewer than ``BLOCK`` skipped rows. A lazy model calls
        it in a worker when the list opens, so that dragging the scroll bar far down never
        waits for a long skip.
        """
        modulo = "%%" if isinstance(database.obj, peewee.PostgresqlDatabase) else "%"
        for index, segment in enumerate(self._segments):
            order = [key.ordering(i == 0) for i, key in enumerate(segment.keys)]
            window = peewee.Window(order_by=order)
            position = peewee.fn.ROW_NUMBER().over(window=window).alias("position")
            sql, params = segment.build([position]).window(window).sql()
            # Every BLOCK-th row, numbered and picked by the database.
            picked = (
                f"SELECT * FROM ({sql}) AS numbered WHERE numbered.position {modulo} {BLOCK} = 0"
            )
            for row in database.execute_sql(picked, params).fetchall():
                self._remember(segment, int(row[0]), self._cursor_keys(segment, row))
            segment.size = None
            segment.size = self._segment_count(index)
        self._count = sum(segment.size or 0 for segment in self._segments)

    @staticmethod
    def _cursor_keys(segment: _Segment, row: Sequence[Any]) -> tuple[Any, ...]:
        values = row[-len(segment.keys) :]
        return tuple(_convert(k.expr, v) for k, v in zip(segment.keys, values, strict=True))

    def refresh(self) -> None:
        """Forget the count, the segment sizes and the cursors (the records changed)."""
        self._count = None
        for segment in self._segments:
            segment.size = None
            segment.cursors.clear()
            segment.positions[:] = [0]

    def explain(self) -> list[tuple[str, list[str]]]:
        """The SQL of each segment's first page and the database's plan for it (diagnostics)."""
        result = []
        for segment in self._segments:
            query = segment.build(self._plain)
            query = query.order_by(*[key.ordering(i == 0) for i, key in enumerate(segment.keys)])
            sql, params = query.limit(BLOCK).sql()
            db = database.obj
            if isinstance(db, peewee.PostgresqlDatabase):
                plan = [row[0] for row in db.execute_sql("EXPLAIN " + sql, params).fetchall()]
            else:
                rows = db.execute_sql("EXPLAIN QUERY PLAN " + sql, params).fetchall()
                plan = [row[-1] for row in rows]
            result.append((sql, plan))
        return result

    # ----------------------------------------------------------------- reading

    def _fetch(self, segment: _Segment, local: int, count: int) -> list[tuple[Any, ...]]:
        at = segment.positions[bisect.bisect_right(segment.positions, local) - 1]
        query = segment.build(self._selected)
        if at > 0:
            seek = self._seeks() or self._ordered_read(segment)
            query = query.where(_after(segment.keys, segment.cursors[at], seek))
        query = query.order_by(*[key.ordering(i == 0) for i, key in enumerate(segment.keys)])
        if local > at:
            query = query.offset(local - at)
        rows = database.execute(query.limit(count)).fetchall()
        width = len(segment.keys)
        for index, row in enumerate(rows, start=local + 1):
            if index % BLOCK == 0 or index == local + len(rows):
                self._remember(segment, index, self._cursor_keys(segment, row))
        converters = self._converters
        result = []
        for row in rows:
            values = list(row[:-width])
            for index, convert in converters:
                value = values[index]
                if value is not None:
                    values[index] = convert(value)
            result.append(tuple(values))
        return result

    def _seeks(self) -> bool:
        """Whether keyset conditions state the sort key as an index range (see ``_after``):
        always for an unfiltered list; for a filtered one once it is known to be long (then
        the matches are dense enough along the sort index; a short list is cheaper to read
        through the filter's own index and sort)."""
        if self._seek:
            return True
        return self._count is not None and self._count >= SEEK_MIN_ROWS

    def _ordered_read(self, segment: _Segment) -> bool:
        """Whether the database reads ``segment`` in its sort key's index order anyway (no
        sort of the matches: the filters have no index of their own to drive from, e.g.
        ``contains`` on text). Then a keyset condition must state the key as a range, or
        every page after the first would walk the index from its start (SQLite: the plan of
        the first page; asked once per segment)."""
        if segment.ordered is None:
            db = database.obj
            if isinstance(db, peewee.PostgresqlDatabase):
                segment.ordered = False
            else:
                query = segment.build(self._plain)
                order = [key.ordering(i == 0) for i, key in enumerate(segment.keys)]
                sql, params = query.order_by(*order).limit(BLOCK).sql()
                plan = db.execute_sql("EXPLAIN QUERY PLAN " + sql, params).fetchall()
                segment.ordered = not any("TEMP B-TREE" in str(row[-1]) for row in plan)
        return segment.ordered

    @staticmethod
    def _remember(segment: _Segment, position: int, keys: tuple[Any, ...]) -> None:
        if position not in segment.cursors:
            bisect.insort(segment.positions, position)
        segment.cursors[position] = keys

    def _segment_count(self, index: int) -> int:
        """The size of a segment. Counting the records *with* a value reads the value index;
        counting those *without* one probes every record, so that one is the list's count
        minus the others."""
        segment = self._segments[index]
        if segment.size is not None:
            return segment.size
        if self._option_field is not None and index < len(self._option_ids):
            self._load_option_sizes()
            return segment.size or 0
        if not segment.cheap_count:
            others = sum(self._segment_count(j) for j in range(len(self._segments)) if j != index)
            segment.size = self.count() - others
            return segment.size
        query = segment.build([peewee.fn.COUNT(peewee.SQL("*"))], keyed=False)
        segment.size = int(query.scalar() or 0)
        return segment.size

    def _finish(self, rows: list[tuple[Any, ...]]) -> list[Row]:
        """Rows in the order of ``columns``, with the custom values of the page."""
        index, make = self._index, self._row
        if not self._late:
            order = [index[name] for name in self.columns]
            if order == sorted(order):
                return [make(values) for values in rows]
            return [make([values[i] for i in order]) for values in rows]
        ids = [row[0] for row in rows]
        late = {name: self._custom_values(name, ids) for name in self._late} if rows else {}
        result = []
        for row in rows:
            full = [
                row[index[name]] if name in index else late[name].get(row[0])
                for name in self.columns
            ]
            result.append(make(full))
        return result

    def _custom_values(self, name: str, ids: list[Any]) -> dict[Any, Any]:
        from desktopcrm.services.custom_fields import get_values_many

        key = name.removeprefix("custom:")
        values = get_values_many(self.entity, ids)
        return {record_id: fields.get(key) for record_id, fields in values.items()}

    def _inline_column(self, name: str) -> Any:
        """A per-row subquery for an extra column: the record's tag names (joined by
        ``TAG_SEPARATOR``), or the name of its company or primary contact."""
        model: Any = self.model
        if name == "tags":
            postgres = isinstance(database.obj, peewee.PostgresqlDatabase)
            joined = peewee.fn.string_agg if postgres else peewee.fn.group_concat
            return (
                RecordTag.select(joined(Tag.name, TAG_SEPARATOR))
                .join(Tag)
                .where(RecordTag.record_id == model.id)
            )
        reference = "company" if name == "company_name" else "primary_contact"
        if reference not in model._meta.fields:
            raise ValidationError("columns", f"{self.kind.capitalize()}s have no {name} to show.")
        target = Contact.alias()
        return target.select(target.name).where(target.id == getattr(model, reference))

    # ----------------------------------------------------------------- columns and fields

    def _is_plain(self, name: str) -> bool:
        if name in self.model._meta.fields:
            return True
        return name not in EXTRA_COLUMNS and not name.startswith("custom:")

    def _column(self, name: str) -> peewee.Field:
        fields = self.model._meta.fields
        if name in fields:
            return cast(peewee.Field, fields[name])
        raise ValidationError(
            "columns", f'{self.kind.capitalize()}s have no field "{name}" to show.'
        )

    def _custom_field(self, name: str) -> CustomField:
        key = name.removeprefix("custom:")
        if key not in self._custom:
            found = (
                CustomField.live()
                .where(CustomField.entity == self.entity.value, CustomField.key == key)
                .first()
            )
            if found is None:
                raise ValidationError(
                    name, f'{self.kind.capitalize()}s have no custom field "{key}".'
                )
            self._custom[key] = found
        return self._custom[key]

    # ----------------------------------------------------------------- conditions

    def _where(self) -> list[Any]:
        model = self.model
        conditions: list[Any] = [model.deleted_at.is_null()]
        if self.kind == "person":
            conditions.append(Contact.is_company == False)  # noqa: E712
        elif self.kind == "company":
            conditions.append(Contact.is_company == True)  # noqa: E712
        if self.kind == "lead" and not any(f.field == "converted_at" for f in self.spec.filters):
            conditions.append(Lead.converted_at.is_null())
        owners = visible_owner_ids(self.user)
        if owners is not None:
            conditions.append(model.owner.in_(sorted(owners, key=str)))  # type: ignore[attr-defined]
        for item in self.spec.filters:
            conditions.append(self._filter(item))
        if self.spec.search_text and self.spec.search_text.strip():
            conditions.append(self._search(self.spec.search_text))
        return conditions

    def _filter(self, item: Filter) -> Any:
        item = resolve_relative_date(item, dt.date.today())
        if item.field.startswith("custom:"):
            custom = self._custom_field(item.field)
            return custom_field_queries.filter_expression(self.model, custom, item.op, item.value)
        if item.field == "tags":
            return self._tag_filter(item)
        if item.field == "name" and self.kind == "lead":
            return self._lead_name_filter(item)
        column = self._field(item.field, "filter")
        if item.field in _REFS or isinstance(column, peewee.ForeignKeyField | peewee.UUIDField):
            return _ref_filter(column, item)
        if item.field in _ENUMS:
            return _choice_filter(column, item, _ENUMS[item.field])
        if isinstance(column, peewee.BooleanField):
            return _choice_filter(column, item, frozenset({True, False}))
        if _is_text(column):
            return _text_filter(column, item)
        if isinstance(column, peewee.DateTimeField):
            return _ordered_filter(column, item, _datetime_bounds)
        if isinstance(column, peewee.DateField):
            return _ordered_filter(column, item, lambda v, f: _bounds_same(_date(v, f)))
        return _ordered_filter(column, item, lambda v, f: _bounds_same(_number(v, f)))

    def _field(self, name: str, what: str) -> peewee.Field:
        fields = self.model._meta.fields
        if name in fields and name not in ("id", "version", "deleted_at"):
            return cast(peewee.Field, fields[name])
        raise ValidationError(
            name, f'{self.kind.capitalize()}s have no field "{name}" to {what} on.'
        )

    def _lead_name_filter(self, item: Filter) -> Any:
        if item.op not in ("contains", "starts"):
            raise ValidationError("name", "A lead's name can be filtered with contains or starts.")
        text = _text(item.value, "name")
        columns = (Lead.first_name, Lead.last_name, Lead.company_name)
        if item.op == "contains":
            return reduce_or([column.contains(text) for column in columns])
        return reduce_or([column.startswith(text) for column in columns])

    def _tag_filter(self, item: Filter) -> Any:
        if item.op not in TAG_OPS:
            raise ValidationError(
                "tags", f'"{item.op}" is not a tag filter; use one of {sorted(TAG_OPS)}.'
            )
        record_type = self.entity.value

        def tagged(keys: Sequence[str] | None) -> Any:
            sub = RecordTag.select(RecordTag.record_id).where(RecordTag.record_type == record_type)
            if keys is not None:
                sub = sub.join(Tag).where(Tag.key.in_(list(keys)))
            return self.model.id.in_(sub)

        if item.op in ("is_empty", "is_set"):
            link = RecordTag.alias()
            exists = peewee.fn.EXISTS(
                link.select(peewee.SQL("1")).where(link.record_id == self.model.id)
            )
            return exists if item.op == "is_set" else ~exists
        names = [item.value] if isinstance(item.value, str) else list(item.value or [])
        keys = [" ".join(str(name).split()).lower() for name in names if str(name).strip()]
        if not keys:
            raise ValidationError("tags", "Name at least one tag to filter on.")
        if item.op == "has_any":
            return tagged(keys)
        if item.op == "has_none":
            return ~tagged(keys)
        condition = tagged(keys[:1])
        for key in keys[1:]:
            condition = condition & tagged([key])
        return condition

    def _search(self, text: str) -> Any:
        from desktopcrm.services.search import words

        terms = [word for word in words(text) if word]
        if not terms:
            return peewee.SQL("1 = 1")
        kinds = _SEARCH_KINDS[self.kind]
        if isinstance(database.obj, peewee.PostgresqlDatabase):
            query = " & ".join(f"'{term}':*" for term in terms)
            marks = ", ".join(["%s"] * len(kinds))
            sub = peewee.SQL(
                "(SELECT se.record_id FROM search_entry se "
                f"WHERE se.tsv @@ to_tsquery('simple', %s) AND se.kind IN ({marks}))",
                [query, *kinds],
            )
        else:
            query = " AND ".join(f'"{term}"*' for term in terms)
            marks = ", ".join(["?"] * len(kinds))
            sub = peewee.SQL(
                "(SELECT se.record_id FROM search_fts JOIN search_entry se "
                f"ON se.id = search_fts.rowid WHERE search_fts MATCH ? AND se.kind IN ({marks}))",
                [query, *kinds],
            )
        return self.model.id.in_(sub)

    # ----------------------------------------------------------------- sorting

    def _plan(self, sort: list[SortKey]) -> list[_Segment]:
        """The segments of the list for ``sort``: one, or records with a value in the first
        key and then those without (in the default order)."""
        model = self.model
        first, rest = sort[0], sort[1:]
        conditions = self._conditions

        if first.field.startswith("custom:"):
            custom = self._custom_field(first.field)
            if custom.type_enum is FieldType.DROPDOWN:
                return self._option_segments(custom, first.descending, rest)
            _, key, tie = custom_field_queries.sorted_values(model.select(), model, custom)

            # Read from the sort field's index: semi-join filters (other custom fields, tags,
            # search) are checked per row, not used to drive the query and sort its result.
            # Checked on the value index's record id, so that a record failing the filter is
            # skipped before its row is read (SQLite tests it in the outer loop).
            driven = [
                peewee.Expression(_unindexed(tie), peewee.OP.IN, condition.rhs)
                if _is_semi_join(condition, model)
                else _checked_per_row(condition, model)
                for condition in conditions
            ]

            def valued(columns: Sequence[Any], keyed: bool = True) -> peewee.ModelSelect[Any]:
                query, key_, tie_ = custom_field_queries.sorted_values(
                    model.select(*columns).where(*driven), model, custom
                )
                query, extra = self._rest(query, rest)
                if not keyed:
                    return query
                return query.select_extend(key_, *[k.expr for k in extra], tie_)

            keys = [_Key(key, first.descending, False)]
            _, extra_keys = self._rest(model.select(), rest)
            keys += [*extra_keys, _Key(tie, first.descending, False)]
            valued_segment = _Segment(valued, keys)
            blank = custom_field_queries.has_no_value(model, custom)
            unvalued = self._default_segment([blank])
            unvalued.cheap_count = False
            return [valued_segment, unvalued]
        if first.field == "name" and self.kind == "lead":
            expanded = [
                SortKey("last_name", first.descending),
                SortKey("first_name", first.descending),
            ]
            return [self._simple_segment(expanded + rest, [])]
        column = self._sort_column(first.field)
        if _is_text(column) or column.null:
            # Text: not an index range ("name > ''" would make SQLite walk the name index even
            # when a filter's own index finds the few rows at once); blanks are few and first.
            # No value (NULL): a range, so the walk starts after the NULLs, which come first.
            present = _unindexed(column) > "" if _is_text(column) else column.is_null(False)
            absent = (column == "") | column.is_null() if _is_text(column) else column.is_null()
            if _is_text(column) and not column.null:
                absent = column == ""
            segment = self._simple_segment([first, *rest], [present], first_nullable=False)
            segment.cheap_count = False
            return [segment, self._default_segment([absent])]
        return [self._simple_segment([first, *rest], [])]

    def _option_segments(
        self, custom: CustomField, descending: bool, rest: Sequence[SortKey]
    ) -> list[_Segment]:
        """A dropdown sorts in its options' order: one segment per option, each read from the
        (field, option, record) index in record-id order, then the records without a value."""
        model, conditions = self.model, self._conditions
        options = custom_field_queries.sort_options(custom)
        if descending:
            options.reverse()
        segments: list[_Segment] = []
        for option_id in options:

            def build(
                columns: Sequence[Any], keyed: bool = True, option_id: Any = option_id
            ) -> peewee.ModelSelect[Any]:
                query, tie_ = custom_field_queries.option_values(
                    model.select(*columns).where(*conditions), model, custom, option_id
                )
                query, extra = self._rest(query, rest)
                if not keyed:
                    return query
                return query.select_extend(*[k.expr for k in extra], tie_)

            _, tie = custom_field_queries.option_values(model.select(), model, custom, option_id)
            _, extra_keys = self._rest(model.select(), rest)
            segments.append(_Segment(build, [*extra_keys, _Key(tie, descending, False)]))
        self._option_field = custom
        self._option_ids = options
        blank = custom_field_queries.has_no_value(model, custom)
        unvalued = self._default_segment([blank])
        unvalued.cheap_count = False
        return [*segments, unvalued]

    def _load_option_sizes(self) -> None:
        """The size of every option segment at once (one grouped count)."""
        assert self._option_field is not None
        query = self.model.select().where(*self._conditions)
        counts = custom_field_queries.option_counts(query, self.model, self._option_field)
        for segment, option_id in zip(self._segments, self._option_ids, strict=False):
            segment.size = counts.get(option_id, 0)

    def _sort_column(self, name: str) -> peewee.Field:
        column = self._field(name, "sort")
        if isinstance(column, peewee.ForeignKeyField | peewee.UUIDField) or name in _REFS:
            raise ValidationError(
                name, f'Lists cannot be sorted by "{name}"; sort by a value field.'
            )
        return column

    def _rest(
        self, query: peewee.ModelSelect[Any], rest: Sequence[SortKey]
    ) -> tuple[peewee.ModelSelect[Any], list[_Key]]:
        keys: list[_Key] = []
        for item in rest:
            if item.field.startswith("custom:"):
                query, expr = custom_field_queries.value_expression(
                    query, self.model, self._custom_field(item.field)
                )
                keys.append(_Key(expr, item.descending, True))
            else:
                column = self._sort_column(item.field)
                keys.append(_Key(column, item.descending, bool(column.null)))
        return query, keys

    def _simple_segment(
        self, sort: Sequence[SortKey], extra: list[Any], *, first_nullable: bool | None = None
    ) -> _Segment:
        model = self.model
        conditions = [*self._walk_conditions(), *extra]
        first = sort[0]
        first_column = self._sort_column(first.field)
        nullable = bool(first_column.null) if first_nullable is None else first_nullable
        keys = [_Key(first_column, first.descending, nullable)]
        _, rest_keys = self._rest(model.select(), sort[1:])
        keys += [*rest_keys, _Key(model.id, first.descending, False)]

        def build(columns: Sequence[Any], keyed: bool = True) -> peewee.ModelSelect[Any]:
            query, rest = self._rest(model.select(*columns).where(*conditions), sort[1:])
            if not keyed:
                return query
            return query.select_extend(first_column, *[k.expr for k in rest], model.id)

        return _Segment(build, keys)

    def _walk_conditions(self) -> list[Any]:
        """The list's conditions for reading along a built-in sort key's index: a semi-join
        filter (custom field, tags, search) that matches many records (``WALK_MIN_MATCHES``)
        is checked per row, so the database reads the sort index and stops after a page
        instead of fetching and sorting every match. A few matches still drive the query."""
        if self._walk is None:
            self._walk = [
                _checked_per_row(condition, self.model)
                if _is_semi_join(condition, self.model) and _many(condition.rhs)
                else condition
                for condition in self._conditions
            ]
        return self._walk

    def _default_segment(self, extra: list[Any]) -> _Segment:
        sort = DEFAULT_SORT[self.kind]
        if sort[0].field == "name" and self.kind == "lead":
            sort = (SortKey("last_name"), SortKey("first_name"))
        return self._simple_segment(sort, extra)


# --------------------------------------------------------------------------- keyset


def _after(keys: Sequence[_Key], values: Sequence[Any], seek: bool = True) -> Any:
    """Rows strictly after ``values`` in the order of ``keys`` (blanks last, id last).

    ``seek``: also state the first key's bound as a range, so the database seeks to it in the
    key's index. Without it (filtered lists), the database may as well answer from a filter's
    index and sort the few rows that pass.
    """
    key, value = keys[0], values[0]
    if len(keys) == 1:
        return key.expr < value if key.descending else key.expr > value
    rest = _after(keys[1:], values[1:], seek)
    if value is None:
        return key.expr.is_null() & rest
    beyond = key.expr < value if key.descending else key.expr > value
    if key.nullable:
        beyond = beyond | key.expr.is_null()
    condition = beyond | ((key.expr == value) & rest)
    if not key.nullable and seek:
        # A range the index can seek to; the OR alone would make the database scan.
        bound = key.expr <= value if key.descending else key.expr >= value
        condition = bound & condition
    return condition


# --------------------------------------------------------------------------- filter helpers


def reduce_or(conditions: Sequence[Any]) -> Any:
    result = conditions[0]
    for condition in conditions[1:]:
        result = result | condition
    return result


def _convert(expr: Any, value: Any) -> Any:
    if value is None or not isinstance(expr, peewee.Field | peewee.FieldAlias):
        return value
    return expr.python_value(value)


def _converter(column: peewee.Field) -> Callable[[Any], Any] | None:
    """A fast Python conversion of a raw database value of ``column`` (None: as it comes).

    Rows are built from the raw cursor: peewee's per-row conversions (one ``UUID`` per
    reference, format guessing for dates) cost more than the query itself.
    """
    if isinstance(column, peewee.ForeignKeyField):
        column = column.rel_field
    if isinstance(column, peewee.UUIDField):
        cache: dict[Any, uuid.UUID] = {}

        def as_uuid(value: Any) -> uuid.UUID:
            if isinstance(value, uuid.UUID):
                return value
            found = cache.get(value)
            if found is None:
                found = cache[value] = uuid.UUID(value)
                if len(cache) > 4096:
                    cache.clear()
            return found

        return as_uuid
    if isinstance(column, peewee.DateTimeField):
        return _datetime_value
    if isinstance(column, peewee.DateField):
        return _date_value
    if isinstance(column, peewee.CharField | peewee.TextField | peewee.IntegerField):
        return None
    return column.python_value


def _tag_names(value: str) -> list[str]:
    """The tag names of a row, alphabetically (case-insensitive), from the joined text."""
    return sorted(value.split(TAG_SEPARATOR), key=str.lower)


def _datetime_value(value: Any) -> Any:
    if isinstance(value, str):
        return dt.datetime.fromisoformat(value)
    return value


def _date_value(value: Any) -> Any:
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    return value


def _is_semi_join(condition: Any, model: type[BaseModel]) -> bool:
    return (
        isinstance(condition, peewee.Expression)
        and condition.op == peewee.OP.IN
        and condition.lhs is model.id
        and isinstance(condition.rhs, peewee.SelectBase | peewee.SQL)
        and not isinstance(database.obj, peewee.PostgresqlDatabase)
    )


def _many(sub: Any) -> bool:
    """Whether a semi-join's subquery yields at least ``WALK_MIN_MATCHES`` ids (counts no
    further: an index range of at most that many entries)."""
    if isinstance(sub, peewee.SQL):
        sql, params = f"SELECT 1 FROM ({sub.sql}) LIMIT ?", [*(sub.params or []), 0]
    else:
        inner, inner_params = sub.sql()
        sql, params = f"SELECT 1 FROM ({inner}) LIMIT ?", [*inner_params, 0]
    params[-1] = WALK_MIN_MATCHES
    rows = database.execute_sql(f"SELECT COUNT(*) FROM ({sql})", params).fetchone()
    return int(rows[0]) >= WALK_MIN_MATCHES


def _checked_per_row(condition: Any, model: type[BaseModel]) -> Any:
    """``id IN (subquery)`` as a per-row membership check that SQLite will not drive from."""
    if (
        isinstance(condition, peewee.Expression)
        and condition.op == peewee.OP.IN
        and condition.lhs is model.id
        and not isinstance(database.obj, peewee.PostgresqlDatabase)
    ):
        return peewee.Expression(_unindexed(model.id), peewee.OP.IN, condition.rhs)
    return condition


def _unindexed(column: peewee.Field) -> Any:
    """``column`` in a form SQLite's planner does not take as an index range (unary +)."""
    if isinstance(database.obj, peewee.PostgresqlDatabase):
        return column
    return peewee.NodeList((peewee.SQL("+"), column), glue="")


def _text(value: object, name: str) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | Decimal | float) and not isinstance(value, bool):
        return str(value)
    raise ValidationError(name, f"{name}: filter on some text.")


def _values(value: object) -> list[Any]:
    if isinstance(value, list | tuple | set | frozenset):
        return list(value)
    return [value]


def _check_op(column: peewee.Field, item: Filter, ops: frozenset[str]) -> None:
    if item.op not in ops:
        raise ValidationError(
            item.field, f'"{item.op}" is not a filter for {item.field}; use one of {sorted(ops)}.'
        )


def _text_filter(column: peewee.Field, item: Filter) -> Any:
    _check_op(column, item, TEXT_OPS)
    op, name = item.op, item.field
    blank = (column == "") | column.is_null() if column.null else column == ""
    if op == "is_empty":
        return blank
    if op == "is_set":
        return column > ""
    if op == "in":
        return column.in_([_text(v, name) for v in _values(item.value)])
    text = _text(item.value, name)
    if op == "eq":
        return column == text
    if op == "ne":
        return column != text
    if op == "contains":
        return column.contains(text)
    if isinstance(database.obj, peewee.PostgresqlDatabase) or not text:
        return column.startswith(text)
    # SQLite's LIKE folds ASCII case only; the text with its ASCII letters in upper case is the
    # least of its case variants, so every match sorts at or after it: a lower bound the
    # column's index seeks to (a list sorted by it starts at the matches, not at "A").
    lowest = "".join(c.upper() if c.isascii() else c for c in text)
    return column.startswith(text) & (column >= lowest)


def _ref_id(value: object, name: str) -> Any:
    if value is None or isinstance(value, uuid.UUID):
        return value
    if isinstance(value, peewee.Model):
        return value.get_id()
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise ValidationError(name, f'"{value}" is not the id of a {name}.') from None


def _ref_filter(column: peewee.Field, item: Filter) -> Any:
    _check_op(column, item, REF_OPS)
    if item.op == "is_empty":
        return column.is_null()
    if item.op == "is_set":
        return column.is_null(False)
    wanted = [_ref_id(v, item.field) for v in _values(item.value)]
    ids = [w for w in wanted if w is not None]
    condition = column.in_(ids) if ids else None
    if None in wanted:
        condition = column.is_null() if condition is None else condition | column.is_null()
    if condition is None:
        raise ValidationError(item.field, f"Choose at least one {item.field} to filter on.")
    if item.op == "ne":
        # Records without a reference are "not X" too (unless X is "none").
        return ~condition if None in wanted else column.is_null() | ~condition
    return condition


def _choice_filter(column: peewee.Field, item: Filter, allowed: frozenset[Any]) -> Any:
    _check_op(column, item, REF_OPS)
    if item.op in ("is_empty", "is_set"):
        return column.is_null() if item.op == "is_empty" else column.is_null(False)
    wanted = [getattr(v, "value", v) for v in _values(item.value)]
    unknown = [w for w in wanted if w not in allowed]
    if unknown:
        raise ValidationError(
            item.field,
            f'"{unknown[0]}" is not a {item.field}; use one of {sorted(map(str, allowed))}.',
        )
    if item.op == "ne":
        return column.not_in(wanted)
    return column.in_(wanted)


Bounds = tuple[Any, Any]  # (lowest included, highest excluded); None = open


def _bounds_same(value: Any) -> Bounds:
    return value, value


def _date(value: object, name: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise ValidationError(name, f'"{value}" is not a date; use YYYY-MM-DD.') from None


def _datetime_bounds(value: object, name: str) -> Bounds:
    """A datetime is itself; a date is the whole day (from its midnight to the next)."""
    if isinstance(value, dt.datetime):
        return value, value
    day = _date(value, name)
    start = dt.datetime.combine(day, dt.time())
    return start, start + dt.timedelta(days=1)


def _number(value: object, name: str) -> Decimal:
    if isinstance(value, bool):
        raise ValidationError(name, f"{name}: filter on a number.")
    try:
        return Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise ValidationError(name, f'"{value}" is not a number.') from None


def _ordered_filter(
    column: peewee.Field, item: Filter, bounds: Callable[[object, str], Bounds]
) -> Any:
    """Comparisons on numbers and dates. ``bounds`` turns a value into the range it stands
    for: one point for numbers and dates, a whole day for a date on a date-and-time field."""
    _check_op(column, item, ORDERED_OPS)
    op, name = item.op, item.field
    if op == "is_empty":
        return column.is_null()
    if op == "is_set":
        return column.is_null(False)

    def equal(value: object) -> Any:
        low, high = bounds(value, name)
        return column == low if low == high else (column >= low) & (column < high)

    if op in ("eq", "ne"):
        condition = equal(item.value)
        return condition if op == "eq" else (column.is_null() | ~condition)
    if op == "in":
        values = _values(item.value)
        if not values:
            raise ValidationError(name, f"Give at least one value of {name} to filter on.")
        condition = equal(values[0])
        for value in values[1:]:
            condition = condition | equal(value)
        return condition
    if op == "between":
        if not isinstance(item.value, list | tuple) or len(item.value) != 2:
            raise ValidationError(name, f"{name}: give a lowest and a highest value.")
        low, _ = bounds(item.value[0], name)
        high_low, high = bounds(item.value[1], name)
        upper = column <= high if high_low == high else column < high
        return (column >= low) & upper
    low, high = bounds(item.value, name)
    point = low == high
    if op == "lt":
        return column < low
    if op == "ge":
        return column >= low
    if op == "le":
        return column <= high if point else column < high
    return column > high if point else column >= high
