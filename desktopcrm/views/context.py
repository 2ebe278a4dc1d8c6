"""What every screen of the window shares: the open workspace and the signals that say it
changed (another user signed in, records written, the database reopened after a restore).

Created once the database is open (see ``views/application.py``); the database layer is only
imported for type checking here, so the window's shell can import this module cheaply."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from desktopcrm.qt import QObject, Signal

if TYPE_CHECKING:
    from desktopcrm.models import DatabaseLocation, User
    from desktopcrm.services.workspace import Workspace
    from desktopcrm.settings import Settings
    from desktopcrm.views.mail_sync import MailSync
    from desktopcrm.views.theme import ThemeManager

log = logging.getLogger("desktopcrm.views.context")


class AppContext(QObject):
    """The workspace of this window and its change notifications.

    Args:
        workspace: the open database and signed-in user.
        spec: the ``--database`` value it was opened with (to reopen it after a restore).
        shared: the ``--shared-file``/``--local-file`` choice it was opened with.
        theme: the theme manager (None when rendering offscreen without one).
    """

    user_changed = Signal()
    records_changed = Signal(str)  # table name, after this app wrote to it
    database_changed = Signal()  # another app (or this one) committed something
    database_reopened = Signal()
    message = Signal(str)  # a short status-bar message
    #: A request to show one record's page: (``RecordKind`` value - 'lead', 'contact' (a person
    #: or a company) or 'deal' - and the record's id as text). The main window answers it;
    #: lists, search and the Add dialogs only emit it.
    open_record = Signal(str, str)
    #: A request to show a screen, and a section of it ("" for none): e.g. ("settings",
    #: "mail-accounts") from a compose window without an account. The main window answers it.
    open_screen = Signal(str, str)
    #: Notification-centre entries this app just posted (``list[services.notifications.Entry]``,
    #: e.g. an import finished); the window's notification centre shows them (and the desktop
    #: ones as desktop messages). See ``views.notifications.posting``.
    notified = Signal(list)

    def __init__(
        self,
        workspace: Workspace,
        *,
        spec: str | Path | None = None,
        shared: bool | None = None,
        theme: ThemeManager | None = None,
    ) -> None:
        super().__init__()
        self.workspace = workspace
        self.spec = spec
        self.shared = shared
        self.theme = theme
        self.database_open = True
        #: Gmail sync of this window (``views.mail_sync.MailSync``), once the app started it.
        self.mail_sync: MailSync | None = None

    @property
    def user(self) -> User:
        return self.workspace.user

    @property
    def location(self) -> DatabaseLocation:
        return self.workspace.location

    @property
    def settings(self) -> Settings:
        return self.workspace.settings

    def switch_user(self, user: User) -> None:
        """Work as ``user`` from now on (remembered for this database on this machine)."""
        if user.id == self.user.id:
            return
        self.workspace.switch_user(user)
        log.info("switched to user %s", user.name)
        self.user_changed.emit()
        self.message.emit(f"Signed in as {user.name}")

    def close_database(self) -> None:
        from desktopcrm.services.workspace import close_workspace

        close_workspace()
        self.database_open = False

    def reopen_database(self) -> None:
        """Open the same database again (after a restore replaced the file)."""
        from desktopcrm.services.workspace import open_workspace

        previous = self.user.id
        self.workspace = open_workspace(
            self.spec if self.spec is not None else self.location.display(),
            shared=self.shared,
            settings=self.settings,
        )
        self.database_open = True
        self.database_reopened.emit()
        if self.user.id != previous:
            self.user_changed.emit()
