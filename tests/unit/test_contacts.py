"""Contacts: people, companies, employees, and prospect/customer statuses that follow deals."""

from __future__ import annotations

import pytest

from desktopcrm.models import ChangeLog, User
from desktopcrm.models.records import (
    Contact,
    CustomerStatus,
    Deal,
    LossReason,
    Pipeline,
    ProspectStatus,
    Stage,
    StageKind,
)
from desktopcrm.models.search import SearchEntry
from desktopcrm.services import contacts, deals, tags
from desktopcrm.services.errors import PermissionDenied, ServiceError, ValidationError
from desktopcrm.services.records import DuplicatesFound
from desktopcrm.services.workspace import Workspace
from tests.unit.test_visibility import Team, make_team

P = ProspectStatus
C = CustomerStatus


@pytest.fixture
def team(workspace: Workspace) -> Team:
    return make_team(workspace.user)


def stage(kind: StageKind, index: int = 0) -> Stage:
    pipeline = Pipeline.live().order_by(Pipeline.position).first()
    stages = Stage.live().where(Stage.pipeline == pipeline.id, Stage.kind == kind.value)
    return list(stages.order_by(Stage.position))[index]


def reason(kind: StageKind) -> LossReason:
    return LossReason.live().where(LossReason.kind == kind.value).first()


def statuses(contact: Contact) -> tuple[str, str]:
    stored = Contact.get_by_id(contact.id)
    return stored.prospect_status, stored.customer_status


def close(actor: User, deal: Deal, kind: StageKind) -> None:
    lost = kind in (StageKind.LOST, StageKind.UNQUALIFIED)
    deals.move_deal(actor, deal, stage(kind), reason=reason(kind) if lost else None)


def person(actor: User, last: str, company: Contact | None = None) -> Contact:
    return contacts.create_person(
        actor, first_name="Ada", last_name=last, company=company, check_duplicates=False
    )


# --------------------------------------------------------------------------- people, companies


def test_people_and_companies(any_database: Workspace) -> None:
    team = make_team(any_database.user)
    acme = contacts.create_company(team.rep, " ACME S.p.A. ", website="acme.it")
    ada = contacts.create_person(
        team.rep, first_name="Ada", last_name="Neri", company=acme, email="ada@acme.it"
    )
    stored = Contact.get_by_id(ada.id)
    assert (stored.name, stored.is_company, stored.company_id) == ("Ada Neri", False, acme.id)
    assert stored.owner_id == team.rep.id
    assert statuses(stored) == (P.NON_PROSPECT, C.NON_CUSTOMER)
    assert Contact.get_by_id(acme.id).name == "ACME S.p.A."
    assert [e.id for e in contacts.employees(acme)] == [ada.id]
    entry = SearchEntry.get(SearchEntry.record_id == ada.id)
    assert "ACME S.p.A." in entry.subtitle
    [log] = ChangeLog.select().where(ChangeLog.row_id == ada.id)
    assert log.user_id == team.rep.id

    contacts.update_contact(team.rep, ada, last_name="Neri-Russo")
    assert Contact.get_by_id(ada.id).name == "Ada Neri-Russo"
    contacts.update_contact(team.rep, acme, name="ACME Group")
    assert "ACME Group" in SearchEntry.get(SearchEntry.record_id == ada.id).subtitle


def test_names_are_required(team: Team) -> None:
    with pytest.raises(ValidationError, match="first or last name"):
        contacts.create_person(team.rep, email="x@example.com")
    with pytest.raises(ValidationError, match="company's name"):
        contacts.create_company(team.rep, "  ")
    ada = person(team.rep, "Neri")
    with pytest.raises(ValidationError, match="first or last name"):
        contacts.update_contact(team.rep, ada, first_name="", last_name="")
    acme = contacts.create_company(team.rep, "ACME")
    with pytest.raises(ValidationError, match="company's name"):
        contacts.update_contact(team.rep, acme, name="")


def test_fields_that_are_not_editable_here(team: Team) -> None:
    ada = person(team.rep, "Neri")
    acme = contacts.create_company(team.rep, "ACME")
    for name in ("is_company", "prospect_status", "customer_status", "name"):
        with pytest.raises(ValidationError, match="not a field you can set"):
            contacts.update_contact(team.rep, ada, **{name: "x"})
    for name in ("company", "first_name"):
        with pytest.raises(ValidationError, match="not a field you can set"):
            contacts.update_contact(team.rep, acme, **{name: None})


