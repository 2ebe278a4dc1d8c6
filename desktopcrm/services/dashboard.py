"""The dashboard's figures: a pipeline's deals per stage, the deals closed in the last 30 days,
the tasks due today or overdue, the coming appointments, and whose of them to count (scope).

Scope follows the profile (PRODUCT.md "Users and visibility"): a user sees their own, a
manager theirs and their direct reports', an admin the whole team. ``Scope.OWN`` narrows a
manager's or an admin's view to their own. Deals and appointments count by owner, tasks by
assignee, the activity feed (``services.activity``) by who did it.

Money is summed exactly in the database, in cents (``ROUND(value * 100)``), per currency:
amounts of different currencies are never added together.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import peewee

from desktopcrm.models import User, utcnow
from desktopcrm.models.records import Deal, Pipeline, Stage, StageKind
from desktopcrm.models.tasks import Task
from desktopcrm.services.errors import PermissionDenied
from desktopcrm.services.visibility import visible_owner_ids

if TYPE_CHECKING:
    from desktopcrm.services.tasks import TaskRow

#: How far back "recently closed" deals are counted.
CLOSED_DAYS = 30
#: How far ahead the appointments panel looks, and how many it lists.
APPOINTMENT_DAYS = 14
APPOINTMENT_LIMIT = 8
#: How many due tasks the panel lists (the counts cover them all).
TASK_LIMIT = 30

CENT = Decimal("0.01")
Money = dict[str, Decimal]


class Scope(enum.StrEnum):
    """Whose records the dashboard counts."""

    OWN = "own"
    TEAM = "team"  # a manager and their direct reports
    EVERYONE = "everyone"  # admins

    @property
    def label(self) -> str:
        return {"own": "Mine", "team": "My team", "everyone": "Everyone"}[self.value]


def scopes_for(user: User) -> list[Scope]:
    """The scopes ``user`` may choose, the widest first (the default)."""
    if user.is_admin:
        return [Scope.EVERYONE, Scope.OWN]
    if visible_owner_ids(user) != {user.id}:
        return [Scope.TEAM, Scope.OWN]
    return [Scope.OWN]


def scope_user_ids(user: User, scope: Scope | str) -> set[uuid.UUID] | None:
    """The users whose records ``scope`` counts for ``user``; ``None`` means everyone.

    Refuses (``PermissionDenied``) a scope wider than the profile allows."""
    scope = Scope(scope)
    if scope not in scopes_for(user):
        raise PermissionDenied(
            f"You cannot see {scope.label.lower()}'s activity: "
            f"choose {' or '.join(s.label for s in scopes_for(user))}."
        )
    if scope is Scope.OWN:
        return {user.id}
    return visible_owner_ids(user)


# --------------------------------------------------------------------------- pipeline summary


@dataclass(frozen=True)
class StageSummary:
    """The live deals of one stage: how many, their value and their weighted (forecast)
    value, per currency. For closed stages: only those closed in the period."""

    stage_id: uuid.UUID
    name: str
    kind: str
    count: int = 0
    value: Money = field(default_factory=dict)
    weighted: Money = field(default_factory=dict)


@dataclass(frozen=True)
class PipelineSummary:
    """The dashboard's left column for one pipeline.

    Attributes:
        stages: the open stages in their order, all their live deals.
        closed: won, lost and unqualified (in that order), deals closed since ``since``.
        since: the start of the period of ``closed`` (naive UTC).
    """

    pipeline_id: uuid.UUID
    name: str
    currency: str
    stages: list[StageSummary]
    closed: list[StageSummary]
    since: dt.datetime

    @property
    def open_count(self) -> int:
        return sum(s.count for s in self.stages)

    @property
    def open_value(self) -> Money:
        return add_money(s.value for s in self.stages)

    @property
    def open_weighted(self) -> Money:
        return add_money(s.weighted for s in self.stages)

    def closed_of(self, kind: StageKind | str) -> StageSummary:
        kind = StageKind(kind)
        for summary in self.closed:
            if summary.kind == kind.value:
                return summary
        raise KeyError(kind)


def add_money(amounts: Any) -> Money:
    """Sums per currency of several ``{currency: amount}``."""
    total: dict[str, Decimal] = defaultdict(Decimal)
    for money in amounts:
        for currency, amount in money.items():
            total[currency] += amount
    return dict(sorted(total.items()))


def _cents(value: Any) -> int:
    return int(Decimal(str(value or 0)).to_integral_value())


def _owned(query: peewee.ModelSelect[Any], owners: set[uuid.UUID] | None) -> Any:
    return query if owners is None else query.where(Deal.owner.in_(list(owners)))


def pipeline_summary(
    user: User,
    pipeline: Pipeline,
    *,
    scope: Scope | str | None = None,
    now: dt.datetime | None = None,
) -> PipelineSummary:
    """Counts, values and weighted values per open stage of ``pipeline``, and the won, lost
    and unqualified deals of the last ``CLOSED_DAYS`` days, over the deals of ``scope``."""
    from desktopcrm.services.pipelines import stages_of  # here: the screen imports this module

    owners = scope_user_ids(user, scope or scopes_for(user)[0])
    since = (now or utcnow()) - dt.timedelta(days=CLOSED_DAYS)
    stages = stages_of(pipeline)
    open_ids = [s.id for s in stages if s.kind == StageKind.OPEN.value]
    closed_ids = [s.id for s in stages if s.kind != StageKind.OPEN.value]
    cents: Any = peewee.fn.ROUND(Deal.value * peewee.Value(100, converter=False))
    no_probability = Deal.probability.is_null()
    own_weight: Any = peewee.Case(None, [(no_probability, 0)], cents * Deal.probability)
    plain_cents: Any = peewee.Case(None, [(no_probability, cents)], 0)
    columns = (
        Deal.stage,
        Deal.currency,
        peewee.fn.COUNT(Deal.id).alias("n"),
        peewee.fn.SUM(cents).alias("cents"),
        peewee.fn.SUM(own_weight).alias("own_weight"),
        peewee.fn.SUM(plain_cents).alias("plain_cents"),
    )
    rows: list[dict[str, Any]] = []
    if open_ids:
        query = Deal.select(*columns).where(
            Deal.deleted_at.is_null(), Deal.pipeline == pipeline.id, Deal.stage.in_(open_ids)
        )
        rows += list(_owned(query, owners).group_by(Deal.stage, Deal.currency).dicts())
    if closed_ids:
        query = Deal.select(*columns).where(
            Deal.deleted_at.is_null(),
            Deal.pipeline == pipeline.id,
            Deal.stage.in_(closed_ids),
            Deal.closed_at >= since,
        )
        rows += list(_owned(query, owners).group_by(Deal.stage, Deal.currency).dicts())
    by_stage: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_stage[_uuid(row["stage"])].append(row)
    summaries = {stage.id: _stage_summary(stage, by_stage[stage.id]) for stage in stages}
    closed = [
        _merge_kind(kind, [summaries[s.id] for s in stages if s.kind == kind.value], stages)
        for kind in (StageKind.WON, StageKind.LOST, StageKind.UNQUALIFIED)
    ]
    return PipelineSummary(
        pipeline.id,
        str(pipeline.name),
        str(pipeline.currency),
        [summaries[i] for i in open_ids],
        closed,
        since,
    )


def _uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _stage_summary(stage: Stage, rows: list[dict[str, Any]]) -> StageSummary:
    kind = StageKind(stage.kind)
    count = 0
    value: Money = {}
    weighted: Money = {}
    for row in sorted(rows, key=lambda r: str(r["currency"])):
        count += int(row["n"])
        total = _cents(row["cents"])
        if kind is StageKind.OPEN:
            # cents x percent: the deals' own probabilities, then the stage's for the rest.
            percent_cents = _cents(row["own_weight"]) + _cents(row["plain_cents"]) * int(
                stage.probability
            )
            share = Decimal(percent_cents) / 10000
        else:
            share = Decimal(total) / 100 if kind is StageKind.WON else Decimal(0)
        value[row["currency"]] = (Decimal(total) / 100).quantize(CENT)
        weighted[row["currency"]] = share.quantize(CENT)
    return StageSummary(stage.id, str(stage.name), stage.kind, count, value, weighted)


def _merge_kind(kind: StageKind, parts: list[StageSummary], stages: list[Stage]) -> StageSummary:
    """One summary for all of a pipeline's stages of ``kind`` (normally exactly one)."""
    first = next((s for s in stages if s.kind == kind.value), None)
    return StageSummary(
        first.id if first else uuid.UUID(int=0),
        str(first.name) if first else kind.value.capitalize(),
        kind.value,
        sum(p.count for p in parts),
        add_money(p.value for p in parts),
        add_money(p.weighted for p in parts),
    )


