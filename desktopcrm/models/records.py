"""Leads, contacts (people and companies), deals, pipelines and their stages."""

from __future__ import annotations

import enum
import uuid

import peewee

from desktopcrm.models.base import BaseModel
from desktopcrm.models.user import User


class RecordKind(enum.StrEnum):
    """The record kinds notes, tags, documents, custom values and search entries attach to."""

    LEAD = "lead"
    CONTACT = "contact"
    DEAL = "deal"


class ProspectStatus(enum.StrEnum):
    NON_PROSPECT = "non_prospect"
    CURRENT = "current"
    LOST = "lost"

    @property
    def label(self) -> str:
        return {"non_prospect": "Non-prospect", "current": "Current", "lost": "Lost"}[self.value]


class CustomerStatus(enum.StrEnum):
    NON_CUSTOMER = "non_customer"
    CURRENT = "current"
    PAST = "past"

    @property
    def label(self) -> str:
        return {"non_customer": "Non-customer", "current": "Current", "past": "Past"}[self.value]


class StageKind(enum.StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"
    UNQUALIFIED = "unqualified"

    @property
    def is_closed(self) -> bool:
        return self is not StageKind.OPEN


class LeadStatusKind(enum.StrEnum):
    NEW = "new"
    WORKING = "working"
    UNQUALIFIED = "unqualified"
    CUSTOM = "custom"


class LeadStatus(BaseModel):
    """A lead status; ``New`` is always first and the default. Admins add their own."""

    name = peewee.CharField(max_length=100)
    kind = peewee.CharField(max_length=16, default=LeadStatusKind.CUSTOM.value)
    position = peewee.IntegerField(default=0)
    fg_color = peewee.CharField(max_length=9, default="#1f2937")
    bg_color = peewee.CharField(max_length=9, default="#e5e7eb")

    class Meta:
        table_name = "lead_status"


class _Person(BaseModel):
    """Fields that leads and contacts share, so conversion can copy them one to one."""

    first_name = peewee.CharField(max_length=200, default="")
    last_name = peewee.CharField(max_length=200, default="")
    title = peewee.CharField(max_length=200, default="")
    email = peewee.CharField(max_length=320, default="", index=True)
    phone = peewee.CharField(max_length=64, default="", index=True)
    mobile = peewee.CharField(max_length=64, default="")
    website = peewee.CharField(max_length=500, default="")
    street = peewee.CharField(max_length=300, default="")
    city = peewee.CharField(max_length=200, default="")
    region = peewee.CharField(max_length=200, default="")
    postal_code = peewee.CharField(max_length=32, default="")
    country = peewee.CharField(max_length=100, default="")
    source = peewee.CharField(max_length=100, default="")
    description = peewee.TextField(default="")
    owner = peewee.ForeignKeyField(User, null=True, index=True, on_delete="SET NULL")
    owner_id: uuid.UUID | None


#: The fields leads and contacts share (what conversion copies and a merge fills), owner aside.
PERSON_FIELDS: tuple[str, ...] = tuple(
    name
    for name in _Person._meta.sorted_field_names
    if name not in BaseModel.BOOKKEEPING and name != "owner"
)


class Lead(_Person):
    """Someone not yet in the pipeline. Converted leads keep a pointer to what they became."""

    company_name = peewee.CharField(max_length=300, default="", index=True)
    status = peewee.ForeignKeyField(LeadStatus, index=True, on_delete="RESTRICT")
    status_id: uuid.UUID
    priority = peewee.CharField(max_length=1, null=True, index=True)  # A hot, B warm, C cold
    converted_at = peewee.DateTimeField(null=True, index=True)
    # What the lead became (plain ids: deals point back at leads, so no circular constraint).
    converted_contact_id = peewee.UUIDField(null=True)
    converted_company_id = peewee.UUIDField(null=True)
    converted_deal_id = peewee.UUIDField(null=True)

    class Meta:
        table_name = "lead"
        indexes = ((("last_name", "first_name"), False),)

    @property
    def display_name(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        return name or self.company_name or self.email or "(no name)"


class Contact(_Person):
    """A person or a company (``is_company``); a person may work for a company."""

    is_company = peewee.BooleanField(default=False)  # indexed with the list orders below
    name = peewee.CharField(max_length=400, index=True)  # company name, or "First Last"
    company = peewee.ForeignKeyField(
        "self", null=True, backref="employees", index=True, on_delete="SET NULL"
    )
    company_id: uuid.UUID | None
    prospect_status = peewee.CharField(
        max_length=16, default=ProspectStatus.NON_PROSPECT.value, index=True
    )
    customer_status = peewee.CharField(
        max_length=16, default=CustomerStatus.NON_CUSTOMER.value, index=True
    )

    class Meta:
        table_name = "contact"

    @property
    def display_name(self) -> str:
        return self.name or self.email or "(no name)"


class Pipeline(BaseModel):
    """An ordered set of stages deals move through (e.g. products vs services)."""

    name = peewee.CharField(max_length=200)
    currency = peewee.CharField(max_length=3, default="EUR")
    position = peewee.IntegerField(default=0)

    class Meta:
        table_name = "pipeline"


class Stage(BaseModel):
    """A step of a pipeline; the closed ones (won, lost, unqualified) come last."""

    pipeline = peewee.ForeignKeyField(Pipeline, backref="stages", on_delete="CASCADE")
    pipeline_id: uuid.UUID
    name = peewee.CharField(max_length=200)
    kind = peewee.CharField(max_length=16, default=StageKind.OPEN.value)
    position = peewee.IntegerField(default=0)
    probability = peewee.IntegerField(default=10)  # percent, the default for deals here

    class Meta:
        table_name = "stage"
        indexes = ((("pipeline", "position"), False),)

    @property
    def kind_enum(self) -> StageKind:
        return StageKind(self.kind)


class LossReason(BaseModel):
    """Why a deal was lost or unqualified: built-in ones plus the admins' own."""

    name = peewee.CharField(max_length=200)
    kind = peewee.CharField(max_length=16)  # lost / unqualified
    position = peewee.IntegerField(default=0)

    class Meta:
        table_name = "loss_reason"


class Deal(BaseModel):
    """A sales opportunity with a contact (person or company) or a lead."""

    name = peewee.CharField(max_length=300, index=True)
    value = peewee.DecimalField(max_digits=18, decimal_places=2, default=0, auto_round=True)
    currency = peewee.CharField(max_length=3, default="EUR")
    probability = peewee.IntegerField(null=True)  # percent; None follows the stage
    expected_close = peewee.DateField(null=True, index=True)
    owner = peewee.ForeignKeyField(User, null=True, index=True, on_delete="SET NULL")
    source = peewee.CharField(max_length=100, default="")
    description = peewee.TextField(default="")
    pipeline = peewee.ForeignKeyField(Pipeline, index=True, on_delete="RESTRICT")
    stage = peewee.ForeignKeyField(Stage, index=True, on_delete="RESTRICT")
    stage_entered_at = peewee.DateTimeField(null=True)
    position = peewee.FloatField(default=0)  # order within the stage on the board
    primary_contact = peewee.ForeignKeyField(
        Contact, null=True, backref="primary_deals", index=True, on_delete="SET NULL"
    )
    lead = peewee.ForeignKeyField(Lead, null=True, index=True, on_delete="SET NULL")
    loss_reason = peewee.ForeignKeyField(LossReason, null=True, on_delete="SET NULL")
    loss_note = peewee.TextField(default="")
    closed_at = peewee.DateTimeField(null=True, index=True)
    owner_id: uuid.UUID | None
    pipeline_id: uuid.UUID
    stage_id: uuid.UUID
    primary_contact_id: uuid.UUID | None
    lead_id: uuid.UUID | None
    loss_reason_id: uuid.UUID | None

    class Meta:
        table_name = "deal"
        indexes = ((("stage", "position"), False),)


class DealContact(BaseModel):
    """A contact involved in a deal besides (or as well as) its primary contact."""

    deal = peewee.ForeignKeyField(Deal, backref="deal_contacts", on_delete="CASCADE")
    contact = peewee.ForeignKeyField(Contact, backref="deal_links", index=True, on_delete="CASCADE")
    role = peewee.CharField(max_length=100, default="")
    deal_id: uuid.UUID
    contact_id: uuid.UUID

    class Meta:
        table_name = "deal_contact"
        indexes = ((("deal", "contact"), True),)


def record_kind(record: BaseModel) -> RecordKind:
    """The kind notes, tags, documents and custom values use for ``record``."""
    if isinstance(record, Lead):
        return RecordKind.LEAD
    if isinstance(record, Contact):
        return RecordKind.CONTACT
    if isinstance(record, Deal):
        return RecordKind.DEAL
    raise TypeError(f"{type(record).__name__} is not a lead, contact or deal")


RECORD_MODELS: dict[RecordKind, type[BaseModel]] = {
    RecordKind.LEAD: Lead,
    RecordKind.CONTACT: Contact,
    RecordKind.DEAL: Deal,
}


# --------------------------------------------------------------------------- list indexes
# The orders the lists (``services.lists``) read in, over live records only (partial indexes:
# the planner cannot mistake them for a walk through deleted rows). Each ends with the id (the
# tie-break, so keyset paging seeks straight to the next page) and the owner (so a manager's
# or user's list is answered from the index without reading every row). Leads are listed
# without the converted ones unless asked.


def _list_index(model: type[BaseModel], name: str, *columns: str) -> None:
    fields = [model._meta.fields[column] for column in columns]
    live = model.deleted_at.is_null()
    if model is Lead:
        live = live & Lead.converted_at.is_null()
    model.add_index(model.index(*fields, name=name).where(live))


# Filters people often set on their own (the others narrow a list read in one of these orders).
Contact.add_index(Contact.index(Contact.city, name="contact_city"))
Contact.add_index(Contact.index(Contact.country, name="contact_country"))
for _order in ("created_at", "updated_at"):
    _list_index(Contact, f"contact_live_{_order}", "is_company", _order, "id", "owner")
# The default order of people and companies also holds the email, so a ``contains`` filter on
# it (no index can seek to a substring) is checked on index entries, not on table rows.
_list_index(Contact, "contact_live_name", "is_company", "name", "id", "owner", "email")
for _order in ("created_at", "updated_at"):
    _list_index(Lead, f"lead_live_{_order}", _order, "id", "owner")
_list_index(Lead, "lead_live_name", "last_name", "first_name", "id", "owner")
for _order in ("name", "value", "created_at", "updated_at", "expected_close"):
    _list_index(Deal, f"deal_live_{_order}", _order, "id", "owner")
