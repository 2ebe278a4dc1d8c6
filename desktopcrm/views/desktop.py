"""Handing things to the desktop: opening folders in the file manager."""

from __future__ import annotations

import logging
from pathlib import Path

from desktopcrm.qt import QDesktopServices, QUrl

log = logging.getLogger("desktopcrm.views.desktop")


def open_folder(path: Path) -> bool:
    """Show ``path`` (a folder, or the folder of a file) in the file manager."""
    folder = path if path.is_dir() else path.parent
    folder.mkdir(parents=True, exist_ok=True)
    ok = QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))
    if not ok:
        log.warning("could not open %s in the file manager", folder)
    return bool(ok)
