"""Who may see, edit and assign records.

Profiles (PRODUCT.md "Users and visibility"):

- a **user** sees the records they own;
- a **manager** also sees the records of their direct reports (``User.reports_to``);
- an **admin** sees everything and alone configures the account.

Editing follows seeing. Assigning (setting a record's owner) is allowed to oneself for a user,
to oneself and one's reports for a manager, to anyone active for an admin. A record without an
owner (its owner was deleted, or an import left it unassigned) is visible to admins only, who
can then assign it. The write path that applies these rules is ``services.records``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import peewee

from desktopcrm.models import BaseModel, Profile, User
from desktopcrm.services.errors import PermissionDenied, ValidationError

M = TypeVar("M", bound=peewee.Model)
T = TypeVar("T")


# --------------------------------------------------------------------------- who sees what


def visible_owner_ids(user: User) -> set[uuid.UUID] | None:
    """Owners whose records ``user`` may see; ``None`` means every record (admins).

    A manager's reports are counted even when deactivated, so a leaver's records do not vanish
    from their manager's lists.
    """
    if user.is_admin:
        return None
    ids = {user.id}
    if user.profile == Profile.MANAGER.value:
        reports = User.select(User.id).where(User.reports_to == user.id, User.deleted_at.is_null())
        ids.update(report.id for report in reports)
    return ids


def scope(query: peewee.ModelSelect[M], model: type[M], user: User) -> peewee.ModelSelect[M]:
    """Restrict a select over ``model`` (which has an ``owner``) to what ``user`` may see."""
    ids = visible_owner_ids(user)
    if ids is None:
        return query
    owner: Any = model.owner  # type: ignore[attr-defined]
    return query.where(owner.in_(list(ids)))


def can_see(user: User, record: BaseModel) -> bool:
    """Whether ``user`` may see ``record`` (unowned records: admins only)."""
    ids = visible_owner_ids(user)
    if ids is None:
        return True
    owner_id = getattr(record, "owner_id", None)
    return owner_id is not None and owner_id in ids


def _describe(record: BaseModel) -> str:
    name = getattr(record, "display_name", None) or getattr(record, "name", None)
    kind = type(record).__name__.lower()
    return f"the {kind} {name!r}" if name else f"this {kind}"


def require_see(user: User, record: BaseModel) -> None:
    """Refuse with ``PermissionDenied`` unless ``user`` may see ``record``."""
    if not can_see(user, record):
        raise PermissionDenied(
            f"You cannot see {_describe(record)}: it belongs to someone outside your team. "
            "Ask its owner, their manager or an admin."
        )


def require_edit(user: User, record: BaseModel) -> None:
    """Refuse with ``PermissionDenied`` unless ``user`` may edit ``record`` (same as seeing)."""
    if not can_see(user, record):
        raise PermissionDenied(
            f"You cannot change {_describe(record)}: it belongs to someone outside your team. "
            "Ask its owner, their manager or an admin."
        )


def require_assign(user: User, new_owner: User | None) -> None:
    """Refuse unless ``user`` may make ``new_owner`` the owner of a record.

    Users assign to themselves, managers to themselves and their direct reports, admins to
    anyone active. Only admins may leave a record without owner.
    """
    if new_owner is None:
        if not user.is_admin:
            raise PermissionDenied(
                "Only an admin can leave a record without an owner. Pick an owner."
            )
        return
    if new_owner.deleted_at is not None or not new_owner.active:
        raise ValidationError(
            "owner",
            f"{new_owner.name} is no longer an active user. Pick someone else as owner.",
        )
    ids = visible_owner_ids(user)
    if ids is not None and new_owner.id not in ids:
        if user.profile == Profile.MANAGER.value:
            who = "yourself or someone who reports to you"
        else:
            who = "yourself"
        raise PermissionDenied(
            f"You cannot assign records to {new_owner.name}: you can assign them to {who}. "
            "Ask an admin to reassign it."
        )


def require_admin(user: User, what: str) -> None:
    """Refuse ``what`` (e.g. "change pipelines") unless ``user`` is an admin."""
    if not user.is_admin:
        raise PermissionDenied(f"Only an admin can {what}. Ask an admin of your office.")


# --------------------------------------------------------------------------- lists


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list and the size of the whole list."""

    items: list[T]
    total: int
    offset: int
    limit: int

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.items) < self.total


def paginate(query: peewee.ModelSelect[M], offset: int, limit: int) -> Page[M]:
    """Run ``query`` for one page (``limit`` rows from ``offset``) and count the whole."""
    if offset < 0 or limit <= 0:
        raise ValidationError("page", "Pages start at 0 and hold at least one row.")
    total = query.order_by().count()
    items = list(query.offset(offset).limit(limit))
    return Page(items, total, offset, limit)
