"""Users: the first admin, the signed-in user per machine, adding users, who is connected."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from desktopcrm.models import ChangeLog, Profile, Session, User, utcnow
from desktopcrm.services import presence, users
from desktopcrm.services.errors import PermissionDenied, ValidationError
from desktopcrm.services.workspace import Workspace, close_workspace, open_workspace
from desktopcrm.settings import Settings


def test_first_run_creates_an_admin_named_after_the_os_account(any_database: Workspace) -> None:
    [admin] = users.list_users()
    assert admin.profile == Profile.ADMIN.value
    assert admin.os_account == users.os_account()
    assert admin.name == users.os_full_name(users.os_account())
    assert any_database.user.id == admin.id
    entry = ChangeLog.get(ChangeLog.row_id == admin.id)
    assert entry.user_id == admin.id


def test_signed_in_user_is_remembered_per_machine_and_database(tmp_path: Path) -> None:
    first = open_workspace(tmp_path / "a.sqlite")
    anna = users.create_user(first.user, "Anna Rossi", email="anna@example.com")
    first.switch_user(anna)
    close_workspace()

    again = open_workspace(tmp_path / "a.sqlite")
    assert again.user.id == anna.id
    close_workspace()

    other = open_workspace(tmp_path / "b.sqlite")
    assert other.user.name != "Anna Rossi"
    close_workspace()

    elsewhere = open_workspace(tmp_path / "a.sqlite", settings=Settings(tmp_path / "pc2.json"))
    assert elsewhere.user.profile == Profile.ADMIN.value
    close_workspace()


def test_only_admins_add_users_and_input_is_checked(workspace: Workspace) -> None:
    admin = workspace.user
    manager = users.create_user(admin, "Pere Vila", profile=Profile.MANAGER)
    rep = users.create_user(admin, " Joan Mas ", email="joan@example.com", reports_to=manager)
    assert rep.name == "Joan Mas"
    assert User.get_by_id(rep.id).reports_to_id == manager.id
    assert [u.name for u in manager.reports] == ["Joan Mas"]
    with pytest.raises(PermissionDenied, match="Only an admin"):
        users.create_user(manager, "Someone")
    with pytest.raises(ValidationError) as empty:
        users.create_user(admin, "   ")
    assert empty.value.field == "name"
    with pytest.raises(ValidationError) as bad:
        users.create_user(admin, "X", email="not-an-email")
    assert bad.value.field == "email"
    assert {u.name for u in users.list_users()} == {admin.name, "Pere Vila", "Joan Mas"}


def test_initials() -> None:
    assert User(name="Anna Maria Rossi").initials == "AR"
    assert User(name="Kim").initials == "KI"
    assert User(name="").initials == "?"


def test_sessions_show_who_else_is_connected(workspace: Workspace) -> None:
    presence.start_session(workspace.user)
    assert presence.other_sessions() == []
    now = utcnow()
    Session.insert(id="b" * 32, user_name="Marta", hostname="pc-2", last_seen=now).execute()
    Session.insert(
        id="c" * 32, user_name="Gone", hostname="pc-3", last_seen=now - dt.timedelta(hours=1)
    ).execute()
    Session.insert(id="d" * 32, user_name="Left", hostname="pc-4", closed_at=now).execute()
    peers = presence.other_sessions()
    assert [(p.user_name, p.hostname) for p in peers] == [("Marta", "pc-2")]
    presence.heartbeat(workspace.user)
    presence.end_session()
    assert Session.get_by_id(presence.ORIGIN).closed_at is not None


def test_settings_file_survives_garbage(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text("{not json")
    settings = Settings(path)
    assert settings.get("theme") == "system"
    settings.set("theme", "dark")
    assert Settings(path).get("theme") == "dark"
    with pytest.raises(TypeError):
        settings.set("theme", 3)


def test_log_file_rotates_past_its_size(tmp_path: Path) -> None:
    import logging

    from desktopcrm.log import RotatingLogFile

    folder = tmp_path / "log"
    folder.mkdir()
    handler = RotatingLogFile(folder / "app.log", max_bytes=200, backups=2)
    logger = logging.getLogger("desktopcrm.test-rotation")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        for i in range(40):
            logger.warning("line %03d %s", i, "x" * 20)
    finally:
        logger.removeHandler(handler)
        handler.close()
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["app.log", "app.log.1", "app.log.2"]
    assert "line 039" in (folder / "app.log").read_text()
    assert all(p.stat().st_size < 400 for p in folder.iterdir())
