"""Custom fields on leads, contacts and deals, with typed, indexed values.

A value lives in the column of its type (``text_value``, ``number_value``, ``date_value``,
``option``), indexed together with the field, so filtering and sorting on a custom field is an
index lookup like a built-in column. Multi-select values are one row per chosen option.
Values belong to their record: their changes are logged on it (``log_change``), not versioned.
"""

from __future__ import annotations

import enum
import uuid

import peewee

from desktopcrm.models.base import BaseModel
from desktopcrm.models.db import database

MAX_OPTIONS = 500


class FieldType(enum.StrEnum):
    TEXT = "text"
    PARAGRAPH = "paragraph"
    CHECKBOX = "checkbox"
    DROPDOWN = "dropdown"
    MULTISELECT = "multiselect"
    DATE = "date"
    EMAIL = "email"
    PHONE = "phone"
    ADDRESS = "address"
    URL = "url"
    NUMBER = "number"
    CURRENCY = "currency"

    @property
    def has_options(self) -> bool:
        return self in (FieldType.DROPDOWN, FieldType.MULTISELECT)

    @property
    def column(self) -> str:
        """The ``CustomValue`` column values of this type are stored, filtered and sorted in."""
        if self.has_options:
            return "option"
        if self in (FieldType.NUMBER, FieldType.CURRENCY, FieldType.CHECKBOX):
            return "number_value"
        if self is FieldType.DATE:
            return "date_value"
        return "text_value"


class CustomField(BaseModel):
    """A field admins add to a record kind (``entity``: lead, contact or deal)."""

    entity = peewee.CharField(max_length=16, index=True)
    name = peewee.CharField(max_length=200)
    key = peewee.CharField(max_length=100)  # stable slug used in CSV headers and the API
    type = peewee.CharField(max_length=16)
    position = peewee.IntegerField(default=0)
    required = peewee.BooleanField(default=False)
    currency = peewee.CharField(max_length=3, default="")  # default currency of currency fields

    class Meta:
        table_name = "custom_field"

    @property
    def type_enum(self) -> FieldType:
        return FieldType(self.type)


class CustomFieldOption(BaseModel):
    """One choice of a dropdown or multi-select field (at most ``MAX_OPTIONS`` per field)."""

    field = peewee.ForeignKeyField(CustomField, backref="options", on_delete="CASCADE")
    field_id: uuid.UUID
    label = peewee.CharField(max_length=200)
    position = peewee.IntegerField(default=0)

    class Meta:
        table_name = "custom_field_option"
        indexes = ((("field", "position"), False),)


class CustomValue(peewee.Model):
    """One value of one custom field on one record."""

    id = peewee.AutoField()
    field = peewee.ForeignKeyField(CustomField, on_delete="CASCADE")
    record_id = peewee.UUIDField()
    text_value = peewee.TextField(null=True)
    number_value = peewee.DecimalField(max_digits=20, decimal_places=4, null=True)
    date_value = peewee.DateField(null=True)
    option = peewee.ForeignKeyField(CustomFieldOption, null=True, on_delete="CASCADE")
    field_id: uuid.UUID
    option_id: uuid.UUID | None

    class Meta:
        database = database
        table_name = "custom_value"
        # (field, typed column, record): filters seek to the values, sorts read the field's
        # values in order with the record id as the tie-break, without touching the table.
        indexes = (
            (("record_id", "field"), False),
            (("field", "text_value", "record_id"), False),
            (("field", "number_value", "record_id"), False),
            (("field", "date_value", "record_id"), False),
            (("field", "option", "record_id"), False),
        )
