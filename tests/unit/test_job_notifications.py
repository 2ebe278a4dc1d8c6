"""'An import or export finished': a real CSV import (all rows in, rows rejected, stopped)
and exports post one centre entry each with the user's delivery; Off posts nothing."""

from __future__ import annotations

import csv
import threading
from pathlib import Path

from desktopcrm.models.notifications import Delivery, NotificationKind
from desktopcrm.services import csv_import, job_notifications, notifications
from desktopcrm.services.workspace import Workspace
from tests.unit.test_visibility import make_team

ROWS = [
    ["First name", "Last name", "E-mail"],
    ["Ann", "Lee", "ann@lee.test"],
    ["Bob", "Marr", "bob@@bad"],
    ["Cleo", "Park", "cleo@park.test"],
    ["Dan", "Roe", "dan@@bad"],
]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def test_an_import_posts_what_it_did(any_database: Workspace, tmp_path: Path) -> None:
    me = any_database.user
    report = csv_import.import_file(me, "lead", write_csv(tmp_path / "fair.csv", ROWS))
    [entry] = job_notifications.import_finished(me, report)
    assert (entry.kind, entry.delivery) == ("import_export", "app")  # the default delivery
    assert entry.title == "Imported 2 leads from fair.csv"
    assert entry.body == "2 rows rejected; the import's report lists every reason."
    assert (entry.record_type, entry.record_id) == ("import_run", report.import_id)
    assert notifications.recent(me) == [entry]  # the centre shows it
    assert notifications.unread_count(me) == 1
    assert job_notifications.import_finished(me, report) == []  # one entry per import

    clean = csv_import.import_file(
        me, "lead", write_csv(tmp_path / "clean.csv", [ROWS[0], ["Eve", "Stone", "eve@stone.test"]])
    )
    clean_entry = job_notifications.import_finished(me, clean)[0]
    assert (clean_entry.title, clean_entry.body) == (
        "Imported 1 lead from clean.csv",
        "No row was rejected.",
    )

    stop = threading.Event()
    stop.set()
    stopped = csv_import.import_file(me, "lead", tmp_path / "fair.csv", cancel=stop)
    assert stopped.cancelled
    stopped_entry = job_notifications.import_finished(me, stopped)[0]
    assert stopped_entry.title == "Import stopped: 0 leads imported from fair.csv"
    assert "undo the import" in stopped_entry.body
    assert [e.title for e in notifications.recent(me)] == [
        "Import stopped: 0 leads imported from fair.csv",
        "Imported 1 lead from clean.csv",
        "Imported 2 leads from fair.csv",
    ]


def test_delivery_preferences_apply(workspace: Workspace, tmp_path: Path) -> None:
    rita = make_team(workspace.user).rep
    report = csv_import.import_file(rita, "lead", write_csv(tmp_path / "a.csv", ROWS))
    notifications.set_preference(rita, NotificationKind.IMPORT_EXPORT, Delivery.OFF)
    assert job_notifications.import_finished(rita, report) == []
    assert job_notifications.export_finished(rita, "3 leads", tmp_path / "x.csv") == []
    assert job_notifications.import_failed(rita, "lead", tmp_path / "a.csv", "Broken.") == []
    assert notifications.recent(rita) == [] and notifications.unread_count(rita) == 0
    notifications.set_preference(rita, NotificationKind.IMPORT_EXPORT, Delivery.DESKTOP)
    [entry] = job_notifications.export_finished(rita, "3 leads", tmp_path / "x.csv")
    assert entry.desktop and entry.title == "Exported 3 leads"
    [failed] = job_notifications.export_failed(rita, "leads", tmp_path / "x.csv", "Disk full.")
    assert (failed.title, failed.body) == ("Export of leads to x.csv failed", "Disk full.")
    # the settings of one user are theirs alone
    assert notifications.recent(workspace.user) == []


def test_counts_are_worded(workspace: Workspace) -> None:
    assert job_notifications.count(1, "companies") == "1 company"
    assert job_notifications.count(1_200, "companies") == "1,200 companies"
    assert job_notifications.count(0, "tasks") == "0 tasks"
