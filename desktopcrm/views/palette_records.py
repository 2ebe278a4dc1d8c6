"""The palette's record results: leads, people, companies, deals and notes as you type.

The full-text query runs in an ``Operation`` (off the GUI thread), at most one at a time: text
typed while one runs waits and only its latest value is searched next, so a burst of keys costs
one query after the last key, and the palette never waits for the database.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from desktopcrm.views.operations import Operation
from desktopcrm.views.search import SearchResult

if TYPE_CHECKING:
    from desktopcrm.services.record_search import RecordHit
    from desktopcrm.views.context import AppContext

LIMIT = 12
KIND_LABELS = {
    "lead": ("Lead", "leads"),
    "contact": ("Person", "contacts"),
    "company": ("Company", "companies"),
    "deal": ("Deal", "deals"),
    "note": ("Note", "note"),
}

Deliver = Callable[[list[SearchResult]], None]


class RecordsProvider:
    """Searches records off the GUI thread; ``request`` delivers the results later."""

    def __init__(self, context: AppContext) -> None:
        self._context = context
        self._running: Operation | None = None
        self._pending: tuple[str, Deliver] | None = None

    def search(self, text: str) -> list[SearchResult]:
        return []  # records arrive through ``request``

    def request(self, text: str, deliver: Deliver) -> None:
        """Search ``text`` in the background and hand the results to ``deliver``."""
        if not text.strip() or not self._context.database_open:
            self._pending = None
            deliver([])
            return
        if self._running is not None:
            self._pending = (text, deliver)
            return
        self._start(text, deliver)

    def _start(self, text: str, deliver: Deliver) -> None:
        from desktopcrm.services.record_search import find_records

        user = self._context.user
        operation = Operation(
            None,
            lambda _task: find_records(user, text, LIMIT),
            on_success=lambda hits: deliver(self.results(hits)),
            title="search records",
        )
        operation.finished.connect(self._finished)
        self._running = operation
        operation.run()

    def _finished(self) -> None:
        self._running = None
        if self._pending is not None:
            text, deliver = self._pending
            self._pending = None
            self._start(text, deliver)

    @property
    def busy(self) -> bool:
        return self._running is not None or self._pending is not None

    def results(self, hits: list[RecordHit]) -> list[SearchResult]:
        emit = self._context.open_record.emit
        results = []
        for order, hit in enumerate(hits):
            label, icon_name = KIND_LABELS.get(hit.kind, (hit.kind.capitalize(), "search"))
            results.append(
                SearchResult(
                    hit.title or "(no name)",
                    label,
                    icon_name,
                    partial(emit, hit.opens, str(hit.record_id)),
                    subtitle=hit.subtitle,
                    score=(90.0 if hit.prefix else 70.0) - order * 0.1,
                )
            )
        return results
