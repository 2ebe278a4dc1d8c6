"""Fixtures shared by every test: isolated user folders and a fresh database per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktopcrm.services.workspace import Workspace, close_workspace, open_workspace


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the platform's data, config and log folders at a temp dir; unset our env vars."""
    home = tmp_path / "home"
    for name, sub in (
        ("XDG_DATA_HOME", "data"),
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_STATE_HOME", "state"),
        ("XDG_CACHE_HOME", "cache"),
    ):
        (home / sub).mkdir(parents=True, exist_ok=True)
        monkeypatch.setenv(name, str(home / sub))
    monkeypatch.delenv("DESKTOPCRM_DATABASE", raising=False)
    monkeypatch.delenv("DESKTOPCRM_SHARED_FILE", raising=False)
    return home


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    """A fresh SQLite database in local mode, opened as its first (admin) user."""
    ws = open_workspace(tmp_path / "crm.sqlite")
    try:
        yield ws
    finally:
        close_workspace()


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real PostgreSQL server for the whole run (pgserver: binaries from pip, no install)."""
    pgserver = pytest.importorskip("pgserver", reason="pgserver is part of the test extras")
    server = pgserver.get_server(tmp_path_factory.mktemp("pgdata"), cleanup_mode="stop")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()


@pytest.fixture
def pg_url(pg_server: str) -> str:
    """The URL of a new, empty PostgreSQL database on the test server."""
    import uuid
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(pg_server)
    return urlunsplit(parts._replace(path="/" + name))


@pytest.fixture(params=["local", "shared", "postgresql"])
def any_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Workspace]:
    """The same fresh database in each mode: local file, shared file, PostgreSQL."""
    if request.param == "postgresql":
        spec: str | Path = request.getfixturevalue("pg_url")
        ws = open_workspace(spec)
    else:
        ws = open_workspace(tmp_path / "crm.sqlite", shared=request.param == "shared")
    try:
        yield ws
    finally:
        close_workspace()
