"""Full-text search over leads, contacts, companies, deals and notes.

Every service that writes a searchable record calls ``index_record`` in the same transaction,
so the index never lags behind the records. Bulk writers (import, demo data, repair) build
``IndexEntry`` rows with the same ``*_entry`` functions and hand them to ``bulk_index``; the
text of an entry is therefore built in one place, from the record and what hangs off it
(company, primary contact, tags, phone digits).

Text is folded before it is indexed and before it is searched (accents removed, case folded,
punctuation turned into spaces), so "muller" finds "Müller" on SQLite and on PostgreSQL alike.
The user's input never reaches the query syntax: only its words are kept, each quoted and used
as a prefix ("ann" finds "Anna"; "ann lon" finds "Anna London..." — every word must match).

Ranking, the same on SQLite and PostgreSQL: records whose title equals, then starts with, what
was typed; then titles with a word starting with each word typed; then matches in the rest of
the text; notes after records. Each step is an index lookup that stops at the limit (a title
prefix is a range of the ``title_key`` index): ranking every match by bm25 or ts_rank took
30-60 ms for a two-letter prefix or a common word over 170,000 records.

Visibility: an entry carries its record's owner. A note's entry carries its author; a note is
found by whoever can see its author *or* the record it is on (checked at query time, so a
change of the record's owner needs no re-indexing).
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

import peewee

from desktopcrm.models import User, database
from desktopcrm.models.attachments import RecordTag, Tag
from desktopcrm.models.db import insert_many
from desktopcrm.models.notes import Note
from desktopcrm.models.records import Contact, Deal, Lead
from desktopcrm.models.search import SearchEntry

KINDS = ("lead", "contact", "company", "deal", "note")
MAX_QUERY_WORDS = 8
BATCH = 2000

_NOT_DIGITS = re.compile(r"\D+")
_WORD = re.compile(r"[^\W_]+")
_PHONE_TAIL = 8  # national and international forms of a number share their last digits


@dataclass(frozen=True)
class SearchHit:
    """One search result. ``rank``: higher ranks first (comparable within one search only)."""

    kind: str
    record_id: uuid.UUID
    title: str
    subtitle: str
    rank: float


@dataclass(frozen=True)
class IndexEntry:
    """What the index holds for one record: its kind, owner, display text and searchable text."""

    kind: str
    record_id: uuid.UUID
    owner_id: uuid.UUID | None
    title: str
    subtitle: str
    text: str


# -- text ------------------------------------------------------------------------------------


#: Latin letters that carry their accent inside (Unicode does not decompose them).
_UNDECOMPOSED = str.maketrans(
    {"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ı": "i", "þ": "th", "æ": "ae", "œ": "oe"}
)


class _FoldTable(dict[int, str]):
    """``str.translate`` table that folds each character once, then remembers it."""

    def __missing__(self, codepoint: int) -> str:
        decomposed = unicodedata.normalize("NFKD", chr(codepoint).casefold())
        folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        folded = unicodedata.normalize("NFC", folded).translate(_UNDECOMPOSED)
        self[codepoint] = folded
        return folded


_FOLD = _FoldTable()


def fold(text: str) -> str:
    """Lower-case ``text`` without accents ("Müller" → "muller", "Łódź" → "lodz")."""
    if not text:
        return ""
    if text.isascii():
        return text.lower()
    return text.translate(_FOLD)


def words(text: str) -> list[str]:
    """The folded words of ``text`` (letters and digits; everything else separates words)."""
    return _WORD.findall(fold(text))


def digits(phone: str) -> str:
    """Only the digits of a phone number."""
    return _NOT_DIGITS.sub("", phone or "")


def phone_terms(phone: str) -> list[str]:
    """Searchable forms of a phone number: as written, digits only, and its last digits.

    The last digits let "+39 02 1234 5678" and "02 12345678" find each other (duplicates).
    """
    if not phone:
        return []
    only = digits(phone)
    terms = [phone, only]
    if len(only) > _PHONE_TAIL:
        terms.append(only[-_PHONE_TAIL:])
    return terms


def phone_tail(phone: str) -> str:
    """The digits the index keeps as a separate word for ``phone`` (for duplicate lookups)."""
    only = digits(phone)
    return only[-_PHONE_TAIL:] if len(only) > _PHONE_TAIL else only


def _join(parts: Iterable[str | None]) -> str:
    return " ".join(p for p in parts if p)


def normalize_email(email: str) -> str:
    """The address two spellings of one mailbox share, for duplicate detection.

    Lower-cased and trimmed; a ``+tag`` after the local part is dropped (plus addressing is
    common to Gmail, Outlook, Fastmail, iCloud...); dots in the local part are dropped only
    for Gmail, the one big provider that ignores them (googlemail.com is gmail.com).
    """
    email = (email or "").strip().lower()
    local, at, domain = email.rpartition("@")
    if not at or not local:
        return email
    local = local.split("+", 1)[0] or local
    if domain in ("gmail.com", "googlemail.com"):
        domain = "gmail.com"
        local = local.replace(".", "")
    return f"{local}@{domain}"


def _email_terms(email: str) -> list[str]:
    normal = normalize_email(email)
    return [email, normal] if normal != (email or "").strip().lower() else [email]


def _person_parts(record: Any) -> list[str]:
    return [
        record.first_name,
        record.last_name,
        *_email_terms(record.email),
        *phone_terms(record.phone),
        *phone_terms(record.mobile),
        record.title,
        record.city,
    ]


# The entry builders read attributes only, so they take a model instance or a row (a named
# tuple with the same names, or a ``RowView``) alike: reindexing reads rows, which is many
# times faster.


class RowView(dict[str, Any]):
    """A row (field name -> value) read by attribute, as the entry builders read records: a
    missing name reads ``None``, and ``x_id`` reads the foreign key ``x`` (its id) for the
    keys the builders use. Attribute reads are ``dict.get`` itself, no Python call: the
    builders read 15 attributes per record, 750,000 reads per 50,000 imported records."""

    __slots__ = ()
    __getattr__ = dict.get

    def __init__(self, row: dict[str, Any]) -> None:
        super().__init__(row)
        for key in _FOREIGN_KEYS:
            if key in row:
                self[key + "_id"] = row[key]


#: The foreign keys entry builders read as ``x_id`` (see ``RowView``).
_FOREIGN_KEYS = ("owner", "author", "company", "primary_contact")


def lead_entry(lead: Lead | Any, tags: Sequence[str] = ()) -> IndexEntry:
    """The index entry of a lead."""
    subtitle = " · ".join(p for p in (lead.company_name, lead.email) if p)
    text = _join([*_person_parts(lead), lead.company_name, *tags])
    name = f"{lead.first_name} {lead.last_name}".strip()
    title = name or lead.company_name or lead.email or "(no name)"
    return IndexEntry("lead", lead.id, lead.owner_id, title, subtitle, text)


def contact_entry(
    contact: Contact | Any, company_name: str = "", tags: Sequence[str] = ()
) -> IndexEntry:
    """The index entry of a person or company; ``company_name`` is the employer's name."""
    kind = "company" if contact.is_company else "contact"
    subtitle = " · ".join(p for p in (company_name or contact.title, contact.email) if p)
    text = _join([contact.name, *_person_parts(contact), company_name, contact.website, *tags])
    title = contact.name or contact.email or "(no name)"
    return IndexEntry(kind, contact.id, contact.owner_id, title, subtitle, text)


