"""A bare PySide6 window that quits after its first paint: the floor that startup.py compares to.

Not a benchmark itself (run_all.py skips it). It does what ``desktopcrm --quit-after-startup``
does minus the app: create the QApplication, show a QMainWindow, and quit once the window has
painted for the first time, printing when that was (like the app's timing flags).
"""

from __future__ import annotations

import sys
import time

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow


class QuitAfterFirstPaint(QObject):
    """Quits the application as soon as the watched widget has been painted once."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._painted = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and not self._painted:
            self._painted = True
            QTimer.singleShot(0, self._done)  # once the paint is done, as the app stamps it
        return False

    def _done(self) -> None:
        print(f"bare painted at {time.time():.6f}", flush=True)  # see startup.py
        QApplication.quit()


def main() -> int:
    app = QApplication(sys.argv)
    window = QMainWindow()
    window.setWindowTitle("Bare window")
    window.resize(1200, 800)
    window.installEventFilter(QuitAfterFirstPaint(window))
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
