"""Calendar pane and reminders: month and week view paint with 3,000 appointments in a
month, and the start-up cost of arming reminders with 50,000 open tasks.

Figures (milliseconds, median of repeated runs, in one process on a database built here):

- ``month_paint``: the month view laying out and painting a month of 3,000 appointments
  (``set_data`` + a synchronous repaint); ``paint_only_ms`` repaints the laid-out view.
  Target < 150 ms.
- ``week_paint``: the same for the week view on the busiest week (~700 appointments).
  Target < 50 ms.
- ``reminder_arming``: ``ReminderScheduler.start()`` (missed reminders taken, the one timer
  armed) and ``arm()`` alone, with 50,000 open tasks with reminders. Target < 50 ms.
- ``load_month``: reading the month's occurrences with the services (in a worker in the app;
  reported, no target).
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from _common import main_build_then_measure

NAME = "calendar"
MONTH_TARGET_MS = 150.0
WEEK_TARGET_MS = 50.0
ARMING_TARGET_MS = 50.0
APPOINTMENTS = 3000
TASKS = 50_000
MONTH = dt.date(2026, 3, 1)
NOW = dt.datetime(2026, 3, 15, 12, 0)
RUNS = 15


def build(database: Path) -> None:
    """3,000 appointments in March 2026 (the service path) and 50,000 open tasks (bulk)."""
    from desktopcrm.models.tasks import ReminderOffset, Task
    from desktopcrm.services import calendar
    from desktopcrm.services.workspace import close_workspace, open_workspace

    ws = open_workspace(database)
    user = ws.user
    rnd = random.Random(7)
    cal = calendar.default_calendar(user)
    google = calendar.create_calendar(user, "Google", external_id="bench")
    from desktopcrm.models import write_transaction

    with write_transaction():
        for index in range(APPOINTMENTS):
            day = MONTH + dt.timedelta(days=rnd.randrange(31))
            start = dt.datetime.combine(day, dt.time(rnd.randrange(7, 19), rnd.choice((0, 15, 30))))
            calendar.create_appointment(
                user,
                f"Appointment {index} with a customer",
                start,
                start + dt.timedelta(minutes=rnd.choice((30, 45, 60, 90))),
                calendar=cal if index % 10 else None,
                location=rnd.choice(("", "Office", "Zoom")),
            )
        from desktopcrm.models.calendar import Appointment

        Appointment.update(calendar=google).where(
            Appointment.id.in_(
                Appointment.select(Appointment.id).order_by(Appointment.start_at).limit(300)
            )
        ).execute()
    offsets = [o for o in ReminderOffset]
    now = dt.datetime(2026, 3, 1)
    rows = []
    for index in range(TASKS):
        due = NOW + dt.timedelta(minutes=rnd.randrange(-60 * 24 * 30, 60 * 24 * 90))
        offset = rnd.choice(offsets)
        rows.append(
            {
                "id": uuid.uuid4(),
                "created_at": now,
                "updated_at": now,
                "version": 1,
                "title": f"Task {index}",
                "description": "",
                "due_at": due,
                "reminder": offset.value,
                "remind_at": due - offset.delta,
                "assignee": user.id,
                "created_by": user.id,
                "done": False,
            }
        )
    with write_transaction():
        for chunk in range(0, len(rows), 2000):
            Task.insert_many(rows[chunk : chunk + 2000]).execute()
    close_workspace()


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 2)


def measure(database: Path) -> list[dict[str, Any]]:
    from desktopcrm.qt import QApplication
    from desktopcrm.services import calendar, reminders
    from desktopcrm.services.workspace import open_workspace
    from desktopcrm.views.calendar.layout import month_days, week_days
    from desktopcrm.views.calendar.screen import local_item
    from desktopcrm.views.calendar.views import MonthGrid, TimeGrid
    from desktopcrm.views.context import AppContext
    from desktopcrm.views.reminders import ReminderScheduler
    from desktopcrm.views.theme import ThemeManager, new_application

    app = new_application(sys.argv[:1])
    theme = ThemeManager(app, "light")
    theme.apply()
    ws = open_workspace(database)
    context = AppContext(ws, theme=theme)
    results: list[dict[str, Any]] = []

    days = month_days(MONTH)
    lo = dt.datetime.combine(days[0], dt.time())
    hi = dt.datetime.combine(days[-1] + dt.timedelta(days=1), dt.time())
    loads = []
    for _ in range(5):
        start = time.perf_counter()
        found = calendar.occurrences(ws.user, lo, hi)
        loads.append((time.perf_counter() - start) * 1000)
    items = [local_item(o) for o in found]
    in_month = sum(1 for i in items if i.start.month == MONTH.month)
    results.append({"benchmark": NAME, "figure": "load_month", "median_ms": _median(loads),
                    "occurrences": len(items)})  # fmt: skip

    def paint(view: Any, view_days: list[dt.date], view_items: list[Any]) -> tuple[float, float]:
        view.resize(1200, 800)
        view.show()
        QApplication.processEvents()
        full, only = [], []
        for _ in range(RUNS):
            start = time.perf_counter()
            view.set_data(view_days, view_items, NOW.date())
            view.repaint()
            full.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            view.repaint()
            only.append((time.perf_counter() - start) * 1000)
        return _median(full), _median(only)

    month = MonthGrid()
    month.month = MONTH.month
    full, only = paint(month, days, items)
    results.append({
        "benchmark": NAME, "figure": "month_paint", "appointments_in_month": in_month,
        "median_ms": full, "paint_only_ms": only, "target_ms": MONTH_TARGET_MS,
        "ok": full < MONTH_TARGET_MS,
    })  # fmt: skip

    by_week: dict[dt.date, list[Any]] = {}
    for item in items:
        monday = item.start.date() - dt.timedelta(days=item.start.weekday())
        by_week.setdefault(monday, []).append(item)
    busiest = max(by_week, key=lambda k: len(by_week[k]))
    week = TimeGrid()
    week.setFixedHeight(24 * 48 + 1)
    full, only = paint(week, week_days(busiest), by_week[busiest])
    results.append({
        "benchmark": NAME, "figure": "week_paint", "appointments_in_week": len(by_week[busiest]),
        "median_ms": full, "paint_only_ms": only, "target_ms": WEEK_TARGET_MS,
        "ok": full < WEEK_TARGET_MS,
    })  # fmt: skip

    open_tasks = reminders.Task.select().where(~reminders.Task.done).count()
    starts, arms = [], []
    for run_index in range(RUNS):
        clock_now = NOW + dt.timedelta(minutes=run_index)
        scheduler = ReminderScheduler(context, None, clock=lambda n=clock_now: n)
        start = time.perf_counter()
        scheduler.start()
        starts.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        scheduler.arm()
        arms.append((time.perf_counter() - start) * 1000)
        scheduler.stop()
        scheduler.deleteLater()
    results.append({
        "benchmark": NAME, "figure": "reminder_arming", "open_tasks": open_tasks,
        "start_median_ms": _median(starts[1:]), "first_start_ms": round(starts[0], 2),
        "arm_median_ms": _median(arms), "target_ms": ARMING_TARGET_MS,
        "ok": _median(starts[1:]) < ARMING_TARGET_MS and _median(arms) < ARMING_TARGET_MS,
    })  # fmt: skip
    return results


def main(argv: list[str] | None = None) -> int:
    return main_build_then_measure(__doc__ or NAME, NAME, __file__, build, measure, argv)


if __name__ == "__main__":
    sys.exit(main())
