"""The board's service: column totals by hand, filters, cards, moves between and within stages,
reasons, undo and the version conflict."""

from __future__ import annotations

import datetime as dt
import sqlite3
from decimal import Decimal

import pytest

from desktopcrm.models import ChangeLog, StaleRecordError, User, database, utcnow
from desktopcrm.models.records import Contact, Deal, LossReason, Pipeline, Stage
from desktopcrm.models.search import SearchEntry
from desktopcrm.services import board, contacts, deals, search, tags, tasks
from desktopcrm.services.board import BoardFilter
from desktopcrm.services.errors import ValidationError
from desktopcrm.services.workspace import Workspace
from tests.unit.test_visibility import make_team


def sales() -> Pipeline:
    return Pipeline.live().where(Pipeline.name == "Sales").get()


def stages() -> list[Stage]:
    return board.board_stages(sales())


def stage(name: str) -> Stage:
    return next(s for s in stages() if s.name == name)


def deal(actor: User, name: str, value: str, where: str = "Incoming", **kw: object) -> Deal:
    return deals.create_deal(actor, name, value, stage=stage(where), **kw)  # type: ignore[arg-type]


def order(actor: User, where: str, flt: BoardFilter | None = None) -> list[str]:
    ids = [i for i, _ in board.stage_deals(actor, stage(where), flt or BoardFilter())]
    found = board.cards(ids)
    return [found[i].name for i in ids]


def test_column_totals_by_hand(workspace: Workspace) -> None:
    me = workspace.user
    deal(me, "A", "1000.00")  # Incoming 10 %
    deal(me, "B", "250.50", probability=50)  # its own 50 %
    deal(me, "C", "99.99", "Quote")  # 60 %
    deal(me, "D", "400", "Won")
    lost = LossReason.live().where(LossReason.kind == "lost").first()
    deal(me, "E", "700", "Lost", reason=lost)
    deal(me, "F", "80", currency="USD")
    totals = board.column_totals(me, sales())
    incoming = totals[stage("Incoming").id]
    assert incoming.count == 3
    assert incoming.value_in("EUR") == Decimal("1250.50")
    # 1000 x 10 % + 250.50 x 50 % = 100 + 125.25
    assert incoming.weighted_in("EUR") == Decimal("225.25")
    assert incoming.value_in("USD") == Decimal("80.00")
    assert incoming.other_currencies("EUR") == ["USD"]
    quote = totals[stage("Quote").id]
    assert (quote.count, quote.value_in("EUR"), quote.weighted_in("EUR")) == (
        1,
        Decimal("99.99"),
        Decimal("59.99"),  # 59.994 rounded to the cent
    )
    assert totals[stage("Won").id].weighted_in("EUR") == Decimal("400.00")
    assert totals[stage("Lost").id].value_in("EUR") == Decimal("700.00")
    assert totals[stage("Lost").id].weighted_in("EUR") == Decimal("0.00")
    assert totals[stage("Demo").id].count == 0
    assert set(totals) == {s.id for s in stages()}


def test_filters(workspace: Workspace) -> None:
    team = make_team(workspace.user)
    me = workspace.user
    deal(me, "Alpha boilers", "100", tags=["Hot"], expected_close=dt.date(2026, 3, 1))
    deal(me, "Beta pumps", "5000", expected_close=dt.date(2026, 6, 1))
    deal(me, "Gamma boilers", "900", owner=team.rep, tags=["hot", "Renewal"])
    deal(me, "Delta", "50")
    assert order(me, "Incoming") == ["Alpha boilers", "Beta pumps", "Gamma boilers", "Delta"]
    assert order(me, "Incoming", BoardFilter(owner_id=team.rep.id)) == ["Gamma boilers"]
    assert order(me, "Incoming", BoardFilter(tag="HOT")) == ["Alpha boilers", "Gamma boilers"]
    value = BoardFilter(min_value=Decimal(100), max_value=Decimal(900))
    assert order(me, "Incoming", value) == ["Alpha boilers", "Gamma boilers"]
    close = BoardFilter(close_from=dt.date(2026, 1, 1), close_to=dt.date(2026, 3, 31))
    assert order(me, "Incoming", close) == ["Alpha boilers"]
    assert order(me, "Incoming", BoardFilter(text="boil")) == ["Alpha boilers", "Gamma boilers"]
    assert order(me, "Incoming", BoardFilter(text="boil gam")) == ["Gamma boilers"]
    totals = board.column_totals(me, sales(), BoardFilter(text="boil"))
    assert totals[stage("Incoming").id].value_in("EUR") == Decimal("1000.00")
    # A user sees their own deals only, whatever the filter.
    assert order(team.rep, "Incoming") == ["Gamma boilers"]
    with pytest.raises(ValidationError, match="swap them"):
        board.clean_filter(BoardFilter(min_value=Decimal(5), max_value=Decimal(1)))


