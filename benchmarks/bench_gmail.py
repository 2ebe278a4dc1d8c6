"""Gmail sync: initial sync of 10,000 messages within a per-user quota, then 100 new ones.

The fake Gmail server of the tests (``tests/sync/fake_gmail.py``, real HTTP) runs in its own
process with the quota enforced (Gmail's unit costs: get 5, list 5, history 2); the sync runs
here through the same code the app uses (``sync.manager.make_sync``).

Figures (one JSON object per line):

- ``initial_sync``: messages, seconds, quota units spent per second against the quota
  (``quota_use`` = spent / allowed; target >= 0.90), 429 answers, peak memory of this process
  (target < 300 MB).
- ``incremental_sync``: seconds to sync 100 new messages by history (target < 2 s), median
  of ``--rounds`` rounds at the same quota (the client spends it as Gmail counts it: a moving
  average that allows a one-second burst; rounds start a second apart, as sync rounds are
  minutes apart in use), with the 429 answers they got.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from _common import emit, fail, median

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NAME = "gmail"
ME = "me@example.com"
QUOTA_USE_TARGET = 0.90
MEMORY_TARGET_MB = 300.0
INCREMENTAL_TARGET_S = 2.0


def _raw(n: int) -> bytes:
    body = (f"Line {n} of a realistic business email about the quarterly order.\r\n" * 25).encode()
    return (
        f"From: Client {n % 400} <client{n % 400}@customer{n % 50}.com>\r\n"
        f"To: {ME}\r\nSubject: Order {n} follow-up\r\n"
        f"Date: Mon, 1 Jan 2024 10:{n % 60:02d}:00 +0000\r\n"
        f"Message-ID: <bench-{n}@customer.example>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
    ).encode() + body


def serve(quota: int, messages: int, conn: Any) -> None:
    from tests.sync.fake_gmail import FakeGmail

    fake = FakeGmail(quota=quota).start()
    fake.add_user(ME, refresh_token="bench")
    for n in range(messages):
        fake.add_message(ME, _raw(n), internal_date=1_700_000_000_000 + n)
    conn.send((fake.api_url, fake.token_url))
    while True:
        command = conn.recv()
        if command == "stop":
            break
        if command == "units":
            conn.send((fake.units_spent, fake.rate_limited))
        elif isinstance(command, tuple) and command[0] == "add":
            for n in range(command[1]):
                fake.add_message(ME, _raw(messages + 10_000 + n))
            conn.send("ok")
    fake.stop()


def measure(quota: int, messages: int, workers: int, rounds: int) -> list[dict[str, Any]]:
    parent, child = multiprocessing.Pipe()
    server = multiprocessing.Process(target=serve, args=(quota, messages, child), daemon=True)
    server.start()
    api, token = parent.recv()
    os.environ["DESKTOPCRM_GOOGLE_API_URL"] = api
    os.environ["DESKTOPCRM_GOOGLE_TOKEN_URL"] = token
    import keyring

    from desktopcrm.models.mail import MailAccount
    from desktopcrm.services.workspace import open_workspace
    from desktopcrm.sync.accounts import add_account
    from desktopcrm.sync.manager import ClientOptions, make_sync
    from tests.sync.file_keyring import FileKeyring

    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as root:
        os.environ["DESKTOPCRM_TEST_KEYRING"] = str(Path(root) / "keyring.json")
        keyring.set_keyring(FileKeyring())
        workspace = open_workspace(Path(root) / "mail.sqlite")
        account = add_account(
            workspace.user, ME, client_id="c", client_secret="s", refresh_token="bench",
            quota_units_per_second=quota,
        )  # fmt: skip
        options = ClientOptions(fetch_workers=workers)
        start = time.perf_counter()
        result = make_sync(account, options, threading.Event()).run_round()
        elapsed = time.perf_counter() - start
        parent.send("units")
        units, limited = parent.recv()
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        use = units / elapsed / quota
        results.append({
            "benchmark": NAME, "figure": "initial_sync", "messages": result.added,
            "seconds": round(elapsed, 2), "quota_units_per_s": quota,
            "units_spent_per_s": round(units / elapsed, 1), "quota_use": round(use, 3),
            "rate_limited_429": limited, "peak_memory_mb": round(peak_mb, 1),
            "target_quota_use": QUOTA_USE_TARGET, "target_memory_mb": MEMORY_TARGET_MB,
            "ok": use >= QUOTA_USE_TARGET and peak_mb < MEMORY_TARGET_MB,
        })  # fmt: skip
        times: list[float] = []
        limited_before = limited
        inc = None
        for _ in range(rounds):
            parent.send(("add", 100))
            parent.recv()
            time.sleep(1.0)
            fresh = MailAccount.get_by_id(account.id)
            start = time.perf_counter()
            inc = make_sync(fresh, options, threading.Event()).run_round()
            times.append(time.perf_counter() - start)
        parent.send("units")
        _, limited = parent.recv()
        assert inc is not None
        results.append({
            "benchmark": NAME, "figure": "incremental_sync", "messages": inc.added,
            "kind": inc.kind, "rounds": rounds, "seconds": median(times),
            "seconds_max": round(max(times), 3), "quota_units_per_s": quota,
            "rate_limited_429": limited - limited_before,
            "target_s": INCREMENTAL_TARGET_S, "ok": median(times) < INCREMENTAL_TARGET_S,
        })  # fmt: skip
    parent.send("stop")
    server.join(10)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument(
        "--quota", type=int, default=250, help="units per second (Gmail's per-user limit: 250)"
    )
    parser.add_argument("--workers", type=int, default=6, help="concurrent messages.get")
    parser.add_argument("--rounds", type=int, default=5, help="incremental rounds of 100 new")
    args = parser.parse_args(argv)
    try:
        for result in measure(args.quota, args.messages, args.workers, args.rounds):
            emit(result)
    except Exception as exc:
        return fail(NAME, exc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
