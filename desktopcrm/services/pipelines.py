"""Pipelines, their stages and loss reasons (admins only), and the forecast.

A pipeline has active stages followed by its closed ones (Won, Lost, Unqualified). Active stages
can be added, renamed, reordered and deleted (their deals move to a stage the admin picks,
through ``deals.move_deal`` so contacts' statuses and the change log follow); closed stages can
only be renamed. The last active stage of a pipeline cannot be deleted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import peewee

from desktopcrm.models import User
from desktopcrm.models import defaults as model_defaults
from desktopcrm.models.records import Deal, LossReason, Pipeline, Stage, StageKind
from desktopcrm.services import deals as deal_service
from desktopcrm.services.errors import ServiceError, ValidationError
from desktopcrm.services.records import live, writing
from desktopcrm.services.visibility import require_admin, scope

REASON_KINDS = (StageKind.LOST.value, StageKind.UNQUALIFIED.value)
CENT = Decimal("0.01")


def pipelines() -> list[Pipeline]:
    """Live pipelines in their order (the first is the default for new deals)."""
    return list(Pipeline.live().order_by(Pipeline.position, Pipeline.created_at))


def stages_of(pipeline: Pipeline) -> list[Stage]:
    """The pipeline's live stages: active ones first, closed ones last."""
    return list(Stage.live().where(Stage.pipeline == pipeline.id).order_by(Stage.position))


def _name(value: str, what: str, taken: Sequence[str]) -> str:
    value = value.strip()
    if not value:
        raise ValidationError("name", f"Enter a name for the {what}.")
    if len(value) > 200:
        raise ValidationError("name", f"The {what} name is too long: at most 200 characters.")
    if value.casefold() in {t.casefold() for t in taken}:
        raise ValidationError("name", f"There is already a {what} named {value}.")
    return value


def _renumber(stages: Sequence[Stage]) -> None:
    for position, stage in enumerate(stages):
        if stage.position != position:
            stage.position = position
            stage.save()


# --------------------------------------------------------------------------- pipelines


def create_pipeline(actor: User, name: str, currency: str = "EUR") -> Pipeline:
    """A new pipeline, last in order, with the six default active stages and Won/Lost/
    Unqualified (admins only)."""
    require_admin(actor, "change pipelines")
    name = _name(name, "pipeline", [p.name for p in pipelines()])
    currency = deal_service.clean_currency(currency)
    with writing(actor):
        last = Pipeline.live().select(peewee.fn.MAX(Pipeline.position)).scalar()
        return model_defaults.create_pipeline(name, currency, int(last or 0) + 1)


def rename_pipeline(actor: User, pipeline: Pipeline, name: str) -> Pipeline:
    """Rename a pipeline (admins only)."""
    require_admin(actor, "change pipelines")
    others = [p.name for p in pipelines() if p.id != pipeline.id]
    new_name = _name(name, "pipeline", others)
    with writing(actor, pipeline):
        pipeline.name = new_name
        pipeline.save()
    return pipeline


def delete_pipeline(
    actor: User, pipeline: Pipeline, *, move_deals_to: Pipeline | None = None
) -> int:
    """Delete a pipeline and its stages (admins only); returns how many deals moved.

    Its deals move to ``move_deals_to``: open ones to its first active stage, closed ones to
    the closed stage of the same kind (keeping their reason). Without a target, only an empty
    pipeline can be deleted; the last pipeline cannot be.
    """
    require_admin(actor, "change pipelines")
    pipeline = live(Pipeline, pipeline.id, "pipeline")
    if len(pipelines()) == 1:
        raise ServiceError("This is the only pipeline; create another one before deleting it.")
    moving = list(Deal.live().where(Deal.pipeline == pipeline.id))
    if move_deals_to is None and moving:
        raise ValidationError(
            "move_deals_to",
            f"The pipeline {pipeline.name} has {len(moving)} deals: choose the pipeline they "
            "should move to.",
        )
    target_stages: dict[str, Stage] = {}
    if move_deals_to is not None:
        target = live(Pipeline, move_deals_to.id, "target pipeline")
        if target.id == pipeline.id:
            raise ValidationError("move_deals_to", "Choose another pipeline for its deals.")
        for stage in reversed(stages_of(target)):
            target_stages[stage.kind] = stage
    with writing(actor, pipeline):
        for deal in moving:
            kind = Stage.get_by_id(deal.stage_id).kind
            reason = LossReason.get_or_none(LossReason.id == deal.loss_reason_id)
            deal_service.move_deal(actor, deal, target_stages[kind], reason, deal.loss_note)
        for stage in stages_of(pipeline):
            stage.delete_instance()
        pipeline.delete_instance()
    return len(moving)


# --------------------------------------------------------------------------- stages


