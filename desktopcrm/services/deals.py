"""Deals: value and currency, stages and their moves, contacts, and what follows a move.

A deal sits on one stage of one pipeline. Moving it to ``Lost`` or ``Unqualified`` takes a
reason of that kind; any closed stage stamps ``closed_at``; reopening clears it and the reason.
Every change to a deal's stage or contacts recomputes the prospect/customer statuses of the
contacts involved (and of their companies) in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import peewee

from desktopcrm.models import User, utcnow
from desktopcrm.models.records import (
    Contact,
    Deal,
    DealContact,
    Lead,
    LossReason,
    Pipeline,
    Stage,
    StageKind,
)
from desktopcrm.services import contacts as contact_service
from desktopcrm.services.errors import ValidationError
from desktopcrm.services.records import (
    clean_fields,
    create_record,
    delete_record,
    live,
    update_record,
    writing,
)
from desktopcrm.services.search import DEAL_ENTRY_FIELDS, index_record
from desktopcrm.services.visibility import Page, paginate, require_edit, require_see, scope

#: Called after every stage change, inside the transaction: ``hook(actor, deal, old, new)``.
#: Automation registers here; a hook that raises undoes the move.
AFTER_MOVE: list[Callable[[User, Deal, Stage, Stage], None]] = []

#: Fields ``update_deal`` accepts (stage, pipeline and contacts have their own functions).
DEAL_FIELDS = frozenset(
    {
        "name",
        "value",
        "currency",
        "probability",
        "expected_close",
        "owner",
        "source",
        "description",
    }
)

MAX_VALUE = Decimal("9999999999999999.99")  # 18 digits, 2 after the point
_CURRENCY = re.compile(r"^[A-Z]{3}$")


# --------------------------------------------------------------------------- values


def clean_value(value: Decimal | str | int) -> Decimal:
    """A deal value as ``Decimal`` with cents; text like ``"1250.50"`` is accepted."""
    if isinstance(value, float):
        raise ValidationError("value", "Give the value as text or Decimal, not a float.")
    try:
        amount = Decimal(str(value).strip() or "0")
    except decimal.InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite():
        raise ValidationError("value", f"{value!r} is not an amount: use digits, e.g. 1250.50.")
    if amount < 0:
        raise ValidationError("value", "A deal's value cannot be negative.")
    if amount > MAX_VALUE:
        raise ValidationError("value", "The value is too large.")
    return amount.quantize(Decimal("0.01"), rounding=decimal.ROUND_HALF_UP)


def clean_currency(code: str) -> str:
    """An ISO 4217 code: three letters (``eur`` becomes ``EUR``)."""
    code = (code or "").strip().upper()
    if not _CURRENCY.match(code):
        raise ValidationError(
            "currency", f"{code!r} is not a currency code: use three letters such as EUR or USD."
        )
    return code


def clean_probability(value: int | None) -> int | None:
    """A percentage 0-100, or ``None`` to follow the stage's default."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise ValidationError("probability", "The probability is a whole percentage, 0 to 100.")
    return value


def _clean_expected_close(value: object) -> dt.date | None:
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    raise ValidationError("expected_close", "The expected close is a date.")


_CLEANERS: dict[str, Callable[[Any], Any]] = {
    "value": clean_value,
    "currency": clean_currency,
    "probability": clean_probability,
    "expected_close": _clean_expected_close,
}


def clean_deal_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    """Type and check deal field values (value, currency, probability, dates) before a write;
    shared by the deal service and the bulk import."""
    typed = {
        name: _CLEANERS[name](value) if name in _CLEANERS else value
        for name, value in values.items()
    }
    cleaned = clean_fields(Deal, typed, DEAL_FIELDS)
    if "name" in cleaned and not cleaned["name"]:
        raise ValidationError("name", "Enter a name for the deal.")
    return cleaned


# --------------------------------------------------------------------------- stages


