"""The command line, run as a real process: exit codes and messages."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from desktopcrm import __version__
from desktopcrm.models import SCHEMA_VERSION


def desktopcrm(
    *args: str | Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktopcrm", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        check=False,
    )


def count_users(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM users").fetchone()[0])
    finally:
        conn.close()


def test_version() -> None:
    result = desktopcrm("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"DesktopCRM {__version__}"


def test_init_then_check_with_database_before_or_after_the_subcommand(tmp_path: Path) -> None:
    path = tmp_path / "crm.sqlite"
    init = desktopcrm("--database", path, "init")
    assert init.returncode == 0, init.stderr
    assert "ready" in init.stdout
    for args in (("--database", path, "check"), ("check", "--database", path)):
        result = desktopcrm(*args)
        assert result.returncode == 0, result.stderr
        assert "Integrity:      ok" in result.stdout
        assert f"Schema version: {SCHEMA_VERSION}" in result.stdout
        assert re.search(r"^\s+users\s+1$", result.stdout, re.M)


def test_check_json_and_the_environment_variable(tmp_path: Path) -> None:
    path = tmp_path / "crm.sqlite"
    env = {"DESKTOPCRM_DATABASE": str(path)}
    assert desktopcrm("init", env=env).returncode == 0
    result = desktopcrm("check", "--json", env=env)
    assert result.returncode == 0
    report = json.loads(result.stdout)
    assert report["ok"] is True
    assert report["schema_version"] == SCHEMA_VERSION
    assert report["counts"]["users"] == 1
    assert report["location"] == str(path)


def test_check_exits_non_zero_with_a_message_for_each_problem(tmp_path: Path) -> None:
    missing = desktopcrm("check", "--database", tmp_path / "missing.sqlite")
    assert missing.returncode == 1
    assert "There is no database" in missing.stderr
    assert not (tmp_path / "missing.sqlite").exists()

    text = tmp_path / "notes.txt"
    text.write_text("hello")
    not_db = desktopcrm("check", "--database", text)
    assert not_db.returncode == 1
    assert "not a DesktopCRM database" in not_db.stderr
    assert "Traceback" not in not_db.stderr

    newer = tmp_path / "newer.sqlite"
    assert desktopcrm("init", "--database", newer).returncode == 0
    conn = sqlite3.connect(newer)
    conn.execute("UPDATE schema_meta SET value='999' WHERE key='schema_version'")
    conn.commit()
    conn.close()
    refused = desktopcrm("check", "--database", newer)
    assert refused.returncode == 1
    assert "newer version of DesktopCRM" in refused.stderr


def test_check_reports_damage_found_by_the_integrity_check(tmp_path: Path) -> None:
    path = tmp_path / "crm.sqlite"
    assert desktopcrm("init", "--database", path).returncode == 0
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=delete")
    conn.execute("CREATE TABLE filler (id INTEGER PRIMARY KEY, body TEXT)")
    conn.execute("CREATE INDEX filler_body ON filler(body)")
    conn.executemany(
        "INSERT INTO filler(body) VALUES (?)", [(f"row {i:06d}" * 5,) for i in range(3000)]
    )
    conn.commit()
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name='filler_body'").fetchone()[0]
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    data = bytearray(path.read_bytes())
    start = (root - 1) * page_size
    data[start + 8 : start + 200] = os.urandom(192)  # scramble the index's root page cells
    path.write_bytes(bytes(data))
    result = desktopcrm("check", "--database", path)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "PROBLEMS FOUND" in result.stdout or "damaged" in result.stderr


def test_backup_to_a_file_and_a_folder_then_restore(tmp_path: Path) -> None:
    path = tmp_path / "crm.sqlite"
    assert desktopcrm("init", "--database", path).returncode == 0
    to_file = desktopcrm("backup", tmp_path / "copy.sqlite", "--database", path)
    assert to_file.returncode == 0, to_file.stderr
    assert (tmp_path / "copy.sqlite").exists()
    to_folder = desktopcrm("--database", path, "backup", f"{tmp_path / 'saved'}/")
    assert to_folder.returncode == 0, to_folder.stderr
    assert len(list((tmp_path / "saved").glob("*.sqlite"))) == 1

    conn = sqlite3.connect(path)
    conn.execute("DELETE FROM users")
    conn.commit()
    conn.close()
    assert count_users(path) == 0
    restored = desktopcrm("restore", tmp_path / "copy.sqlite", "--database", path)
    assert restored.returncode == 0, restored.stderr
    assert "saved to" in restored.stdout
    assert count_users(path) == 1
    assert desktopcrm("check", "--database", path).returncode == 0


def test_restore_refuses_a_bad_source_and_keeps_the_database(tmp_path: Path) -> None:
    path = tmp_path / "crm.sqlite"
    assert desktopcrm("init", "--database", path).returncode == 0
    before = path.read_bytes()
    result = desktopcrm("restore", tmp_path / "nothing.sqlite", "--database", path)
    assert result.returncode == 1
    assert "There is no backup file" in result.stderr
    assert path.read_bytes() == before


def test_backup_of_a_missing_database_says_so(tmp_path: Path) -> None:
    result = desktopcrm("backup", tmp_path / "x.sqlite", "--database", tmp_path / "none.sqlite")
    assert result.returncode == 1
    assert "no DesktopCRM database" in result.stderr


@pytest.mark.parametrize("args", [("screenshot",), ("backup",), ("frobnicate",)])
def test_usage_errors_exit_2(args: tuple[str, ...]) -> None:
    assert desktopcrm(*args).returncode == 2


def test_check_on_postgresql(pg_url: str) -> None:
    assert desktopcrm("init", "--database", pg_url).returncode == 0
    result = desktopcrm("check", "--database", pg_url)
    assert result.returncode == 0, result.stderr
    assert "PostgreSQL" in result.stdout
    backup = desktopcrm("backup", "/tmp/nowhere.sqlite", "--database", pg_url)
    assert backup.returncode == 1
    assert "pg_dump" in backup.stderr


def test_output_cut_short_by_the_reader_is_not_an_error_message(tmp_path: Path) -> None:
    path = tmp_path / "crm.sqlite"
    assert (
        desktopcrm("demo", "--database", path, "--contacts", "1500", "--seed", "1").returncode == 0
    )
    reader = subprocess.run(
        f"{sys.executable} -m desktopcrm --database {path} search a --limit 5000 | head -1",
        shell=True,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert len(reader.stdout.splitlines()) == 1
    assert "Broken pipe" not in reader.stderr
    assert "Traceback" not in reader.stderr


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--database", "x.sqlite"],
        ["--theme", "dark", "--quit-after-startup"],
        ["--shared-file", "--database", "x.sqlite", "--quit-when-ready"],
        ["check", "--database", "x.sqlite", "--json"],
        ["--database", "x.sqlite", "backup", "dest/"],
        ["--local-file", "search", "anna", "--limit", "3"],
    ],
)
def test_fast_parse_agrees_with_the_full_parser(argv: list[str]) -> None:
    from desktopcrm import cli

    full = cli.build_parser().parse_args(argv)
    assert vars(cli.parse_args(argv)) == vars(full)
