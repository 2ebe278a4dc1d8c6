"""Contacts: people and companies, employees, and prospect/customer statuses.

Statuses follow the deals a contact is in (as primary contact or as one of the deal's
contacts); a company also follows the deals whose primary contact is one of its employees:

- prospect ``Current`` while any of those deals is open; ``Lost`` when none is open or won but
  one was lost or unqualified; ``Non-prospect`` otherwise (no deals, or only won ones: a won
  contact has become a customer);
- customer ``Current`` once a deal is won; ``Non-customer`` without a won deal; ``Past`` is set
  by hand and sticks (even through deal changes) until a deal is newly won with the contact.

Manual changes that contradict the deals are refused (seed 004): with an open deal, prospect
cannot be ``Non-prospect`` or ``Lost``; with a won deal, prospect cannot be ``Lost`` and
customer cannot be ``Non-customer``. Prospect ``Current`` needs an open deal and customer
``Current`` a won deal. ``Past`` may always be set: it is how a customer from before the CRM
is recorded. Every transition is a ``save()``, so it is in the change log.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import peewee

from desktopcrm.models import User
from desktopcrm.models.records import (
    PERSON_FIELDS,
    Contact,
    CustomerStatus,
    Deal,
    DealContact,
    ProspectStatus,
    Stage,
    StageKind,
)
from desktopcrm.services.errors import ServiceError, ValidationError
from desktopcrm.services.records import (
    DuplicatesFound,
    clean_fields,
    create_record,
    delete_record,
    likely_duplicates,
    live,
    update_record,
    writing,
)
from desktopcrm.services.search import index_record
from desktopcrm.services.visibility import Page, paginate, require_see, scope

#: Fields of a contact that the create/update functions accept.
CONTACT_FIELDS = frozenset({*PERSON_FIELDS, "name", "owner", "company"})


def _full_name(first: str, last: str) -> str:
    return f"{first} {last}".strip()


def _employer(company: Contact | None) -> Contact | None:
    if company is None:
        return None
    company = live(Contact, company.id, "company")
    if not company.is_company:
        raise ValidationError(
            "company", f"{company.name} is a person, not a company: pick a company contact."
        )
    return company


def _check_duplicates(values: Mapping[str, Any], *, company: bool) -> None:
    fields = {k: v for k, v in values.items() if k not in ("owner", "company")}
    matches = likely_duplicates("company" if company else "contact", fields)
    if matches:
        raise DuplicatesFound("company" if company else "person", matches)


def create_person(
    actor: User,
    *,
    first_name: str = "",
    last_name: str = "",
    company: Contact | None = None,
    custom: Mapping[str, object] | None = None,
    tags: Iterable[str] | None = None,
    check_duplicates: bool = True,
    **fields: Any,
) -> Contact:
    """Create a person contact, optionally an employee of ``company``, owned by ``actor``
    unless ``owner`` is given."""
    values = clean_fields(
        Contact,
        {"owner": actor, **fields, "first_name": first_name, "last_name": last_name},
        CONTACT_FIELDS - {"name", "company"},
    )
    name = _full_name(values["first_name"], values["last_name"])
    if not name:
        raise ValidationError("last_name", "Enter the person's first or last name.")
    employer = _employer(company)
    if employer is not None:
        require_see(actor, employer)
    if check_duplicates:
        _check_duplicates({**values, "name": name}, company=False)
    person = Contact(**values, name=name[:400], is_company=False, company=employer)
    with writing(actor):
        create_record(actor, person, custom=custom, tags=tags)
    return person


def create_company(
    actor: User,
    name: str,
    *,
    custom: Mapping[str, object] | None = None,
    tags: Iterable[str] | None = None,
    check_duplicates: bool = True,
    **fields: Any,
) -> Contact:
    """Create a company contact owned by ``actor`` unless ``owner`` is given."""
    values = clean_fields(
        Contact, {"owner": actor, **fields, "name": name}, CONTACT_FIELDS - {"company"}
    )
    if not values["name"]:
        raise ValidationError("name", "Enter the company's name.")
    if check_duplicates:
        _check_duplicates(values, company=True)
    company = Contact(**values, is_company=True)
    with writing(actor):
        create_record(actor, company, custom=custom, tags=tags)
    return company


def update_contact(
    actor: User,
    contact: Contact,
    *,
    custom: Mapping[str, object] | None = None,
    tags: Iterable[str] | None = None,
    **changes: Any,
) -> Contact:
    """Change fields of a person or company as loaded by the caller (a stale copy raises
    ``StaleRecordError``). A person's name follows its first and last name; moving a person to
    another company updates both companies' statuses."""
    allowed = CONTACT_FIELDS - (
        {"company", "first_name", "last_name"} if contact.is_company else {"name"}
    )
    values = clean_fields(Contact, changes, allowed)
    old_company_id = contact.company_id
    if "company" in values:
        values["company"] = _employer(values["company"])
        if values["company"] is not None and values["company"].id != old_company_id:
            require_see(actor, values["company"])
    if not contact.is_company and ({"first_name", "last_name"} & values.keys()):
        first = values.get("first_name", contact.first_name)
        last = values.get("last_name", contact.last_name)
        values["name"] = _full_name(first, last)
        if not values["name"]:
            raise ValidationError("last_name", "Enter the person's first or last name.")
    if contact.is_company and "name" in values and not values["name"]:
        raise ValidationError("name", "Enter the company's name.")
    with writing(actor, contact):
        update_record(actor, contact, values, custom=custom, tags=tags)
        if contact.is_company and "name" in values:
            for employee in Contact.live().where(Contact.company == contact.id):
                index_record(employee)
        if contact.company_id != old_company_id:
            for company_id in (old_company_id, contact.company_id):
                if company_id is not None:
                    recompute_statuses(Contact.get_by_id(company_id))
    return contact


