"""What the list screens can show: the columns of each kind, the names their references point
at (owners, statuses, stages), and how a value reads and is coloured.

Pure Python (no widgets): the model turns ``Cell`` values into roles, the delegate paints
chips from them. ``Lookups`` is read in a worker together with a list's first rows.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from desktopcrm.models.records import CustomerStatus, ProspectStatus, RecordKind

#: Which RecordKind each list kind opens (``AppContext.open_record``), tags and custom fields.
ENTITY = {
    "lead": RecordKind.LEAD,
    "person": RecordKind.CONTACT,
    "company": RecordKind.CONTACT,
    "deal": RecordKind.DEAL,
}
#: The kind the export service knows each list as.
EXPORT_KIND = {"lead": "lead", "person": "contact", "company": "company", "deal": "deal"}
#: Words for the records of a list ("3 people").
NOUNS = {
    "lead": ("lead", "leads"),
    "person": ("person", "people"),
    "company": ("company", "companies"),
    "deal": ("deal", "deals"),
}


def noun(kind: str, count: int) -> str:
    one, many = NOUNS[kind]
    return f"{count:,} {one if count == 1 else many}"


@dataclass(frozen=True)
class Column:
    """A column a list can show.

    Attributes:
        key: the list engine's column (a field, ``tags``, ``custom:<key>``) or a derived one.
        title: the header.
        needs: the engine columns its value is read from.
        sort: the field a click on the header sorts by (None: not sortable).
        style: how it is drawn: text, chip (a coloured status), tags, owner, money, date,
            datetime, number.
        width: its initial width in pixels.
    """

    key: str
    title: str
    needs: tuple[str, ...] = ()
    sort: str | None = None
    style: str = "text"
    width: int = 140
    custom_type: str = ""

    @property
    def sources(self) -> tuple[str, ...]:
        return self.needs or (self.key,)


def _text(key: str, title: str, width: int = 140) -> Column:
    return Column(key, title, sort=key, width=width)


def _date(key: str, title: str, kind: str = "datetime") -> Column:
    return Column(key, title, sort=key, style=kind, width=110)


_OWNER = Column("owner", "Owner", style="owner", width=150)
_TAGS = Column("tags", "Tags", style="tags", width=170)
_CREATED = _date("created_at", "Created")
_UPDATED = _date("updated_at", "Updated")
_PROSPECT = Column("prospect_status", "Prospect", sort="prospect_status", style="chip", width=120)
_CUSTOMER = Column("customer_status", "Customer", sort="customer_status", style="chip", width=120)

BUILTIN: dict[str, tuple[Column, ...]] = {
    "lead": (
        Column("name", "Name", ("first_name", "last_name"), sort="name", width=190),
        _text("company_name", "Company", 170),
        Column("status", "Status", style="chip", width=135),
        Column("priority", "Priority", sort="priority", style="priority", width=80),
        _text("email", "Email", 210),
        _text("phone", "Phone", 130),
        _OWNER,
        _TAGS,
        _text("source", "Source", 110),
        _text("title", "Title"),
        _text("city", "City", 120),
        _text("country", "Country", 110),
        _CREATED,
        _UPDATED,
    ),
    "person": (
        _text("name", "Name", 190),
        Column("company_name", "Company", ("company", "company_name"), width=170),
        _text("email", "Email", 210),
        _text("phone", "Phone", 130),
        _OWNER,
        _PROSPECT,
        _CUSTOMER,
        _TAGS,
        _text("title", "Title"),
        _text("city", "City", 120),
        _text("country", "Country", 110),
        _text("source", "Source", 110),
        _CREATED,
        _UPDATED,
    ),
    "company": (
        _text("name", "Name", 200),
        _text("email", "Email", 200),
        _text("phone", "Phone", 130),
        _text("website", "Website", 170),
        _OWNER,
        _PROSPECT,
        _CUSTOMER,
        _TAGS,
        _text("city", "City", 120),
        _text("country", "Country", 110),
        _text("source", "Source", 110),
        _CREATED,
        _UPDATED,
    ),
    "deal": (
        _text("name", "Name", 210),
        Column("value", "Value", ("value", "currency"), sort="value", style="money", width=120),
        Column("stage", "Stage", ("stage", "pipeline"), style="chip", width=130),
        Column("contact_name", "Contact", ("primary_contact", "contact_name"), width=170),
        Column("probability", "Prob.", sort="probability", style="number", width=70),
        _date("expected_close", "Expected close", "date"),
        _OWNER,
        _TAGS,
        Column("pipeline", "Pipeline", width=130),
        _text("source", "Source", 110),
        _date("closed_at", "Closed"),
        _CREATED,
        _UPDATED,
    ),
}

#: What a list shows until the user chooses (the first columns of ``BUILTIN``, minus extras).
DEFAULT_KEYS: dict[str, tuple[str, ...]] = {
    "lead": ("name", "company_name", "status", "priority", "email", "phone", "owner", "tags"),
    "person": (
        "name",
        "company_name",
        "email",
        "phone",
        "owner",
        "prospect_status",
        "customer_status",
        "tags",
    ),
    "company": (
        "name",
        "email",
        "phone",
        "city",
        "owner",
        "prospect_status",
        "customer_status",
        "tags",
    ),
    "deal": (
        "name",
        "value",
        "stage",
        "contact_name",
        "expected_close",
        "owner",
        "tags",
    ),
}

_CUSTOM_STYLE = {
    "number": "number",
    "currency": "money",
    "date": "date",
    "checkbox": "check",
    "multiselect": "list",
}


def custom_column(key: str, name: str, field_type: str) -> Column:
    """The column of a custom field (sortable unless multi-select values)."""
    return Column(
        f"custom:{key}",
        name,
        sort=f"custom:{key}",
        style=_CUSTOM_STYLE.get(field_type, "text"),
        width=140,
        custom_type=field_type,
    )


def engine_columns(columns: Sequence[Column]) -> tuple[str, ...]:
    """The list engine's columns the given screen columns need (in order, no repeats)."""
    wanted: list[str] = []
    for column in columns:
        for name in column.sources:
            if name not in wanted:
                wanted.append(name)
    return tuple(wanted)


