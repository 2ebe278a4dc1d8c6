"""Build the PyInstaller bundle from packaging/desktopcrm.spec and run what it produced.

The bundle is built once per test session into a temporary folder (about a minute), then its
executable is run as a user would: ``--version``, ``init`` + ``check`` on a fresh database and
a window that quits after its first paint, all offscreen and with user folders in temp dirs.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

import desktopcrm

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "packaging" / "desktopcrm.spec"
BUILD_TIMEOUT_S = 600
RUN_TIMEOUT_S = 60

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("PyInstaller") is None,
        reason="PyInstaller is not installed (it comes with the 'dev' extra)",
    ),
]


@dataclass(frozen=True)
class Bundle:
    """The built one-folder bundle: its folder, its CLI executable and its GUI executable."""

    folder: Path
    cli: Path
    gui: Path


def bundle_paths(dist: Path) -> Bundle:
    """Where the spec puts the executables on this platform (see packaging/desktopcrm.spec)."""
    if sys.platform == "win32":
        folder = dist / "desktopcrm"
        return Bundle(folder, folder / "desktopcrm.exe", folder / "desktopcrmw.exe")
    if sys.platform == "darwin":
        app = dist / "DesktopCRM.app"
        exe = app / "Contents" / "MacOS" / "DesktopCRM"
        return Bundle(app, exe, exe)
    folder = dist / "desktopcrm"
    return Bundle(folder, folder / "desktopcrm", folder / "desktopcrm")


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Bundle:
    """Build the bundle once for the session; fail with PyInstaller's log when it breaks."""
    work = tmp_path_factory.mktemp("pyinstaller")
    dist = work / "dist"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--clean",
            "--log-level",
            "WARN",
            "--distpath",
            str(dist),
            "--workpath",
            str(work / "build"),
            str(SPEC),
        ],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_S,
        check=False,
    )
    if proc.returncode != 0:
        pytest.fail(f"PyInstaller failed ({proc.returncode}):\n{proc.stderr[-6000:]}")
    built = bundle_paths(dist)
    assert built.cli.is_file(), f"no executable at {built.cli}"
    assert built.gui.is_file(), f"no executable at {built.gui}"
    return built


@pytest.fixture
def bundle_env(tmp_path: Path) -> dict[str, str]:
    """The environment for the bundled program: offscreen Qt, temp user folders, no venv."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"}
        and not key.startswith(("PYTEST", "DESKTOPCRM_"))
    }
    env["QT_QPA_PLATFORM"] = "offscreen"
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        folder = tmp_path / "bundle-home" / var.lower()
        folder.mkdir(parents=True)
        env[var] = str(folder)
    runtime = tmp_path / "bundle-home" / "runtime"
    runtime.mkdir(mode=0o700)
    env["XDG_RUNTIME_DIR"] = str(runtime)
    return env


def run(
    exe: Path, *args: str, env: Mapping[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(exe), *args],
        env=dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )


def test_version(bundle: Bundle, bundle_env: dict[str, str], tmp_path: Path) -> None:
    proc = run(bundle.cli, "--version", env=bundle_env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"DesktopCRM {desktopcrm.__version__}"


def test_init_then_check(bundle: Bundle, bundle_env: dict[str, str], tmp_path: Path) -> None:
    database = tmp_path / "crm.sqlite"
    init = run(bundle.cli, "--database", str(database), "init", env=bundle_env, cwd=tmp_path)
    assert init.returncode == 0, init.stderr
    assert database.is_file()

    check = run(bundle.cli, "--database", str(database), "check", env=bundle_env, cwd=tmp_path)
    assert check.returncode == 0, check.stderr
    assert check.stdout.strip(), "check printed nothing"


def test_check_of_a_missing_file_fails(
    bundle: Bundle, bundle_env: dict[str, str], tmp_path: Path
) -> None:
    missing = tmp_path / "missing.sqlite"
    proc = run(bundle.cli, "check", "--database", str(missing), env=bundle_env, cwd=tmp_path)
    assert proc.returncode == 1
    assert (proc.stdout + proc.stderr).strip(), "no message for a missing database"
    assert not missing.exists()


def test_window_starts_and_quits(
    bundle: Bundle, bundle_env: dict[str, str], tmp_path: Path
) -> None:
    database = tmp_path / "crm.sqlite"
    init = run(bundle.cli, "--database", str(database), "init", env=bundle_env, cwd=tmp_path)
    assert init.returncode == 0, init.stderr

    proc = run(
        bundle.gui,
        "--database",
        str(database),
        "--quit-after-startup",
        env=bundle_env,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr


def test_bundle_holds_resources_and_no_unused_qt(bundle: Bundle) -> None:
    contents = (
        bundle.folder / "Contents" / "Frameworks"
        if sys.platform == "darwin"
        else bundle.folder / "_internal"
    )
    assert (contents / "desktopcrm" / "resources" / "icons" / "app-icon.svg").is_file()
    pyside = contents / "PySide6"
    assert any(pyside.glob("QtWidgets.*")), "QtWidgets missing from the bundle"
    unused = [
        path.name
        for pattern in ("QtWebEngine*", "Qt3D*", "QtQml*", "QtQuick*", "QtMultimedia*")
        for path in pyside.glob(pattern)
    ]
    assert unused == [], f"unused Qt modules bundled: {unused}"