def add_stage(
    actor: User,
    pipeline: Pipeline,
    name: str,
    *,
    probability: int | None = None,
    position: int | None = None,
) -> Stage:
    """Add an active stage at ``position`` among the active stages (default: after the last
    one, before the closed ones); its probability defaults to the stage before it (admins
    only)."""
    require_admin(actor, "change pipelines")
    pipeline = live(Pipeline, pipeline.id, "pipeline")
    stages = stages_of(pipeline)
    active = [s for s in stages if s.kind == StageKind.OPEN.value]
    closed = [s for s in stages if s.kind != StageKind.OPEN.value]
    name = _name(name, "stage", [s.name for s in stages])
    index = len(active) if position is None else position
    if not 0 <= index <= len(active):
        raise ValidationError(
            "position", f"Active stages go from position 0 to {len(active)}; closed ones stay last."
        )
    if probability is None:
        probability = active[index - 1].probability if index else 10
    stage = Stage(
        pipeline=pipeline,
        name=name,
        kind=StageKind.OPEN.value,
        probability=deal_service.clean_probability(probability),
        position=index,
    )
    with writing(actor):
        stage.save()
        _renumber([*active[:index], stage, *active[index:], *closed])
    return stage


def rename_stage(actor: User, stage: Stage, name: str) -> Stage:
    """Rename a stage, closed ones included (admins only)."""
    require_admin(actor, "change pipelines")
    others = [s.name for s in stages_of(stage.pipeline) if s.id != stage.id]
    new_name = _name(name, "stage", others)
    with writing(actor, stage):
        stage.name = new_name
        stage.save()
    return stage


def set_stage_probability(actor: User, stage: Stage, probability: int) -> Stage:
    """Set an active stage's default win probability, used by its deals without their own
    (admins only). Closed stages count as 100% (won) or 0% (lost, unqualified)."""
    require_admin(actor, "change pipelines")
    if stage.kind_enum.is_closed:
        raise ValidationError(
            "probability", f"{stage.name} is a closed stage; its probability is fixed."
        )
    value = deal_service.clean_probability(probability)
    if value is None:
        raise ValidationError("probability", "Give the stage a probability, 0 to 100.")
    with writing(actor, stage):
        stage.probability = value
        stage.save()
    return stage


def reorder_stages(actor: User, pipeline: Pipeline, ordered: Sequence[Stage]) -> list[Stage]:
    """Put the stages in the given order (admins only). ``ordered`` lists every active stage,
    optionally followed by the closed ones; closed stages always stay last."""
    require_admin(actor, "change pipelines")
    stages = {s.id: s for s in stages_of(pipeline)}
    closed_ids = [i for i, s in stages.items() if s.kind != StageKind.OPEN.value]
    active_ids = stages.keys() - set(closed_ids)
    ids = [s.id for s in ordered]
    if len(set(ids)) != len(ids) or set(ids) not in (active_ids, stages.keys()):
        raise ValidationError("order", "List each stage of this pipeline once to reorder them.")
    if set(ids) == active_ids:
        ids += closed_ids
    elif set(ids[: len(active_ids)]) != active_ids:
        raise ValidationError("order", "Closed stages (Won, Lost, Unqualified) stay last.")
    with writing(actor):
        _renumber([stages[i] for i in ids])
    return stages_of(pipeline)


def delete_stage(
    actor: User,
    stage: Stage,
    *,
    move_deals_to: Stage | None = None,
    reason: LossReason | None = None,
) -> int:
    """Delete an active stage, moving its deals to ``move_deals_to`` (a stage of the same
    pipeline; Lost/Unqualified need a ``reason``) through ``move_deal`` (admins only).

    Closed stages and the last active stage cannot be deleted. Returns how many deals moved.
    """
    require_admin(actor, "change pipelines")
    stage = live(Stage, stage.id, "stage")
    if stage.kind_enum.is_closed:
        raise ServiceError(
            f"{stage.name} is a closed stage and cannot be deleted; you can rename it."
        )
    pipeline = Pipeline.get_by_id(stage.pipeline_id)
    active = deal_service.active_stages(pipeline)
    if len(active) == 1:
        raise ServiceError(
            f"{stage.name} is the only active stage of {pipeline.name}; add another one first."
        )
    moving = list(Deal.live().where(Deal.stage == stage.id))
    if move_deals_to is not None:
        move_deals_to = live(Stage, move_deals_to.id, "target stage")
        if move_deals_to.pipeline_id != pipeline.id or move_deals_to.id == stage.id:
            raise ValidationError(
                "move_deals_to", f"Choose another stage of {pipeline.name} for its deals."
            )
    elif moving:
        raise ValidationError(
            "move_deals_to",
            f"{len(moving)} deals are on {stage.name}: choose the stage they should move to.",
        )
    with writing(actor, stage):
        for deal in moving:
            deal_service.move_deal(actor, deal, move_deals_to, reason)  # type: ignore[arg-type]
        stage.delete_instance()
        _renumber(stages_of(pipeline))
    return len(moving)