# --------------------------------------------------------------------------- tasks


@dataclass(frozen=True)
class DueTasks:
    """Open tasks of the scope due today or before: the first ``TASK_LIMIT`` of them, overdue
    first, and how many there are of each."""

    rows: list[TaskRow]
    overdue: int
    today: int


def due_tasks(
    user: User,
    *,
    scope: Scope | str | None = None,
    now: dt.datetime | None = None,
    tz: dt.tzinfo = dt.UTC,
    limit: int = TASK_LIMIT,
) -> DueTasks:
    """The open tasks assigned within ``scope`` that are overdue or due later today."""
    from desktopcrm.services import tasks  # imported here: the screen imports this module

    owners = scope_user_ids(user, scope or scopes_for(user)[0])
    now = now or utcnow()
    _, end_of_today = tasks.day_bounds(now, tz)
    query = tasks.visible_tasks(user).where(~Task.done, Task.due_at < end_of_today)
    if owners is not None:
        query = query.where(Task.assignee.in_(list(owners)))
    found = list(query.order_by(Task.due_at, Task.id).limit(limit))
    if len(found) < limit:
        overdue = sum(1 for t in found if tasks.is_overdue(t, now))
        today = len(found) - overdue
    else:
        overdue = query.where(Task.due_at < now).order_by().count()
        today = query.where(Task.due_at >= now).order_by().count()
    titles = tasks.link_titles((t.record_type, t.record_id) for t in found)
    names = _user_names({t.assignee_id for t in found if t.assignee_id})
    rows = [
        tasks.TaskRow(
            t.id,
            t.title,
            t.due_at,
            t.done,
            t.done_at,
            tasks.is_overdue(t, now),
            t.reminder,
            t.record_type,
            t.record_id,
            titles.get(t.record_id, "") if t.record_id else "",
            t.assignee_id,
            names.get(t.assignee_id, "") if t.assignee_id else "",
        )
        for t in found
    ]
    return DueTasks(rows, overdue, today)


