"""Mail templates: ``{first_name}``-style fields filled from a lead, contact or deal.

``{{`` and ``}}`` write literal braces. A field the record does not have stays visible in the
text as typed (``{frist_name}``) and is reported, so the user sees it before sending; a field
the record has but is empty for it becomes "" and is reported as empty.

Fields: the person's (``first_name``, ``last_name``, ``name``, ``email``, ``phone``,
``mobile``, ``title``, ``city``, ``country``, ...), ``company`` (a lead's company name, a
person's employer, a company's own name), ``owner_name`` / ``owner_first_name`` /
``owner_email`` (the record's owner), ``my_name`` / ``my_first_name`` / ``my_email`` (who
sends), for deals ``deal_name``, ``deal_value``, ``stage``, ``pipeline``, ``expected_close``
plus the fields of the deal's primary contact (or its lead), and every custom field by key.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from desktopcrm.models import User
from desktopcrm.models.mail_templates import MailTemplate
from desktopcrm.models.records import (
    PERSON_FIELDS,
    Contact,
    Deal,
    Lead,
    Pipeline,
    Stage,
    record_kind,
)
from desktopcrm.services import custom_fields
from desktopcrm.services.board import format_money
from desktopcrm.services.errors import PermissionDenied, ValidationError
from desktopcrm.services.record_details import display_value
from desktopcrm.services.records import writing

__all__ = [
    "FIELD_HELP",
    "RenderedTemplate",
    "available_fields",
    "can_edit",
    "delete_template",
    "render",
    "render_template",
    "save_template",
    "template_fields",
    "templates_for",
]

_FIELD = re.compile(r"\{\{|\}\}|\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}")
_PERSON_TEXT = tuple(f for f in PERSON_FIELDS if f not in ("description", "source"))


@dataclass(frozen=True)
class RenderedTemplate:
    """The filled-in text and what could not be filled."""

    text: str
    unknown_fields: tuple[str, ...]  # not fields of this record: left in the text as typed
    empty_fields: tuple[str, ...]  # fields of the record without a value: now ""


def template_fields(
    record: Lead | Contact | Deal, *, sender: User | None = None, locale: str = "en_US"
) -> dict[str, str]:
    """Every field a template can use for ``record``, with its value as text."""
    values: dict[str, str] = {}
    if isinstance(record, Deal):
        values.update(_deal_fields(record, locale))
        person: Lead | Contact | None = None
        if record.primary_contact_id:
            person = Contact.get_or_none(Contact.id == record.primary_contact_id)
        elif record.lead_id:
            person = Lead.get_or_none(Lead.id == record.lead_id)
        if person is not None:
            values = {**_person_fields(person), **values}
        else:
            values = {**{f: "" for f in (*_PERSON_TEXT, "name", "company")}, **values}
    else:
        values.update(_person_fields(record))
    values.update(_user_fields("owner", _user(record.owner_id)))
    values.update(_user_fields("my", sender))
    custom = custom_fields.get_values(record_kind(record), record.id)
    for field in custom_fields.fields_of(record_kind(record)):
        values.setdefault(field.key, display_value(custom.get(field.key)))
    return values


def render(
    text: str,
    record: Lead | Contact | Deal,
    *,
    sender: User | None = None,
    html_escape: bool = False,
    locale: str = "en_US",
) -> RenderedTemplate:
    """Fill the ``{fields}`` of ``text`` from ``record``; ``html_escape`` for HTML bodies."""
    return fill(text, template_fields(record, sender=sender, locale=locale), html_escape)


def fill(text: str, values: Mapping[str, str], html_escape: bool = False) -> RenderedTemplate:
    """Fill ``text`` from ``values`` (see ``render``); the pure part, for previews."""
    unknown: list[str] = []
    empty: list[str] = []

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token in ("{{", "}}"):
            return token[0]
        name = match.group(1).lower()
        if name not in values:
            unknown.append(match.group(1))
            return token
        value = values[name]
        if not value:
            empty.append(name)
        return html.escape(value) if html_escape else value

    result = _FIELD.sub(replace, text)
    return RenderedTemplate(result, tuple(dict.fromkeys(unknown)), tuple(dict.fromkeys(empty)))


def render_template(text: str, record: Lead | Contact | Deal) -> str:
    """``text`` with the fields of ``record`` filled in (unknown ones left as typed)."""
    return render(text, record).text


def _person_fields(person: Lead | Contact) -> dict[str, str]:
    values = {name: str(getattr(person, name) or "") for name in _PERSON_TEXT}
    full = f"{person.first_name} {person.last_name}".strip()
    if isinstance(person, Lead):
        values["company"] = person.company_name
        values["name"] = full
    elif person.is_company:
        values["company"] = person.name
        values["name"] = person.name
    else:
        employer = (
            Contact.get_or_none(Contact.id == person.company_id) if person.company_id else None
        )
        values["company"] = employer.name if employer is not None else ""
        values["name"] = full or person.name
    values["full_name"] = values["name"]
    return values


def _deal_fields(deal: Deal, locale: str) -> dict[str, str]:
    stage = Stage.get_or_none(Stage.id == deal.stage_id)
    pipeline = Pipeline.get_or_none(Pipeline.id == deal.pipeline_id)
    return {
        "deal_name": deal.name,
        "deal_value": format_money(deal.value, deal.currency, locale),
        "currency": deal.currency,
        "stage": stage.name if stage else "",
        "pipeline": pipeline.name if pipeline else "",
        "expected_close": deal.expected_close.isoformat() if deal.expected_close else "",
    }


def _user(user_id: Any) -> User | None:
    return User.get_or_none(User.id == user_id) if user_id else None


def _user_fields(prefix: str, user: User | None) -> dict[str, str]:
    name = user.name if user is not None else ""
    return {
        f"{prefix}_name": name,
        f"{prefix}_first_name": name.split()[0] if name.split() else "",
        f"{prefix}_email": (user.email or "") if user is not None else "",
    }


# --------------------------------------------------------------------------- stored templates

#: The fields every template can use, with what they hold (custom fields come on top).
FIELD_HELP: tuple[tuple[str, str], ...] = (
    ("first_name", "the person's first name"),
    ("last_name", "the person's last name"),
    ("name", "the person's (or company's) full name"),
    ("company", "the lead's company, the person's employer, or the company itself"),
    ("email", "the person's email address"),
    ("phone", "phone"),
    ("mobile", "mobile phone"),
    ("title", "job title"),
    ("city", "city"),
    ("country", "country"),
    ("deal_name", "the deal's name (deals only)"),
    ("deal_value", "the deal's value with its currency (deals only)"),
    ("stage", "the deal's stage (deals only)"),
    ("pipeline", "the deal's pipeline (deals only)"),
    ("expected_close", "the deal's expected close date (deals only)"),
    ("owner_name", "the record owner's name"),
    ("owner_first_name", "the record owner's first name"),
    ("owner_email", "the record owner's address"),
    ("my_name", "your name"),
    ("my_first_name", "your first name"),
    ("my_email", "your address"),
)


def available_fields() -> list[tuple[str, str]]:
    """Every ``{field}`` a template may use, with a description (custom fields included)."""
    fields = list(FIELD_HELP)
    known = {key for key, _ in fields}
    for kind, word in (("lead", "leads"), ("contact", "contacts"), ("deal", "deals")):
        for field in custom_fields.fields_of(kind):
            if field.key not in known:
                known.add(field.key)
                fields.append((field.key, f"custom field {field.name} ({word})"))
    return fields


def templates_for(user: User) -> list[MailTemplate]:
    """The templates ``user`` can use: their own and the shared ones, by name."""
    return list(
        MailTemplate.live()
        .where((MailTemplate.owner == user.id) | (MailTemplate.shared == True))  # noqa: E712
        .order_by(MailTemplate.name, MailTemplate.created_at)
    )


def can_edit(user: User, template: MailTemplate) -> bool:
    """The owner edits a template; admins edit shared ones (and ones nobody owns) too."""
    if template.owner_id == user.id:
        return True
    return user.is_admin and (template.shared or template.owner_id is None)


def save_template(
    actor: User,
    template: MailTemplate | None,
    *,
    name: str,
    subject: str = "",
    text_body: str = "",
    html_body: str = "",
    shared: bool = False,
) -> MailTemplate:
    """Create (``template`` None) or change a template; a stale copy raises
    ``StaleRecordError`` (someone else saved it meanwhile)."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError("name", "Give the template a name, e.g. 'Follow-up after a call'.")
    if len(name) > 200:
        raise ValidationError("name", "Keep the name under 200 characters.")
    if not (subject.strip() or text_body.strip() or html_body.strip()):
        raise ValidationError("body", "Write a subject or a body: the template is empty.")
    if template is not None and not can_edit(actor, template):
        raise PermissionDenied("This template belongs to someone else; only they can change it.")
    target = template or MailTemplate(owner=actor.id)
    with writing(actor, target):
        target.name = name
        target.subject = " ".join(subject.split())
        target.text_body = text_body
        target.html_body = html_body
        target.shared = shared
        target.save()
    return target


def delete_template(actor: User, template: MailTemplate) -> None:
    """Delete a template (soft: it stays in the change log)."""
    if not can_edit(actor, template):
        raise PermissionDenied("This template belongs to someone else; only they can delete it.")
    with writing(actor, template):
        template.delete_instance()
