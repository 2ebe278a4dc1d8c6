"""Dashboard at scale: the 100,000-contact / 20,000-deal demo database in the real window.

1. Switch from Settings to the Dashboard (its module imported and the screen built on the way):
   time until the first paint that shows the loaded figures and the feed's first page
   (< 300 ms), as the admin (everyone's activity).
2. The feed while scrolling down: every read holds at most one page (``activity.PAGE``);
   the largest page read, how many, and the time from the scroll to the rows (p50, p95).
3. The services alone (no target): ``load_dashboard`` and ``feed_page`` as the admin, the
   manager and a user, median and p95.

The database is bench_records.py's cached demo build (``demo --contacts 100000 --deals 20000
--leads 50000``), rebuilt when the cache predates demo tasks; its build figures are reported
too (the demo target: < 60 s). The measuring runs in a child process with the isolated
environment, on a copy. Prints one JSON line per figure.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from _common import BenchmarkError, emit, fail, isolated_env, run, temp_root

NAME = "dashboard"
FIRST_PAINT_TARGET_MS = 300.0
DEMO_TARGET_S = 60.0
PAGES = 8


def settle(app: Any, seconds: float) -> None:
    until = time.perf_counter() + seconds
    while time.perf_counter() < until:
        app.processEvents()
        time.sleep(0.002)


def p95(values: list[float]) -> float:
    if len(values) < 2:
        return round(values[0], 1) if values else 0.0
    return round(statistics.quantiles(values, n=20)[18], 1)


# --------------------------------------------------------------------------- in the child


def measure(database: Path) -> list[dict[str, Any]]:
    from desktopcrm.qt import QApplication, QEvent, QObject
    from desktopcrm.services import activity
    from desktopcrm.services.workspace import open_workspace
    from desktopcrm.views.context import AppContext
    from desktopcrm.views.main_window import MainWindow
    from desktopcrm.views.theme import ThemeManager, new_application

    app = QApplication.instance() or new_application([])
    theme = ThemeManager(app, "light")  # type: ignore[arg-type]
    theme.apply()
    workspace = open_workspace(database)
    context = AppContext(workspace, theme=theme)
    window = MainWindow(context, remember_state=False)
    window.resize(1440, 900)
    window.show_screen("settings")
    window.show()
    settle(app, 0.5)
    results: list[dict[str, Any]] = []

    class Paints(QObject):
        def __init__(self, ready: Any) -> None:
            super().__init__()
            self.ready = ready
            self.done: list[float] = []

        def eventFilter(self, watched: Any, event: Any) -> bool:
            if event.type() == QEvent.Type.Paint and not self.done and self.ready():
                self.done.append(time.perf_counter())
            return False

    # 1. first paint
    start = time.perf_counter()
    window.show_screen("dashboard")
    screen: Any = window.screen_widget("dashboard")
    model = screen.feed_model
    paints = Paints(lambda: model.rowCount() > 0 and screen.summary.summary is not None)
    screen.feed.viewport().installEventFilter(paints)
    while time.perf_counter() < start + 15 and not paints.done:
        app.processEvents()
    if not paints.done:
        raise BenchmarkError("the dashboard painted no figures within 15 s")
    first_ms = (paints.done[0] - start) * 1000
    settle(app, 0.5)
    summary = screen.summary.summary
    results.append(
        {
            "benchmark": f"{NAME}.first_paint",
            "first_paint_ms": round(first_ms, 1),
            "open_deals": summary.open_count,
            "feed_rows": model.rowCount(),
            "tasks_shown": len(screen.agenda.task_lines),
            "appointments_shown": len(screen.agenda.appointment_lines),
            "target_ms": FIRST_PAINT_TARGET_MS,
            "ok": first_ms < FIRST_PAINT_TARGET_MS,
        }
    )

    # 2. the feed while scrolling
    bar = screen.feed.verticalScrollBar()
    times: list[float] = []
    for _ in range(PAGES):
        if not model.has_more:
            break
        settle(app, 0.2)  # the view lays the new rows out (the scroll bar's maximum grows)
        count = model.rowCount()
        began = time.perf_counter()
        bar.setValue(bar.maximum())
        while time.perf_counter() < began + 10 and model.rowCount() == count and model.has_more:
            app.processEvents()
        times.append((time.perf_counter() - began) * 1000)
        while model.reading is not None and model.reading.running:
            app.processEvents()
    results.append(
        {
            "benchmark": f"{NAME}.feed_paging",
            "page_size": activity.PAGE,
            "pages_read": model.pages_read,
            "page_sizes": model.page_sizes,
            "largest_page": model.largest_page,
            "scroll_to_rows_p50_ms": round(statistics.median(times), 1) if times else None,
            "scroll_to_rows_p95_ms": p95(times),
            "target_largest_page": activity.PAGE,
            "ok": model.largest_page <= activity.PAGE,
        }
    )
    window.close()
    results.append(measure_services())
    return results


def measure_services() -> dict[str, Any]:
    from desktopcrm.models import User
    from desktopcrm.services import activity, dashboard

    people = {
        "admin": User.select().where(User.profile == "admin").order_by(User.created_at).first(),
        "manager": User.get(User.name == "Marta Ferrer"),
        "user": User.get(User.name == "Jan Kowalski"),
    }
    figures: dict[str, Any] = {}
    for role, user in people.items():
        loads = []
        for _ in range(5):
            began = time.perf_counter()
            dashboard.load_dashboard(user)
            loads.append((time.perf_counter() - began) * 1000)
        pages = []
        cursor = None
        for _ in range(12):
            began = time.perf_counter()
            page = activity.feed_page(user, cursor=cursor)
            pages.append((time.perf_counter() - began) * 1000)
            cursor = page.cursor
            if not page.has_more:
                break
        figures[role] = {
            "load_dashboard_median_ms": round(statistics.median(loads), 1),
            "feed_page_median_ms": round(statistics.median(pages), 1),
            "feed_page_p95_ms": p95(pages),
        }
    return {"benchmark": f"{NAME}.services", **figures, "target_ms": None, "ok": True}


# --------------------------------------------------------------------------- the parent


def demo_database(seed: int, env: dict[str, str]) -> tuple[Path, dict[str, Any]]:
    """bench_records's cached demo database, rebuilt if it has no demo tasks yet."""
    from bench_records import cached_database

    database, facts = cached_database(seed, False, env)
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        tasks = db.execute("SELECT COUNT(*) FROM task").fetchone()[0]
    if not tasks:
        database, facts = cached_database(seed, True, env)
    return database, facts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure is not None:
        for result in measure(args.measure):
            print(json.dumps(result), flush=True)
        return 0
    try:
        with temp_root() as root:
            env = isolated_env(Path(root))
            database, facts = demo_database(args.seed, env)
            emit(
                {
                    "benchmark": f"{NAME}.demo_build",
                    **facts,
                    "target_s": DEMO_TARGET_S,
                    "ok": facts.get("build_s", 0) < DEMO_TARGET_S,
                }
            )
            copy = Path(root) / "dashboard.sqlite"
            shutil.copyfile(database, copy)
            proc = run([sys.executable, __file__, "--measure", str(copy)], env)
            for line in proc.stdout.splitlines():
                if line.startswith("{"):
                    emit(json.loads(line))
    except (BenchmarkError, OSError) as error:
        return fail(NAME, error)
    return 0


if __name__ == "__main__":
    sys.exit(main())
