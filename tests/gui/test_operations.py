"""The background-work helper: results, errors, progress, cancel, per-thread connections."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from desktopcrm.models import User, database
from desktopcrm.models.errors import DatabaseError
from desktopcrm.qt import QMessageBox, QWidget
from desktopcrm.views import operations
from desktopcrm.views.operations import Operation, Task


def test_result_arrives_on_the_gui_thread(qtbot) -> None:
    seen: dict[str, object] = {}

    def work(_task: Task) -> str:
        seen["worker"] = threading.current_thread()
        return "done"

    def success(result: str) -> None:
        seen["result"] = result
        seen["callback"] = threading.current_thread()

    with qtbot.waitSignal(Operation(None, work, on_success=success).run().finished):
        pass
    assert seen["result"] == "done"
    assert seen["callback"] is threading.main_thread()
    assert seen["worker"] is not threading.main_thread()


def test_an_unreferenced_operation_lives_until_its_result_is_delivered(qtbot) -> None:
    """Nobody keeps the Operation: it must outlive the delivery of its own signals (being
    destroyed inside them crashed), then be released."""
    results: list[int] = []
    with qtbot.waitSignal(
        Operation(None, lambda _task: 7, on_success=results.append).run().finished
    ):
        pass
    assert results == [7]
    qtbot.waitUntil(lambda: not operations._running)


def test_worker_closes_its_database_connection(qtbot, workspace) -> None:
    connections: list[sqlite3.Connection] = []

    def work(_task: Task) -> int:
        connections.append(database.connection())
        return User.select().count()

    with qtbot.waitSignal(Operation(None, work).run().succeeded) as blocker:
        pass
    assert blocker.args == [1]
    assert connections[0] is not database.connection()  # a connection of its own
    with pytest.raises(sqlite3.ProgrammingError):
        connections[0].execute("SELECT 1")  # closed when the work ended
    assert User.select().count() == 1  # the GUI thread's connection is untouched


def test_known_failure_shows_a_message(qtbot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)

    def work(_task: Task) -> None:
        raise DatabaseError("The disk is full. Free some space and try again.")

    with qtbot.waitSignal(Operation(parent, work, title="back up").run().failed):
        pass
    boxes = parent.findChildren(QMessageBox)
    assert [b.text() for b in boxes] == ["The disk is full. Free some space and try again."]
    boxes[0].close()


def test_custom_failure_and_progress(qtbot) -> None:
    errors: list[BaseException] = []
    steps: list[tuple[int, int, str]] = []

    def work(task: Task) -> None:
        for n in range(3):
            task.progress(n + 1, 3, f"step {n + 1}")
        raise ValueError("bad value")

    op = Operation(None, work, on_failure=errors.append)
    op.progressed.connect(lambda done, total, text: steps.append((done, total, text)))
    with qtbot.waitSignal(op.run().finished):
        pass
    assert steps == [(1, 3, "step 1"), (2, 3, "step 2"), (3, 3, "step 3")]
    assert [str(e) for e in errors] == ["bad value"]


def test_cancel(qtbot) -> None:
    started = threading.Event()
    release = threading.Event()
    results: list[object] = []

    def work(task: Task) -> str:
        started.set()
        release.wait(10)
        task.check_cancelled()
        return "should not arrive"

    op = Operation(None, work, on_success=results.append).run()
    assert started.wait(10)
    op.cancel()
    release.set()
    with qtbot.waitSignal(op.cancelled):
        pass
    assert results == []


def test_callbacks_skipped_when_the_parent_is_gone(qtbot) -> None:
    parent = QWidget()
    results: list[object] = []
    release = threading.Event()
    op = Operation(parent, lambda _t: release.wait(10) and "x", on_success=results.append).run()
    parent.deleteLater()
    qtbot.waitUntil(lambda: not __import__("shiboken6").isValid(parent))
    release.set()
    with qtbot.waitSignal(op.finished):
        pass
    assert results == []
