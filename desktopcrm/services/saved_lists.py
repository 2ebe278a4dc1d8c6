"""Saved filters ("smart lists"): a named ``ListSpec`` per user, optionally shared.

A smart list stores what a list screen shows (kind, filters, sort, search text, columns) as
JSON in ``SavedList.definition``. Its owner may rename, change and delete it; a shared one is
listed for everyone of the office but stays its owner's (admins may change any). Every write
goes through ``BaseModel.save()``, so it is versioned and in the change log like any record.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from desktopcrm.models import User, acting_as, write_transaction
from desktopcrm.models.saved_lists import SavedList
from desktopcrm.services.errors import PermissionDenied, ValidationError
from desktopcrm.services.lists import KINDS, Filter, ListSpec, SortKey

MAX_NAME = 200


# --------------------------------------------------------------------------- definitions


def _plain(value: Any) -> Any:
    """A filter value as JSON: ids, dates and amounts as text (the list engine reads them)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return str(Decimal(str(value)))
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(item) for item in value]
    raise ValidationError("filters", f"A saved list cannot keep a filter value like {value!r}.")


def spec_to_json(spec: ListSpec) -> str:
    """The definition of ``spec`` as JSON text (``spec_from_json`` reads it back)."""
    data: dict[str, Any] = {
        "filters": [{"field": f.field, "op": f.op, "value": _plain(f.value)} for f in spec.filters],
        "sort": [{"field": s.field, "descending": s.descending} for s in spec.sort],
        "search": spec.search_text or "",
    }
    if spec.columns is not None:
        data["columns"] = list(spec.columns)
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def spec_from_json(kind: str, text: str) -> ListSpec:
    """The ``ListSpec`` a definition describes (unknown keys are ignored)."""
    try:
        data = json.loads(text or "{}")
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {}

    def value_of(raw: Any) -> Any:
        return tuple(raw) if isinstance(raw, list) else raw

    filters = [
        Filter(str(item["field"]), str(item.get("op", "eq")), value_of(item.get("value")))
        for item in data.get("filters", [])
        if isinstance(item, dict) and "field" in item
    ]
    sort = [
        SortKey(str(item["field"]), bool(item.get("descending", False)))
        for item in data.get("sort", [])
        if isinstance(item, dict) and "field" in item
    ]
    columns = data.get("columns")
    return ListSpec(
        kind,
        filters=tuple(filters),
        sort=tuple(sort),
        search_text=str(data.get("search") or "") or None,
        columns=tuple(str(c) for c in columns) if isinstance(columns, list) else None,
    )


def spec_of(saved: SavedList) -> ListSpec:
    return spec_from_json(saved.kind, saved.definition)


# --------------------------------------------------------------------------- reading


def saved_lists(actor: User, kind: str) -> list[SavedList]:
    """The smart lists of ``kind`` that ``actor`` sees: their own, then those shared by
    others, each by position and name."""
    _check_kind(kind)
    query = (
        SavedList.live()
        .where(
            SavedList.kind == kind,
            (SavedList.owner == actor.id) | (SavedList.shared == True),  # noqa: E712
        )
        .order_by(SavedList.position, SavedList.name, SavedList.id)
    )
    rows = list(query)
    return [r for r in rows if r.owner_id == actor.id] + [r for r in rows if r.owner_id != actor.id]


def get_saved_list(actor: User, list_id: Any) -> SavedList:
    """A smart list ``actor`` may see (their own or a shared one)."""
    saved = SavedList.get_or_none(SavedList.id == _uuid(list_id))
    if saved is None or saved.deleted_at is not None:
        raise ValidationError("list", "This smart list no longer exists; it may have been deleted.")
    if saved.owner_id != actor.id and not saved.shared:
        raise PermissionDenied("This smart list belongs to someone else and is not shared.")
    return saved


def can_change(actor: User, saved: SavedList) -> bool:
    """Whether ``actor`` may rename, change or delete ``saved`` (its owner, or an admin)."""
    return saved.owner_id == actor.id or actor.is_admin


# --------------------------------------------------------------------------- writing


def save_list(actor: User, name: str, spec: ListSpec, *, shared: bool = False) -> SavedList:
    """Save ``spec`` as a new smart list of ``actor`` named ``name``."""
    _check_kind(spec.kind)
    cleaned = _clean_name(actor, spec.kind, name)
    definition = spec_to_json(spec)
    last = (
        SavedList.live()
        .where(SavedList.kind == spec.kind, SavedList.owner == actor.id)
        .order_by(SavedList.position.desc())
        .first()
    )
    saved = SavedList(
        name=cleaned,
        kind=spec.kind,
        owner=actor.id,
        shared=bool(shared),
        definition=definition,
        position=(last.position + 1) if last is not None else 0,
    )
    with write_transaction(), acting_as(actor.id):
        saved.save()
    return saved


def update_list(
    actor: User,
    saved: SavedList,
    *,
    name: str | None = None,
    spec: ListSpec | None = None,
    shared: bool | None = None,
) -> SavedList:
    """Rename a smart list, replace what it shows, or share/unshare it (owner or admin).

    ``saved`` is the copy the caller loaded: a stale one raises ``StaleRecordError``."""
    _require_change(actor, saved)
    if name is not None:
        saved.name = _clean_name(actor, saved.kind, name, exclude=saved)
    if spec is not None:
        if spec.kind != saved.kind:
            raise ValidationError("kind", f"This smart list shows {saved.kind}s, not {spec.kind}s.")
        saved.definition = spec_to_json(spec)
    if shared is not None:
        saved.shared = bool(shared)
    with write_transaction(), acting_as(actor.id):
        saved.save()
    return saved


def rename_list(actor: User, saved: SavedList, name: str) -> SavedList:
    return update_list(actor, saved, name=name)


def delete_list(actor: User, saved: SavedList) -> None:
    """Delete a smart list (owner or admin); a soft delete, like every record."""
    _require_change(actor, saved)
    with write_transaction(), acting_as(actor.id):
        saved.delete_instance()


def reorder_lists(actor: User, ordered: Sequence[SavedList]) -> None:
    """Put ``actor``'s own smart lists in this order."""
    with write_transaction(), acting_as(actor.id):
        for position, saved in enumerate(ordered):
            _require_change(actor, saved)
            if saved.position != position:
                saved.position = position
                saved.save()


# --------------------------------------------------------------------------- checks


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValidationError("kind", f'"{kind}" is not a list; use one of {KINDS}.')


def _uuid(value: Any) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise ValidationError("list", f'"{value}" is not the id of a smart list.') from None


def _require_change(actor: User, saved: SavedList) -> None:
    if not can_change(actor, saved):
        raise PermissionDenied(
            f'The smart list "{saved.name}" belongs to someone else; only they or an admin can '
            "change it. Save a copy under another name instead."
        )


def _clean_name(actor: User, kind: str, name: str, exclude: SavedList | None = None) -> str:
    cleaned = " ".join(str(name or "").split())
    if not cleaned:
        raise ValidationError("name", "Give the smart list a name.")
    if len(cleaned) > MAX_NAME:
        raise ValidationError("name", f"The name is too long: at most {MAX_NAME} characters.")
    clash = SavedList.live().where(
        SavedList.kind == kind,
        SavedList.owner == actor.id,
        SavedList.name == cleaned,
    )
    if exclude is not None:
        clash = clash.where(SavedList.id != exclude.id)
    if clash.exists():
        raise ValidationError("name", f'You already have a smart list named "{cleaned}".')
    return cleaned