def delete_contact(actor: User, contact: Contact) -> None:
    """Soft-delete a contact; its company's statuses no longer count its deals."""
    with writing(actor, contact):
        delete_record(actor, contact)
        if contact.company_id is not None:
            recompute_statuses(Contact.get_by_id(contact.company_id))


def get_contact(actor: User, contact_id: Any) -> Contact:
    """A live contact ``actor`` may see."""
    contact = live(Contact, contact_id, "contact")
    require_see(actor, contact)
    return contact


def list_contacts(
    actor: User,
    *,
    companies: bool | None = None,
    prospect_status: ProspectStatus | None = None,
    customer_status: CustomerStatus | None = None,
    company: Contact | None = None,
    offset: int = 0,
    limit: int = 200,
) -> Page[Contact]:
    """Live contacts ``actor`` may see, by name, filtered by kind, statuses or employer."""
    query = scope(Contact.live(), Contact, actor)
    if companies is not None:
        query = query.where(Contact.is_company == companies)
    if prospect_status is not None:
        query = query.where(Contact.prospect_status == prospect_status.value)
    if customer_status is not None:
        query = query.where(Contact.customer_status == customer_status.value)
    if company is not None:
        query = query.where(Contact.company == company.id)
    return paginate(query.order_by(Contact.name, Contact.id), offset, limit)


def employees(company: Contact) -> list[Contact]:
    """Live people who work for ``company``, by name."""
    return list(Contact.live().where(Contact.company == company.id).order_by(Contact.name))


# --------------------------------------------------------------------------- statuses


@dataclass(frozen=True)
class DealSummary:
    """Which kinds of deals a contact is in (what its statuses are derived from)."""

    open: int = 0
    won: int = 0
    lost: int = 0  # lost or unqualified

    @property
    def any(self) -> bool:
        return bool(self.open or self.won or self.lost)


def deals_of(contact: Contact) -> peewee.ModelSelect[Deal]:
    """Live deals that count for ``contact``'s statuses (see the module docstring)."""
    linked = DealContact.select(DealContact.deal).where(
        DealContact.contact == contact.id, DealContact.deleted_at.is_null()
    )
    condition = (Deal.primary_contact == contact.id) | Deal.id.in_(linked)
    if contact.is_company:
        staff = Contact.select(Contact.id).where(
            Contact.company == contact.id, Contact.deleted_at.is_null()
        )
        condition |= Deal.primary_contact.in_(staff)
    return Deal.live().where(condition)


def deal_summary(contact: Contact) -> DealSummary:
    """Count the contact's live deals by open / won / lost-or-unqualified."""
    query = (
        deals_of(contact)
        .join(Stage, on=Deal.stage == Stage.id)
        .select(Stage.kind, peewee.fn.COUNT(Deal.id).alias("n"))
        .group_by(Stage.kind)
    )
    rows: Iterable[tuple[str, int]] = query.tuples()  # type: ignore[assignment]
    counts = {kind: int(n) for kind, n in rows}
    return DealSummary(
        open=counts.get(StageKind.OPEN.value, 0),
        won=counts.get(StageKind.WON.value, 0),
        lost=counts.get(StageKind.LOST.value, 0) + counts.get(StageKind.UNQUALIFIED.value, 0),
    )


