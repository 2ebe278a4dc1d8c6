"""What the universal Add button offers. Issues that add record kinds (lead, contact, deal,
task, appointment, note) append an ``AddAction`` to ``builtin_add_actions``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desktopcrm.views.context import AppContext
    from desktopcrm.views.main_window import MainWindow
    from desktopcrm.views.record.picker import PickedRecord


@dataclass(frozen=True)
class AddAction:
    key: str
    label: str
    icon: str
    run: Callable[[MainWindow], object]
    available: Callable[[AppContext], bool]


def _everyone(_context: AppContext) -> bool:
    return True


def _record(kind: str, label: str, icon: str) -> AddAction:
    return AddAction(kind, label, icon, lambda w: w.add_record(kind), _everyone)


def builtin_add_actions() -> list[AddAction]:
    return [
        _record("lead", "Lead…", "leads"),
        _record("person", "Person…", "contacts"),
        _record("company", "Company…", "companies"),
        _record("deal", "Deal…", "deals"),
        _record("note", "Note…", "log"),
        AddAction("user", "User…", "user-add", lambda w: w.add_user(), lambda c: c.user.is_admin),
        AddAction("task", "Task…", "tasks", lambda w: _add_task(w), _everyone),
        AddAction(
            "appointment", "Appointment…", "calendar", lambda w: _add_appointment(w), _everyone
        ),
    ]


def _current_link(window: MainWindow) -> PickedRecord | None:
    """The record page shown (kind, id, title) for a new task or appointment to link to."""
    from desktopcrm.views.record.picker import PickedRecord

    page = window.current_record
    if page is None:
        return None
    return PickedRecord(page.kind.value, page.record_id, page.title or "")


def _add_task(window: MainWindow) -> object:
    from desktopcrm.views.tasks.task_dialog import open_task_dialog

    return open_task_dialog(window.context, window, link=_current_link(window))


def _add_appointment(window: MainWindow) -> object:
    from desktopcrm.views.calendar.appointment_dialog import open_appointment_dialog

    return open_appointment_dialog(window.context, window, link=_current_link(window))
