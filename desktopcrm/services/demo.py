"""Demo data: a realistic, varied CRM filled in seconds, the same every time for one seed.

``fill_demo`` adds demo users (a manager with reports, and others), a second pipeline
("Services"), a few custom fields, then companies with employees, people, leads, deals across
every stage of both pipelines, notes with actions and statuses, tags and custom values. Names
come from Italian, Catalan, Spanish, Polish, Russian, German, English and Japanese pools.

Everything is derived from the seed: record ids too (``_uuid``), and dates from ``today``, so
one seed and one day give the same database. It is written in bulk (``insert_rows``, one
statement per batch, change-log rows alongside); prospect and customer statuses are computed
with the rules of ``contacts.derived_statuses`` while the deals are planned; the search index
is written with the records, batch by batch, from the same entry builders as
``search.reindex_all`` (reading 170,000 records back would take longer than writing them).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import random
import re
import uuid
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import peewee

from desktopcrm.models import (
    ORIGIN,
    Profile,
    User,
    acting_as,
    database,
    utcnow,
    write_transaction,
)
from desktopcrm.models.attachments import RecordTag, Tag
from desktopcrm.models.base import ChangeLog
from desktopcrm.models.custom_fields import CustomField, CustomValue, FieldType
from desktopcrm.models.defaults import create_pipeline
from desktopcrm.models.notes import Note, NoteAction, NoteStatus
from desktopcrm.models.records import (
    Contact,
    CustomerStatus,
    Deal,
    Lead,
    LeadStatus,
    LossReason,
    Pipeline,
    RecordKind,
    Stage,
    StageKind,
)
from desktopcrm.services import custom_fields
from desktopcrm.services.calendar import default_calendar
from desktopcrm.services.contacts import DealSummary, derived_statuses
from desktopcrm.services.demo_activity import DealRef, add_appointments, add_tasks
from desktopcrm.services.importing.writing import bulk_pragmas, encode_changes, insert_rows
from desktopcrm.services.search import (
    IndexEntry,
    RowView,
    bulk_index,
    compact_index,
    contact_entry,
    deal_entry,
    fold,
    lead_entry,
    note_entry,
)
from desktopcrm.services.visibility import require_admin

BATCH = 20_000
ProgressCallback = Callable[[str, int, int], None]

# -- name pools ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Locale:
    first: tuple[str, ...]
    last: tuple[str, ...]
    cities: tuple[str, ...]
    country: str
    phone: str  # country code
    domain: str
    company_forms: tuple[str, ...]
    currency: str
    translit: Callable[[str], str] = field(default=lambda s: s)


def _split(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        _split("a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch - y - e yu ya"),
        strict=True,
    )
)
_KANJI = {
    "佐藤": "sato",
    "鈴木": "suzuki",
    "高橋": "takahashi",
    "田中": "tanaka",
    "伊藤": "ito",
    "渡辺": "watanabe",
    "山本": "yamamoto",
    "中村": "nakamura",
    "小林": "kobayashi",
    "加藤": "kato",
    "陽翔": "haruto",
    "結衣": "yui",
    "蓮": "ren",
    "葵": "aoi",
    "大翔": "hiroto",
    "さくら": "sakura",
    "悠真": "yuma",
    "美咲": "misaki",
}


def _ru(text: str) -> str:
    return "".join(_CYRILLIC.get(ch, ch) for ch in text.lower()).replace("-", "")


def _ja(text: str) -> str:
    return _KANJI.get(text, "tanaka")


LOCALES = (
    _Locale(
        _split("Giulia Marco Francesca Alessandro Chiara Luca Sofia Matteo Elena Davide Sara"),
        _split("Rossi Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo Conti Esposito"),
        _split("Milano Roma Torino Bologna Firenze Napoli Verona Padova"),
        "Italy",
        "39",
        "it",
        _split("S.p.A. S.r.l."),
        "EUR",
    ),
    _Locale(
        _split("Jordi Núria Pere Montserrat Marc Laia Oriol Mireia Arnau Roser Pau Gemma"),
        _split("Puig Vidal Soler Ferrer Roca Serra Pujol Font Casals Vilà Bosch Mas"),
        _split("Barcelona Girona Lleida Tarragona Sabadell Manresa Reus Vic"),
        "Spain",
        "34",
        "cat",
        _split("SL SA"),
        "EUR",
    ),
    _Locale(
        _split("José Lucía Javier Carmen Alejandro María Pablo Elena Sergio Marta Álvaro"),
        _split("García Fernández González Rodríguez López Martínez Sánchez Pérez Gómez Núñez"),
        _split("Madrid Sevilla Valencia Zaragoza Málaga Bilbao Valladolid Córdoba"),
        "Spain",
        "34",
        "es",
        _split("SL SA"),
        "EUR",
    ),
    _Locale(
        _split("Anna Piotr Katarzyna Krzysztof Małgorzata Tomasz Agnieszka Paweł Zofia Łukasz"),
        _split("Nowak Kowalski Wiśniewski Wójcik Kowalczyk Kamiński Lewandowski Zieliński"),
        _split("Warszawa Kraków Łódź Wrocław Poznań Gdańsk Szczecin Lublin"),
        "Poland",
        "48",
        "pl",
        _split("sp.z.o.o. S.A."),
        "PLN",
    ),
    _Locale(
        _split("Александр Мария Дмитрий Анна Сергей Екатерина Андрей Ольга Иван Наталья"),
        _split("Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров"),
        _split("Москва Санкт-Петербург Новосибирск Екатеринбург Казань Самара"),
        "Russia",
        "7",
        "ru",
        _split("ООО АО"),
        "EUR",
        _ru,
    ),
    _Locale(
        _split("Lukas Anna Jonas Lea Felix Laura Maximilian Sophie Paul Marie Jürgen Uwe"),
        _split("Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann"),
        _split("Berlin München Hamburg Köln Frankfurt Stuttgart Düsseldorf Leipzig"),
        "Germany",
        "49",
        "de",
        _split("GmbH AG KG"),
        "EUR",
    ),
    _Locale(
        _split("Oliver Emma James Olivia William Amelia Harry Isla George Ava Jack Grace"),
        _split("Smith Jones Taylor Brown Williams Wilson Johnson Davies Evans Thomas O'Brien"),
        _split("London Manchester Leeds Bristol Edinburgh Dublin Boston Chicago Seattle"),
        "United Kingdom",
        "44",
        "co.uk",
        _split("Ltd plc Inc."),
        "GBP",
    ),
    _Locale(
        _split("陽翔 結衣 蓮 葵 大翔 さくら 悠真 美咲"),
        _split("佐藤 鈴木 高橋 田中 伊藤 渡辺 山本 中村 小林 加藤"),
        _split("東京 大阪 横浜 名古屋 札幌 福岡 京都 神戸"),
        "Japan",
        "81",
        "jp",
        _split("株式会社 合同会社"),
        "JPY",
        _ja,
    ),
)

COMPANY_WORDS = _split(
    "Nord Sud Alpha Delta Orion Atlas Vega Iberia Baltic Adria Nova Terra Aqua Sol Luna "
    "Vertex Apex Summit Harbor Bridge Pioneer Cedar Maple Quantum Solar Vector Prime Union"
)
COMPANY_TRADES = _split(
    "Logistics Foods Systems Components Textiles Pharma Energy Motors Consulting Software "
    "Plastics Metals Design Robotics Packaging Ceramics Furniture Labs Media Trading"
)
TITLES = _split(
    "CEO CTO CFO Buyer Purchasing_manager Sales_director Office_manager Engineer Owner "
    "Operations_lead Marketing_manager Procurement_specialist"
)
INDUSTRIES = _split(
    "Manufacturing Retail Logistics Healthcare Software Construction Food Energy Finance "
    "Education Hospitality Automotive"
)
TAGS = (
    "VIP",
    "Trade fair 2024",
    "Newsletter",
    "Partner",
    "Referral",
    "Key account",
    "Export",
    "Follow up",
    "Webinar",
    "Cold",
    "Distributor",
    "Tender",
)
SOURCES = _split("Website Referral Trade_fair Cold_call Email_campaign LinkedIn Partner Webinar")
DEAL_PRODUCTS = _split(
    "Forklifts Pallet_racks Conveyor_belts Packaging_line Maintenance_contract Software_licences "
    "Consulting_days Training Spare_parts Cloud_hosting Installation Audit"
)
NOTE_TEXTS = (
    "Called {name}, asked for a quote on {product}.",
    "Sent the price list and the catalogue to {name}.",
    "{name} wants a demo next week; prepare samples.",
    "Meeting in {city}: budget approved, waiting for the order.",
    "No answer, try again on Monday.",
    "Chiamato {name}: interessati a {product}, richiamare a fine mese.",
    "Trucada amb {name}: volen una oferta per {product}.",
    "Rozmowa z {name}: prosi o ofertę na {product}.",
    "Позвонил {name}: запросили предложение на {product}.",
    "Anruf bei {name}: Angebot für {product} gewünscht.",
    "{name}さんに電話。{product}の見積もりを送る。",
)
DEMO_USERS = (
    ("Marta Ferrer", "marta.ferrer@demo.example", Profile.MANAGER, None),
    ("Jan Kowalski", "jan.kowalski@demo.example", Profile.USER, "Marta Ferrer"),
    ("Yuki Tanaka", "yuki.tanaka@demo.example", Profile.USER, "Marta Ferrer"),
    ("Luca Bianchi", "luca.bianchi@demo.example", Profile.USER, "Marta Ferrer"),
    ("Olga Ivanova", "olga.ivanova@demo.example", Profile.USER, None),
)


# -- helpers ---------------------------------------------------------------------------------


_ID_STEP = 0x9E3779B97F4A7C15F39CC0605CEDC835  # odd: index -> id is one to one


@functools.cache
def _id_base(seed: int, kind: str) -> int:
    return int.from_bytes(hashlib.blake2b(f"{seed}:{kind}".encode(), digest_size=16).digest())


def _uuid(seed: int, kind: str, index: int) -> uuid.UUID:
    """A record id derived from the seed, so the same seed gives the same ids."""
    return uuid.UUID(int=(_id_base(seed, kind) + index * _ID_STEP) % (1 << 128), version=4)


_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def _ascii(text: str) -> str:
    return _NOT_ALNUM.sub("", fold(text))


@dataclass
class DemoResult:
    """What ``fill_demo`` created."""

    users: int = 0
    companies: int = 0
    people: int = 0
    leads: int = 0
    deals: int = 0
    notes: int = 0
    indexed: int = 0
    tasks: int = 0
    appointments: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


#: The fields a demo record's change-log row carries (enough for the activity feed; logging
#: every column of 200,000 records would double the time the demo takes).
_LOGGED = ("name", "first_name", "last_name", "company_name", "email", "stage", "owner", "body")


class _Writer:
    """Batched rows per model, each record's change-log row alongside, written in order."""

    def __init__(self, actor_id: uuid.UUID, now: dt.datetime) -> None:
        self.actor_id = actor_id
        self.now = now
        self.rows: dict[type[Any], list[dict[str, Any]]] = {}
        self.log: list[dict[str, Any]] = []
        self.entries: list[IndexEntry] = []
        self.last: dict[str, Any] = {}
        self.indexed = 0
        self.pending = 0

    def add(
        self,
        model: type[Any],
        row: dict[str, Any],
        logged: bool = True,
        *,
        by: uuid.UUID | None = None,
        at: dt.datetime | None = None,
        logged_fields: Sequence[str] = _LOGGED,
    ) -> None:
        """Stage ``row``; a logged row's insert is credited to ``by`` (default: its owner or
        author) at ``at`` (default: when it was created, never later than now), so the
        activity feed tells the demo office's story."""
        if self.pending >= BATCH:
            self.flush()  # first: the row added last stays pending (callers may amend it)
        self.rows.setdefault(model, []).append(row)
        if logged:
            self.last = row
            changes = {
                k: str(v) if type(v) is uuid.UUID else v
                for k in logged_fields
                if (v := row.get(k)) not in (None, "")
            }
            who = by or row.get("owner") or row.get("author") or self.actor_id
            when = at or row.get("created_at")
            self.log_row(model._meta.table_name, row["id"], "insert", 1, changes, who, when)
        self.pending += 1

    def log_row(
        self,
        table: str,
        row_id: uuid.UUID,
        operation: str,
        version: int,
        changes: dict[str, Any],
        by: uuid.UUID,
        at: dt.datetime | None,
    ) -> None:
        when = min(at or self.now, self.now)
        self.log.append(
            {
                "table_name": table,
                "row_id": row_id,
                "operation": operation,
                "version": version,
                "changes": encode_changes(changes),
                "user_id": by,
                "origin": ORIGIN,
                "at": when,
            }
        )

    def log_update(
        self,
        table: str,
        row_id: uuid.UUID,
        version: int,
        changes: dict[str, Any],
        by: uuid.UUID,
        at: dt.datetime,
    ) -> None:
        """A change made after the insert (a deal closed, a task done), logged when it was."""
        self.log_row(table, row_id, "update", version, changes, by, at)

    def flush(self) -> None:
        with write_transaction():
            for model, rows in self.rows.items():
                insert_rows(model, rows)
            insert_rows(ChangeLog, self.log)
            self.indexed += bulk_index(self.entries)
        self.rows = {}
        self.log = []
        self.entries = []
        self.pending = 0


