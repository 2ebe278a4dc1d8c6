"""Bulk actions of the list screens: one service call per record, refusals collected.

Each action applies the ordinary service to every chosen record (``update_lead``,
``update_contact``, ``update_deal``, ``move_deal``, ``set_lead_status``, the tag functions,
the delete functions), each in its own short write transaction, so one record that is refused
(not visible to the user, converted, a rule of the deal) does not stop the others. The result
says what was done and, per refused record, the service's own message.

``restore_records`` is the undo of ``delete_records``: the records come back with their search
entries, and the prospect/customer statuses their deals imply are recomputed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from desktopcrm.models import StaleRecordError, User
from desktopcrm.models.base import BaseModel
from desktopcrm.models.records import Contact, Deal, Lead, LeadStatus, LossReason, Stage
from desktopcrm.services import contacts as contact_service
from desktopcrm.services import deals as deal_service
from desktopcrm.services import leads as lead_service
from desktopcrm.services import tags as tag_service
from desktopcrm.services.errors import ServiceError, ValidationError
from desktopcrm.services.records import writing
from desktopcrm.services.search import index_record
from desktopcrm.services.visibility import require_edit

#: Called with (records done so far, how many in all) after each record.
Progress = Callable[[int, int], None]
#: Raises to stop between two records (e.g. ``Task.check_cancelled``).
CancelCheck = Callable[[], None]

_MODELS: dict[str, type[BaseModel]] = {
    "lead": Lead,
    "person": Contact,
    "company": Contact,
    "contact": Contact,
    "deal": Deal,
}


@dataclass
class BulkResult:
    """What a bulk action did: ``done`` ids and the ``refused`` records with the reason."""

    total: int = 0
    done: list[uuid.UUID] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (record name, message)

    def summary(self, verb: str) -> str:
        """A line for the status bar, e.g. "Deleted 12 of 14 contacts; 2 refused"."""
        text = f"{verb} {len(self.done)} of {self.total}"
        if self.refused:
            text += f"; {len(self.refused)} refused"
        return text


def _name(record: BaseModel) -> str:
    return str(getattr(record, "display_name", None) or getattr(record, "name", "") or record.id)


def _each(
    kind: str,
    ids: Sequence[Any],
    apply: Callable[[BaseModel], bool | None],
    progress: Progress | None,
    check: CancelCheck | None,
    *,
    deleted: bool = False,
) -> BulkResult:
    model = _MODELS[kind]
    wanted = list(dict.fromkeys(ids))
    result = BulkResult(total=len(wanted))
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        records = {r.id: r for r in model.select().where(model.id.in_(chunk))}
        for record_id in chunk:
            if check is not None:
                check()
            record = records.get(record_id)
            if record is None or (record.deleted_at is not None) != deleted:
                result.refused.append((str(record_id), "It no longer exists."))
            else:
                try:
                    if apply(record) is not False:
                        result.done.append(record.id)
                except StaleRecordError:
                    result.refused.append(
                        (_name(record), "Someone changed it meanwhile; try again.")
                    )
                except ServiceError as error:
                    result.refused.append((_name(record), str(error)))
            if progress is not None:
                progress(len(result.done) + len(result.refused), result.total)
    return result


# --------------------------------------------------------------------------- actions


def assign_owner(
    actor: User,
    kind: str,
    ids: Sequence[Any],
    owner: User,
    *,
    progress: Progress | None = None,
    check: CancelCheck | None = None,
) -> BulkResult:
    """Make ``owner`` the owner of every record (the assign rules of ``services.visibility``)."""

    def apply(record: BaseModel) -> bool:
        if getattr(record, "owner_id", None) == owner.id:
            return True
        if isinstance(record, Lead):
            lead_service.update_lead(actor, record, owner=owner)
        elif isinstance(record, Contact):
            contact_service.update_contact(actor, record, owner=owner)
        elif isinstance(record, Deal):
            deal_service.update_deal(actor, record, owner=owner)
        return True

    return _each(kind, ids, apply, progress, check)


def add_tags(
    actor: User,
    kind: str,
    ids: Sequence[Any],
    names: Iterable[str],
    *,
    progress: Progress | None = None,
    check: CancelCheck | None = None,
) -> BulkResult:
    """Add tags to every record (created when new)."""
    wanted = [tag_service.clean_name(name) for name in names]
    if not wanted:
        raise ValidationError("tags", "Name at least one tag to add.")

    def apply(record: BaseModel) -> bool:
        _refuse_converted(record)
        with writing(actor, record):
            require_edit(actor, record)
            tag_service.add_tags(record, wanted)
        return True

    return _each(kind, ids, apply, progress, check)


def remove_tags(
    actor: User,
    kind: str,
    ids: Sequence[Any],
    names: Iterable[str],
    *,
    progress: Progress | None = None,
    check: CancelCheck | None = None,
) -> BulkResult:
    """Take tags off every record (records without them are left as they are)."""
    gone = [tag_service.clean_name(name) for name in names]
    if not gone:
        raise ValidationError("tags", "Name at least one tag to remove.")

    def apply(record: BaseModel) -> bool:
        _refuse_converted(record)
        with writing(actor, record):
            require_edit(actor, record)
            tag_service.remove_tags(record, gone)
        return True

    return _each(kind, ids, apply, progress, check)


def set_lead_status(
    actor: User,
    ids: Sequence[Any],
    status: LeadStatus,
    *,
    progress: Progress | None = None,
    check: CancelCheck | None = None,
) -> BulkResult:
    """Move every lead to ``status``."""

    def apply(record: BaseModel) -> bool:
        assert isinstance(record, Lead)
        if record.status_id != status.id:
            lead_service.set_lead_status(actor, record, status)
        return True

    return _each("lead", ids, apply, progress, check)


def move_deals(
    actor: User,
    ids: Sequence[Any],
    stage: Stage,
    reason: LossReason | None = None,
    note: str = "",
    *,
    progress: Progress | None = None,
    check: CancelCheck | None = None,
) -> BulkResult:
    """Move every deal to ``stage``; Lost and Unqualified take a ``reason`` of that kind."""

    def apply(record: BaseModel) -> bool:
        assert isinstance(record, Deal)
        if record.stage_id != stage.id or record.loss_reason_id != (reason.id if reason else None):
            deal_service.move_deal(actor, record, stage, reason, note)
        return True

    return _each("deal", ids, apply, progress, check)


def delete_records(
    actor: User,
    kind: str,
    ids: Sequence[Any],
    *,
    progress: Progress | None = None,
    check: CancelCheck | None = None,
) -> BulkResult:
    """Soft-delete every record (``restore_records`` with ``done`` undoes it)."""

    def apply(record: BaseModel) -> bool:
        if isinstance(record, Lead):
            lead_service.delete_lead(actor, record)
        elif isinstance(record, Contact):
            contact_service.delete_contact(actor, record)
        elif isinstance(record, Deal):
            deal_service.delete_deal(actor, record)
        return True

    return _each(kind, ids, apply, progress, check)


def restore_records(
    actor: User,
    kind: str,
    ids: Sequence[Any],
    *,
    progress: Progress | None = None,
    check: CancelCheck | None = None,
) -> BulkResult:
    """Bring deleted records back (the undo of ``delete_records``), with their search entries
    and the statuses their deals imply."""

    def apply(record: BaseModel) -> bool:
        with writing(actor, record):
            require_edit(actor, record)
            record.restore()
            index_record(record)
            if isinstance(record, Contact):
                contact_service.recompute_statuses(record)
            elif isinstance(record, Deal):
                contact_service.recompute_for([c.id for c in deal_service.contacts_of(record)])
        return True

    return _each(kind, ids, apply, progress, check, deleted=True)


def _refuse_converted(record: BaseModel) -> None:
    if isinstance(record, Lead):
        lead_service.refuse_converted(record)