def test_cards_show_contact_owner_next_task_and_tags(workspace: Workspace) -> None:
    me = workspace.user
    company = contacts.create_company(me, "Acme Boilers", check_duplicates=False)
    ada = contacts.create_person(
        me, first_name="Ada", last_name="Lovelace", company=company, check_duplicates=False
    )
    d = deal(me, "Boiler room", "1200", primary_contact=ada, tags=["Hot", "Q3"])
    now = utcnow()
    tasks.create_task(me, "Later call", due_at=now + dt.timedelta(days=3),
                      record_type="deal", record_id=d.id)  # fmt: skip
    tasks.create_task(me, "Send quote", due_at=now - dt.timedelta(hours=2),
                      record_type="deal", record_id=d.id)  # fmt: skip
    card = board.cards([d.id])[d.id]
    assert card.name == "Boiler room"
    assert card.contact == "Ada Lovelace · Acme Boilers"
    assert card.value == Decimal("1200.00") and card.currency == "EUR"
    assert card.owner == me.name and card.owner_initials == me.initials
    assert card.next_task == "Send quote"
    assert card.task_overdue(now)
    assert [name for name, _ in card.tags] == ["Hot", "Q3"]
    assert card.days_in_stage(now + dt.timedelta(days=4, hours=1)) == 4


def test_move_to_another_stage_between_two_cards(workspace: Workspace) -> None:
    me = workspace.user
    a, b = deal(me, "A", "10", "Demo"), deal(me, "B", "20", "Demo")
    c = deal(me, "C", "30")
    moved, before = board.move_card(me, c.id, c.version, stage("Demo"), after=a.id, before=b.id)
    assert order(me, "Demo") == ["A", "C", "B"]
    assert before.stage_id == stage("Incoming").id
    row = Deal.get_by_id(c.id)
    assert row.stage_id == stage("Demo").id and row.version == moved.version == 2
    last = ChangeLog.select().where(ChangeLog.row_id == c.id).order_by(ChangeLog.seq.desc()).get()
    assert "stage" in last.changed and last.user_id == me.id
    # To the top, to the end.
    board.move_card(me, b.id, b.version, stage("Demo"), before=a.id)
    assert order(me, "Demo") == ["B", "A", "C"]
    b = Deal.get_by_id(b.id)
    board.move_card(me, b.id, b.version, stage("Demo"), after=c.id)
    assert order(me, "Demo") == ["A", "C", "B"]


def test_crowded_positions_are_numbered_again(workspace: Workspace) -> None:
    me = workspace.user
    a, b, c = (deal(me, n, "1", "Quote") for n in "ABC")
    Deal.update(position=1.0).where(Deal.id.in_([a.id, b.id])).execute()
    first, second = (i for i, _ in board.stage_deals(me, stage("Quote"))[:2])
    board.move_card(me, c.id, c.version, stage("Quote"), after=first, before=second)
    assert [i for i, _ in board.stage_deals(me, stage("Quote"))] == [first, c.id, second]
    logged = ChangeLog.select().where(ChangeLog.row_id == second, ChangeLog.version == 2).get()
    assert "position" in logged.changed


