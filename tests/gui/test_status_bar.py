"""The status bar: database mode and location, other connected apps, sync state."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from desktopcrm.views.main_window import MainWindow
from desktopcrm.views.presence_monitor import PresenceMonitor


def test_shows_mode_location_and_sync(window: MainWindow, context) -> None:
    status = window.status
    assert status.location.text() == f"Local file · {context.location.path}"
    assert status.location.toolTip() == "Local file: local disk"
    assert status.sync.text() == "Google: not connected"
    assert status.peers.text() == "Only you are connected"


def test_shows_another_connected_app(qtbot, window: MainWindow, context) -> None:
    monitor = PresenceMonitor(context)
    monitor.peers_changed.connect(window.status.set_peers)
    with qtbot.waitSignal(monitor.start().finished):
        pass
    assert window.status.peers.text() == "Only you are connected"

    # a real second process registers its session on the same file and exits without closing it
    script = textwrap.dedent(
        f"""
        from desktopcrm.services.workspace import open_workspace, close_workspace
        from desktopcrm.services import presence, users
        ws = open_workspace({str(context.location.path)!r})
        other = users.create_user(ws.user, "Gina Remote")
        presence.start_session(other)
        close_workspace()
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, env=os.environ.copy(), timeout=60)
    with qtbot.waitSignal(monitor.peers_changed, timeout=10_000):
        monitor.refresh()
    assert window.status.peers.text() == "Also connected: Gina Remote"
    assert "Gina Remote on" in window.status.peers.toolTip()
    monitor.stop()
