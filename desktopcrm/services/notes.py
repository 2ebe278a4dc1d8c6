"""Notes on leads, contacts and deals, with admin-defined actions, statuses and variables.

Actions (what must be done), statuses (how far it got) and variables (typed values: text,
currency, date, number, dropdown) each have a name, an abbreviation and a font and background
colour (seed ``003_*``). A label that notes use is deactivated rather than removed, so old
notes keep showing it. Variable values are validated by ``typed_values.parse_value``, like
custom fields, and their changes are logged on the note as ``var.<name>``.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import peewee

from desktopcrm.models import User, acting_as, log_change, write_transaction
from desktopcrm.models.base import BaseModel
from desktopcrm.models.custom_fields import FieldType
from desktopcrm.models.notes import (
    Note,
    NoteAction,
    NoteStatus,
    NoteVariable,
    NoteVariableOption,
    NoteVariableValue,
    VariableType,
)
from desktopcrm.models.records import RecordKind, record_kind
from desktopcrm.services.errors import PermissionDenied, ValidationError
from desktopcrm.services.search import index_record
from desktopcrm.services.typed_values import (
    Choice,
    Stored,
    from_stored,
    loggable,
    parse_value,
    to_stored,
)
from desktopcrm.services.visibility import require_admin, require_edit

L = TypeVar("L", NoteAction, NoteStatus, NoteVariable, NoteVariableOption)
Label = NoteAction | NoteStatus | NoteVariable | NoteVariableOption

MAX_BODY = 100_000
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_UNSET: Any = object()
_WHAT = {
    NoteAction: "action",
    NoteStatus: "status",
    NoteVariable: "variable",
    NoteVariableOption: "option",
}
VARIABLE_FIELD_TYPES = {
    VariableType.TEXT: FieldType.TEXT,
    VariableType.CURRENCY: FieldType.CURRENCY,
    VariableType.DATE: FieldType.DATE,
    VariableType.NUMBER: FieldType.NUMBER,
    VariableType.DROPDOWN: FieldType.DROPDOWN,
}


# --------------------------------------------------------------------------- labels (admins)


def _color(value: str, name: str) -> str:
    value = value.strip()
    if not _COLOR.match(value):
        raise ValidationError(
            name, f'"{value}" is not a colour; use #RRGGBB, e.g. #1e40af (pick one in the dialog).'
        )
    return value.lower()


def _siblings(model: type[L], parent: uuid.UUID | None) -> list[Any]:
    query: Any = model.live()
    if model is NoteVariableOption:
        query = query.where(NoteVariableOption.variable == parent)
    return list(query)


def _check_name(model: type[L], name: str, parent: uuid.UUID | None, own: uuid.UUID | None) -> str:
    name = " ".join(name.split())
    what = _WHAT[model]
    if not name:
        raise ValidationError("name", f"Enter a name for the {what}.")
    if len(name) > 100:
        raise ValidationError("name", f"A {what} name can have at most 100 characters.")
    for other in _siblings(model, parent):
        if other.id != own and other.name.casefold() == name.casefold():
            raise ValidationError("name", f'There already is a {what} "{other.name}".')
    return name


def _abbreviation(value: str, name: str) -> str:
    value = value.strip() or "".join(word[0] for word in name.split())[:4].upper()
    if len(value) > 16:
        raise ValidationError("abbreviation", "An abbreviation can have at most 16 characters.")
    return value


def _create(
    actor: User,
    model: type[L],
    name: str,
    abbreviation: str,
    fg_color: str,
    bg_color: str,
    **extra: Any,
) -> L:
    require_admin(actor, f"define note {_WHAT[model]}s")
    parent = extra.get("variable")
    label = model(
        name=_check_name(model, name, parent, None),
        abbreviation=_abbreviation(abbreviation, name),
        fg_color=_color(fg_color, "fg_color"),
        bg_color=_color(bg_color, "bg_color"),
        **extra,
    )
    with write_transaction(), acting_as(actor.id):
        positions = [sibling.position for sibling in _siblings(model, parent)]
        label.position = max(positions, default=-1) + 1
        label.save()
    return label


def create_action(
    actor: User,
    name: str,
    abbreviation: str = "",
    fg_color: str = "#1f2937",
    bg_color: str = "#e5e7eb",
) -> NoteAction:
    """Add a note action such as "Call" or "Send sample" (admins only)."""
    return _create(actor, NoteAction, name, abbreviation, fg_color, bg_color)


def create_status(
    actor: User,
    name: str,
    abbreviation: str = "",
    fg_color: str = "#1f2937",
    bg_color: str = "#e5e7eb",
) -> NoteStatus:
    """Add a note status such as "Awaiting approval" (admins only)."""
    return _create(actor, NoteStatus, name, abbreviation, fg_color, bg_color)


def create_variable(
    actor: User,
    name: str,
    type: VariableType,
    abbreviation: str = "",
    fg_color: str = "#1f2937",
    bg_color: str = "#e5e7eb",
    options: Sequence[str] = (),
) -> NoteVariable:
    """Add a typed note variable such as "Time zone" (dropdown) (admins only)."""
    kind = VariableType(type)
    if options and kind is not VariableType.DROPDOWN:
        raise ValidationError("options", "Only dropdown variables have options.")
    with write_transaction():
        variable = _create(
            actor, NoteVariable, name, abbreviation, fg_color, bg_color, type=kind.value
        )
        for option in options:
            create_variable_option(actor, variable, option)
    return variable


def create_variable_option(
    actor: User,
    variable: NoteVariable,
    name: str,
    abbreviation: str = "",
    fg_color: str = "#1f2937",
    bg_color: str = "#e5e7eb",
) -> NoteVariableOption:
    """Add a choice to a dropdown variable, e.g. "EST" for "Time zone" (admins only)."""
    if variable.type != VariableType.DROPDOWN.value:
        raise ValidationError("variable", f'"{variable.name}" is not a dropdown variable.')
    return _create(
        actor,
        NoteVariableOption,
        name,
        abbreviation,
        fg_color,
        bg_color,
        variable=variable.id,
    )


def update_label(
    actor: User,
    label: L,
    *,
    name: str | None = None,
    abbreviation: str | None = None,
    fg_color: str | None = None,
    bg_color: str | None = None,
    active: bool | None = None,
) -> L:
    """Change an action, status, variable or option (admins only)."""
    model = type(label)
    require_admin(actor, f"change note {_WHAT[model]}s")
    parent = getattr(label, "variable_id", None)
    if name is not None:
        label.name = _check_name(model, name, parent, label.id)
    if abbreviation is not None:
        label.abbreviation = _abbreviation(abbreviation, label.name)
    if fg_color is not None:
        label.fg_color = _color(fg_color, "fg_color")
    if bg_color is not None:
        label.bg_color = _color(bg_color, "bg_color")
    if active is not None:
        label.active = bool(active)
    with write_transaction(), acting_as(actor.id):
        label.save()
    return label


def reorder_labels(actor: User, labels: Sequence[Label]) -> None:
    """Put actions, statuses, variables or one variable's options in this order (admins)."""
    if not labels:
        return
    require_admin(actor, "reorder note labels")
    with write_transaction(), acting_as(actor.id):
        for position, label in enumerate(labels):
            if label.position != position:
                label.position = position
                label.save()


