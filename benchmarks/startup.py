"""Startup time of the app against a bare PySide6 window.

Runs, taking turns so that all three see the same machine state,

    python benchmarks/bare_window.py                                      (bare)
    python -m desktopcrm --database EMPTY.sqlite --quit-after-startup     (first_paint)
    python -m desktopcrm --database EMPTY.sqlite --quit-when-ready        (ready)

on an empty, already initialised database, after one unmeasured warm-up run of each (file
cache, .pyc files). Each prints the time (epoch seconds) of the paint it quits after; the figure
is that minus the moment this script launched it: from launching the interpreter to the paint,
what a user waits for. (What a process does after that paint, before it exits, is not start-up;
the whole-process wall times are reported too, as ``*_process_median_s``.)

``first_paint`` is the window's first paint: the shell (sidebar, top bar, status bar, "Opening
the database…"), before the database is opened. ``ready`` is the first paint that follows
opening the database in the background and showing the first screen. Prints one JSON object;
the target is first_paint <= 1.5 x bare; ready is reported, no target.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

from _common import (
    APP,
    BenchmarkError,
    init_database,
    isolated_env,
    main_with_runs,
    median,
    rounded,
    run,
    temp_root,
)

NAME = "startup"
TARGET_RATIO = 1.5
BARE_WINDOW = Path(__file__).with_name("bare_window.py")


def to_paint(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(launch to the printed paint, launch to exit) of ``cmd``, in seconds."""
    launched = time.time()
    start = time.perf_counter()
    proc = run(cmd, env)
    whole = time.perf_counter() - start
    match = re.search(r"painted at (\d+\.\d+)", proc.stdout)
    if match is None:
        raise BenchmarkError(f"{' '.join(cmd)} printed no paint time: {proc.stdout!r}")
    return float(match.group(1)) - launched, whole


def measure(runs: int) -> dict[str, object]:
    with temp_root() as tmp:
        env = isolated_env(Path(tmp))
        database = Path(tmp) / "empty.sqlite"
        init_database(database, env)
        commands = {
            "bare": [sys.executable, str(BARE_WINDOW)],
            "first_paint": [*APP, "--database", str(database), "--quit-after-startup"],
            "ready": [*APP, "--database", str(database), "--quit-when-ready"],
        }
        for command in commands.values():
            to_paint(command, env)
        times: dict[str, list[float]] = {name: [] for name in commands}
        whole: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(runs):
            for name, command in commands.items():
                painted, process = to_paint(command, env)
                times[name].append(painted)
                whole[name].append(process)

    bare = median(times["bare"])
    first_paint = median(times["first_paint"])
    ready = median(times["ready"])
    first_paint_ratio = round(first_paint / bare, 3)
    return {
        "benchmark": NAME,
        "runs": runs,
        "bare_median_s": bare,
        "first_paint": {
            "app_median_s": first_paint,
            "ratio": first_paint_ratio,
            "target_ratio": TARGET_RATIO,
            "ok": first_paint_ratio <= TARGET_RATIO,
        },
        "ready": {
            "ready_median_s": ready,
            "ratio": round(ready / bare, 3),
            "target_ratio": None,
        },
        "ok": first_paint_ratio <= TARGET_RATIO,
        "bare_process_median_s": median(whole["bare"]),
        "first_paint_process_median_s": median(whole["first_paint"]),
        "ready_process_median_s": median(whole["ready"]),
        "bare_runs": rounded(times["bare"]),
        "first_paint_runs": rounded(times["first_paint"]),
        "ready_runs": rounded(times["ready"]),
    }


def main(argv: list[str] | None = None) -> int:
    return main_with_runs(__doc__ or NAME, NAME, measure, argv)


if __name__ == "__main__":
    sys.exit(main())
