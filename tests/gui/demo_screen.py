"""A screen that exists only in the tests, to navigate between two screens."""

from desktopcrm.qt import QLabel, QWidget
from desktopcrm.views.screens import ScreenSpec


def _build(_context: object) -> QWidget:
    label = QLabel("Demo screen")
    label.setObjectName("demo-label")
    return label


SCREEN = ScreenSpec(key="demo", title="Demo", icon="dashboard", factory=_build, order=1)