#: The deal fields ``deal_entry`` reads (with its tags): a write that changes none of them
#: leaves the deal's entry as it is (a move on the board changes none).
DEAL_ENTRY_FIELDS = frozenset({"name", "value", "currency", "owner", "primary_contact"})


def deal_entry(deal: Deal | Any, contact_name: str = "", tags: Sequence[str] = ()) -> IndexEntry:
    """The index entry of a deal; ``contact_name`` is its primary contact's name."""
    subtitle = " · ".join(p for p in (contact_name, f"{deal.value} {deal.currency}") if p)
    text = _join([deal.name, contact_name, *tags])
    return IndexEntry("deal", deal.id, deal.owner_id, deal.name, subtitle, text)


def note_entry(note: Note | Any, on: str = "") -> IndexEntry:
    """The index entry of a note; ``on`` is the title of the record it is on."""
    body = note.body or ""
    title = body.strip().splitlines()[0][:120] if body.strip() else "(empty note)"
    return IndexEntry("note", note.id, note.author_id, title, on, body)


def _tag_names(record_id: uuid.UUID) -> list[str]:
    query = Tag.select(Tag.name).join(RecordTag).where(RecordTag.record_id == record_id)
    return [tag.name for tag in query]


def _contact_name(contact_id: Any) -> str:
    if contact_id is None:
        return ""
    contact = Contact.get_or_none(Contact.id == contact_id)
    return contact.name if contact else ""


