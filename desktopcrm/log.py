"""Logging: one named logger per subsystem, a rotating file in the user's log folder."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from desktopcrm.settings import log_dir

LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(threadName)s] %(message)s"
_file_handler: logging.Handler | None = None
MAX_BYTES = 2_000_000
BACKUP_COUNT = 5


class RotatingLogFile(logging.FileHandler):
    """A log file that is renamed to ``.1`` (``.2``…) once it passes ``max_bytes``.

    The standard library's RotatingFileHandler lives in ``logging.handlers``, whose imports
    (sockets, pickle, queues) cost start-up time the app does not otherwise need.
    """

    def __init__(self, path: Path, max_bytes: int = MAX_BYTES, backups: int = BACKUP_COUNT):
        super().__init__(path, encoding="utf-8", delay=True)
        self.max_bytes = max_bytes
        self.backups = backups

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if self.stream is not None and self.stream.tell() >= self.max_bytes:
                self.rotate()
        except OSError:
            self.handleError(record)
        super().emit(record)

    def rotate(self) -> None:
        if self.stream is not None:
            self.stream.close()
            self.stream = None
        base = self.baseFilename
        for index in range(self.backups - 1, 0, -1):
            if os.path.exists(f"{base}.{index}"):
                os.replace(f"{base}.{index}", f"{base}.{index + 1}")
        if os.path.exists(base):
            os.replace(base, f"{base}.1")


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
            _file_handler = RotatingLogFile(path)
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
