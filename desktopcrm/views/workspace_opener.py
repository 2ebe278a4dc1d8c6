"""Opening the database in the background for the window's start-up (see
``views/application.py``): a worker imports the database layer and opens (creates, migrates)
the database; when it cannot be used, the user is asked for another one."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from desktopcrm.log import log_file_path
from desktopcrm.qt import QObject, Signal
from desktopcrm.views.operations import Operation

if TYPE_CHECKING:
    from desktopcrm.services.workspace import Workspace
    from desktopcrm.settings import Settings

log = logging.getLogger("desktopcrm.views.workspace_opener")

#: Asked when the database cannot be opened: (message, location) -> another path, or None to quit.
AskForDatabase = Callable[[str, str], Path | None]


@dataclass(frozen=True)
class OpenedWorkspace:
    """A workspace and the ``--database`` spec and mode it was opened with."""

    workspace: Workspace
    spec: str | Path | None
    shared: bool | None


@dataclass(frozen=True)
class CannotOpen:
    """Why the database cannot be used (a ``DatabaseError``'s message) and where it is."""

    message: str
    location: str


def open_in_worker(
    spec: str | Path | None, shared: bool | None, settings: Settings | None
) -> OpenedWorkspace | CannotOpen:
    """Import the database layer and open the workspace (run in a worker thread).

    A ``DatabaseError`` is an answer, not a failure: it comes back as ``CannotOpen``.
    """
    from desktopcrm.models import DatabaseError, resolve_location
    from desktopcrm.services.workspace import open_workspace

    try:
        return OpenedWorkspace(open_workspace(spec, shared=shared, settings=settings), spec, shared)
    except DatabaseError as exc:
        log.error("cannot open the database: %s", exc)
        try:
            where = resolve_location(spec, shared=shared).display()
        except Exception:
            where = str(spec)
        return CannotOpen(str(exc), where)


class WorkspaceOpener(QObject):
    """Opens the database in the background; on a ``DatabaseError``, asks for another one.

    Args:
        spec: the ``--database`` value (None: the environment, else the default file).
        shared: the ``--shared-file``/``--local-file`` choice.
        settings: this machine's settings (read for the remembered user).
        ask: called on the GUI thread with (message, location) when the database cannot be
            used; returns another file to try, or None to give up.
    """

    opened = Signal(object)  # OpenedWorkspace
    abandoned = Signal()  # the user chose to quit instead of picking another database
    failed = Signal(str)  # opening hit a bug; the crash handler has the details

    def __init__(
        self,
        spec: str | Path | None,
        shared: bool | None,
        settings: Settings | None = None,
        *,
        ask: AskForDatabase,
    ) -> None:
        super().__init__()
        self.spec = spec
        self.shared = shared
        self._settings = settings
        self._ask = ask

    def start(self) -> WorkspaceOpener:
        spec, shared, settings = self.spec, self.shared, self._settings
        Operation(
            self,
            lambda _task: open_in_worker(spec, shared, settings),
            on_success=self._answered,
            on_failure=self._crashed,
            title="open the database",
        ).run()
        return self

    def _answered(self, outcome: OpenedWorkspace | CannotOpen) -> None:
        if isinstance(outcome, OpenedWorkspace):
            self.opened.emit(outcome)
            return
        chosen = self._ask(outcome.message, outcome.location)
        if chosen is None:
            self.abandoned.emit()
            return
        self.spec, self.shared = chosen, None
        self.start()

    def _crashed(self, error: BaseException) -> None:
        self.failed.emit(
            "DesktopCRM could not open the database because of a problem in the program. "
            f"The details are in {log_file_path()}."
        )
        sys.excepthook(type(error), error, error.__traceback__)


def open_workspace_or_report(
    spec: str | Path | None,
    shared: bool | None,
    settings: Settings | None = None,
    *,
    ask: AskForDatabase,
) -> WorkspaceOpener:
    """Start opening the database in the background, explaining why not and letting the user
    pick another one when it cannot be used.

    Returns the started opener: ``opened(OpenedWorkspace)`` or ``abandoned()`` tells the outcome
    (on the GUI thread, once the event loop runs).
    """
    return WorkspaceOpener(spec, shared, settings, ask=ask).start()
