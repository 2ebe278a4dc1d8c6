"""Notification rules at scale: what one poll of the notification centre costs on the
100,000-contact / 20,000-deal demo database.

A manager (Marta Ferrer, who sees her team's records) has 20 custom rules over deals, leads,
people and companies (filters on stage, value, owner, status, tags, dates; one to four
triggers each, every trigger used).
Her colleagues then write 10,000 change-log rows (deal stage and owner moves, lead status
changes, contact status changes, tasks added to records, records created, notes): the rows
are written in bulk, as the services would log them, about existing records. Figures:

- ``notifications.poll``: one ``notification_rules.evaluate`` reading the 10,000 rows with the
  20 rules (filters tested by the list engine), posting what matched: median and max of
  ``--runs`` runs (ms), per 1,000 rows, entries posted. Each run starts from the same cursor
  with an empty centre. Also with no rules (the predefined "assigned to you" only).
- ``notifications.small_poll``: a poll finding 50 new rows (a busy office between two checks).
- ``notifications.idle_poll``: a poll with nothing new (every 10 s while the app runs).

Targets: none set by the issue; the idle and small polls should stay far below a frame's
worth of the worker's time (reported, ``ok`` always true). The database is bench_records.py's
cached demo build; the measuring runs in a child process on a copy. Prints one JSON line per
figure.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from _common import BenchmarkError, emit, fail, isolated_env, run, temp_root

NAME = "notifications"
RULES = 20
ROWS = 10_000
SMALL = 50
IDLE_RUNS = 50


def make_rules(user: Any) -> int:
    """20 rules of ``user`` with filters the list engine runs; returns how many."""
    from desktopcrm.models.records import LeadStatus, Pipeline, Stage
    from desktopcrm.models.user import User
    from desktopcrm.services import notifications
    from desktopcrm.services.lists import Filter

    stages = [s.id for s in Stage.select().where(Stage.deleted_at.is_null())]
    pipelines = [p.id for p in Pipeline.select().where(Pipeline.deleted_at.is_null())]
    statuses = [s.id for s in LeadStatus.select().where(LeadStatus.deleted_at.is_null())]
    people = [u.id for u in User.select().where(User.deleted_at.is_null())]
    combos = [
        ["stage_changed"],
        ["created", "owner_changed"],
        ["task_added"],
        ["stage_changed", "task_added"],
        ["created", "stage_changed", "task_added", "owner_changed"],
    ]
    specs: list[tuple[str, list[Filter]]] = [
        ("deal", [Filter("value", "gt", 10_000)]),
        ("deal", [Filter("stage", "in", stages[:2])]),
        ("deal", [Filter("stage", "eq", stages[-1])]),
        ("deal", [Filter("owner", "eq", people[1])]),
        ("deal", [Filter("owner", "in", people[:3]), Filter("value", "between", (500, 50_000))]),
        ("deal", [Filter("pipeline", "eq", pipelines[0])]),
        ("deal", [Filter("expected_close", "next_days", 30)]),
        ("deal", []),
        ("deal", [Filter("tags", "has_any", ["VIP", "Partner"])]),
        ("lead", [Filter("status", "eq", statuses[0])]),
        ("lead", [Filter("status", "in", statuses[1:3])]),
        ("lead", [Filter("owner", "eq", people[2])]),
        ("lead", [Filter("created_at", "last_days", 30)]),
        ("lead", []),
        ("person", [Filter("prospect_status", "eq", "current")]),
        ("person", [Filter("owner", "in", people[1:4])]),
        ("person", [Filter("city", "contains", "a")]),
        ("company", [Filter("customer_status", "is_set")]),
        ("company", [Filter("owner", "eq", people[0])]),
        ("company", []),
    ]
    for index, (kind, filters) in enumerate(specs[:RULES]):
        notifications.save_rule(
            user,
            None,
            name=f"Rule {index + 1}",
            kind=kind,
            filters=filters,
            triggers=combos[index % len(combos)],
        )
    return len(specs[:RULES])


def write_rows(count: int, colleagues: list[Any], marta: Any, rnd: random.Random) -> None:
    """``count`` change-log rows by ``colleagues`` about existing records (bulk)."""
    from desktopcrm.models import ChangeLog, write_transaction
    from desktopcrm.models.base import encode_changes, utcnow
    from desktopcrm.models.records import Contact, Deal, Lead, LeadStatus, Stage

    def ids(model: Any, limit: int) -> list[uuid.UUID]:
        query = model.select(model.id).where(model.deleted_at.is_null()).limit(limit)
        return [row.id for row in query]

    deals, leads, contacts = ids(Deal, 20_000), ids(Lead, 20_000), ids(Contact, 20_000)
    stages = [str(s.id) for s in Stage.select()]
    statuses = [str(s.id) for s in LeadStatus.select()]
    owners = [str(u.id) for u in colleagues] + [str(marta.id)]
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for _ in range(count):
        who = rnd.choice(colleagues).id
        roll = rnd.random()
        table, operation = "deal", "update"
        if roll < 0.30:
            row_id = rnd.choice(deals)
            changes: dict[str, Any] = {"stage": rnd.sample(stages, 2)}
        elif roll < 0.40:
            row_id = rnd.choice(deals)
            changes = {"owner": rnd.sample(owners, 2)}
        elif roll < 0.55:
            table, row_id = "lead", rnd.choice(leads)
            changes = {"status": rnd.sample(statuses, 2)}
        elif roll < 0.60:
            table, row_id = "lead", rnd.choice(leads)
            changes = {"owner": rnd.sample(owners, 2)}
        elif roll < 0.70:
            table, row_id = "contact", rnd.choice(contacts)
            changes = {"prospect_status": ["non_prospect", "current"]}
        elif roll < 0.85:
            table, operation, row_id = "task", "insert", uuid.uuid4()
            kind, pool = rnd.choice((("deal", deals), ("lead", leads), ("contact", contacts)))
            changes = {
                "title": "Follow up",
                "record_type": kind,
                "record_id": str(rnd.choice(pool)),
                "assignee": str(who),
            }
        elif roll < 0.95:
            table, operation = rnd.choice(("deal", "lead", "contact")), "insert"
            row_id = rnd.choice({"deal": deals, "lead": leads, "contact": contacts}[table])
            changes = {"name": "New one", "owner": rnd.choice(owners)}
        else:
            table, operation, row_id = "note", "insert", uuid.uuid4()
            changes = {"body": "Called, no answer"}
        rows.append(
            {
                "table_name": table,
                "row_id": row_id,
                "operation": operation,
                "version": 1,
                "changes": encode_changes(changes),
                "user_id": who,
                "origin": "bench",
                "at": now,
            }
        )
    with write_transaction():
        for start in range(0, len(rows), 1000):
            ChangeLog.insert_many(rows[start : start + 1000]).execute()


def measure(database: Path, runs: int) -> list[dict[str, Any]]:
    from desktopcrm.models import ChangeLog, User, write_transaction
    from desktopcrm.models.notifications import Notification, NotificationCursor
    from desktopcrm.services import notification_rules
    from desktopcrm.services.workspace import open_workspace

    ws = open_workspace(database)
    everyone = list(User.select().where(User.deleted_at.is_null()))
    marta = next(u for u in everyone if u.name == "Marta Ferrer")
    olga = next(u for u in everyone if u.name == "Olga Ivanova")
    colleagues = [u for u in everyone if u.id not in (marta.id, olga.id)] or [ws.user]
    rules = make_rules(marta)
    rnd = random.Random(11)
    for user in (marta, olga):
        NotificationCursor.delete().where(NotificationCursor.user_id == user.id).execute()
        notification_rules.start_cursor(user)
    start = ChangeLog.last_seq()
    write_rows(ROWS, colleagues, marta, rnd)

    def reset(user: Any, seq: int) -> None:
        with write_transaction():
            Notification.delete().where(Notification.user_id == user.id).execute()
            NotificationCursor.update(seq=seq).where(
                NotificationCursor.user_id == user.id
            ).execute()

    def polls(user: Any, seq: int) -> tuple[list[float], int]:
        times, posted = [], 0
        for _ in range(runs):
            reset(user, seq)
            began = time.perf_counter()
            added = notification_rules.evaluate(user)
            times.append((time.perf_counter() - began) * 1000)
            posted = len(added)
            assert notification_rules.cursor(user) == ChangeLog.last_seq()
        return times, posted

    results = []
    for label, user, rule_count in (("rules", marta, rules), ("no_rules", olga, 0)):
        times, posted = polls(user, start)
        median = statistics.median(times)
        results.append(
            {
                "benchmark": f"{NAME}.poll",
                "user_rules": rule_count,
                "variant": label,
                "rows": ROWS,
                "runs": runs,
                "median_ms": round(median, 1),
                "max_ms": round(max(times), 1),
                "per_1000_rows_ms": round(median / (ROWS / 1000), 2),
                "entries_posted": posted,
                "target_ms": None,
                "ok": True,
            }
        )
    # a poll finding a few rows, and a poll finding none
    end = ChangeLog.last_seq()
    write_rows(SMALL, colleagues, marta, rnd)
    small, posted = polls(marta, end)
    idle = []
    for _ in range(IDLE_RUNS):
        began = time.perf_counter()
        notification_rules.evaluate(marta)
        idle.append((time.perf_counter() - began) * 1000)
    results.append(
        {
            "benchmark": f"{NAME}.small_poll",
            "user_rules": rules,
            "rows": SMALL,
            "runs": runs,
            "median_ms": round(statistics.median(small), 2),
            "max_ms": round(max(small), 2),
            "entries_posted": posted,
            "target_ms": None,
            "ok": True,
        }
    )
    results.append(
        {
            "benchmark": f"{NAME}.idle_poll",
            "user_rules": rules,
            "runs": IDLE_RUNS,
            "median_ms": round(statistics.median(idle), 3),
            "max_ms": round(max(idle), 3),
            "target_ms": None,
            "ok": True,
        }
    )
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=5, help="measured polls (default 5)")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.measure is not None:
        for result in measure(args.measure, args.runs):
            print(json.dumps(result), flush=True)
        return 0
    try:
        with temp_root() as root:
            env = isolated_env(Path(root))
            from bench_records import cached_database

            database, _facts = cached_database(args.seed, False, env)
            copy = Path(root) / "notifications.sqlite"
            shutil.copyfile(database, copy)
            cmd = [sys.executable, __file__, "--measure", str(copy), "--runs", str(args.runs)]
            proc = run(cmd, env)
            for line in proc.stdout.splitlines():
                if line.startswith("{"):
                    emit(json.loads(line))
    except (BenchmarkError, OSError) as error:
        return fail(NAME, error)
    return 0


if __name__ == "__main__":
    sys.exit(main())