def _record(row_id: uuid.UUID, created: dt.datetime, **values: Any) -> dict[str, Any]:
    return {
        "id": row_id,
        "created_at": created,
        "updated_at": created,
        "version": 1,
        "deleted_at": None,
        **values,
    }


# -- setup -----------------------------------------------------------------------------------


def _ensure_users(actor: User) -> list[User]:
    users: dict[str, User] = {}
    with write_transaction(), acting_as(actor.id):
        for name, email, profile, manager in DEMO_USERS:
            user = User.live().where(User.email == email).first()
            if user is None:
                user = User(
                    name=name,
                    email=email,
                    profile=profile.value,
                    reports_to=users[manager].id if manager else None,
                )
                user.save()
            users[name] = user
    return [actor, *users.values()]


def _ensure_fields(actor: User) -> dict[str, CustomField]:
    wanted: tuple[tuple[RecordKind, str, FieldType, list[str]], ...] = (
        (RecordKind.CONTACT, "Industry", FieldType.DROPDOWN, list(INDUSTRIES)),
        (RecordKind.CONTACT, "Employees", FieldType.NUMBER, []),
        (RecordKind.CONTACT, "Renewal date", FieldType.DATE, []),
        (RecordKind.CONTACT, "LinkedIn", FieldType.URL, []),
        (RecordKind.LEAD, "Interest", FieldType.DROPDOWN, list(DEAL_PRODUCTS)),
        (RecordKind.DEAL, "Contract months", FieldType.NUMBER, []),
    )
    result: dict[str, CustomField] = {}
    for entity, name, kind, options in wanted:
        existing = custom_fields.field_by_key(entity, custom_fields.slugify(name))
        if existing is None:
            existing = custom_fields.create_field(
                actor, entity, name, kind, [o.replace("_", " ") for o in options]
            )
        result[f"{entity.value}.{existing.key}"] = existing
    return result


