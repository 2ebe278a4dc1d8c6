"""The pipeline board: real mouse drags between and within columns, onto the closed zones (with
the reason dialog), keyboard moves, undo, a conflict with another process, filters, live
refresh and the column model under qtmodeltester. Each checks the database and what the
columns show."""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from desktopcrm.models import ChangeLog, User, utcnow
from desktopcrm.models.records import Deal, Pipeline, Stage
from desktopcrm.qt import QApplication, QDialog, QPoint, Qt, QWidget
from desktopcrm.services import board, deals, users
from desktopcrm.views.board.column import StageColumn
from desktopcrm.views.board.drag import Drop
from desktopcrm.views.board.model import CARD_ROLE, StageModel
from desktopcrm.views.board.screen import BoardScreen
from desktopcrm.views.context import AppContext

LEFT = Qt.MouseButton.LeftButton
NONE = Qt.KeyboardModifier.NoModifier
CTRL = Qt.KeyboardModifier.ControlModifier


def stage(name: str) -> Stage:
    sales = Pipeline.live().where(Pipeline.name == "Sales").get()
    return next(s for s in board.board_stages(sales) if s.name == name)


def add(user: User, name: str, value: str, where: str = "Incoming", **kw: Any) -> Deal:
    return deals.create_deal(user, name, value, stage=stage(where), **kw)


def names(screen: BoardScreen, where: str) -> list[str]:
    model = screen.columns[stage(where).id].model
    return [Deal.get_by_id(i).name for i in model.ids]


def in_db(where: str, user: User) -> list[str]:
    ids = [i for i, _ in board.stage_deals(user, stage(where))]
    return [Deal.get_by_id(i).name for i in ids]


def open_board(qtbot: Any, context: AppContext, size: tuple[int, int] = (1500, 900)) -> BoardScreen:
    screen = BoardScreen(context)
    screen.money_locale = "en_US"
    qtbot.addWidget(screen)
    screen.resize(*size)
    with qtbot.waitSignal(screen.loaded, timeout=5000):
        screen.show()
    qtbot.waitExposed(screen)
    wait_cards(qtbot, screen)
    return screen


def wait_cards(qtbot: Any, screen: BoardScreen) -> None:
    """Until every card on screen was read (the delegate asks for the missing ones)."""

    def read() -> bool:
        QApplication.processEvents()
        for column in screen.columns.values():
            model = column.model
            for row in range(min(model.rowCount(), 5)):
                if model.index(row, 0).data(CARD_ROLE) is None:
                    return False
        return True

    qtbot.waitUntil(read, timeout=5000)


def column(screen: BoardScreen, where: str) -> StageColumn:
    return screen.columns[stage(where).id]