def test_drops_at_one_spot_spread_only_the_deals_around_it(workspace: Workspace) -> None:
    me = workspace.user
    expected = [deal(me, f"D{n:02}", "1", "Quote").name for n in range(12)]
    spreads = []
    for number in range(30):
        # Always into the slot right below D05: the gap there halves every time.
        ids = [i for i, _ in board.stage_deals(me, stage("Quote"))]
        slot = order(me, "Quote").index("D05")
        filler = deal(me, f"F{number:02}", "1")
        last = ChangeLog.last_seq()
        board.move_card(
            me, filler.id, filler.version, stage("Quote"), after=ids[slot], before=ids[slot + 1]
        )
        others = ChangeLog.select().where(ChangeLog.seq > last, ChangeLog.row_id != filler.id)
        spreads.append(others.count())
        assert all("position" in e.changed and e.user_id == me.id for e in others)
        expected.insert(slot + 1, filler.name)
        assert order(me, "Quote") == expected
    assert any(spreads), "the gap never ran out: the test does not test the spreading"
    # A spread rewrites a few deals around the spot, never the whole column (42 deals).
    assert max(spreads) <= 8


def test_a_crowded_column_is_spread_in_order(any_database: Workspace) -> None:
    me = any_database.user
    made = [deal(me, f"D{n}", "1", "Quote") for n in range(6)]
    Deal.update(position=0.0).execute()  # e.g. imported without positions
    ids = [i for i, _ in board.stage_deals(me, stage("Quote"))]
    names = order(me, "Quote")
    mover = deal(me, "Mover", "1")
    board.move_card(me, mover.id, mover.version, stage("Quote"), after=ids[2], before=ids[3])
    assert order(me, "Quote") == [*names[:3], "Mover", *names[3:]]
    positions = [float(d.position) for d in Deal.select().where(Deal.id.in_(ids))]
    assert len(set(positions)) == len(made)
    versions = {d.id: d.version for d in Deal.select().where(Deal.id.in_(ids))}
    for deal_id, version in versions.items():  # each rewritten deal: a new version, logged
        if version > 1:
            entry = ChangeLog.get(ChangeLog.row_id == deal_id, ChangeLog.version == version)
            assert "position" in entry.changed and entry.user_id == me.id


def test_a_move_leaves_the_search_entry_and_a_changed_name_is_indexed(
    workspace: Workspace,
) -> None:
    me = workspace.user
    d = deal(me, "Boiler upgrade", "10")
    entry = SearchEntry.get(SearchEntry.record_id == d.id)
    board.move_card(me, d.id, d.version, stage("Demo"))
    assert SearchEntry.get(SearchEntry.record_id == d.id).id == entry.id
    assert [h.record_id for h in search.search(me, "boiler")] == [d.id]
    assert order(me, "Demo", BoardFilter(text="boil")) == ["Boiler upgrade"]
    # A name changed on the same object as a move is indexed with it.
    row = Deal.get_by_id(d.id)
    row.name = "Pump refit"
    deals.move_deal(me, row, stage("Quote"))
    assert [h.record_id for h in search.search(me, "pump")] == [d.id]
    assert search.search(me, "boiler") == []


def test_move_now_refuses_to_wait_for_another_writer(workspace: Workspace) -> None:
    me = workspace.user
    d = deal(me, "A", "10")
    other = sqlite3.connect(workspace.location.path, isolation_level=None)  # type: ignore[arg-type]
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(board.Busy):
            board.move_card_now(me, d.id, d.version, stage("Demo"))
    finally:
        other.execute("ROLLBACK")
        other.close()
    row = Deal.get_by_id(d.id)
    assert (row.stage_id, row.version) == (stage("Incoming").id, d.version)
    assert database.execute_sql("PRAGMA busy_timeout").fetchone()[0] == 5000  # as it was
    moved, _ = board.move_card_now(me, d.id, d.version, stage("Demo"))
    assert Deal.get_by_id(d.id).stage_id == stage("Demo").id == moved.stage_id


def test_undo_gives_back_the_days_in_stage(workspace: Workspace) -> None:
    me = workspace.user
    d = deal(me, "A", "1")
    entered = utcnow() - dt.timedelta(days=9)
    Deal.update(stage_entered_at=entered).where(Deal.id == d.id).execute()
    moved, where = board.move_card(me, d.id, d.version, stage("Demo"))
    assert moved.stage_entered_at > entered + dt.timedelta(days=8)
    board.undo_move(me, d.id, moved.version, where)
    back = Deal.get_by_id(d.id)
    assert back.stage_id == stage("Incoming").id
    assert back.stage_entered_at == entered
    assert board.cards([d.id])[d.id].days_in_stage(utcnow()) == 9