# --------------------------------------------------------------------------- loss reasons


def _reason_kind(kind: str) -> str:
    kind = str(kind)
    if kind not in REASON_KINDS:
        raise ValidationError("kind", "A reason is for lost or for unqualified deals.")
    return kind


def loss_reasons(kind: str) -> list[LossReason]:
    """Live reasons for ``lost`` or ``unqualified`` deals, in order."""
    kind = _reason_kind(kind)
    query = LossReason.live().where(LossReason.kind == kind)
    return list(query.order_by(LossReason.position, LossReason.created_at))


def add_loss_reason(actor: User, name: str, kind: str) -> LossReason:
    """Add a custom reason for lost or unqualified deals, last in its list (admins only)."""
    require_admin(actor, "change loss reasons")
    existing = loss_reasons(kind)
    reason = LossReason(
        name=_name(name, "reason", [r.name for r in existing]),
        kind=_reason_kind(kind),
        position=max((r.position for r in existing), default=-1) + 1,
    )
    with writing(actor):
        reason.save()
    return reason


def rename_loss_reason(actor: User, reason: LossReason, name: str) -> LossReason:
    """Rename a reason, built-in ones included (admins only)."""
    require_admin(actor, "change loss reasons")
    others = [r.name for r in loss_reasons(reason.kind) if r.id != reason.id]
    new_name = _name(name, "reason", others)
    with writing(actor, reason):
        reason.name = new_name
        reason.save()
    return reason


def delete_loss_reason(actor: User, reason: LossReason) -> None:
    """Retire a reason (admins only): deals that have it keep it; it is no longer offered.
    The last reason of a kind stays, or nobody could close deals as that kind."""
    require_admin(actor, "change loss reasons")
    reason = live(LossReason, reason.id, "reason")
    if len(loss_reasons(reason.kind)) == 1:
        raise ServiceError(
            f"{reason.name} is the only reason for {reason.kind} deals; add another one first."
        )
    with writing(actor, reason):
        reason.delete_instance()


# --------------------------------------------------------------------------- forecast


@dataclass(frozen=True)
class StageForecast:
    """A stage's deals: how many, their total value and their value weighted by probability,
    each per currency."""

    stage: Stage
    count: int = 0
    value: dict[str, Decimal] = field(default_factory=dict)
    weighted: dict[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class Forecast:
    """A pipeline's forecast, stage by stage, and its totals per currency."""

    pipeline: Pipeline
    stages: list[StageForecast]
    value: dict[str, Decimal]
    weighted: dict[str, Decimal]

    @property
    def count(self) -> int:
        return sum(s.count for s in self.stages)


def _probability(stage: Stage, deal_probability: int | None) -> int:
    kind = stage.kind_enum
    if kind is StageKind.WON:
        return 100
    if kind.is_closed:
        return 0
    return stage.probability if deal_probability is None else deal_probability


def forecast(pipeline: Pipeline, user: User) -> Forecast:
    """Value x probability per stage and for the whole pipeline, over the deals ``user`` may
    see. A deal's own probability wins over its stage's; won deals count 100%, lost and
    unqualified ones 0%. Amounts are ``Decimal`` per currency, never mixed."""
    stages = stages_of(pipeline)
    by_id = {s.id: s for s in stages}
    count: dict[object, int] = defaultdict(int)
    value: dict[object, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    weighted: dict[object, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    query = scope(
        Deal.live()
        .select(Deal.stage, Deal.value, Deal.currency, Deal.probability)
        .where(Deal.pipeline == pipeline.id),
        Deal,
        user,
    )
    for deal in query:
        stage = by_id.get(deal.stage_id)
        if stage is None:
            continue
        amount = Decimal(deal.value or 0)
        count[stage.id] += 1
        value[stage.id][deal.currency] += amount
        weighted[stage.id][deal.currency] += amount * _probability(stage, deal.probability) / 100
    rows: list[StageForecast] = []
    total: dict[str, Decimal] = defaultdict(Decimal)
    total_weighted: dict[str, Decimal] = defaultdict(Decimal)
    for stage in stages:
        stage_value = {c: v.quantize(CENT) for c, v in sorted(value[stage.id].items())}
        stage_weighted = {c: v.quantize(CENT) for c, v in sorted(weighted[stage.id].items())}
        for currency, amount in stage_value.items():
            total[currency] += amount
            total_weighted[currency] += stage_weighted[currency]
        rows.append(StageForecast(stage, count[stage.id], stage_value, stage_weighted))
    return Forecast(
        pipeline, rows, dict(sorted(total.items())), dict(sorted(total_weighted.items()))
    )