def card_point(col: StageColumn, row: int, *, lower: bool = False) -> QPoint:
    rect = col.view.visualRect(col.model.index(row, 0))
    return QPoint(rect.center().x(), rect.top() + (rect.height() * 3 // 4 if lower else 8))


def drag(qtbot: Any, source: StageColumn, row: int, target: QWidget, point: QPoint) -> None:
    """Press on a card, move past the drag distance and over ``target`` in steps, release:
    every event goes to the pressed viewport, as the window system delivers them."""
    viewport = source.view.viewport()
    start = card_point(source, row)
    qtbot.mousePress(viewport, LEFT, NONE, start)
    end = viewport.mapFromGlobal(target.mapToGlobal(point))
    for step in range(1, 9):
        x = start.x() + (end.x() - start.x()) * step // 8
        y = start.y() + (end.y() - start.y()) * step // 8
        qtbot.mouseMove(viewport, QPoint(x, y))
    qtbot.mouseRelease(viewport, LEFT, NONE, end)


@pytest.fixture
def me(context: AppContext) -> User:
    return context.user


def test_columns_totals_and_closed_zones(qtbot: Any, context: AppContext, me: User) -> None:
    add(me, "Boilers", "1000")
    add(me, "Pumps", "250.50", probability=50)
    add(me, "Valves", "80", currency="USD")
    add(me, "Won one", "400", "Won")
    screen = open_board(qtbot, context)
    open_names = [c.stage.name for c in screen.columns.values()]
    assert open_names == ["Incoming", "Qualified", "Demo", "Quote", "Negotiation", "Closure"]
    assert [z.stage.name for z in screen.zones.values()] == ["Won", "Lost", "Unqualified"]
    incoming = column(screen, "Incoming")
    assert incoming.count.text() == "3"
    assert incoming.total.text() == "€1,251 +1 currency"  # 1,250.50 without cents
    assert incoming.forecast.text() == "Forecast €225"  # 100 + 125.25
    assert "$80.00" in incoming.toolTip()
    assert screen.zones[stage("Won").id].summary.text() == "1 deal · €400"
    assert incoming.view.accessibleName() == "Incoming: 3 deals, €1,251 +1 currency"
    assert screen.summary.text() == "3 open deals · €1,251 · forecast €225"
    assert names(screen, "Incoming") == ["Boilers", "Pumps", "Valves"]


def test_drag_to_another_stage_between_two_cards(qtbot: Any, context: AppContext, me: User) -> None:
    add(me, "Alpha", "100", "Demo")
    add(me, "Beta", "200", "Demo")
    moving = add(me, "Gamma", "1000")
    screen = open_board(qtbot, context)
    demo = column(screen, "Demo")
    target = card_point(demo, 1)  # the upper part of Beta: drop between Alpha and Beta
    signals = [screen.moved, screen.totals_confirmed]
    with qtbot.waitSignals(signals, timeout=5000, order="strict"):
        drag(qtbot, column(screen, "Incoming"), 0, demo.view.viewport(), target)
    assert names(screen, "Demo") == ["Alpha", "Gamma", "Beta"]
    assert in_db("Demo", me) == ["Alpha", "Gamma", "Beta"]
    row = Deal.get_by_id(moving.id)
    assert row.stage_id == stage("Demo").id and row.version == 2
    logged = ChangeLog.select().where(ChangeLog.row_id == moving.id).order_by(ChangeLog.seq)
    assert "stage" in list(logged)[-1].changed
    assert column(screen, "Incoming").count.text() == "0"
    assert demo.count.text() == "3"
    assert demo.total.text() == "€1,300"
    assert demo.forecast.text() == "Forecast €520"  # 40 % of 1,300
    assert demo.view.currentIndex().row() == 1  # the moved card stays selected


def test_a_drop_is_saved_at_once_and_the_database_confirms_the_totals(
    qtbot: Any, context: AppContext, me: User
) -> None:
    add(me, "Alpha", "100", "Demo")
    moving = add(me, "Gamma", "1000.25", probability=35)
    add(me, "Other", "10", currency="USD")
    screen = open_board(qtbot, context)
    incoming, demo = column(screen, "Incoming"), column(screen, "Demo")
    assert (incoming.count.text(), demo.count.text()) == ("2", "1")
    saved: list[object] = []
    screen.moved.connect(saved.append)
    screen.dropped(Drop(moving.id, incoming.stage, demo.stage, 0))
    assert saved == [moving.id]  # a local file: saved during the drop, no event loop needed
    assert Deal.get_by_id(moving.id).stage_id == stage("Demo").id
    assert (incoming.count.text(), incoming.total.text()) == ("1", "€0 +1 currency")
    assert (demo.count.text(), demo.total.text()) == ("2", "€1,100")
    assert demo.forecast.text() == "Forecast €390"  # 100 x 40 % + 1,000.25 x 35 %
    with qtbot.waitSignal(screen.totals_confirmed, timeout=5000):
        pass
    fresh = board.column_totals(me, screen.pipeline, screen.filter)  # type: ignore[arg-type]
    for where in (incoming, demo):
        assert screen.totals[where.stage.id] == fresh[where.stage.id]
    assert (demo.count.text(), demo.total.text()) == ("2", "€1,100")


def test_a_drop_while_another_writer_holds_the_file_is_saved_by_a_worker(
    qtbot: Any, context: AppContext, me: User, tmp_path: Path
) -> None:
    moving = add(me, "Gamma", "1000")
    screen = open_board(qtbot, context)
    incoming, quote = column(screen, "Incoming"), column(screen, "Quote")
    other = sqlite3.connect(tmp_path / "crm.sqlite", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another program writing
    try:
        screen.dropped(Drop(moving.id, incoming.stage, quote.stage, 0))
        # Not saved yet, and the board did not wait: the card and the totals show the move.
        assert screen._moving == 1
        assert Deal.get_by_id(moving.id).stage_id == stage("Incoming").id
        assert names(screen, "Quote") == ["Gamma"]
        assert (incoming.count.text(), quote.count.text()) == ("0", "1")
        assert quote.total.text() == "€1,000"
    finally:
        other.execute("COMMIT")
        other.close()
    with qtbot.waitSignal(screen.moved, timeout=5000):
        pass
    assert Deal.get_by_id(moving.id).stage_id == stage("Quote").id
    qtbot.waitUntil(lambda: not screen._confirm_timer.isActive(), timeout=5000)
    assert (incoming.count.text(), quote.count.text()) == ("0", "1")


def test_drag_reorders_within_a_stage(qtbot: Any, context: AppContext, me: User) -> None:
    for name in ("One", "Two", "Three"):
        add(me, name, "10")
    screen = open_board(qtbot, context)
    incoming = column(screen, "Incoming")
    below_three = card_point(incoming, 2, lower=True)
    with qtbot.waitSignal(screen.moved, timeout=5000):
        drag(qtbot, incoming, 0, incoming.view.viewport(), below_three)
    assert names(screen, "Incoming") == ["Two", "Three", "One"]
    assert in_db("Incoming", me) == ["Two", "Three", "One"]


def test_dropping_on_lost_asks_the_reason(qtbot: Any, context: AppContext, me: User) -> None:
    deal = add(me, "Boilers", "500")
    screen = open_board(qtbot, context)
    lost = screen.zones[stage("Lost").id]
    # Cancelled: nothing moves.
    drag(qtbot, column(screen, "Incoming"), 0, lost, QPoint(40, 40))
    dialog = screen.reason_dialog
    assert isinstance(dialog, QDialog) and dialog.isVisible()
    dialog.reject()
    assert names(screen, "Incoming") == ["Boilers"]
    assert Deal.get_by_id(deal.id).stage_id == stage("Incoming").id
    # Given: it moves with the reason and the note.
    drag(qtbot, column(screen, "Incoming"), 0, lost, QPoint(40, 40))
    dialog = screen.reason_dialog
    assert isinstance(dialog, QDialog)
    reasons = dialog.reasons  # type: ignore[attr-defined]
    reasons.setCurrentIndex(1)
    chosen = reasons.currentData()
    dialog.note.setText("Went with a competitor")  # type: ignore[attr-defined]
    with qtbot.waitSignal(screen.moved, timeout=5000):
        dialog.accept()
    row = Deal.get_by_id(deal.id)
    assert row.stage_id == stage("Lost").id
    assert row.loss_reason_id == chosen.id and row.loss_note == "Went with a competitor"
    assert names(screen, "Incoming") == []
    assert lost.summary.text() == "1 deal · €500"


def test_keyboard_moves_between_and_within_stages(
    qtbot: Any, context: AppContext, me: User
) -> None:
    add(me, "First", "10", "Qualified")
    moving = add(me, "Mover", "20")
    screen = open_board(qtbot, context)
    incoming = column(screen, "Incoming")
    incoming.view.setFocus()
    incoming.view.setCurrentIndex(incoming.model.index(0, 0))
    with qtbot.waitSignal(screen.moved, timeout=5000):
        qtbot.keyClick(incoming.view, Qt.Key.Key_Right, CTRL)
    qualified = column(screen, "Qualified")
    assert names(screen, "Qualified") == ["Mover", "First"]
    assert Deal.get_by_id(moving.id).stage_id == stage("Qualified").id
    assert qualified.view.hasFocus() and qualified.view.currentIndex().row() == 0
    with qtbot.waitSignal(screen.moved, timeout=5000):
        qtbot.keyClick(qualified.view, Qt.Key.Key_Down, CTRL)
    assert in_db("Qualified", me) == ["First", "Mover"]
    assert qualified.view.currentIndex().row() == 1
    # Arrow keys alone go to the neighbour column.
    qtbot.keyClick(qualified.view, Qt.Key.Key_Left)
    assert incoming.view.hasFocus()


def test_ctrl_z_undoes_the_last_move(qtbot: Any, context: AppContext, me: User) -> None:
    deal = add(me, "Boilers", "10")
    add(me, "Other", "10", "Quote")
    entered = utcnow() - dt.timedelta(days=6, hours=1)
    Deal.update(stage_entered_at=entered).where(Deal.id == deal.id).execute()
    screen = open_board(qtbot, context)
    quote = column(screen, "Quote")
    with qtbot.waitSignal(screen.moved, timeout=5000):
        drag(qtbot, column(screen, "Incoming"), 0, quote.view.viewport(), card_point(quote, 0))
    assert Deal.get_by_id(deal.id).stage_id == stage("Quote").id
    assert screen.undo_bar.isVisible()
    with qtbot.waitSignal(screen.loaded, timeout=5000):
        qtbot.keyClick(quote.view, Qt.Key.Key_Z, CTRL)
    assert Deal.get_by_id(deal.id).stage_id == stage("Incoming").id
    assert names(screen, "Incoming") == ["Boilers"]
    assert names(screen, "Quote") == ["Other"]
    assert column(screen, "Incoming").count.text() == "1"
    wait_cards(qtbot, screen)
    card = column(screen, "Incoming").model.card(deal.id)
    assert card is not None and card.days_in_stage(utcnow()) == 6  # not 0: its time is back
    assert "6 days in this stage" in screen.describe(card)


def move_elsewhere(database: Path, deal: Deal, where: Stage) -> None:
    """Another app (a second process on the same file) moves the deal."""
    script = (
        "import sys, uuid\n"
        "from desktopcrm.services.workspace import open_workspace, close_workspace\n"
        "from desktopcrm.services import deals\n"
        "from desktopcrm.models.records import Deal, Stage\n"
        "ws = open_workspace(sys.argv[1])\n"
        "deals.move_deal(ws.user, Deal.get_by_id(uuid.UUID(sys.argv[2])),"
        " Stage.get_by_id(uuid.UUID(sys.argv[3])))\n"
        "close_workspace()\n"
    )
    subprocess.run(
        [sys.executable, "-c", script, str(database), str(deal.id), str(where.id)],
        check=True,
        timeout=60,
    )


def test_a_move_made_elsewhere_first_snaps_the_card_back(
    qtbot: Any, context: AppContext, me: User, tmp_path: Path
) -> None:
    deal = add(me, "Boilers", "10")
    screen = open_board(qtbot, context)
    move_elsewhere(tmp_path / "crm.sqlite", deal, stage("Negotiation"))
    demo = column(screen, "Demo")
    with qtbot.waitSignal(screen.move_failed, timeout=5000) as failed:
        drag(qtbot, column(screen, "Incoming"), 0, demo.view.viewport(), QPoint(30, 10))
    assert "it is shown where it is now" in failed.args[0]
    qtbot.waitUntil(lambda: names(screen, "Negotiation") == ["Boilers"], timeout=5000)
    assert demo.count.text() == "0"  # shown as moved at the drop, then read again
    assert names(screen, "Demo") == [] and names(screen, "Incoming") == []
    assert Deal.get_by_id(deal.id).stage_id == stage("Negotiation").id
    assert screen.message.isVisible()
    negotiation = column(screen, "Negotiation")
    assert negotiation.view.currentIndex().row() == 0
    assert negotiation.count.text() == "1"


def test_filters_and_a_bad_amount(qtbot: Any, context: AppContext, me: User) -> None:
    rep = users.create_user(me, "Rita Rep")
    add(me, "Big boilers", "9000", tags=["Hot"])
    add(me, "Small pumps", "50")
    add(me, "Rita's valves", "700", owner=rep)
    screen = open_board(qtbot, context)
    assert len(names(screen, "Incoming")) == 3
    bar = screen.bar
    bar.owner.setCurrentIndex(bar.owner.findData("mine"))
    with qtbot.waitSignal(screen.loaded):
        bar.owner.activated.emit(bar.owner.currentIndex())
    assert names(screen, "Incoming") == ["Big boilers", "Small pumps"]
    bar.tag.setCurrentIndex(bar.tag.findData("hot"))
    with qtbot.waitSignal(screen.loaded):
        bar.tag.activated.emit(bar.tag.currentIndex())
    assert names(screen, "Incoming") == ["Big boilers"]
    bar.clear()
    qtbot.waitUntil(lambda: len(names(screen, "Incoming")) == 3)
    with qtbot.waitSignal(screen.loaded):
        qtbot.keyClicks(bar.search, "valv")
    assert names(screen, "Incoming") == ["Rita's valves"]
    assert column(screen, "Incoming").total.text() == "€700"
    bar.search.clear()
    qtbot.waitUntil(lambda: len(names(screen, "Incoming")) == 3)
    bar.min_value.setText("lots")
    bar.min_value.editingFinished.emit()
    assert screen.message.isVisible()
    assert "type the lowest value in digits" in screen.message_text.text()
    assert bar.min_value.property("invalid") is True
    assert bar.min_value.text() == "lots"  # kept, to correct
    bar.min_value.setText("600")
    with qtbot.waitSignal(screen.loaded):
        bar.min_value.editingFinished.emit()
    assert names(screen, "Incoming") == ["Big boilers", "Rita's valves"]


def test_users_start_with_my_deals(qtbot: Any, context: AppContext, me: User) -> None:
    rep = users.create_user(me, "Rita Rep")
    add(me, "Admin's deal", "10")
    context.switch_user(rep)
    add(rep, "Rita's deal", "10")
    screen = open_board(qtbot, context)
    assert screen.bar.owner.currentText() == "My deals"
    assert screen.filter.owner_id == rep.id
    assert names(screen, "Incoming") == ["Rita's deal"]


def test_changes_from_elsewhere_refresh_the_board(
    qtbot: Any, context: AppContext, me: User, tmp_path: Path
) -> None:
    deal = add(me, "Boilers", "10")
    screen = open_board(qtbot, context)
    move_elsewhere(tmp_path / "crm.sqlite", deal, stage("Closure"))
    with qtbot.waitSignal(screen.loaded, timeout=5000):
        context.database_changed.emit()  # what the presence monitor says after a commit
    assert names(screen, "Closure") == ["Boilers"]
    assert column(screen, "Closure").count.text() == "1"
    # Another screen of this app changing a deal refreshes it too.
    deals.update_deal(me, Deal.get_by_id(deal.id), name="Boilers XL")
    with qtbot.waitSignal(screen.loaded, timeout=5000):
        context.records_changed.emit("deal")
    wait_cards(qtbot, screen)
    card = column(screen, "Closure").model.card(deal.id)
    assert card is not None and card.name == "Boilers XL"


def test_density_follows_the_window(qtbot: Any, context: AppContext, me: User) -> None:
    add(me, "Boilers", "10")
    screen = open_board(qtbot, context, (1500, 900))
    assert screen.delegate.density == "comfortable"
    height = column(screen, "Incoming").view.sizeHintForRow(0)
    screen.resize(900, 560)
    qtbot.waitUntil(lambda: screen.delegate.density == "compact")
    assert column(screen, "Incoming").view.sizeHintForRow(0) < height


def test_cards_say_what_they_show(qtbot: Any, context: AppContext, me: User) -> None:
    from desktopcrm.models import utcnow
    from desktopcrm.services import tasks

    deal = add(me, "Boilers", "1200", tags=["Hot"])
    tasks.create_task(me, "Call back", due_at=utcnow().replace(year=2020), record_type="deal",
                      record_id=deal.id)  # fmt: skip
    screen = open_board(qtbot, context)
    model = column(screen, "Incoming").model
    text = model.index(0, 0).data(Qt.ItemDataRole.AccessibleTextRole)
    assert "Boilers" in text and "€1,200" in text and "overdue" in text and "Hot" in text
    image = screen.grab()
    assert not image.isNull()


def test_stage_model_passes_the_model_tester(qtmodeltester: Any, context: AppContext) -> None:
    me = context.user
    for index in range(5):
        add(me, f"Deal {index}", str(index * 10))
    model = StageModel(stage("Incoming"))
    rows = board.stage_deals(me, stage("Incoming"))
    model.set_rows(rows, board.cards([i for i, _ in rows[:2]]))
    qtmodeltester.check(model)
    first = rows[0][0]
    card = model.take(first)
    assert card is not None and model.rowCount() == 4
    model.insert(2, card)
    model.move(first, 0)
    assert model.ids[0] == first
    qtmodeltester.check(model)
    assert Decimal(str(model.card(first).value)) == Decimal("0.00")  # type: ignore[union-attr]
    assert isinstance(model.index(0, 0).data(Qt.ItemDataRole.UserRole), uuid.UUID)
