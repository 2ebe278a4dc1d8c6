"""Starting the app: database errors, the paint watcher, the real process."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

from desktopcrm.qt import QWidget
from desktopcrm.services.workspace import close_workspace
from desktopcrm.views.application import PaintWatcher
from desktopcrm.views.database_error_dialog import DatabaseErrorDialog
from desktopcrm.views.workspace_opener import OpenedWorkspace, open_workspace_or_report


def run_app(*args: str, script: str | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m desktopcrm ARGS`` (or ``python -c SCRIPT``) offscreen, verbose."""
    command = ["-c", script] if script else ["-m", "desktopcrm", "-v", *args]
    return subprocess.run(
        [sys.executable, *command],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_non_database_file_is_reported_and_quit(qtbot, tmp_path: Path) -> None:
    bogus = tmp_path / "notes.sqlite"
    bogus.write_text("shopping list")
    asked: list[tuple[str, str]] = []

    def ask(message: str, location: str) -> Path | None:
        asked.append((message, location))
        return None

    opener = open_workspace_or_report(bogus, None, ask=ask)
    with qtbot.assertNotEmitted(opener.opened), qtbot.waitSignal(opener.abandoned):
        pass
    assert len(asked) == 1
    message, location = asked[0]
    assert "is not a DesktopCRM database" in message
    assert location == str(bogus)
    assert bogus.read_text() == "shopping list"  # untouched


def test_choosing_another_database_opens_it(qtbot, tmp_path: Path) -> None:
    bogus = tmp_path / "notes.sqlite"
    bogus.write_text("shopping list")
    good = tmp_path / "good.sqlite"
    opener = open_workspace_or_report(bogus, None, ask=lambda _m, _l: good)
    try:
        with qtbot.waitSignal(opener.opened) as blocker:
            pass
        opened: OpenedWorkspace = blocker.args[0]
        assert opened.workspace.location.path == good
        assert (opened.spec, opened.shared) == (good, None)
    finally:
        close_workspace()


def test_database_error_dialog(qtbot) -> None:
    dialog = DatabaseErrorDialog("It is not a database.", "/data/crm.sqlite")
    qtbot.addWidget(dialog)
    assert dialog.message_label.text() == "It is not a database."
    assert dialog.location_label.text() == "/data/crm.sqlite"
    dialog.open()
    dialog.choose_button.click()
    assert dialog.result() == DatabaseErrorDialog.CHOOSE
    dialog.open()
    dialog.quit_button.click()
    assert dialog.result() == DatabaseErrorDialog.QUIT


def test_paint_watcher_fires_once_after_the_paint(qtbot) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    watcher = PaintWatcher(widget)
    with qtbot.waitSignal(watcher.painted):
        widget.show()
    assert watcher.seen
    with qtbot.assertNotEmitted(watcher.painted, wait=50):
        widget.repaint()


def test_quit_after_startup_paints_the_shell_without_the_database(tmp_path: Path) -> None:
    """The shell alone: the database layer is not even imported, and no file is created."""
    database = tmp_path / "crm.sqlite"
    script = (
        "import sys\n"
        "from desktopcrm.app import main\n"
        f"code = main(['--database', {str(database)!r}, '--quit-after-startup'])\n"
        "loaded = sorted(m for m in sys.modules if m == 'peewee' or m.startswith(\n"
        "    ('desktopcrm.models', 'desktopcrm.services')))\n"
        "print('loaded:', loaded)\n"
        "import gc\n"
        "print('collecting:', gc.isenabled(), gc.get_freeze_count() > 0)\n"
        "sys.exit(code)\n"
    )
    result = run_app(script=script)
    assert result.returncode == 0, result.stderr
    assert "loaded: []" in result.stdout
    # paused for the start-up imports, back on after the paint with start-up's objects frozen
    assert "collecting: True True" in result.stdout
    assert not database.exists()
    assert re.search(r"--quit-after-startup painted at \d+\.\d+", result.stdout)  # the time


def test_quit_when_ready_end_to_end(tmp_path: Path) -> None:
    database = tmp_path / "crm.sqlite"
    result = run_app("--database", str(database), "--quit-when-ready")
    assert result.returncode == 0, result.stderr
    assert re.search(r"--quit-when-ready painted at \d+\.\d+", result.stdout)
    assert "Traceback" not in result.stderr
    log = result.stderr
    steps = [
        "shell painted",
        "opened local database",
        "workspace attached",
        "quitting (--quit-when-ready)",
    ]
    positions = [log.find(step) for step in steps]
    assert -1 not in positions, log
    assert positions == sorted(positions), log  # painted first, then opened, then ready
    # the session was registered, then closed at quit
    rows = sqlite3.connect(database).execute("SELECT closed_at FROM sessions").fetchall()
    assert len(rows) == 1 and rows[0][0] is not None


def test_gui_exits_1_for_a_non_database_without_traceback(tmp_path: Path) -> None:
    """In a real run the dialog waits for the user; here the window system is absent, so the
    check is that the process does not crash before showing it: run with a chooser that quits."""
    bogus = tmp_path / "bad.sqlite"
    bogus.write_text("x")
    script = (
        "import sys\n"
        "from desktopcrm.views import application\n"
        "application.ask_with_dialog = lambda m, l: print(m) or None\n"
        "from desktopcrm.app import main\n"
        f"sys.exit(main(['--database', {str(bogus)!r}]))\n"
    )
    result = run_app(script=script)
    assert result.returncode == 1
    assert "is not a DesktopCRM database" in result.stdout
    assert "Traceback" not in result.stderr