def _user_names(ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    return {u.id: str(u.name) for u in User.select(User.id, User.name).where(User.id.in_(ids))}


# --------------------------------------------------------------------------- appointments


@dataclass(frozen=True)
class AppointmentRow:
    """A coming appointment occurrence as the dashboard lists it (times naive UTC)."""

    id: uuid.UUID
    title: str
    start: dt.datetime
    end: dt.datetime
    all_day: bool
    location: str
    color: str
    record_type: str | None
    record_id: uuid.UUID | None
    record_title: str
    owner_name: str


def upcoming_appointments(
    user: User,
    *,
    scope: Scope | str | None = None,
    now: dt.datetime | None = None,
    tz: dt.tzinfo = dt.UTC,
    days: int = APPOINTMENT_DAYS,
    limit: int = APPOINTMENT_LIMIT,
) -> list[AppointmentRow]:
    """The next ``limit`` appointments of ``scope`` that have not ended, within ``days``."""
    from desktopcrm.services import calendar, tasks

    owners = scope_user_ids(user, scope or scopes_for(user)[0])
    now = now or utcnow()
    found = [
        o
        for o in calendar.occurrences(user, now, now + dt.timedelta(days=days), tz=tz)
        if o.appointment.status != "cancelled"
        and (owners is None or o.appointment.owner_id in owners)
    ][:limit]
    titles = tasks.link_titles((o.appointment.record_type, o.appointment.record_id) for o in found)
    names = _user_names({o.appointment.owner_id for o in found if o.appointment.owner_id})
    return [
        AppointmentRow(
            o.appointment.id,
            o.title,
            o.start,
            o.end,
            o.all_day,
            str(o.appointment.location or ""),
            o.color,
            o.appointment.record_type,
            o.appointment.record_id,
            titles.get(o.appointment.record_id, "") if o.appointment.record_id else "",
            names.get(o.appointment.owner_id, "") if o.appointment.owner_id else "",
        )
        for o in found
    ]


# --------------------------------------------------------------------------- all at once


@dataclass(frozen=True)
class PipelineChoice:
    id: uuid.UUID
    name: str


@dataclass(frozen=True)
class Figures:
    """The left column: the scope chosen and the ones on offer, the pipelines, the summary of
    the chosen one (read on its own, so the screen fills each card as its data arrives)."""

    scope: Scope
    scopes: list[Scope]
    pipelines: list[PipelineChoice]
    summary: PipelineSummary | None


@dataclass(frozen=True)
class Agenda:
    """The right column: the due tasks and the coming appointments of ``scope``."""

    scope: Scope
    tasks: DueTasks
    appointments: list[AppointmentRow]


@dataclass(frozen=True)
class Dashboard:
    """Everything the dashboard shows but the feed, read in one go (in a worker)."""

    scope: Scope
    scopes: list[Scope]
    pipelines: list[PipelineChoice]
    summary: PipelineSummary | None
    tasks: DueTasks
    appointments: list[AppointmentRow]


def choose_scope(user: User, scope: Scope | str | None = None) -> tuple[Scope, list[Scope]]:
    """``scope`` if the profile allows it, else the widest allowed; and the allowed ones."""
    allowed = scopes_for(user)
    chosen = Scope(scope) if scope else allowed[0]
    return (chosen if chosen in allowed else allowed[0]), allowed


def load_figures(
    user: User,
    *,
    scope: Scope | str | None = None,
    pipeline_id: uuid.UUID | None = None,
    now: dt.datetime | None = None,
) -> Figures:
    """The summary of ``pipeline_id`` (default: the first pipeline) for ``scope`` (default:
    the widest the profile allows)."""
    from desktopcrm.services.pipelines import pipelines

    chosen, allowed = choose_scope(user, scope)
    choices = pipelines()
    pipeline = next((p for p in choices if p.id == pipeline_id), choices[0] if choices else None)
    summary = (
        pipeline_summary(user, pipeline, scope=chosen, now=now or utcnow())
        if pipeline is not None
        else None
    )
    return Figures(chosen, allowed, [PipelineChoice(p.id, str(p.name)) for p in choices], summary)


def load_agenda(
    user: User,
    *,
    scope: Scope | str | None = None,
    now: dt.datetime | None = None,
    tz: dt.tzinfo = dt.UTC,
) -> Agenda:
    """The due tasks and the coming appointments of ``scope`` (default: the widest)."""
    chosen, _ = choose_scope(user, scope)
    now = now or utcnow()
    return Agenda(
        chosen,
        due_tasks(user, scope=chosen, now=now, tz=tz),
        upcoming_appointments(user, scope=chosen, now=now, tz=tz),
    )


def load_dashboard(
    user: User,
    *,
    scope: Scope | str | None = None,
    pipeline_id: uuid.UUID | None = None,
    now: dt.datetime | None = None,
    tz: dt.tzinfo = dt.UTC,
) -> Dashboard:
    """``load_figures`` and ``load_agenda`` at once, for ``scope`` (default: the widest the
    profile allows)."""
    now = now or utcnow()
    figures = load_figures(user, scope=scope, pipeline_id=pipeline_id, now=now)
    agenda = load_agenda(user, scope=figures.scope, now=now, tz=tz)
    return Dashboard(
        figures.scope,
        figures.scopes,
        figures.pipelines,
        figures.summary,
        agenda.tasks,
        agenda.appointments,
    )
