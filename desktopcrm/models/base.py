"""The record conventions every table follows, and the one write path with its change log.

Every record has a UUID id, ``created_at`` / ``updated_at`` (naive UTC), a ``version`` that
goes up by one on every write, and a ``deleted_at`` tombstone. ``save()`` and
``delete_instance()`` are the write path: inside one transaction they check the version (a
stale one raises ``StaleRecordError``, never overwrites) and append a ``ChangeLog`` row saying
what changed, who changed it and from which running app. The change log feeds the activity
feed, the live refresh of other windows and PCs, notifications and automation.

Bulk query builders (``Model.update()``, ``Model.delete()``, ``insert_many``) bypass this path;
code that uses them for speed must write the matching change-log rows with ``log_change``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import json
import uuid
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from typing import Any, ClassVar, Self

import peewee

from desktopcrm.models.db import database, write_transaction
from desktopcrm.models.errors import StaleRecordError

#: Identifies this running app in the change log, so a window can tell its own writes apart.
ORIGIN = uuid.uuid4().hex

_actor: ContextVar[uuid.UUID | None] = ContextVar("desktopcrm_actor", default=None)
_default_actor: uuid.UUID | None = None


def utcnow() -> dt.datetime:
    """The current time in UTC, naive, as every timestamp is stored."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def set_default_actor(user_id: uuid.UUID | None) -> None:
    """The user credited in the change log when no ``acting_as`` block says otherwise."""
    global _default_actor
    _default_actor = user_id


@contextlib.contextmanager
def acting_as(user_id: uuid.UUID | None) -> Iterator[None]:
    """Credit writes made inside the block (in this thread or task) to ``user_id``."""
    token = _actor.set(user_id)
    try:
        yield
    finally:
        _actor.reset(token)


def current_actor() -> uuid.UUID | None:
    return _actor.get() or _default_actor


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return f"<{len(value)} bytes>"
    if isinstance(value, set | frozenset):
        return sorted(value)
    return str(value)


def encode_changes(changes: dict[str, Any]) -> str:
    return json.dumps(changes, default=_json_default, ensure_ascii=False, sort_keys=True)


class ChangeLog(peewee.Model):
    """One row per change to any record, written in the same transaction as the change.

    ``seq`` only grows, so "everything after seq N" is how readers catch up.
    """

    seq = peewee.AutoField()
    table_name = peewee.CharField(max_length=64)
    row_id = peewee.UUIDField()
    operation = peewee.CharField(max_length=16)  # insert / update / delete / restore / purge
    version = peewee.IntegerField()
    changes = peewee.TextField(default="{}")
    user_id = peewee.UUIDField(null=True, index=True)
    origin = peewee.CharField(max_length=32)
    at = peewee.DateTimeField(default=utcnow, index=True)

    class Meta:
        database = database
        table_name = "change_log"
        indexes = ((("table_name", "row_id"), False),)

    @property
    def changed(self) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(self.changes)
        return result

    @classmethod
    def after(cls, seq: int, limit: int = 1000) -> list[ChangeLog]:
        """Changes newer than ``seq``, oldest first."""
        return list(cls.select().where(cls.seq > seq).order_by(cls.seq).limit(limit))

    @classmethod
    def last_seq(cls) -> int:
        value = cls.select(peewee.fn.MAX(cls.seq)).scalar()
        return int(value or 0)


def log_change(
    table_name: str,
    row_id: uuid.UUID,
    operation: str,
    version: int,
    changes: dict[str, Any],
) -> None:
    """Append a change-log row (call inside the transaction that made the change)."""
    ChangeLog.insert(
        table_name=table_name,
        row_id=row_id,
        operation=operation,
        version=version,
        changes=encode_changes(changes),
        user_id=current_actor(),
        origin=ORIGIN,
        at=utcnow(),
    ).execute()


