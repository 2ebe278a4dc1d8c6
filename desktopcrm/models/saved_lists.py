"""Saved filters ("smart lists") of the Leads, Contacts, Companies and Deals screens."""

from __future__ import annotations

import uuid

import peewee

from desktopcrm.models.base import BaseModel
from desktopcrm.models.user import User


class SavedList(BaseModel):
    """A named list: its kind (lead, person, company, deal) and a JSON ``definition`` (filters,
    sort, search text, columns; see ``services.saved_lists``). Private to its ``owner`` unless
    ``shared`` with everyone (who then see it but may not change it)."""

    name = peewee.CharField(max_length=200)
    kind = peewee.CharField(max_length=16)
    owner = peewee.ForeignKeyField(User, null=True, on_delete="CASCADE")
    owner_id: uuid.UUID | None
    shared = peewee.BooleanField(default=False)
    definition = peewee.TextField(default="{}")
    position = peewee.IntegerField(default=0)

    class Meta:
        table_name = "saved_list"
        indexes = ((("kind", "owner"), False),)
