"""Logging: one named logger per subsystem, a rotating file in the user's log folder."""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

from desktopcrm.settings import log_dir

LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(threadName)s] %(message)s"
_file_handler: logging.Handler | None = None


def log_file_path() -> Path:
    return log_dir() / "desktopcrm.log"


def setup_logging(console_level: int = logging.WARNING) -> Path:
    """Log everything to the rotating file and warnings (or more) to stderr.

    Returns the log file's path (shown in the crash dialog and Settings).
    """
    global _file_handler
    path = log_file_path()
    root = logging.getLogger("desktopcrm")
    root.setLevel(logging.DEBUG)
    root.propagate = False
    if _file_handler is None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            _file_handler = logging.handlers.RotatingFileHandler(
                path, maxBytes=2_000_000, backupCount=5, encoding="utf-8", delay=True
            )
        except OSError as exc:
            print(f"DesktopCRM: cannot write the log file {path}: {exc}", file=sys.stderr)
            _file_handler = logging.NullHandler()
        _file_handler.setFormatter(logging.Formatter(LOG_FORMAT))
        _file_handler.setLevel(logging.INFO)
        root.addHandler(_file_handler)
        console = logging.StreamHandler(sys.stderr)
        console.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
        console.setLevel(console_level)
        console.set_name("console")
        root.addHandler(console)
    else:
        for handler in root.handlers:
            if handler.get_name() == "console":
                handler.setLevel(console_level)
    return path
