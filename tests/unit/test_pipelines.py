"""Pipelines, stages and loss reasons (admins only), and the forecast."""

from __future__ import annotations

from decimal import Decimal

import pytest

from desktopcrm.models import ChangeLog
from desktopcrm.models.records import (
    Contact,
    Deal,
    LossReason,
    Pipeline,
    ProspectStatus,
    Stage,
)
from desktopcrm.services import contacts, deals, pipelines
from desktopcrm.services.errors import PermissionDenied, ServiceError, ValidationError
from desktopcrm.services.workspace import Workspace
from tests.unit.test_visibility import Team, make_team


@pytest.fixture
def team(workspace: Workspace) -> Team:
    return make_team(workspace.user)


def sales() -> Pipeline:
    return pipelines.pipelines()[0]


def names(pipeline: Pipeline) -> list[str]:
    return [s.name for s in pipelines.stages_of(pipeline)]


def named(pipeline: Pipeline, name: str) -> Stage:
    return next(s for s in pipelines.stages_of(pipeline) if s.name == name)


DEFAULT = ["Incoming", "Qualified", "Demo", "Quote", "Negotiation", "Closure"]
CLOSED = ["Won", "Lost", "Unqualified"]


def test_only_admins_configure(team: Team) -> None:
    pipeline = sales()
    stage = named(pipeline, "Demo")
    reason = pipelines.loss_reasons("lost")[0]
    calls = [
        lambda: pipelines.create_pipeline(team.manager, "Services"),
        lambda: pipelines.rename_pipeline(team.manager, pipeline, "X"),
        lambda: pipelines.delete_pipeline(team.rep, pipeline),
        lambda: pipelines.add_stage(team.manager, pipeline, "X"),
        lambda: pipelines.rename_stage(team.rep, stage, "X"),
        lambda: pipelines.set_stage_probability(team.rep, stage, 5),
        lambda: pipelines.reorder_stages(team.rep, pipeline, []),
        lambda: pipelines.delete_stage(team.manager, stage),
        lambda: pipelines.add_loss_reason(team.manager, "X", "lost"),
        lambda: pipelines.rename_loss_reason(team.rep, reason, "X"),
        lambda: pipelines.delete_loss_reason(team.rep, reason),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied, match="Only an admin can change"):
            call()
    assert names(pipeline) == DEFAULT + CLOSED


def test_create_and_rename_pipelines(any_database: Workspace) -> None:
    admin = any_database.user
    services = pipelines.create_pipeline(admin, " Services ", "usd")
    assert [p.name for p in pipelines.pipelines()] == ["Sales", "Services"]
    assert services.currency == "USD"
    assert names(services) == DEFAULT + CLOSED
    kinds = [s.kind for s in pipelines.stages_of(services)]
    assert kinds == ["open"] * 6 + ["won", "lost", "unqualified"]
    assert ChangeLog.get(ChangeLog.row_id == services.id).user_id == admin.id
    with pytest.raises(ValidationError, match="already a pipeline named"):
        pipelines.create_pipeline(admin, "services")
    with pytest.raises(ValidationError, match="not a currency code"):
        pipelines.create_pipeline(admin, "Other", "euro")
    pipelines.rename_pipeline(admin, services, "Consulting")
    assert Pipeline.get_by_id(services.id).name == "Consulting"
    with pytest.raises(ValidationError, match="Enter a name"):
        pipelines.rename_pipeline(admin, services, " ")


def test_add_stages_before_the_closed_ones(team: Team) -> None:
    pipeline = sales()
    pipelines.add_stage(team.admin, pipeline, "Follow-up")
    assert names(pipeline) == [*DEFAULT, "Follow-up", *CLOSED]
    trial = pipelines.add_stage(team.admin, pipeline, "Trial", position=1)
    assert names(pipeline) == ["Incoming", "Trial", *DEFAULT[1:], "Follow-up", *CLOSED]
    assert trial.probability == named(pipeline, "Incoming").probability
    assert [s.position for s in pipelines.stages_of(pipeline)] == list(range(11))
    with pytest.raises(ValidationError, match="closed ones stay last"):
        pipelines.add_stage(team.admin, pipeline, "After won", position=9)
    with pytest.raises(ValidationError, match="already a stage named"):
        pipelines.add_stage(team.admin, pipeline, "won")


def test_rename_stages_closed_ones_too_and_set_probabilities(team: Team) -> None:
    pipeline = sales()
    pipelines.rename_stage(team.admin, named(pipeline, "Won"), "Signed")
    pipelines.rename_stage(team.admin, named(pipeline, "Demo"), "Presentation")
    assert "Signed" in names(pipeline) and "Presentation" in names(pipeline)
    with pytest.raises(ValidationError, match="already a stage named"):
        pipelines.rename_stage(team.admin, named(pipeline, "Quote"), "signed")
    pipelines.set_stage_probability(team.admin, named(pipeline, "Quote"), 55)
    assert named(pipeline, "Quote").probability == 55
    with pytest.raises(ValidationError, match="closed stage; its probability is fixed"):
        pipelines.set_stage_probability(team.admin, named(pipeline, "Lost"), 5)
    with pytest.raises(ValidationError, match="0 to 100"):
        pipelines.set_stage_probability(team.admin, named(pipeline, "Quote"), 120)


