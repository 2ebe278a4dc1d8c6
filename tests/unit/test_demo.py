"""Demo data: counts, variety, consistent statuses, determinism, and the CLI as a process."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from desktopcrm.models import ChangeLog, User
from desktopcrm.models.custom_fields import CustomValue
from desktopcrm.models.notes import Note
from desktopcrm.models.records import Contact, Deal, Lead, Pipeline
from desktopcrm.models.search import SearchEntry
from desktopcrm.services import contacts, demo
from desktopcrm.services.demo import digest, fill_demo
from desktopcrm.services.errors import PermissionDenied
from desktopcrm.services.search import search
from desktopcrm.services.workspace import Workspace, close_workspace, open_workspace

TODAY = dt.date(2025, 6, 2)


def desktopcrm(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktopcrm", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(os.environ),
        check=False,
    )


def test_fill_demo_counts_variety_and_consistent_statuses(any_database: Workspace) -> None:
    admin = any_database.user
    result = fill_demo(admin, contacts=400, deals=150, leads=120, seed=7, today=TODAY)
    assert (result.companies, result.people, result.leads, result.deals) == (50, 350, 120, 150)
    assert Contact.select().where(Contact.is_company).count() == 50
    assert Contact.select().where(~Contact.is_company).count() == 350
    assert Lead.select().count() == 120 and Deal.select().count() == 150
    assert Note.select().count() == result.notes > 0
    assert {p.name for p in Pipeline.select()} == {"Sales", "Services"}
    assert Deal.select(Deal.pipeline).distinct().count() == 2
    assert Deal.select(Deal.stage).distinct().count() >= 8
    assert User.select().count() == 6
    manager = User.get(User.name == "Marta Ferrer")
    assert User.select().where(User.reports_to == manager.id).count() == 3
    assert Contact.select().where(Contact.company.is_null(False)).count() > 150
    assert CustomValue.select().count() > 50
    names = " ".join(c.name for c in Contact.select())
    for sample in ("ü", "Ł", "ñ", "Ф" if "Ф" in names else "ов", "佐" if "佐" in names else "株"):
        assert sample in names or sample in " ".join(d.name for d in Deal.select())
    # Statuses as the contacts service would compute them from the deals.
    for contact in Contact.select():
        prospect, customer = contacts.derived_statuses(contact, contacts.deal_summary(contact))
        assert (contact.prospect_status, contact.customer_status) == (
            prospect.value,
            customer.value,
        ), contact.name
    assert Contact.select().where(Contact.customer_status == "current").count() > 0
    # Logged and searchable.
    assert ChangeLog.select().count() >= 400 + 120 + 150
    assert result.indexed == 400 + 120 + 150 + result.notes
    assert search(admin, "gmbh", limit=5)


def test_same_seed_same_data_other_seed_other_data(tmp_path: Path) -> None:
    digests = []
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        ws = open_workspace(tmp_path / f"{name}.sqlite")
        try:
            fill_demo(ws.user, contacts=120, deals=40, leads=30, seed=seed, today=TODAY)
            digests.append(digest())
        finally:
            close_workspace()
    assert digests[0] == digests[1] != digests[2]


def test_many_batches_hold_the_same_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Many small batches (a row amended after it was added stays in its batch) give the
    database one batch gives, change log and search index included."""
    found = []
    for name, batch in (("one", demo.BATCH), ("many", 37)):
        monkeypatch.setattr(demo, "BATCH", batch)
        ws = open_workspace(tmp_path / f"{name}.sqlite")
        try:
            result = fill_demo(ws.user, contacts=160, deals=60, leads=40, seed=9, today=TODAY)
            logged = ChangeLog.select().count()
            found.append((digest(), result.as_dict(), logged, SearchEntry.select().count()))
        finally:
            close_workspace()
    assert found[0] == found[1]
    assert found[1][1]["tasks"] > 0 and found[1][3] == found[1][1]["indexed"]


def test_only_admins_fill_demo_data(workspace: Workspace) -> None:
    user = User(name="Plain user")
    user.save()
    with pytest.raises(PermissionDenied, match="Only an admin"):
        fill_demo(user, contacts=1, deals=0, leads=0)


def test_demo_and_search_commands(tmp_path: Path) -> None:
    db = tmp_path / "crm.sqlite"
    result = desktopcrm(
        "--database",
        db,
        "demo",
        "--contacts",
        "200",
        "--deals",
        "50",
        "--leads",
        "40",
        "--seed",
        "5",
    )
    assert result.returncode == 0, result.stderr
    assert "Added 25 companies, 175 people, 40 leads, 50 deals, " in result.stdout
    said = re.search(r"(\d+) tasks and (\d+) appointments \(seed 5\)", result.stdout)
    assert said, result.stdout
    with contextlib.closing(sqlite3.connect(db)) as written:
        tasks = written.execute("SELECT COUNT(*) FROM task").fetchone()[0]
        appointments = written.execute("SELECT COUNT(*) FROM appointment").fetchone()[0]
    assert (int(said[1]), int(said[2])) == (tasks, appointments) and tasks > 0
    found = desktopcrm("search", "--database", db, "gmbh", "--json", "--limit", "3")
    assert found.returncode == 0, found.stderr
    hits = [json.loads(line) for line in found.stdout.splitlines()]
    assert 1 <= len(hits) <= 3 and all(
        "gmbh" in h["title"].lower() or h["kind"] != "company" for h in hits
    )
    nothing = desktopcrm("search", "--database", db, "zzzzqqq")
    assert nothing.returncode == 0 and "Nothing found" in nothing.stdout
    bad = desktopcrm("demo", "--database", db, "--contacts", "-1")
    assert bad.returncode == 1 and "0 or more" in bad.stderr