# --------------------------------------------------------------------------- lookups


@dataclass(frozen=True)
class Chip:
    """A coloured label: text and its colours (None: the theme's neutral chip)."""

    text: str
    fg: str | None = None
    bg: str | None = None
    tone: str = ""  # a theme tone when no colours are set: accent, success, danger, muted


@dataclass
class Lookups:
    """Names and colours of what list rows refer to by id (small tables, read whole)."""

    users: dict[uuid.UUID, str] = field(default_factory=dict)
    lead_statuses: dict[uuid.UUID, Chip] = field(default_factory=dict)
    stages: dict[uuid.UUID, Chip] = field(default_factory=dict)
    pipelines: dict[uuid.UUID, str] = field(default_factory=dict)
    tag_colours: dict[str, str] = field(default_factory=dict)
    active_users: list[tuple[uuid.UUID, str]] = field(default_factory=list)
    #: Live stages in board order: (id, name, kind, pipeline name).
    stage_list: list[tuple[uuid.UUID, str, str, str]] = field(default_factory=list)
    custom_fields: list[CustomInfo] = field(default_factory=list)


@dataclass(frozen=True)
class CustomInfo:
    """A custom field of the list's kind: key, name, type and option labels."""

    key: str
    name: str
    type: str
    options: tuple[str, ...] = ()


