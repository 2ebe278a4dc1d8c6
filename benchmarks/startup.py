"""Startup time of the app against a bare PySide6 window, both quitting after their first paint.

Measures whole-process wall time (interpreter start to exit) of

    python -m desktopcrm --database EMPTY.sqlite --quit-after-startup
    python benchmarks/bare_window.py

on an empty, already initialised database, alternating the two so that both see the same
machine state. One unmeasured warm-up run of each comes first (file cache, .pyc files).
Prints one JSON object; the target is app time <= 1.5 x bare-window time.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from _common import (
    APP,
    BenchmarkError,
    emit,
    fail,
    init_database,
    isolated_env,
    median,
    rounded,
    temp_root,
    timed,
)

NAME = "startup"
TARGET_RATIO = 1.5
BARE_WINDOW = Path(__file__).with_name("bare_window.py")


def measure(runs: int) -> dict[str, object]:
    with temp_root() as tmp:
        env = isolated_env(Path(tmp))
        database = Path(tmp) / "empty.sqlite"
        init_database(database, env)
        app_cmd = [*APP, "--database", str(database), "--quit-after-startup"]
        bare_cmd = [sys.executable, str(BARE_WINDOW)]

        timed(app_cmd, env)
        timed(bare_cmd, env)
        app_runs: list[float] = []
        bare_runs: list[float] = []
        for _ in range(runs):
            app_runs.append(timed(app_cmd, env))
            bare_runs.append(timed(bare_cmd, env))

    app_median = median(app_runs)
    bare_median = median(bare_runs)
    ratio = round(app_median / bare_median, 3)
    return {
        "benchmark": NAME,
        "runs": runs,
        "app_median_s": app_median,
        "bare_median_s": bare_median,
        "ratio": ratio,
        "target_ratio": TARGET_RATIO,
        "ok": ratio <= TARGET_RATIO,
        "app_runs": rounded(app_runs),
        "bare_runs": rounded(bare_runs),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="measured runs of each (default 7)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    try:
        emit(measure(args.runs))
    except (BenchmarkError, OSError) as error:
        return fail(NAME, error)
    return 0


if __name__ == "__main__":
    sys.exit(main())