class BaseModel(peewee.Model):
    """A versioned, soft-deletable record whose every write is logged."""

    id = peewee.UUIDField(primary_key=True, default=uuid.uuid4)
    created_at = peewee.DateTimeField()  # set on insert unless given (imports keep theirs)
    updated_at = peewee.DateTimeField()
    version = peewee.IntegerField(default=0)
    deleted_at = peewee.DateTimeField(null=True, index=True)

    _dirty: set[str]
    BOOKKEEPING: ClassVar[frozenset[str]] = frozenset(
        {"id", "created_at", "updated_at", "version", "deleted_at"}
    )

    class Meta:
        database = database
        legacy_table_names = False
        only_save_dirty = True

    @property
    def is_new(self) -> bool:
        """True until the record has been inserted."""
        return not self.version

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @classmethod
    def live(cls, *fields: Any) -> peewee.ModelSelect[Self]:
        """Select records that are not deleted."""
        return cls.select(*fields).where(cls.deleted_at.is_null())

    def _field_values(self, names: Iterable[str]) -> dict[str, Any]:
        return {name: self.__data__.get(name) for name in names}

    def _current_row(self) -> dict[str, Any] | None:
        cls = type(self)
        row: dict[str, Any] | None = cls.select().where(cls.id == self.id).dicts().first()
        return row

    def save(self, force_insert: bool = False, only: Any = None) -> int:
        """Insert or update through the change log; a stale version raises ``StaleRecordError``."""
        with write_transaction():
            if self.is_new:
                return self._insert()
            return self._update()

    def _insert(self) -> int:
        now = utcnow()
        self.created_at = self.created_at or now
        self.updated_at = now
        self.version = 1
        result = super().save(force_insert=True)
        fields = [f.name for f in self._meta.sorted_fields if f.name not in self.BOOKKEEPING]
        values = {k: v for k, v in self._field_values(fields).items() if v is not None}
        log_change(self._meta.table_name, self.id, "insert", 1, values)
        return int(result or 1)

    def _update(self) -> int:
        cls = type(self)
        dirty = [f for f in self.dirty_fields if f.name not in self.BOOKKEEPING]
        if not dirty:
            self._dirty.clear()
            return 0
        current = self._current_row()
        if current is None:
            raise self._stale(current)
        if current["version"] != self.version:
            self._merge_disjoint(current, {f.name for f in dirty})
        base_version = current["version"]
        changes = {
            f.name: [current[f.name], self.__data__.get(f.name)]
            for f in dirty
            if current[f.name] != f.python_value(f.db_value(self.__data__.get(f.name)))
        }
        if not changes:
            self.version = base_version
            self._dirty.clear()
            return 0
        now = utcnow()
        values: dict[Any, Any] = {cls._meta.fields[name]: new for name, (_, new) in changes.items()}
        values[cls.updated_at] = now
        values[cls.version] = base_version + 1
        updated = cls.update(values).where(cls.id == self.id, cls.version == base_version).execute()
        if updated != 1:
            raise self._stale(self._current_row())
        self.version = base_version + 1
        self.updated_at = now
        self._dirty.clear()
        log_change(self._meta.table_name, self.id, "update", self.version, changes)
        return 1

    def _merge_disjoint(self, current: dict[str, Any], mine: set[str]) -> None:
        """Accept an update based on an old version when nobody else touched its fields.

        Someone else's later writes to *other* fields (a status the services derived, a field a
        colleague edited) are taken into this object; a field both sides changed, or a record
        deleted meanwhile, is a conflict (``StaleRecordError``), never an overwrite.
        """
        theirs, _ = self._changes_since(self.version)
        if current["deleted_at"] is not None or "deleted" in theirs or theirs & mine:
            raise self._stale(current)
        for name in theirs:
            if name in self._meta.fields and name not in mine:
                self.__data__[name] = current[name]
        self.updated_at = current["updated_at"]

    def check_unchanged_since(self, version: int, names: Iterable[str]) -> None:
        """Refuse (``StaleRecordError``) when a write after ``version`` changed one of ``names``
        or deleted the record. For values kept outside the row (``custom.<key>``), which the
        row's own version check cannot see; call inside the write transaction."""
        wanted = set(names)
        current = self._current_row()
        if not wanted or (current is not None and current["version"] == version):
            return
        theirs, _ = self._changes_since(version)
        gone = current is None or current["deleted_at"] is not None or "deleted" in theirs
        if gone or theirs & wanted:
            raise self._stale(current, since=version)

    def log_outside_changes(self, changes: dict[str, Any]) -> None:
        """Record changes to values kept outside the row (custom values) as a new version of
        the record, so other editors' copies become stale; call inside the write transaction."""
        cls = type(self)
        now = utcnow()
        cls.update({cls.version: cls.version + 1, cls.updated_at: now}).where(
            cls.id == self.id
        ).execute()
        self.version = int(cls.select(cls.version).where(cls.id == self.id).scalar())
        self.updated_at = now
        log_change(self._meta.table_name, self.id, "update", self.version, changes)

    def _set_tombstone(self, deleted_at: dt.datetime | None, operation: str) -> int:
        cls = type(self)
        with write_transaction():
            current = self._current_row()
            if current is None or current["version"] != self.version:
                raise self._stale(current)
            now = utcnow()
            updated = (
                cls.update(
                    {cls.deleted_at: deleted_at, cls.updated_at: now, cls.version: cls.version + 1}
                )
                .where(cls.id == self.id, cls.version == self.version)
                .execute()
            )
            if updated != 1:
                raise self._stale(self._current_row())
            self.deleted_at = deleted_at
            self.updated_at = now
            self.version += 1
            self._dirty.clear()
            log_change(self._meta.table_name, self.id, operation, self.version, {})
            return 1

    def delete_instance(self, recursive: bool = False, delete_nullable: bool = False) -> int:
        """Soft delete: set the tombstone. ``purge()`` removes the row for good."""
        if self.is_deleted:
            return 0
        return self._set_tombstone(utcnow(), "delete")

    def restore(self) -> int:
        """Undo a soft delete."""
        if not self.is_deleted:
            return 0
        return self._set_tombstone(None, "restore")

    def purge(self) -> int:
        """Remove the row from the database for good (explicit, logged)."""
        cls = type(self)
        with write_transaction():
            deleted = cls.delete().where(cls.id == self.id).execute()
            log_change(self._meta.table_name, self.id, "purge", self.version + 1, {})
            return int(deleted)

    def reload(self) -> BaseModel:
        """Fresh copy of this record from the database."""
        return type(self).get_by_id(self.id)

    def _changes_since(self, version: int) -> tuple[set[str], uuid.UUID | None]:
        """Fields changed by writes after ``version`` (``deleted`` for a tombstone), and the
        user of the last of them, from the change log."""
        entries = (
            ChangeLog.select()
            .where(
                ChangeLog.table_name == self._meta.table_name,
                ChangeLog.row_id == self.id,
                ChangeLog.version > (version or 0),
            )
            .order_by(ChangeLog.seq)
        )
        fields: set[str] = set()
        last_user: uuid.UUID | None = None
        for entry in entries:
            fields.update(entry.changed)
            if entry.operation in ("delete", "purge"):
                fields.add("deleted")
            last_user = entry.user_id
        return fields, last_user

    def _stale(self, current: dict[str, Any] | None, since: int | None = None) -> StaleRecordError:
        version = self.version if since is None else since
        fields, last_user = self._changes_since(version)
        return StaleRecordError(
            self._meta.table_name,
            self.id,
            version,
            current or {},
            changed_by=user_name(last_user) if last_user is not None else None,
            changed_fields=tuple(sorted(fields)),
        )


def user_name(user_id: uuid.UUID) -> str | None:
    """Display name of a user id (``None`` if there is no such user)."""
    from desktopcrm.models.user import User

    user = User.get_or_none(User.id == user_id)
    return user.name if user else None
