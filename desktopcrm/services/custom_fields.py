"""Custom fields on leads, contacts and deals: definitions (admins) and their typed values.

Values are validated in one place (``typed_values.parse_value``), which note variables use too,
and stored in the typed, indexed column of their type (``FieldType.column``), so filters and
sorts (``custom_field_queries``, used by ``services.lists``) are index lookups like built-in
columns. A value change is logged on its record as ``custom.<key>``; field definitions are
versioned records of their own.

The value helpers of ``typed_values`` and the query helpers of ``custom_field_queries`` stay
importable from here under their old names.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

import peewee

from desktopcrm.models import User, acting_as, log_change, schema, write_transaction
from desktopcrm.models.base import BaseModel, utcnow
from desktopcrm.models.custom_fields import (
    MAX_OPTIONS,
    CustomField,
    CustomFieldOption,
    CustomValue,
    FieldType,
)
from desktopcrm.models.records import RECORD_MODELS, RecordKind
from desktopcrm.services.custom_field_queries import (
    FILTER_OPS,
    filter_expression,
    order_by,
)
from desktopcrm.services.errors import ValidationError
from desktopcrm.services.typed_values import (
    CURRENCY_CODE,
    MAX_ADDRESS,
    MAX_PARAGRAPH,
    MAX_TEXT,
    NUMBER_LIMIT,
    NUMBER_PLACES,
    PHONE_REGION_META,
    Choice,
    Money,
    Stored,
    from_stored,
    is_empty,
    loggable,
    parse_value,
    phone_region,
    to_stored,
)
from desktopcrm.services.visibility import require_admin

__all__ = [
    "FILTER_OPS",
    "MAX_ADDRESS",
    "MAX_NAME",
    "MAX_OPTIONS",
    "MAX_PARAGRAPH",
    "MAX_TEXT",
    "NUMBER_LIMIT",
    "NUMBER_PLACES",
    "PHONE_REGION_META",
    "Choice",
    "Money",
    "OptionSpec",
    "Stored",
    "copy_values",
    "create_field",
    "delete_field",
    "field_by_key",
    "fields_of",
    "filter_expression",
    "from_stored",
    "get_values",
    "get_values_many",
    "is_empty",
    "loggable",
    "option_choices",
    "options_of",
    "order_by",
    "parse_value",
    "phone_region",
    "rename_field",
    "rename_option",
    "reorder_fields",
    "set_options",
    "set_phone_region",
    "set_values",
    "slugify",
    "to_stored",
    "update_field",
]

MAX_NAME = 200

ENTITY_WORDS = {RecordKind.LEAD: "leads", RecordKind.CONTACT: "contacts", RecordKind.DEAL: "deals"}

_SLUG_JUNK = re.compile(r"[^a-z0-9]+")


# --------------------------------------------------------------------------- definitions


def slugify(name: str) -> str:
    """The stable key of a field name: ASCII, lower case, words joined by underscores."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return _SLUG_JUNK.sub("_", ascii_name.lower()).strip("_")[:100] or "field"


def fields_of(entity: RecordKind | str, include_deleted: bool = False) -> list[CustomField]:
    """The custom fields of a record kind, in their display order."""
    query = CustomField.select() if include_deleted else CustomField.live()
    query = query.where(CustomField.entity == RecordKind(entity).value)
    return list(query.order_by(CustomField.position, CustomField.created_at))


def field_by_key(entity: RecordKind | str, key: str) -> CustomField | None:
    """The live field of ``entity`` with ``key`` (None if there is none)."""
    query = CustomField.live().where(
        CustomField.entity == RecordKind(entity).value, CustomField.key == key
    )
    return query.first()


def options_of(field: CustomField, include_deleted: bool = False) -> list[CustomFieldOption]:
    """A dropdown or multi-select field's options in their order."""
    query = CustomFieldOption.select() if include_deleted else CustomFieldOption.live()
    query = query.where(CustomFieldOption.field == field.id)
    return list(query.order_by(CustomFieldOption.position, CustomFieldOption.created_at))


