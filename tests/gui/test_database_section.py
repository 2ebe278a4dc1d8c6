"""Settings › Database: details, integrity check, backup now, restore."""

from __future__ import annotations

from pathlib import Path

from desktopcrm.models import User, default_backup_dir
from desktopcrm.models.backup import list_backups
from desktopcrm.qt import QMessageBox
from desktopcrm.services import users
from desktopcrm.views.main_window import MainWindow


def database_section(window: MainWindow):  # type: ignore[no-untyped-def]
    window.show_screen("settings", "database")
    return window.screen_widget("settings").page("database")


def test_shows_mode_location_and_schema(window: MainWindow, context) -> None:
    section = database_section(window)
    assert section.mode_value.text() == "Local file"
    assert section.location_value.text() == str(context.location.path)
    assert section.reason_value.text() == "Local disk"
    assert section.schema_value.text().split()[0].isdigit()


def test_integrity_check_reports_ok(qtbot, window: MainWindow) -> None:
    section = database_section(window)
    with qtbot.waitSignal(section.check().finished):
        pass
    assert section.last_report is not None and section.last_report.ok
    assert section.check_result.text().startswith("No problems found")
    section.show_report()
    assert "Result:         OK" in section.report_dialog.text.toPlainText()
    section.report_dialog.reject()


def test_back_up_now_creates_a_file(qtbot, window: MainWindow) -> None:
    section = database_section(window)
    assert list_backups(default_backup_dir()) == []
    with qtbot.waitSignal(section.back_up().succeeded) as blocker:
        pass
    saved = Path(blocker.args[0])
    assert saved.is_file() and saved.stat().st_size > 0
    assert list_backups(default_backup_dir()) == [saved]
    assert section.backup_list.topLevelItemCount() == 1
    assert section.backup_button.isEnabled()


def test_restore_replaces_the_data_and_reopens(qtbot, window: MainWindow, context) -> None:
    section = database_section(window)
    with qtbot.waitSignal(section.back_up().succeeded) as blocker:
        pass
    backup = Path(blocker.args[0])
    users.create_user(context.user, "Added After Backup")
    assert User.select().where(User.name == "Added After Backup").exists()

    section.refresh_backups()
    section.backup_list.setCurrentItem(section.backup_list.topLevelItem(0))
    box = section.confirm_restore(section.backup_list.topLevelItem(0).data(0, 256))
    assert box.isVisible()
    restore = next(b for b in box.buttons() if b.text() == "Restore")
    with qtbot.waitSignal(context.database_reopened, timeout=10_000):
        restore.click()
    assert context.database_open
    assert window.isEnabled()
    assert not User.select().where(User.name == "Added After Backup").exists()
    # the replaced database was kept, so the restore can be undone
    assert any("pre-restore" in p.name for p in list_backups(default_backup_dir()))
    assert backup.exists()


def test_restore_of_a_bad_file_keeps_the_database(
    qtbot, window: MainWindow, context, tmp_path
) -> None:
    section = database_section(window)
    bogus = tmp_path / "bogus.sqlite"
    bogus.write_text("not a database")
    with qtbot.waitSignal(context.database_reopened):
        section.restore(bogus)
    boxes = [w for w in window.findChildren(QMessageBox) if w.isVisible()]
    assert boxes and "not a DesktopCRM backup" in boxes[0].text()
    assert context.database_open and User.select().count() == 1
    for box in boxes:
        box.close()
