"""Posting notifications from background work: the worker posts (a database write, off the
GUI thread), the GUI thread hands what was added to the window's notification centre.

    posted = Posted()

    def work(task):
        result = ...
        posted.run(job_notifications.export_finished, user, what, path)
        return result

    Operation(..., on_success=lambda r: posted.deliver(context))

A notification that cannot be posted (the database went away meanwhile) is logged and never
turns finished work into a failure.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desktopcrm.services.notifications import Entry
    from desktopcrm.views.context import AppContext

log = logging.getLogger("desktopcrm.views.notifications")


class Posted:
    """Entries posted by a worker, waiting to be shown on the GUI thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[Entry] = []

    def run(self, post: Callable[..., list[Entry]], *args: Any, **kwargs: Any) -> list[Entry]:
        """Call ``post(*args, **kwargs)`` (a ``services.job_notifications`` function) and keep
        the entries it added; in the worker thread."""
        try:
            added = post(*args, **kwargs)
        except Exception as exc:  # a notification never fails the work
            log.warning("could not post a notification: %s", exc)
            return []
        with self._lock:
            self._entries.extend(added)
        return added

    def deliver(self, context: AppContext) -> None:
        """Hand the entries to the window's notification centre (``AppContext.notified``);
        on the GUI thread."""
        with self._lock:
            entries, self._entries = self._entries, []
        if entries:
            context.notified.emit(entries)
