"""``desktopcrm screenshot``: real subprocesses, real PNG files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktopcrm.qt import QImage

ENV_OFFSCREEN = {"QT_QPA_PLATFORM": "offscreen"}


def screenshot(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "desktopcrm",
            "--database",
            str(tmp_path / "crm.sqlite"),
            "screenshot",
            *args,
        ],
        env={**os.environ, **ENV_OFFSCREEN},
        capture_output=True,
        text=True,
        timeout=90,
    )


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_settings_screenshot(tmp_path: Path, theme: str) -> None:
    out = tmp_path / f"settings-{theme}.png"
    result = screenshot(
        tmp_path,
        "--screen",
        "settings",
        "--out",
        str(out),
        "--size",
        "1200x800",
        "--theme",
        theme,
    )
    assert result.returncode == 0, result.stderr
    assert out.stat().st_size > 10_000
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1200, 800)


def test_unknown_screen_is_refused(tmp_path: Path) -> None:
    # Every screen the command knows is in this version now (Mail was the last one).
    from desktopcrm.cli import SCREENS
    from desktopcrm.views.screens import registered_screens

    assert set(SCREENS) == {spec.key for spec in registered_screens()}
    out = tmp_path / "reports.png"
    result = screenshot(tmp_path, "--screen", "reports", "--out", str(out))
    assert result.returncode == 2
    assert "invalid choice: 'reports'" in result.stderr and "'mail'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()
