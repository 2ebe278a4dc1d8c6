"""The fields a list can be filtered on, and the operators each kind of field offers.

Pure Python: ``filter_fields(kind, lookups)`` lists built-in and custom fields with their
type and choices; the filter panel builds its editors from it and produces
``services.lists.Filter`` values (plain text, numbers, ids as text: what a smart list stores).
"""

from __future__ import annotations

from dataclasses import dataclass

from desktopcrm.models.records import CustomerStatus, ProspectStatus
from desktopcrm.views.lists.columns import Lookups

#: (op, label) per field type; ops without a value end in "empty"/"set".
OPS: dict[str, tuple[tuple[str, str], ...]] = {
    "text": (
        ("contains", "contains"),
        ("eq", "is"),
        ("ne", "is not"),
        ("starts", "starts with"),
        ("is_empty", "is empty"),
        ("is_set", "is not empty"),
    ),
    "name": (("contains", "contains"), ("starts", "starts with")),
    "ctext": (
        ("contains", "contains"),
        ("eq", "is"),
        ("ne", "is not"),
        ("is_empty", "is empty"),
        ("is_set", "is not empty"),
    ),
    "number": (
        ("eq", "="),
        ("ne", "≠"),
        ("gt", ">"),
        ("ge", "≥"),
        ("lt", "<"),
        ("le", "≤"),
        ("between", "between"),
        ("is_empty", "is empty"),
        ("is_set", "is not empty"),
    ),
    "date": (
        ("eq", "on"),
        ("lt", "before"),
        ("gt", "after"),
        ("between", "between"),
        ("today", "is today"),
        ("this_week", "is this week"),
        ("this_month", "is this month"),
        ("last_days", "in the last … days"),
        ("next_days", "in the next … days"),
        ("is_empty", "is empty"),
        ("is_set", "is not empty"),
    ),
    "choice": (
        ("eq", "is"),
        ("ne", "is not"),
        ("in", "is any of"),
        ("is_empty", "is empty"),
        ("is_set", "is not empty"),
    ),
    "enum": (("eq", "is"), ("ne", "is not"), ("in", "is any of")),
    "tags": (
        ("has_any", "has"),
        ("has_none", "does not have"),
        ("is_empty", "has no tags"),
        ("is_set", "has any tag"),
    ),
    "check": (("eq", "is"),),
}
NO_VALUE = frozenset({"is_empty", "is_set", "today", "this_week", "this_month"})
#: Ops whose value is a number of days (relative to the day the list is read).
DAY_COUNT = frozenset({"last_days", "next_days"})
#: Ops whose value is several choices.
MANY = frozenset({"in"})


@dataclass(frozen=True)
class FilterField:
    """A field of the filter panel.

    Attributes:
        key: the list engine's field (``custom:<key>`` for custom fields).
        label: shown in the field picker.
        type: text, ctext (custom text), name, number, date, choice, enum, tags or check
            (picks ``OPS``).
        choices: (label, value) of a choice field.
    """

    key: str
    label: str
    type: str
    choices: tuple[tuple[str, object], ...] = ()

    @property
    def ops(self) -> tuple[tuple[str, str], ...]:
        return OPS[self.type]


def _owner(lookups: Lookups) -> FilterField:
    users = tuple((name, str(user_id)) for user_id, name in lookups.active_users)
    return FilterField("owner", "Owner", "choice", users)


_PROSPECT = tuple((s.label, s.value) for s in ProspectStatus)
_CUSTOMER = tuple((s.label, s.value) for s in CustomerStatus)


def filter_fields(kind: str, lookups: Lookups) -> list[FilterField]:
    """The fields a ``kind`` list filters on: built-in ones, then the custom fields."""
    text = [("email", "Email"), ("phone", "Phone"), ("city", "City"), ("country", "Country")]
    common = [FilterField(key, label, "text") for key, label in text]
    dates = [
        FilterField("created_at", "Created", "date"),
        FilterField("updated_at", "Updated", "date"),
    ]
    tags = FilterField("tags", "Tags", "tags", tuple((n, n) for n in lookups.tag_colours))
    fields: list[FilterField]
    if kind == "lead":
        statuses = tuple((chip.text, str(i)) for i, chip in lookups.lead_statuses.items())
        fields = [
            FilterField("name", "Name", "name"),
            FilterField("company_name", "Company", "text"),
            FilterField("status", "Status", "choice", statuses),
            FilterField(
                "priority",
                "Priority",
                "choice",
                (("A (hot)", "A"), ("B (warm)", "B"), ("C (cold)", "C")),
            ),
            _owner(lookups),
            tags,
            *common,
            FilterField("source", "Source", "text"),
            FilterField("title", "Title", "text"),
            *dates,
        ]
    elif kind in ("person", "company"):
        extra = (
            [FilterField("website", "Website", "text")]
            if kind == "company"
            else [FilterField("title", "Job title", "text")]
        )
        fields = [
            FilterField("name", "Name", "text"),
            FilterField("prospect_status", "Prospect status", "enum", _PROSPECT),
            FilterField("customer_status", "Customer status", "enum", _CUSTOMER),
            _owner(lookups),
            tags,
            *common,
            *extra,
            FilterField("source", "Source", "text"),
            *dates,
        ]
    else:
        stages = tuple(
            (f"{pipeline} › {name}" if len(lookups.pipelines) > 1 else name, str(i))
            for i, name, _kind, pipeline in lookups.stage_list
        )
        pipelines = tuple((name, str(i)) for i, name in lookups.pipelines.items())
        fields = [
            FilterField("name", "Name", "text"),
            FilterField("stage", "Stage", "choice", stages),
            FilterField("value", "Value", "number"),
            FilterField("expected_close", "Expected close", "date"),
            _owner(lookups),
            tags,
            FilterField("probability", "Probability", "number"),
            FilterField("pipeline", "Pipeline", "choice", pipelines),
            FilterField("currency", "Currency", "text"),
            FilterField("source", "Source", "text"),
            FilterField("closed_at", "Closed", "date"),
            *dates,
        ]
    for custom in lookups.custom_fields:
        key = f"custom:{custom.key}"
        if custom.options:
            options = tuple((label, label) for label in custom.options)
            fields.append(FilterField(key, custom.name, "choice", options))
        elif custom.type in ("number", "currency"):
            fields.append(FilterField(key, custom.name, "number"))
        elif custom.type == "date":
            fields.append(FilterField(key, custom.name, "date"))
        elif custom.type == "checkbox":
            fields.append(FilterField(key, custom.name, "check", (("Yes", True), ("No", False))))
        else:
            fields.append(FilterField(key, custom.name, "ctext"))
    return fields
