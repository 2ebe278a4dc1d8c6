"""Who sees, edits and assigns what: users their own, managers their reports' too, admins all."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from desktopcrm.models import ChangeLog, Profile, User
from desktopcrm.models.records import Lead
from desktopcrm.services import leads, records, users, visibility
from desktopcrm.services.errors import PermissionDenied, ValidationError
from desktopcrm.services.workspace import Workspace


@dataclass
class Team:
    """An office: an admin, a manager with two reports, and a user in another team."""

    admin: User
    manager: User
    rep: User
    rep2: User
    outsider: User


def make_team(admin: User) -> Team:
    manager = users.create_user(admin, "Marta Manager", profile=Profile.MANAGER)
    rep = users.create_user(admin, "Rita Rep", reports_to=manager)
    rep2 = users.create_user(admin, "Rui Rep", reports_to=manager)
    outsider = users.create_user(admin, "Otto Outsider")
    return Team(admin, manager, rep, rep2, outsider)


@pytest.fixture
def team(workspace: Workspace) -> Team:
    return make_team(workspace.user)


def lead_of(owner: User, name: str) -> Lead:
    return leads.create_lead(owner, last_name=name, check_duplicates=False)


def test_visible_owner_ids_per_profile(any_database: Workspace) -> None:
    team = make_team(any_database.user)
    assert visibility.visible_owner_ids(team.admin) is None
    assert visibility.visible_owner_ids(team.manager) == {
        team.manager.id,
        team.rep.id,
        team.rep2.id,
    }
    assert visibility.visible_owner_ids(team.rep) == {team.rep.id}
    # A user with reports but the User profile does not see them: seeing is the manager's.
    team.outsider.reports_to = team.rep2
    assert visibility.visible_owner_ids(team.outsider) == {team.outsider.id}


def test_scope_and_can_see_follow_the_profiles(any_database: Workspace) -> None:
    team = make_team(any_database.user)
    mine = lead_of(team.rep, "Rep lead")
    other_rep = lead_of(team.rep2, "Rep2 lead")
    boss = lead_of(team.manager, "Manager lead")
    outside = lead_of(team.outsider, "Outside lead")
    unowned = leads.create_lead(team.admin, last_name="Nobody's", owner=None)

    def names(user: User) -> set[str]:
        query = visibility.scope(Lead.live(), Lead, user)
        return {lead.last_name for lead in query}

    assert names(team.rep) == {"Rep lead"}
    assert names(team.manager) == {"Rep lead", "Rep2 lead", "Manager lead"}
    assert names(team.outsider) == {"Outside lead"}
    everyone = {"Rep lead", "Rep2 lead", "Manager lead", "Outside lead", "Nobody's"}
    assert names(team.admin) == everyone

    assert visibility.can_see(team.rep, mine)
    assert not visibility.can_see(team.rep, other_rep)
    assert not visibility.can_see(team.rep, boss)
    assert visibility.can_see(team.manager, other_rep)
    assert not visibility.can_see(team.manager, outside)
    assert visibility.can_see(team.admin, outside)
    # Records without an owner: admins only.
    assert not visibility.can_see(team.manager, unowned)
    assert visibility.can_see(team.admin, unowned)


def test_require_edit_refuses_outside_the_team(team: Team) -> None:
    outside = lead_of(team.outsider, "Outside lead")
    visibility.require_edit(team.outsider, outside)
    visibility.require_edit(team.admin, outside)
    with pytest.raises(PermissionDenied, match="cannot change the lead 'Outside lead'"):
        visibility.require_edit(team.manager, outside)
    with pytest.raises(PermissionDenied, match="Ask its owner"):
        visibility.require_see(team.rep, outside)


def test_require_assign_per_profile(team: Team) -> None:
    visibility.require_assign(team.rep, team.rep)
    with pytest.raises(PermissionDenied, match="assign them to yourself"):
        visibility.require_assign(team.rep, team.rep2)
    visibility.require_assign(team.manager, team.rep2)
    visibility.require_assign(team.manager, team.manager)
    with pytest.raises(PermissionDenied, match="someone who reports to you"):
        visibility.require_assign(team.manager, team.outsider)
    visibility.require_assign(team.admin, team.outsider)
    visibility.require_assign(team.admin, None)
    with pytest.raises(PermissionDenied, match="without an owner"):
        visibility.require_assign(team.manager, None)


def test_nobody_assigns_to_an_inactive_user(team: Team) -> None:
    team.rep2.active = False
    team.rep2.save()
    with pytest.raises(ValidationError, match="no longer an active user") as caught:
        visibility.require_assign(team.admin, team.rep2)
    assert caught.value.field == "owner"


def test_require_admin(team: Team) -> None:
    visibility.require_admin(team.admin, "change pipelines")
    for user in (team.manager, team.rep):
        with pytest.raises(PermissionDenied, match="Only an admin can change pipelines"):
            visibility.require_admin(user, "change pipelines")


def test_paginate_counts_the_whole_list(team: Team) -> None:
    for index in range(5):
        lead_of(team.rep, f"Lead {index}")
    query = Lead.live().order_by(Lead.last_name)
    page = visibility.paginate(query, 2, 2)
    assert [lead.last_name for lead in page.items] == ["Lead 2", "Lead 3"]
    assert page.total == 5 and page.has_more
    assert not visibility.paginate(query, 4, 2).has_more
    with pytest.raises(ValidationError):
        visibility.paginate(query, 0, 0)


def test_a_failed_write_leaves_nothing_behind_and_restores_the_object(team: Team) -> None:
    lead = lead_of(team.rep, "Before")
    seq = ChangeLog.last_seq()
    with pytest.raises(RuntimeError), records.writing(team.rep, lead):
        lead.last_name = "After"
        lead.save()
        raise RuntimeError("boom")
    assert lead.last_name == "Before" and lead.version == 1 and not lead.is_dirty()
    assert Lead.get_by_id(lead.id).last_name == "Before"
    assert ChangeLog.last_seq() == seq
    leads.update_lead(team.rep, lead, last_name="Again")
    assert Lead.get_by_id(lead.id).version == 2


def test_writes_are_credited_to_the_actor(team: Team) -> None:
    lead = lead_of(team.rep, "Credited")
    [entry] = ChangeLog.select().where(ChangeLog.row_id == lead.id)
    assert entry.user_id == team.rep.id


def test_clean_fields_refuses_unknown_and_too_long_values() -> None:
    with pytest.raises(ValidationError, match="'colour' is not a field") as unknown:
        records.clean_fields(Lead, {"colour": "red"}, {"city"})
    assert unknown.value.field == "colour"
    with pytest.raises(ValidationError, match="City is too long: at most 200") as long:
        records.clean_fields(Lead, {"city": "x" * 201}, {"city"})
    assert long.value.field == "city"
    assert records.clean_fields(Lead, {"city": "  Lyon "}, {"city"}) == {"city": "Lyon"}
    for bad in ("no-at", "a@b", "@example.com", "a b@example.com"):
        with pytest.raises(ValidationError, match="not an email address"):
            records.clean_fields(Lead, {"email": bad}, {"email"})
