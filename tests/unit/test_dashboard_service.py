"""The dashboard's figures against a hand-computed office, per profile and scope; the activity
feed's words, scope and keyset paging; due tasks and coming appointments."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from desktopcrm.models import utcnow
from desktopcrm.models.records import Deal, LossReason, Pipeline, Stage
from desktopcrm.services import activity, calendar, contacts, deals, leads, notes, tasks
from desktopcrm.services.dashboard import (
    Money,
    PipelineSummary,
    Scope,
    due_tasks,
    load_dashboard,
    pipeline_summary,
    scopes_for,
    upcoming_appointments,
)
from desktopcrm.services.errors import PermissionDenied
from desktopcrm.services.workspace import Workspace
from tests.unit.test_visibility import Team, make_team

D = Decimal


def sales() -> Pipeline:
    return Pipeline.live().where(Pipeline.name == "Sales").get()


def stage(name: str, pipeline: Pipeline | None = None) -> Stage:
    pipeline = pipeline or sales()
    return Stage.live().where(Stage.pipeline == pipeline.id, Stage.name == name).get()


def reason(kind: str) -> LossReason:
    return LossReason.live().where(LossReason.kind == kind).order_by(LossReason.position).get()


@dataclass
class Office:
    team: Team
    deals: dict[str, Deal]


@pytest.fixture
def office(workspace: Workspace) -> Office:
    """Deals of the Sales pipeline (EUR) by owner, each created by its owner:

    | deal | owner    | stage       | value       | probability |
    | D1   | rep      | Incoming    | 1,000.00 EUR | stage (10)  |
    | D2   | rep      | Incoming    |   250.50 EUR | 50          |
    | D3   | rep2     | Quote       | 2,000.00 EUR | stage (60)  |
    | D4   | manager  | Quote       |   300.00 USD | stage (60)  |
    | D5   | outsider | Negotiation | 5,000.00 EUR | stage (80)  |
    | D6   | admin    | Incoming    |   400.00 EUR | stage (10)  |
    | D7   | rep      | -> Won      | 1,500.00 EUR |             |
    | D8   | rep2     | -> Lost     |   700.00 EUR |             |
    | D9   | outsider | -> Unqual.  |   900.00 EUR |             |
    | D10  | manager  | -> Won      |   200.00 USD |             |
    | D11  | rep      | Incoming, deleted: never counted (9,999 EUR)  |
    | D12  | rep      | Incoming of Services: another pipeline (777)  |
    """
    team = make_team(workspace.user)
    specs = {
        "D1": (team.rep, "Incoming", "1000.00", "EUR", None),
        "D2": (team.rep, "Incoming", "250.50", "EUR", 50),
        "D3": (team.rep2, "Quote", "2000", "EUR", None),
        "D4": (team.manager, "Quote", "300", "USD", None),
        "D5": (team.outsider, "Negotiation", "5000", "EUR", None),
        "D6": (team.admin, "Incoming", "400", "EUR", None),
        "D7": (team.rep, "Closure", "1500", "EUR", None),
        "D8": (team.rep2, "Quote", "700", "EUR", None),
        "D9": (team.outsider, "Incoming", "900", "EUR", None),
        "D10": (team.manager, "Demo", "200", "USD", None),
        "D11": (team.rep, "Incoming", "9999", "EUR", None),
    }
    made: dict[str, Deal] = {}
    for key, (owner, stage_name, value, currency, probability) in specs.items():
        made[key] = deals.create_deal(
            owner,
            f"Deal {key}",
            value,
            currency,
            stage=stage(stage_name),
            probability=probability,
        )
    deals.move_deal(team.rep, made["D7"], stage("Won"))
    deals.move_deal(team.rep2, made["D8"], stage("Lost"), reason("lost"))
    deals.move_deal(team.outsider, made["D9"], stage("Unqualified"), reason("unqualified"))
    deals.move_deal(team.manager, made["D10"], stage("Won"))
    deals.delete_deal(team.rep, made["D11"])
    services = Pipeline.live().where(Pipeline.name != "Sales").first()
    if services is None:
        from desktopcrm.services.pipelines import create_pipeline

        services = create_pipeline(team.admin, "Services")
    made["D12"] = deals.create_deal(
        team.rep, "Deal D12", "777", "EUR", stage=stage("Incoming", services)
    )
    return Office(team, made)


def figures(summary: PipelineSummary) -> dict[str, tuple[int, Money, Money]]:
    stages = summary.stages + summary.closed
    return {s.name: (s.count, s.value, s.weighted) for s in stages if s.count}


#: Quote holds D3 (2,000 EUR at 60%) and D4 (300 USD at 60%); Won D7 and D10.
QUOTE_D3_D4 = (
    2,
    {"EUR": D("2000.00"), "USD": D("300.00")},
    {"EUR": D("1200.00"), "USD": D("180.00")},
)
WON_D7_D10 = (
    2,
    {"EUR": D("1500.00"), "USD": D("200.00")},
    {"EUR": D("1500.00"), "USD": D("200.00")},
)


def test_scopes_follow_the_profile(office: Office) -> None:
    team = office.team
    assert scopes_for(team.admin) == [Scope.EVERYONE, Scope.OWN]
    assert scopes_for(team.manager) == [Scope.TEAM, Scope.OWN]
    assert scopes_for(team.rep) == [Scope.OWN]
    with pytest.raises(PermissionDenied, match="choose Mine"):
        pipeline_summary(team.rep, sales(), scope=Scope.TEAM)
    with pytest.raises(PermissionDenied):
        pipeline_summary(team.manager, sales(), scope=Scope.EVERYONE)


def test_admin_sees_every_deal_of_the_pipeline(office: Office) -> None:
    summary = pipeline_summary(office.team.admin, sales())
    assert [s.name for s in summary.stages] == [
        "Incoming",
        "Qualified",
        "Demo",
        "Quote",
        "Negotiation",
        "Closure",
    ]
    assert figures(summary) == {
        "Incoming": (3, {"EUR": D("1650.50")}, {"EUR": D("265.25")}),
        "Quote": QUOTE_D3_D4,
        "Negotiation": (1, {"EUR": D("5000.00")}, {"EUR": D("4000.00")}),
        "Won": WON_D7_D10,
        "Lost": (1, {"EUR": D("700.00")}, {"EUR": D("0.00")}),
        "Unqualified": (1, {"EUR": D("900.00")}, {"EUR": D("0.00")}),
    }
    assert summary.open_count == 6
    assert summary.open_value == {"EUR": D("8650.50"), "USD": D("300.00")}
    assert summary.open_weighted == {"EUR": D("5465.25"), "USD": D("180.00")}
    assert [c.kind for c in summary.closed] == ["won", "lost", "unqualified"]


def test_manager_sees_their_team_or_their_own(office: Office) -> None:
    manager = office.team.manager
    team = pipeline_summary(manager, sales())
    assert figures(team) == {
        "Incoming": (2, {"EUR": D("1250.50")}, {"EUR": D("225.25")}),
        "Quote": QUOTE_D3_D4,
        "Won": WON_D7_D10,
        "Lost": (1, {"EUR": D("700.00")}, {"EUR": D("0.00")}),
    }
    own = pipeline_summary(manager, sales(), scope=Scope.OWN)
    assert figures(own) == {
        "Quote": (1, {"USD": D("300.00")}, {"USD": D("180.00")}),
        "Won": (1, {"USD": D("200.00")}, {"USD": D("200.00")}),
    }


def test_user_sees_their_own(office: Office) -> None:
    summary = pipeline_summary(office.team.rep, sales())
    assert figures(summary) == {
        "Incoming": (2, {"EUR": D("1250.50")}, {"EUR": D("225.25")}),
        "Won": (1, {"EUR": D("1500.00")}, {"EUR": D("1500.00")}),
    }
    services = Pipeline.live().where(Pipeline.name != "Sales").get()
    other = pipeline_summary(office.team.rep, services)
    assert figures(other) == {"Incoming": (1, {"EUR": D("777.00")}, {"EUR": D("77.70")})}


def test_closed_deals_count_for_thirty_days(office: Office) -> None:
    admin = office.team.admin
    later = utcnow() + dt.timedelta(days=29, hours=23)
    assert pipeline_summary(admin, sales(), now=later).closed_of("won").count == 2
    much_later = utcnow() + dt.timedelta(days=30, minutes=1)
    summary = pipeline_summary(admin, sales(), now=much_later)
    assert [c.count for c in summary.closed] == [0, 0, 0]
    assert summary.open_count == 6  # open deals do not age out


def test_load_dashboard_picks_the_first_pipeline_and_the_widest_scope(office: Office) -> None:
    board = load_dashboard(office.team.manager)
    assert board.scope is Scope.TEAM and board.scopes == [Scope.TEAM, Scope.OWN]
    assert [p.name for p in board.pipelines] == ["Sales", "Services"]
    assert board.summary is not None and board.summary.name == "Sales"
    services = board.pipelines[1].id
    other = load_dashboard(office.team.manager, pipeline_id=services, scope=Scope.OWN)
    assert other.summary is not None and other.summary.name == "Services"
    assert other.scope is Scope.OWN and other.summary.open_count == 0
    # A scope the profile does not allow falls back to the widest allowed.
    assert load_dashboard(office.team.rep, scope=Scope.EVERYONE).scope is Scope.OWN


# --------------------------------------------------------------------------- feed


def all_pages(user: object, **kwargs: object) -> tuple[list[activity.FeedItem], int]:
    items: list[activity.FeedItem] = []
    cursor = None
    reads = 0
    while True:
        page = activity.feed_page(user, cursor=cursor, **kwargs)  # type: ignore[arg-type]
        limit = kwargs.get("limit", activity.PAGE)
        assert len(page.items) <= limit  # type: ignore[operator]
        items += page.items
        reads += 1
        cursor = page.cursor
        if not page.has_more:
            return items, reads
        assert reads < 200


def test_feed_says_who_did_what_newest_first(office: Office) -> None:
    team = office.team
    rep = team.rep
    deal = office.deals["D1"]
    deals.move_deal(rep, deal, stage("Qualified"))
    anna = contacts.create_person(rep, first_name="Anna", last_name="Rossi", check_duplicates=False)
    acme = contacts.create_company(rep, name="Acme Srl", check_duplicates=False)
    contacts.update_contact(rep, anna, phone="+39 02 1234567")  # not in the feed
    notes.add_note(rep, anna, "Called Anna about the   renewal.\nShe wants a quote.")
    task = tasks.create_task(rep, "Send the quote", record_type="deal", record_id=deal.id)
    tasks.complete_task(rep, task)
    lead = leads.create_lead(rep, first_name="Lia", last_name="Neri", check_duplicates=False)
    working = leads.status_of_kind(leads.LeadStatusKind.WORKING)
    leads.set_lead_status(rep, lead, working)

    page = activity.feed_page(rep)
    texts = [item.text for item in page.items]
    assert texts[:7] == [
        "Rita Rep changed the status of Lia Neri from New to Working",
        "Rita Rep added the lead Lia Neri",
        "Rita Rep completed the task Send the quote for Deal D1",
        "Rita Rep added a note on Anna Rossi",
        "Rita Rep added the company Acme Srl",
        "Rita Rep added the person Anna Rossi",
        "Rita Rep moved the deal Deal D1 from Incoming to Qualified",
    ]
    by_text = {item.text: item for item in page.items}
    note = by_text["Rita Rep added a note on Anna Rossi"]
    assert note.detail == "Called Anna about the renewal. She wants a quote."
    assert (note.record_type, note.record_id) == ("contact", anna.id)
    done = by_text["Rita Rep completed the task Send the quote for Deal D1"]
    assert (done.record_type, done.record_id) == ("deal", deal.id)
    assert by_text["Rita Rep added the company Acme Srl"].record_id == acme.id
    moved = by_text["Rita Rep moved the deal Deal D1 from Incoming to Qualified"]
    assert (moved.kind, moved.amount, moved.currency) == ("stage", D("1000.00"), "EUR")
    # The rest: the rep's own deals (created, won; the deleted one is not a link any more).
    rest = texts[7:]
    assert "Rita Rep won the deal Deal D7" in rest
    assert "Rita Rep created the deal Deal D2" in rest
    deleted = [i for i in page.items if i.subject == "Deal D11"]
    assert deleted and all(i.record_id is None for i in deleted)
    assert not page.has_more
    # Newest first by time, then by sequence.
    keys = [(i.at, i.seq) for i in page.items]
    assert keys == sorted(keys, reverse=True)


def test_feed_scope_per_profile(office: Office) -> None:
    team = office.team

    def actors(user: object, scope: Scope | None = None) -> set[str]:
        items, _ = all_pages(user, scope=scope)
        return {i.who for i in items}

    assert actors(team.rep) == {"Rita Rep"}
    assert actors(team.manager) == {"Marta Manager", "Rita Rep", "Rui Rep"}
    assert actors(team.manager, Scope.OWN) == {"Marta Manager"}
    assert actors(team.admin) == {
        "Rita Rep",
        "Rui Rep",
        "Marta Manager",
        "Otto Outsider",
        team.admin.name,
    }
    with pytest.raises(PermissionDenied):
        activity.feed_page(team.rep, scope=Scope.EVERYONE)
    lost = [i for i in all_pages(team.manager)[0] if i.kind in ("lost", "unqualified")]
    assert [i.text for i in lost] == ["Rui Rep lost the deal Deal D8"]


def test_feed_pages_never_hold_more_than_a_page(office: Office) -> None:
    rep = office.team.rep
    for number in range(23):
        contacts.create_person(
            rep, first_name="P", last_name=f"{number:02d}", check_duplicates=False
        )
    everything = activity.feed_page(rep, limit=1000).items
    paged, reads = all_pages(rep, limit=5)
    assert [i.seq for i in paged] == [i.seq for i in everything]
    assert reads == len(everything) // 5 + 1
    # A small scan window: short (even empty) pages, each a bounded read, nothing lost.
    scanned, reads = all_pages(rep, limit=5, scan=3, rounds=1)
    assert [i.seq for i in scanned] == [i.seq for i in everything]
    assert reads > len(everything) // 5


def test_feed_since_returns_what_arrived(office: Office) -> None:
    rep = office.team.rep
    first = activity.feed_page(rep)
    from desktopcrm.models import ChangeLog

    seen = ChangeLog.last_seq()
    items, last, overflow = activity.feed_since(rep, after_seq=seen)
    assert (items, last, overflow) == ([], seen, False)
    contacts.create_person(rep, first_name="New", last_name="Person", check_duplicates=False)
    contacts.create_person(
        office.team.rep2, first_name="Not", last_name="Mine", check_duplicates=False
    )
    items, last, overflow = activity.feed_since(rep, after_seq=seen)
    assert [i.text for i in items] == ["Rita Rep added the person New Person"]
    assert last > seen and not overflow
    for number in range(3):
        contacts.create_person(rep, first_name="X", last_name=str(number), check_duplicates=False)
    _, _, overflow = activity.feed_since(rep, after_seq=seen, limit=2)
    assert overflow
    assert first.items  # the fixture's own activity


# --------------------------------------------------------------------------- tasks, calendar

NOW = dt.datetime(2030, 3, 14, 12, 0)


def test_due_tasks_overdue_first_within_scope(office: Office) -> None:
    team = office.team
    rep, rep2 = team.rep, team.rep2
    deal = office.deals["D1"]
    tasks.create_task(
        rep, "Call back", due_at=NOW - dt.timedelta(days=2), record_type="deal", record_id=deal.id
    )
    tasks.create_task(rep, "Send contract", due_at=NOW + dt.timedelta(hours=3))
    tasks.create_task(rep, "Tomorrow", due_at=NOW + dt.timedelta(days=1))
    tasks.create_task(rep, "Someday")
    done = tasks.create_task(rep, "Done already", due_at=NOW - dt.timedelta(hours=1))
    tasks.complete_task(rep, done)
    tasks.create_task(rep2, "Rui's overdue", due_at=NOW - dt.timedelta(hours=5))
    tasks.create_task(team.outsider, "Otto's", due_at=NOW - dt.timedelta(hours=5))

    mine = due_tasks(rep, now=NOW)
    assert [r.title for r in mine.rows] == ["Call back", "Send contract"]
    assert (mine.overdue, mine.today) == (1, 1)
    assert mine.rows[0].overdue and not mine.rows[1].overdue
    assert mine.rows[0].record_title == "Deal D1"
    team_view = due_tasks(team.manager, now=NOW)
    assert [r.title for r in team_view.rows] == ["Call back", "Rui's overdue", "Send contract"]
    assert (team_view.overdue, team_view.today) == (2, 1)
    assert [r.assignee_name for r in team_view.rows] == ["Rita Rep", "Rui Rep", "Rita Rep"]
    assert due_tasks(team.manager, scope=Scope.OWN, now=NOW).rows == []
    everyone = due_tasks(team.admin, now=NOW, limit=2)
    assert len(everyone.rows) == 2 and (everyone.overdue, everyone.today) == (3, 1)


def test_upcoming_appointments_in_scope_and_window(office: Office) -> None:
    team = office.team
    now = utcnow()
    hour = dt.timedelta(hours=1)
    deal = office.deals["D1"]
    calendar.create_appointment(team.rep, "Past", now - 3 * hour, now - 2 * hour)
    calendar.create_appointment(
        team.rep, "Demo at Acme", now + hour, now + 2 * hour, location="Milan",
        record_type="deal", record_id=deal.id,
    )  # fmt: skip
    calendar.create_appointment(team.rep, "Running now", now - hour, now + hour)
    calendar.create_appointment(team.rep2, "Rui's call", now + 5 * hour, now + 6 * hour)
    calendar.create_appointment(team.outsider, "Otto's", now + hour, now + 2 * hour)
    calendar.create_appointment(
        team.rep, "Too far", now + dt.timedelta(days=15), now + dt.timedelta(days=15, hours=1)
    )

    mine = upcoming_appointments(team.rep, now=now)
    assert [a.title for a in mine] == ["Running now", "Demo at Acme"]
    demo = mine[1]
    assert (demo.location, demo.record_type, demo.record_title) == ("Milan", "deal", "Deal D1")
    assert demo.owner_name == "Rita Rep"
    assert [a.title for a in upcoming_appointments(team.manager, now=now)] == [
        "Running now",
        "Demo at Acme",
        "Rui's call",
    ]
    assert len(upcoming_appointments(team.admin, now=now)) == 4
    assert len(upcoming_appointments(team.admin, now=now, limit=1)) == 1
