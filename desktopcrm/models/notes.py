"""Notes on any record, with admin-defined actions, statuses and typed variables.

An *action* says what must be done (Call, Email, Send sample...), a *status* the state it is in
(Awaiting approval, No answer, Done...), *variables* add typed values (text, currency, date,
number, dropdown). Each has a name, an abbreviation and a font and background colour so lists
can be colour-coded at a glance.
"""

from __future__ import annotations

import enum
import uuid

import peewee

from desktopcrm.models.base import BaseModel
from desktopcrm.models.db import database
from desktopcrm.models.user import User


class VariableType(enum.StrEnum):
    TEXT = "text"
    CURRENCY = "currency"
    DATE = "date"
    NUMBER = "number"
    DROPDOWN = "dropdown"


class _Label(BaseModel):
    name = peewee.CharField(max_length=100)
    abbreviation = peewee.CharField(max_length=16, default="")
    fg_color = peewee.CharField(max_length=9, default="#1f2937")
    bg_color = peewee.CharField(max_length=9, default="#e5e7eb")
    position = peewee.IntegerField(default=0)
    active = peewee.BooleanField(default=True)


class NoteAction(_Label):
    class Meta:
        table_name = "note_action"


class NoteStatus(_Label):
    class Meta:
        table_name = "note_status"


class NoteVariable(_Label):
    type = peewee.CharField(max_length=16, default=VariableType.TEXT.value)

    class Meta:
        table_name = "note_variable"


class NoteVariableOption(_Label):
    variable = peewee.ForeignKeyField(NoteVariable, backref="options", on_delete="CASCADE")
    variable_id: uuid.UUID

    class Meta:
        table_name = "note_variable_option"


class Note(BaseModel):
    """A note on a lead, contact or deal (``record_type`` / ``record_id``)."""

    record_type = peewee.CharField(max_length=16)
    record_id = peewee.UUIDField()
    body = peewee.TextField(default="")
    action = peewee.ForeignKeyField(NoteAction, null=True, on_delete="SET NULL")
    status = peewee.ForeignKeyField(NoteStatus, null=True, on_delete="SET NULL")
    author = peewee.ForeignKeyField(User, null=True, index=True, on_delete="SET NULL")
    action_id: uuid.UUID | None
    status_id: uuid.UUID | None
    author_id: uuid.UUID | None

    class Meta:
        table_name = "note"
        indexes = ((("record_type", "record_id"), False),)


class NoteVariableValue(peewee.Model):
    """A variable's value on a note (changes are logged on the note)."""

    id = peewee.AutoField()
    note = peewee.ForeignKeyField(Note, backref="variable_values", on_delete="CASCADE")
    variable = peewee.ForeignKeyField(NoteVariable, on_delete="CASCADE")
    text_value = peewee.TextField(null=True)
    number_value = peewee.DecimalField(max_digits=20, decimal_places=4, null=True)
    date_value = peewee.DateField(null=True)
    option = peewee.ForeignKeyField(NoteVariableOption, null=True, on_delete="CASCADE")
    note_id: uuid.UUID
    variable_id: uuid.UUID
    option_id: uuid.UUID | None

    class Meta:
        database = database
        table_name = "note_variable_value"
        indexes = ((("note", "variable"), True), (("variable", "number_value"), False))