def test_an_employer_must_be_a_live_visible_company(team: Team) -> None:
    bob = person(team.rep, "Bob")
    with pytest.raises(ValidationError, match="is a person, not a company"):
        person(team.rep, "Neri", company=bob)
    with pytest.raises(ValidationError, match="is a person, not a company"):
        contacts.update_contact(team.rep, bob, company=bob)
    hidden = contacts.create_company(team.outsider, "Hidden Inc")
    with pytest.raises(PermissionDenied):
        person(team.rep, "Neri", company=hidden)
    gone = contacts.create_company(team.rep, "Gone Ltd")
    contacts.delete_contact(team.rep, gone)
    with pytest.raises(ValidationError, match="no longer exists"):
        person(team.rep, "Neri", company=gone)


def test_duplicates_are_reported_before_creating(team: Team) -> None:
    contacts.create_company(team.rep, "Fabbrica Rossi", website="https://rossi.it")
    with pytest.raises(DuplicatesFound, match="This company looks like"):
        contacts.create_company(team.rep, "Fabbrica Rossi", website="www.rossi.it")
    contacts.create_person(team.rep, first_name="Ada", last_name="Neri", email="ada@neri.it")
    with pytest.raises(DuplicatesFound, match="This person looks like"):
        contacts.create_person(team.rep2, first_name="A.", last_name="Neri", email="ADA@neri.it")
    assert Contact.select().count() == 2


def test_only_visible_contacts_are_changed(team: Team) -> None:
    ada = person(team.rep, "Neri")
    with pytest.raises(PermissionDenied):
        contacts.update_contact(team.outsider, ada, city="Roma")
    with pytest.raises(PermissionDenied):
        contacts.delete_contact(team.rep2, ada)
    with pytest.raises(PermissionDenied):
        contacts.get_contact(team.outsider, ada.id)
    contacts.update_contact(team.manager, ada, city="Roma")
    assert Contact.get_by_id(ada.id).city == "Roma"


def test_list_contacts_filters(team: Team) -> None:
    acme = contacts.create_company(team.rep, "ACME")
    ada = person(team.rep, "Neri", company=acme)
    person(team.rep2, "Bianchi")
    person(team.outsider, "Verdi")
    deals.create_deal(team.rep, "Deal", "100", "EUR", primary_contact=ada)
    assert [c.name for c in contacts.list_contacts(team.rep).items] == ["ACME", "Ada Neri"]
    assert contacts.list_contacts(team.manager).total == 3
    assert [c.name for c in contacts.list_contacts(team.manager, companies=True).items] == ["ACME"]
    current = contacts.list_contacts(team.admin, prospect_status=P.CURRENT)
    assert [c.name for c in current.items] == ["ACME", "Ada Neri"]
    assert contacts.list_contacts(team.admin, customer_status=C.CURRENT).total == 0
    assert [c.id for c in contacts.list_contacts(team.admin, company=acme).items] == [ada.id]


# --------------------------------------------------------------------------- automatic statuses


def test_statuses_follow_the_deals_and_the_company_follows_its_employee(
    any_database: Workspace,
) -> None:
    team = make_team(any_database.user)
    acme = contacts.create_company(team.rep, "ACME")
    ada = person(team.rep, "Neri", company=acme)

    first = deals.create_deal(team.rep, "First", "1000", "EUR", primary_contact=ada)
    assert statuses(ada) == statuses(acme) == (P.CURRENT, C.NON_CUSTOMER)
    entry = (
        ChangeLog.select()
        .where(ChangeLog.row_id == acme.id, ChangeLog.operation == "update")
        .order_by(ChangeLog.seq.desc())
        .first()
    )
    assert entry.changed == {"prospect_status": ["non_prospect", "current"]}
    assert entry.user_id == team.rep.id

    close(team.rep, first, StageKind.LOST)
    assert statuses(ada) == statuses(acme) == (P.LOST, C.NON_CUSTOMER)

    second = deals.create_deal(team.rep, "Second", "500", "EUR", primary_contact=ada)
    assert statuses(ada) == statuses(acme) == (P.CURRENT, C.NON_CUSTOMER)

    close(team.rep, second, StageKind.WON)
    # A won deal makes a customer; with no open deal it is no longer a prospect.
    assert statuses(ada) == statuses(acme) == (P.NON_PROSPECT, C.CURRENT)

    deals.move_deal(team.rep, second, stage(StageKind.OPEN, 2))  # reopened
    assert statuses(ada) == statuses(acme) == (P.CURRENT, C.NON_CUSTOMER)

    deals.delete_deal(team.rep, second)
    assert statuses(ada) == statuses(acme) == (P.LOST, C.NON_CUSTOMER)

    deals.detach_contact(team.rep, first, ada)
    assert statuses(ada) == statuses(acme) == (P.NON_PROSPECT, C.NON_CUSTOMER)


