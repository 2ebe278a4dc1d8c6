"""Import the screens' modules while the window is idle, so the first switch to a screen
builds its widget without first importing (and, in a fresh install, compiling) its code.

Measured on the Contacts list: importing the list screen and the list engine is ~35-50 ms of
the switch; after the warm-up the switch is building the widget and reading the first rows.
One module per timer tick, with a pause between them, so typing or clicking meanwhile never
waits for more than one import.
"""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Iterable

from desktopcrm.qt import QObject, QTimer

log = logging.getLogger("desktopcrm.startup")

#: After the window is attached (its first screen is painted by then), and between imports.
START_DELAY_MS = 250
PAUSE_MS = 20


class WarmUp(QObject):
    """Imports ``modules`` one per tick once ``start`` is called; stops at the first failure
    (the screen will report it when it is opened)."""

    def __init__(self, modules: Iterable[str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pending = [m for m in dict.fromkeys(modules) if m not in sys.modules]
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._next)

    def start(self, delay_ms: int = START_DELAY_MS) -> None:
        if self.pending:
            self._timer.start(delay_ms)

    def _next(self) -> None:
        while self.pending and self.pending[0] in sys.modules:
            self.pending.pop(0)
        if not self.pending:
            return
        module = self.pending.pop(0)
        try:
            importlib.import_module(module)
        except Exception:  # opening the screen shows the real error
            log.warning("warm-up: could not import %s", module, exc_info=True)
            self.pending.clear()
            return
        if self.pending:
            self._timer.start(PAUSE_MS)