def test_reorder_keeps_closed_stages_last(team: Team) -> None:
    pipeline = sales()
    stages = pipelines.stages_of(pipeline)
    active, closed = stages[:6], stages[6:]
    pipelines.reorder_stages(team.admin, pipeline, list(reversed(active)))
    assert names(pipeline) == list(reversed(DEFAULT)) + CLOSED
    pipelines.reorder_stages(team.admin, pipeline, [*active, closed[2], closed[0], closed[1]])
    assert names(pipeline) == [*DEFAULT, "Unqualified", "Won", "Lost"]
    with pytest.raises(ValidationError, match=r"Closed stages .* stay last"):
        pipelines.reorder_stages(team.admin, pipeline, [closed[0], *active, *closed[1:]])
    with pytest.raises(ValidationError, match="each stage of this pipeline once"):
        pipelines.reorder_stages(team.admin, pipeline, active[:5])
    with pytest.raises(ValidationError, match="each stage of this pipeline once"):
        pipelines.reorder_stages(team.admin, pipeline, [*active, active[0]])
    other = pipelines.create_pipeline(team.admin, "Other")
    with pytest.raises(ValidationError, match="each stage of this pipeline once"):
        pipelines.reorder_stages(team.admin, pipeline, pipelines.stages_of(other)[:6])


def test_delete_stage_moves_its_deals_through_move_deal(any_database: Workspace) -> None:
    team = make_team(any_database.user)
    pipeline = sales()
    ada = contacts.create_person(team.rep, last_name="Neri", check_duplicates=False)
    demo = named(pipeline, "Demo")
    deal = deals.create_deal(team.rep, "D", "1", "EUR", stage=demo, primary_contact=ada)
    with pytest.raises(ValidationError, match="1 deals are on Demo: choose the stage"):
        pipelines.delete_stage(team.admin, demo)
    with pytest.raises(ValidationError, match="Choose another stage of Sales"):
        pipelines.delete_stage(team.admin, demo, move_deals_to=demo)
    with pytest.raises(ValidationError, match="Choose why the deal is lost"):
        pipelines.delete_stage(team.admin, demo, move_deals_to=named(pipeline, "Lost"))
    assert Stage.get_by_id(demo.id).deleted_at is None

    reason = pipelines.loss_reasons("lost")[0]
    moved = pipelines.delete_stage(
        team.admin, demo, move_deals_to=named(pipeline, "Lost"), reason=reason
    )
    assert moved == 1
    stored = Deal.get_by_id(deal.id)
    assert stored.stage_id == named(pipeline, "Lost").id and stored.loss_reason_id == reason.id
    assert Contact.get_by_id(ada.id).prospect_status == ProspectStatus.LOST.value
    assert ChangeLog.select().where(ChangeLog.row_id == deal.id).count() == 2
    assert "Demo" not in names(pipeline)
    assert [s.position for s in pipelines.stages_of(pipeline)] == list(range(8))


def test_closed_stages_and_the_last_active_one_stay(team: Team) -> None:
    pipeline = sales()
    for closed in CLOSED:
        with pytest.raises(ServiceError, match="closed stage and cannot be deleted"):
            pipelines.delete_stage(team.admin, named(pipeline, closed))
    other = pipelines.create_pipeline(team.admin, "Other")
    with pytest.raises(ValidationError, match="Choose another stage of Sales"):
        pipelines.delete_stage(
            team.admin, named(pipeline, "Incoming"), move_deals_to=named(other, "Incoming")
        )
    for name in DEFAULT[1:]:
        pipelines.delete_stage(team.admin, named(pipeline, name))
    with pytest.raises(ServiceError, match="only active stage of Sales; add another one first"):
        pipelines.delete_stage(team.admin, named(pipeline, "Incoming"))


