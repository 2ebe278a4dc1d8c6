"""Per-machine settings, declared once with their type and default.

Stored as JSON in the user's config folder: things that belong to this computer rather than to
the shared database (which user this machine is signed in as for each database, the theme).
Window geometry is Qt's business and lives in QSettings in the views.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any, NamedTuple

import platformdirs

log = logging.getLogger("desktopcrm.settings")

APP_DIR_NAME = "DesktopCRM"


class Option(NamedTuple):
    name: str
    type: type
    default: Any
    doc: str


OPTIONS: dict[str, Option] = {
    option.name: option
    for option in (
        Option("theme", str, "system", "Colour scheme: system, light or dark."),
        Option("current_users", dict, {}, "Signed-in user id per database id."),
        Option("last_database", str, "", "The database opened last (empty: the default one)."),
        Option(
            "tracking_url",
            str,
            "",
            "The open-tracking endpoint's address (empty: no tracking); its secret is in the "
            "keyring.",
        ),
        Option("tracking_cursor", str, "", "Where the last poll of the tracking endpoint ended."),
    )
}


def config_dir() -> Path:
    return platformdirs.user_config_path(APP_DIR_NAME, appauthor=False)


def log_dir() -> Path:
    return platformdirs.user_log_path(APP_DIR_NAME, appauthor=False)


class Settings:
    """Typed access to the settings file; writes are atomic (temp file + rename)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or config_dir() / "settings.json"
        self._values: dict[str, Any] = {}
        self._load()

    def _load(self) -> None:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable settings file %s: %s", self.path, exc)
            return
        if isinstance(raw, dict):
            for name, value in raw.items():
                option = OPTIONS.get(name)
                if option and isinstance(value, option.type):
                    self._values[name] = value

    def get(self, name: str) -> Any:
        option = OPTIONS[name]
        value = self._values.get(name, option.default)
        return json.loads(json.dumps(value)) if isinstance(value, dict | list) else value

    def set(self, name: str, value: Any) -> None:
        option = OPTIONS[name]
        if not isinstance(value, option.type):
            raise TypeError(f"setting {name} takes {option.type.__name__}, not {value!r}")
        self._values[name] = value
        self._save()

    def _save(self) -> None:
        import tempfile

        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".settings-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(self._values, handle, indent=2, sort_keys=True)
        os.replace(tmp, self.path)
