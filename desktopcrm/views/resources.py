"""Where the shipped icons and style sheets are, installed or frozen."""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path


@cache
def resources_dir() -> Path:
    """The ``resources`` folder (the ``desktopcrm.resources`` package)."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        candidate = Path(frozen) / "desktopcrm" / "resources"
        if candidate.is_dir():
            return candidate
    import desktopcrm.resources

    return Path(desktopcrm.resources.__file__).parent


def icon_path(name: str) -> Path:
    return resources_dir() / "icons" / f"{name}.svg"


def style_path(name: str) -> Path:
    return resources_dir() / "styles" / name