def active_stages(pipeline: Pipeline) -> list[Stage]:
    """The pipeline's live open stages, in order."""
    return list(
        Stage.live()
        .where(Stage.pipeline == pipeline.id, Stage.kind == StageKind.OPEN.value)
        .order_by(Stage.position)
    )


def default_pipeline() -> Pipeline:
    """The first live pipeline."""
    pipeline = Pipeline.live().order_by(Pipeline.position, Pipeline.created_at).first()
    if pipeline is None:
        raise ValidationError("pipeline", "There is no pipeline; ask an admin to create one.")
    return pipeline


def _clean_reason(stage: Stage, reason: LossReason | None) -> LossReason | None:
    kind = stage.kind_enum
    if kind not in (StageKind.LOST, StageKind.UNQUALIFIED):
        return None
    if reason is None:
        raise ValidationError(
            "reason", f"Choose why the deal is {kind.value} before moving it to {stage.name}."
        )
    reason = live(LossReason, reason.id, "reason")
    if reason.kind != kind.value:
        raise ValidationError(
            "reason",
            f"{reason.name!r} is a reason for {reason.kind} deals; choose a reason for "
            f"{kind.value} deals.",
        )
    return reason


def _end_of(stage: Stage) -> float:
    last = Deal.live().select(peewee.fn.MAX(Deal.position)).where(Deal.stage == stage.id).scalar()
    return float(last or 0) + 1


def _place(
    deal: Deal,
    stage: Stage,
    reason: LossReason | None,
    note: str,
    position: float | None,
    old_stage: Stage | None = None,
    entered_at: dt.datetime | None = None,
) -> None:
    """Put ``deal`` on ``stage`` with the closing fields that stage calls for (``old_stage``:
    the one it is on, when the caller has read it; ``entered_at``: when it entered ``stage``,
    now by default)."""
    old_id = deal.stage_id
    if old_stage is None and old_id is not None:
        old_stage = Stage.get_by_id(old_id)
    old_kind = old_stage.kind if old_stage is not None else None
    if old_id != stage.id:
        deal.stage_entered_at = entered_at or utcnow()
        if position is None:
            position = _end_of(stage)
    if position is not None:
        deal.position = position
    deal.pipeline_id = stage.pipeline_id
    deal.stage = stage
    if not stage.kind_enum.is_closed:
        deal.closed_at = None
    elif deal.closed_at is None or old_kind != stage.kind:
        deal.closed_at = utcnow()
    deal.loss_reason = reason
    deal.loss_note = note.strip() if reason is not None else ""


def _stage_for(pipeline: Pipeline | None, stage: Stage | None) -> Stage:
    if stage is not None:
        stage = live(Stage, stage.id, "stage")
        if pipeline is not None and stage.pipeline_id != pipeline.id:
            raise ValidationError("stage", f"{stage.name} is a stage of another pipeline.")
        return stage
    pipeline = live(Pipeline, pipeline.id, "pipeline") if pipeline else default_pipeline()
    stages = active_stages(pipeline)
    if not stages:
        raise ValidationError("stage", f"The pipeline {pipeline.name} has no active stage.")
    return stages[0]


# --------------------------------------------------------------------------- deals


def _linkable(actor: User, contact: Contact) -> Contact:
    contact = live(Contact, contact.id, "contact")
    require_see(actor, contact)
    return contact


