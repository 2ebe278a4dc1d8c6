"""Run every benchmark script in this folder and print their JSON lines.

A benchmark is any ``benchmarks/*.py`` except this runner, modules whose name starts with ``_``
(shared helpers) and the helper scripts in HELPERS. Each benchmark prints one JSON object per
line on stdout, each with a "benchmark" name and an "ok" verdict against its target, and exits
0 when it measured something. See README.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
HELPERS = frozenset({"run_all.py", "bare_window.py"})


def discover(pattern: str | None = None) -> list[Path]:
    """The benchmark scripts, sorted by name, optionally only those containing ``pattern``."""
    return [
        path
        for path in sorted(HERE.glob("*.py"))
        if not path.name.startswith("_")
        and path.name not in HELPERS
        and (pattern is None or pattern in path.stem)
    ]


def run_script(script: Path) -> tuple[list[dict[str, object]], bool]:
    """Run one benchmark; return its results and whether it ran cleanly."""
    proc = subprocess.run(
        [sys.executable, str(script)],
        cwd=HERE.parent,
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    results: list[dict[str, object]] = []
    for line in proc.stdout.splitlines():
        if not line.strip():
            continue
        try:
            result = json.loads(line)
        except json.JSONDecodeError:
            result = {"benchmark": script.stem, "ok": False, "error": f"not JSON: {line!r}"}
        results.append(result)
    clean = proc.returncode == 0
    if not clean and not any(result.get("error") for result in results):
        results.append(
            {"benchmark": script.stem, "ok": False, "error": f"exited {proc.returncode}"}
        )
    return results, clean


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-k", metavar="TEXT", help="only scripts whose name contains TEXT")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    parser.add_argument(
        "--strict", action="store_true", help="also exit 1 when a figure misses its target"
    )
    args = parser.parse_args(argv)

    scripts = discover(args.k)
    if args.list:
        for script in scripts:
            print(script.stem)
        return 0
    failed = False
    for script in scripts:
        results, clean = run_script(script)
        for result in results:
            print(json.dumps(result), flush=True)
            if args.strict and not result.get("ok", False):
                failed = True
        failed = failed or not clean
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