def _options(custom: CustomField) -> list[uuid.UUID]:
    return [o.id for o in custom_fields.options_of(custom)]


def _ensure_services_pipeline(actor: User) -> None:
    if not Pipeline.live().where(Pipeline.name == "Services").exists():
        with write_transaction(), acting_as(actor.id):
            create_pipeline("Services", position=1)


# -- generation ------------------------------------------------------------------------------


@dataclass
class _Plan:
    """What is decided before contacts are written: employers and deal-driven statuses."""

    employer: array[int]  # person index -> company index, or -1
    summaries: dict[int, list[int]]  # contact index -> [open, won, lost]


def _person(rng: random.Random) -> tuple[_Locale, str, str]:
    locale = rng.choice(LOCALES)
    return locale, rng.choice(locale.first), rng.choice(locale.last)


def _phone(rng: random.Random, locale: _Locale) -> str:
    return (
        f"+{locale.phone} {rng.randint(10, 99)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
    )


def fill_demo(
    actor: User,
    *,
    contacts: int = 1000,
    deals: int = 300,
    leads: int = 500,
    seed: int = 1,
    today: dt.date | None = None,
    progress: ProgressCallback | None = None,
) -> DemoResult:
    """Fill the database with demo records (admins only). See the module docstring.

    Args:
        contacts: people and companies together (one in eight is a company).
        deals, leads: how many of each.
        seed: the same seed (and ``today``) gives the same data, ids included.
        progress: called with (stage, done, total) as each kind is written.
    """
    require_admin(actor, "fill the database with demo data")
    if min(contacts, deals, leads) < 0:
        raise ValueError("counts cannot be negative")
    with bulk_pragmas(cache_kib=DEMO_CACHE_KIB):
        with _indexes_built_after():
            result = _fill(actor, contacts, deals, leads, seed, today, progress)
        if not isinstance(database.obj, peewee.PostgresqlDatabase):
            # Table statistics for the query planner: without them SQLite may walk the
            # all-NULL deleted_at index for "live" lists (measured: 2-3x slower list pages).
            database.execute_sql("ANALYZE")
        compact_index()
    return result


