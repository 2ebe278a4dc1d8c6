"""Starting the app: database errors, the first-paint quit, the real process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from desktopcrm.qt import QWidget
from desktopcrm.services.workspace import close_workspace
from desktopcrm.views.application import FirstPaintQuitter, open_workspace_or_report
from desktopcrm.views.database_error_dialog import DatabaseErrorDialog


def test_a_non_database_file_is_reported_and_quit(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.sqlite"
    bogus.write_text("shopping list")
    asked: list[tuple[str, str]] = []

    def ask(message: str, location: str) -> Path | None:
        asked.append((message, location))
        return None

    assert open_workspace_or_report(bogus, None, ask=ask) is None
    assert len(asked) == 1
    message, location = asked[0]
    assert "is not a DesktopCRM database" in message
    assert location == str(bogus)
    assert bogus.read_text() == "shopping list"  # untouched


def test_choosing_another_database_opens_it(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.sqlite"
    bogus.write_text("shopping list")
    good = tmp_path / "good.sqlite"
    opened = open_workspace_or_report(bogus, None, ask=lambda _m, _l: good)
    try:
        assert opened is not None
        workspace, spec, shared = opened
        assert workspace.location.path == good
        assert (spec, shared) == (good, None)
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


def test_first_paint_quitter(qtbot, qapp) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    quitter = FirstPaintQuitter(widget, qapp)
    widget.show()
    qtbot.waitUntil(lambda: quitter.painted)


def test_quit_after_startup_end_to_end(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    database = tmp_path / "crm.sqlite"
    result = subprocess.run(
        [sys.executable, "-m", "desktopcrm", "--database", str(database), "--quit-after-startup"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert database.is_file()
    # the session was registered, then closed at quit
    import sqlite3

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
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "is not a DesktopCRM database" in result.stdout
    assert "Traceback" not in result.stderr
