"""``desktopcrm screenshot``: render one screen of the main window to a PNG, offscreen."""

from __future__ import annotations

from pathlib import Path

from desktopcrm.qt import QApplication, QThreadPool
from desktopcrm.services.errors import ServiceError
from desktopcrm.services.workspace import Workspace
from desktopcrm.views.application import create_application
from desktopcrm.views.screens import registered_screens
from desktopcrm.views.theme import ThemeManager


def available_screens() -> list[str]:
    return [spec.key for spec in registered_screens()]


def settle(timeout_s: float = 10.0) -> None:
    """Process events until background work started by the screen (rows read in a worker)
    has finished and delivered its results, so the image shows the loaded screen."""
    import time

    pool = QThreadPool.globalInstance()
    deadline = time.monotonic() + timeout_s
    idle = 0
    while time.monotonic() < deadline and idle < 3:
        QApplication.processEvents()
        idle = idle + 1 if pool.activeThreadCount() == 0 else 0
        time.sleep(0.02)
    QApplication.processEvents()


def render_screen(
    workspace: Workspace, name: str, out: Path, size: tuple[int, int], theme: str
) -> None:
    """Render screen ``name`` at ``size`` in ``theme`` ('light' or 'dark') to ``out``.

    Raises:
        ServiceError: the screen is not in this version, or the file cannot be written.
    """
    from desktopcrm.views.context import AppContext
    from desktopcrm.views.main_window import MainWindow

    available = available_screens()
    if name not in available:
        raise ServiceError(
            f"The {name} screen is not in this version yet; available: {', '.join(available)}"
        )
    app = create_application()
    manager = ThemeManager(app, theme)
    manager.apply()
    context = AppContext(workspace, theme=manager)
    window = MainWindow(context, remember_state=False)
    window.setMinimumSize(1, 1)
    window.resize(*size)
    window.show_screen(name)
    window.show()
    settle()
    image = window.grab().toImage()
    window.close()
    window.deleteLater()
    QApplication.processEvents()
    out = out.expanduser()
    out.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(out), "PNG"):  # type: ignore[call-overload]
        raise ServiceError(f"Could not write the screenshot to {out}")
