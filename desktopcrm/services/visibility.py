"""Who may see, edit and assign records, and the one write path for owned records.

Profiles (PRODUCT.md "Users and visibility"):

- a **user** sees the records they own;
- a **manager** also sees the records of their direct reports (``User.reports_to``);
- an **admin** sees everything and alone configures the account.

Editing follows seeing. Assigning (setting a record's owner) is allowed to oneself for a user,
to oneself and one's reports for a manager, to anyone active for an admin. A record without an
owner (its owner was deleted, or an import left it unassigned) is visible to admins only, who
can then assign it.

Leads, contacts and deals are all written through ``writing`` + ``save_record`` /
``create_record`` / ``update_record`` below, so every write checks permissions, goes through
``BaseModel.save()`` (version check + change log), refreshes the search index and is credited
to the acting user, in one transaction.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import peewee

from desktopcrm.models import BaseModel, Profile, User, acting_as, write_transaction
from desktopcrm.services.errors import PermissionDenied, ServiceError, ValidationError
from desktopcrm.services.search import index_record

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


# --------------------------------------------------------------------------- duplicates


class DuplicatesFound(ServiceError):
    """Likely duplicates exist; the caller shows them and may retry without the check."""

    def __init__(self, what: str, matches: list[Any]) -> None:
        self.matches = matches
        names = ", ".join(str(getattr(m, "title", m)) for m in matches[:3])
        more = f" and {len(matches) - 3} more" if len(matches) > 3 else ""
        super().__init__(
            f"This {what} looks like a record that already exists ({names}{more}). Open the "
            "existing record, or confirm that this is someone else to create it anyway."
        )


def likely_duplicates(kind: str, fields: Mapping[str, Any]) -> list[Any]:
    """Likely duplicates of a new record (``duplicates.find_duplicates``)."""
    from desktopcrm.services import duplicates

    return list(duplicates.find_duplicates(kind, dict(fields)))


# --------------------------------------------------------------------------- writing


def _snapshot(record: BaseModel) -> tuple[dict[str, Any], set[str], dict[str, Any]]:
    return dict(record.__data__), set(record._dirty), dict(record.__rel__)


@contextlib.contextmanager
def writing(actor: User, *records: BaseModel) -> Iterator[None]:
    """One write transaction credited to ``actor``.

    If anything fails, the transaction rolls back and the in-memory ``records`` get their
    previous values back, so the caller can fix the input and retry with the same objects.
    """
    saved = [(record, _snapshot(record)) for record in records]
    try:
        with write_transaction(), acting_as(actor.id):
            yield
    except BaseException:
        for record, (data, dirty, rel) in saved:
            record.__data__ = data
            record._dirty = dirty
            record.__rel__ = rel
        raise


def clean_fields(
    model: type[BaseModel], values: Mapping[str, Any], allowed: Collection[str]
) -> dict[str, Any]:
    """Check field names and lengths and trim text, before anything is written.

    Raises ``ValidationError`` naming the first field that is unknown or too long.
    """
    kind = model._meta.table_name.replace("_", " ")
    cleaned: dict[str, Any] = {}
    for name, value in values.items():
        if name not in allowed:
            raise ValidationError(name, f"{name!r} is not a field you can set on a {kind}.")
        field = model._meta.fields[name]
        if isinstance(value, str):
            value = value.strip()
        if isinstance(field, peewee.CharField) and not isinstance(field, peewee.UUIDField):
            if value is None and not field.null:
                value = ""
            if isinstance(value, str) and len(value) > field.max_length:
                label = name.replace("_", " ").capitalize()
                raise ValidationError(
                    name, f"{label} is too long: at most {field.max_length} characters."
                )
        if name == "email" and value:
            check_email(value)
        cleaned[name] = value
    return cleaned


def check_email(value: str, field: str = "email") -> None:
    """Refuse text that cannot be an email address (``name@domain``)."""
    local, at, domain = value.partition("@")
    if not at or not local or "." not in domain or any(c.isspace() for c in value):
        raise ValidationError(field, f"{value!r} is not an email address (name@example.com).")


def _owner_of(values: Mapping[str, Any]) -> User | None:
    owner = values["owner"]
    if owner is None or isinstance(owner, User):
        return owner
    raise ValidationError("owner", "The owner must be a user.")


def save_record(record: BaseModel) -> None:
    """Save through the change log and refresh the record's search entry."""
    record.save()
    index_record(record)


def create_record(
    actor: User,
    record: BaseModel,
    *,
    custom: Mapping[str, object] | None = None,
    tags: Iterable[str] | None = None,
) -> None:
    """Insert a new lead/contact/deal: owner check, save, custom values, tags, search index.

    Call inside ``writing(actor)``; ``record.owner`` must already be set.
    """
    owner_id = getattr(record, "owner_id", None)
    require_assign(actor, User.get_by_id(owner_id) if owner_id else None)
    record.save()
    _extras(record, custom, tags)
    index_record(record)


def update_record(
    actor: User,
    record: BaseModel,
    values: Mapping[str, Any],
    *,
    custom: Mapping[str, object] | None = None,
    tags: Iterable[str] | None = None,
) -> bool:
    """Apply already-cleaned ``values`` to a record ``actor`` may edit, and save.

    The record's version is the one the caller loaded: if someone saved it since, the base
    raises ``StaleRecordError`` and nothing is written. Call inside ``writing(actor, record)``.
    Returns whether anything changed.
    """
    require_edit(actor, record)
    if "owner" in values:
        new_owner = _owner_of(values)
        if (new_owner.id if new_owner else None) != getattr(record, "owner_id", None):
            require_assign(actor, new_owner)
    version = record.version
    for name, value in values.items():
        setattr(record, name, value)
    record.save()
    _extras(record, custom, tags)
    index_record(record)
    return record.version != version or custom is not None or tags is not None


def delete_record(actor: User, record: BaseModel) -> None:
    """Soft-delete a record ``actor`` may edit and drop it from search (inside ``writing``)."""
    require_edit(actor, record)
    record.delete_instance()
    index_record(record)


def _extras(
    record: BaseModel, custom: Mapping[str, object] | None, tags: Iterable[str] | None
) -> None:
    if custom is not None:
        # Imported here: custom_fields itself imports this module (require_admin).
        from desktopcrm.models.records import record_kind
        from desktopcrm.services import custom_fields

        custom_fields.set_values(record_kind(record), record, custom)
    if tags is not None:
        import desktopcrm.services.tags as tag_service

        tag_service.set_tags(record, tags)


def live(model: type[M], record_id: Any, what: str) -> M:
    """The live record with ``record_id``, or a ``ValidationError`` saying it is gone."""
    row = model.get_or_none(model._meta.primary_key == record_id)
    if row is None or getattr(row, "deleted_at", None) is not None:
        raise ValidationError(what, f"The {what} no longer exists; it may have been deleted.")
    return row