def load_lookups(entity: RecordKind | None = None) -> Lookups:
    """Read the lookups (in a worker); ``entity``: also its custom fields."""
    from desktopcrm.models import User
    from desktopcrm.models.attachments import Tag
    from desktopcrm.models.records import LeadStatus, Pipeline, Stage
    from desktopcrm.services import custom_fields

    lookups = Lookups()
    everyone = list(
        User.select(User.id, User.name, User.active, User.deleted_at).order_by(User.name)
    )
    lookups.users = {u.id: u.name for u in everyone}
    lookups.active_users = [(u.id, u.name) for u in everyone if u.active and not u.deleted_at]
    if entity is not None:
        for custom in custom_fields.fields_of(entity):
            labels: tuple[str, ...] = ()
            if custom.type_enum.has_options:
                labels = tuple(o.label for o in custom_fields.options_of(custom))
            lookups.custom_fields.append(CustomInfo(custom.key, custom.name, custom.type, labels))
    for status in LeadStatus.live().order_by(LeadStatus.position):
        lookups.lead_statuses[status.id] = Chip(status.name, status.fg_color, status.bg_color)
    tones = {"open": "accent", "won": "success", "lost": "danger", "unqualified": "muted"}
    lookups.pipelines = {
        p.id: p.name
        for p in Pipeline.select(Pipeline.id, Pipeline.name).order_by(Pipeline.position)
    }
    for stage in Stage.select().order_by(Stage.position):
        lookups.stages[stage.id] = Chip(stage.name, tone=tones.get(stage.kind, "accent"))
        if stage.deleted_at is None and stage.pipeline_id in lookups.pipelines:
            pipeline = lookups.pipelines[stage.pipeline_id]
            lookups.stage_list.append((stage.id, stage.name, stage.kind, pipeline))
    order = list(lookups.pipelines.values())
    lookups.stage_list.sort(key=lambda s: order.index(s[3]))
    lookups.tag_colours = {t.name: t.color for t in Tag.live(Tag.name, Tag.color).order_by(Tag.key)}
    return lookups


_PROSPECT_TONES = {"current": "accent", "lost": "danger", "non_prospect": "muted"}
_CUSTOMER_TONES = {"current": "success", "past": "warning", "non_customer": "muted"}


def chip(column: Column, row: Any, lookups: Lookups) -> Chip | None:
    """The chip a chip column shows for ``row`` (None when blank)."""
    value = row.get(column.key)
    if value is None:
        return None
    if column.key == "status":
        return lookups.lead_statuses.get(value, Chip("?"))
    if column.key == "stage":
        return lookups.stages.get(value, Chip("?"))
    if column.key == "prospect_status":
        return Chip(ProspectStatus(value).label, tone=_PROSPECT_TONES.get(value, "muted"))
    if column.key == "customer_status":
        return Chip(CustomerStatus(value).label, tone=_CUSTOMER_TONES.get(value, "muted"))
    return Chip(str(value))


# --------------------------------------------------------------------------- text


def local_time(value: dt.datetime) -> dt.datetime:
    """A stored (naive UTC) time in the local time zone."""
    return value.replace(tzinfo=dt.UTC).astimezone()


def format_money(amount: Any, currency: str | None = None) -> str:
    if amount is None:
        return ""
    try:
        number = Decimal(str(amount))
    except ArithmeticError:
        return str(amount)
    text = f"{number:,.2f}"
    return f"{text} {currency}".strip() if currency else text


def display(column: Column, row: Any, lookups: Lookups) -> str:
    """The text of ``column`` in ``row`` (what the cell shows, sorts by and exports)."""
    key = column.key
    if key == "name" and "first_name" in column.needs:
        name = f"{row.get('first_name') or ''} {row.get('last_name') or ''}".strip()
        return name or "(no name)"
    value = row.get(key)
    if column.style == "owner":
        return lookups.users.get(value, "") if value is not None else "Unassigned"
    if column.style == "chip":
        found = chip(column, row, lookups)
        return found.text if found else ""
    if key == "pipeline":
        return lookups.pipelines.get(value, "") if value is not None else ""
    if value is None or value == "":
        return ""
    if column.style == "tags" or column.style == "list":
        return ", ".join(str(v) for v in value) if isinstance(value, list | tuple) else str(value)
    if column.style == "money":
        if key == "value":
            return format_money(value, row.get("currency"))
        amount = getattr(value, "amount", value)
        return format_money(amount, getattr(value, "currency", ""))
    if column.style == "datetime" and isinstance(value, dt.datetime):
        return f"{local_time(value):%Y-%m-%d}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if column.style == "check":
        return "Yes" if value else "No"
    if column.style == "number" and key == "probability":
        return f"{value} %"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    return str(value)
