"""The Tasks screen driven as a user: quick add, tick done and undone, sections, filters,
overdue in red, opening the linked record, the task dialog and the Add menu entry."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from desktopcrm.models.tasks import Task
from desktopcrm.qt import QColor, QPoint, Qt
from desktopcrm.services import leads, tasks
from desktopcrm.services.tasks import Section
from desktopcrm.views.context import AppContext
from desktopcrm.views.tasks.screen import TasksScreen
from desktopcrm.views.tasks.task_dialog import TaskDialog
from desktopcrm.views.theme import tokens

NOW = dt.datetime(2026, 3, 10, 12, 0)


def screen_at(qtbot: Any, context: AppContext) -> TasksScreen:
    screen = TasksScreen(context, clock=lambda: NOW)
    qtbot.addWidget(screen)
    screen.resize(1000, 600)
    screen.show()
    settle(qtbot, screen)
    return screen


def settle(qtbot: Any, screen: TasksScreen) -> None:
    """Wait until the screen has shown the latest rows."""
    qtbot.waitUntil(lambda: not screen.busy, timeout=5000)


def test_quick_add_ticks_and_sections(qtbot: Any, context: AppContext) -> None:
    user = context.user
    tasks.create_task(user, "Old one", due_at=NOW - dt.timedelta(days=1))
    screen = screen_at(qtbot, context)
    assert screen.section_titles(Section.OVERDUE) == ["Old one"]

    qtbot.keyClicks(screen.quick_add, "Call Anna today 15:00")
    assert screen.quick_hint.text() == "Due Today 15:00"
    with qtbot.waitSignal(screen.loaded, timeout=5000):
        qtbot.keyClick(screen.quick_add, Qt.Key.Key_Return)
    task = Task.get(Task.title == "Call Anna")
    assert task.due_at == dt.datetime(2026, 3, 10, 15, 0) and task.assignee_id == user.id
    assert screen.quick_add.text() == ""
    assert screen.section_titles(Section.TODAY) == ["Call Anna"]

    # Tick it done with the mouse on its check box.
    item = screen.item_for(task.id)
    assert item is not None
    with qtbot.waitSignal(screen.loaded, timeout=5000):
        qtbot.mouseClick(
            screen.tree.viewport(), Qt.MouseButton.LeftButton, pos=_check_point(screen, item)
        )
    assert Task.get_by_id(task.id).done
    assert screen.section_titles(Section.DONE) == ["Call Anna"]
    # And open again from the keyboard.
    screen.tree.setCurrentItem(screen.item_for(task.id))
    screen.tree.setFocus()
    with qtbot.waitSignal(screen.loaded, timeout=5000):
        qtbot.keyClick(screen.tree, Qt.Key.Key_Space)
    assert not Task.get_by_id(task.id).done
    assert screen.section_titles(Section.TODAY) == ["Call Anna"]


def _check_point(screen: TasksScreen, item: Any) -> Any:
    rect = screen.tree.visualItemRect(item)
    # The check box sits at the start of the first column (the rect starts after the indent).
    return QPoint(rect.left() + 11, rect.center().y())


def test_overdue_rows_are_red(qtbot: Any, context: AppContext) -> None:
    late = tasks.create_task(context.user, "Late", due_at=NOW - dt.timedelta(hours=2))
    screen = screen_at(qtbot, context)
    item = screen.item_for(late.id)
    assert item is not None
    assert item.foreground(0).color() == QColor(tokens("light")["danger"])
    assert item.foreground(1).color() == QColor(tokens("light")["danger"])


def test_empty_sections_say_no_tasks(qtbot: Any, context: AppContext) -> None:
    screen = screen_at(qtbot, context)
    tree = screen.tree
    headers = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    texts = {
        h.text(0).split(" ·")[0]: [h.child(c).text(0) for c in range(h.childCount())]
        for h in headers
    }
    assert all(children == ["No tasks"] for children in texts.values()), texts
    done = headers[-1]
    assert done.child(0).data(0, Qt.ItemDataRole.AccessibleTextRole) == "No done tasks"


def test_filters_narrow_the_lists(qtbot: Any, context: AppContext) -> None:
    user = context.user
    lead = leads.create_lead(user, last_name="Rossi", check_duplicates=False)
    tasks.create_task(user, "Call Rossi", record_type="lead", record_id=lead.id)
    tasks.create_task(user, "Order paper")
    screen = screen_at(qtbot, context)
    assert screen.section_titles(Section.UPCOMING) == ["Call Rossi", "Order paper"]
    with qtbot.waitSignal(screen.loaded, timeout=5000):
        screen.kind.setCurrentIndex(screen.kind.findData("lead"))
    assert screen.section_titles(Section.UPCOMING) == ["Call Rossi"]
    screen.kind.setCurrentIndex(0)
    qtbot.waitUntil(lambda: len(screen.section_titles(Section.UPCOMING)) == 2)
    with qtbot.waitSignal(screen.loaded, timeout=5000):
        qtbot.keyClicks(screen.search, "paper")
    assert screen.section_titles(Section.UPCOMING) == ["Order paper"]
    with qtbot.waitSignal(screen.loaded, timeout=5000):
        screen.assignee.setCurrentIndex(screen.assignee.findData(user.id.hex))
    assert screen.section_titles(Section.UPCOMING) == ["Order paper"]


def test_opening_the_linked_record(qtbot: Any, context: AppContext) -> None:
    lead = leads.create_lead(context.user, last_name="Bianchi", check_duplicates=False)
    task = tasks.create_task(context.user, "Visit", record_type="lead", record_id=lead.id)
    screen = screen_at(qtbot, context)
    item = screen.item_for(task.id)
    assert item is not None and item.text(2) == "Lead: Bianchi"
    screen.tree.setCurrentItem(item)
    with qtbot.waitSignal(context.open_record) as opened:
        qtbot.keyClick(screen.tree, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    assert opened.args == ["lead", lead.id.hex]


def test_task_dialog_edits_and_deletes(qtbot: Any, context: AppContext) -> None:
    lead = leads.create_lead(context.user, last_name="Verdi", check_duplicates=False)
    task = tasks.create_task(context.user, "Draft", due_at=NOW + dt.timedelta(days=1))
    screen = screen_at(qtbot, context)
    dialog = screen.edit_task(task.id)
    assert isinstance(dialog, TaskDialog)
    assert dialog.title.text() == "Draft"
    dialog.title.selectAll()
    qtbot.keyClicks(dialog.title, "Final draft")
    dialog.reminder.setCurrentIndex(dialog.reminder.findData("1h"))
    qtbot.keyClicks(dialog.link, "Verdi")
    assert dialog.link.refresh() == 1
    dialog.link.choose(0)
    with qtbot.waitSignal(screen.loaded, timeout=5000):
        dialog.save()
    stored = Task.get_by_id(task.id)
    assert (stored.title, stored.reminder, stored.record_id) == ("Final draft", "1h", lead.id)
    assert stored.remind_at == stored.due_at - dt.timedelta(hours=1)

    dialog = screen.edit_task(task.id)
    with qtbot.waitSignal(screen.loaded, timeout=5000):
        dialog.delete()
    assert Task.get_by_id(task.id).is_deleted
    assert screen.section_titles(Section.UPCOMING) == []


def test_dialog_shows_refusals(qtbot: Any, context: AppContext) -> None:
    screen = screen_at(qtbot, context)
    dialog = screen.edit_task(None)
    dialog.save()
    assert dialog.isVisible() and "Enter what needs to be done" in dialog.error.text()
    qtbot.keyClicks(dialog.title, "Something")
    dialog.save()
    assert not dialog.isVisible()
    assert Task.select().count() == 1


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_screenshot(qtbot: Any, context: AppContext, scheme: str, tmp_path: Any) -> None:
    context.theme.set_choice(scheme)  # type: ignore[union-attr]
    tasks.create_task(context.user, "Late", due_at=NOW - dt.timedelta(hours=2))
    done = tasks.create_task(context.user, "Finished", due_at=NOW - dt.timedelta(hours=5))
    tasks.complete_task(context.user, done)
    screen = screen_at(qtbot, context)
    assert not screen.grab().isNull()


def test_add_menu_task_links_the_record_shown(qtbot: Any, context: AppContext) -> None:
    from desktopcrm.views.add_actions import builtin_add_actions
    from desktopcrm.views.main_window import MainWindow

    lead = leads.create_lead(context.user, last_name="Neri", check_duplicates=False)
    window = MainWindow(context, remember_state=False)
    qtbot.addWidget(window)
    window.show()
    window.open_record("lead", lead.id.hex)
    qtbot.waitUntil(lambda: bool(window.current_record and window.current_record.title))
    action = next(a for a in builtin_add_actions() if a.key == "task")
    dialog = action.run(window)
    assert isinstance(dialog, TaskDialog)
    assert dialog.link.selected is not None and dialog.link.selected.record_id == lead.id
    qtbot.keyClicks(dialog.title, "Call Neri")
    dialog.save()
    task = Task.get(Task.title == "Call Neri")
    assert (task.record_type, task.record_id) == ("lead", lead.id)