def _field_name(field: CustomField | None, entity: RecordKind, name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError("name", "Enter a name for the field.")
    if len(name) > MAX_NAME:
        raise ValidationError("name", f"A field name can have at most {MAX_NAME} characters.")
    for other in fields_of(entity):
        if other.id != (field.id if field else None) and other.name.casefold() == name.casefold():
            raise ValidationError(
                "name", f'{ENTITY_WORDS[entity].capitalize()} already have a field "{other.name}".'
            )
    return name


def _currency_code(currency: str) -> str:
    code = currency.strip().upper()
    if code and not CURRENCY_CODE.match(code):
        raise ValidationError(
            "currency", f'"{currency}" is not a currency code; use three letters such as EUR.'
        )
    return code


def create_field(
    actor: User,
    entity: RecordKind,
    name: str,
    type: FieldType,
    options: Sequence[str] = (),
    required: bool = False,
    currency: str = "",
) -> CustomField:
    """Add a custom field to leads, contacts (people and companies) or deals (admins only).

    Its ``key`` is the slug of the name, unique per record kind and kept on renames.
    """
    require_admin(actor, "add custom fields")
    entity = RecordKind(entity)
    kind = FieldType(type)
    name = _field_name(None, entity, name)
    key = slugify(name)
    if field_by_key(entity, key) is not None:
        raise ValidationError(
            "name", f'The name "{name}" gives the key "{key}", which another field already uses.'
        )
    if options and not kind.has_options:
        raise ValidationError("options", "Only dropdown and multi-select fields have options.")
    with write_transaction(), acting_as(actor.id):
        last = (
            CustomField.select(peewee.fn.MAX(CustomField.position))
            .where(CustomField.entity == entity.value)
            .scalar()
        )
        field = CustomField(
            entity=entity.value,
            name=name,
            key=key,
            type=kind.value,
            position=(last if last is not None else -1) + 1,
            required=bool(required),
            currency=_currency_code(currency),
        )
        field.save()
        if options:
            set_options(actor, field, options)
    return field


def update_field(
    actor: User,
    field: CustomField,
    *,
    name: str | None = None,
    required: bool | None = None,
    currency: str | None = None,
) -> CustomField:
    """Rename a field or change whether it is required or its default currency (admins only).

    The key stays as it was, so CSV mappings and filters keep working after a rename.
    """
    require_admin(actor, "change custom fields")
    entity = RecordKind(field.entity)
    if name is not None:
        field.name = _field_name(field, entity, name)
    if required is not None:
        field.required = bool(required)
    if currency is not None:
        field.currency = _currency_code(currency)
    with write_transaction(), acting_as(actor.id):
        field.save()
    return field


def rename_field(actor: User, field: CustomField, name: str) -> CustomField:
    """Give a field a new name; its key and its values stay (admins only)."""
    return update_field(actor, field, name=name)


def reorder_fields(actor: User, entity: RecordKind, fields: Sequence[CustomField]) -> None:
    """Put the fields of ``entity`` in the given order (admins only); others keep theirs after."""
    require_admin(actor, "reorder custom fields")
    _reorder(actor, fields, fields_of(entity))


def _reorder(actor: User, wanted: Sequence[BaseModel], existing: Sequence[BaseModel]) -> None:
    ids = [item.id for item in wanted]
    by_id = {item.id: item for item in existing}
    unknown = [item_id for item_id in ids if item_id not in by_id]
    if unknown:
        raise ValidationError("position", "Some of the items to reorder no longer exist; reload.")
    by_id.update({item.id: item for item in wanted})
    order = ids + [item.id for item in existing if item.id not in set(ids)]
    with write_transaction(), acting_as(actor.id):
        for position, item_id in enumerate(order):
            item = by_id[item_id]
            if item.position != position:  # type: ignore[attr-defined]
                item.position = position  # type: ignore[attr-defined]
                item.save()


def delete_field(actor: User, field: CustomField) -> None:
    """Remove a field (admins only). Soft: its values stay in the database but are hidden."""
    require_admin(actor, "delete custom fields")
    with write_transaction(), acting_as(actor.id):
        field.delete_instance()


OptionSpec = str | tuple[uuid.UUID | CustomFieldOption, str]


def set_options(
    actor: User,
    field: CustomField,
    labels: Sequence[OptionSpec],
    replace_with: Mapping[str, str] | None = None,
) -> list[CustomFieldOption]:
    """Make ``labels`` the options of a dropdown or multi-select field, in this order (admins).

    An item is a label (matched to an existing option by label, case-insensitively, else new)
    or ``(option or option id, label)`` to rename an option: values keep pointing at it.
    Options left out are removed; one still in use is refused unless ``replace_with`` maps its
    label to a label of the new list, to which its values move.
    """
    require_admin(actor, "change the options of custom fields")
    kind = field.type_enum
    if not kind.has_options:
        raise ValidationError("options", f'"{field.name}" is not a dropdown or multi-select field.')
    if len(labels) > MAX_OPTIONS:
        raise ValidationError(
            "options",
            f'"{field.name}" can have at most {MAX_OPTIONS} options; this list has {len(labels)}. '
            "Remove some, or use a text field for open-ended values.",
        )
    current = options_of(field)
    by_id = {option.id: option for option in current}
    by_label = {option.label.casefold(): option for option in current}
    plan: list[tuple[CustomFieldOption | None, str]] = []
    seen: set[str] = set()
    for item in labels:
        if isinstance(item, str):
            label, target = item, None
        else:
            ref, label = item
            ref_id = ref.id if isinstance(ref, CustomFieldOption) else ref
            target = by_id.get(ref_id)
            if target is None:
                raise ValidationError("options", f'The option renamed to "{label}" is gone.')
        label = " ".join(str(label).split())
        if not label:
            raise ValidationError("options", "An option needs a label; remove empty lines.")
        if len(label) > MAX_NAME:
            raise ValidationError("options", f'"{label[:40]}…" is longer than {MAX_NAME} letters.')
        if label.casefold() in seen:
            raise ValidationError("options", f'"{label}" is listed twice; option labels differ.')
        seen.add(label.casefold())
        plan.append((target, label))
    claimed = {target.id for target, _ in plan if target is not None}
    for index, (target, label) in enumerate(plan):
        if target is None:
            match = by_label.get(label.casefold())
            if match is not None and match.id not in claimed:
                plan[index] = (match, label)
                claimed.add(match.id)
    removed = [option for option in current if option.id not in claimed]
    with write_transaction(), acting_as(actor.id):
        result: list[CustomFieldOption] = []
        for position, (target, label) in enumerate(plan):
            option = target or CustomFieldOption(field=field.id)
            option.label, option.position = label, position
            option.save()
            result.append(option)
        new_by_label = {option.label.casefold(): option for option in result}
        for option in removed:
            _retire_option(field, option, replace_with or {}, new_by_label)
    return result


def _retire_option(
    field: CustomField,
    option: CustomFieldOption,
    replace_with: Mapping[str, str],
    new_by_label: Mapping[str, CustomFieldOption],
) -> None:
    in_use: list[uuid.UUID] = [
        row.record_id
        for row in CustomValue.select(CustomValue.record_id)
        .where(CustomValue.option == option.id)
        .distinct()
    ]
    if in_use:
        replacement_label = {k.casefold(): v for k, v in replace_with.items()}.get(
            option.label.casefold()
        )
        replacement = new_by_label.get((replacement_label or "").casefold())
        if replacement is None:
            raise ValidationError(
                "options",
                f'"{option.label}" is used by {len(in_use)} record(s). Keep it, or say which '
                "option their values should move to.",
            )
        entity = RecordKind(field.entity)
        before = _current_values(field, in_use)
        for record_id in in_use:
            has_target = (
                CustomValue.select()
                .where(
                    CustomValue.record_id == record_id,
                    CustomValue.field == field.id,
                    CustomValue.option == replacement.id,
                )
                .exists()
            )
            rows = CustomValue.select(CustomValue.id).where(
                CustomValue.record_id == record_id, CustomValue.option == option.id
            )
            if has_target:
                CustomValue.delete().where(CustomValue.id.in_(rows)).execute()
            else:
                CustomValue.update(option=replacement.id).where(CustomValue.id.in_(rows)).execute()
        after = _current_values(field, in_use)
        _log_value_changes(entity, field, before, after)
    option.delete_instance()


def _current_values(field: CustomField, record_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Any]:
    values = _values_query(RecordKind(field.entity), record_ids, [field])
    return {record_id: fields.get(field.key) for record_id, fields in values.items()}


def _log_value_changes(
    entity: RecordKind,
    field: CustomField,
    before: Mapping[uuid.UUID, Any],
    after: Mapping[uuid.UUID, Any],
) -> None:
    model = RECORD_MODELS[entity]
    changed = [record_id for record_id in before if before[record_id] != after.get(record_id)]
    if not changed:
        return
    # A new version of each record, so an editor's copy of one of them becomes stale.
    model.update({model.version: model.version + 1, model.updated_at: utcnow()}).where(
        model.id.in_(changed)
    ).execute()
    versions = {
        row.id: row.version
        for row in model.select(model.id, model.version).where(model.id.in_(changed))
    }
    for record_id in changed:
        if record_id in versions:
            old, new = before[record_id], after.get(record_id)
            change = {f"custom.{field.key}": [loggable(old), loggable(new)]}
            log_change(model._meta.table_name, record_id, "update", versions[record_id], change)


def rename_option(actor: User, option: CustomFieldOption, label: str) -> CustomFieldOption:
    """Give one option a new label; values that use it keep it (admins only)."""
    field = CustomField.get_by_id(option.field_id)
    specs: list[OptionSpec] = [
        (item.id, label if item.id == option.id else item.label) for item in options_of(field)
    ]
    return next(o for o in set_options(actor, field, specs) if o.id == option.id)


def set_phone_region(actor: User, region: str) -> None:
    """Set the office's default phone region, e.g. "PL" (admins only; empty to unset)."""
    require_admin(actor, "set the default phone region")
    import phonenumbers  # slow to import: only where a phone is read

    region = region.strip().upper()
    if region and region not in phonenumbers.SUPPORTED_REGIONS:
        raise ValidationError("region", f'"{region}" is not a country code such as PL or GB.')
    with write_transaction():
        schema.set_meta(PHONE_REGION_META, region)


# --------------------------------------------------------------------------- values


def option_choices(field_ids: Iterable[uuid.UUID], include_deleted: bool = False) -> dict[Any, Any]:
    """The options of each field, in order, keyed by field id (one query; for validation and
    bulk import)."""
    query = CustomFieldOption.select() if include_deleted else CustomFieldOption.live()
    query = query.where(CustomFieldOption.field.in_(list(field_ids))).order_by(
        CustomFieldOption.position, CustomFieldOption.created_at
    )
    result: dict[uuid.UUID, list[Choice]] = defaultdict(list)
    for option in query:
        result[option.field_id].append(Choice(option.id, option.label))
    return result


def set_values(
    entity: RecordKind,
    record: BaseModel,
    values: Mapping[str, object],
    *,
    region: str | None = None,
    new_record: bool = False,
) -> dict[str, list[Any]]:
    """Validate and store custom values of ``record``; returns ``{key: [old, new]}`` of changes.

    Every value is validated before anything is written: an unknown key, a value of the wrong
    type or an empty required field raises ``ValidationError(key, ...)``. A None or blank value
    clears the field. ``region`` is the phone region for numbers typed without a country code
    (default: the office's, see ``set_phone_region``). A change is a new version of the record
    unless ``new_record`` (inserted in this transaction: the values are part of its first one).
    """
    return _store(RecordKind(entity), record, values, region=region, new_record=new_record)


def _store(
    entity: RecordKind,
    record: BaseModel,
    values: Mapping[str, object],
    *,
    region: str | None = None,
    check_required: bool = True,
    new_record: bool = False,
) -> dict[str, list[Any]]:
    fields = {field.key: field for field in fields_of(entity)}
    unknown = [key for key in values if key not in fields]
    if unknown:
        known = ", ".join(sorted(fields)) or "none yet"
        raise ValidationError(
            unknown[0],
            f'{ENTITY_WORDS[entity].capitalize()} have no custom field "{unknown[0]}" '
            f"(fields: {known}).",
        )
    choices = option_choices(field.id for field in fields.values())
    parsed: dict[str, Any] = {}
    for key, raw in values.items():
        field = fields[key]
        parsed[key] = parse_value(
            field.type_enum,
            key,
            field.name,
            raw,
            choices=choices.get(field.id, []),
            currency=field.currency,
            region=region,
        )
    with write_transaction():
        current = _values_query(entity, [record.id], list(fields.values())).get(record.id, {})
        for field in fields.values():
            final = parsed[field.key] if field.key in parsed else current.get(field.key)
            if check_required and field.required and final is None:
                raise ValidationError(field.key, f"{field.name} is required; enter a value.")
        changes = {
            key: [current.get(key), new] for key, new in parsed.items() if current.get(key) != new
        }
        for key, (_, new) in changes.items():
            field = fields[key]
            _write_rows(field, record.id, to_stored(field.type_enum, new, choices[field.id]))
        logged = {
            f"custom.{k}": [loggable(old), loggable(new)] for k, (old, new) in changes.items()
        }
        if logged and new_record:
            log_change(record._meta.table_name, record.id, "update", record.version, logged)
        elif logged:
            record.log_outside_changes(logged)
    return changes


def _write_rows(field: CustomField, record_id: uuid.UUID, rows: Sequence[Stored]) -> None:
    CustomValue.delete().where(
        CustomValue.record_id == record_id, CustomValue.field == field.id
    ).execute()
    if rows:
        CustomValue.insert_many(
            [
                {
                    "field": field.id,
                    "record_id": record_id,
                    "text_value": row.text,
                    "number_value": row.number,
                    "date_value": row.date,
                    "option": row.option,
                }
                for row in rows
            ]
        ).execute()


def get_values(entity: RecordKind, record_id: uuid.UUID) -> dict[str, Any]:
    """The custom values of one record as ``{key: Python value}`` (empty fields left out)."""
    return get_values_many(entity, [record_id]).get(record_id, {})


def get_values_many(
    entity: RecordKind, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, dict[str, Any]]:
    """Custom values of many records, ``{record id: {key: value}}``, for lists and export."""
    return _values_query(RecordKind(entity), ids, fields_of(entity))


_CHUNK = 5000


def _values_query(
    entity: RecordKind, ids: Sequence[uuid.UUID], fields: Sequence[CustomField]
) -> dict[uuid.UUID, dict[str, Any]]:
    by_id = {field.id: field for field in fields}
    result: dict[uuid.UUID, dict[str, Any]] = {}
    if not by_id or not ids:
        return result
    labels = {
        choice.id: choice.label
        for options in option_choices(by_id, include_deleted=True).values()
        for choice in options
    }
    position = peewee.fn.COALESCE(CustomFieldOption.position, 0)
    for start in range(0, len(ids), _CHUNK):
        chunk = list(ids[start : start + _CHUNK])
        query = (
            CustomValue.select(
                CustomValue.record_id,
                CustomValue.field,
                CustomValue.text_value,
                CustomValue.number_value,
                CustomValue.date_value,
                CustomValue.option,
            )
            .join(CustomFieldOption, peewee.JOIN.LEFT_OUTER)
            .where(CustomValue.record_id.in_(chunk), CustomValue.field.in_(list(by_id)))
            .order_by(CustomValue.record_id, CustomValue.field, position, CustomValue.id)
            .tuples()
        )
        rows: dict[tuple[uuid.UUID, uuid.UUID], list[Stored]] = defaultdict(list)
        for record_id, field_id, text, number, date, option in cast(
            Iterable[tuple[Any, ...]], query
        ):
            rows[(record_id, field_id)].append(Stored(text, number, date, option))
        for (record_id, field_id), stored in rows.items():
            field = by_id[field_id]
            value = from_stored(field.type_enum, stored, labels)
            if value is not None:
                result.setdefault(record_id, {})[field.key] = value
    return result


_FAMILIES = (
    {
        FieldType.TEXT,
        FieldType.PARAGRAPH,
        FieldType.EMAIL,
        FieldType.PHONE,
        FieldType.URL,
        FieldType.ADDRESS,
    },
    {FieldType.NUMBER, FieldType.CURRENCY},
    {FieldType.DROPDOWN, FieldType.MULTISELECT},
    {FieldType.DATE},
    {FieldType.CHECKBOX},
)


def _compatible(source: FieldType, target: FieldType) -> bool:
    return any(source in family and target in family for family in _FAMILIES)


def copy_values(
    from_kind: RecordKind, from_id: uuid.UUID, to_kind: RecordKind, to_record: BaseModel
) -> list[str]:
    """Carry custom values over to another record (lead conversion, merge).

    A value goes to the target's field with the same key when the types are compatible and the
    value is valid there (e.g. a dropdown label the target field also has). Required fields of
    the target are not enforced here. Returns the keys that could not be carried, so the
    caller can tell the user.
    """
    source_fields = {field.key: field for field in fields_of(from_kind)}
    target_fields = {field.key: field for field in fields_of(to_kind)}
    choices = option_choices(field.id for field in target_fields.values())
    accepted: dict[str, object] = {}
    lost: list[str] = []
    for key, value in get_values(from_kind, from_id).items():
        target = target_fields.get(key)
        if target is None or not _compatible(source_fields[key].type_enum, target.type_enum):
            lost.append(key)
            continue
        if isinstance(value, Money) and target.type_enum is FieldType.NUMBER:
            value = value.amount
        if target.type_enum is FieldType.DROPDOWN and isinstance(value, list):
            if len(value) != 1:
                lost.append(key)
                continue
            value = value[0]
        try:
            parse_value(
                target.type_enum,
                key,
                target.name,
                value,
                choices=choices.get(target.id, []),
                currency=target.currency,
            )
        except ValidationError:
            lost.append(key)
            continue
        accepted[key] = value
    if accepted:
        _store(RecordKind(to_kind), to_record, accepted, check_required=False)
    return sorted(lost)
