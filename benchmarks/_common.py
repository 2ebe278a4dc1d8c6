"""Helpers shared by the benchmark scripts: an isolated environment, timed runs, JSON output."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

APP = (sys.executable, "-m", "desktopcrm")
RUN_TIMEOUT_S = 300


class BenchmarkError(RuntimeError):
    """A measured command failed, so there is no figure to report."""


def isolated_env(root: Path) -> dict[str, str]:
    """Return os.environ with the user folders and Qt pointed into ``root``.

    Nothing a benchmark runs may read or write the real user's settings, data or logs.
    """
    env = dict(os.environ)
    for var, name in (
        ("XDG_DATA_HOME", "data"),
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_STATE_HOME", "state"),
        ("XDG_CACHE_HOME", "cache"),
        ("XDG_RUNTIME_DIR", "runtime"),
    ):
        path = root / name
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        env[var] = str(path)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env.pop("DESKTOPCRM_DATABASE", None)
    # Measure the app as installed: with byte-code caches, as pip and PyInstaller leave it.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    precompile()
    return env


def precompile() -> None:
    """Write the ``.pyc`` files of the ``desktopcrm`` package (a source checkout may have none,
    e.g. under PYTHONDONTWRITEBYTECODE), so start-up is not timed compiling our sources."""
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("desktopcrm")
    if spec is None or not spec.submodule_search_locations:
        raise BenchmarkError("desktopcrm is not installed in this Python")
    for folder in spec.submodule_search_locations:
        compileall.compile_dir(folder, quiet=1)


def temp_root() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="desktopcrm-bench-")


def run(cmd: Sequence[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run ``cmd`` to completion; raise BenchmarkError with its output when it fails."""
    try:
        proc = subprocess.run(
            list(cmd), env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired as error:
        raise BenchmarkError(f"{' '.join(cmd)} took more than {RUN_TIMEOUT_S} s") from error
    if proc.returncode != 0:
        raise BenchmarkError(
            f"{' '.join(cmd)} exited {proc.returncode}\n"
            f"stdout: {proc.stdout.strip()}\nstderr: {proc.stderr.strip()}"
        )
    return proc


def timed(cmd: Sequence[str], env: dict[str, str]) -> float:
    """Whole-process wall time of ``cmd`` in seconds (interpreter start to exit)."""
    start = time.perf_counter()
    run(cmd, env)
    return time.perf_counter() - start


def init_database(path: Path, env: dict[str, str]) -> None:
    """Create an empty database at the current schema version."""
    run([*APP, "--database", str(path), "init"], env)


def median(values: Sequence[float]) -> float:
    return round(statistics.median(values), 4)


def rounded(values: Sequence[float]) -> list[float]:
    return [round(value, 4) for value in values]


def emit(result: dict[str, Any]) -> None:
    """Print one benchmark result as a single JSON line on stdout."""
    print(json.dumps(result), flush=True)


def fail(name: str, error: Exception) -> int:
    """Report a benchmark that could not measure anything; returns the exit status."""
    emit({"benchmark": name, "ok": False, "error": str(error)})
    return 1


def main_with_runs(
    doc: str, name: str, measure: Callable[[int], dict[str, Any]], argv: list[str] | None
) -> int:
    """The command line of a benchmark that takes ``--runs``: measure, print, exit status."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="measured runs (default 7)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    try:
        emit(measure(args.runs))
    except (BenchmarkError, OSError) as error:
        return fail(name, error)
    return 0


def main_build_then_measure(
    doc: str,
    name: str,
    script: str,
    build: Callable[[Path], Any],
    measure: Callable[[Path], list[dict[str, Any]]],
    argv: list[str] | None,
) -> int:
    """The command line of a benchmark that builds its database in one child process and
    measures in another (each with the isolated environment): the parent runs ``script``
    with ``--build DB`` then ``--measure DB`` and prints the child's JSON lines."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--build", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.build is not None:
        build(args.build)
        return 0
    if args.measure is not None:
        for result in measure(args.measure):
            emit(result)
        return 0
    try:
        with temp_root() as root:
            env = isolated_env(Path(root))
            database = Path(root) / f"{name}.sqlite"
            run([sys.executable, script, "--build", str(database)], env)
            measure_in_child(script, database, env)
    except (BenchmarkError, OSError) as error:
        return fail(name, error)
    return 0


def measure_in_child(script: str, database: Path, env: dict[str, str]) -> None:
    """Run ``script --measure DATABASE`` (a process of its own, with ``env``) and print the
    JSON lines it prints."""
    proc = run([sys.executable, script, "--measure", str(database)], env)
    for line in proc.stdout.splitlines():
        if line.startswith("{"):
            emit(json.loads(line))


def measure_copy_in_child(script: str, database: Path, root: Path, env: dict[str, str]) -> None:
    """``measure_in_child`` on a copy of ``database`` in ``root``: the measuring may write to
    it (sessions, window state, marks), and the cached original is built once for many runs."""
    import shutil

    copy = root / f"measured-{database.name}"
    shutil.copyfile(database, copy)
    measure_in_child(script, copy, env)


def settle(app: Any, seconds: float) -> None:
    """Run the event loop for ``seconds`` (a GUI benchmark's pause between steps)."""
    until = time.perf_counter() + seconds
    while time.perf_counter() < until:
        app.processEvents()
        time.sleep(0.002)


def open_window(database: Path, width: int = 1400, height: int = 900) -> tuple[Any, Any]:
    """The application and the main window on ``database`` (light theme, window state not
    remembered), showing Settings and settled: the starting point of a screen switch."""
    from desktopcrm.qt import QApplication
    from desktopcrm.services.workspace import open_workspace
    from desktopcrm.views.context import AppContext
    from desktopcrm.views.main_window import MainWindow
    from desktopcrm.views.theme import ThemeManager, new_application

    app = QApplication.instance() or new_application([])
    theme = ThemeManager(app, "light")  # type: ignore[arg-type]
    theme.apply()
    context = AppContext(open_workspace(database), theme=theme)
    window = MainWindow(context, remember_state=False)
    window.resize(width, height)
    window.show_screen("settings")
    window.show()
    settle(app, 0.5)
    return app, window