def create_deal(
    actor: User,
    name: str,
    value: Decimal | str | int = Decimal(0),
    currency: str | None = None,
    *,
    pipeline: Pipeline | None = None,
    stage: Stage | None = None,
    primary_contact: Contact | None = None,
    contacts: Sequence[Contact] = (),
    lead: Lead | None = None,
    probability: int | None = None,
    expected_close: dt.date | None = None,
    owner: User | None = None,
    reason: LossReason | None = None,
    source: str = "",
    description: str = "",
    tags: Iterable[str] | None = None,
    custom: Mapping[str, object] | None = None,
) -> Deal:
    """Create a deal on ``stage`` (default: the first active stage of ``pipeline``, itself the
    first pipeline by default), owned by ``owner`` (default ``actor``). Currency defaults to
    the pipeline's."""
    target = _stage_for(pipeline, stage)
    pipeline_row = Pipeline.get_by_id(target.pipeline_id)
    values = clean_deal_fields(
        {
            "name": name,
            "value": value,
            "currency": currency if currency is not None else pipeline_row.currency,
            "probability": probability,
            "expected_close": expected_close,
            "owner": owner or actor,
            "source": source,
            "description": description,
        }
    )
    reason = _clean_reason(target, reason)
    primary = _linkable(actor, primary_contact) if primary_contact else None
    others = [_linkable(actor, c) for c in contacts]
    if lead is not None:
        lead = live(Lead, lead.id, "lead")
        require_see(actor, lead)
    deal = Deal(**values, lead=lead, primary_contact=primary)
    with writing(actor):
        _place(deal, target, reason, "", None)
        create_record(actor, deal, custom=custom, tags=tags)
        for contact in others:
            if primary is None or contact.id != primary.id:
                _link(deal, contact, "")
        _after_change(deal, [c.id for c in contacts_of(deal)])
    return deal


def update_deal(
    actor: User,
    deal: Deal,
    *,
    custom: Mapping[str, object] | None = None,
    tags: Iterable[str] | None = None,
    **changes: Any,
) -> Deal:
    """Change a deal's fields as loaded by the caller (a stale copy raises
    ``StaleRecordError``). Use ``move_deal`` for its stage and the contact functions for its
    contacts."""
    values = clean_deal_fields(changes)
    with writing(actor, deal):
        update_record(actor, deal, values, custom=custom, tags=tags)
    return deal


def move_deal(
    actor: User,
    deal: Deal,
    stage: Stage,
    reason: LossReason | None = None,
    note: str = "",
    position: float | None = None,
    entered_at: dt.datetime | None = None,
) -> Deal:
    """Move a deal to ``stage`` (of its pipeline or another one, which it then joins).

    ``Lost`` / ``Unqualified`` require a ``reason`` of that kind (``note`` adds detail);
    closed stages stamp ``closed_at``, open ones clear it. Contacts' statuses follow and the
    ``AFTER_MOVE`` hooks run in the same transaction. ``entered_at`` says since when the deal
    is on ``stage`` (an undo gives the time it had; default now).

    The search entry is refreshed only when the deal has changes it shows (a move alone
    changes nothing the search reads).
    """
    stage = live(Stage, stage.id, "stage")
    reason = _clean_reason(stage, reason)
    old_stage = Stage.get_by_id(deal.stage_id)
    with writing(actor, deal):
        require_edit(actor, deal)
        if deal.deleted_at is not None:
            raise ValidationError("deal", "This deal was deleted; restore it first.")
        searched = any(f.name in DEAL_ENTRY_FIELDS for f in deal.dirty_fields)
        _place(deal, stage, reason, note, position, old_stage, entered_at)
        deal.save()
        if searched:
            index_record(deal)
        if old_stage.kind != stage.kind:
            won = deal if stage.kind == StageKind.WON.value else None
            _after_change(deal, [c.id for c in contacts_of(deal)], won_deal=won)
        if old_stage.id != stage.id:
            for hook in AFTER_MOVE:
                hook(actor, deal, old_stage, stage)
    return deal


def delete_deal(actor: User, deal: Deal) -> None:
    """Soft-delete a deal; its contacts' statuses no longer count it."""
    involved = [c.id for c in contacts_of(deal)]
    with writing(actor, deal):
        delete_record(actor, deal)
        contact_service.recompute_for(involved)


def get_deal(actor: User, deal_id: Any) -> Deal:
    """A live deal ``actor`` may see."""
    deal = live(Deal, deal_id, "deal")
    require_see(actor, deal)
    return deal