def test_delete_pipeline(team: Team) -> None:
    sales_pipeline = sales()
    with pytest.raises(ServiceError, match="only pipeline"):
        pipelines.delete_pipeline(team.admin, sales_pipeline)
    services = pipelines.create_pipeline(team.admin, "Services")
    open_deal = deals.create_deal(team.rep, "Open", "1", "EUR", stage=named(services, "Quote"))
    reason = pipelines.loss_reasons("unqualified")[0]
    dropped = deals.create_deal(
        team.rep, "Dropped", "1", "EUR", stage=named(services, "Unqualified"), reason=reason
    )
    with pytest.raises(ValidationError, match="has 2 deals: choose the pipeline"):
        pipelines.delete_pipeline(team.admin, services)
    with pytest.raises(ValidationError, match="another pipeline"):
        pipelines.delete_pipeline(team.admin, services, move_deals_to=services)

    assert pipelines.delete_pipeline(team.admin, services, move_deals_to=sales_pipeline) == 2
    moved_open, moved_dropped = Deal.get_by_id(open_deal.id), Deal.get_by_id(dropped.id)
    assert moved_open.stage_id == named(sales_pipeline, "Incoming").id
    assert moved_open.pipeline_id == sales_pipeline.id
    assert moved_dropped.stage_id == named(sales_pipeline, "Unqualified").id
    assert moved_dropped.loss_reason_id == reason.id
    assert Pipeline.get_by_id(services.id).deleted_at is not None
    assert Stage.live().where(Stage.pipeline == services.id).count() == 0
    assert [p.name for p in pipelines.pipelines()] == ["Sales"]

    empty = pipelines.create_pipeline(team.admin, "Empty")
    assert pipelines.delete_pipeline(team.admin, empty) == 0


def test_loss_reasons(team: Team) -> None:
    built_in = [r.name for r in pipelines.loss_reasons("unqualified")]
    assert built_in == ["Timing", "Budget", "Reorganisation", "Out of our control"]
    mine = pipelines.add_loss_reason(team.admin, "Merged with another deal", "unqualified")
    assert pipelines.loss_reasons("unqualified")[-1].id == mine.id
    with pytest.raises(ValidationError, match="already a reason named"):
        pipelines.add_loss_reason(team.admin, "timing", "unqualified")
    with pytest.raises(ValidationError, match="lost or for unqualified"):
        pipelines.add_loss_reason(team.admin, "X", "won")
    pipelines.rename_loss_reason(team.admin, mine, "Duplicate deal")
    assert LossReason.get_by_id(mine.id).name == "Duplicate deal"

    deal = deals.create_deal(team.rep, "D", "1", "EUR")
    deals.move_deal(team.rep, deal, named(sales(), "Unqualified"), reason=mine)
    pipelines.delete_loss_reason(team.admin, mine)
    assert Deal.get_by_id(deal.id).loss_reason_id == mine.id  # deals keep their reason
    assert mine.id not in [r.id for r in pipelines.loss_reasons("unqualified")]
    with pytest.raises(ValidationError, match="no longer exists"):
        deals.move_deal(team.rep, deal, named(sales(), "Unqualified"), reason=mine)

    lost = pipelines.loss_reasons("lost")
    for reason in lost[1:]:
        pipelines.delete_loss_reason(team.admin, reason)
    with pytest.raises(ServiceError, match="only reason for lost deals"):
        pipelines.delete_loss_reason(team.admin, lost[0])


def test_forecast_per_stage_and_currency_scoped_to_the_user(any_database: Workspace) -> None:
    team = make_team(any_database.user)
    pipeline = sales()
    quote = named(pipeline, "Quote")  # 60 %
    deals.create_deal(team.rep, "A", "1000.00", "EUR", stage=quote)
    deals.create_deal(team.rep, "B", "333.33", "EUR", stage=quote, probability=10)
    deals.create_deal(team.rep, "C", "200", "USD", stage=quote)
    deals.create_deal(team.rep, "Won", "50", "EUR", stage=named(pipeline, "Won"), probability=20)
    reason = pipelines.loss_reasons("lost")[0]
    deals.create_deal(team.rep, "Lost", "70", "EUR", stage=named(pipeline, "Lost"), reason=reason)
    deals.create_deal(team.outsider, "Hidden", "999", "EUR", stage=quote)

    result = pipelines.forecast(pipeline, team.rep)
    by_name = {row.stage.name: row for row in result.stages}
    assert [row.stage.name for row in result.stages] == DEFAULT + CLOSED
    row = by_name["Quote"]
    assert row.count == 3
    assert row.value == {"EUR": Decimal("1333.33"), "USD": Decimal("200.00")}
    assert row.weighted == {"EUR": Decimal("633.33"), "USD": Decimal("120.00")}
    assert by_name["Won"].weighted == {"EUR": Decimal("50.00")}
    assert by_name["Lost"].weighted == {"EUR": Decimal("0.00")}
    assert by_name["Incoming"].count == 0 and by_name["Incoming"].value == {}
    assert result.value == {"EUR": Decimal("1453.33"), "USD": Decimal("200.00")}
    assert result.weighted == {"EUR": Decimal("683.33"), "USD": Decimal("120.00")}
    assert result.count == 5
    assert all(isinstance(v, Decimal) for v in result.weighted.values())

    everything = pipelines.forecast(pipeline, team.admin)
    assert everything.count == 6
    assert everything.value["EUR"] == Decimal("2452.33")
