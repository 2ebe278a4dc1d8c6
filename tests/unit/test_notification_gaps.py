"""Notifications on PostgreSQL when change-log rows become visible out of seq order: a
transaction that took the lower seq and commits second still notifies (the cursor stays below
its seq meanwhile), nothing twice; seqs of a rolled-back transaction are given up once every
transaction then running has ended, and the cursor moves on."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from desktopcrm.models import ChangeLog, Profile, database, write_transaction
from desktopcrm.services import leads, log_gaps, notification_rules, users
from desktopcrm.services.log_gaps import GapTracker, _missing
from desktopcrm.services.workspace import Workspace, close_workspace, open_workspace


@pytest.fixture
def pg(pg_url: str) -> Iterator[Workspace]:
    ws = open_workspace(pg_url)
    notification_rules._trackers.clear()
    try:
        yield ws
    finally:
        close_workspace()
        notification_rules._trackers.clear()


class _Rollback(Exception):
    pass


class Held:
    """Work run in its own thread (its own connection) inside one transaction that stays open
    until ``finish``: commits, or rolls back with ``rollback=True``."""

    def __init__(self, work: Callable[[], Any], *, rollback: bool = False) -> None:
        self.ready = threading.Event()
        self.release = threading.Event()
        self.error: BaseException | None = None
        self.rollback = rollback
        self.thread = threading.Thread(target=self._run, args=(work,))
        self.thread.start()
        assert self.ready.wait(30), "the held transaction did not start"

    def _run(self, work: Callable[[], Any]) -> None:
        try:
            with write_transaction():
                work()
                self.ready.set()
                self.release.wait(30)
                if self.rollback:
                    raise _Rollback
        except _Rollback:
            pass
        except BaseException as exc:  # reported by finish()
            self.error = exc
            self.ready.set()
        finally:
            database.close()

    def finish(self) -> None:
        self.release.set()
        self.thread.join(30)
        assert self.error is None, self.error


def titles(entries: list[Any]) -> list[str]:
    return [e.title for e in entries]


def test_a_lower_seq_committed_second_still_notifies(pg: Workspace) -> None:
    boss = pg.user
    rita = users.create_user(boss, "Rita Rep", profile=Profile.USER)
    notification_rules.start_cursor(rita)
    start = notification_rules.cursor(rita)

    def early() -> None:
        leads.create_lead(boss, last_name="Early", owner=rita, check_duplicates=False)

    held = Held(early)  # took its seqs first, commits last
    leads.create_lead(boss, last_name="Later", owner=rita, check_duplicates=False)
    assert titles(notification_rules.evaluate(rita)) == ["Lead assigned to you: Later"]
    stored = notification_rules.cursor(rita)
    assert stored is not None and start is not None and stored < ChangeLog.last_seq()
    assert stored == start  # below the seqs the open transaction holds

    held.finish()
    early_seqs = [
        r.seq
        for r in ChangeLog.select().where(ChangeLog.table_name == "lead").order_by(ChangeLog.seq)
    ]
    assert early_seqs[0] < early_seqs[-1]  # "Early" has the lower seq, committed second
    assert titles(notification_rules.evaluate(rita)) == ["Lead assigned to you: Early"]
    assert notification_rules.cursor(rita) == ChangeLog.last_seq()
    assert notification_rules.evaluate(rita) == []

    # a restart (a new process: no tracker) while a gap is open reads again from the
    # stored cursor, and notifies nothing twice
    held = Held(
        lambda: leads.create_lead(boss, last_name="Slow", owner=rita, check_duplicates=False)
    )
    leads.create_lead(boss, last_name="Quick", owner=rita, check_duplicates=False)
    assert titles(notification_rules.evaluate(rita)) == ["Lead assigned to you: Quick"]
    notification_rules._trackers.clear()
    assert notification_rules.evaluate(rita) == []
    held.finish()
    assert titles(notification_rules.evaluate(rita)) == ["Lead assigned to you: Slow"]
    assert notification_rules.cursor(rita) == ChangeLog.last_seq()


def test_seqs_of_a_rollback_are_given_up(pg: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(log_gaps, "GRACE", 0.0)
    boss = pg.user
    rita = users.create_user(boss, "Rita Rep", profile=Profile.USER)
    notification_rules.start_cursor(rita)
    start = notification_rules.cursor(rita)
    held = Held(
        lambda: leads.create_lead(boss, last_name="Never", owner=rita, check_duplicates=False),
        rollback=True,
    )
    leads.create_lead(boss, last_name="Kept", owner=rita, check_duplicates=False)
    assert titles(notification_rules.evaluate(rita)) == ["Lead assigned to you: Kept"]
    assert notification_rules.cursor(rita) == start  # the gap may still fill
    held.finish()  # rolled back: the seqs will never show
    assert notification_rules.evaluate(rita) == []  # notes the server's next transaction id
    assert notification_rules.cursor(rita) == start
    assert notification_rules.evaluate(rita) == []  # every transaction then running has ended
    assert notification_rules.cursor(rita) == ChangeLog.last_seq()
    [(tracker, _lock)] = notification_rules._trackers.values()
    assert tracker.gaps == []


def test_a_gap_waits_for_the_transactions_running(pg: Workspace) -> None:
    """Given up only after ``grace`` and once the transactions running then have ended."""
    now = [0.0]
    other = Held(lambda: users.create_user(pg.user, "Somebody", profile=Profile.USER))
    tracker = GapTracker(ChangeLog.last_seq(), grace=10.0, clock=lambda: now[0])
    leads.create_lead(pg.user, last_name="Visible", check_duplicates=False)
    upper = ChangeLog.last_seq()
    tracker.read(upper, tracker.visible(upper))
    assert [(g.lo, g.hi) for g in tracker.gaps] != []
    stable = tracker.stable()
    assert tracker.fill() == [] and tracker.gaps[0].wait_for is None  # within the grace
    now[0] = 11.0
    assert tracker.fill() == [] and tracker.gaps[0].wait_for is not None
    assert tracker.fill() == [] and tracker.stable() == stable  # "other" is still running
    other.finish()  # it commits: its rows fill the gap
    filled = tracker.fill()
    assert {r.table_name for r in filled} == {"users"}
    assert tracker.gaps == [] and tracker.stable() == upper


def test_missing_ranges() -> None:
    assert _missing(1, 10, [1, 2, 5, 9]) == [(3, 4), (6, 8), (10, 10)]
    assert _missing(1, 3, [1, 2, 3]) == []
    assert _missing(4, 6, []) == [(4, 6)]
