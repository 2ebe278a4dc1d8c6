"""Which built-in fields a lead, person, company and deal page shows, and with what editor.

A ``FieldSpec`` names a field of the record's model, its label and its kind of editor. Values
go to the services as typed (text stays text): the services validate and say what is wrong,
and the form shows their ``ValidationError`` under the field it names.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from desktopcrm.models.records import Contact, Deal, Lead

#: Editor kinds: text, paragraph, owner, priority, company, date, percent, money, currency.


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    editor: str = "text"
    wide: bool = False
    placeholder: str = ""


_ADDRESS = (
    FieldSpec("street", "Street"),
    FieldSpec("city", "City"),
    FieldSpec("postal_code", "Postal code"),
    FieldSpec("region", "Region"),
    FieldSpec("country", "Country"),
)

LEAD_FIELDS = (
    FieldSpec("first_name", "First name"),
    FieldSpec("last_name", "Last name"),
    FieldSpec("company_name", "Company", placeholder="The company they work for"),
    FieldSpec("title", "Job title"),
    FieldSpec("email", "Email", placeholder="name@example.com"),
    FieldSpec("phone", "Phone"),
    FieldSpec("mobile", "Mobile"),
    FieldSpec("website", "Website", placeholder="https://"),
    FieldSpec("owner", "Owner", "owner"),
    FieldSpec("priority", "Priority", "priority"),
    FieldSpec("source", "Source", placeholder="e.g. Trade fair"),
    *_ADDRESS,
    FieldSpec("description", "Description", "paragraph", wide=True),
)

PERSON_FIELDS = (
    FieldSpec("first_name", "First name"),
    FieldSpec("last_name", "Last name"),
    FieldSpec("company", "Company", "company", placeholder="Type a company name…"),
    FieldSpec("title", "Job title"),
    FieldSpec("email", "Email", placeholder="name@example.com"),
    FieldSpec("phone", "Phone"),
    FieldSpec("mobile", "Mobile"),
    FieldSpec("website", "Website", placeholder="https://"),
    FieldSpec("owner", "Owner", "owner"),
    FieldSpec("source", "Source"),
    *_ADDRESS,
    FieldSpec("description", "Description", "paragraph", wide=True),
)

COMPANY_FIELDS = (
    FieldSpec("name", "Name", wide=True),
    FieldSpec("email", "Email", placeholder="info@example.com"),
    FieldSpec("phone", "Phone"),
    FieldSpec("website", "Website", placeholder="https://"),
    FieldSpec("owner", "Owner", "owner"),
    FieldSpec("source", "Source"),
    *_ADDRESS,
    FieldSpec("description", "Description", "paragraph", wide=True),
)

DEAL_FIELDS = (
    FieldSpec("name", "Name", wide=True),
    FieldSpec("value", "Value", "money", placeholder="0.00"),
    FieldSpec("currency", "Currency", "currency", placeholder="EUR"),
    FieldSpec("probability", "Probability (%)", "percent", placeholder="The stage's default"),
    FieldSpec("expected_close", "Expected close", "date", placeholder="YYYY-MM-DD"),
    FieldSpec("owner", "Owner", "owner"),
    FieldSpec("source", "Source"),
    FieldSpec("description", "Description", "paragraph", wide=True),
)

PRIORITY_CHOICES: list[tuple[str, Any]] = [
    ("None", None),
    ("A · hot", "A"),
    ("B · warm", "B"),
    ("C · cold", "C"),
]


def specs_for(record: Any) -> tuple[FieldSpec, ...]:
    """The fields the page of ``record`` shows."""
    if isinstance(record, Lead):
        return LEAD_FIELDS
    if isinstance(record, Contact):
        return COMPANY_FIELDS if record.is_company else PERSON_FIELDS
    if isinstance(record, Deal):
        return DEAL_FIELDS
    raise TypeError(type(record).__name__)


def raw_of(record: Any, spec: FieldSpec) -> Any:
    """The record's value of ``spec`` in the form its editor shows."""
    if spec.editor == "owner":
        return getattr(record, "owner_id", None)
    if spec.editor == "company":
        return getattr(record, "company_id", None)
    value = getattr(record, spec.name)
    if spec.editor == "priority":
        return value or None
    if value is None:
        return ""
    if spec.editor == "date" and isinstance(value, dt.date):
        return value.isoformat()
    if spec.editor == "money":
        return f"{value:.2f}"
    return str(value)


def service_value(spec: FieldSpec, raw: Any, owners: dict[uuid.UUID, Any]) -> Any:
    """What the record services take for an edited value.

    Text the services must judge (a date, a percentage, an amount) is handed over as typed
    when it cannot be read, so their ``ValidationError`` names the field and says why.
    """
    if spec.editor == "owner":
        return owners.get(raw) if raw is not None else None
    if spec.editor == "company":
        return Contact.get_or_none(Contact.id == raw) if raw is not None else None
    if spec.editor == "date":
        text = str(raw).strip()
        if not text:
            return None
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return text
    if spec.editor == "percent":
        text = str(raw).strip().rstrip("%").strip()
        if not text:
            return None
        try:
            return int(text)
        except ValueError:
            return text
    return raw