def derived_statuses(
    contact: Contact, summary: DealSummary, *, newly_won: bool = False
) -> tuple[ProspectStatus, CustomerStatus]:
    """The statuses the deals call for (manual ``Past`` kept unless a deal was newly won)."""
    if summary.open:
        prospect = ProspectStatus.CURRENT
    elif summary.lost and not summary.won:
        prospect = ProspectStatus.LOST
    else:
        prospect = ProspectStatus.NON_PROSPECT
    past = contact.customer_status == CustomerStatus.PAST.value
    if past and not newly_won:
        customer = CustomerStatus.PAST
    elif summary.won:
        customer = CustomerStatus.CURRENT
    else:
        customer = CustomerStatus.NON_CUSTOMER
    return prospect, customer


def recompute_statuses(contact: Contact, *, won_deal: Deal | None = None) -> bool:
    """Bring ``contact``'s prospect/customer statuses in line with its deals, then do the same
    for its company when it is an employee. Call inside the writing transaction.

    ``won_deal``: a deal that was just won, or that the contact was just linked to while won;
    if it counts for the contact, a ``Past`` customer becomes ``Current`` again.
    Returns whether the contact changed.
    """
    contact = Contact.get_by_id(contact.id)
    changed = False
    if contact.deleted_at is None:
        newly_won = (
            won_deal is not None
            and deals_of(contact)
            .join(Stage, on=Deal.stage == Stage.id)
            .where(Deal.id == won_deal.id, Stage.kind == StageKind.WON.value)
            .exists()
        )
        prospect, customer = derived_statuses(contact, deal_summary(contact), newly_won=newly_won)
        contact.prospect_status = prospect.value
        contact.customer_status = customer.value
        changed = bool(contact.save())
    if contact.company_id is not None:
        recompute_statuses(Contact.get_by_id(contact.company_id), won_deal=won_deal)
    return changed


def _fresh_for_status(contact: Contact) -> Contact:
    """Status commands act on the contact as it is now: its deals decide, not a form's copy
    (automatic transitions bump the version whenever a deal moves)."""
    fresh = Contact.get_by_id(contact.id)
    if fresh.deleted_at is not None:
        raise ValidationError("contact", "This contact was deleted; restore it first.")
    return fresh


def set_prospect_status(actor: User, contact: Contact, status: ProspectStatus) -> Contact:
    """Set the prospect status by hand, unless the contact's deals say otherwise.

    Returns the contact as saved."""
    status = ProspectStatus(status)
    contact = _fresh_for_status(contact)
    summary = deal_summary(contact)
    name = contact.display_name
    if summary.open and status is not ProspectStatus.CURRENT:
        raise ServiceError(
            f"{name} has an open deal, so it cannot be a {status.label.lower()} prospect. "
            "Close or remove the deal first."
        )
    if summary.won and status is ProspectStatus.LOST:
        raise ServiceError(
            f"{name} has a won deal, so it cannot be a lost prospect. "
            "Mark it as a past customer instead."
        )
    if status is ProspectStatus.CURRENT and not summary.open:
        raise ServiceError(
            f"{name} has no open deal, so it cannot be a current prospect. "
            "Create a deal with it to make it one."
        )
    with writing(actor, contact):
        update_record(actor, contact, {"prospect_status": status.value})
    return contact


def set_customer_status(actor: User, contact: Contact, status: CustomerStatus) -> Contact:
    """Set the customer status by hand (typically ``Past``), unless the deals say otherwise.

    Returns the contact as saved."""
    status = CustomerStatus(status)
    contact = _fresh_for_status(contact)
    summary = deal_summary(contact)
    name = contact.display_name
    if status is CustomerStatus.CURRENT and not summary.won:
        raise ServiceError(
            f"{name} has no won deal, so it cannot be a current customer. "
            "Win a deal with it, or mark it as a past customer."
        )
    if status is CustomerStatus.NON_CUSTOMER and summary.won:
        raise ServiceError(
            f"{name} has a won deal, so it is a customer. "
            "Mark it as a past customer if you no longer work with it."
        )
    with writing(actor, contact):
        update_record(actor, contact, {"customer_status": status.value})
    return contact


def contacts_of_deal(deal: Deal) -> list[Contact]:
    """The deal's primary contact and its other live contacts."""
    linked = DealContact.select(DealContact.contact).where(
        DealContact.deal == deal.id, DealContact.deleted_at.is_null()
    )
    ids = {row.contact_id for row in linked}
    if deal.primary_contact_id is not None:
        ids.add(deal.primary_contact_id)
    if not ids:
        return []
    return list(Contact.select().where(Contact.id.in_(list(ids))).order_by(Contact.name))


def recompute_for(contact_ids: Iterable[Any], *, won_deal: Deal | None = None) -> None:
    """Recompute the statuses of several contacts (and their companies), each once."""
    for contact_id in dict.fromkeys(i for i in contact_ids if i is not None):
        recompute_statuses(Contact.get_by_id(contact_id), won_deal=won_deal)
