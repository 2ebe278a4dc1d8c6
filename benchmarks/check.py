"""Time of ``desktopcrm --database EMPTY.sqlite check`` on an empty, initialised database.

Whole-process wall time (interpreter start to exit), median of --runs runs after one
unmeasured warm-up run. Prints one JSON object; the target is a median of at most 1.0 s.
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

NAME = "check"
TARGET_S = 1.0


def measure(runs: int) -> dict[str, object]:
    with temp_root() as tmp:
        env = isolated_env(Path(tmp))
        database = Path(tmp) / "empty.sqlite"
        init_database(database, env)
        cmd = [*APP, "--database", str(database), "check"]
        timed(cmd, env)
        times = [timed(cmd, env) for _ in range(runs)]
    median_s = median(times)
    return {
        "benchmark": NAME,
        "runs": runs,
        "median_s": median_s,
        "target_s": TARGET_S,
        "ok": median_s <= TARGET_S,
        "run_times": rounded(times),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="measured runs (default 7)")
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
