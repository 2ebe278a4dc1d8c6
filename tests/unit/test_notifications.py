"""Notifications from the change log: predefined assignments, custom rules with filters and
triggers, never about one's own changes, never twice, delivery preferences, the centre."""

from __future__ import annotations

import datetime as dt

import pytest

from desktopcrm.models.notifications import (
    Delivery,
    Notification,
    NotificationCursor,
    NotificationKind,
    Trigger,
)
from desktopcrm.models.records import Stage
from desktopcrm.services import deals, leads, notification_rules, notifications, tasks
from desktopcrm.services.errors import PermissionDenied, ValidationError
from desktopcrm.services.lists import Filter
from desktopcrm.services.reminders import DueReminder
from desktopcrm.services.workspace import Workspace
from tests.unit.test_visibility import Team, make_team


@pytest.fixture
def team(any_database: Workspace) -> Team:
    built = make_team(any_database.user)
    for user in (built.admin, built.manager, built.rep, built.rep2, built.outsider):
        notification_rules.start_cursor(user)
    return built


def stages() -> dict[str, Stage]:
    return {s.name: s for s in Stage.select().where(Stage.deleted_at.is_null())}


def titles(entries: list[notifications.Entry]) -> list[str]:
    return [e.title for e in entries]


def test_first_evaluation_starts_at_the_end_of_the_log(workspace: Workspace) -> None:
    me = workspace.user
    rita = make_team(me).rep
    leads.create_lead(me, last_name="Before", owner=rita, check_duplicates=False)
    assert notification_rules.evaluate(rita) == []  # history does not notify
    leads.create_lead(me, last_name="After", owner=rita, check_duplicates=False)
    assert titles(notification_rules.evaluate(rita)) == ["Lead assigned to you: After"]


def test_assigned_to_you(team: Team) -> None:
    rita, admin, marta = team.rep, team.admin, team.manager
    lead = leads.create_lead(admin, last_name="Lind", owner=rita, check_duplicates=False)
    deal = deals.create_deal(marta, "Big order", 1000)
    deals.update_deal(marta, deal, owner=rita)
    task = tasks.create_task(
        marta, "Call Lind", assignee=rita, record_type="lead", record_id=lead.id
    )
    tasks.update_task(marta, task, {"title": "Call Lind back"})  # not a new assignment
    found = notification_rules.evaluate(rita)
    assert [(e.kind, e.title, e.record_type, e.record_id) for e in found] == [
        ("lead_assigned", "Lead assigned to you: Lind", "lead", lead.id),
        ("deal_assigned", "Deal assigned to you: Big order", "deal", deal.id),
        ("task_assigned", "Task assigned to you: Call Lind back", "lead", lead.id),
    ]
    assert found[0].body == f"by {admin.name}"
    assert found[2].body == f"by {marta.name} · Lind"
    assert all(e.desktop for e in found)
    # Marta handed them over: she is told nothing, and Rita's cursor moved past them.
    assert notification_rules.evaluate(marta) == []
    assert notification_rules.evaluate(rita) == []


def test_never_about_ones_own_changes(team: Team) -> None:
    rita = team.rep
    notifications.save_rule(
        rita, None, name="My deals", kind="deal", triggers=[Trigger.CREATED, Trigger.OWNER_CHANGED]
    )
    deals.create_deal(rita, "Mine")
    tasks.create_task(rita, "Note to self")
    assert notification_rules.evaluate(rita) == []
    assert Notification.select().count() == 0


def test_never_twice_even_when_the_cursor_is_lost(team: Team) -> None:
    rita = team.rep
    leads.create_lead(team.admin, last_name="Once", owner=rita, check_duplicates=False)
    assert len(notification_rules.evaluate(rita)) == 1
    # A crash between posting and moving the cursor, or a second window: the rows are read
    # again, the entries' keys already exist, nothing is added.
    NotificationCursor.update(seq=0).execute()
    assert notification_rules.evaluate(rita) == []
    assert Notification.select().count() == 1