def _title_of(record_id: uuid.UUID) -> str:
    entry = SearchEntry.get_or_none(SearchEntry.record_id == record_id)
    return entry.title if entry else ""


def entry_for(record: Any) -> IndexEntry:
    """The index entry of a saved lead, contact, deal or note (looks up names and tags)."""
    if isinstance(record, Lead):
        return lead_entry(record, _tag_names(record.id))
    if isinstance(record, Contact):
        return contact_entry(record, _contact_name(record.company_id), _tag_names(record.id))
    if isinstance(record, Deal):
        return deal_entry(record, _contact_name(record.primary_contact_id), _tag_names(record.id))
    if isinstance(record, Note):
        return note_entry(record, _title_of(record.record_id))
    raise TypeError(f"{type(record).__name__} is not searchable")


# -- writing the index -----------------------------------------------------------------------


def _is_postgres() -> bool:
    return isinstance(database.obj, peewee.PostgresqlDatabase)


def _index_text(entry: IndexEntry) -> tuple[str, str]:
    """(title, body) as stored in the text index: folded words separated by spaces."""
    return " ".join(words(entry.title)), " ".join(words(entry.text))


def index_record(record: Any) -> None:
    """Add or refresh the search entry of ``record`` (call inside the writing transaction).

    A deleted record (or a converted lead) is removed from the index.
    """
    if record.deleted_at is not None or getattr(record, "converted_at", None) is not None:
        remove_from_index(record.id)
        return
    entry = entry_for(record)
    with database.atomic():
        existing = SearchEntry.get_or_none(SearchEntry.record_id == record.id)
        if existing is None:
            bulk_index([entry])
            return
        texts = _index_text(entry)
        SearchEntry.update(
            kind=entry.kind,
            owner_id=entry.owner_id,
            title=entry.title[:400],
            subtitle=entry.subtitle[:400],
            title_key=texts[0][:400],
        ).where(SearchEntry.id == existing.id).execute()
        _write_texts([(int(existing.id), *texts)], replace=True)


def _write_texts(rows: Sequence[tuple[int, str, str]], *, replace: bool) -> None:
    """Write (entry id, title text, body text) into the text index."""
    db = database.obj
    if _is_postgres():
        db.cursor().executemany(
            "UPDATE search_entry SET tsv = setweight(to_tsvector('simple', %s), 'A') || "
            "to_tsvector('simple', %s) WHERE id = %s",
            [(title, body, entry_id) for entry_id, title, body in rows],
        )
        return
    cursor = db.cursor()
    if replace:
        cursor.executemany("DELETE FROM search_fts WHERE rowid = ?", [(row[0],) for row in rows])
    insert_many("search_fts", ("rowid", "title", "body"), rows)