#: The tables demo data fills; their secondary indexes are built after the rows (see below).
_BULK_TABLES = (
    "contact",
    "lead",
    "deal",
    "note",
    "custom_value",
    "record_tag",
    "change_log",
    "search_entry",
)
DEMO_CACHE_KIB = 128 * 1024


@contextlib.contextmanager
def _indexes_built_after() -> Iterator[None]:
    """Into an empty SQLite database: drop the secondary indexes of the bulk tables, build
    them again at the end (also on failure), in one sorted pass each.

    Random UUID keys make every insert land somewhere else in each of ~30 indexes; building an
    index from the finished table sorts once (measured: a third of the demo's time).
    """
    db = database.obj
    empty = not any(model.select().exists() for model in (Contact, Lead, Deal, Note))
    if isinstance(db, peewee.PostgresqlDatabase) or not empty:
        yield
        return
    marks = ", ".join("?" * len(_BULK_TABLES))
    indexes = db.execute_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({marks})",
        _BULK_TABLES,
    ).fetchall()
    with write_transaction():
        for name, _ in indexes:
            db.execute_sql(f'DROP INDEX "{name}"')
    try:
        yield
    finally:
        with write_transaction():
            for _, sql in indexes:
                db.execute_sql(sql)


def _fill(
    actor: User,
    contacts: int,
    deals: int,
    leads: int,
    seed: int,
    today: dt.date | None,
    progress: ProgressCallback | None,
) -> DemoResult:
    today = today or dt.date.today()
    anchor = dt.datetime.combine(today, dt.time(9, 0))
    rng = random.Random(seed)
    result = DemoResult()
    users = _ensure_users(actor)
    result.users = len(users) - 1
    owner_ids = [u.id for u in users]
    _ensure_services_pipeline(actor)
    fields = _ensure_fields(actor)
    industry_options = _options(fields["contact.industry"])
    interest_options = _options(fields["lead.interest"])
    tag_ids = []
    with write_transaction(), acting_as(actor.id):
        for name in TAGS:
            tag = Tag.get_or_none(Tag.key == name.lower())
            if tag is None:
                tag = Tag(name=name, key=name.lower())
                tag.save()
            tag_ids.append(tag.id)
    pipelines = list(Pipeline.live().order_by(Pipeline.position))
    stages = {
        p.id: list(Stage.live().where(Stage.pipeline == p.id).order_by(Stage.position))
        for p in pipelines
    }
    reasons = {
        kind: list(LossReason.live().where(LossReason.kind == kind).order_by(LossReason.position))
        for kind in (StageKind.LOST.value, StageKind.UNQUALIFIED.value)
    }
    statuses = list(LeadStatus.live().order_by(LeadStatus.position))
    actions = list(NoteAction.live().order_by(NoteAction.position))
    note_statuses = list(NoteStatus.live().order_by(NoteStatus.position))
    now = utcnow()
    writer = _Writer(actor.id, now)

    n_companies = contacts // 8 if contacts >= 8 else 0
    n_people = contacts - n_companies
    result.companies, result.people = n_companies, n_people

    def company_id(index: int) -> uuid.UUID:
        return _uuid(seed, "company", index)

    def person_id(index: int) -> uuid.UUID:
        return _uuid(seed, "person", index)

    def created_at(days: int) -> dt.datetime:
        return anchor - dt.timedelta(days=rng.randint(0, days), minutes=rng.randint(0, 600))

    def report(stage: str, done: int, total: int) -> None:
        if progress is not None:
            progress(stage, done, total)

    # Plan: who works where, and which deals each contact is in (for statuses).
    employer = array(
        "i",
        (
            rng.randrange(n_companies) if n_companies and rng.random() < 0.7 else -1
            for _ in range(n_people)
        ),
    )
    plan = _Plan(employer, {})
    deal_specs: list[tuple[int, int, int, int]] = []  # (pipeline i, stage i, contact key, kind)
    open_weights = [30, 20, 15, 12, 8, 5]
    for _ in range(deals):
        pipeline_index = 0 if rng.random() < 0.75 or len(pipelines) == 1 else 1
        pipeline_stages = stages[pipelines[pipeline_index].id]
        roll = rng.random()
        if roll < 0.6:
            opens = [i for i, s in enumerate(pipeline_stages) if s.kind == StageKind.OPEN.value]
            stage_index = rng.choices(opens, weights=open_weights[: len(opens)])[0]
        else:
            kind = (
                StageKind.WON.value
                if roll < 0.8
                else StageKind.LOST.value
                if roll < 0.93
                else StageKind.UNQUALIFIED.value
            )
            stage_index = next(i for i, s in enumerate(pipeline_stages) if s.kind == kind)
        stage_kind = pipeline_stages[stage_index].kind
        slot = {StageKind.OPEN.value: 0, StageKind.WON.value: 1}.get(stage_kind, 2)
        if n_people and (not n_companies or rng.random() < 0.7):
            person = rng.randrange(n_people)
            key = person
            plan.summaries.setdefault(key, [0, 0, 0])[slot] += 1
            if employer[person] >= 0:
                company_key = n_people + employer[person]
                plan.summaries.setdefault(company_key, [0, 0, 0])[slot] += 1
        elif n_companies:
            key = n_people + rng.randrange(n_companies)
            plan.summaries.setdefault(key, [0, 0, 0])[slot] += 1
        else:
            key = -1
        deal_specs.append((pipeline_index, stage_index, key, slot))

    fresh = Contact(customer_status=CustomerStatus.NON_CUSTOMER.value)
    derived: dict[tuple[int, ...], tuple[str, str]] = {}

    def statuses_for(key: int) -> tuple[str, str]:
        counts = tuple(plan.summaries.get(key, (0, 0, 0)))
        if counts not in derived:
            summary = DealSummary(open=counts[0], won=counts[1], lost=counts[2])
            prospect, customer = derived_statuses(fresh, summary)
            derived[counts] = (prospect.value, customer.value)
        return derived[counts]

    # Companies.
    company_names: list[str] = []
    person_names: list[str] = []
    for index in range(n_companies):
        locale = rng.choice(LOCALES)
        words = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_TRADES)}"
        if locale.country == "Japan":
            name = f"{rng.choice(locale.company_forms)}{rng.choice(locale.last)}{words}"
        else:
            name = f"{words} {rng.choice(locale.company_forms)}"
        company_names.append(name)
        slug = _ascii(words)
        prospect, customer = statuses_for(n_people + index)
        row_id = company_id(index)
        writer.add(
            Contact,
            _record(
                row_id,
                created_at(900),
                name=name,
                is_company=True,
                first_name="",
                last_name="",
                title="",
                email=f"info@{slug}{index}.{locale.domain}",
                phone=_phone(rng, locale),
                mobile="",
                website=f"https://www.{slug}{index}.{locale.domain}",
                street=f"{rng.randint(1, 200)} {rng.choice(COMPANY_WORDS)} Street",
                city=rng.choice(locale.cities),
                region="",
                postal_code=str(rng.randint(10000, 99999)),
                country=locale.country,
                source=rng.choice(SOURCES).replace("_", " "),
                description="",
                owner=rng.choice(owner_ids),
                company=None,
                prospect_status=prospect,
                customer_status=customer,
            ),
        )
        if industry_options and rng.random() < 0.8:
            _custom(writer, fields["contact.industry"], row_id, option=rng.choice(industry_options))
        if rng.random() < 0.6:
            employees = Decimal(rng.choice((5, 12, 25, 50, 120, 300, 800, 2500)))
            _custom(writer, fields["contact.employees"], row_id, number=employees)
        if rng.random() < 0.3:
            renewal = today + dt.timedelta(days=rng.randint(-60, 400))
            _custom(writer, fields["contact.renewal_date"], row_id, date=renewal)
        tags = _tags(writer, rng, tag_ids, "contact", row_id, 0.25)
        writer.entries.append(contact_entry(RowView(writer.last), "", tags))
        if index % BATCH == 0:
            report("companies", index, n_companies)

    # People.
    for index in range(n_people):
        locale, first, last = _person(rng)
        works_for = employer[index]
        row_id = person_id(index)
        prospect, customer = statuses_for(index)
        local = f"{_ascii(locale.translit(first))}.{_ascii(locale.translit(last))}"
        domain = (
            f"{_ascii(company_names[works_for].split()[0])}{works_for}.{locale.domain}"
            if works_for >= 0
            else rng.choice(("gmail.com", "outlook.com", "yahoo.com", f"mail.{locale.domain}"))
        )
        writer.add(
            Contact,
            _record(
                row_id,
                created_at(900),
                name=f"{first} {last}",
                is_company=False,
                first_name=first,
                last_name=last,
                title=rng.choice(TITLES).replace("_", " "),
                email=f"{local}{index}@{domain}",
                phone=_phone(rng, locale) if rng.random() < 0.8 else "",
                mobile=_phone(rng, locale) if rng.random() < 0.5 else "",
                website="",
                street="",
                city=rng.choice(locale.cities),
                region="",
                postal_code="",
                country=locale.country,
                source=rng.choice(SOURCES).replace("_", " "),
                description="",
                owner=rng.choice(owner_ids),
                company=company_id(works_for) if works_for >= 0 else None,
                prospect_status=prospect,
                customer_status=customer,
            ),
        )
        if rng.random() < 0.1:
            _custom(
                writer,
                fields["contact.linkedin"],
                row_id,
                text=f"https://www.linkedin.com/in/{local.replace('.', '-')}-{index}",
            )
        tags = _tags(writer, rng, tag_ids, "contact", row_id, 0.2)
        employer_name = company_names[works_for] if works_for >= 0 else ""
        writer.entries.append(contact_entry(RowView(writer.last), employer_name, tags))
        person_names.append(f"{first} {last}")
        if index % BATCH == 0:
            report("people", index, n_people)

    # Leads.
    lead_weights = [50, 30, 15] + [5] * (len(statuses) - 3)
    for index in range(leads):
        locale, first, last = _person(rng)
        row_id = _uuid(seed, "lead", index)
        status = rng.choices(statuses, weights=lead_weights[: len(statuses)])[0]
        company = (
            f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_TRADES)} "
            f"{rng.choice(locale.company_forms)}"
            if rng.random() < 0.7
            else ""
        )
        writer.add(
            Lead,
            _record(
                row_id,
                created_at(400),
                first_name=first,
                last_name=last,
                company_name=company,
                title=rng.choice(TITLES).replace("_", " "),
                email=f"{_ascii(locale.translit(first))}.{_ascii(locale.translit(last))}"
                f".{index}@{rng.choice(('gmail.com', 'outlook.com', 'mail.' + locale.domain))}",
                phone=_phone(rng, locale) if rng.random() < 0.7 else "",
                mobile="",
                website="",
                street="",
                city=rng.choice(locale.cities),
                region="",
                postal_code="",
                country=locale.country,
                source=rng.choice(SOURCES).replace("_", " "),
                description="",
                owner=rng.choice(owner_ids),
                status=status.id,
                priority=rng.choice(("A", "B", "C", None, None)),
                converted_at=None,
                converted_contact_id=None,
                converted_company_id=None,
                converted_deal_id=None,
            ),
        )
        if interest_options and rng.random() < 0.5:
            _custom(writer, fields["lead.interest"], row_id, option=rng.choice(interest_options))
        tags = _tags(writer, rng, tag_ids, "lead", row_id, 0.2)
        writer.entries.append(lead_entry(RowView(writer.last), tags))
        if index % BATCH == 0:
            report("leads", index, leads)

    # Deals (and notes on some of them and on some contacts). Tasks, appointments and deal
    # closings draw from their own stream: the records stay the same for a seed.
    story = random.Random(f"{seed}-activity")
    refs: list[DealRef] = []
    positions: dict[uuid.UUID, float] = {}
    note_index = 0
    for index, (pipeline_index, stage_index, key, _) in enumerate(deal_specs):
        pipeline = pipelines[pipeline_index]
        stage = stages[pipeline.id][stage_index]
        row_id = _uuid(seed, "deal", index)
        primary: uuid.UUID | None = None
        contact_name = "someone"
        if 0 <= key < n_people:
            primary = person_id(key)
        elif key >= n_people:
            primary = company_id(key - n_people)
            contact_name = company_names[key - n_people]
        product = rng.choice(DEAL_PRODUCTS).replace("_", " ")
        created = created_at(500)
        closed = stage.kind != StageKind.OPEN.value
        reason = rng.choice(reasons[stage.kind]) if reasons.get(stage.kind) else None
        positions[stage.id] = positions.get(stage.id, 0.0) + 1
        currency = rng.choice(("EUR", "EUR", "EUR", "USD", "GBP", "PLN"))
        writer.add(
            Deal,
            _record(
                row_id,
                created,
                name=f"{product} – {contact_name if key >= n_people else 'order ' + str(index)}",
                value=Decimal(rng.randint(5, 2000) * 50),
                currency=currency,
                probability=None,
                expected_close=today + dt.timedelta(days=rng.randint(-90, 180)),
                owner=rng.choice(owner_ids),
                source=rng.choice(SOURCES).replace("_", " "),
                description="",
                pipeline=pipeline.id,
                stage=stage.id,
                stage_entered_at=created,
                position=positions[stage.id],
                primary_contact=primary,
                lead=None,
                loss_reason=reason.id if reason else None,
                loss_note="",
                closed_at=created + dt.timedelta(days=rng.randint(1, 60)) if closed else None,
            ),
        )
        _history(writer, story, writer.last, stage, stages[pipeline.id], now)
        who = person_names[key] if 0 <= key < n_people else contact_name
        city = story.choice(story.choice(LOCALES).cities)
        refs.append(DealRef(row_id, writer.last["owner"], who, product, city))
        if rng.random() < 0.3:
            months = Decimal(rng.choice((6, 12, 24, 36)))
            _custom(writer, fields["deal.contract_months"], row_id, number=months)
        deal_row = writer.last
        tags = _tags(writer, rng, tag_ids, "deal", row_id, 0.15)
        primary_name = person_names[key] if 0 <= key < n_people else contact_name
        writer.entries.append(deal_entry(RowView(deal_row), primary_name, tags))
        if rng.random() < 0.5:
            _note(
                writer,
                rng,
                seed,
                note_index,
                "deal",
                row_id,
                product,
                contact_name,
                deal_row["name"],
                actions,
                note_statuses,
                owner_ids,
                created,
            )
            note_index += 1
        if index % BATCH == 0:
            report("deals", index, deals)
    for index in range(0, n_people, 20):
        locale = rng.choice(LOCALES)
        _note(
            writer,
            rng,
            seed,
            note_index,
            "contact",
            person_id(index),
            rng.choice(DEAL_PRODUCTS).replace("_", " "),
            rng.choice(locale.cities),
            person_names[index],
            actions,
            note_statuses,
            owner_ids,
            created_at(300),
        )
        note_index += 1
    calendar_id = default_calendar(actor).id
    emails = {u.id: str(u.email or "") for u in users}

    def activity_id(kind: str, index: int) -> uuid.UUID:
        return _uuid(seed, kind, index)

    result.tasks = add_tasks(writer, story, refs, now, activity_id)
    result.appointments = add_appointments(
        writer, story, refs, now, calendar_id, emails, activity_id
    )
    writer.flush()
    result.leads, result.deals, result.notes = leads, deals, note_index
    result.indexed = writer.indexed
    return result


