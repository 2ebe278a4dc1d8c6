"""Time of ``desktopcrm --database EMPTY.sqlite check`` on an empty, initialised database.

Whole-process wall time (interpreter start to exit), median of --runs runs after one
unmeasured warm-up run. Prints one JSON object; the target is a median of at most 1.0 s.
"""

from __future__ import annotations

import sys
from pathlib import Path

from _common import (
    APP,
    init_database,
    isolated_env,
    main_with_runs,
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
    return main_with_runs(__doc__ or NAME, NAME, measure, argv)


if __name__ == "__main__":
    sys.exit(main())