def test_rule_filter_and_stage_trigger(team: Team) -> None:
    marta, rita = team.manager, team.rep
    by_name = stages()
    quote = next(s for name, s in by_name.items() if name.lower().startswith("quote"))
    other = next(s for s in by_name.values() if s.kind == "open" and s.id != quote.id)
    rule = notifications.save_rule(
        marta,
        None,
        name="Quotes over 5k",
        kind="deal",
        filters=[Filter("stage", "eq", str(quote.id)), Filter("value", "gt", "5000")],
        triggers=[Trigger.STAGE_CHANGED, Trigger.TASK_ADDED],
        delivery=Delivery.APP,
    )
    big = deals.create_deal(rita, "Big", 9000)
    small = deals.create_deal(rita, "Small", 100)
    elsewhere = deals.create_deal(rita, "Elsewhere", 9000)
    deals.move_deal(rita, big, quote)
    deals.move_deal(rita, small, quote)
    deals.move_deal(rita, elsewhere, other)
    tasks.create_task(rita, "Send the quote", record_type="deal", record_id=big.id)
    tasks.create_task(rita, "Small talk", record_type="deal", record_id=small.id)
    found = notification_rules.evaluate(marta)
    assert [(e.title, e.body, e.delivery, e.record_id) for e in found] == [
        ("Quotes over 5k: Big", f"Moved to {quote.name} by Rita Rep", "app", big.id),
        ("Quotes over 5k: Big", "Task added by Rita Rep: Send the quote", "app", big.id),
    ]
    assert {n.rule_id for n in Notification.select()} == {rule.id}


def test_rules_see_only_what_their_user_may_see(team: Team) -> None:
    otto = team.outsider
    notifications.save_rule(otto, None, name="Any lead", kind="lead", triggers=["created"])
    leads.create_lead(team.rep, last_name="Rita's", check_duplicates=False)
    leads.create_lead(team.admin, last_name="For Otto", owner=otto, check_duplicates=False)
    found = notification_rules.evaluate(otto)
    assert sorted(titles(found)) == ["Any lead: For Otto", "Lead assigned to you: For Otto"]


def test_owner_changed_and_people_rules(team: Team) -> None:
    from desktopcrm.services import contacts

    admin, marta, rita = team.admin, team.manager, team.rep
    notifications.save_rule(
        admin, None, name="People", kind="person", triggers=["created", "owner_changed"]
    )
    notifications.save_rule(admin, None, name="Firms", kind="company", triggers=["created"])
    person = contacts.create_person(rita, first_name="Ann", last_name="Berg")
    contacts.create_company(rita, name="Berg AG")
    contacts.update_contact(marta, person, owner=marta)
    found = notification_rules.evaluate(admin)
    assert [(e.title, e.body) for e in found] == [
        ("People: Ann Berg", "Person created by Rita Rep"),
        ("Firms: Berg AG", "Company created by Rita Rep"),
        ("People: Ann Berg", "Owner changed to Marta Manager by Marta Manager"),
    ]


def test_delivery_preferences(team: Team) -> None:
    rita = team.rep
    assert notifications.preferences(rita)[NotificationKind.LEAD_ASSIGNED] is Delivery.DESKTOP
    notifications.set_preference(rita, NotificationKind.LEAD_ASSIGNED, Delivery.OFF)
    notifications.set_preference(rita, "deal_assigned", "app")
    leads.create_lead(team.admin, last_name="Quiet", owner=rita, check_duplicates=False)
    deals.create_deal(team.admin, "Loud", owner=rita)
    found = notification_rules.evaluate(rita)
    assert [(e.kind, e.delivery) for e in found] == [("deal_assigned", "app")]
    with pytest.raises(ValidationError, match="not a delivery"):
        notifications.set_preference(rita, "deal_assigned", "pigeon")
    with pytest.raises(ValidationError):
        notifications.set_preference(rita, "rule", "app")