def _in_use(label: Label) -> bool:
    if isinstance(label, NoteAction):
        return Note.select().where(Note.action == label.id).exists()
    if isinstance(label, NoteStatus):
        return Note.select().where(Note.status == label.id).exists()
    if isinstance(label, NoteVariable):
        return NoteVariableValue.select().where(NoteVariableValue.variable == label.id).exists()
    return NoteVariableValue.select().where(NoteVariableValue.option == label.id).exists()


def remove_label(actor: User, label: Label) -> str:
    """Remove an action, status, variable or option (admins only).

    One that notes use is deactivated (old notes keep showing it, new ones cannot pick it);
    an unused one is deleted. Returns "deactivated" or "deleted".
    """
    require_admin(actor, f"remove note {_WHAT[type(label)]}s")
    with write_transaction(), acting_as(actor.id):
        if _in_use(label):
            label.active = False
            label.save()
            return "deactivated"
        label.delete_instance()
        return "deleted"


def labels(model: type[L], include_inactive: bool = False) -> list[L]:
    """Actions, statuses or variables in their order (active ones unless asked otherwise)."""
    query = model.live()
    if not include_inactive:
        query = query.where(model.active)
    return list(query.order_by(model.position, model.name))


def variable_options(variable: NoteVariable, include_inactive: bool = False) -> list[Any]:
    """A dropdown variable's options in their order."""
    query = NoteVariableOption.live().where(NoteVariableOption.variable == variable.id)
    if not include_inactive:
        query = query.where(NoteVariableOption.active)
    return list(query.order_by(NoteVariableOption.position, NoteVariableOption.name))


# --------------------------------------------------------------------------- notes


@dataclass
class NoteView:
    """A note with its action, status and variable values, for record pages and lists."""

    note: Note
    action: NoteAction | None
    status: NoteStatus | None
    variables: dict[str, Any] = field(default_factory=dict)