def _history(
    writer: _Writer,
    rng: random.Random,
    row: dict[str, Any],
    stage: Stage,
    stages: Sequence[Stage],
    now: dt.datetime,
) -> None:
    """A closed deal's move to its closed stage, logged by its owner when it closed (never
    in the future); the deal is then at version 2."""
    if row["closed_at"] is None:
        return
    closed = min(row["closed_at"], now - dt.timedelta(minutes=rng.randint(5, 600)))
    closed = max(closed, row["created_at"])
    row.update(closed_at=closed, updated_at=closed, version=2)
    opens = [s for s in stages if s.kind == StageKind.OPEN.value]
    if not opens:
        return
    before = opens[-1] if stage.kind == StageKind.WON.value else rng.choice(opens)
    change = {"stage": [str(before.id), str(stage.id)]}
    writer.log_update("deal", row["id"], 2, change, row["owner"], closed)


def _custom(
    writer: _Writer,
    custom: CustomField,
    record_id: uuid.UUID,
    *,
    text: str | None = None,
    number: Decimal | None = None,
    date: dt.date | None = None,
    option: uuid.UUID | None = None,
) -> None:
    writer.add(
        CustomValue,
        {
            "field": custom.id,
            "record_id": record_id,
            "text_value": text,
            "number_value": number,
            "date_value": date,
            "option": option,
        },
        logged=False,
    )


