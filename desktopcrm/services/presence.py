"""Who is connected to the database: one ``Session`` row per running app, kept fresh by a
heartbeat, so a shared file can show who else is working in it."""

from __future__ import annotations

import datetime as dt
import os
import socket
from dataclasses import dataclass

from desktopcrm import __version__
from desktopcrm.models import ORIGIN, Session, User, utcnow, write_transaction

HEARTBEAT_SECONDS = 30
#: A session not seen for this long is treated as gone (crashed app, PC asleep).
STALE_AFTER = dt.timedelta(seconds=HEARTBEAT_SECONDS * 4)


@dataclass(frozen=True)
class Peer:
    user_name: str
    hostname: str
    since: dt.datetime


def start_session(user: User) -> str:
    """Register this app as connected; returns the session id (the change-log origin)."""
    now = utcnow()
    with write_transaction():
        old = now - dt.timedelta(days=7)
        Session.delete().where((Session.last_seen < old) | (Session.id == ORIGIN)).execute()
        Session.insert(
            id=ORIGIN,
            user_id=user.id,
            user_name=user.name,
            hostname=socket.gethostname(),
            pid=os.getpid(),
            app_version=__version__,
            started_at=now,
            last_seen=now,
        ).execute()
    return ORIGIN


def heartbeat(user: User | None = None) -> None:
    """Mark this app as still connected (and signed in as ``user``, if given)."""
    values: dict[object, object] = {Session.last_seen: utcnow(), Session.closed_at: None}
    if user is not None:
        values[Session.user_id] = user.id
        values[Session.user_name] = user.name
    with write_transaction():
        Session.update(values).where(Session.id == ORIGIN).execute()


def end_session() -> None:
    with write_transaction():
        Session.update(closed_at=utcnow()).where(Session.id == ORIGIN).execute()


def other_sessions() -> list[Peer]:
    """Other apps connected now, newest first."""
    cutoff = utcnow() - STALE_AFTER
    rows = (
        Session.select()
        .where(Session.id != ORIGIN, Session.closed_at.is_null(), Session.last_seen >= cutoff)
        .order_by(Session.started_at.desc())
    )
    return [Peer(row.user_name, row.hostname, row.started_at) for row in rows]