def test_shifted_totals_match_the_database(workspace: Workspace) -> None:
    me = workspace.user
    deal(me, "A", "1000.10", probability=35)
    moving = deal(me, "B", "333.33")
    deal(me, "C", "12", "Quote", currency="USD")
    before = board.column_totals(me, sales())
    card = board.cards([moving.id])[moving.id]
    for source, target in (("Incoming", "Quote"), ("Quote", "Won")):
        shifted = board.shift_totals(before, card, stage(source), stage(target))
        m = Deal.get_by_id(moving.id)
        board.move_card(me, m.id, m.version, stage(target))
        after = board.column_totals(me, sales())
        for name in (source, target):
            assert shifted[stage(name).id] == after[stage(name).id]
        before = after


def test_lost_needs_a_reason_and_updates_the_contact(workspace: Workspace) -> None:
    me = workspace.user
    ada = contacts.create_person(me, first_name="Ada", last_name="L", check_duplicates=False)
    d = deal(me, "A", "10", primary_contact=ada)
    with pytest.raises(ValidationError, match="Choose why"):
        board.move_card(me, d.id, d.version, stage("Lost"))
    assert Deal.get_by_id(d.id).stage_id == stage("Incoming").id
    reason = board.reasons_by_kind()["lost"][0]
    board.move_card(me, d.id, d.version, stage("Lost"), reason=reason, note="went elsewhere")
    row = Deal.get_by_id(d.id)
    assert row.loss_reason_id == reason.id and row.loss_note == "went elsewhere"
    assert row.closed_at is not None
    assert Contact.get_by_id(ada.id).prospect_status == "lost"


def test_undo_puts_it_back_with_its_reason(workspace: Workspace) -> None:
    me = workspace.user
    reason = board.reasons_by_kind()["unqualified"][0]
    a = deal(me, "A", "1", "Unqualified", reason=reason)
    deal(me, "B", "1", "Unqualified", reason=reason)
    moved, where = board.move_card(me, a.id, a.version, stage("Qualified"))
    assert Deal.get_by_id(a.id).loss_reason_id is None
    board.undo_move(me, a.id, moved.version, where)
    row = Deal.get_by_id(a.id)
    assert row.stage_id == stage("Unqualified").id
    assert row.loss_reason_id == reason.id
    assert order(me, "Unqualified") == ["A", "B"]


def test_a_deal_moved_by_someone_else_is_a_conflict(workspace: Workspace) -> None:
    me = workspace.user
    d = deal(me, "A", "10")
    seen = d.version
    deals.move_deal(me, Deal.get_by_id(d.id), stage("Quote"))  # someone else, first
    with pytest.raises(StaleRecordError):
        board.move_card(me, d.id, seen, stage("Demo"))
    assert Deal.get_by_id(d.id).stage_id == stage("Quote").id
    # A change to other fields meanwhile is no conflict: the move keeps it.
    fresh = Deal.get_by_id(d.id)
    seen = fresh.version
    deals.update_deal(me, fresh, name="A renamed")
    board.move_card(me, d.id, seen, stage("Demo"))
    row = Deal.get_by_id(d.id)
    assert (row.name, row.stage_id) == ("A renamed", stage("Demo").id)


def test_a_tag_filter_and_tags_follow_the_service(workspace: Workspace) -> None:
    me = workspace.user
    d = deal(me, "A", "10")
    tags.add_tags(d, ["VIP"])
    assert order(me, "Incoming", BoardFilter(tag="vip")) == ["A"]


@pytest.mark.parametrize(
    ("locale", "compact", "expected"),
    [
        ("en_US", False, "€1,250.50"),
        ("de_DE", False, "1.250,50\xa0€"),
        ("en_US", True, "€1,251"),  # no cents: rounded half up
        ("en_US", True, "€2.5M"),
    ],
)
def test_money_is_formatted_for_the_locale(locale: str, compact: bool, expected: str) -> None:
    amount = Decimal("2500000") if expected.endswith("M") else Decimal("1250.50")
    assert board.format_money(amount, "EUR", locale, compact=compact) == expected