def _tags(
    writer: _Writer,
    rng: random.Random,
    tag_ids: Sequence[uuid.UUID],
    record_type: str,
    record_id: uuid.UUID,
    chance: float,
) -> list[str]:
    if rng.random() >= chance:
        return []
    chosen = rng.sample(range(len(tag_ids)), rng.choice((1, 1, 2)))
    for position in chosen:
        writer.add(
            RecordTag,
            {"tag": tag_ids[position], "record_type": record_type, "record_id": record_id},
            logged=False,
        )
    return [TAGS[position] for position in chosen]


def _note(
    writer: _Writer,
    rng: random.Random,
    seed: int,
    index: int,
    record_type: str,
    record_id: uuid.UUID,
    product: str,
    name: str,
    on: str,
    actions: Sequence[NoteAction],
    statuses: Sequence[NoteStatus],
    owner_ids: Sequence[uuid.UUID],
    created: dt.datetime,
) -> None:
    body = rng.choice(NOTE_TEXTS).format(name=name, product=product.lower(), city=name)
    writer.add(
        Note,
        _record(
            _uuid(seed, "note", index),
            created,
            record_type=record_type,
            record_id=record_id,
            body=body,
            action=rng.choice(actions).id if actions and rng.random() < 0.8 else None,
            status=rng.choice(statuses).id if statuses and rng.random() < 0.8 else None,
            author=rng.choice(owner_ids),
        ),
    )
    writer.entries.append(note_entry(RowView(writer.last), on))