def _new_ids(count: int) -> list[int]:
    """Ids for ``count`` new search entries (call inside the writing transaction)."""
    if _is_postgres():
        cursor = database.execute_sql(
            "SELECT nextval(pg_get_serial_sequence('search_entry', 'id')) "
            "FROM generate_series(1, %s)",
            (count,),
        )
        return [int(row[0]) for row in cursor.fetchall()]
    start = int(SearchEntry.select(peewee.fn.MAX(SearchEntry.id)).scalar() or 0) + 1
    return list(range(start, start + count))


#: The columns ``write_index`` writes (PostgreSQL adds ``tsv``; SQLite writes ``search_fts``).
ENTRY_COLUMNS = ("id", "kind", "record_id", "owner_id", "title", "subtitle", "title_key")


@dataclass(frozen=True)
class IndexRows:
    """Search entries converted for the driver, without their ids yet (``index_rows``)."""

    entries: list[tuple[Any, ...]]  # ENTRY_COLUMNS but the id
    texts: list[tuple[str, str]]  # (title text, body text) of each entry


def index_rows(entries: Iterable[IndexEntry]) -> IndexRows:
    """The rows ``write_index`` writes for ``entries`` (the Python half of indexing)."""
    record_id = SearchEntry.record_id.db_value
    owner_id = SearchEntry.owner_id.db_value
    rows: list[tuple[Any, ...]] = []
    texts: list[tuple[str, str]] = []
    for entry in entries:
        text = _index_text(entry)
        texts.append(text)
        rows.append(
            (
                entry.kind,
                record_id(entry.record_id),
                owner_id(entry.owner_id),
                entry.title[:400],
                entry.subtitle[:400],
                text[0][:400],
            )
        )
    return IndexRows(rows, texts)


def write_index(rows: IndexRows) -> int:
    """Add the entries of ``index_rows`` (records that have none yet); returns how many."""
    if not rows.entries:
        return 0
    with database.atomic():
        ids = _new_ids(len(rows.entries))
        entries = [(i, *row) for i, row in zip(ids, rows.entries, strict=True)]
        if _is_postgres():
            database.obj.cursor().executemany(
                "INSERT INTO search_entry ({}, tsv) VALUES ({}, {})".format(
                    ", ".join(ENTRY_COLUMNS),
                    ", ".join(["%s"] * len(ENTRY_COLUMNS)),
                    "setweight(to_tsvector('simple', %s), 'A') || to_tsvector('simple', %s)",
                ),
                [(*row, *text) for row, text in zip(entries, rows.texts, strict=True)],
            )
        else:
            insert_many("search_entry", ENTRY_COLUMNS, entries)
            _write_texts(
                [(i, *text) for i, text in zip(ids, rows.texts, strict=True)], replace=False
            )
    return len(entries)


def bulk_index(entries: Iterable[IndexEntry]) -> int:
    """Add entries for records that have none yet, in batches; returns how many were added.

    Call inside the transaction that wrote the records (imports, demo data).
    """
    added = 0
    iterator = iter(entries)
    while batch := list(islice(iterator, BATCH)):
        added += write_index(index_rows(batch))
    return added


def remove_from_index(record_id: uuid.UUID) -> None:
    """Drop the search entry of a record (deleted, merged away, converted)."""
    remove_many_from_index([record_id])


def remove_many_from_index(record_ids: Sequence[uuid.UUID]) -> None:
    """Drop the search entries of many records at once (undo of an import)."""
    for start in range(0, len(record_ids), 500):
        chunk = list(record_ids[start : start + 500])
        ids = [
            int(row.id)
            for row in SearchEntry.select(SearchEntry.id).where(SearchEntry.record_id.in_(chunk))
        ]
        if not ids:
            continue
        if not _is_postgres():
            database.obj.cursor().executemany(
                "DELETE FROM search_fts WHERE rowid = ?", [(i,) for i in ids]
            )
        SearchEntry.delete().where(SearchEntry.id.in_(ids)).execute()


