"""'An import or export finished' in the window: a CSV import through the wizard (rows
rejected, failed), a list's CSV export, the Settings export, the calendar's .ics export and
import each post an entry that the notification centre shows (and the tray, when the delivery
is desktop); a click on an import's entry opens Settings › Import & export; Off posts nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from desktopcrm.models.notifications import Delivery, Notification, NotificationKind
from desktopcrm.models.records import Lead
from desktopcrm.models.tasks import Task
from desktopcrm.qt import Qt
from desktopcrm.services import contacts, leads, notifications
from desktopcrm.views.calendar.screen import CalendarScreen
from desktopcrm.views.import_wizard import ImportWizard
from desktopcrm.views.lists.screen import LeadsScreen
from desktopcrm.views.main_window import MainWindow
from desktopcrm.views.notifications.centre import NotificationCentre
from desktopcrm.views.notifications.tray import TrayNotifier
from desktopcrm.views.settings.import_export_section import ImportExportSection

LEADS = [
    ["First name", "Last name", "E-mail", "Company"],
    ["Ann", "Lee", "ann@lee.test", "Lee Ltd"],
    ["Bob", "Marr", "bob@@bad", "Marr & Co"],
    ["Cleo", "Park", "cleo@park.test", ""],
]


def started(qtbot: Any, window: MainWindow, tray: TrayNotifier | None = None) -> NotificationCentre:
    centre = NotificationCentre(
        window.context,
        window,
        tray=tray or TrayNotifier(window, available=False),
        interval_ms=3_600_000,
    )
    with qtbot.waitSignal(centre.updated):
        centre.start()
    return centre


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def panel_titles(centre: NotificationCentre) -> list[str]:
    panel = centre.open_panel()
    return [panel.model.index(r, 0).data() for r in range(panel.model.rowCount())]


def wizard_to_preview(qtbot: Any, window: MainWindow, source: Path) -> ImportWizard:
    wizard = ImportWizard(window.context, window, path=str(source))
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.file_page.choose_kind("lead")
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.step() == 1, timeout=10_000)
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.preview_page.model.rowCount() == 3, timeout=10_000)
    qtbot.waitUntil(wizard.next_button.isEnabled, timeout=10_000)
    return wizard


@pytest.mark.qt_log_ignore(
    r"QObject::connect: No such signal QPlatformNativeInterface",
    r"^This plugin does not support (raise\(\)|grabbing the keyboard|propagateSizeHints\(\))",
)
def test_an_import_through_the_wizard_notifies(
    qtbot: Any, window: MainWindow, tmp_path: Path
) -> None:
    tray = TrayNotifier(window, available=True)
    centre = started(qtbot, window, tray)
    me = window.context.user
    notifications.set_preference(me, NotificationKind.IMPORT_EXPORT, Delivery.DESKTOP)
    wizard = wizard_to_preview(qtbot, window, write_csv(tmp_path / "fair.csv", LEADS))
    with qtbot.waitSignal(centre.posted, timeout=20_000) as posted:
        qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    assert wizard.step() == 4 and wizard.report is not None
    [entry] = posted.args[0]
    assert entry.title == "Imported 2 leads from fair.csv"
    assert entry.body == "1 row rejected; the import's report lists every reason."
    assert (entry.record_type, entry.record_id) == ("import_run", wizard.report.import_id)
    assert centre.bell.badge_text() == "1"
    assert tray.shown == [("Imported 2 leads from fair.csv", entry.body)]
    assert notifications.recent(me)[0].title == "Imported 2 leads from fair.csv"
    wizard.close()
    # the entry opens Settings › Import & export, where the import is listed (undo, report)
    panel = centre.open_panel()
    assert panel_titles(centre) == ["Imported 2 leads from fair.csv"]
    rect = panel.list.visualRect(panel.model.index(0, 0))
    qtbot.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.current_key == "settings"
    screen = window.screen_widget("settings")
    assert screen.sections.currentItem().text() == "Import & export"  # type: ignore[attr-defined]
    assert centre.bell.badge_text() == "" and notifications.unread_count(me) == 0


def test_a_failed_import_notifies_and_off_means_nothing(
    qtbot: Any, window: MainWindow, tmp_path: Path
) -> None:
    centre = started(qtbot, window)
    me = window.context.user
    source = write_csv(tmp_path / "gone.csv", LEADS)
    wizard = wizard_to_preview(qtbot, window, source)
    source.unlink()  # the file goes away between the preview and the import
    with qtbot.waitSignal(centre.posted, timeout=20_000) as posted:
        qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    [entry] = posted.args[0]
    assert entry.title == "Import of leads from gone.csv failed"
    assert "gone.csv" in entry.body and "Rows written before the error are kept." in entry.body
    assert wizard.run_page.heading.text() == "The import failed"
    assert centre.bell.badge_text() == "1"
    wizard.close()

    # Off: the import runs, nothing is posted, the bell stays as it was
    notifications.set_preference(me, NotificationKind.IMPORT_EXPORT, Delivery.OFF)
    wizard = wizard_to_preview(qtbot, window, write_csv(tmp_path / "quiet.csv", LEADS))
    with qtbot.waitSignal(wizard.imported, timeout=20_000):
        qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    assert wizard.operation is not None
    qtbot.waitUntil(lambda: not wizard.operation.running)  # type: ignore[union-attr]
    assert {lead.last_name for lead in Lead.live()} == {"Lee", "Park"}
    assert Notification.select().count() == 1
    assert centre.bell.badge_text() == "1"
    assert panel_titles(centre) == ["Import of leads from gone.csv failed"]


def test_exports_notify(qtbot: Any, window: MainWindow, tmp_path: Path) -> None:
    centre = started(qtbot, window)
    me = window.context.user
    for name in ("Lind", "Moreau"):
        leads.create_lead(me, last_name=name, check_duplicates=False)
    contacts.create_company(me, "Acme")

    # the Leads list's Export (the whole list)
    screen = LeadsScreen(window.context)
    qtbot.addWidget(screen)
    screen.show()
    qtbot.waitUntil(lambda: screen.model.rowCount() == 2, timeout=10_000)
    target = tmp_path / "leads.csv"
    with qtbot.waitSignal(centre.posted, timeout=10_000) as posted:
        screen.export(selection=False, path=str(target))
    [entry] = posted.args[0]
    assert (entry.kind, entry.title, entry.body) == (
        "import_export",
        "Exported 2 leads",
        f"Saved to {target}",
    )
    assert target.is_file()

    # a list export that cannot write its file says so
    nowhere = tmp_path / "missing" / "leads.csv"
    with qtbot.waitSignal(centre.posted, timeout=10_000) as posted:
        screen.export(selection=False, path=str(nowhere))
    [failed] = posted.args[0]
    assert failed.title == "Export of leads to leads.csv failed"
    assert "No such file or directory" in failed.body

    # Settings › Import & export: a whole kind
    section = ImportExportSection(window.context)
    qtbot.addWidget(section)
    with qtbot.waitSignal(centre.posted, timeout=10_000) as posted:
        section.export_to(tmp_path / "companies.csv", "company")
    assert [e.title for e in posted.args[0]] == ["Exported 1 company"]
    assert centre.bell.badge_text() == "3"
    assert panel_titles(centre) == [
        "Exported 1 company",
        "Export of leads to leads.csv failed",
        "Exported 2 leads",
    ]


def test_calendar_export_and_import_notify(
    qtbot: Any, window: MainWindow, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setenv("TZ", "UTC")
    from desktopcrm.services import calendar
    from desktopcrm.services import tasks as task_service

    centre = started(qtbot, window)
    me = window.context.user
    start = dt.datetime(2026, 3, 9, 10)
    calendar.create_appointment(me, "Visit", start, start + dt.timedelta(hours=1))
    task = task_service.create_task(me, "Call back", due_at=start, reminder="15m")
    screen = CalendarScreen(window.context, today=start.date())
    qtbot.addWidget(screen)
    path = tmp_path / "mine.ics"
    with qtbot.waitSignal(centre.posted, timeout=10_000) as posted:
        screen.export_to(path)
    assert [(e.title, e.body) for e in posted.args[0]] == [
        ("Exported 1 appointment and 1 task", f"Saved to {path}")
    ]
    data = path.read_bytes()
    assert b"SUMMARY:Call back" in data and b"BEGIN:VTODO" in data
    # the file puts back what changed since (same task, not a copy)
    task_service.update_task(me, task, {"title": "Changed", "reminder": None})
    with qtbot.waitSignal(centre.posted, timeout=10_000) as posted:
        screen.import_from(path)
    assert [(e.title, e.body) for e in posted.args[0]] == [
        ("Imported the calendar file mine.ics", "0 new, 2 updated.")
    ]
    [back] = Task.live()
    assert (back.id, back.title, back.due_at, back.reminder) == (task.id, "Call back", start, "15m")


def test_the_centre_checks_the_mail_accounts(qtbot: Any, window: MainWindow) -> None:
    """A sync problem recorded on an account (by the window's sync or another process) shows
    at the centre's next check, once."""
    from desktopcrm.models.mail import MailAccount

    centre = started(qtbot, window)
    me = window.context.user
    account = MailAccount(email="me@example.com", user=me, client_id="c", sync_state="incremental")
    account.save()
    check = centre.check
    with qtbot.waitSignal(centre.updated):
        check()
    assert centre.bell.badge_text() == ""
    MailAccount.update(
        sync_state="needs_sign_in", last_error="Google refused the sign-in: Sign in again."
    ).where(MailAccount.id == account.id).execute()
    with qtbot.waitSignal(centre.posted, timeout=10_000) as posted:
        check()
    assert [e.title for e in posted.args[0]] == ["Gmail sync needs you: me@example.com"]
    assert centre.bell.badge_text() == "1"
    with qtbot.waitSignal(centre.updated):
        check()
    assert centre.bell.badge_text() == "1"
    assert panel_titles(centre) == ["Gmail sync needs you: me@example.com"]