def list_deals(
    actor: User,
    *,
    pipeline: Pipeline | None = None,
    stage: Stage | None = None,
    contact: Contact | None = None,
    offset: int = 0,
    limit: int = 200,
) -> Page[Deal]:
    """Live deals ``actor`` may see, in board order (stage, then position)."""
    query = scope(Deal.live(), Deal, actor)
    if pipeline is not None:
        query = query.where(Deal.pipeline == pipeline.id)
    if stage is not None:
        query = query.where(Deal.stage == stage.id)
    if contact is not None:
        query = query.where(Deal.id.in_(contact_service.deals_of(contact).select(Deal.id)))
    return paginate(query.order_by(Deal.stage, Deal.position, Deal.id), offset, limit)


# --------------------------------------------------------------------------- contacts


def contacts_of(deal: Deal) -> list[Contact]:
    """The deal's primary contact and other contacts."""
    return contact_service.contacts_of_deal(deal)


def _link(deal: Deal, contact: Contact, role: str) -> bool:
    """Make ``contact`` one of the deal's contacts (reviving an old link); True if new."""
    link = DealContact.get_or_none(DealContact.deal == deal.id, DealContact.contact == contact.id)
    if link is None:
        DealContact(deal=deal, contact=contact, role=role).save()
        return True
    if link.deleted_at is not None:
        link.restore()
        link.role = role
        link.save()
        return True
    if role and link.role != role:
        link.role = role
        link.save()
    return False


def _unlink(deal: Deal, contact_id: Any) -> bool:
    link = DealContact.get_or_none(DealContact.deal == deal.id, DealContact.contact == contact_id)
    if link is None or link.deleted_at is not None:
        return False
    link.delete_instance()
    return True


def _after_change(deal: Deal, contact_ids: Iterable[Any], *, won_deal: Deal | None = None) -> None:
    contact_service.recompute_for(contact_ids, won_deal=won_deal)


def _won(deal: Deal) -> Deal | None:
    stage = Stage.get_by_id(deal.stage_id)
    return deal if stage.kind == StageKind.WON.value else None


def attach_contact(actor: User, deal: Deal, contact: Contact, role: str = "") -> Deal:
    """Add ``contact`` to the deal's contacts (``role`` e.g. "Decision maker")."""
    contact = _linkable(actor, contact)
    role = clean_fields(DealContact, {"role": role}, {"role"})["role"]
    with writing(actor, deal):
        require_edit(actor, deal)
        if contact.id == deal.primary_contact_id:
            return deal
        if _link(deal, contact, role):
            _after_change(deal, [contact.id], won_deal=_won(deal))
    return deal


def detach_contact(actor: User, deal: Deal, contact: Contact) -> Deal:
    """Remove ``contact`` from the deal, whether it is the primary contact or another one."""
    with writing(actor, deal):
        require_edit(actor, deal)
        removed = _unlink(deal, contact.id)
        if deal.primary_contact_id == contact.id:
            deal.primary_contact = None
            update_record(actor, deal, {})
            removed = True
        if removed:
            _after_change(deal, [contact.id])
    return deal


def set_primary_contact(actor: User, deal: Deal, contact: Contact | None) -> Deal:
    """Star ``contact`` as the deal's primary contact; the previous one stays among the deal's
    contacts. ``None`` removes the star (the previous primary stays a contact too)."""
    new = _linkable(actor, contact) if contact is not None else None
    with writing(actor, deal):
        require_edit(actor, deal)
        old_id = deal.primary_contact_id
        if (new.id if new else None) == old_id:
            return deal
        if old_id is not None:
            _link(deal, Contact.get_by_id(old_id), "")
        if new is not None:
            _unlink(deal, new.id)
        deal.primary_contact = new
        update_record(actor, deal, {})
        _after_change(deal, [old_id])
        if new is not None:
            _after_change(deal, [new.id], won_deal=_won(deal))
    return deal
