"""Mail templates: reusable subject and body with ``{fields}`` filled from a record.

A template belongs to the user who wrote it; ``shared`` ones are offered to the whole office
(only their owner, or an admin, changes them). Templates are records: versioned, soft-deleted,
in the change log.
"""

from __future__ import annotations

import uuid

import peewee

from desktopcrm.models.base import BaseModel
from desktopcrm.models.user import User


class MailTemplate(BaseModel):
    name = peewee.CharField(max_length=200)
    subject = peewee.TextField(default="")
    text_body = peewee.TextField(default="")
    html_body = peewee.TextField(default="")  # "" when the template is plain text
    owner = peewee.ForeignKeyField(User, null=True, index=True, on_delete="SET NULL")
    owner_id: uuid.UUID | None
    shared = peewee.BooleanField(default=False)

    class Meta:
        table_name = "mail_template"


MAIL_TEMPLATE_MODELS: list[type[peewee.Model]] = [MailTemplate]
