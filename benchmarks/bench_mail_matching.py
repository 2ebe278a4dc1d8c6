"""Mail matching at scale: one sync round matching 10,000 messages against 100,000 contacts.

Builds (in bulk, in a temp folder) 100,000 contacts (80,000 people at 20,000 companies),
20,000 leads, 20,000 deals with a primary contact and a second contact each, and an email
custom field holding an alias on 10,000 people. Then, in a fresh process:

- ``load``: ``AddressBook.load()`` (every address and its links read into one dict), median of
  5 runs, and the Python memory it holds (tracemalloc, one more run);
- ``match``: ``links_for`` for 10,000 messages of 3 addresses each (from, to, cc; 70% known
  people, leads, companies or aliases, the rest strangers), median of 5 runs;
- ``round``: load + match, the cost one sync round pays. Target < 2 s.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import sys
import time
import tracemalloc
import uuid
from pathlib import Path
from typing import Any

from _common import main_build_then_measure

NAME = "mail_matching"
ROUND_TARGET_S = 2.0
PEOPLE = 80_000
COMPANIES = 20_000
LEADS = 20_000
DEALS = 20_000
ALIASES = 10_000
MESSAGES = 10_000
RUNS = 5


def _base(now: dt.datetime) -> dict[str, Any]:
    return {"id": uuid.uuid4(), "created_at": now, "updated_at": now, "version": 1}


def build(database: Path) -> None:
    """The records above, inserted in bulk (the services' checks are not what is measured)."""
    from desktopcrm.models import write_transaction
    from desktopcrm.models.custom_fields import CustomValue, FieldType
    from desktopcrm.models.records import (
        Contact,
        Deal,
        DealContact,
        Lead,
        LeadStatus,
        Pipeline,
        RecordKind,
        Stage,
    )
    from desktopcrm.services import custom_fields
    from desktopcrm.services.workspace import close_workspace, open_workspace

    ws = open_workspace(database)
    now = dt.datetime(2026, 3, 1)
    field = custom_fields.create_field(
        ws.user, RecordKind.CONTACT, "Private email", FieldType.EMAIL
    )
    companies = [
        {**_base(now), "name": f"Company {i}", "is_company": True, "email": f"info@company{i}.com"}
        for i in range(COMPANIES)
    ]
    people = [
        {
            **_base(now),
            "first_name": f"First{i}",
            "last_name": f"Last{i}",
            "name": f"First{i} Last{i}",
            "email": f"first{i}.last{i}@company{i % COMPANIES}.com",
            "company": companies[i % COMPANIES]["id"],
        }
        for i in range(PEOPLE)
    ]
    status = LeadStatus.select().first()
    leads = [
        {
            **_base(now),
            "last_name": f"Lead{i}",
            "email": f"lead{i}@prospect{i}.net",
            "status": status.id,
        }
        for i in range(LEADS)
    ]
    pipeline = Pipeline.select().first()
    stage = Stage.select().where(Stage.pipeline == pipeline.id).first()
    rnd = random.Random(11)
    deals = []
    deal_contacts = []
    for i in range(DEALS):
        deal = {
            **_base(now),
            "name": f"Deal {i}",
            "pipeline": pipeline.id,
            "stage": stage.id,
            "primary_contact": rnd.choice(people)["id"],
            "lead": leads[i]["id"] if i % 4 == 0 else None,
        }
        deals.append(deal)
        deal_contacts.append(
            {**_base(now), "deal": deal["id"], "contact": rnd.choice(people)["id"]}
        )
    aliases = [
        {"field": field.id, "record_id": people[i]["id"], "text_value": f"private{i}@gmail.com"}
        for i in range(ALIASES)
    ]
    with write_transaction():
        for model, rows in (
            (Contact, companies),
            (Contact, people),
            (Lead, leads),
            (Deal, deals),
            (DealContact, deal_contacts),
            (CustomValue, aliases),
        ):
            for start in range(0, len(rows), 2000):
                model.insert_many(rows[start : start + 2000]).execute()
    close_workspace()


def messages(rnd: random.Random) -> list[list[str]]:
    def known() -> str:
        kind = rnd.randrange(4)
        if kind == 0:
            i = rnd.randrange(PEOPLE)
            return f"First{i} Last{i} <First{i}.Last{i}@Company{i % COMPANIES}.com>"
        if kind == 1:
            i = rnd.randrange(LEADS)
            return f"lead{i}@prospect{i}.net"
        if kind == 2:
            return f"info@company{rnd.randrange(COMPANIES)}.com"
        return f"private.{rnd.randrange(ALIASES)}+crm@googlemail.com"

    def stranger() -> str:
        return f"someone{rnd.randrange(10**6)}@elsewhere{rnd.randrange(1000)}.org"

    return [
        [known() if rnd.random() < 0.7 else stranger() for _ in range(3)] for _ in range(MESSAGES)
    ]


def measure(database: Path) -> list[dict[str, Any]]:
    from desktopcrm.services.mail_matching import AddressBook
    from desktopcrm.services.workspace import open_workspace

    open_workspace(database)
    mail = messages(random.Random(5))
    AddressBook.load()  # warm the page cache
    loads, matches, linked = [], [], 0
    for _ in range(RUNS):
        start = time.perf_counter()
        book = AddressBook.load()
        loads.append(time.perf_counter() - start)
        start = time.perf_counter()
        linked = sum(1 for addresses in mail if book.links_for(addresses))
        matches.append(time.perf_counter() - start)
    tracemalloc.start()
    book = AddressBook.load()
    held, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    load_s = statistics.median(loads)
    match_s = statistics.median(matches)
    return [
        {
            "benchmark": NAME,
            "ok": load_s + match_s < ROUND_TARGET_S,
            "addresses": len(book.links),
            "load": {
                "median_s": round(load_s, 4),
                "min_s": round(min(loads), 4),
                "runs_s": [round(x, 4) for x in loads],
            },
            "held_mib": round(held / 2**20, 1),
            "match": {
                "messages": MESSAGES,
                "linked_messages": linked,
                "median_s": round(match_s, 4),
                "min_s": round(min(matches), 4),
                "per_message_us": round(match_s / MESSAGES * 1e6, 2),
            },
            "round": {"median_s": round(load_s + match_s, 4), "target_s": ROUND_TARGET_S},
        }
    ]


def main(argv: list[str] | None = None) -> int:
    return main_build_then_measure(__doc__ or NAME, NAME, __file__, build, measure, argv)


if __name__ == "__main__":
    sys.exit(main())
