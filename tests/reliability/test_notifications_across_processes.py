"""Notification rules fire from changes another process wrote to the same database."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from desktopcrm.models import ChangeLog, User
from desktopcrm.models.records import Stage
from desktopcrm.services import notification_rules, notifications
from desktopcrm.services.lists import Filter
from desktopcrm.services.workspace import close_workspace, open_workspace
from tests.unit.test_visibility import make_team


@pytest.mark.parametrize("mode", ["local", "shared"])
def test_a_rule_fires_from_another_process(mode: str, tmp_path: Path) -> None:
    spec = str(tmp_path / "office.sqlite")
    workspace = open_workspace(spec, shared=mode == "shared")
    try:
        team = make_team(workspace.user)
        quote = Stage.get(Stage.name.startswith("Quote"))
        notifications.save_rule(
            team.manager,
            None,
            name="Big quotes",
            kind="deal",
            filters=[Filter("stage", "eq", str(quote.id)), Filter("value", "ge", "1000")],
            triggers=["stage_changed"],
        )
        notification_rules.start_cursor(team.manager)
        before = ChangeLog.last_seq()
        admin_name = team.admin.name
    finally:
        close_workspace()

    worker = Path(__file__).with_name("notify_worker.py")
    done = subprocess.run(
        [sys.executable, str(worker), spec, mode, "Rita Rep"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr

    open_workspace(spec, shared=mode == "shared")
    try:
        marta = User.get(User.name == "Marta Manager")
        assert ChangeLog.select().where(ChangeLog.seq > before).count() > 0
        found = notification_rules.evaluate(marta)
        assert [(e.title, e.body, e.desktop) for e in found] == [
            ("Big quotes: Harbour cranes", f"Moved to {quote.name} by Rita Rep", True),
            ("Lead assigned to you: Vidal", f"by {admin_name}", True),
        ]
        rita = User.get(User.name == "Rita Rep")
        notification_rules.start_cursor(rita)
        assert notification_rules.evaluate(rita) == []  # her own changes
        assert notification_rules.evaluate(marta) == []
    finally:
        close_workspace()

    # A restart (a new process, a new connection) evaluates again: nothing twice.
    open_workspace(spec, shared=mode == "shared")
    try:
        marta = User.get(User.name == "Marta Manager")
        assert notification_rules.evaluate(marta) == []
        assert notifications.unread_count(marta) == 2
    finally:
        close_workspace()
