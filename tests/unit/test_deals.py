"""Deals: values and currencies, stage moves with reasons, contacts, hooks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest

from desktopcrm.models import ChangeLog, StaleRecordError, User
from desktopcrm.models.custom_fields import FieldType
from desktopcrm.models.defaults import create_pipeline
from desktopcrm.models.records import (
    Contact,
    Deal,
    DealContact,
    LossReason,
    Pipeline,
    RecordKind,
    Stage,
    StageKind,
)
from desktopcrm.models.search import SearchEntry
from desktopcrm.services import contacts, custom_fields, deals, tags
from desktopcrm.services.errors import PermissionDenied, ValidationError
from desktopcrm.services.workspace import Workspace
from tests.unit.test_visibility import Team, make_team


@pytest.fixture
def team(workspace: Workspace) -> Team:
    return make_team(workspace.user)


def sales() -> Pipeline:
    return Pipeline.live().where(Pipeline.name == "Sales").get()


def stage(kind: StageKind, index: int = 0, pipeline: Pipeline | None = None) -> Stage:
    pipeline = pipeline or sales()
    query = Stage.live().where(Stage.pipeline == pipeline.id, Stage.kind == kind.value)
    return list(query.order_by(Stage.position))[index]


def reason(kind: str) -> LossReason:
    return LossReason.live().where(LossReason.kind == kind).order_by(LossReason.position).first()


def person(actor: User, last: str) -> Contact:
    return contacts.create_person(actor, first_name="Ada", last_name=last, check_duplicates=False)


def log_of(record_id: object) -> list[ChangeLog]:
    return list(ChangeLog.select().where(ChangeLog.row_id == record_id).order_by(ChangeLog.seq))


@pytest.fixture
def hooks() -> Iterator[list[tuple[str, str, str]]]:
    calls: list[tuple[str, str, str]] = []

    def record(actor: User, deal: Deal, old: Stage, new: Stage) -> None:
        calls.append((deal.name, old.name, new.name))

    deals.AFTER_MOVE.append(record)
    try:
        yield calls
    finally:
        deals.AFTER_MOVE.remove(record)


def test_create_with_defaults(any_database: Workspace) -> None:
    team = make_team(any_database.user)
    ada = person(team.rep, "Neri")
    deal = deals.create_deal(team.rep, " Big order ", "1250.5", "eur", primary_contact=ada)
    stored = Deal.get_by_id(deal.id)
    assert stored.name == "Big order"
    assert stored.value == Decimal("1250.50") and isinstance(stored.value, Decimal)
    assert stored.currency == "EUR"
    assert stored.pipeline_id == sales().id
    assert stored.stage_id == stage(StageKind.OPEN).id
    assert stored.owner_id == team.rep.id
    assert stored.stage_entered_at is not None and stored.closed_at is None
    assert stored.probability is None
    assert stored.primary_contact_id == ada.id
    [entry] = log_of(deal.id)
    assert entry.operation == "insert" and entry.user_id == team.rep.id
    assert "Ada Neri" in SearchEntry.get(SearchEntry.record_id == deal.id).subtitle
    second = deals.create_deal(team.rep, "Second", Decimal("10"))
    assert second.currency == "EUR"  # the pipeline's
    assert second.position > stored.position


def test_values_are_validated(team: Team) -> None:
    bad_values: list[object] = ["abc", "-1", 1.5, "1e30", "NaN", "Infinity"]
    for bad in bad_values:
        with pytest.raises(ValidationError) as caught:
            deals.create_deal(team.rep, "D", bad, "EUR")  # type: ignore[arg-type]
        assert caught.value.field == "value"
    for code in ("EURO", "E1R", "", "€"):
        with pytest.raises(ValidationError, match="not a currency code"):
            deals.create_deal(team.rep, "D", "1", code)
    for probability in (-1, 101, True, "50"):
        with pytest.raises(ValidationError, match="0 to 100"):
            deals.create_deal(team.rep, "D", "1", "EUR", probability=probability)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="name for the deal"):
        deals.create_deal(team.rep, "  ", "1", "EUR")
    with pytest.raises(ValidationError, match="is a date"):
        deals.create_deal(
            team.rep,
            "D",
            "1",
            "EUR",
            expected_close=dt.datetime(2030, 1, 1),  # type: ignore[arg-type]
        )
    assert Deal.select().count() == 0
    ok = deals.create_deal(
        team.rep, "D", 7, "usd", probability=0, expected_close=dt.date(2030, 1, 1)
    )
    assert (ok.value, ok.currency, ok.probability) == (Decimal("7.00"), "USD", 0)


def test_create_checks_the_stage_contacts_lead_and_owner(team: Team) -> None:
    services = create_pipeline("Services")
    with pytest.raises(ValidationError, match="stage of another pipeline"):
        deals.create_deal(
            team.rep, "D", "1", "EUR", pipeline=sales(), stage=stage(StageKind.OPEN, 0, services)
        )
    other = deals.create_deal(team.rep, "D", "1", "EUR", pipeline=services)
    assert other.stage_id == stage(StageKind.OPEN, 0, services).id
    hidden = person(team.outsider, "Hidden")
    with pytest.raises(PermissionDenied):
        deals.create_deal(team.rep, "D", "1", "EUR", primary_contact=hidden)
    with pytest.raises(PermissionDenied):
        deals.create_deal(team.rep, "D", "1", "EUR", contacts=[hidden])
    with pytest.raises(PermissionDenied, match="cannot assign"):
        deals.create_deal(team.rep, "D", "1", "EUR", owner=team.rep2)
    assert (
        deals.create_deal(team.manager, "D", "1", "EUR", owner=team.rep2).owner_id == team.rep2.id
    )


def test_created_closed_deals(team: Team) -> None:
    won = deals.create_deal(team.rep, "W", "1", "EUR", stage=stage(StageKind.WON))
    assert won.closed_at is not None
    with pytest.raises(ValidationError, match="Choose why the deal is lost"):
        deals.create_deal(team.rep, "L", "1", "EUR", stage=stage(StageKind.LOST))
    lost = deals.create_deal(
        team.rep, "L", "1", "EUR", stage=stage(StageKind.LOST), reason=reason("lost")
    )
    assert lost.loss_reason_id == reason("lost").id and lost.closed_at is not None


def test_moves_lost_unqualified_need_a_reason_of_that_kind(any_database: Workspace) -> None:
    team = make_team(any_database.user)
    deal = deals.create_deal(team.rep, "D", "1", "EUR")
    for kind in (StageKind.LOST, StageKind.UNQUALIFIED):
        with pytest.raises(ValidationError, match=f"Choose why the deal is {kind.value}") as caught:
            deals.move_deal(team.rep, deal, stage(kind))
        assert caught.value.field == "reason"
    with pytest.raises(ValidationError, match="reason for lost deals; choose a reason for unq"):
        deals.move_deal(team.rep, deal, stage(StageKind.UNQUALIFIED), reason=reason("lost"))
    assert Deal.get_by_id(deal.id).stage_id == stage(StageKind.OPEN).id

    deals.move_deal(
        team.rep, deal, stage(StageKind.UNQUALIFIED), reason=reason("unqualified"), note=" later "
    )
    stored = Deal.get_by_id(deal.id)
    assert stored.stage_id == stage(StageKind.UNQUALIFIED).id
    assert stored.loss_reason_id == reason("unqualified").id
    assert stored.loss_note == "later"
    assert stored.closed_at is not None
    changed = log_of(deal.id)[-1].changed
    assert {"stage", "loss_reason", "closed_at", "stage_entered_at"} <= changed.keys()
    assert log_of(deal.id)[-1].user_id == team.rep.id


def test_won_closes_and_reopening_clears(team: Team) -> None:
    deal = deals.create_deal(team.rep, "D", "1", "EUR")
    entered = deal.stage_entered_at
    deals.move_deal(team.rep, deal, stage(StageKind.OPEN, 3))
    assert deal.stage_entered_at is not None and entered is not None
    assert deal.stage_entered_at >= entered and deal.closed_at is None

    deals.move_deal(team.rep, deal, stage(StageKind.WON))
    closed = Deal.get_by_id(deal.id).closed_at
    assert closed is not None and deal.loss_reason_id is None
    deals.move_deal(team.rep, deal, stage(StageKind.WON), position=5)  # reordering keeps it
    assert Deal.get_by_id(deal.id).closed_at == closed
    assert Deal.get_by_id(deal.id).position == 5

    deals.move_deal(team.rep, deal, stage(StageKind.LOST), reason=reason("lost"), note="price")
    deals.move_deal(team.rep, deal, stage(StageKind.OPEN, 1))
    stored = Deal.get_by_id(deal.id)
    assert stored.closed_at is None and stored.loss_reason_id is None and stored.loss_note == ""


def test_moving_to_another_pipeline_takes_the_deal_there(team: Team) -> None:
    services = create_pipeline("Services")
    deal = deals.create_deal(team.rep, "D", "1", "EUR")
    target = stage(StageKind.OPEN, 2, services)
    deals.move_deal(team.rep, deal, target)
    stored = Deal.get_by_id(deal.id)
    assert (stored.pipeline_id, stored.stage_id) == (services.id, target.id)
    assert "pipeline" in log_of(deal.id)[-1].changed


def test_moves_are_refused_to_others_and_on_deleted_deals_or_stages(team: Team) -> None:
    deal = deals.create_deal(team.rep, "D", "1", "EUR")
    with pytest.raises(PermissionDenied):
        deals.move_deal(team.outsider, deal, stage(StageKind.OPEN, 1))
    gone = stage(StageKind.OPEN, 4)
    gone.delete_instance()
    with pytest.raises(ValidationError, match="stage no longer exists"):
        deals.move_deal(team.rep, deal, gone)
    deals.delete_deal(team.rep, deal)
    with pytest.raises(ValidationError, match="deal was deleted"):
        deals.move_deal(team.rep, deal, stage(StageKind.OPEN, 1))


def test_after_move_hooks_run_in_the_transaction(
    team: Team, hooks: list[tuple[str, str, str]]
) -> None:
    deal = deals.create_deal(team.rep, "D", "1", "EUR")
    deals.move_deal(team.rep, deal, stage(StageKind.OPEN, 1))
    deals.move_deal(team.rep, deal, stage(StageKind.OPEN, 1), position=3)  # not a stage change
    assert hooks == [("D", "Incoming", "Qualified")]

    def refuse(actor: User, deal: Deal, old: Stage, new: Stage) -> None:
        raise RuntimeError("automation failed")

    deals.AFTER_MOVE.append(refuse)
    try:
        with pytest.raises(RuntimeError):
            deals.move_deal(team.rep, deal, stage(StageKind.WON))
    finally:
        deals.AFTER_MOVE.remove(refuse)
    assert Deal.get_by_id(deal.id).stage_id == stage(StageKind.OPEN, 1).id
    assert deal.stage_id == stage(StageKind.OPEN, 1).id  # the object is restored too


def test_update_fields_stale_copies_and_permissions(any_database: Workspace) -> None:
    team = make_team(any_database.user)
    deal = deals.create_deal(team.rep, "D", "1", "EUR")
    deals.update_deal(team.rep, deal, value="99.999", probability=40, source="Fair")
    stored = Deal.get_by_id(deal.id)
    assert (stored.value, stored.probability, stored.source) == (Decimal("100.00"), 40, "Fair")
    theirs = Deal.get_by_id(deal.id)
    deals.update_deal(team.manager, theirs, name="Renamed")
    with pytest.raises(StaleRecordError):
        deals.update_deal(team.rep, deal, name="Mine")
    deals.update_deal(team.rep, deal, value="5")  # a field they did not touch: merged
    stored = Deal.get_by_id(deal.id)
    assert (stored.name, stored.value) == ("Renamed", Decimal("5.00"))
    with pytest.raises(PermissionDenied):
        deals.update_deal(team.outsider, theirs, value="5")
    for field in ("stage", "pipeline", "primary_contact", "closed_at"):
        with pytest.raises(ValidationError, match="not a field you can set"):
            deals.update_deal(team.rep, theirs, **{field: None})


def test_contacts_attach_detach_and_the_primary_star(team: Team) -> None:
    ada, bob, cy = person(team.rep, "Ada"), person(team.rep, "Bob"), person(team.rep, "Cy")
    deal = deals.create_deal(team.rep, "D", "1", "EUR", primary_contact=ada, contacts=[ada, bob])
    assert {c.id for c in deals.contacts_of(deal)} == {ada.id, bob.id}
    assert DealContact.select().where(DealContact.deal == deal.id).count() == 1  # Bob only

    deals.attach_contact(team.rep, deal, cy, role="Buyer")
    assert DealContact.get(DealContact.contact == cy.id).role == "Buyer"
    deals.attach_contact(team.rep, deal, ada)  # already the primary: nothing to do
    assert DealContact.select().where(DealContact.contact == ada.id).count() == 0

    deals.set_primary_contact(team.rep, deal, bob)
    assert Deal.get_by_id(deal.id).primary_contact_id == bob.id
    assert {c.id for c in deals.contacts_of(deal)} == {ada.id, bob.id, cy.id}

    deals.detach_contact(team.rep, deal, cy)
    deals.attach_contact(team.rep, deal, cy)  # the old link comes back
    assert DealContact.select().where(DealContact.contact == cy.id).count() == 1
    assert DealContact.get(DealContact.contact == cy.id).deleted_at is None

    deals.detach_contact(team.rep, deal, bob)  # the primary
    assert Deal.get_by_id(deal.id).primary_contact_id is None
    assert {c.id for c in deals.contacts_of(deal)} == {ada.id, cy.id}
    assert Contact.get_by_id(bob.id).prospect_status == "non_prospect"


def test_linking_needs_rights_on_deal_and_contact(team: Team) -> None:
    deal = deals.create_deal(team.rep, "D", "1", "EUR")
    hidden = person(team.outsider, "Hidden")
    mine = person(team.rep, "Mine")
    with pytest.raises(PermissionDenied):
        deals.attach_contact(team.rep, deal, hidden)
    with pytest.raises(PermissionDenied):
        deals.set_primary_contact(team.rep, deal, hidden)
    with pytest.raises(PermissionDenied):
        deals.attach_contact(team.outsider, deal, hidden)
    with pytest.raises(PermissionDenied):
        deals.detach_contact(team.rep2, deal, mine)
    assert deals.contacts_of(deal) == []


def test_delete_and_list(team: Team) -> None:
    ada = person(team.rep, "Neri")
    first = deals.create_deal(team.rep, "First", "1", "EUR", primary_contact=ada)
    deals.create_deal(team.rep2, "Second", "1", "EUR")
    deals.create_deal(team.outsider, "Third", "1", "EUR")
    assert [d.name for d in deals.list_deals(team.rep).items] == ["First"]
    assert deals.list_deals(team.manager).total == 2
    assert deals.list_deals(team.admin).total == 3
    assert [d.id for d in deals.list_deals(team.admin, contact=ada).items] == [first.id]
    assert deals.list_deals(team.admin, stage=stage(StageKind.WON)).total == 0
    with pytest.raises(PermissionDenied):
        deals.delete_deal(team.rep2, first)
    with pytest.raises(PermissionDenied):
        deals.get_deal(team.rep2, first.id)
    deals.delete_deal(team.rep, first)
    assert Deal.get_by_id(first.id).deleted_at is not None
    assert deals.list_deals(team.rep).total == 0
    assert not SearchEntry.select().where(SearchEntry.record_id == first.id).exists()
    assert Contact.get_by_id(ada.id).prospect_status == "non_prospect"


def test_tags_and_custom_values_on_deals(team: Team) -> None:
    custom_fields.create_field(team.admin, RecordKind.DEAL, "Channel", FieldType.TEXT)
    deal = deals.create_deal(
        team.rep, "D", "1", "EUR", tags=["Renewal"], custom={"channel": "Partner"}
    )
    assert tags.tags_of(deal.id) == ["Renewal"]
    assert custom_fields.get_values(RecordKind.DEAL, deal.id) == {"channel": "Partner"}
    with pytest.raises(ValidationError) as caught:
        deals.update_deal(team.rep, deal, name="Renamed", custom={"nope": "x"})
    assert caught.value.field == "nope"
    assert Deal.get_by_id(deal.id).name == "D" and deal.name == "D"