def test_rule_checks(team: Team) -> None:
    rita = team.rep
    with pytest.raises(ValidationError, match="name"):
        notifications.save_rule(rita, None, name="  ", kind="deal", triggers=["created"])
    with pytest.raises(ValidationError, match="Tick at least one trigger"):
        notifications.save_rule(rita, None, name="x", kind="deal", triggers=[])
    with pytest.raises(ValidationError):
        notifications.save_rule(
            rita, None, name="x", kind="deal", filters=[Filter("nonsense")], triggers=["created"]
        )
    with pytest.raises(ValidationError):
        notifications.save_rule(rita, None, name="x", kind="task", triggers=["created"])
    rule = notifications.save_rule(rita, None, name=" Mine ", kind="lead", triggers=["created"])
    assert (rule.name, rule.trigger_set) == ("Mine", frozenset({Trigger.CREATED}))
    with pytest.raises(PermissionDenied):
        notifications.save_rule(team.admin, rule, name="x", kind="lead", triggers=["created"])
    with pytest.raises(PermissionDenied):
        notifications.delete_rule(team.admin, rule)
    notifications.delete_rule(rita, rule)
    assert notifications.rules(rita) == []


def test_centre_read_and_unread(team: Team) -> None:
    rita = team.rep
    for name in ("A", "B", "C"):
        leads.create_lead(team.admin, last_name=name, owner=rita, check_duplicates=False)
    found = notification_rules.evaluate(rita)
    assert notifications.unread_count(rita) == 3
    assert titles(notifications.recent(rita)) == [
        "Lead assigned to you: C",
        "Lead assigned to you: B",
        "Lead assigned to you: A",
    ]
    assert notifications.mark_read(rita, [found[0].id]) == 1
    assert notifications.mark_read(rita, [found[0].id]) == 0
    assert notifications.unread_count(rita) == 2
    assert notifications.unread_count(team.admin) == 0
    assert notifications.mark_read(team.admin, [found[1].id]) == 0  # not theirs
    assert notifications.mark_all_read(rita) == 2
    assert notifications.unread_count(rita) == 0
    assert [e.read for e in notifications.recent(rita)] == [True, True, True]


def test_batches_and_irrelevant_rows_move_the_cursor(team: Team) -> None:
    rita = team.rep
    for index in range(7):
        leads.create_lead(team.admin, last_name=f"L{index}", owner=rita, check_duplicates=False)
    notifications.save_rule(team.admin, None, name="x", kind="deal", triggers=["created"])
    found = notification_rules.evaluate(rita, batch=3, max_batches=2)
    assert len(found) == 6  # two batches of three, the rest next time
    assert len(notification_rules.evaluate(rita, batch=3)) == 1
    from desktopcrm.models import ChangeLog

    assert notification_rules.cursor(rita) == ChangeLog.last_seq()


def test_reminders_and_finished_work_follow_preferences(team: Team) -> None:
    rita = team.rep
    now = dt.datetime(2026, 3, 10, 12, 0)
    task = tasks.create_task(rita, "Call", due_at=now, reminder="0m")
    reminder = DueReminder("task", task.id, now, now, "Call", None, None)
    appointment = DueReminder("appointment", task.id, now, now, "Meet", "lead", task.id)
    entries, shown = notifications.post_reminders(
        rita, [reminder, appointment], describe=lambda r: "now"
    )
    assert [(e.kind, e.title, e.body) for e in entries] == [
        ("task_reminder", "Task due: Call", "now"),
        ("appointment_reminder", "Appointment: Meet", "now"),
    ]
    assert shown == [reminder, appointment]
    notifications.set_preference(rita, NotificationKind.APPOINTMENT_REMINDER, Delivery.OFF)
    later = DueReminder("appointment", task.id, now + dt.timedelta(days=1), now, "Meet", None, None)
    entries, shown = notifications.post_reminders(rita, [reminder, later])
    assert entries == [] and shown == [reminder]  # the task's was posted already
    done = notifications.post_finished(rita, "import", "42", "Import finished", "12 leads")
    assert [(e.kind, e.delivery) for e in done] == [("import_export", "app")]
    assert notifications.post_finished(rita, "import", "42", "Import finished") == []
    problem = notifications.post_finished(rita, "sync", "x", "Gmail", problem=True)
    assert [e.kind for e in problem] == ["sync_problem"]