def _label_ref(model: type[L], ref: object, what: str) -> L | None:
    if ref is None:
        return None
    label: Any
    if isinstance(ref, model):
        label = ref
    else:
        query = model.live().where(model.active)
        try:
            label = query.where(model.id == uuid.UUID(str(ref))).first()
        except ValueError:
            label = None
        if label is None and isinstance(ref, str):
            label = query.where(
                peewee.fn.LOWER(model.name) == " ".join(ref.split()).lower()
            ).first()
        if label is None:
            raise ValidationError(what, f'There is no {what} "{ref}"; pick one from the list.')
    if label.deleted_at is not None or not label.active:
        raise ValidationError(what, f'The {what} "{label.name}" is no longer in use; pick another.')
    return label


def _variables(
    values: Mapping[str | uuid.UUID, object],
) -> dict[NoteVariable, Any]:
    live = labels(NoteVariable, include_inactive=True)
    by_id = {variable.id: variable for variable in live}
    by_name = {variable.name.casefold(): variable for variable in live}
    options = _options_by_variable([variable.id for variable in live])
    parsed: dict[NoteVariable, Any] = {}
    for ref, raw in values.items():
        variable = by_id.get(ref) if isinstance(ref, uuid.UUID) else None
        if variable is None:
            variable = by_name.get(str(ref).casefold())
        if variable is None:
            try:
                variable = by_id.get(uuid.UUID(str(ref)))
            except ValueError:
                variable = None
        if variable is None or (not variable.active and raw is not None):
            names = ", ".join(v.name for v in live if v.active) or "none yet"
            raise ValidationError(str(ref), f'There is no note variable "{ref}" (in use: {names}).')
        kind = VARIABLE_FIELD_TYPES[VariableType(variable.type)]
        parsed[variable] = parse_value(
            kind,
            variable.name,
            variable.name,
            raw,
            choices=[c for c, active in options.get(variable.id, []) if active],
            currency_required=False,
        )
    return parsed


def _options_by_variable(ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[tuple[Choice, bool]]]:
    result: dict[uuid.UUID, list[tuple[Choice, bool]]] = defaultdict(list)
    query = (
        NoteVariableOption.select()
        .where(NoteVariableOption.variable.in_(list(ids)))
        .order_by(NoteVariableOption.position, NoteVariableOption.name)
    )
    for option in query:
        usable = option.active and option.deleted_at is None
        result[option.variable_id].append((Choice(option.id, option.name), usable))
    return result


def _write_variables(note: Note, parsed: Mapping[NoteVariable, Any]) -> dict[str, list[Any]]:
    current = variables_of_many([note.id]).get(note.id, {})
    options = _options_by_variable([variable.id for variable in parsed])
    changes: dict[str, list[Any]] = {}
    for variable, value in parsed.items():
        old = current.get(variable.name)
        if old == value:
            continue
        changes[f"var.{variable.name}"] = [loggable(old), loggable(value)]
        NoteVariableValue.delete().where(
            NoteVariableValue.note == note.id, NoteVariableValue.variable == variable.id
        ).execute()
        kind = VARIABLE_FIELD_TYPES[VariableType(variable.type)]
        choices = [choice for choice, _ in options.get(variable.id, [])]
        for row in to_stored(kind, value, choices):
            NoteVariableValue.insert(
                note=note.id,
                variable=variable.id,
                text_value=row.text,
                number_value=row.number,
                date_value=row.date,
                option=row.option,
            ).execute()
    if changes:
        log_change(Note._meta.table_name, note.id, "update", note.version, changes)
    return changes


def _body(text: str) -> str:
    body = text.strip()
    if len(body) > MAX_BODY:
        raise ValidationError("body", f"A note can have at most {MAX_BODY:,} characters.")
    return body


def add_note(
    actor: User,
    record: BaseModel,
    body: str,
    action: NoteAction | uuid.UUID | str | None = None,
    status: NoteStatus | uuid.UUID | str | None = None,
    variables: Mapping[str | uuid.UUID, object] | None = None,
) -> Note:
    """Write a note on a lead, contact or deal ``actor`` may edit.

    ``action`` and ``status`` are labels, their ids or names; ``variables`` maps variable names
    (or ids) to values, validated by type. The note is indexed for search.
    """
    require_edit(actor, record)
    kind = record_kind(record)
    text = _body(body)
    chosen_action = _label_ref(NoteAction, action, "action")
    chosen_status = _label_ref(NoteStatus, status, "status")
    parsed = _variables(variables or {})
    if not text and chosen_action is None and chosen_status is None:
        raise ValidationError("body", "Write the note, or pick an action or a status.")
    note = Note(
        record_type=kind.value,
        record_id=record.id,
        body=text,
        action=chosen_action.id if chosen_action else None,
        status=chosen_status.id if chosen_status else None,
        author=actor.id,
    )
    with write_transaction(), acting_as(actor.id):
        note.save()
        _write_variables(note, {v: value for v, value in parsed.items() if value is not None})
        index_record(note)
    return note


