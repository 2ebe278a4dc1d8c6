"""Commands of the app, offered by the command palette (and reused by menus and buttons)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desktopcrm.views.context import AppContext
    from desktopcrm.views.main_window import MainWindow


def _always(_context: AppContext) -> bool:
    return True


def _sqlite(context: AppContext) -> bool:
    return context.location.is_sqlite


def _admin(context: AppContext) -> bool:
    return context.user.is_admin


@dataclass(frozen=True)
class Command:
    key: str
    title: str
    icon: str
    run: Callable[[MainWindow], object]
    available: Callable[[AppContext], bool] = _always
    keywords: str = ""


def builtin_commands() -> list[Command]:
    return [
        Command(
            "backup-now",
            "Back up now",
            "backup",
            lambda w: w.back_up_now(),
            _sqlite,
            "backup copy save database",
        ),
        Command(
            "restore",
            "Restore from a backup…",
            "restore",
            lambda w: w.show_screen("settings", "database", focus="restore"),
            _sqlite,
            "restore backup database undo",
        ),
        Command(
            "check-database",
            "Check the database",
            "check",
            lambda w: w.show_screen("settings", "database", focus="check"),
            keywords="integrity check verify database",
        ),
        Command(
            "import-csv",
            "Import CSV…",
            "import",
            lambda w: w.show_screen("settings", "import-export", focus="import"),
            keywords="import csv file spreadsheet upload leads contacts deals",
        ),
        Command(
            "export-csv",
            "Export to CSV…",
            "export",
            lambda w: w.show_screen("settings", "import-export", focus="export"),
            keywords="export csv file spreadsheet download",
        ),
        Command(
            "open-log-folder",
            "Open log folder",
            "log",
            lambda w: w.open_log_folder(),
            keywords="log logs debug folder",
        ),
        Command(
            "switch-user",
            "Switch user…",
            "switch-user",
            lambda w: w.sidebar.user_chip.show_menu(),
            keywords="user sign in login account",
        ),
        Command(
            "add-user",
            "Add user…",
            "user-add",
            lambda w: w.add_user(),
            _admin,
            "new user create",
        ),
    ]
