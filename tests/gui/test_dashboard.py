"""The Dashboard driven as a user: the figures it shows, the feed read a page at a time as it
scrolls, a click opening the record, ticking a task done, the scope switch per profile, live
refresh, and the feed model under qtmodeltester."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from desktopcrm.models import utcnow
from desktopcrm.models.records import Pipeline, Stage
from desktopcrm.models.tasks import Task
from desktopcrm.qt import QPalette, QPoint, Qt
from desktopcrm.services import activity, calendar, contacts, deals, tasks
from desktopcrm.services.dashboard import Scope
from desktopcrm.views.context import AppContext
from desktopcrm.views.dashboard.screen import DashboardScreen
from desktopcrm.views.theme import tokens
from tests.unit.test_visibility import Team, make_team


def stage(name: str) -> Stage:
    sales = Pipeline.live().where(Pipeline.name == "Sales").get()
    return Stage.live().where(Stage.pipeline == sales.id, Stage.name == name).get()


def open_screen(qtbot: Any, context: AppContext, now: dt.datetime | None = None) -> DashboardScreen:
    screen = DashboardScreen(context, clock=(lambda: now) if now else None)
    qtbot.addWidget(screen)
    screen.resize(1400, 860)
    with qtbot.waitSignal(screen.loaded, timeout=5000):
        screen.show()
    qtbot.waitUntil(lambda: not screen.busy, timeout=5000)
    return screen


@pytest.fixture
def team(context: AppContext) -> Team:
    return make_team(context.user)


def test_figures_tiles_and_chart(qtbot: Any, context: AppContext, team: Team) -> None:
    deals.create_deal(team.rep, "Small", "1000", "EUR", stage=stage("Incoming"))
    deals.create_deal(team.rep2, "Half", "250.50", "EUR", stage=stage("Incoming"), probability=50)
    deals.create_deal(team.manager, "Quote", "2000", "EUR", stage=stage("Quote"))
    deals.create_deal(team.manager, "Dollars", "300", "USD", stage=stage("Quote"))
    won = deals.create_deal(team.rep, "Big win", "1500", "EUR", stage=stage("Closure"))
    deals.move_deal(team.rep, won, stage("Won"))
    screen = open_screen(qtbot, context)
    summary = screen.summary
    assert summary.pipeline.currentText() == "Sales"
    assert summary.open_deals.value.text() == "4"
    # 1,000 + 250.50 + 2,000 EUR (the pipeline's currency) and the dollars apart.
    assert summary.open_value.value.text() == "€3.3K"
    assert summary.open_value.sub.text() == "+ $300"
    assert summary.open_value.toolTip() == "€3,250.50 + $300.00"
    # 100 + 125.25 + 1,200 EUR weighted; 180 USD.
    assert summary.forecast.toolTip() == "Value × probability: €1,425.25 + $180.00"
    chart = [(s.name, s.count) for s in summary.chart.stages]
    assert chart[:4] == [("Incoming", 2), ("Qualified", 0), ("Demo", 0), ("Quote", 2)]
    assert summary.closed["won"].value.text() == "1"
    assert summary.closed["won"].sub.text() == "€1.5K"
    assert summary.closed["lost"].value.text() == "0"
    assert "Incoming: 2" in summary.chart.accessibleDescription()
    # The admin's default scope is everyone, and the switch offers "Mine".
    assert [screen.scopes.tabText(i) for i in range(screen.scopes.count())] == [
        "Everyone",
        "Mine",
    ]
    assert not screen.scopes.isHidden()


def test_scope_follows_the_profile(qtbot: Any, context: AppContext, team: Team) -> None:
    deals.create_deal(team.rep, "Rita's", "100", "EUR", stage=stage("Incoming"))
    deals.create_deal(team.manager, "Marta's", "100", "EUR", stage=stage("Incoming"))
    deals.create_deal(team.outsider, "Otto's", "100", "EUR", stage=stage("Incoming"))
    context.switch_user(team.manager)
    screen = open_screen(qtbot, context)
    assert screen.scope is Scope.TEAM
    assert screen.summary.open_deals.value.text() == "2"
    assert {i.who for i in screen.feed_model.items} == {"Rita Rep", "Marta Manager"}
    with qtbot.waitSignal(screen.loaded, timeout=5000):
        screen.scopes.setCurrentIndex(1)  # Mine
    qtbot.waitUntil(lambda: not screen.busy, timeout=5000)
    assert screen.scope is Scope.OWN
    assert screen.summary.open_deals.value.text() == "1"
    assert {i.who for i in screen.feed_model.items} == {"Marta Manager"}

    context.switch_user(team.rep)
    qtbot.waitUntil(lambda: screen.scope is Scope.OWN and not screen.busy, timeout=5000)
    qtbot.waitUntil(lambda: screen.summary.open_deals.value.text() == "1", timeout=5000)
    assert screen.scopes.isHidden()  # a user has nothing to switch
    assert {i.who for i in screen.feed_model.items} == {"Rita Rep"}


def test_feed_reads_a_page_at_a_time_while_scrolling(
    qtbot: Any, qtmodeltester: Any, context: AppContext
) -> None:
    user = context.user
    for number in range(130):
        contacts.create_person(
            user, first_name="Person", last_name=f"{number:03d}", check_duplicates=False
        )
    screen = open_screen(qtbot, context)
    model = screen.feed_model
    assert model.rowCount() == activity.PAGE
    assert model.items[0].text.endswith("added the person Person 129")
    qtmodeltester.check(model)
    bar = screen.feed.verticalScrollBar()
    while model.has_more:
        count = model.rowCount()
        bar.setValue(bar.maximum())
        qtbot.waitUntil(lambda c=count: model.rowCount() > c or not model.has_more, timeout=5000)
        qtbot.waitUntil(lambda: not (model.reading and model.reading.running), timeout=5000)
    assert model.rowCount() == 130
    # Every read held at most a page, and together they read each entry once (how many
    # reads it took depends on when the view, or qtmodeltester, asked for more).
    assert model.largest_page <= activity.PAGE
    assert model.page_sizes[0] == activity.PAGE
    assert sum(model.page_sizes) == 130, model.page_sizes
    names = [i.subject for i in model.items]
    assert names == [f"Person {n:03d}" for n in range(129, -1, -1)]
    qtmodeltester.check(model)


def test_cards_paint_placeholders_until_their_reads_arrive(qtbot: Any, context: AppContext) -> None:
    user = context.user
    contacts.create_person(user, first_name="Anna", last_name="Rossi", check_duplicates=False)
    tasks.create_task(user, "Call Anna", due_at=utcnow() - dt.timedelta(hours=1))
    screen = DashboardScreen(context)
    qtbot.addWidget(screen)
    screen.resize(1400, 860)
    screen.show()  # the reads start from the event loop, after this first paint
    assert not screen.grab().isNull()
    # The frame is painted before any read is back: placeholders where the content goes.
    assert screen.feed_placeholder.isVisible() and not screen.feed.isVisible()
    assert screen.summary.chart_placeholder.isVisible() and not screen.summary.chart.isVisible()
    assert screen.summary.open_deals.placeholder.isVisible()
    assert not screen.agenda.filled and screen.agenda.task_lines == []
    with qtbot.waitSignal(screen.loaded, timeout=5000):
        pass
    qtbot.waitUntil(lambda: not screen.busy, timeout=5000)
    assert not screen.feed_placeholder.isVisible() and screen.feed.isVisible()
    assert screen.feed_model.items[0].text.endswith("added the person Anna Rossi")
    assert not screen.summary.chart_placeholder.isVisible() and screen.summary.chart.isVisible()
    assert screen.summary.open_deals.value.text() == "0"
    assert not screen.summary.open_deals.placeholder.isVisible()
    assert screen.agenda.filled and screen.agenda.task_titles() == ["Call Anna"]


def test_click_opens_the_record(qtbot: Any, context: AppContext) -> None:
    anna = contacts.create_person(
        context.user, first_name="Anna", last_name="Rossi", check_duplicates=False
    )
    screen = open_screen(qtbot, context)
    index = screen.feed_model.index(0, 0)
    assert screen.feed_model.items[0].text.endswith("added the person Anna Rossi")
    point = screen.feed.visualRect(index).center()
    with qtbot.waitSignal(context.open_record, timeout=2000) as opened:
        qtbot.mouseClick(screen.feed.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert opened.args == ["contact", anna.id.hex]


def test_tick_a_task_done(qtbot: Any, context: AppContext) -> None:
    user = context.user
    now = utcnow()
    anna = contacts.create_person(
        user, first_name="Anna", last_name="Rossi", check_duplicates=False
    )
    late = tasks.create_task(
        user,
        "Call Anna back",
        due_at=now - dt.timedelta(hours=3),
        record_type="contact",
        record_id=anna.id,
    )
    tasks.create_task(user, "Someday")
    screen = open_screen(qtbot, context, now)
    agenda = screen.agenda
    assert agenda.task_titles() == ["Call Anna back"]
    line = agenda.task_lines[0]
    assert line.row.overdue
    danger = tokens("light")["danger"]
    qtbot.waitUntil(lambda: line.title.isVisible(), timeout=2000)
    assert line.title.palette().color(QPalette.ColorRole.WindowText).name() == danger
    assert "1 overdue" in agenda.task_counts.text()
    assert "Anna Rossi" in line.meta.text()
    with qtbot.waitSignal(screen.loaded, timeout=5000):
        qtbot.mouseClick(
            line.tick, Qt.MouseButton.LeftButton, pos=QPoint(8, line.tick.height() // 2)
        )
    qtbot.waitUntil(lambda: not screen.busy, timeout=5000)
    assert Task.get_by_id(late.id).done
    assert agenda.task_titles() == []
    done = f"{user.name} completed the task Call Anna back for Anna Rossi"
    qtbot.waitUntil(lambda: screen.feed_model.items[0].text == done, timeout=5000)
    assert screen.feed_model.items[0].record_id == anna.id


def test_appointments_and_live_refresh(qtbot: Any, context: AppContext) -> None:
    user = context.user
    now = utcnow()
    calendar.create_appointment(
        user, "Demo at Acme", now + dt.timedelta(hours=2), now + dt.timedelta(hours=3),
        location="Milan",
    )  # fmt: skip
    screen = open_screen(qtbot, context, now)
    lines = screen.agenda.appointment_lines
    assert [line.row.title for line in lines] == ["Demo at Acme"]
    assert "Milan" in lines[0].meta.text()
    before = screen.feed_model.rowCount()
    # Another window (or PC) adds a contact: the change signal brings it to the top.
    contacts.create_company(user, name="Fresh Srl", check_duplicates=False)
    context.database_changed.emit()
    qtbot.waitUntil(lambda: screen.feed_model.rowCount() == before + 1, timeout=5000)
    assert screen.feed_model.items[0].text.endswith("added the company Fresh Srl")
