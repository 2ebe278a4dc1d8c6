"""The lazy list model: blocks read in the background, count, sort, refresh, qtmodeltester."""

from __future__ import annotations

from typing import Any

import pytest

from desktopcrm.models import User
from desktopcrm.models.records import Contact
from desktopcrm.qt import QModelIndex, Qt
from desktopcrm.services import contacts
from desktopcrm.services.lists import BLOCK, Filter, ListSpec, SortKey
from desktopcrm.views.lists.columns import BUILTIN, DEFAULT_KEYS
from desktopcrm.views.lists.model import FIRST_ROWS, LOADING_ROLE, SETTLE_MS, ListModel


def people(actor: User, count: int) -> None:
    for number in range(count):
        contacts.create_person(
            actor,
            first_name=f"P{number:04d}",
            last_name="Test",
            city="Berlin" if number % 3 == 0 else "Rome",
            check_duplicates=False,
        )


def model_for(context: Any, kind: str = "person") -> ListModel:
    columns = [c for c in BUILTIN[kind] if c.key in DEFAULT_KEYS[kind]]
    return ListModel(lambda: context.user, kind, columns)


def test_rows_load_in_blocks_and_the_count_arrives(qtbot, context) -> None:
    people(context.user, BLOCK + 50)
    model = model_for(context)
    with qtbot.waitSignal(model.count_known, timeout=5000) as counted:
        model.set_spec(ListSpec("person"))
    assert counted.args == [BLOCK + 50]
    assert model.rowCount() == BLOCK + 50
    assert model.index(0, 0).data() == "P0000 Test"
    last = model.index(BLOCK + 10, 0)
    assert last.data(LOADING_ROLE) is True  # second block not read yet
    qtbot.waitUntil(lambda: last.data() == f"P{BLOCK + 10:04d} Test", timeout=5000)


def test_sort_filter_and_refresh(qtbot, context, qtmodeltester) -> None:
    people(context.user, 12)
    model = model_for(context)
    with qtbot.waitSignal(model.loaded, timeout=5000):
        model.set_spec(ListSpec("person", filters=(Filter("city", "eq", "Berlin"),)))
    assert model.rowCount() == 4
    with qtbot.waitSignal(model.loaded, timeout=5000):
        model.sort(0, Qt.SortOrder.DescendingOrder)
    assert model.spec.sort == (SortKey("name", True),)
    assert [model.index(r, 0).data() for r in range(4)] == [
        "P0009 Test",
        "P0006 Test",
        "P0003 Test",
        "P0000 Test",
    ]
    qtmodeltester.check(model)
    Contact.update(city="Berlin").where(Contact.name == "P0001 Test").execute()
    with qtbot.waitSignal(model.loaded, timeout=5000):
        model.refresh()
    assert model.rowCount() == 5
    assert model.index(4, 0).data() == "P0000 Test"
    assert model.index(4, 0, QModelIndex()).data(LOADING_ROLE) is False


def test_blocks_are_read_where_scrolling_stops(qtbot, context) -> None:
    """A fast scroll asks for block after block; only the rows on screen where it stops are
    read, once it has stayed there for ``SETTLE_MS``; what a row shows is made once."""
    people(context.user, 4 * BLOCK + 10)
    model = model_for(context)
    with qtbot.waitSignal(model.count_known, timeout=5000):
        model.set_spec(ListSpec("person"))
    qtbot.waitUntil(lambda: model._job is None and model._side is None, timeout=5000)
    shown = [0, 0]
    model.visible_rows = lambda: (shown[0], shown[1])
    for top in (BLOCK + 60, 2 * BLOCK + 60, 3 * BLOCK + 60):
        shown[:] = [top, top + 15]
        assert model.index(top, 0).data(LOADING_ROLE) is True
        assert model._job is None  # nothing is read while the view moves on
    qtbot.waitUntil(lambda: model.row(3 * BLOCK + 60) is not None, timeout=5000)
    qtbot.wait(3 * SETTLE_MS)
    assert sorted(model.loaded_rows()) == [*range(FIRST_ROWS), *range(3 * BLOCK, 4 * BLOCK)]
    line = model.line(3 * BLOCK + 60)
    assert line is not None and line.texts[0] == f"P{3 * BLOCK + 60:04d} Test"
    assert model.line(3 * BLOCK + 60) is line
    assert model.index(3 * BLOCK + 60, 0).data() == line.texts[0]


@pytest.mark.parametrize("count", [FIRST_ROWS - 1, FIRST_ROWS, BLOCK + 5])
def test_a_new_list_reads_its_first_rows_first(qtbot, context, count: int) -> None:
    """A new list reads ``FIRST_ROWS`` rows (what a window shows); the rest of its first block
    when the view asks; a list that short is known to be complete at once."""
    people(context.user, count)
    model = model_for(context)
    with qtbot.waitSignal(model.count_known, timeout=5000) as counted:
        model.set_spec(ListSpec("person"))
    assert counted.args == [count]
    assert model.rowCount() == count
    if count <= FIRST_ROWS:
        assert sorted(model.loaded_rows()) == list(range(count))
        assert count == FIRST_ROWS or model._side is None  # shorter: nothing to count
        return
    assert sorted(model.loaded_rows()) == list(range(FIRST_ROWS))
    shown = min(count, BLOCK) - 1
    assert model.index(shown, 0).data(LOADING_ROLE) is True
    qtbot.waitUntil(lambda: model.index(shown, 0).data() == f"P{shown:04d} Test", timeout=5000)
    assert sorted(model.loaded_rows()) == list(range(min(count, BLOCK)))
