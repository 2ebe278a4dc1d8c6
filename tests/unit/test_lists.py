"""The list-query engine: filters on every field kind, sorts (blanks last, ties by id), pages at
any depth equal to the same slice of the whole ordered list, visibility, deleted records, count,
on SQLite (local and shared file) and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from decimal import Decimal
from typing import Any

import pytest

from desktopcrm.models import Profile, User, utcnow
from desktopcrm.models.custom_fields import CustomField, CustomValue, FieldType
from desktopcrm.models.records import Contact, Deal, Lead, ProspectStatus, RecordKind
from desktopcrm.services import contacts, custom_fields, deals, leads, lists, pipelines, users
from desktopcrm.services.errors import ValidationError
from desktopcrm.services.lists import Filter, ListQuery, ListSpec, Row, SortKey
from desktopcrm.services.workspace import Workspace


def names(query: ListQuery, column: str = "name") -> list[Any]:
    return [row.get(column) for row in query.rows_at(0, 10_000)]


def person(actor: User, first: str, last: str, **fields: Any) -> Contact:
    return contacts.create_person(
        actor, first_name=first, last_name=last, check_duplicates=False, **fields
    )


# --------------------------------------------------------------------------- built-in fields


def test_text_filters_on_people(any_database: Workspace) -> None:
    admin = any_database.user
    person(admin, "Anna", "Berg", city="Berlin", email="anna@berg.de", tags=["VIP", "Fair"])
    person(admin, "Bruno", "Costa", city="Lisbon", email="bruno@costa.pt", tags=["fair"])
    person(admin, "Carla", "Berger", city="", email="carla@berger.de")
    contacts.create_company(admin, "Berg GmbH", city="Berlin", check_duplicates=False)

    def people(*filters: Filter) -> list[str]:
        return names(ListQuery(admin, ListSpec("person", list(filters))))

    assert people() == ["Anna Berg", "Bruno Costa", "Carla Berger"]
    assert people(Filter("city", "eq", "Berlin")) == ["Anna Berg"]
    assert people(Filter("city", "ne", "Berlin")) == ["Bruno Costa", "Carla Berger"]
    assert people(Filter("city", "in", ["Berlin", "Lisbon"])) == ["Anna Berg", "Bruno Costa"]
    assert people(Filter("city", "is_empty")) == ["Carla Berger"]
    assert people(Filter("city", "is_set")) == ["Anna Berg", "Bruno Costa"]
    assert people(Filter("name", "contains", "berg")) == ["Anna Berg", "Carla Berger"]
    assert people(Filter("name", "contains", "100%")) == []  # wildcards are literal
    assert people(Filter("email", "starts", "BRUNO")) == ["Bruno Costa"]
    assert people(Filter("tags", "has_any", ["fair"])) == ["Anna Berg", "Bruno Costa"]
    assert people(Filter("tags", "has_all", ["Fair", "vip"])) == ["Anna Berg"]
    assert people(Filter("tags", "has_none", ["vip"])) == ["Bruno Costa", "Carla Berger"]
    assert people(Filter("tags", "is_empty")) == ["Carla Berger"]
    assert people(Filter("tags", "is_set")) == ["Anna Berg", "Bruno Costa"]
    assert names(ListQuery(admin, ListSpec("company"))) == ["Berg GmbH"]
    assert names(ListQuery(admin, ListSpec("contact", [Filter("city", "eq", "Berlin")]))) == [
        "Anna Berg",
        "Berg GmbH",
    ]
    # starts ignores case (a lower bound on the name index on SQLite must not lose any)
    person(admin, "ana", "lópez")
    assert people(Filter("name", "starts", "an")) == ["Anna Berg", "ana lópez"]
    assert people(Filter("name", "starts", "ANA L")) == ["ana lópez"]
    assert people(Filter("name", "starts", "cARLA")) == ["Carla Berger"]


def test_status_owner_and_date_filters(any_database: Workspace) -> None:
    admin = any_database.user
    other = users.create_user(admin, "Olga Other")
    anna = person(admin, "Anna", "Alt")
    bruno = person(admin, "Bruno", "Brun", owner=other)
    deals.create_deal(admin, "Deal", 10, primary_contact=anna)  # makes Anna a prospect
    Contact.update(created_at=dt.datetime(2024, 3, 1, 15, 30)).where(
        Contact.id == bruno.id
    ).execute()

    def people(*filters: Filter) -> list[str]:
        return names(ListQuery(admin, ListSpec("person", list(filters))))

    assert people(Filter("prospect_status", "eq", ProspectStatus.CURRENT)) == ["Anna Alt"]
    assert people(Filter("prospect_status", "in", ["non_prospect", "lost"])) == ["Bruno Brun"]
    assert people(Filter("customer_status", "ne", "current")) == ["Anna Alt", "Bruno Brun"]
    assert people(Filter("owner", "eq", other)) == ["Bruno Brun"]
    assert people(Filter("owner", "in", [admin.id, str(other.id)])) == ["Anna Alt", "Bruno Brun"]
    assert people(Filter("owner", "ne", other)) == ["Anna Alt"]
    assert people(Filter("owner", "is_empty")) == []
    # A date on a date-and-time field is that whole day.
    assert people(Filter("created_at", "eq", "2024-03-01")) == ["Bruno Brun"]
    assert people(Filter("created_at", "le", dt.date(2024, 3, 1))) == ["Bruno Brun"]
    assert people(Filter("created_at", "lt", dt.date(2024, 3, 1))) == []
    assert people(Filter("created_at", "gt", "2024-03-01")) == ["Anna Alt"]
    assert people(Filter("created_at", "between", ("2024-01-01", "2024-03-01"))) == ["Bruno Brun"]
    assert people(Filter("updated_at", "ge", utcnow().date())) == ["Anna Alt", "Bruno Brun"]
    with pytest.raises(ValidationError):
        people(Filter("prospect_status", "eq", "maybe"))
    with pytest.raises(ValidationError):
        people(Filter("city", "gt", "B"))
    with pytest.raises(ValidationError):
        people(Filter("shoe_size", "eq", 42))
    with pytest.raises(ValidationError):
        people(Filter("created_at", "eq", "yesterday"))


def test_deal_and_lead_filters_and_sorts(any_database: Workspace) -> None:
    admin = any_database.user
    pipeline = pipelines.pipelines()[0]
    first, second = pipelines.stages_of(pipeline)[:2]
    deals.create_deal(admin, "Alpha", 500, expected_close=dt.date(2025, 5, 1))
    deals.create_deal(admin, "Beta", 1500, stage=second, tags=["big"])
    deals.create_deal(admin, "Gamma", 1500, expected_close=dt.date(2025, 1, 1), probability=40)

    def deal_names(filters: list[Filter], sort: list[SortKey] | None = None) -> list[str]:
        return names(ListQuery(admin, ListSpec("deal", filters, sort or [SortKey("name")])))

    assert deal_names([Filter("value", "ge", 1000)]) == ["Beta", "Gamma"]
    assert deal_names([Filter("value", "between", ("400", "600"))]) == ["Alpha"]
    assert deal_names([Filter("value", "in", [500, 1500])]) == ["Alpha", "Beta", "Gamma"]
    assert deal_names([Filter("stage", "eq", second)]) == ["Beta"]
    assert deal_names([Filter("stage", "ne", second.id)]) == ["Alpha", "Gamma"]
    assert deal_names([Filter("pipeline", "eq", pipeline)]) == ["Alpha", "Beta", "Gamma"]
    assert deal_names([Filter("expected_close", "lt", "2025-03-01")]) == ["Gamma"]
    assert deal_names([Filter("expected_close", "is_empty")]) == ["Beta"]
    assert deal_names([Filter("probability", "is_set")]) == ["Gamma"]
    assert deal_names([Filter("tags", "has_any", "BIG")]) == ["Beta"]
    assert first.id != second.id
    # Blanks last in both directions; ties by id in the key's direction.
    assert deal_names([], [SortKey("expected_close")]) == ["Gamma", "Alpha", "Beta"]
    assert deal_names([], [SortKey("expected_close", True)]) == ["Alpha", "Gamma", "Beta"]
    by_value = names(ListQuery(admin, ListSpec("deal", sort=[SortKey("value", True)])))
    assert by_value[2] == "Alpha" and set(by_value[:2]) == {"Beta", "Gamma"}
    ties = ListQuery(admin, ListSpec("deal", sort=[SortKey("value", True)])).rows_at(0, 2)
    assert ties[0].id > ties[1].id
    both = [SortKey("value", True), SortKey("expected_close")]
    assert deal_names([], both) == ["Gamma", "Beta", "Alpha"]

    hot = leads.create_lead(admin, last_name="Hot", priority="A", check_duplicates=False)
    leads.create_lead(admin, last_name="Cold", first_name="Ann", check_duplicates=False)
    leads.create_lead(
        admin, last_name="Cold", first_name="Bob", priority="C", check_duplicates=False
    )
    working = next(s for s in leads.lead_statuses() if s.kind == "working")
    leads.set_lead_status(admin, hot, working)

    def lead_names(filters: list[Filter], sort: list[SortKey] | None = None) -> list[str]:
        query = ListQuery(admin, ListSpec("lead", filters, sort or [SortKey("name")]))
        return [
            f"{row.get('first_name')} {row.get('last_name')}".strip()
            for row in query.rows_at(0, 99)
        ]

    assert lead_names([]) == ["Ann Cold", "Bob Cold", "Hot"]
    assert lead_names([], [SortKey("name", True)]) == ["Hot", "Bob Cold", "Ann Cold"]
    assert lead_names([Filter("status", "eq", working)]) == ["Hot"]
    assert lead_names([Filter("priority", "in", ["A", "C"])]) == ["Bob Cold", "Hot"]
    assert lead_names([Filter("priority", "is_empty")]) == ["Ann Cold"]
    assert lead_names([Filter("name", "contains", "col")]) == ["Ann Cold", "Bob Cold"]
    assert lead_names([], [SortKey("priority")]) == ["Hot", "Bob Cold", "Ann Cold"]
    assert lead_names([], [SortKey("priority", True)]) == ["Bob Cold", "Hot", "Ann Cold"]


# --------------------------------------------------------------------------- custom fields


def test_custom_field_filters_and_sorts(any_database: Workspace) -> None:
    admin = any_database.user
    custom_fields.create_field(admin, RecordKind.CONTACT, "Employees", FieldType.NUMBER)
    custom_fields.create_field(admin, RecordKind.CONTACT, "Renewal", FieldType.DATE)
    custom_fields.create_field(
        admin, RecordKind.CONTACT, "Industry", FieldType.DROPDOWN, options=["Retail", "Energy"]
    )
    make = contacts.create_company
    make(admin, "Acme", custom={"employees": 50, "industry": "Energy"}, check_duplicates=False)
    make(admin, "Bolt", custom={"employees": 5, "renewal": "2025-02-01"}, check_duplicates=False)
    make(admin, "Core", custom={"industry": "Retail"}, check_duplicates=False)
    make(admin, "Dyna", custom={"employees": 50, "renewal": "2024-12-31"}, check_duplicates=False)

    def companies(filters: list[Filter], sort: list[SortKey] | None = None) -> list[str]:
        return names(ListQuery(admin, ListSpec("company", filters, sort or [])))

    assert companies([Filter("custom:employees", "ge", 10)]) == ["Acme", "Dyna"]
    assert companies([Filter("custom:employees", "is_empty")]) == ["Core"]
    assert companies([Filter("custom:industry", "eq", "retail")]) == ["Core"]
    assert companies([Filter("custom:industry", "ne", "Retail")]) == ["Acme", "Bolt", "Dyna"]
    assert companies([Filter("custom:renewal", "lt", "2025-01-01")]) == ["Dyna"]
    # Valued records in value order (ties by id), the others last, by name.
    up = companies([], [SortKey("custom:employees")])
    assert up[0] == "Bolt" and set(up[1:3]) == {"Acme", "Dyna"} and up[3] == "Core"
    down = companies([], [SortKey("custom:employees", True)])
    assert set(down[:2]) == {"Acme", "Dyna"} and down[2:] == ["Bolt", "Core"]
    assert companies([], [SortKey("custom:employees"), SortKey("name", True)]) == [
        "Bolt",
        "Dyna",
        "Acme",
        "Core",
    ]
    assert companies([], [SortKey("custom:renewal")]) == ["Dyna", "Bolt", "Acme", "Core"]
    # Dropdowns sort in their options' order, not alphabetically.
    assert companies([], [SortKey("custom:industry")]) == ["Core", "Acme", "Bolt", "Dyna"]
    assert companies([], [SortKey("custom:industry", True)]) == ["Acme", "Core", "Bolt", "Dyna"]
    query = ListQuery(
        admin,
        ListSpec(
            "company",
            sort=[SortKey("custom:employees")],
            columns=["name", "custom:employees", "custom:industry"],
        ),
    )
    first = query.rows_at(0, 1)[0]
    assert first.as_dict()["custom:employees"] == 5 and first.get("custom:industry") is None
    with pytest.raises(ValidationError):
        ListQuery(admin, ListSpec("company", [Filter("custom:nope", "eq", 1)]))


# --------------------------------------------------------------------------- who sees what


def test_visibility_deleted_converted_count_and_ids(any_database: Workspace) -> None:
    admin = any_database.user
    manager = users.create_user(admin, "Mia Manager", profile=Profile.MANAGER)
    rep = users.create_user(admin, "Rob Rep", reports_to=manager)
    outsider = users.create_user(admin, "Oz Outsider")
    mine = person(manager, "Mia", "Own")
    reps = person(rep, "Rob", "Own")
    theirs = person(outsider, "Oz", "Own")
    gone = person(rep, "Gone", "Soon")
    contacts.delete_contact(rep, gone)
    unowned = person(admin, "No", "Owner")
    Contact.update(owner=None).where(Contact.id == unowned.id).execute()

    def visible(user: User) -> ListQuery:
        return ListQuery(user, ListSpec("person"))

    assert names(visible(admin)) == ["Mia Own", "No Owner", "Oz Own", "Rob Own"]
    assert names(visible(manager)) == ["Mia Own", "Rob Own"]
    assert names(visible(rep)) == ["Rob Own"]
    assert visible(manager).count() == 2 and visible(admin).count() == 4
    assert set(visible(manager).ids()) == {mine.id, reps.id}
    assert theirs.id not in visible(rep).ids()
    assert visible(outsider).page(0, 10)[0].id == theirs.id

    lead = leads.create_lead(admin, last_name="Turned", check_duplicates=False)
    Lead.update(converted_at=utcnow()).where(Lead.id == lead.id).execute()
    leads.create_lead(admin, last_name="Fresh", check_duplicates=False)
    assert names(ListQuery(admin, ListSpec("lead")), "last_name") == ["Fresh"]
    converted = ListSpec("lead", [Filter("converted_at", "is_set")])
    assert names(ListQuery(admin, converted), "last_name") == ["Turned"]


def test_rows_are_light_and_search_narrows(any_database: Workspace) -> None:
    admin = any_database.user
    anna = person(admin, "Anna", "Zeta", email="anna@zeta.org", tags=["Fair"])
    person(admin, "Bob", "Zeta")
    query = ListQuery(admin, ListSpec("person", columns=["name", "email", "tags", "owner"]))
    row = query.page(0, 1)[0]
    assert isinstance(row, Row) and isinstance(row, tuple) and not hasattr(row, "save")
    assert query.columns == ("id", "version", "name", "email", "tags", "owner")
    assert row.id == anna.id and row.version == anna.version
    assert row.as_dict() == {
        "id": anna.id,
        "version": anna.version,
        "name": "Anna Zeta",
        "email": "anna@zeta.org",
        "tags": ["Fair"],
        "owner": admin.id,
    }
    found = ListQuery(admin, ListSpec("person", search_text="ann zet"))
    assert [r.id for r in found.rows_at(0, 10)] == [anna.id]
    with pytest.raises(ValidationError):
        query.page(-1, 10)
    with pytest.raises(ValidationError):
        ListQuery(admin, ListSpec("person", sort=[SortKey("owner")]))
    with pytest.raises(ValidationError):
        ListQuery(admin, ListSpec("robots"))


# --------------------------------------------------------------------------- paging


def _bulk_people(admin: User, count: int, seed: int) -> tuple[CustomField, CustomField]:
    """``count`` people inserted in bulk (the read path is under test, not the write path),
    with repeated names (ties), blank cities, and custom values on some of them."""
    rng = random.Random(seed)
    size = custom_fields.create_field(admin, RecordKind.CONTACT, "Size", FieldType.NUMBER)
    tier = custom_fields.create_field(
        admin, RecordKind.CONTACT, "Tier", FieldType.DROPDOWN, options=["gold", "silver", "bronze"]
    )
    options = [option.id for option in custom_fields.options_of(tier)]
    now = utcnow()
    rows, values = [], []
    for index in range(count):
        record_id = uuid.uuid4()
        rows.append(
            {
                "id": record_id,
                "created_at": now - dt.timedelta(minutes=rng.randint(0, 50)),
                "updated_at": now,
                "version": 1,
                "name": f"n{rng.randint(0, 60):03d}",
                "city": rng.choice(["", "berlin", "lisbon", "oslo"]),
                "is_company": False,
                "owner": admin.id,
                "deleted_at": now if index % 29 == 0 else None,
            }
        )
        if rng.random() < 0.6:
            number = Decimal(rng.randint(0, 20))
            values.append((size.id, record_id, number, None))
        if rng.random() < 0.5:
            values.append((tier.id, record_id, None, rng.choice(options)))
    Contact.insert_many(rows).execute()
    fields = [
        CustomValue.field,
        CustomValue.record_id,
        CustomValue.number_value,
        CustomValue.option,
    ]
    CustomValue.insert_many(values, fields=fields).execute()
    return size, tier


def _reference(admin: User, sort: SortKey, size: CustomField, tier: CustomField) -> list[uuid.UUID]:
    """The expected order, computed in Python: values in order, blanks last by name, id."""
    people = list(Contact.live().where(Contact.is_company == False))  # noqa: E712
    value_of: dict[uuid.UUID, Any] = {}
    if sort.field == "custom:size":
        for value in CustomValue.select().where(CustomValue.field == size.id):
            value_of[value.record_id] = Decimal(value.number_value)
    elif sort.field == "custom:tier":
        position = {o.id: o.position for o in custom_fields.options_of(tier)}
        for value in CustomValue.select().where(CustomValue.field == tier.id):
            value_of[value.record_id] = position[value.option_id]
    else:
        for record in people:
            value_of[record.id] = getattr(record, sort.field) or None
    valued = [p for p in people if value_of.get(p.id) is not None]
    blank = [p for p in people if value_of.get(p.id) is None]
    valued.sort(key=lambda p: (value_of[p.id], p.id.hex), reverse=sort.descending)
    blank.sort(key=lambda p: (p.name, p.id.hex))
    return [p.id for p in valued + blank]


@pytest.mark.parametrize(
    "sort",
    [
        SortKey("name"),
        SortKey("name", True),
        SortKey("city"),
        SortKey("created_at", True),
        SortKey("custom:size"),
        SortKey("custom:size", True),
        SortKey("custom:tier"),
        SortKey("custom:tier", True),
    ],
    ids=lambda key: f"{key.field}{'-desc' if key.descending else ''}",
)
def test_any_page_is_the_same_slice_of_the_whole_list(
    any_database: Workspace, sort: SortKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lists, "BLOCK", 16)  # many cursors on a few hundred rows
    admin = any_database.user
    size, tier = _bulk_people(admin, 320, seed=7)
    expected = _reference(admin, sort, size, tier)
    spec = ListSpec("person", sort=[sort])
    whole = [row.id for row in ListQuery(admin, spec).rows_at(0, 1000)]
    assert whole == expected
    assert ListQuery(admin, spec).count() == len(expected)
    rng = random.Random(3)
    reused = ListQuery(admin, spec)  # remembers cursors: keyset after the first pages
    for _ in range(25):
        start, count = rng.randint(0, len(expected) + 10), rng.randint(1, 90)
        want = expected[start : start + count]
        assert [row.id for row in reused.rows_at(start, count)] == want, (start, count)
        assert [row.id for row in ListQuery(admin, spec).rows_at(start, count)] == want
    prepared = ListQuery(admin, spec)
    prepared.prepare()  # a cursor every BLOCK rows: any page is a keyset seek
    assert prepared.count() == len(expected)
    for _ in range(10):
        start, count = rng.randint(0, len(expected)), rng.randint(1, 250)
        assert [row.id for row in prepared.rows_at(start, count)] == expected[start : start + count]
    assert ListQuery(admin, spec).ids_in_order(page=50) == expected  # an export's order
    scrolled: list[uuid.UUID] = []
    scroller = ListQuery(admin, spec)
    for start in range(0, len(expected) + 40, 40):
        scrolled += [row.id for row in scroller.rows_at(start, 40)]
    assert scrolled == expected
    filtered = ListQuery(admin, ListSpec("person", [Filter("city", "eq", "oslo")], [sort]))
    oslo = {r.id for r in Contact.live().where(Contact.city == "oslo", Contact.is_company == False)}  # noqa: E712
    wanted = [record_id for record_id in expected if record_id in oslo]
    assert [row.id for row in filtered.rows_at(0, 1000)] == wanted
    assert [row.id for row in filtered.rows_at(17, 23)] == wanted[17:40]
    filtered.rows_at(0, 10)
    assert [row.id for row in filtered.rows_at(10, 30)] == wanted[10:40]
    assert filtered.count() == len(wanted)
    filtered.prepare()
    assert [row.id for row in filtered.rows_at(5, 50)] == wanted[5:55]
    # A filter no index can drive (a substring): read along the sort index, and the keyset
    # pages after the first seek to their cursor (a range) instead of walking from the start.
    unindexed = ListSpec("person", [Filter("name", "contains", "1")], [sort])
    with_a = {r.id for r in Contact.live().where(Contact.name.contains("1"))}
    wanted = [record_id for record_id in expected if record_id in with_a]
    assert len(wanted) > 40
    walker = ListQuery(admin, unindexed)
    walked: list[uuid.UUID] = []
    for start in range(0, len(wanted) + 30, 30):
        walked += [row.id for row in walker.rows_at(start, 30)]
    assert walked == wanted
    walker.prepare()
    for start in (0, 7, 33, len(wanted) - 5):
        assert [row.id for row in walker.rows_at(start, 20)] == wanted[start : start + 20]
    # A semi-join filter with many matches is checked per row along the sort index.
    monkeypatch.setattr(lists, "WALK_MIN_MATCHES", 5)
    big = {v.record_id for v in CustomValue.select().where(CustomValue.field == size.id)}
    sized = [record_id for record_id in expected if record_id in big]
    walker = ListQuery(admin, ListSpec("person", [Filter("custom:size", "is_set")], [sort]))
    walked = []
    for start in range(0, len(sized) + 30, 30):
        walked += [row.id for row in walker.rows_at(start, 30)]
    assert walked == sized


def test_refresh_sees_new_records(any_database: Workspace) -> None:
    admin = any_database.user
    person(admin, "Bea", "B")
    query = ListQuery(admin, ListSpec("person"))
    assert names(query) == ["Bea B"] and query.count() == 1
    person(admin, "Al", "A")
    query.refresh()
    assert names(query) == ["Al A", "Bea B"] and query.count() == 2
    assert Deal.select().count() == 0


def test_tags_and_names_come_with_the_page(
    any_database: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tags and the names references point at are read by the page's own query (no second
    query per page), tags in alphabetical order whatever their case."""
    admin = any_database.user
    acme = contacts.create_company(admin, "Acme", check_duplicates=False)
    anna = person(admin, "Anna", "Berg", company=acme, tags=["vip", "Fair", "beta"])
    person(admin, "Bob", "Berg")
    spec = ListSpec("person", columns=["name", "company", "company_name", "tags"])
    query = ListQuery(admin, spec)
    statements: list[str] = []
    db = lists.database.obj
    execute = db.execute_sql

    def counted(sql: str, params: Any = None, *args: Any, **kwargs: Any) -> Any:
        statements.append(sql)
        return execute(sql, params, *args, **kwargs)

    monkeypatch.setattr(db, "execute_sql", counted)
    rows = query.rows_at(0, 10)
    monkeypatch.undo()
    # The two segments of a name sort (records with a name, then without): one read each.
    assert len(statements) == 2
    assert all("record_tag" in sql and '"t1"."id"' in sql for sql in statements)
    assert [row.as_dict() for row in rows] == [
        {
            "id": anna.id,
            "version": anna.version,
            "name": "Anna Berg",
            "company": acme.id,
            "company_name": "Acme",
            "tags": ["beta", "Fair", "vip"],
        },
        {
            "id": rows[1].id,
            "version": 1,
            "name": "Bob Berg",
            "company": None,
            "company_name": None,
            "tags": None,
        },
    ]
    deal = deals.create_deal(admin, "Big one", 100, primary_contact=anna)
    shown = ListQuery(admin, ListSpec("deal", columns=["name", "contact_name"])).rows_at(0, 5)
    assert [(row.id, row.get("contact_name")) for row in shown] == [(deal.id, "Anna Berg")]
    with pytest.raises(ValidationError):
        ListQuery(admin, ListSpec("lead", columns=["contact_name"]))


def test_relative_dates_resolve_around_the_day_the_list_is_read() -> None:
    from desktopcrm.services.lists import resolve_relative_date

    wednesday = dt.date(2026, 2, 18)

    def span(op: str, value: object = None) -> tuple[str, str]:
        resolved = resolve_relative_date(Filter("created_at", op, value), wednesday)
        assert resolved.op == "between"
        return resolved.value

    assert span("today") == ("2026-02-18", "2026-02-18")
    assert span("this_week") == ("2026-02-16", "2026-02-22")
    assert span("this_month") == ("2026-02-01", "2026-02-28")
    assert span("last_days", "7") == ("2026-02-11", "2026-02-18")
    assert span("next_days", 30) == ("2026-02-18", "2026-03-20")
    with pytest.raises(ValidationError, match="not a number of days"):
        span("last_days", "a week")
    plain = Filter("created_at", "eq", "2026-01-01")
    assert resolve_relative_date(plain, wednesday) is plain
