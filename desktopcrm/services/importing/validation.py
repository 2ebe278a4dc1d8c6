"""Validating rows to import, with the same rules as creating a record by hand.

The services' own functions decide: ``records.clean_fields`` (names, lengths, email),
``leads``/``deals`` cleaners, ``custom_fields.parse_value``, ``visibility.require_assign``,
``duplicates``. What can be decided once per import is (users, statuses, stages, custom
fields, which owners the importer may assign); per row, built-in fields are checked by a
precompiled fast path that accepts exactly what ``clean_fields`` accepts and hands any row it
would refuse to ``clean_fields`` itself, for the messages. A valid row becomes a ``Prepared``:
plain field values (foreign keys as ids), no model instance.

Duplicates are looked for batch by batch: among the earlier rows of the file (their keys are
kept in a temporary on-disk SQLite file, so memory does not grow with the file) and among
existing records (``duplicates.find_duplicates_many``: a few indexed queries per batch).
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import peewee

from desktopcrm.models import User, utcnow
from desktopcrm.models.custom_fields import CustomField, FieldType
from desktopcrm.models.records import (
    Contact,
    Deal,
    Lead,
    LeadStatus,
    LeadStatusKind,
    LossReason,
    Pipeline,
    Stage,
    StageKind,
)
from desktopcrm.services import custom_fields, deals, leads
from desktopcrm.services import tags as tag_service
from desktopcrm.services.contacts import CONTACT_FIELDS
from desktopcrm.services.duplicates import dedup_keys, find_duplicates_many
from desktopcrm.services.errors import PermissionDenied, ValidationError
from desktopcrm.services.importing.mapping import entity_of
from desktopcrm.services.importing.reading import SourceRow
from desktopcrm.services.importing.report import Problem, RowProblem
from desktopcrm.services.records import check_email, clean_fields
from desktopcrm.services.search import fold
from desktopcrm.services.visibility import can_see, require_assign

Custom = list[tuple[CustomField, list[custom_fields.Stored]]]
MEMO_LIMIT = 5000  # parsed custom values remembered per field (repeated dropdown labels...)


@dataclass(slots=True)
class Prepared:
    """A valid row, ready to be written: its model and field values (foreign keys as ids)."""

    line: int
    model: type[Lead] | type[Contact] | type[Deal]
    values: dict[str, Any]
    custom: Custom
    tags: list[str]
    company_name: str = ""  # a person's employer to find or create
    contact_name: str = ""  # a deal's primary contact (for its search entry)
    keys: list[str] = field(default_factory=list)  # dedup keys (``duplicates.dedup_keys``)

    def dedup_fields(self) -> dict[str, Any]:
        values = self.values
        return {
            name: values.get(name) or ""
            for name in (
                "first_name",
                "last_name",
                "name",
                "company_name",
                "email",
                "phone",
                "mobile",
                "website",
            )
        }


class RowErrors(Exception):
    def __init__(self, problems: list[RowProblem]) -> None:
        self.problems = problems


def reason_for(name: str, message: str) -> str:
    if "too long" in message.lower():
        return Problem.TOO_LONG
    if name in ("email", "contact_email"):
        return Problem.BAD_EMAIL
    return Problem.WRONG_TYPE


class FieldRules:
    """``records.clean_fields`` for one model and set of allowed fields, precompiled.

    ``clean`` accepts exactly what ``clean_fields`` accepts (names, lengths of text fields,
    the email check); a row it would refuse is cleaned field by field by ``clean_fields``
    itself, so the problems and their messages are the services' own.
    """

    def __init__(self, model: type[Any], allowed: Iterable[str]) -> None:
        self.model = model
        self.allowed = frozenset(allowed)
        self.limits: dict[str, int | None] = {}
        for name in self.allowed:
            f = model._meta.fields.get(name)
            if f is None:
                continue
            text = isinstance(f, peewee.CharField) and not isinstance(f, peewee.UUIDField)
            self.limits[name] = f.max_length if text else None

    def _fast(self, values: Mapping[str, Any]) -> dict[str, Any] | None:
        limits = self.limits
        cleaned: dict[str, Any] = {}
        for name, value in values.items():
            if name not in limits or type(value) is not str:
                return None
            value = value.strip()
            limit = limits[name]
            if limit is not None and len(value) > limit:
                return None
            if name == "email" and value:
                try:
                    check_email(value)
                except ValidationError:
                    return None
            cleaned[name] = value
        return cleaned

    def clean(
        self, line: int, values: Mapping[str, Any]
    ) -> tuple[dict[str, Any], list[RowProblem]]:
        fast = self._fast(values)
        if fast is not None:
            return fast, []
        try:
            return clean_fields(self.model, values, self.allowed), []
        except ValidationError:
            pass
        cleaned: dict[str, Any] = {}
        problems: list[RowProblem] = []
        for name, value in values.items():
            try:
                cleaned.update(clean_fields(self.model, {name: value}, self.allowed))
            except ValidationError as exc:
                text = str(value)
                problems.append(RowProblem(line, reason_for(name, str(exc)), name, str(exc), text))
        return cleaned, problems


class CustomRules:
    """``custom_fields.parse_value`` + ``to_stored`` for one field, with the results of
    repeated raw values remembered (a column of dropdown labels parses each label once)."""

    def __init__(self, custom: CustomField, choices: Sequence[Any], region: str | None) -> None:
        self.custom = custom
        self.kind = custom.type_enum
        self.choices = choices
        self.region = region
        self.memo: dict[str, list[custom_fields.Stored] | tuple[str, str]] = {}

    def parse(self, raw: str) -> list[custom_fields.Stored] | tuple[str, str]:
        """The stored rows, or (reason, message) when ``raw`` is refused."""
        found = self.memo.get(raw)
        if found is not None:
            return found
        custom, kind = self.custom, self.kind
        result: list[custom_fields.Stored] | tuple[str, str]
        try:
            value = custom_fields.parse_value(
                kind,
                custom.key,
                custom.name,
                raw,
                choices=self.choices,
                currency=custom.currency,
                region=self.region,
            )
        except ValidationError as exc:
            if "too long" in str(exc).lower():
                reason = Problem.TOO_LONG
            elif kind is FieldType.EMAIL:
                reason = Problem.BAD_EMAIL
            else:
                reason = Problem.WRONG_TYPE
            result = (reason, str(exc))
        else:
            result = custom_fields.to_stored(kind, value, self.choices)
        if len(self.memo) >= MEMO_LIMIT:
            self.memo.clear()
        self.memo[raw] = result
        return result


class SeenKeys:
    """Dedup keys of the rows seen so far and the line of the first row with each.

    Kept in a private temporary SQLite file (deleted when closed), not in memory, so a file of
    200,000 rows takes no more memory than one of 50,000.
    """

    def __init__(self) -> None:
        self._db: sqlite3.Connection | None = None

    def first_lines(self, keys: Iterable[str]) -> dict[str, int]:
        if self._db is None:
            return {}
        wanted = list(set(keys))
        found: dict[str, int] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            found.update(
                self._db.execute(f"SELECT key, line FROM seen WHERE key IN ({marks})", chunk)
            )
        return found

    def add(self, items: Iterable[tuple[str, int]]) -> None:
        if self._db is None:
            self._db = sqlite3.connect("", isolation_level=None)  # "": a private temp file
            self._db.execute("PRAGMA cache_size = -4096")
            self._db.execute("CREATE TABLE seen (key TEXT PRIMARY KEY, line INTEGER) WITHOUT ROWID")
        self._db.execute("BEGIN")
        self._db.executemany("INSERT OR IGNORE INTO seen VALUES (?, ?)", items)
        self._db.execute("COMMIT")

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


_KEY_FIELD = {"email": "email", "phone": "phone", "name": "name", "site": "website"}
_KEY_LABEL = {"email": "email address", "phone": "phone number", "name": "name", "site": "website"}


class Validator:
    """What validating rows needs, loaded once per import: users, statuses, stages, fields."""

    def __init__(self, actor: User, kind: str, *, dry_run: bool, check_duplicates: bool) -> None:
        self.actor = actor
        self.kind = kind
        self.dry_run = dry_run
        self.check_duplicates = check_duplicates
        self.users: dict[str, User | None] = {}
        for user in User.live():
            for key in (fold(user.name), fold(user.email or "")):
                if key:
                    # Two users with one name: ambiguous, so that name matches nobody.
                    self.users[key] = None if key in self.users else user
        self.allowed_owner: dict[uuid.UUID, str] = {}
        self.statuses = {fold(s.name): s for s in LeadStatus.live()}
        self.pipelines = {fold(p.name): p for p in Pipeline.live().order_by(Pipeline.position)}
        self.stages: dict[tuple[uuid.UUID, str], Stage] = {
            (s.pipeline_id, fold(s.name)): s for s in Stage.live()
        }
        self.reasons = {(r.kind, fold(r.name)): r for r in LossReason.live()}
        self.fields = {f.key: f for f in custom_fields.fields_of(entity_of(kind))}
        self.required = [f for f in self.fields.values() if f.required]
        choices = custom_fields.option_choices(f.id for f in self.fields.values())
        region = custom_fields.phone_region()
        self.custom_rules = {
            key: CustomRules(f, choices.get(f.id, []), region) for key, f in self.fields.items()
        }
        self.seen = SeenKeys()
        self.companies: dict[str, uuid.UUID] = {}  # folded name -> id (found or created)
        self.positions: dict[uuid.UUID, float] = {}
        self.new_status = (
            LeadStatus.live().where(LeadStatus.kind == LeadStatusKind.NEW.value).first()
        )
        self.lead_rules = FieldRules(Lead, leads.LEAD_FIELDS)
        self.person_rules = FieldRules(Contact, CONTACT_FIELDS - {"name", "company"})
        self.company_rules = FieldRules(Contact, CONTACT_FIELDS - {"company"})
        self._builders: dict[str, Callable[..., tuple[Prepared | None, list[RowProblem]]]] = {
            "lead": self._lead,
            "contact": self._person,
            "company": self._company,
            "deal": self._deal,
        }

    def close(self) -> None:
        self.seen.close()

    # -- single fields

    def owner(self, line: int, raw: str | None) -> User:
        if not raw:
            owner = self.actor
        else:
            found = self.users.get(fold(raw))
            if found is None:
                raise RowErrors(
                    [
                        RowProblem(
                            line,
                            Problem.UNMATCHED_OWNER,
                            "owner",
                            f"{raw!r} is not a user's name or email; add the user first, fix "
                            "the name, or leave the owner empty to own the record yourself.",
                            raw,
                        )
                    ]
                )
            owner = found
        if owner.id not in self.allowed_owner:
            try:
                require_assign(self.actor, owner)
                self.allowed_owner[owner.id] = ""
            except (PermissionDenied, ValidationError) as exc:
                self.allowed_owner[owner.id] = str(exc)
        refusal = self.allowed_owner[owner.id]
        if refusal:
            raise RowErrors(
                [RowProblem(line, Problem.OWNER_NOT_ALLOWED, "owner", refusal, raw or "")]
            )
        return owner

    def custom(self, line: int, values: Mapping[str, str]) -> tuple[Custom, list[RowProblem]]:
        stored: Custom = []
        problems: list[RowProblem] = []
        given: set[str] = set()
        for name, raw in values.items():
            if not name.startswith("custom:"):
                continue
            key = name[7:]
            given.add(key)
            rules = self.custom_rules[key]
            result = rules.parse(raw)
            if isinstance(result, tuple):
                problems.append(RowProblem(line, result[0], name, result[1], raw))
            else:
                stored.append((rules.custom, result))
        for custom in self.required:
            if custom.key not in given:
                problems.append(
                    RowProblem(
                        line,
                        Problem.MISSING,
                        f"custom:{custom.key}",
                        f"{custom.name} is required; fill in the column for every row.",
                    )
                )
        return stored, problems

    @staticmethod
    def tags(line: int, raw: str | None) -> tuple[list[str], list[RowProblem]]:
        if not raw:
            return [], []
        names: dict[str, str] = {}
        for part in raw.replace(";", ",").split(","):
            if not part.strip():
                continue
            try:
                name = tag_service.clean_name(part)
            except ValidationError as exc:
                return [], [RowProblem(line, Problem.TOO_LONG, "tags", str(exc), raw)]
            names.setdefault(name.lower(), name)
        return list(names.values()), []

    # -- rows

    def prepare(self, row: SourceRow) -> Prepared:
        """Validate one row; raises ``RowErrors`` with every problem it has."""
        if row.error:
            raise RowErrors([RowProblem(row.line, Problem.MALFORMED, "", row.error)])
        values = dict(row.values)
        problems: list[RowProblem] = []
        owner: User | None = None
        try:
            owner = self.owner(row.line, values.pop("owner", None))
        except RowErrors as exc:
            problems.extend(exc.problems)
        tags, tag_problems = self.tags(row.line, values.pop("tags", None))
        problems.extend(tag_problems)
        builtin = values
        if self.fields or any(k.startswith("custom:") for k in values):
            stored, custom_problems = self.custom(row.line, values)
            problems.extend(custom_problems)
            builtin = {k: v for k, v in values.items() if not k.startswith("custom:")}
        else:
            stored = []
        prepared, more = self._builders[self.kind](row.line, builtin, owner)
        problems.extend(more)
        if problems or prepared is None:
            raise RowErrors(problems)
        prepared.custom = stored
        prepared.tags = tags
        return prepared

    def _lead(
        self, line: int, values: dict[str, str], owner: User | None
    ) -> tuple[Prepared | None, list[RowProblem]]:
        full = values.pop("full_name", "")
        if full and not values.get("first_name") and not values.get("last_name"):
            values["first_name"], values["last_name"] = split_name(full)
        status_name = values.pop("status", "")
        priority = values.pop("priority", "")
        cleaned, problems = self.lead_rules.clean(line, values)
        try:
            cleaned["priority"] = leads.clean_priority(priority)
        except ValidationError as exc:
            problems.append(RowProblem(line, Problem.WRONG_TYPE, "priority", str(exc), priority))
        status = self.new_status
        if status_name:
            status = self.statuses.get(fold(status_name))
            if status is None:
                names = ", ".join(s.name for s in self.statuses.values())
                problems.append(
                    RowProblem(
                        line,
                        Problem.UNKNOWN_STATUS,
                        "status",
                        f"There is no lead status {status_name!r}; use one of: {names}.",
                        status_name,
                    )
                )
        if not (
            cleaned.get("first_name") or cleaned.get("last_name") or cleaned.get("company_name")
        ):
            problems.append(
                RowProblem(
                    line, Problem.MISSING, "last_name", "Enter a name or a company for the lead."
                )
            )
        if problems or owner is None:
            return None, problems
        cleaned["owner"] = owner.id
        cleaned["status"] = status.id if status else None
        return Prepared(line, Lead, cleaned, [], []), []

    def _person(
        self, line: int, values: dict[str, str], owner: User | None
    ) -> tuple[Prepared | None, list[RowProblem]]:
        full = values.pop("full_name", "")
        if full and not values.get("first_name") and not values.get("last_name"):
            values["first_name"], values["last_name"] = split_name(full)
        company_name = values.pop("company", "")
        cleaned, problems = self.person_rules.clean(line, values)
        name = f"{cleaned.get('first_name', '')} {cleaned.get('last_name', '')}".strip()
        if not name and not any(p.field in ("first_name", "last_name") for p in problems):
            problems.append(
                RowProblem(
                    line, Problem.MISSING, "last_name", "Enter the person's first or last name."
                )
            )
        if len(company_name) > Contact.name.max_length:
            problems.append(
                RowProblem(
                    line,
                    Problem.TOO_LONG,
                    "company",
                    f"Company is too long: at most {Contact.name.max_length} characters.",
                    company_name,
                )
            )
        if problems or owner is None:
            return None, problems
        cleaned["name"] = name[:400]
        cleaned["is_company"] = False
        cleaned["owner"] = owner.id
        return Prepared(line, Contact, cleaned, [], [], company_name), []

    def _company(
        self, line: int, values: dict[str, str], owner: User | None
    ) -> tuple[Prepared | None, list[RowProblem]]:
        cleaned, problems = self.company_rules.clean(line, values)
        if not cleaned.get("name") and not any(p.field == "name" for p in problems):
            problems.append(RowProblem(line, Problem.MISSING, "name", "Enter the company's name."))
        if problems or owner is None:
            return None, problems
        cleaned["is_company"] = True
        cleaned["owner"] = owner.id
        return Prepared(line, Contact, cleaned, [], []), []

    def _deal(
        self, line: int, values: dict[str, str], owner: User | None
    ) -> tuple[Prepared | None, list[RowProblem]]:
        problems: list[RowProblem] = []
        raw = {
            k: values.pop(k, "")
            for k in (
                "pipeline",
                "stage",
                "loss_reason",
                "contact",
                "contact_email",
                "company",
                "probability",
                "expected_close",
                "value",
                "currency",
            )
        }
        pipeline = self._pipeline(line, raw["pipeline"], problems)
        stage = self._stage(line, pipeline, raw["stage"], problems) if pipeline else None
        reason = self._loss_reason(line, stage, raw["loss_reason"], problems)
        typed: dict[str, Any] = dict(values)
        typed["value"] = raw["value"] or "0"
        typed["currency"] = raw["currency"] or (pipeline.currency if pipeline else "EUR")
        if raw["probability"]:
            text = raw["probability"].strip().rstrip("%").strip()
            try:
                typed["probability"] = int(Decimal(text))
            except (ArithmeticError, ValueError):
                typed["probability"] = raw["probability"]
        if raw["expected_close"]:
            try:
                typed["expected_close"] = custom_fields.parse_value(
                    FieldType.DATE, "expected_close", "Expected close", raw["expected_close"]
                )
            except ValidationError as exc:
                problems.append(
                    RowProblem(
                        line, Problem.WRONG_TYPE, "expected_close", str(exc), raw["expected_close"]
                    )
                )
        for name, value in typed.items():
            try:
                cleaned = deals.clean_deal_fields({name: value})
            except ValidationError as exc:
                text = str(value)
                problems.append(RowProblem(line, reason_for(name, str(exc)), name, str(exc), text))
            else:
                typed[name] = cleaned[name]
        if not typed.get("name") and not any(p.field == "name" for p in problems):
            problems.append(RowProblem(line, Problem.MISSING, "name", "Enter a name for the deal."))
        primary = self._deal_contact(line, raw, problems)
        if problems or stage is None or owner is None:
            return None, problems
        now = utcnow()
        typed["owner"] = owner.id
        typed["primary_contact"] = primary.id if primary else None
        typed["loss_reason"] = reason.id if reason else None
        typed["pipeline"] = stage.pipeline_id
        typed["stage"] = stage.id
        typed["stage_entered_at"] = now
        typed["closed_at"] = now if stage.kind_enum.is_closed else None
        if stage.id not in self.positions:
            last = Deal.select(peewee.fn.MAX(Deal.position)).where(Deal.stage == stage.id).scalar()
            self.positions[stage.id] = float(last or 0)
        self.positions[stage.id] += 1
        typed["position"] = self.positions[stage.id]
        prepared = Prepared(line, Deal, typed, [], [])
        prepared.contact_name = primary.name if primary else ""
        return prepared, []

    def _pipeline(self, line: int, name: str, problems: list[RowProblem]) -> Pipeline | None:
        if not name:
            return next(iter(self.pipelines.values()), None)
        found = self.pipelines.get(fold(name))
        if found is None:
            names = ", ".join(p.name for p in self.pipelines.values())
            problems.append(
                RowProblem(
                    line,
                    Problem.UNKNOWN_PIPELINE,
                    "pipeline",
                    f"There is no pipeline {name!r}; use one of: {names}.",
                    name,
                )
            )
        return found

    def _stage(
        self, line: int, pipeline: Pipeline, name: str, problems: list[RowProblem]
    ) -> Stage | None:
        in_pipeline = sorted(
            (s for (p, _), s in self.stages.items() if p == pipeline.id), key=lambda s: s.position
        )
        if not name:
            first_open = next((s for s in in_pipeline if s.kind == StageKind.OPEN.value), None)
            if first_open is None:
                problems.append(
                    RowProblem(
                        line,
                        Problem.UNKNOWN_STAGE,
                        "stage",
                        f"The pipeline {pipeline.name} has no active stage; give a stage.",
                    )
                )
            return first_open
        found = self.stages.get((pipeline.id, fold(name)))
        if found is None:
            names = ", ".join(s.name for s in in_pipeline)
            problems.append(
                RowProblem(
                    line,
                    Problem.UNKNOWN_STAGE,
                    "stage",
                    f"The pipeline {pipeline.name} has no stage {name!r}; use one of: {names}.",
                    name,
                )
            )
        return found

    def _loss_reason(
        self, line: int, stage: Stage | None, name: str, problems: list[RowProblem]
    ) -> LossReason | None:
        if stage is None or stage.kind not in (StageKind.LOST.value, StageKind.UNQUALIFIED.value):
            return None
        reason = self.reasons.get((stage.kind, fold(name))) if name else None
        if reason is None:
            choices = ", ".join(r.name for (k, _), r in self.reasons.items() if k == stage.kind)
            problems.append(
                RowProblem(
                    line,
                    Problem.UNKNOWN_REASON if name else Problem.MISSING,
                    "loss_reason",
                    f"A deal in {stage.name} needs a reason; add a Loss reason column with one "
                    f"of: {choices}.",
                    name,
                )
            )
        return reason

    def _deal_contact(
        self, line: int, raw: Mapping[str, str], problems: list[RowProblem]
    ) -> Contact | None:
        email, person, company = raw["contact_email"], raw["contact"], raw["company"]
        if "@" in person and not email:
            email, person = person, ""
        found: Contact | None = None
        wanted = ""
        if email:
            wanted = email
            found = find_contact(Contact.email, email, company=False)
        if found is None and person:
            wanted = person
            found = find_contact(Contact.name, person, company=False)
        if found is None and company:
            wanted = company
            found = find_contact(Contact.name, company, company=True)
        if found is None and wanted:
            problems.append(
                RowProblem(
                    line,
                    Problem.UNMATCHED_CONTACT,
                    "contact",
                    f"No contact or company {wanted!r} exists; import contacts first, or leave "
                    "the column empty.",
                    wanted,
                )
            )
        elif found is not None and not can_see(self.actor, found):
            problems.append(
                RowProblem(
                    line,
                    Problem.UNMATCHED_CONTACT,
                    "contact",
                    f"{wanted!r} belongs to someone outside your team; ask its owner to import "
                    "this deal.",
                    wanted,
                )
            )
            found = None
        return found

    # -- batches

    def validate(self, rows: Sequence[SourceRow]) -> list[tuple[Prepared | None, list[RowProblem]]]:
        """Validate a batch: each row alone, then against earlier rows and existing records."""
        results: list[tuple[Prepared | None, list[RowProblem]]] = []
        for row in rows:
            try:
                results.append((self.prepare(row), []))
            except RowErrors as exc:
                results.append((None, exc.problems))
        if self.kind == "deal":
            return results
        valid: list[tuple[int, Prepared]] = []
        fields: dict[int, dict[str, Any]] = {}  # by row index, for the existing-record check
        for index, (prepared, _) in enumerate(results):
            if prepared is not None:
                fields[index] = prepared.dedup_fields()
                prepared.keys = dedup_keys(self.kind, fields[index])
                valid.append((index, prepared))
        earlier = self.seen.first_lines(k for _, p in valid for k in p.keys)
        added: dict[str, int] = {}
        kept: list[tuple[int, Prepared]] = []
        for index, prepared in valid:
            for key in prepared.keys:
                first = earlier.get(key) or added.get(key)
                if first is not None and first != prepared.line:
                    what, _, value = key.partition(":")
                    results[index] = (
                        None,
                        [
                            RowProblem(
                                prepared.line,
                                Problem.DUPLICATE,
                                _KEY_FIELD[what],
                                f"Same {_KEY_LABEL[what]} as the row on line {first} of this "
                                "file; merge the two rows, or remove one.",
                                value,
                            )
                        ],
                    )
                    break
            else:
                for key in prepared.keys:
                    added.setdefault(key, prepared.line)
                kept.append((index, prepared))
        if added:
            self.seen.add(added.items())
        if self.check_duplicates and kept:
            matches = find_duplicates_many(
                self.kind, [fields[i] for i, _ in kept], keys=[p.keys for _, p in kept]
            )
            for (index, prepared), found in zip(kept, matches, strict=True):
                if found:
                    best = found[0]
                    results[index] = (
                        None,
                        [
                            RowProblem(
                                prepared.line,
                                Problem.DUPLICATE,
                                "",
                                f"Looks like the existing {self.kind} {best.name!r} "
                                f"({'; '.join(best.reasons)}); update that record instead, or "
                                "import with duplicates allowed.",
                                str(best.record_id),
                            )
                        ],
                    )
        return results


def find_contact(column: Any, value: str, *, company: bool) -> Contact | None:
    """The oldest live person (or company) whose ``column`` equals ``value``.

    Only ``column`` goes to SQL, so SQLite uses that column's index; the other conditions are
    checked here (given ``deleted_at IS NULL`` or ``is_company``, SQLite may walk those
    low-selectivity indexes instead, a scan of the whole table per lookup).
    """
    rows = [
        c
        for c in Contact.select().where(column == value)
        if c.deleted_at is None and c.is_company == company
    ]
    return min(rows, key=lambda c: c.created_at) if rows else None


def find_companies(names: Iterable[str]) -> dict[str, uuid.UUID]:
    """``find_contact(Contact.name, name, company=True)`` for many names: one query per 500."""
    wanted = sorted(set(names))
    best: dict[str, tuple[Any, uuid.UUID]] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        query = Contact.select(
            Contact.id, Contact.name, Contact.created_at, Contact.deleted_at, Contact.is_company
        ).where(Contact.name.in_(chunk))
        for row in query.namedtuples():
            if row.deleted_at is not None or not row.is_company:
                continue
            current = best.get(row.name)
            if current is None or row.created_at < current[0]:
                best[row.name] = (row.created_at, row.id)
    return {name: row_id for name, (_, row_id) in best.items()}


def split_name(full: str) -> tuple[str, str]:
    """("Anna Maria", "Rossi") from "Anna Maria Rossi"; "Rossi, Anna" is read as last, first."""
    full = " ".join(full.split())
    if "," in full:
        last, _, first = full.partition(",")
        return first.strip(), last.strip()
    first, _, last = full.rpartition(" ")
    return (first, last) if first else ("", last)