def test_unqualified_counts_as_lost(team: Team) -> None:
    ada = person(team.rep, "Neri")
    deal = deals.create_deal(team.rep, "D", "1", "EUR", primary_contact=ada)
    close(team.rep, deal, StageKind.UNQUALIFIED)
    assert statuses(ada) == (P.LOST, C.NON_CUSTOMER)


def test_a_non_primary_employee_does_not_move_the_company(team: Team) -> None:
    acme = contacts.create_company(team.rep, "ACME")
    ada = person(team.rep, "Neri", company=acme)
    bob = person(team.rep, "Bob")
    deal = deals.create_deal(team.rep, "D", "1", "EUR", primary_contact=bob, contacts=[ada])
    assert statuses(ada) == statuses(bob) == (P.CURRENT, C.NON_CUSTOMER)
    assert statuses(acme) == (P.NON_PROSPECT, C.NON_CUSTOMER)
    deals.set_primary_contact(team.rep, deal, ada)
    assert statuses(acme) == (P.CURRENT, C.NON_CUSTOMER)
    assert statuses(bob) == (P.CURRENT, C.NON_CUSTOMER)  # still one of the deal's contacts


def test_a_company_with_its_own_deal(team: Team) -> None:
    acme = contacts.create_company(team.rep, "ACME")
    deal = deals.create_deal(team.rep, "D", "1", "EUR", primary_contact=acme)
    close(team.rep, deal, StageKind.WON)
    assert statuses(acme) == (P.NON_PROSPECT, C.CURRENT)


def test_employees_moving_between_companies_move_the_statuses(team: Team) -> None:
    acme = contacts.create_company(team.rep, "ACME")
    globex = contacts.create_company(team.rep, "Globex")
    ada = person(team.rep, "Neri", company=acme)
    deals.create_deal(team.rep, "D", "1", "EUR", primary_contact=ada)
    assert statuses(acme)[0] == P.CURRENT
    ada = Contact.get_by_id(ada.id)  # its status changed with the deal: a new version
    contacts.update_contact(team.rep, ada, company=globex)
    assert statuses(acme)[0] == P.NON_PROSPECT
    assert statuses(globex)[0] == P.CURRENT
    contacts.delete_contact(team.rep, ada)
    assert statuses(globex)[0] == P.NON_PROSPECT


# --------------------------------------------------------------------------- manual changes


def test_with_an_open_deal_prospect_cannot_be_set_non_prospect_or_lost(
    any_database: Workspace,
) -> None:
    team = make_team(any_database.user)
    ada = person(team.rep, "Neri")
    deals.create_deal(team.rep, "D", "1", "EUR", primary_contact=ada)
    with pytest.raises(ServiceError, match="has an open deal, so it cannot be a non-prospect"):
        contacts.set_prospect_status(team.rep, ada, P.NON_PROSPECT)
    with pytest.raises(ServiceError, match="has an open deal, so it cannot be a lost prospect"):
        contacts.set_prospect_status(team.rep, ada, P.LOST)
    assert statuses(ada) == (P.CURRENT, C.NON_CUSTOMER)
    contacts.set_prospect_status(team.rep, ada, P.CURRENT)  # agrees with the deals: no-op


def test_with_a_won_deal_prospect_cannot_be_lost_nor_customer_non_customer(team: Team) -> None:
    ada = person(team.rep, "Neri")
    close(
        team.rep, deals.create_deal(team.rep, "D", "1", "EUR", primary_contact=ada), StageKind.WON
    )
    with pytest.raises(ServiceError, match="has a won deal, so it cannot be a lost prospect"):
        contacts.set_prospect_status(team.rep, ada, P.LOST)
    with pytest.raises(ServiceError, match="has a won deal, so it is a customer"):
        contacts.set_customer_status(team.rep, ada, C.NON_CUSTOMER)
    assert statuses(ada) == (P.NON_PROSPECT, C.CURRENT)


def test_current_needs_the_matching_deal(team: Team) -> None:
    ada = person(team.rep, "Neri")
    with pytest.raises(ServiceError, match="no open deal, so it cannot be a current prospect"):
        contacts.set_prospect_status(team.rep, ada, P.CURRENT)
    with pytest.raises(ServiceError, match="no won deal, so it cannot be a current customer"):
        contacts.set_customer_status(team.rep, ada, C.CURRENT)
    deals.create_deal(team.rep, "D", "1", "EUR", primary_contact=ada)
    with pytest.raises(ServiceError, match="no won deal"):
        contacts.set_customer_status(team.rep, ada, C.CURRENT)
    assert statuses(ada) == (P.CURRENT, C.NON_CUSTOMER)


