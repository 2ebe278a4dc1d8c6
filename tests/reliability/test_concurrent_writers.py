"""Several real processes writing to one database: no lost update, no lost log entry."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from desktopcrm.models import ChangeLog, User
from desktopcrm.services.workspace import close_workspace, open_workspace

from .counter_worker import Counter

WORKERS = 4
INCREMENTS = 40


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["local", "shared", "postgresql"])
def test_processes_never_overwrite_each_other(
    mode: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    spec = str(
        request.getfixturevalue("pg_url") if mode == "postgresql" else tmp_path / "office.sqlite"
    )
    open_workspace(spec, shared=mode == "shared" if mode != "postgresql" else None)
    Counter.create_table()
    counter = Counter(value=0)
    counter.save()
    close_workspace()

    worker = Path(__file__).with_name("counter_worker.py")
    processes = [
        subprocess.Popen(
            [sys.executable, str(worker), spec, mode, str(INCREMENTS), f"w{i}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(WORKERS)
    ]
    for process in processes:
        _, err = process.communicate(timeout=300)
        assert process.returncode == 0, err

    open_workspace(spec)
    try:
        total = WORKERS * INCREMENTS
        assert Counter.get().value == total
        assert Counter.get().version == total + 1
        assert User.select().where(User.name.startswith("w")).count() == total
        entries = list(
            ChangeLog.select().where(ChangeLog.row_id == counter.id).order_by(ChangeLog.seq)
        )
        assert [e.version for e in entries] == list(range(1, total + 2))
        values = [e.changed["value"] for e in entries[1:]]
        assert values == [[n, n + 1] for n in range(total)]
        writers = ChangeLog.select(ChangeLog.origin).where(ChangeLog.row_id == counter.id)
        assert len({e.origin for e in writers}) == WORKERS + 1
    finally:
        close_workspace()