def _require_author(actor: User, note: Note, what: str) -> None:
    if note.author_id != actor.id and not actor.is_admin:
        raise PermissionDenied(f"Only the author of a note or an admin can {what} it.")


def update_note(
    actor: User,
    note: Note,
    *,
    body: str | None = None,
    action: Any = _UNSET,
    status: Any = _UNSET,
    variables: Mapping[str | uuid.UUID, object] | None = None,
) -> Note:
    """Change a note's text, action, status (None clears) or variables (None clears one).

    Allowed to its author and to admins. A note changed meanwhile by someone else raises
    ``StaleRecordError`` and nothing is saved.
    """
    _require_author(actor, note, "change")
    if body is not None:
        note.body = _body(body)
    if action is not _UNSET:
        chosen_action = _label_ref(NoteAction, action, "action")
        note.action_id = chosen_action.id if chosen_action else None
    if status is not _UNSET:
        chosen_status = _label_ref(NoteStatus, status, "status")
        note.status_id = chosen_status.id if chosen_status else None
    parsed = _variables(variables or {})
    with write_transaction(), acting_as(actor.id):
        note.save()
        _write_variables(note, parsed)
        index_record(note)
    return note


def delete_note(actor: User, note: Note) -> None:
    """Delete a note (soft; its author or an admin) and take it out of search."""
    _require_author(actor, note, "delete")
    with write_transaction(), acting_as(actor.id):
        note.delete_instance()
        index_record(note)


def restore_note(actor: User, note: Note) -> Note:
    """Undo the delete of a note (its author or an admin) and put it back in search."""
    _require_author(actor, note, "restore")
    with write_transaction(), acting_as(actor.id):
        note.restore()
        index_record(note)
    return note


def variables_of_many(note_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """Variable values of many notes: ``{note id: {variable name: value}}``."""
    result: dict[uuid.UUID, dict[str, Any]] = defaultdict(dict)
    if not note_ids:
        return {}
    rows = list(NoteVariableValue.select().where(NoteVariableValue.note.in_(list(note_ids))))
    variables = {
        v.id: v
        for v in NoteVariable.select().where(NoteVariable.id.in_({r.variable_id for r in rows}))
    }
    options = _options_by_variable(list(variables))
    labels_by_id = {c.id: c.label for items in options.values() for c, _ in items}
    grouped: dict[tuple[uuid.UUID, uuid.UUID], list[Stored]] = defaultdict(list)
    for row in rows:
        grouped[(row.note_id, row.variable_id)].append(
            Stored(row.text_value, row.number_value, row.date_value, row.option_id)
        )
    for (note_id, variable_id), stored in grouped.items():
        variable = variables[variable_id]
        kind = VARIABLE_FIELD_TYPES[VariableType(variable.type)]
        result[note_id][variable.name] = from_stored(kind, stored, labels_by_id)
    return dict(result)


def notes_of(record_kind: RecordKind | str, record_id: uuid.UUID) -> list[NoteView]:
    """The live notes of a record, newest first, with their labels and variable values."""
    query = (
        Note.live()
        .where(Note.record_type == RecordKind(record_kind).value, Note.record_id == record_id)
        .order_by(Note.created_at.desc(), Note.id)
    )
    notes = list(query)
    actions = {
        a.id: a for a in NoteAction.select().where(NoteAction.id.in_({n.action_id for n in notes}))
    }
    statuses = {
        s.id: s for s in NoteStatus.select().where(NoteStatus.id.in_({n.status_id for n in notes}))
    }
    values = variables_of_many([note.id for note in notes])
    return [
        NoteView(
            note,
            actions.get(note.action_id) if note.action_id else None,
            statuses.get(note.status_id) if note.status_id else None,
            values.get(note.id, {}),
        )
        for note in notes
    ]


def move_notes(
    from_kind: RecordKind, from_id: uuid.UUID, to_kind: RecordKind, to_record: BaseModel
) -> int:
    """Move every note (deleted ones too, so they can be restored there) to another record.

    For lead conversion and merges; each move is saved (and logged) through the note and the
    note is re-indexed. Returns how many notes moved.
    """
    to_kind = RecordKind(to_kind)
    moved = 0
    with write_transaction():
        query = Note.select().where(
            Note.record_type == RecordKind(from_kind).value, Note.record_id == from_id
        )
        for note in query:
            note.record_type = to_kind.value
            note.record_id = to_record.id
            note.save()
            index_record(note)
            moved += 1
    return moved
