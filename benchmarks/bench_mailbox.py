"""The Mailbox at scale: an Inbox of 250,000 messages in the real window.

1. Switch from Settings to Mail (after the window's warm-up imported the screens' modules, as
   in use): time until the first messages are painted (< 100 ms).
2. How long the folder's size takes to arrive (read in the background after the first rows).
3. Jump to the middle of the folder (the scroll bar dragged there): time until the rows there
   are painted (an index-only skip to the block's start from the nearest known key, the top or
   the bottom, then a keyset seek; no scan of the rows above).

The data (one account, 250,000 Inbox messages in 50,000 threads with subjects, senders and
text bodies, plus 2,000 Sent) is written directly through the storage layer (the mail models'
bulk inserts, with the full-text triggers) once into the temp folder, keyed by the counts, the
schema version and the tables' layout; the measuring runs in a child process with the isolated
environment. Prints one JSON line per figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from _common import (
    BenchmarkError,
    fail,
    isolated_env,
    measure_copy_in_child,
    open_window,
    run,
    settle,
    temp_root,
)

NAME = "mailbox"
INBOX = 250_000
SENT = 2_000
FIRST_PAINT_TARGET_MS = 100.0
JUMP_TARGET_MS = 250.0
_WORDS = [
    "renewal",
    "quote",
    "pilot",
    "invoice",
    "contract",
    "meeting",
    "call",
    "pricing",
    "seats",
    "support",
    "onboarding",
    "training",
    "discount",
    "order",
    "delivery",
    "schedule",
    "proposal",
    "budget",
    "approval",
    "question",
    "update",
]
_PEOPLE = [
    ("Marco", "Rossi"), ("Anna", "Weber"), ("Zoe", "Martin"), ("Li", "Wei"), ("Sara", "Costa"),
    ("Tom", "Baker"), ("Ines", "Moreau"), ("Jan", "Novak"), ("Ana", "Silva"), ("Olu", "Adeyemi"),
]  # fmt: skip


def cached_database(env: dict[str, str]) -> Path:
    from bench_records import layout_digest

    from desktopcrm.models import SCHEMA_VERSION

    key = f"{INBOX}-{SENT}-s{SCHEMA_VERSION}-{layout_digest()}"
    folder = Path(tempfile.gettempdir()) / "desktopcrm-bench-mailbox"
    folder.mkdir(exist_ok=True)
    database = folder / f"mail-{key}.sqlite"
    if database.exists():
        return database
    for stale in folder.glob("mail-*.sqlite*"):
        stale.unlink()
    partial = folder / f"building-{key}.sqlite"
    for old in folder.glob(partial.name + "*"):
        old.unlink()
    print(f"building the mailbox ({INBOX:,} messages)...", file=sys.stderr)
    run([sys.executable, __file__, "--build", str(partial)], env)
    partial.rename(database)
    return database


# --------------------------------------------------------------------------- in the child


def build(path: Path) -> None:
    """One account with ``INBOX`` Inbox and ``SENT`` Sent messages, by bulk inserts."""
    from desktopcrm.models import write_transaction
    from desktopcrm.models.mail import Folder, MailAccount, MailMessage
    from desktopcrm.services.workspace import open_workspace

    workspace = open_workspace(path)
    account = MailAccount(email="me@northwind.example", user=workspace.user, client_id="c")
    account.save()
    rng = random.Random(7)
    start = dt.datetime(2025, 6, 1)
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        with write_transaction():
            MailMessage.insert_many(batch).execute()
        batch.clear()

    for n in range(INBOX + SENT):
        sent = n >= INBOX
        first, last = rng.choice(_PEOPLE)
        address = f"{first.lower()}.{last.lower()}{n % 997}@client{n % 313}.example"
        words = " ".join(rng.choice(_WORDS) for _ in range(5))
        body = f"Hello,\n\nabout the {words}: could we talk this week?\n\nBest,\n{first}"
        batch.append(
            {
                "uid": uuid.uuid4(),
                "account": account.id,
                "gmail_id": f"g{n:07d}",
                "thread_id": f"t{n // 5:07d}",
                "message_id": f"m{n}@client.example",
                "labels": "SENT" if sent else "INBOX",
                "folder": (Folder.SENT if sent else Folder.INBOX).value,
                "subject": f"{words.capitalize()} ({n})",
                "from_name": "Sam Taylor" if sent else f"{first} {last}",
                "from_address": "me@northwind.example" if sent else address,
                "to_text": f"{first} {last} <{address}>" if sent else "me@northwind.example",
                "date": start - dt.timedelta(minutes=7 * n + rng.randint(0, 5)),
                "snippet": body[:120],
                "text_body": body,
                "unread": n % 9 == 0,
                "matched": True,
            }
        )
        if len(batch) >= 500:
            flush()
    if batch:
        flush()


def measure(database: Path) -> list[dict[str, Any]]:
    from desktopcrm.qt import QEvent, QObject

    app, window = open_window(database)
    # As in use: the window imports the screens' modules once it is idle (views/warm_up.py);
    # a user's first click on Mail comes after that.
    warm_up = window.warm_up
    wait_for(app, lambda: warm_up is None or not warm_up.pending, "the warm-up did not end", 30)
    settle(app, 0.3)

    class Paints(QObject):
        """Times of the list's paints that drew loaded rows (``position``: the row asked)."""

        def __init__(self) -> None:
            super().__init__()
            self.position = 0
            self.with_rows: list[float] = []

        def eventFilter(self, watched: Any, event: Any) -> bool:
            if event.type() == QEvent.Type.Paint:
                rows = model.rowCount()
                if rows > self.position and model.row(self.position) is not None:
                    self.with_rows.append(time.perf_counter())
            return False

    results: list[dict[str, Any]] = []
    start = time.perf_counter()
    window.show_screen("mail")
    screen: Any = window.screen_widget("mail")
    view, model = screen.list, screen.model
    paints = Paints()
    view.viewport().installEventFilter(paints)
    wait_for(app, lambda: bool(paints.with_rows), "the mailbox painted no rows within 10 s")
    first_ms = (paints.with_rows[0] - start) * 1000
    wait_for(app, lambda: model.count is not None and not model.reading, "no count in 30 s", 30)
    sized_ms = (time.perf_counter() - start) * 1000
    results.append(
        {
            "benchmark": f"{NAME}.first_rows",
            "messages": model.count,
            "first_rows_painted_ms": round(first_ms, 1),
            "size_ms": round(sized_ms, 1),
            "target_ms": FIRST_PAINT_TARGET_MS,
            "ok": first_ms < FIRST_PAINT_TARGET_MS,
        }
    )

    jumps: list[float] = []
    for fraction in (0.5, 0.77, 0.23):
        position = int(model.rowCount() * fraction)
        paints.position = position
        paints.with_rows.clear()
        began = time.perf_counter()
        view.scrollTo(model.index(position), view.ScrollHint.PositionAtTop)
        wait_for(app, lambda: bool(paints.with_rows), "rows after a jump not painted in 10 s")
        jumps.append((paints.with_rows[0] - began) * 1000)
    worst = max(jumps)
    results.append(
        {
            "benchmark": f"{NAME}.jump",
            "jumps_ms": [round(j, 1) for j in jumps],
            "worst_ms": round(worst, 1),
            "target_ms": JUMP_TARGET_MS,
            "ok": worst < JUMP_TARGET_MS,
        }
    )
    window.close()
    return results


def wait_for(app: Any, done: Any, message: str, seconds: float = 10) -> None:
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline and not done():
        app.processEvents()
    if not done():
        raise BenchmarkError(message)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or NAME).splitlines()[0])
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--build", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.build is not None:
        build(args.build)
        return 0
    if args.measure is not None:
        for result in measure(args.measure):
            print(json.dumps(result), flush=True)
        return 0
    try:
        with temp_root() as root:
            env = isolated_env(Path(root))
            database = cached_database(env)
            measure_copy_in_child(__file__, database, Path(root), env)
    except (BenchmarkError, OSError) as error:
        return fail(NAME, error)
    return 0


if __name__ == "__main__":
    sys.exit(main())
