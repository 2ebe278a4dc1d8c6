"""The one write path for leads, contacts and deals.

Every write runs inside ``writing(actor, ...)`` and goes through ``create_record`` /
``update_record`` / ``delete_record`` / ``save_record``: permissions are checked
(``services.visibility``), ``BaseModel.save()`` checks the version and writes the change log,
custom values and tags are stored, and the search index is refreshed, in one transaction
credited to the acting user.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from typing import Any, TypeVar

import peewee

from desktopcrm.models import BaseModel, User, acting_as, write_transaction
from desktopcrm.services.errors import ServiceError, ValidationError
from desktopcrm.services.search import index_record
from desktopcrm.services.visibility import require_assign, require_edit

M = TypeVar("M", bound=peewee.Model)


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


_SPACE = re.compile(r"\s")


def check_email(value: str, field: str = "email") -> None:
    """Refuse text that cannot be an email address (``name@domain``)."""
    local, at, domain = value.partition("@")
    if not at or not local or "." not in domain or _SPACE.search(value):
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
    _extras(record, custom, tags, new_record=True)
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
    if custom:
        # Custom values live outside the row: someone else's change of the same field since
        # this copy was loaded is a conflict, as it is for the row's own fields.
        record.check_unchanged_since(version, (f"custom.{key}" for key in custom))
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
    record: BaseModel,
    custom: Mapping[str, object] | None,
    tags: Iterable[str] | None,
    *,
    new_record: bool = False,
) -> None:
    if custom is not None:
        # Imported here: custom_fields itself imports this module (require_admin).
        from desktopcrm.models.records import record_kind
        from desktopcrm.services import custom_fields

        custom_fields.set_values(record_kind(record), record, custom, new_record=new_record)
    if tags is not None:
        import desktopcrm.services.tags as tag_service

        tag_service.set_tags(record, tags)


def live(model: type[M], record_id: Any, what: str) -> M:
    """The live record with ``record_id``, or a ``ValidationError`` saying it is gone."""
    row = model.get_or_none(model._meta.primary_key == record_id)
    if row is None or getattr(row, "deleted_at", None) is not None:
        raise ValidationError(what, f"The {what} no longer exists; it may have been deleted.")
    return row
