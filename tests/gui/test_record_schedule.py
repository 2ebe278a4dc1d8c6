"""Tasks and appointments on record pages: listed (overdue in red, done struck, upcoming and
past appointments, a repeating one at its next time), ticked done and open again, added from
the page linked to the record."""

from __future__ import annotations

import datetime as dt
from typing import Any

from desktopcrm.models.calendar import Appointment
from desktopcrm.models.tasks import Task
from desktopcrm.qt import Qt, QWidget
from desktopcrm.services import calendar, contacts, deals, leads, tasks
from desktopcrm.views.calendar.appointment_dialog import AppointmentDialog
from desktopcrm.views.local_time import utc_now
from desktopcrm.views.main_window import MainWindow
from desktopcrm.views.record.page import RecordPage
from desktopcrm.views.record.schedule_panel import SchedulePanel
from desktopcrm.views.tasks.task_dialog import TaskDialog
from tests.gui.record_helpers import open_page, wait_loaded

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


def loaded(qtbot: Any, page: RecordPage) -> SchedulePanel:
    wait_loaded(qtbot, page)
    panel = page.schedule
    qtbot.waitUntil(
        lambda: (
            panel.schedule is not None
            and not (panel.operation is not None and panel.operation.running)
        ),
        timeout=10_000,
    )
    return panel


def texts(panel: SchedulePanel) -> list[str]:
    lines: list[QWidget] = [*panel.task_lines, *panel.appointment_lines]
    return [f"{line.link.text()} | {line.when.text()}" for line in lines]  # type: ignore[attr-defined]


def test_a_deals_tasks_and_appointments(qtbot: Any, window: MainWindow) -> None:
    me = window.context.user
    now = utc_now()
    deal = deals.create_deal(me, "Harbour cranes", 9000)
    link = {"record_type": "deal", "record_id": deal.id}
    tasks.create_task(me, "Send the quote", due_at=now - DAY, **link)
    tasks.create_task(me, "Call back", due_at=now + 2 * DAY, **link)
    done = tasks.create_task(me, "Book the visit", due_at=now - 2 * DAY, **link)
    tasks.complete_task(me, done)
    tasks.create_task(me, "Elsewhere")  # not linked
    calendar.create_appointment(me, "Site visit", now + 3 * DAY, now + 3 * DAY + HOUR, **link)
    calendar.create_appointment(me, "Kick-off", now - 5 * DAY, now - 5 * DAY + HOUR, **link)
    calendar.create_appointment(
        me, "Weekly call", now - 20 * DAY, now - 20 * DAY + HOUR, rrule="FREQ=WEEKLY", **link
    )
    page = open_page(qtbot, window, "deal", deal)
    panel = loaded(qtbot, page)
    assert panel.isVisible() and panel.title_label is not None
    lines = texts(panel)
    assert [line.split(" | ")[0] for line in lines] == [
        "Send the quote",
        "Call back",
        "Book the visit",
        "Weekly call",
        "Site visit",
        "Kick-off",
    ]
    overdue, upcoming, finished = panel.task_lines
    assert overdue.when.objectName() == "OverdueText"
    assert overdue.when.text().startswith("Overdue since ")
    assert upcoming.when.objectName() == "RowSubtitle" and upcoming.when.text().startswith("Due ")
    assert finished.tick.isChecked() and finished.link.font().strikeOut()
    assert finished.when.text().startswith("Done ")
    weekly = panel.appointment_lines[0]
    assert weekly.when.text().endswith(" · repeats")
    assert weekly.occurrence.start > now  # its next time, not its first
    headings = [w.text() for w in panel.findChildren(QWidget) if w.objectName() == "PanelHeading"]  # type: ignore[attr-defined]
    assert headings == ["Tasks", "Appointments", "Past"]


def test_tick_done_and_open_again(qtbot: Any, window: MainWindow) -> None:
    me = window.context.user
    lead = leads.create_lead(me, last_name="Lind", check_duplicates=False)
    task = tasks.create_task(
        me, "Call Lind", due_at=utc_now() - HOUR, record_type="lead", record_id=lead.id
    )
    page = open_page(qtbot, window, "lead", lead)
    panel = loaded(qtbot, page)
    line = panel.task_lines[0]
    assert not line.tick.isChecked() and line.when.objectName() == "OverdueText"
    line.tick.click()  # as a click or Space on the box does
    assert Task.get_by_id(task.id).done
    qtbot.waitUntil(lambda: panel.task_lines[0].when.text().startswith("Done "), timeout=20_000)
    line = panel.task_lines[0]
    assert line.tick.isChecked()
    line.tick.setChecked(False)
    assert not Task.get_by_id(task.id).done
    qtbot.waitUntil(lambda: panel.task_lines[0].when.objectName() == "OverdueText", timeout=20_000)


def test_nothing_yet_and_adding_from_the_page(qtbot: Any, window: MainWindow) -> None:
    me = window.context.user
    company = contacts.create_company(me, name="Berg AG")
    page = open_page(qtbot, window, "contact", company)
    panel = loaded(qtbot, page)
    empty = [w.text() for w in panel.findChildren(QWidget) if w.objectName() == "ScheduleEmpty"]  # type: ignore[attr-defined]
    assert empty == ["No tasks", "Nothing coming up"]
    qtbot.mouseClick(panel.add_task_button, Qt.MouseButton.LeftButton)
    dialog = next(d for d in window.findChildren(TaskDialog) if d.isVisible())
    assert dialog.link.text() == "Berg AG"
    qtbot.keyClicks(dialog.title, "Send the brochure")
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        dialog.buttons.accepted.emit()
    task = Task.get(Task.title == "Send the brochure")
    assert (task.record_type, task.record_id) == ("contact", company.id)
    panel = loaded(qtbot, page)
    assert [line.link.text() for line in panel.task_lines] == ["Send the brochure"]

    qtbot.mouseClick(panel.add_appointment_button, Qt.MouseButton.LeftButton)
    appointment_dialog = next(d for d in window.findChildren(AppointmentDialog) if d.isVisible())
    assert appointment_dialog.link.text() == "Berg AG"
    qtbot.keyClicks(appointment_dialog.title, "Visit Berg")
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        appointment_dialog.save()
    appointment = Appointment.get(Appointment.title == "Visit Berg")
    assert (appointment.record_type, appointment.record_id) == ("contact", company.id)
    panel = loaded(qtbot, page)
    assert [line.link.text() for line in panel.appointment_lines] == ["Visit Berg"]
    # a click on the title opens it for editing
    qtbot.mouseClick(panel.appointment_lines[0].link, Qt.MouseButton.LeftButton)
    editing = [d for d in window.findChildren(AppointmentDialog) if d.isVisible()]
    assert editing and editing[-1].occurrence is not None
    assert editing[-1].occurrence.appointment.id == appointment.id
    editing[-1].reject()
    qtbot.mouseClick(panel.task_lines[0].link, Qt.MouseButton.LeftButton)
    task_dialog = [d for d in window.findChildren(TaskDialog) if d.isVisible()][-1]
    assert task_dialog.task is not None and task_dialog.task.id == task.id
    task_dialog.reject()


def test_people_pages_list_theirs(qtbot: Any, window: MainWindow) -> None:
    me = window.context.user
    person = contacts.create_person(me, first_name="Ann", last_name="Berg")
    tasks.create_task(me, "Ask Ann", record_type="contact", record_id=person.id)
    page = open_page(qtbot, window, "contact", person)
    panel = loaded(qtbot, page)
    assert texts(panel) == ["Ask Ann | No due date · " + me.name]
