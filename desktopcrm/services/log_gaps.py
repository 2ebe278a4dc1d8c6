"""Reading the change log after a cursor when rows do not become visible in ``seq`` order.

On SQLite one writer at a time takes its seqs and commits, so a reader that has seen seq N
has seen everything below it. On PostgreSQL a seq comes from a sequence when the row is
inserted and transactions commit in any order: a transaction holding seq 10 can commit after
one holding 11, and a reader that saw 11 and moved its cursor past it would skip 10 for good.

``GapTracker`` remembers the seqs a reader went past without seeing (gaps: rows of a
transaction still open, or seqs a rolled-back transaction used up) and hands back the rows
that fill them later. A gap is given up only once it can no longer fill: after it has been
open ``GRACE`` seconds (by then the transaction that took the seq has its transaction id, even
if it took the seq in the very statement that assigns it), the tracker notes the server's next
transaction id (``pg_snapshot_xmax``); when every transaction older than that has ended
(``pg_snapshot_xmin`` passed it), a seq still missing was rolled back.

A reader persists ``stable()`` as its cursor: below its oldest open gap, so a restart reads
from there again. Whatever the reader does per row must therefore be safe to repeat (the
notifications are keyed per change-log row, so they are).
"""

from __future__ import annotations

import functools
import logging
import operator
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import peewee

from desktopcrm.models import ChangeLog, database

log = logging.getLogger("desktopcrm.log_gaps")

#: Seconds a gap stays open before the tracker waits for the transactions then running.
GRACE = 5.0
#: At most this many gap ranges are kept (the oldest are given up beyond, with a warning).
MAX_RANGES = 1000


def reads_out_of_order() -> bool:
    """Whether the open database can show change-log rows out of seq order (PostgreSQL)."""
    return isinstance(database.obj, peewee.PostgresqlDatabase)


def horizon() -> tuple[int, int]:
    """(oldest transaction id still running, next transaction id) on the PostgreSQL server."""
    row = database.execute_sql(
        "SELECT pg_snapshot_xmin(s)::text::bigint, pg_snapshot_xmax(s)::text::bigint "
        "FROM pg_current_snapshot() AS s"
    ).fetchone()
    return int(row[0]), int(row[1])


@dataclass
class Gap:
    """Seqs ``lo``..``hi`` (inclusive) not seen yet."""

    lo: int
    hi: int
    first_seen: float
    wait_for: int | None = None  # next transaction id noted after GRACE


def _missing(lo: int, hi: int, present: Iterable[int]) -> list[tuple[int, int]]:
    """The ranges of ``lo``..``hi`` not in ``present`` (sorted)."""
    ranges: list[tuple[int, int]] = []
    at = lo
    for seq in sorted(present):
        if seq > at:
            ranges.append((at, seq - 1))
        at = max(at, seq + 1)
    if at <= hi:
        ranges.append((at, hi))
    return ranges


class GapTracker:
    """The gaps one reader went past. Args:
    position: the highest seq the reader has read (its cursor when it starts).
    grace: see ``GRACE`` (default: its value when the tracker is made).
    clock: monotonic seconds (default ``time.monotonic``).
    """

    def __init__(
        self,
        position: int,
        *,
        grace: float | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.position = position
        self.grace = GRACE if grace is None else grace
        self.clock = clock or time.monotonic
        self.gaps: list[Gap] = []

    def stable(self) -> int:
        """The seq below which nothing can still appear (the cursor to persist)."""
        return self.gaps[0].lo - 1 if self.gaps else self.position

    def restart_at(self, seq: int) -> None:
        """Another reader persisted ``seq`` beyond this one: read on from there."""
        if seq > self.position:
            self.position = seq
            self.gaps = []
        else:
            self.gaps = [g for g in self.gaps if g.hi > seq]
            for gap in self.gaps:
                gap.lo = max(gap.lo, seq + 1)

    def visible(self, upper: int) -> list[int] | None:
        """The seqs after ``position`` up to ``upper`` visible now (None: all of them). Call
        it before reading the rows: a row that commits in between is then read now and again
        from its gap later (harmless), never taken as seen without being read."""
        span = ChangeLog.select().where(ChangeLog.seq > self.position, ChangeLog.seq <= upper)
        if span.count() == upper - self.position:
            return None
        return [int(row.seq) for row in span.select(ChangeLog.seq)]

    def read(self, end: int, visible: list[int] | None) -> None:
        """The reader has read the rows up to ``end``: the seqs after ``position`` not in
        ``visible`` (from ``visible()``) become gaps, and ``position`` moves to ``end``."""
        start = self.position
        if end <= start:
            return
        self.position = end
        if visible is None:
            return
        now = self.clock()
        present = (seq for seq in visible if seq <= end)
        self.gaps += [Gap(lo, hi, now) for lo, hi in _missing(start + 1, end, present)]
        if len(self.gaps) > MAX_RANGES:
            dropped = self.gaps[: len(self.gaps) - MAX_RANGES]
            log.warning(
                "change log: giving up %d old gaps (seqs %d..%d)",
                len(dropped),
                dropped[0].lo,
                dropped[-1].hi,
            )
            self.gaps = self.gaps[-MAX_RANGES:]

    def fill(self) -> list[ChangeLog]:
        """The rows that appeared in the gaps since (oldest first); gaps that can no longer
        fill are given up."""
        if not self.gaps:
            return []
        oldest_running, next_xid = horizon()  # before reading: what ended is then visible
        where = functools.reduce(
            operator.or_, [ChangeLog.seq.between(g.lo, g.hi) for g in self.gaps]
        )
        found = list(ChangeLog.select().where(where).order_by(ChangeLog.seq))
        seqs = [row.seq for row in found]
        now = self.clock()
        kept: list[Gap] = []
        for gap in self.gaps:
            inside = [s for s in seqs if gap.lo <= s <= gap.hi]
            for lo, hi in _missing(gap.lo, gap.hi, inside):
                part = Gap(lo, hi, gap.first_seen, gap.wait_for)
                if part.wait_for is None:
                    if now - part.first_seen >= self.grace:
                        part.wait_for = next_xid
                elif oldest_running >= part.wait_for:
                    log.info("change log: seqs %d..%d were rolled back", lo, hi)
                    continue
                kept.append(part)
        self.gaps = kept
        return found