def test_manual_changes_that_agree_with_the_deals_are_logged(team: Team) -> None:
    ada = person(team.rep, "Neri")
    contacts.set_prospect_status(team.rep, ada, P.LOST)  # no deals: nothing contradicts it
    assert statuses(ada) == (P.LOST, C.NON_CUSTOMER)
    last = ChangeLog.select().where(ChangeLog.row_id == ada.id).order_by(ChangeLog.seq.desc())
    assert last.first().changed == {"prospect_status": ["non_prospect", "lost"]}
    assert last.first().user_id == team.rep.id

    bob = person(team.rep, "Bob")
    close(
        team.rep, deals.create_deal(team.rep, "D", "1", "EUR", primary_contact=bob), StageKind.LOST
    )
    contacts.set_prospect_status(team.rep, bob, P.NON_PROSPECT)
    assert statuses(bob) == (P.NON_PROSPECT, C.NON_CUSTOMER)


def test_past_customer_is_manual_and_sticks_until_a_new_deal_is_won(
    any_database: Workspace,
) -> None:
    team = make_team(any_database.user)
    acme = contacts.create_company(team.rep, "ACME")
    ada = person(team.rep, "Neri", company=acme)
    won = deals.create_deal(team.rep, "Old", "1", "EUR", primary_contact=ada)
    close(team.rep, won, StageKind.WON)
    contacts.set_customer_status(team.rep, ada, C.PAST)
    assert statuses(ada) == (P.NON_PROSPECT, C.PAST)
    assert statuses(acme) == (P.NON_PROSPECT, C.CURRENT)  # the company was not marked past

    again = deals.create_deal(team.rep, "New", "1", "EUR", primary_contact=ada)
    assert statuses(ada) == (P.CURRENT, C.PAST)
    close(team.rep, again, StageKind.LOST)
    assert statuses(ada) == (P.NON_PROSPECT, C.PAST)
    deals.move_deal(team.rep, again, stage(StageKind.OPEN))
    close(team.rep, again, StageKind.WON)
    assert statuses(ada) == (P.NON_PROSPECT, C.CURRENT)


def test_past_can_be_set_without_deals_and_survives_unrelated_changes(team: Team) -> None:
    """A customer from before the CRM is recorded as Past without any deal in it."""
    ada = person(team.rep, "Neri")
    contacts.set_customer_status(team.rep, ada, C.PAST)
    deal = deals.create_deal(team.rep, "D", "1", "EUR", primary_contact=ada)
    deals.delete_deal(team.rep, deal)
    assert statuses(ada) == (P.NON_PROSPECT, C.PAST)
    contacts.set_customer_status(team.rep, ada, C.NON_CUSTOMER)  # undoing a mistake
    assert statuses(ada) == (P.NON_PROSPECT, C.NON_CUSTOMER)


def test_joining_a_won_deal_makes_a_past_customer_current(team: Team) -> None:
    ada = person(team.rep, "Neri")
    bob = person(team.rep, "Bob")
    contacts.set_customer_status(team.rep, ada, C.PAST)
    contacts.set_customer_status(team.rep, bob, C.PAST)
    deal = deals.create_deal(team.rep, "D", "1", "EUR", primary_contact=bob)
    close(team.rep, deal, StageKind.WON)
    assert statuses(bob) == (P.NON_PROSPECT, C.CURRENT)
    contacts.set_customer_status(team.rep, bob, C.PAST)
    deals.attach_contact(team.rep, deal, ada)
    assert statuses(ada) == (P.NON_PROSPECT, C.CURRENT)
    assert statuses(bob) == (P.NON_PROSPECT, C.PAST)  # nothing new happened to Bob


def test_manual_changes_need_edit_rights_and_a_live_contact(team: Team) -> None:
    ada = person(team.rep, "Neri")
    with pytest.raises(PermissionDenied):
        contacts.set_customer_status(team.outsider, ada, C.PAST)
    with pytest.raises(PermissionDenied):
        contacts.set_prospect_status(team.rep2, ada, P.LOST)
    contacts.delete_contact(team.rep, ada)
    with pytest.raises(ValidationError, match="deleted"):
        contacts.set_customer_status(team.rep, ada, C.PAST)
    assert statuses(ada) == (P.NON_PROSPECT, C.NON_CUSTOMER)


def test_tags_on_contacts(team: Team) -> None:
    acme = contacts.create_company(team.rep, "ACME", tags=["Supplier"])
    assert tags.tags_of(acme.id) == ["Supplier"]
    contacts.update_contact(team.rep, acme, tags=[])
    assert tags.tags_of(acme.id) == []