def _tags_by_record(record_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    result: dict[uuid.UUID, list[str]] = {}
    query = (
        RecordTag.select(RecordTag.record_id, Tag.name)
        .join(Tag)
        .where(RecordTag.record_id.in_(list(record_ids)))
    )
    for record_id, name in tuples(query):
        result.setdefault(record_id, []).append(name)
    return result


def tuples(query: Any) -> Iterator[tuple[Any, ...]]:
    """Rows of a peewee query as plain tuples."""
    yield from query.tuples()


def _batches(model: Any, columns: Sequence[Any], joins: Any = None) -> Iterator[list[Any]]:
    """Live rows (named tuples of ``columns``) of ``model`` in batches of ``BATCH``, by id.

    Keyset pagination on the primary key keeps memory flat. Deleted rows are skipped here
    rather than in SQL: a ``deleted_at IS NULL`` condition makes SQLite walk the
    ``deleted_at`` index and sort, for every batch.
    """
    last: uuid.UUID | None = None
    while True:
        query = model.select(*columns, model.deleted_at)
        if joins is not None:
            query = joins(query)
        if last is not None:
            query = query.where(model.id > last)
        rows = list(query.order_by(model.id).limit(BATCH).namedtuples())
        if not rows:
            return
        yield [r for r in rows if r.deleted_at is None]
        last = rows[-1].id


_PERSON_COLUMNS = ("first_name", "last_name", "email", "phone", "mobile", "title", "city")


def _columns(model: Any, *names: str) -> list[Any]:
    return [model.id, model.owner.alias("owner_id"), *(getattr(model, n) for n in names)]


def all_entries() -> Iterator[IndexEntry]:
    """The index entries of every live record, built in batches (for ``reindex_all``)."""
    lead_columns = _columns(Lead, *_PERSON_COLUMNS, "company_name", "converted_at")
    for batch in _batches(Lead, lead_columns):
        batch = [r for r in batch if r.converted_at is None]
        tags = _tags_by_record([r.id for r in batch])
        yield from (lead_entry(r, tags.get(r.id, ())) for r in batch)
    employer = Contact.alias("employer")
    columns = [
        *_columns(Contact, *_PERSON_COLUMNS, "name", "is_company", "website"),
        employer.name.alias("employer_name"),
    ]
    for batch in _batches(
        Contact,
        columns,
        lambda q: q.join(employer, peewee.JOIN.LEFT_OUTER, on=(Contact.company == employer.id)),
    ):
        tags = _tags_by_record([r.id for r in batch])
        yield from (contact_entry(r, r.employer_name or "", tags.get(r.id, ())) for r in batch)
    primary = Contact.alias("primary")
    columns = [
        *_columns(Deal, "name", "value", "currency"),
        primary.name.alias("contact_name"),
    ]
    for batch in _batches(
        Deal,
        columns,
        lambda q: q.join(primary, peewee.JOIN.LEFT_OUTER, on=(Deal.primary_contact == primary.id)),
    ):
        tags = _tags_by_record([r.id for r in batch])
        yield from (deal_entry(r, r.contact_name or "", tags.get(r.id, ())) for r in batch)
    note_columns = [Note.id, Note.author.alias("author_id"), Note.body, Note.record_id]
    for batch in _batches(Note, note_columns):
        ids = list({r.record_id for r in batch})
        titles: dict[uuid.UUID, str] = dict(
            tuples(
                SearchEntry.select(SearchEntry.record_id, SearchEntry.title).where(
                    SearchEntry.record_id.in_(ids)
                )
            )
        )
        yield from (note_entry(r, titles.get(r.record_id, "")) for r in batch)


def clear_index() -> None:
    """Empty the search index (entries and text)."""
    if not _is_postgres():
        database.execute_sql("DELETE FROM search_fts")
    SearchEntry.delete().execute()


def reindex_all() -> int:
    """Rebuild the whole index from the records (demo data, import, repair); returns its size."""
    with database.atomic():
        clear_index()
        count = bulk_index(all_entries())
    compact_index()
    return count


def compact_index() -> None:
    """Merge the text index into one segment after bulk writes (SQLite's FTS5 adds a segment
    per write and merges them only in part; every term lookup reads each segment). Measured on
    the 170,000-record demo database: 2.8 s, and a 300-term duplicate lookup 6.6 -> 1.3 ms."""
    if not _is_postgres():
        database.execute_sql("INSERT INTO search_fts(search_fts) VALUES ('optimize')")


# -- matching terms (duplicate candidates) --------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One word that must occur in an entry; ``prefix``: the word may continue."""

    word: str
    prefix: bool = False


def match_records(
    terms: Sequence[Term], kinds: Sequence[str], *, title_only: bool = False, limit: int = 200
) -> list[uuid.UUID]:
    """Ids of records of ``kinds`` whose entry has every one of ``terms`` (an index lookup).

    Used to find duplicate candidates without reading whole tables; ``title_only`` restricts
    the match to the entry's title (the record's name).
    """
    return match_any([terms], kinds, title_only=title_only, limit=limit)


def match_any(
    groups: Sequence[Sequence[Term]],
    kinds: Sequence[str],
    *,
    title_only: bool = False,
    limit: int | None = 200,
) -> list[uuid.UUID]:
    """Ids of records of ``kinds`` whose entry has all the terms of at least one group."""
    cleaned = [[Term(w, t.prefix) for t in group for w in words(t.word)[:1]] for group in groups]
    cleaned = [group for group in cleaned if group]
    if not cleaned or not kinds:
        return []
    kind_list = list(kinds)
    if _is_postgres():
        limit_sql = f" ORDER BY ts_rank(se.tsv, q) DESC LIMIT {int(limit)}" if limit else ""
        weight = "A" if title_only else ""
        query = " | ".join(
            "(" + " & ".join(f"'{t.word}':{'*' if t.prefix else ''}{weight}" for t in g) + ")"
            for g in cleaned
        )
        marks = ", ".join(["%s"] * len(kind_list))
        sql = (
            "SELECT se.record_id FROM search_entry se, to_tsquery('simple', %s) q "
            f"WHERE se.tsv @@ q AND se.kind IN ({marks}){limit_sql}"
        )
    else:
        query = " OR ".join(
            "(" + " AND ".join(f'"{t.word}"{"*" if t.prefix else ""}' for t in g) + ")"
            for g in cleaned
        )
        if title_only:
            query = f"title : ({query})"
        limit_sql = f" ORDER BY bm25(search_fts) LIMIT {int(limit)}" if limit else ""
        marks = ", ".join(["?"] * len(kind_list))
        sql = (
            "SELECT se.record_id FROM search_fts JOIN search_entry se "
            f"ON se.id = search_fts.rowid WHERE search_fts MATCH ? AND se.kind IN ({marks})"
            f"{limit_sql}"
        )
    rows = database.execute_sql(sql, (query, *kind_list)).fetchall()
    return [_uuid(row[0]) for row in rows]


# -- searching -------------------------------------------------------------------------------


def _visible_owners(user: User) -> set[uuid.UUID] | None:
    from desktopcrm.services.visibility import visible_owner_ids

    return visible_owner_ids(user)


def _uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _title_boost(title: str, typed: str, first_word: str) -> int:
    folded = " ".join(words(title))
    if folded == typed:
        return 3
    if folded.startswith(typed):
        return 2
    return 1 if any(w.startswith(first_word) for w in folded.split()) else 0


def _visibility_sql(owners: set[uuid.UUID], mark: str) -> tuple[str, list[Any]]:
    """SQL (and parameters) that keeps the entries whose owner, or note's record, is visible."""
    values = [SearchEntry.owner_id.db_value(owner) for owner in sorted(owners)] or [None]
    marks = ", ".join([mark] * len(values))
    records = " OR ".join(
        f"EXISTS (SELECT 1 FROM {table} r WHERE r.id = n.record_id AND r.owner_id IN ({marks}))"
        for table in ("lead", "contact", "deal")
    )
    sql = (
        f"(se.owner_id IN ({marks}) OR (se.kind = 'note' AND EXISTS ("
        f"SELECT 1 FROM note n WHERE n.id = se.record_id AND ({records}))))"
    )
    return sql, values * 4


def search(
    user: User, text: str, limit: int = 20, kinds: Iterable[str] | None = None
) -> list[SearchHit]:
    """Records ``user`` may see whose text matches every word of ``text`` as a prefix.

    Args:
        user: whose visibility applies (own records, reports' records, or everything).
        text: what was typed; any characters are safe (only its words are searched).
        limit: at most this many hits, best first.
        kinds: restrict to some of ``KINDS`` (e.g. ``["contact", "company"]``).
    """
    terms = words(text)[:MAX_QUERY_WORDS]
    if not terms or limit <= 0:
        return []
    wanted = [k for k in (kinds or KINDS) if k in KINDS]
    if not wanted:
        return []
    owners = _visible_owners(user)
    postgres = _is_postgres()
    mark = "%s" if postgres else "?"
    where: list[str] = []
    params: list[Any] = []
    if len(wanted) < len(KINDS):
        where.append(f"se.kind IN ({', '.join([mark] * len(wanted))})")
        params.extend(wanted)
    if owners is not None:
        clause, values = _visibility_sql(owners, mark)
        where.append(clause)
        params.extend(values)
    extra = "".join(f" AND {clause}" for clause in where)
    return _search_tiers(terms, limit, extra, params, postgres)


def _search_tiers(
    terms: Sequence[str], limit: int, extra: str, params: Sequence[Any], postgres: bool
) -> list[SearchHit]:
    """The best ``limit`` matches, looked up in order of quality.

    Two letters match tens of thousands of entries, a common word thousands, and ranking them
    all (bm25, ts_rank) costs more than the user waits for a keystroke; so each step stops at
    ``limit``: records whose title starts with what was typed (a range of the
    ``title_key`` index, alphabetical: an exact title first), then titles with words starting
    with every word typed, then entries with those words anywhere (both in the text index's
    order, no ranking over all matches). Notes rank below records of the same kind of match.
    """
    typed = " ".join(terms)
    columns = "se.kind, se.record_id, se.title, se.subtitle"
    mark = "%s" if postgres else "?"
    key = 'se.title_key COLLATE "C"' if postgres else "se.title_key"
    sql = (
        f"SELECT {columns} FROM search_entry se WHERE {key} >= {mark} AND {key} < {mark}"
        f" AND se.kind <> 'note'{extra} ORDER BY {key} LIMIT {mark}"
    )
    rows = list(database.execute_sql(sql, (typed, typed + "\U0010ffff", *params, limit)))
    found = {row[1] for row in rows}
    for title_only in (True, False):
        if len(rows) >= limit:
            break
        wanted = limit + len(found)
        if postgres:
            weight = "A" if title_only else ""
            query = " & ".join(f"'{term}':*{weight}" for term in terms)
            sql = (
                f"SELECT {columns} FROM search_entry se WHERE se.tsv @@ "
                f"to_tsquery('simple', %s){extra} LIMIT %s"
            )
        else:
            query = " ".join(f'"{term}"*' for term in terms)
            if title_only:
                query = f"title : ({query})"
            sql = (
                f"SELECT {columns} FROM search_fts JOIN search_entry se "
                f"ON se.id = search_fts.rowid WHERE search_fts MATCH ?{extra} LIMIT ?"
            )
        for row in database.execute_sql(sql, (query, *params, wanted)):
            if row[1] not in found:
                found.add(row[1])
                rows.append(row)
    hits = [
        SearchHit(
            kind=row[0],
            record_id=_uuid(row[1]),
            title=row[2],
            subtitle=row[3],
            rank=_title_boost(row[2], typed, terms[0]) * 1000.0
            - (500.0 if row[0] == "note" else 0.0)
            - order,
        )
        for order, row in enumerate(rows)
    ]
    hits.sort(key=lambda hit: hit.rank, reverse=True)
    return hits[:limit]
