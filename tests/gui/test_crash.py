"""The crash handler: bugs are logged and shown in a dialog, from any thread."""

from __future__ import annotations

import logging
import sys
import threading
from pathlib import Path

import pytest

from desktopcrm.qt import QObject, QtMsgType, Signal
from desktopcrm.views.crash import CrashHandler, qt_message_handler
from desktopcrm.views.crash_dialog import CrashDialog


class Emitter(QObject):
    fire = Signal()


def test_exception_in_a_slot_shows_the_crash_dialog(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog
) -> None:
    handler = CrashHandler(tmp_path / "desktopcrm.log")
    monkeypatch.setattr(sys, "excepthook", handler.excepthook)  # instead of pytest-qt's

    def broken_slot() -> None:
        raise ZeroDivisionError("division by zero in a slot")

    emitter = Emitter()
    emitter.fire.connect(broken_slot)
    with qtbot.waitSignal(handler.crashed) as blocker:
        emitter.fire.emit()
    monkeypatch.undo()
    dialog = handler.dialog
    assert isinstance(dialog, CrashDialog)
    qtbot.addWidget(dialog)
    assert dialog.isVisible()
    assert blocker.args[0] == "ZeroDivisionError: division by zero in a slot"
    assert str(tmp_path / "desktopcrm.log") in dialog.summary_label.text()
    assert "broken_slot" in dialog.details.toPlainText()
    assert "division by zero in a slot" in caplog.text
    dialog.copy_details()
    from desktopcrm.qt import QApplication

    assert "ZeroDivisionError" in QApplication.clipboard().text()
    dialog.continue_button.click()
    assert not dialog.isVisible()


def test_exception_in_another_thread_reaches_the_gui_thread(qtbot, tmp_path: Path) -> None:
    handler = CrashHandler(tmp_path / "desktopcrm.log")
    handler.install()
    try:

        def worker() -> None:
            raise RuntimeError("boom in a worker")

        with qtbot.waitSignal(handler.crashed) as blocker:
            thread = threading.Thread(target=worker, name="worker")
            thread.start()
            thread.join()
    finally:
        handler.uninstall()
    assert blocker.args[0] == "RuntimeError: boom in a worker"
    qtbot.waitUntil(lambda: handler.dialog is not None and handler.dialog.isVisible())
    qtbot.addWidget(handler.dialog)
    assert threading.excepthook is not handler.thread_excepthook


def test_second_crash_adds_to_the_open_dialog(qtbot, tmp_path: Path) -> None:
    handler = CrashHandler(tmp_path / "x.log")
    for n in (1, 2):
        try:
            raise ValueError(f"bug {n}")
        except ValueError as exc:
            handler.excepthook(type(exc), exc, exc.__traceback__)
    assert handler.dialog is not None
    qtbot.addWidget(handler.dialog)
    text = handler.dialog.details.toPlainText()
    assert "bug 1" in text and "bug 2" in text


def test_qt_messages_go_to_the_log(caplog) -> None:
    with caplog.at_level(logging.DEBUG, logger="desktopcrm.qt"):
        qt_message_handler(QtMsgType.QtWarningMsg, None, "something odd")
        qt_message_handler(QtMsgType.QtDebugMsg, None, "chatter")
    records = [(r.name, r.levelno, r.getMessage()) for r in caplog.records]
    assert ("desktopcrm.qt", logging.WARNING, "something odd") in records
    assert ("desktopcrm.qt", logging.DEBUG, "chatter") in records