def digest(
    tables: Sequence[str] = ("contact", "lead", "deal", "note", "custom_value", "record_tag"),
) -> str:
    """A hash of the demo tables without timestamps, to compare two databases.

    Ids of things every database creates itself (users, stages, fields, tags...) are replaced
    by their names, so two databases filled with one seed compare equal.
    """
    from desktopcrm.models.custom_fields import CustomFieldOption

    labels: dict[str, str] = {}
    named: Sequence[tuple[Any, str]] = (
        (User, "name"),
        (Pipeline, "name"),
        (LeadStatus, "name"),
        (NoteAction, "name"),
        (NoteStatus, "name"),
        (CustomField, "key"),
        (CustomFieldOption, "label"),
        (Tag, "key"),
    )
    for model, attribute in named:
        for row in model.select():
            labels[row.id.hex] = f"{model.__name__}:{getattr(row, attribute)}"
    for stage in Stage.select(Stage, Pipeline).join(Pipeline):
        labels[stage.id.hex] = f"Stage:{stage.pipeline.name}/{stage.name}"
    for reason in LossReason.select():
        labels[reason.id.hex] = f"LossReason:{reason.kind}/{reason.name}"

    def label(value: Any) -> str:
        text = value.hex if isinstance(value, uuid.UUID) else str(value)
        return labels.get(text.replace("-", ""), text)

    skip = {"created_at", "updated_at", "stage_entered_at", "closed_at"}
    hasher = hashlib.sha256()
    for table in tables:
        columns = [c.name for c in database.get_columns(table)]
        # Plain rows (no version) have autoincrement ids, which differ between databases.
        skip_here = skip if "version" in columns else skip | {"id"}
        keep = [c for c in columns if c not in skip_here]
        select = ", ".join(f'"{c}"' for c in keep)
        rows = sorted(
            repr(tuple(label(v) for v in row))
            for row in database.execute_sql(f'SELECT {select} FROM "{table}"')
        )
        for row in rows:
            hasher.update(row.encode())
    return hasher.hexdigest()
