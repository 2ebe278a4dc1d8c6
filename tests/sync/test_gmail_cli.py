"""The mail commands in real processes: account add (keyring), sync --once, export emails."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.sync.conftest import ME, make_raw
from tests.sync.fake_gmail import FakeGmail

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktopcrm", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


@pytest.mark.slow
def test_account_add_sync_once_and_export(tmp_path: Path, gmail: FakeGmail, test_keyring) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    db = str(tmp_path / "crm.sqlite")
    for _ in range(3):
        gmail.add_message(ME, make_raw())

    added = cli(
        "account", "add", "--email", ME, "--client-id", "c", "--client-secret", "s",
        "--refresh-token", "refresh-me", "--database", db, env=env,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert "refresh-me" in (tmp_path / "keyring.json").read_text()
    assert "refresh-me" not in Path(db).read_bytes().decode("latin-1")

    synced = cli("sync", "--once", "--database", db, env=env)
    assert synced.returncode == 0, synced.stderr
    assert f"{ME}: full sync, 3 new" in synced.stdout

    out = tmp_path / "mail.jsonl"
    exported = cli("export", "emails", "--out", str(out), "--database", db, env=env)
    assert exported.returncode == 0, exported.stderr
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) == 3 and {line["folder"] for line in lines} == {"unmatched"}
    assert set(lines[0]) >= {"gmail_id", "message_id", "thread_id", "labels", "from", "linked"}

    gmail.revoke(ME)
    failed = cli("sync", "--once", "--database", db, env=env)
    assert failed.returncode == 1 and "Sign in again" in failed.stderr
