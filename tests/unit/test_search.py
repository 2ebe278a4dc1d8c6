"""Full-text search: prefixes, accents, phones, tags, notes, ranking, visibility, safety."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from desktopcrm.models import Profile, User, acting_as
from desktopcrm.models.attachments import RecordTag, Tag
from desktopcrm.models.notes import Note
from desktopcrm.models.records import Contact, Deal, Pipeline, Stage
from desktopcrm.services.search import (
    fold,
    index_record,
    normalize_email,
    reindex_all,
    remove_from_index,
    search,
)
from desktopcrm.services.workspace import Workspace

from .indexed_records import company, lead, person


def deal(owner: User | None, name: str, contact: Contact | None = None) -> Deal:
    pipeline = Pipeline.select().first()
    stage = Stage.select().where(Stage.pipeline == pipeline).order_by(Stage.position).first()
    record = Deal(name=name, owner=owner, pipeline=pipeline, stage=stage, primary_contact=contact)
    record.save()
    index_record(record)
    return record


def titles(user: User, text: str, **kwargs: Any) -> list[str]:
    return [hit.title for hit in search(user, text, **kwargs)]


def test_prefixes_accents_and_every_word(any_database: Workspace) -> None:
    admin = any_database.user
    person(admin, "Anna", "Müller", email="anna.mueller@example.de")
    person(admin, "Annette", "Łukasiewicz")
    person(admin, "Jordi", "Puig i Cadafalch")
    person(admin, "Андрей", "Иванов")
    assert set(titles(admin, "ann")) == {"Anna Müller", "Annette Łukasiewicz"}
    assert titles(admin, "muller") == ["Anna Müller"]
    assert titles(admin, "MÜLL") == ["Anna Müller"]
    assert titles(admin, "ann mü") == ["Anna Müller"]
    assert titles(admin, "ann zz") == []
    assert titles(admin, "lukas") == ["Annette Łukasiewicz"]
    assert titles(admin, "cadaf") == ["Jordi Puig i Cadafalch"]
    assert titles(admin, "иван") == ["Андрей Иванов"]
    assert titles(admin, "example.de") == ["Anna Müller"]


def test_phones_as_written_and_digits_only(any_database: Workspace) -> None:
    admin = any_database.user
    person(admin, "Piotr", "Nowak", phone="+48 (22) 555-01-23")
    assert titles(admin, "48225550123") == ["Piotr Nowak"]
    assert titles(admin, "4822555") == ["Piotr Nowak"]
    assert titles(admin, "555-01") == ["Piotr Nowak"]
    assert titles(admin, "22 555 01 23") == ["Piotr Nowak"]


def test_companies_tags_deals_leads_and_notes(any_database: Workspace) -> None:
    admin = any_database.user
    acme = company(admin, "Acme Iberia S.L.", website="https://acme.es")
    employee = person(admin, "Núria", "Vidal", company=acme)
    tag = Tag(name="Trade fair 2024", key="trade fair 2024")
    tag.save()
    RecordTag.insert(tag=tag, record_type="contact", record_id=employee.id).execute()
    index_record(employee)
    big = deal(admin, "Forklifts for Barcelona", employee)
    lead(admin, "Marta", "Soler", company_name="Soler Logística")
    note = Note(record_type="deal", record_id=big.id, body="Asked for a quote on pallets\nmore")
    note.author = admin
    note.save()
    index_record(note)

    hits = {hit.title: hit for hit in search(admin, "acme")}
    assert hits["Acme Iberia S.L."].kind == "company"
    assert hits["Núria Vidal"].kind == "contact"  # found through her company
    assert titles(admin, "trade fair") == ["Núria Vidal"]
    [forklifts] = search(admin, "forkl")
    assert (forklifts.kind, forklifts.record_id) == ("deal", big.id)
    assert "Núria Vidal" in forklifts.subtitle
    assert titles(admin, "logistica") == ["Marta Soler"]
    [found_note] = search(admin, "pallets")
    assert found_note.kind == "note" and found_note.title == "Asked for a quote on pallets"
    assert found_note.subtitle == "Forklifts for Barcelona"
    assert titles(admin, "nuria", kinds=["deal"]) == ["Forklifts for Barcelona"]
    assert titles(admin, "nuria", kinds=["company"]) == []


def test_exact_and_prefix_titles_rank_first(workspace: Workspace) -> None:
    admin = workspace.user
    for index in range(5):
        person(admin, "Other", f"Person{index}", title="Sales at Lisbon office, Lisbon")
    person(admin, "Lisbon", "Smith")
    company(admin, "Lisbon")
    result = titles(admin, "lisbon")
    assert result[:2] == ["Lisbon", "Lisbon Smith"]
    assert len(result) == 7
    ranks = [hit.rank for hit in search(admin, "lisbon")]
    assert ranks == sorted(ranks, reverse=True)
    assert len(search(admin, "lisbon", limit=3)) == 3


@pytest.mark.parametrize(
    "text",
    [
        '"',
        'ann"',
        "ann*",
        "*",
        "-ann",
        "ann -müller",
        "ann NEAR müller",
        "NEAR(ann müller)",
        "(ann",
        "ann)",
        "ann OR",
        "AND",
        "title:ann",
        "{title}: ann",
        "ann^",
        "'; DROP TABLE contact; --",
        "a & b | !c",
        "ann:*",
        "\\",
        "",
        "   ",
    ],
)
def test_any_input_is_safe(any_database: Workspace, text: str) -> None:
    admin = any_database.user
    person(admin, "Anna", "Müller")
    result = titles(admin, text)
    assert result in ([], ["Anna Müller"])
    assert Contact.select().count() == 1


def test_visibility_users_managers_admins_and_notes(any_database: Workspace) -> None:
    admin = any_database.user
    with acting_as(admin.id):
        manager = User(name="Maria Manager", profile=Profile.MANAGER.value)
        manager.save()
        rep = User(name="Rui Rep", reports_to=manager)
        rep.save()
        other = User(name="Olga Other")
        other.save()
    person(rep, "Zofia", "Rep-owned")
    person(other, "Zofia", "Other-owned")
    person(None, "Zofia", "Unowned")
    others_contact = person(other, "Xavier", "Other")
    reps_contact = person(rep, "Yara", "Rep")
    # A note by Olga on Rui's contact, and one by Rui on Olga's contact.
    for author, on in ((other, reps_contact), (rep, others_contact)):
        note = Note(record_type="contact", record_id=on.id, body=f"zebra note by {author.name}")
        note.author = author
        note.save()
        index_record(note)

    assert len(titles(admin, "zofia")) == 3
    assert titles(manager, "zofia") == ["Zofia Rep-owned"]
    assert titles(rep, "zofia") == ["Zofia Rep-owned"]
    assert titles(other, "zofia") == ["Zofia Other-owned"]
    # Notes: visible through their author or through the record they are on.
    assert len(titles(rep, "zebra")) == 2
    assert len(titles(other, "zebra")) == 2
    assert len(titles(manager, "zebra")) == 2
    outsider_id = uuid.uuid4()
    with acting_as(admin.id):
        outsider = User(id=outsider_id, name="Nobody")
        outsider.save(force_insert=True)
    assert titles(outsider, "zebra") == []


def test_deleted_and_removed_records_leave_the_index(any_database: Workspace) -> None:
    admin = any_database.user
    anna = person(admin, "Anna", "Deleted")
    bob = person(admin, "Bob", "Removed")
    anna.delete_instance()
    index_record(anna)
    remove_from_index(bob.id)
    assert titles(admin, "anna") == []
    assert titles(admin, "bob") == []


def test_updates_replace_the_entry(any_database: Workspace) -> None:
    admin = any_database.user
    anna = person(admin, "Anna", "Old")
    anna.last_name = "Newname"
    anna.name = "Anna Newname"
    anna.save()
    index_record(anna)
    assert titles(admin, "old") == []
    assert titles(admin, "newname") == ["Anna Newname"]


def test_reindex_all_rebuilds_from_the_records(any_database: Workspace) -> None:
    admin = any_database.user
    acme = company(admin, "Acme")
    person(admin, "Anna", "Acme-worker", company=acme)
    deal(admin, "Big deal")
    lead(admin, "Lena", "Lead")
    converted = lead(admin, "Conrad", "Converted")
    converted.converted_at = converted.created_at
    converted.save()
    from desktopcrm.models.search import SearchEntry

    SearchEntry.update(title="stale").execute()
    assert reindex_all() == 4
    assert set(titles(admin, "acme")) == {"Acme", "Anna Acme-worker"}
    assert titles(admin, "big") == ["Big deal"]
    assert titles(admin, "lena") == ["Lena Lead"]
    assert titles(admin, "conrad") == []


def test_fold_and_email_normalisation() -> None:
    assert fold("Müller Straße ÉCOLE") == "muller strasse ecole"
    assert normalize_email(" Anna.Smith+news@GoogleMail.com ") == "annasmith@gmail.com"
    assert normalize_email("anna.smith+crm@example.com") == "anna.smith@example.com"
    assert normalize_email("not an email") == "not an email"
