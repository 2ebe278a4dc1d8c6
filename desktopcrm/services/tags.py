"""Tags on leads, contacts and deals.

A tag's name is unique regardless of case (``Tag.key``). Which tags a record has is part of the
record: a change is logged on it as ``{"tags": [old names, new names]}`` and the record is
re-indexed for search (tag names are searchable), in the same transaction.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence

import peewee

from desktopcrm.models import User, acting_as, log_change, write_transaction
from desktopcrm.models.attachments import RecordTag, Tag
from desktopcrm.models.base import BaseModel
from desktopcrm.models.records import RECORD_MODELS, RecordKind, record_kind
from desktopcrm.services.errors import ValidationError
from desktopcrm.services.search import index_record
from desktopcrm.services.visibility import require_admin

MAX_TAG = 100


def tag_key(name: str) -> str:
    """The case-insensitive identity of a tag name."""
    return clean_name(name).lower()


def clean_name(name: str) -> str:
    """A tag name trimmed, with runs of spaces made one; refused when empty or too long."""
    cleaned = " ".join(str(name).split())
    if not cleaned:
        raise ValidationError("tags", "A tag needs a name; remove the empty tag.")
    if len(cleaned) > MAX_TAG:
        raise ValidationError(
            "tags", f'The tag "{cleaned[:30]}…" is too long: at most {MAX_TAG} characters.'
        )
    return cleaned


def _unique(names: Iterable[str]) -> dict[str, str]:
    """Clean names keyed by tag key, first spelling wins, order kept."""
    result: dict[str, str] = {}
    for name in names:
        cleaned = clean_name(name)
        result.setdefault(cleaned.lower(), cleaned)
    return result


def _sorted(names: Iterable[str]) -> list[str]:
    return sorted(names, key=str.lower)


def tags_of(record_id: uuid.UUID) -> list[str]:
    """Names of a record's tags, alphabetically."""
    return tags_of_many([record_id]).get(record_id, [])


