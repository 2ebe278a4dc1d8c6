"""pyproject.toml lists every package of desktopcrm: a missing one installs without its modules
(an editable install hides that, a wheel or ``pip install .`` does not)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_package_is_listed_in_pyproject() -> None:
    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "desktopcrm").rglob("__init__.py")
    }
    assert found - listed == set()
    assert listed - found == {"desktopcrm.resources"}  # mapped from resources/
