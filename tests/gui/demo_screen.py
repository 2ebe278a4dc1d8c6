"""A screen that exists only in the tests, to navigate between two screens."""

from desktopcrm.qt import QLabel


class DemoScreen(QLabel):
    def __init__(self, _context: object) -> None:
        super().__init__("Demo screen")
        self.setObjectName("demo-label")
