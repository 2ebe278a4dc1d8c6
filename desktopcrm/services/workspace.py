"""Opening the CRM for this process: the database, its schema, and who is signed in."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from desktopcrm.models import (
    DatabaseLocation,
    User,
    close_database,
    open_database,
    resolve_location,
    set_default_actor,
)
from desktopcrm.services import users
from desktopcrm.settings import Settings

log = logging.getLogger("desktopcrm.workspace")


@dataclass
class Workspace:
    """The open database and the user this app works as."""

    location: DatabaseLocation
    user: User
    settings: Settings

    def switch_user(self, user: User) -> None:
        self.user = user
        set_default_actor(user.id)
        users.remember_user(self.settings, user)


def open_workspace(
    spec: str | Path | None = None,
    *,
    shared: bool | None = None,
    settings: Settings | None = None,
    create: bool = True,
) -> Workspace:
    """Open the database named by ``spec`` (or the environment, or the default).

    Raises the ``DatabaseError`` subclasses of ``desktopcrm.models`` with a user-facing message
    when the database cannot be used.
    """
    settings = settings or Settings()
    location = resolve_location(spec, shared=shared)
    open_database(location, create=create)
    user = users.signed_in_user(settings)
    set_default_actor(user.id)
    return Workspace(location, user, settings)


def close_workspace() -> None:
    set_default_actor(None)
    close_database()
