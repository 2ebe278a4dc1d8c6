"""Custom fields: admin-only definitions, options, typed values, change log, filters and sorting."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import pytest

from desktopcrm.models import ChangeLog, Profile, User
from desktopcrm.models.custom_fields import (
    CustomField,
    CustomFieldOption,
    CustomValue,
    FieldType,
)
from desktopcrm.models.records import Contact, Deal, Lead, LeadStatus, Pipeline, RecordKind
from desktopcrm.services import custom_fields as cf
from desktopcrm.services.custom_fields import Money
from desktopcrm.services.errors import PermissionDenied, ValidationError
from desktopcrm.services.workspace import Workspace


def make_lead(name: str = "Ada", **values: Any) -> Lead:
    lead = Lead(first_name=name, status=LeadStatus.select().first(), **values)
    lead.save()
    return lead


def make_contact(name: str = "Acme", is_company: bool = False) -> Contact:
    contact = Contact(name=name, is_company=is_company)
    contact.save()
    return contact


def make_user(profile: Profile = Profile.USER) -> User:
    user = User(name=f"{profile.value} user", profile=profile.value)
    user.save()
    return user


def custom_log(record_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = ChangeLog.select().where(ChangeLog.row_id == record_id).order_by(ChangeLog.seq)
    return [row.changed for row in rows if any(k.startswith("custom.") for k in row.changed)]


# --------------------------------------------------------------------------- definitions


def test_admin_creates_field_with_slug_key_and_change_log(any_database: Workspace) -> None:
    admin = any_database.user
    field = cf.create_field(admin, RecordKind.LEAD, "  Zamówienie  nr ", FieldType.NUMBER)
    assert field.key == "zamowienie_nr"
    assert field.name == "Zamówienie nr"
    stored = CustomField.get_by_id(field.id)
    assert stored.entity == "lead" and stored.type == "number" and stored.position == 0
    entry = ChangeLog.get(ChangeLog.row_id == field.id)
    assert entry.operation == "insert" and entry.user_id == admin.id
    second = cf.create_field(admin, RecordKind.LEAD, "Budget", FieldType.CURRENCY, currency="eur")
    assert second.position == 1 and second.currency == "EUR"


def test_only_admins_define_fields(workspace: Workspace) -> None:
    manager = make_user(Profile.MANAGER)
    with pytest.raises(PermissionDenied, match="Only an admin"):
        cf.create_field(manager, RecordKind.LEAD, "Size", FieldType.TEXT)
    field = cf.create_field(workspace.user, RecordKind.LEAD, "Size", FieldType.TEXT)
    with pytest.raises(PermissionDenied):
        cf.rename_field(manager, field, "Big")
    with pytest.raises(PermissionDenied):
        cf.delete_field(manager, field)
    with pytest.raises(PermissionDenied):
        cf.set_options(manager, field, ["a"])
    assert CustomField.select().count() == 1


def test_key_is_unique_per_entity(workspace: Workspace) -> None:
    admin = workspace.user
    cf.create_field(admin, RecordKind.LEAD, "Region", FieldType.TEXT)
    with pytest.raises(ValidationError, match="already have a field") as err:
        cf.create_field(admin, RecordKind.LEAD, "region", FieldType.TEXT)
    assert err.value.field == "name"
    with pytest.raises(ValidationError, match="key"):
        cf.create_field(admin, RecordKind.LEAD, "Region!", FieldType.TEXT)
    other = cf.create_field(admin, RecordKind.DEAL, "Region", FieldType.TEXT)
    assert other.key == "region"
    with pytest.raises(ValidationError, match="Enter a name"):
        cf.create_field(admin, RecordKind.DEAL, "   ", FieldType.TEXT)
    with pytest.raises(ValidationError, match="currency code"):
        cf.create_field(admin, RecordKind.DEAL, "Cost", FieldType.CURRENCY, currency="euro")


def test_rename_keeps_key_and_values_reorder_and_soft_delete(workspace: Workspace) -> None:
    admin = workspace.user
    size = cf.create_field(admin, RecordKind.CONTACT, "Size", FieldType.NUMBER)
    city = cf.create_field(admin, RecordKind.CONTACT, "City", FieldType.TEXT)
    company = make_contact("Acme", is_company=True)
    person = make_contact("Ann")
    cf.set_values(RecordKind.CONTACT, company, {"size": 50})
    cf.set_values(RecordKind.CONTACT, person, {"size": 1, "city": "Kraków"})
    cf.rename_field(admin, size, "Employees")
    assert CustomField.get_by_id(size.id).key == "size"
    assert cf.get_values(RecordKind.CONTACT, company.id) == {"size": Decimal(50)}
    cf.reorder_fields(admin, RecordKind.CONTACT, [city, size])
    assert [f.key for f in cf.fields_of(RecordKind.CONTACT)] == ["city", "size"]
    cf.delete_field(admin, size)
    assert CustomField.get_by_id(size.id).deleted_at is not None
    assert cf.get_values(RecordKind.CONTACT, person.id) == {"city": "Kraków"}
    assert CustomValue.select().where(CustomValue.field == size.id).count() == 2
    with pytest.raises(ValidationError, match='no custom field "size"'):
        cf.set_values(RecordKind.CONTACT, person, {"size": 2})


# --------------------------------------------------------------------------- options


def test_options_limit_is_500(workspace: Workspace) -> None:
    admin = workspace.user
    field = cf.create_field(admin, RecordKind.DEAL, "Product", FieldType.MULTISELECT)
    labels = [f"Product {n}" for n in range(500)]
    assert len(cf.set_options(admin, field, labels)) == 500
    with pytest.raises(ValidationError, match="at most 500 options; this list has 501"):
        cf.set_options(admin, field, [*labels, "One more"])
    assert len(cf.options_of(field)) == 500


def test_option_labels_unique_and_not_empty(workspace: Workspace) -> None:
    admin = workspace.user
    field = cf.create_field(admin, RecordKind.LEAD, "Zone", FieldType.DROPDOWN, ["EST", "PST"])
    with pytest.raises(ValidationError, match="listed twice"):
        cf.set_options(admin, field, ["EST", "est"])
    with pytest.raises(ValidationError, match="needs a label"):
        cf.set_options(admin, field, ["EST", " "])
    text = cf.create_field(admin, RecordKind.LEAD, "Note", FieldType.TEXT)
    with pytest.raises(ValidationError, match="not a dropdown"):
        cf.set_options(admin, text, ["a"])
    with pytest.raises(ValidationError, match="Only dropdown"):
        cf.create_field(admin, RecordKind.LEAD, "Other", FieldType.TEXT, options=["a"])


def test_renaming_an_option_keeps_values(any_database: Workspace) -> None:
    admin = any_database.user
    field = cf.create_field(admin, RecordKind.LEAD, "Zone", FieldType.DROPDOWN, ["EST", "PST"])
    lead = make_lead()
    cf.set_values(RecordKind.LEAD, lead, {"zone": "pst"})
    est, pst = cf.options_of(field)
    cf.set_options(admin, field, [(pst.id, "Pacific"), "EST", "CET"])
    assert [o.label for o in cf.options_of(field)] == ["Pacific", "EST", "CET"]
    assert CustomFieldOption.get_by_id(pst.id).label == "Pacific"
    assert cf.get_values(RecordKind.LEAD, lead.id) == {"zone": "Pacific"}
    cf.rename_option(admin, CustomFieldOption.get_by_id(est.id), "Eastern")
    assert [o.label for o in cf.options_of(field)] == ["Pacific", "Eastern", "CET"]


def test_removing_an_option_in_use_needs_a_replacement(any_database: Workspace) -> None:
    admin = any_database.user
    field = cf.create_field(
        admin, RecordKind.LEAD, "Interests", FieldType.MULTISELECT, ["Tea", "Coffee", "Cocoa"]
    )
    both = make_lead("Both")
    one = make_lead("One")
    cf.set_values(RecordKind.LEAD, both, {"interests": "Tea; Coffee"})
    cf.set_values(RecordKind.LEAD, one, {"interests": ["coffee"]})
    with pytest.raises(ValidationError, match='"Coffee" is used by 2 record') as err:
        cf.set_options(admin, field, ["Tea", "Cocoa"])
    assert err.value.field == "options"
    assert [o.label for o in cf.options_of(field)] == ["Tea", "Coffee", "Cocoa"]
    cf.set_options(admin, field, ["Tea", "Cocoa"], replace_with={"coffee": "Tea"})
    assert cf.get_values(RecordKind.LEAD, both.id) == {"interests": ["Tea"]}
    assert cf.get_values(RecordKind.LEAD, one.id) == {"interests": ["Tea"]}
    assert custom_log(one.id)[-1] == {"custom.interests": [["Coffee"], ["Tea"]]}
    # An unused option goes without asking.
    cf.set_options(admin, field, ["Tea"])
    assert [o.label for o in cf.options_of(field)] == ["Tea"]
    assert CustomFieldOption.select().where(CustomFieldOption.field == field.id).count() == 3


# --------------------------------------------------------------------------- values


GOOD = [
    (FieldType.TEXT, "  Hello \n world ", "Hello world"),
    (FieldType.PARAGRAPH, "Line 1\nLine 2", "Line 1\nLine 2"),
    (FieldType.ADDRESS, "Main St 1\n00-001 Warszawa", "Main St 1\n00-001 Warszawa"),
    (FieldType.EMAIL, " Ann@Example.COM ", "Ann@example.com"),
    (FieldType.PHONE, "+48 22 123 45 67", "+48221234567"),
    (FieldType.PHONE, "020 7946 0018", "+442079460018"),  # region GB from the argument
    (FieldType.URL, "example.com/path", "https://example.com/path"),
    (FieldType.URL, "HTTP://shop.example.org", "http://shop.example.org"),
    (FieldType.DATE, "2025-03-31", dt.date(2025, 3, 31)),
    (FieldType.DATE, dt.datetime(2025, 1, 2, 10, 30), dt.date(2025, 1, 2)),
    (FieldType.NUMBER, "1 234,5", Decimal("1234.5")),
    (FieldType.NUMBER, 3, Decimal(3)),
    (FieldType.CURRENCY, "120.50 usd", Money(Decimal("120.5"), "USD")),
    (FieldType.CURRENCY, Decimal("99"), Money(Decimal(99), "EUR")),  # field default
    (FieldType.CURRENCY, ("7.25", "PLN"), Money(Decimal("7.25"), "PLN")),
    (FieldType.CHECKBOX, "yes", True),
    (FieldType.CHECKBOX, "0", False),
    (FieldType.CHECKBOX, True, True),
    (FieldType.DROPDOWN, "small", "Small"),
    (FieldType.MULTISELECT, "Large; small", ["Small", "Large"]),
    (FieldType.MULTISELECT, ["Large"], ["Large"]),
]

BAD = [
    (FieldType.TEXT, "x" * 256, "at most 255 characters"),
    (FieldType.PARAGRAPH, "x" * 10_001, "at most 10,000 characters"),
    (FieldType.EMAIL, "ann@", "not an email address"),
    (FieldType.EMAIL, "ann smith@example.com", "not an email address"),
    (FieldType.PHONE, "call me maybe", "not a phone number"),
    (FieldType.PHONE, "+48 12", "not a possible phone number"),
    (FieldType.URL, "ftp://example.com", "not a web address"),
    (FieldType.URL, "http://", "not a web address"),
    (FieldType.DATE, "31/03/2025", "YYYY-MM-DD"),
    (FieldType.NUMBER, "12abc", "not a number"),
    (FieldType.NUMBER, True, "expected a number"),
    (FieldType.NUMBER, "1e20", "out of range"),
    (FieldType.CURRENCY, "10 EURO", "not a number"),
    (FieldType.CURRENCY, ("10", "EURO"), "not a currency code"),
    (FieldType.CHECKBOX, "maybe", "not yes or no"),
    (FieldType.DROPDOWN, "Huge", '"Huge" is not an option; choose one of: Small, Large'),
    (FieldType.MULTISELECT, "Small; Huge", '"Huge" is not an option'),
]


def _field_of(admin: User, kind: FieldType) -> CustomField:
    options = ["Small", "Large"] if kind.has_options else ()
    return cf.create_field(
        admin, RecordKind.DEAL, f"F {kind.value}", kind, options=options, currency="EUR"
    )


def _deal() -> Deal:
    pipeline = Pipeline.select().first()
    deal = Deal(name="Deal", pipeline=pipeline, stage=pipeline.stages.first())
    deal.save()
    return deal


@pytest.mark.parametrize(("kind", "raw", "expected"), GOOD)
def test_valid_values_are_normalised_and_read_back(
    workspace: Workspace, kind: FieldType, raw: object, expected: object
) -> None:
    field = _field_of(workspace.user, kind)
    deal = _deal()
    changes = cf.set_values(RecordKind.DEAL, deal, {field.key: raw}, region="GB")
    assert changes == {field.key: [None, expected]}
    assert cf.get_values(RecordKind.DEAL, deal.id) == {field.key: expected}
    stored = CustomValue.select().where(CustomValue.record_id == deal.id)
    assert all(getattr(row, kind.column) is not None for row in stored)


@pytest.mark.parametrize(("kind", "raw", "message"), BAD)
def test_invalid_values_are_refused_naming_the_field(
    workspace: Workspace, kind: FieldType, raw: object, message: str
) -> None:
    field = _field_of(workspace.user, kind)
    deal = _deal()
    with pytest.raises(ValidationError, match=message) as err:
        cf.set_values(RecordKind.DEAL, deal, {field.key: raw})
    assert err.value.field == field.key
    assert str(err.value).startswith(field.name)
    assert CustomValue.select().count() == 0


def test_phone_region_setting_is_admin_only_and_used(workspace: Workspace) -> None:
    admin = workspace.user
    field = cf.create_field(admin, RecordKind.LEAD, "Direct line", FieldType.PHONE)
    lead = make_lead()
    # Without a region a national number is kept as typed rather than guessed.
    cf.set_values(RecordKind.LEAD, lead, {"direct_line": "022 123 45 67"})
    assert cf.get_values(RecordKind.LEAD, lead.id)["direct_line"] == "022 123 45 67"
    with pytest.raises(PermissionDenied):
        cf.set_phone_region(make_user(), "PL")
    with pytest.raises(ValidationError, match="country code"):
        cf.set_phone_region(admin, "XX")
    cf.set_phone_region(admin, "pl")
    assert cf.phone_region() == "PL"
    cf.set_values(RecordKind.LEAD, lead, {field.key: "22 123 45 67"})
    assert cf.get_values(RecordKind.LEAD, lead.id)["direct_line"] == "+48221234567"


def test_all_values_are_validated_before_any_is_written(workspace: Workspace) -> None:
    admin = workspace.user
    cf.create_field(admin, RecordKind.LEAD, "Email 2", FieldType.EMAIL)
    cf.create_field(admin, RecordKind.LEAD, "Score", FieldType.NUMBER)
    lead = make_lead()
    with pytest.raises(ValidationError) as err:
        cf.set_values(RecordKind.LEAD, lead, {"email_2": "a@b.co", "score": "high"})
    assert err.value.field == "score"
    assert CustomValue.select().count() == 0
    with pytest.raises(ValidationError, match='no custom field "colour"') as unknown:
        cf.set_values(RecordKind.LEAD, lead, {"email_2": "a@b.co", "colour": "red"})
    assert unknown.value.field == "colour"
    assert CustomValue.select().count() == 0
    assert custom_log(lead.id) == []


def test_required_fields(workspace: Workspace) -> None:
    admin = workspace.user
    cf.create_field(admin, RecordKind.LEAD, "Source detail", FieldType.TEXT, required=True)
    cf.create_field(admin, RecordKind.LEAD, "Score", FieldType.NUMBER)
    lead = make_lead()
    with pytest.raises(ValidationError, match="Source detail is required") as err:
        cf.set_values(RecordKind.LEAD, lead, {"score": 5})
    assert err.value.field == "source_detail"
    cf.set_values(RecordKind.LEAD, lead, {"score": 5, "source_detail": "Fair"})
    with pytest.raises(ValidationError, match="required"):
        cf.set_values(RecordKind.LEAD, lead, {"source_detail": "  "})
    cf.set_values(RecordKind.LEAD, lead, {"score": None})  # required one already has a value
    assert cf.get_values(RecordKind.LEAD, lead.id) == {"source_detail": "Fair"}


def test_changes_are_logged_on_the_record(any_database: Workspace) -> None:
    admin = any_database.user
    cf.create_field(admin, RecordKind.LEAD, "Budget", FieldType.CURRENCY, currency="EUR")
    cf.create_field(admin, RecordKind.LEAD, "Met on", FieldType.DATE)
    cf.create_field(admin, RecordKind.LEAD, "Tags", FieldType.MULTISELECT, ["A", "B"])
    lead = make_lead()
    cf.set_values(RecordKind.LEAD, lead, {"budget": "1000", "met_on": "2025-05-01"})
    changes = cf.set_values(
        RecordKind.LEAD, lead, {"budget": "1000 EUR", "met_on": None, "tags": "b;a"}
    )
    assert changes == {"met_on": [dt.date(2025, 5, 1), None], "tags": [None, ["A", "B"]]}
    first, second = custom_log(lead.id)
    assert first == {"custom.budget": [None, "1000 EUR"], "custom.met_on": [None, "2025-05-01"]}
    assert second == {"custom.met_on": ["2025-05-01", None], "custom.tags": [None, ["A", "B"]]}
    entry = ChangeLog.select().where(ChangeLog.row_id == lead.id).order_by(ChangeLog.seq.desc())
    assert entry.first().table_name == "lead" and entry.first().user_id == admin.id
    assert cf.set_values(RecordKind.LEAD, lead, {"budget": Decimal("1000.00")}) == {}
    assert len(custom_log(lead.id)) == 2


def test_get_values_many(workspace: Workspace) -> None:
    admin = workspace.user
    cf.create_field(admin, RecordKind.LEAD, "Score", FieldType.NUMBER)
    cf.create_field(admin, RecordKind.LEAD, "Hot", FieldType.CHECKBOX)
    leads = [make_lead(f"L{n}") for n in range(3)]
    cf.set_values(RecordKind.LEAD, leads[0], {"score": 1, "hot": True})
    cf.set_values(RecordKind.LEAD, leads[1], {"hot": False})
    values = cf.get_values_many(RecordKind.LEAD, [lead.id for lead in leads])
    assert values == {
        leads[0].id: {"score": Decimal(1), "hot": True},
        leads[1].id: {"hot": False},
    }


def test_copy_values_for_conversion(any_database: Workspace) -> None:
    admin = any_database.user
    cf.create_field(admin, RecordKind.LEAD, "Budget", FieldType.CURRENCY, currency="EUR")
    cf.create_field(admin, RecordKind.LEAD, "Zone", FieldType.DROPDOWN, ["EST", "PST"])
    cf.create_field(admin, RecordKind.LEAD, "Notes", FieldType.TEXT)
    cf.create_field(admin, RecordKind.LEAD, "Met on", FieldType.DATE)
    cf.create_field(admin, RecordKind.LEAD, "Only on leads", FieldType.TEXT)
    cf.create_field(admin, RecordKind.CONTACT, "Budget", FieldType.NUMBER)
    cf.create_field(admin, RecordKind.CONTACT, "Zone", FieldType.MULTISELECT, ["EST", "CET"])
    cf.create_field(admin, RecordKind.CONTACT, "Notes", FieldType.PARAGRAPH)
    cf.create_field(admin, RecordKind.CONTACT, "Met on", FieldType.NUMBER)
    lead = make_lead()
    cf.set_values(
        RecordKind.LEAD,
        lead,
        {
            "budget": "500",
            "zone": "EST",
            "notes": "likes tea",
            "met_on": "2025-01-01",
            "only_on_leads": "x",
        },
    )
    contact = make_contact("Ada")
    lost = cf.copy_values(RecordKind.LEAD, lead.id, RecordKind.CONTACT, contact)
    assert lost == ["met_on", "only_on_leads"]
    assert cf.get_values(RecordKind.CONTACT, contact.id) == {
        "budget": Decimal(500),
        "zone": ["EST"],
        "notes": "likes tea",
    }
    assert custom_log(contact.id)[-1]["custom.zone"] == [None, ["EST"]]


# --------------------------------------------------------------------------- filters and sorting


@pytest.fixture
def scored(any_database: Workspace) -> dict[str, Any]:
    admin = any_database.user
    fields = {
        "score": cf.create_field(admin, RecordKind.LEAD, "Score", FieldType.NUMBER),
        "city": cf.create_field(admin, RecordKind.LEAD, "City", FieldType.TEXT),
        "met": cf.create_field(admin, RecordKind.LEAD, "Met", FieldType.DATE),
        "hot": cf.create_field(admin, RecordKind.LEAD, "Hot", FieldType.CHECKBOX),
        "size": cf.create_field(
            admin, RecordKind.LEAD, "Size", FieldType.DROPDOWN, ["Small", "Medium", "Large"]
        ),
        "likes": cf.create_field(
            admin, RecordKind.LEAD, "Likes", FieldType.MULTISELECT, ["Tea", "Coffee", "Cocoa"]
        ),
        "budget": cf.create_field(
            admin, RecordKind.LEAD, "Budget", FieldType.CURRENCY, currency="EUR"
        ),
    }
    rows = {
        "a": {"score": 10, "city": "Warszawa", "met": "2025-01-10", "hot": True, "size": "Large",
              "likes": "Tea; Coffee", "budget": "100 EUR"},
        "b": {"score": 5, "city": "Kraków", "met": "2025-02-01", "size": "Small",
              "likes": "Tea", "budget": "100 USD"},
        "c": {"score": 7.5, "hot": False, "size": "Medium", "likes": "Coffee"},
        "d": {},
    }  # fmt: skip
    leads = {}
    for name, values in rows.items():
        lead = make_lead(name)
        cf.set_values(RecordKind.LEAD, lead, values)
        leads[name] = lead
    return {"fields": fields, "leads": leads}


def _names(query: Any) -> list[str]:
    return [lead.first_name for lead in query]


FILTERS = [
    ("score", "eq", 10, "a"),
    ("score", "ne", "10", "bcd"),
    ("score", "gt", 5, "ac"),
    ("score", "le", "7,5", "bc"),
    ("score", "between", (6, 10), "ac"),
    ("score", "is_empty", None, "d"),
    ("score", "is_set", None, "abc"),
    ("city", "contains", "ków", "b"),
    ("city", "eq", "Warszawa", "a"),
    ("met", "lt", "2025-02-01", "a"),
    ("met", "ge", dt.date(2025, 1, 10), "ab"),
    ("hot", "eq", "yes", "a"),
    ("hot", "eq", False, "bcd"),
    ("size", "eq", "large", "a"),
    ("size", "in", ["Small", "Medium"], "bc"),
    ("size", "ne", "Small", "acd"),
    ("likes", "in", ["Tea"], "ab"),
    ("likes", "has_all", ["Tea", "Coffee"], "a"),
    ("likes", "eq", "Coffee", "ac"),
    ("budget", "ge", "100", "ab"),
    ("budget", "eq", "100 USD", "b"),
]


@pytest.mark.parametrize(("key", "op", "value", "expected"), FILTERS)
def test_filter_expression(
    scored: dict[str, Any], key: str, op: str, value: object, expected: str
) -> None:
    field = scored["fields"][key]
    query = Lead.select().where(cf.filter_expression(Lead, field, op, value))
    assert "".join(sorted(_names(query))) == expected


def test_filter_refuses_bad_operations_and_values(scored: dict[str, Any]) -> None:
    fields = scored["fields"]
    with pytest.raises(ValidationError, match="not a filter"):
        cf.filter_expression(Lead, fields["score"], "like", 1)
    with pytest.raises(ValidationError, match="only text"):
        cf.filter_expression(Lead, fields["score"], "contains", "1")
    with pytest.raises(ValidationError, match="not a number"):
        cf.filter_expression(Lead, fields["score"], "gt", "lots")
    with pytest.raises(ValidationError, match="lowest and a highest"):
        cf.filter_expression(Lead, fields["score"], "between", 3)


@pytest.mark.parametrize(
    ("key", "descending", "expected"),
    [
        ("score", False, "bcad"),
        ("score", True, "acbd"),
        ("city", False, "ba|cd"),  # K < W; no value last, in id order
        ("met", True, "ba|cd"),
        ("size", False, "bcad"),  # option order: Small, Medium, Large
        ("size", True, "acbd"),
    ],
)
def test_order_by_custom_field_puts_empty_last(
    scored: dict[str, Any], key: str, descending: bool, expected: str
) -> None:
    query = cf.order_by(Lead.select(), Lead, scored["fields"][key], descending)
    ordered, _, tail = expected.partition("|")
    names = _names(query)
    assert "".join(names[: len(ordered)]) == ordered
    assert sorted(names[len(ordered) :]) == sorted(tail)


def test_order_by_multiselect_uses_first_chosen_option(scored: dict[str, Any]) -> None:
    names = _names(cf.order_by(Lead.select(), Lead, scored["fields"]["likes"]))
    assert sorted(names[:2]) == ["a", "b"]  # both have Tea, the first option
    assert names[2:] == ["c", "d"]


def test_filter_and_sort_combine_with_paging(scored: dict[str, Any]) -> None:
    fields = scored["fields"]
    query = Lead.select().where(
        cf.filter_expression(Lead, fields["score"], "gt", 1),
        cf.filter_expression(Lead, fields["likes"], "in", ["Tea", "Coffee"]),
    )
    query = cf.order_by(query, Lead, fields["score"], descending=True)
    assert _names(query.limit(2)) == ["a", "c"]
    assert _names(query.offset(2).limit(2)) == ["b"]
    assert query.count() == 3