def tags_of_many(ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    """Tag names of many records (one query per 5000 ids), for lists and export."""
    result: dict[uuid.UUID, list[str]] = defaultdict(list)
    for start in range(0, len(ids), 5000):
        query = (
            RecordTag.select(RecordTag.record_id, Tag.name)
            .join(Tag)
            .where(RecordTag.record_id.in_(list(ids[start : start + 5000])))
            .order_by(peewee.fn.LOWER(Tag.name))
        )
        for row in query:
            result[row.record_id].append(row.tag.name)
    return dict(result)


def all_tags() -> list[Tag]:
    """Every tag, alphabetically (for pickers and filters)."""
    return list(Tag.live().order_by(Tag.key))


def get_or_create_tag(name: str) -> Tag:
    """The tag with this (cleaned) name, created if missing; a deleted one is brought back."""
    key = name.lower()
    tag = Tag.get_or_none(Tag.key == key)
    if tag is not None:
        if tag.deleted_at is not None:
            tag.restore()
        return tag
    try:
        with write_transaction():
            tag = Tag(name=name, key=key)
            tag.save()
        return tag
    except peewee.IntegrityError:  # created meanwhile by another PC
        return Tag.get(Tag.key == key)


def set_tags(record: BaseModel, names: Iterable[str]) -> list[str]:
    """Make ``names`` the record's tags (new tags are created); returns the new names."""
    wanted = _unique(names)
    return _change(record, lambda current: wanted)


def add_tags(record: BaseModel, names: Iterable[str]) -> list[str]:
    """Add tags to a record (ones it has are kept); returns the record's tag names."""
    extra = _unique(names)
    return _change(record, lambda current: {**current, **{k: v for k, v in extra.items()}})


def remove_tags(record: BaseModel, names: Iterable[str]) -> list[str]:
    """Take tags off a record (unknown names are ignored); returns the remaining names."""
    gone = set(_unique(names))
    return _change(record, lambda current: {k: v for k, v in current.items() if k not in gone})


def _current(record_id: uuid.UUID) -> dict[str, Tag]:
    query = Tag.select().join(RecordTag).where(RecordTag.record_id == record_id)
    return {tag.key: tag for tag in query}


def _change(record: BaseModel, compute: object) -> list[str]:
    kind = record_kind(record)
    with write_transaction():
        current_tags = _current(record.id)
        current = {key: tag.name for key, tag in current_tags.items()}
        wanted: dict[str, str] = compute(current)  # type: ignore[operator]
        removed = [current_tags[key].id for key in current if key not in wanted]
        added = {key: get_or_create_tag(name) for key, name in wanted.items() if key not in current}
        if removed:
            RecordTag.delete().where(
                RecordTag.record_id == record.id, RecordTag.tag.in_(removed)
            ).execute()
        if added:
            RecordTag.insert_many(
                [
                    {"tag": tag.id, "record_type": kind.value, "record_id": record.id}
                    for tag in added.values()
                ]
            ).execute()
        new = [current_tags[k].name if k in current_tags else added[k].name for k in wanted]
        if removed or added:
            _log(record, _sorted(current.values()), _sorted(new))
        return _sorted(new)


def _log(record: BaseModel, old: list[str], new: list[str]) -> None:
    log_change(record._meta.table_name, record.id, "update", record.version, {"tags": [old, new]})
    index_record(record)


def _record(record_type: str, record_id: uuid.UUID) -> BaseModel | None:
    model = RECORD_MODELS[RecordKind(record_type)]
    row: BaseModel | None = model.get_or_none(model.id == record_id)
    return row


def rename_tag(actor: User, tag: Tag, name: str) -> Tag:
    """Rename a tag everywhere it is used (admins only); a name another tag has is refused."""
    require_admin(actor, "rename tags")
    cleaned = clean_name(name)
    other = Tag.get_or_none(Tag.key == cleaned.lower())
    if other is not None and other.id != tag.id:
        raise ValidationError(
            "name", f'There already is a tag "{other.name}". Merge the two tags instead.'
        )
    with write_transaction(), acting_as(actor.id):
        old_name = tag.name
        tag.name, tag.key = cleaned, cleaned.lower()
        tag.save()
        if old_name != cleaned:
            for link in RecordTag.select().where(RecordTag.tag == tag.id):
                record = _record(link.record_type, link.record_id)
                if record is not None:
                    index_record(record)
    return tag


def merge_tags(actor: User, source: Tag, target: Tag) -> int:
    """Put ``target`` on every record that has ``source`` and delete ``source`` (admins only).

    Returns how many records changed; each change is logged on its record.
    """
    require_admin(actor, "merge tags")
    if source.id == target.id:
        raise ValidationError("tags", "Pick two different tags to merge.")
    changed = 0
    with write_transaction(), acting_as(actor.id):
        links = list(RecordTag.select().where(RecordTag.tag == source.id))
        for link in links:
            record = _record(link.record_type, link.record_id)
            if record is None:
                RecordTag.delete().where(RecordTag.id == link.id).execute()
                continue
            names = [n for n in tags_of(record.id) if n.lower() != source.key] + [target.name]
            set_tags(record, names)
            changed += 1
        source.delete_instance()
    return changed


def move_tags(from_id: uuid.UUID, to_record: BaseModel) -> list[str]:
    """Move a record's tags to another (lead conversion, merge): the target gets the union.

    The source loses them; both changes are logged. Returns the target's tag names.
    """
    with write_transaction():
        links = list(RecordTag.select().where(RecordTag.record_id == from_id))
        if not links:
            return tags_of(to_record.id)
        names = tags_of(from_id)
        result = add_tags(to_record, names)
        source = _record(links[0].record_type, from_id)
        if source is not None:
            set_tags(source, [])
        else:
            RecordTag.delete().where(RecordTag.record_id == from_id).execute()
        return result
