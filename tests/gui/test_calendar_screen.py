"""The calendar pane driven as a user: create, move and resize by mouse, keyboard edits,
recurring edits with this / following / all, the appointment dialog, read-only calendars,
month drag, iCalendar import and export, every view painted in both schemes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from desktopcrm.models.calendar import Appointment
from desktopcrm.qt import QApplication, QPoint, Qt
from desktopcrm.services import calendar, contacts
from desktopcrm.services.calendar import EditScope
from desktopcrm.views.calendar.appointment_dialog import AppointmentDialog
from desktopcrm.views.calendar.scope_dialog import RecurringScopeDialog
from desktopcrm.views.calendar.screen import CalendarScreen
from desktopcrm.views.calendar.views import GUTTER, HOUR_HEIGHT, TimeGrid
from desktopcrm.views.context import AppContext

TODAY = dt.date(2026, 3, 11)  # a Wednesday; the week is 9-15 March (TZ is UTC in tests)
MON = dt.datetime(2026, 3, 9)


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    from desktopcrm.views.local_time import local_zone

    local_zone.cache_clear()


def open_screen(qtbot: Any, context: AppContext, mode: str = "week") -> CalendarScreen:
    screen = CalendarScreen(context, today=TODAY)
    qtbot.addWidget(screen)
    screen.resize(1100, 800)
    screen.show()
    qtbot.waitExposed(screen)
    screen.set_mode(mode)
    settle(qtbot, screen)
    return screen


def settle(qtbot: Any, screen: CalendarScreen) -> None:
    qtbot.waitUntil(lambda: not screen.busy, timeout=5000)


def point(grid: TimeGrid, day: int, hour: float) -> QPoint:
    """Where ``day`` (0 = Monday) at ``hour`` is on the grid."""
    return QPoint(int(GUTTER + (day + 0.5) * grid.column_width), int(hour * HOUR_HEIGHT))


def drag(qtbot: Any, widget: Any, start: QPoint, end: QPoint) -> None:
    qtbot.mousePress(widget, Qt.MouseButton.LeftButton, pos=start)
    middle = QPoint((start.x() + end.x()) // 2, (start.y() + end.y()) // 2)
    for pos in (middle, end):
        qtbot.mouseMove(widget, pos=pos)
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton, pos=end)


def scope_dialog(qtbot: Any, screen: Any) -> RecurringScopeDialog:
    qtbot.waitUntil(lambda: screen.findChild(RecurringScopeDialog) is not None)
    dialog = screen.findChild(RecurringScopeDialog)
    assert dialog.isVisible()
    return dialog


def test_move_by_mouse(qtbot: Any, context: AppContext) -> None:
    row = calendar.create_appointment(
        context.user, "Demo", MON + dt.timedelta(hours=10), MON + dt.timedelta(hours=11)
    )
    screen = open_screen(qtbot, context)
    grid = screen.grid
    assert [b.occurrence.title for b in grid.boxes] == ["Demo"]
    # Drag Monday 10:15 (inside the box) to Tuesday 14:15: it moves a day and four hours.
    drag(qtbot, grid, point(grid, 0, 10.25), point(grid, 1, 14.25))
    settle(qtbot, screen)
    stored = Appointment.get_by_id(row.id)
    assert (stored.start_at, stored.end_at) == (
        MON + dt.timedelta(days=1, hours=14),
        MON + dt.timedelta(days=1, hours=15),
    )
    assert grid.boxes[0].start == stored.start_at


def test_resize_by_mouse(qtbot: Any, context: AppContext) -> None:
    row = calendar.create_appointment(
        context.user, "Demo", MON + dt.timedelta(hours=10), MON + dt.timedelta(hours=11)
    )
    screen = open_screen(qtbot, context)
    grid = screen.grid
    box = grid.boxes[0]
    edge = QPoint(int(box.rect.center().x()), int(box.rect.bottom()) - 2)
    drag(qtbot, grid, edge, QPoint(edge.x(), edge.y() + int(1.5 * HOUR_HEIGHT)))
    settle(qtbot, screen)
    stored = Appointment.get_by_id(row.id)
    assert (stored.start_at, stored.end_at) == (
        MON + dt.timedelta(hours=10),
        MON + dt.timedelta(hours=12, minutes=30),
    )


def test_create_by_dragging_an_empty_slot(qtbot: Any, context: AppContext) -> None:
    screen = open_screen(qtbot, context)
    grid = screen.grid
    drag(qtbot, grid, point(grid, 2, 9), point(grid, 2, 10.5))
    qtbot.waitUntil(lambda: screen.findChild(AppointmentDialog) is not None)
    dialog = screen.findChild(AppointmentDialog)
    qtbot.keyClicks(dialog.title, "Planning")
    qtbot.keyClicks(dialog.location, "Room 4")
    qtbot.keyClicks(dialog.invite, "guest@example.org")
    qtbot.keyClick(dialog.invite, Qt.Key.Key_Return)
    dialog.save()
    settle(qtbot, screen)
    row = Appointment.get(Appointment.title == "Planning")
    assert (row.start_at, row.end_at, row.location) == (
        MON + dt.timedelta(days=2, hours=9),
        MON + dt.timedelta(days=2, hours=10, minutes=30),
        "Room 4",
    )
    assert [a.email for a in calendar.attendees_of(row)] == ["guest@example.org"]
    assert [b.occurrence.title for b in grid.boxes] == ["Planning"]


def test_keyboard_moves_resizes_and_deletes(qtbot: Any, context: AppContext) -> None:
    row = calendar.create_appointment(
        context.user, "Call", MON + dt.timedelta(hours=10), MON + dt.timedelta(hours=11)
    )
    screen = open_screen(qtbot, context)
    grid = screen.grid
    grid.setFocus()
    qtbot.keyClick(grid, Qt.Key.Key_Tab)  # selects the first appointment
    assert grid.selected_occurrence() is not None
    qtbot.keyClick(grid, Qt.Key.Key_Down)
    settle(qtbot, screen)
    qtbot.keyClick(grid, Qt.Key.Key_Right)
    settle(qtbot, screen)
    qtbot.keyClick(grid, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    settle(qtbot, screen)
    stored = Appointment.get_by_id(row.id)
    assert (stored.start_at, stored.end_at) == (
        MON + dt.timedelta(days=1, hours=10, minutes=15),
        MON + dt.timedelta(days=1, hours=11, minutes=30),
    )
    qtbot.keyClick(grid, Qt.Key.Key_Delete)
    settle(qtbot, screen)
    assert Appointment.get_by_id(row.id).is_deleted
    assert grid.boxes == []


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        (EditScope.THIS, [10, 15, 10, 10]),
        (EditScope.FOLLOWING, [10, 15, 15, 15]),
        (EditScope.ALL, [15, 15, 15, 15]),
    ],
)
def test_dragging_a_recurring_occurrence_asks_the_scope(
    qtbot: Any, context: AppContext, scope: EditScope, expected: list[int]
) -> None:
    calendar.create_appointment(
        context.user,
        "Stand-up",
        MON - dt.timedelta(weeks=1) + dt.timedelta(hours=10),
        MON - dt.timedelta(weeks=1) + dt.timedelta(hours=10, minutes=30),
        rrule="FREQ=WEEKLY;COUNT=4",
    )
    screen = open_screen(qtbot, context)
    grid = screen.grid
    drag(qtbot, grid, point(grid, 0, 10.2), point(grid, 0, 15.2))
    scope_dialog(qtbot, screen).choose(scope)
    settle(qtbot, screen)
    found = calendar.occurrences(
        context.user, MON - dt.timedelta(weeks=2), MON + dt.timedelta(weeks=4)
    )
    assert [o.start.hour for o in found] == expected
    assert [b.start.hour for b in grid.boxes] == [15]


def test_cancelling_the_scope_changes_nothing(qtbot: Any, context: AppContext) -> None:
    series = calendar.create_appointment(
        context.user, "Weekly", MON + dt.timedelta(hours=10), MON + dt.timedelta(hours=11),
        rrule="FREQ=WEEKLY;COUNT=3",
    )  # fmt: skip
    screen = open_screen(qtbot, context)
    drag(qtbot, screen.grid, point(screen.grid, 0, 10.2), point(screen.grid, 0, 13.2))
    scope_dialog(qtbot, screen).reject()
    settle(qtbot, screen)
    assert Appointment.get_by_id(series.id).version == series.version
    assert Appointment.select().count() == 1


def test_edit_dialog_on_a_recurring_occurrence(qtbot: Any, context: AppContext) -> None:
    person = contacts.create_person(
        context.user, first_name="Anna", last_name="Rossi", email="anna@example.com",
        check_duplicates=False,
    )  # fmt: skip
    series = calendar.create_appointment(
        context.user, "Review", MON + dt.timedelta(hours=9), MON + dt.timedelta(hours=10),
        rrule="FREQ=DAILY;COUNT=5",
        attendees=[calendar.AttendeeInput(email="bob@example.org", response="declined")],
    )  # fmt: skip
    screen = open_screen(qtbot, context)
    wednesday = next(b for b in screen.grid.boxes if b.start.day == 11)
    qtbot.mouseDClick(screen.grid, Qt.MouseButton.LeftButton, pos=wednesday.rect.center().toPoint())
    qtbot.waitUntil(lambda: screen.findChild(AppointmentDialog) is not None)
    dialog = screen.findChild(AppointmentDialog)
    assert dialog.title.text() == "Review"
    assert "Declined" in dialog.attendees.item(0).text()
    dialog.title.selectAll()
    qtbot.keyClicks(dialog.title, "Review with Anna")
    qtbot.keyClicks(dialog.invite, "Anna")
    assert dialog.invite.refresh() == 1
    dialog.invite.choose(0)
    assert len(dialog.attendee_inputs()) == 2
    dialog.save()
    scope_dialog(qtbot, dialog).choose(EditScope.THIS)
    settle(qtbot, screen)
    override = Appointment.get(Appointment.series == series.id)
    assert override.title == "Review with Anna"
    assert override.recurrence_id == MON + dt.timedelta(days=2, hours=9)
    assert {a.contact_id for a in calendar.attendees_of(override)} == {None, person.id}
    titles = [b.occurrence.title for b in screen.grid.boxes]
    assert titles == ["Review", "Review", "Review with Anna", "Review", "Review"]


def test_read_only_calendars_do_not_move(qtbot: Any, context: AppContext) -> None:
    google = calendar.create_calendar(context.user, "Google", external_id="x")
    synced = Appointment(
        calendar=google, title="Synced", start_at=MON + dt.timedelta(hours=10),
        end_at=MON + dt.timedelta(hours=11), span_end=MON + dt.timedelta(hours=11),
        owner=context.user, ical_uid="s1",
    )  # fmt: skip
    synced.save()
    screen = open_screen(qtbot, context)
    grid = screen.grid
    assert not grid.boxes[0].editable
    drag(qtbot, grid, point(grid, 0, 10.2), point(grid, 1, 14.2))
    qtbot.keyClick(grid, Qt.Key.Key_Down)
    settle(qtbot, screen)
    assert Appointment.get_by_id(synced.id).start_at == MON + dt.timedelta(hours=10)
    dialog = screen.edit(grid.boxes[0].occurrence)
    assert dialog.read_only and not dialog.title.isEnabled()
    dialog.reject()


def test_month_drag_moves_by_days(qtbot: Any, context: AppContext) -> None:
    row = calendar.create_appointment(
        context.user, "Visit", MON + dt.timedelta(hours=10), MON + dt.timedelta(hours=11)
    )
    screen = open_screen(qtbot, context, "month")
    month = screen.month
    box = month.boxes[0]
    target = month.cell_rect(box.day + 8).center().toPoint()  # next week, Tuesday
    drag(qtbot, month, box.rect.center().toPoint(), target)
    settle(qtbot, screen)
    assert Appointment.get_by_id(row.id).start_at == MON + dt.timedelta(days=8, hours=10)


def test_views_switch_and_navigate(qtbot: Any, context: AppContext) -> None:
    calendar.create_appointment(
        context.user, "Lunch", MON + dt.timedelta(days=2, hours=12),
        MON + dt.timedelta(days=2, hours=13),
    )  # fmt: skip
    calendar.create_appointment(
        context.user, "Fair", dt.datetime(2026, 3, 12), dt.datetime(2026, 3, 14), all_day=True
    )
    screen = open_screen(qtbot, context)
    assert screen.title.text() == "9–15 March 2026"
    assert [b.occurrence.title for b in screen.header.boxes] == ["Fair"]
    screen.set_mode("day")
    settle(qtbot, screen)
    assert screen.title.text() == "Wednesday 11 March 2026"
    assert [b.occurrence.title for b in screen.grid.boxes] == ["Lunch"]
    screen.shift(1)
    settle(qtbot, screen)
    assert screen.grid.boxes == []
    screen.set_mode("agenda")
    settle(qtbot, screen)
    assert [b.occurrence.title for b in screen.agenda.boxes] == ["Fair"]
    screen.go_today()
    settle(qtbot, screen)
    assert [b.occurrence.title for b in screen.agenda.boxes] == ["Lunch", "Fair"]
    screen.set_mode("month")
    settle(qtbot, screen)
    assert screen.title.text() == "March 2026"
    assert {b.occurrence.title for b in screen.month.boxes} == {"Lunch", "Fair"}


def test_ics_export_and_import(qtbot: Any, context: AppContext, tmp_path: Path) -> None:
    calendar.create_appointment(
        context.user, "Exported", MON + dt.timedelta(hours=10), MON + dt.timedelta(hours=11),
        rrule="FREQ=DAILY;COUNT=2",
    )  # fmt: skip
    screen = open_screen(qtbot, context)
    path = tmp_path / "out.ics"
    with qtbot.waitSignal(screen.export_to(path).finished, timeout=5000):
        pass
    assert b"RRULE:FREQ=DAILY;COUNT=2" in path.read_bytes()
    text = path.read_text().replace("Exported", "Imported").replace("@desktopcrm", "@elsewhere")
    other = tmp_path / "in.ics"
    other.write_text(text)
    with qtbot.waitSignal(screen.import_from(other).finished, timeout=5000):
        pass
    settle(qtbot, screen)
    assert sorted(b.occurrence.title for b in screen.grid.boxes) == [
        "Exported", "Exported", "Imported", "Imported",
    ]  # fmt: skip


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_view_paints(qtbot: Any, context: AppContext, scheme: str) -> None:
    context.theme.set_choice(scheme)  # type: ignore[union-attr]
    calendar.create_appointment(
        context.user, "Lunch", MON + dt.timedelta(hours=12), MON + dt.timedelta(hours=13)
    )
    screen = open_screen(qtbot, context)
    for mode in ("day", "week", "month", "agenda"):
        screen.set_mode(mode)
        settle(qtbot, screen)
        assert not screen.grab().isNull()
    QApplication.processEvents()


def test_add_menu_appointment_links_the_record_shown(qtbot: Any, context: AppContext) -> None:
    from desktopcrm.services import leads
    from desktopcrm.views.add_actions import builtin_add_actions
    from desktopcrm.views.main_window import MainWindow

    lead = leads.create_lead(context.user, last_name="Neri", check_duplicates=False)
    window = MainWindow(context, remember_state=False)
    qtbot.addWidget(window)
    window.show()
    window.open_record("lead", lead.id.hex)
    qtbot.waitUntil(lambda: bool(window.current_record and window.current_record.title))
    action = next(a for a in builtin_add_actions() if a.key == "appointment")
    dialog = action.run(window)
    assert isinstance(dialog, AppointmentDialog)
    qtbot.keyClicks(dialog.title, "Meet Neri")
    dialog.save()
    row = Appointment.get(Appointment.title == "Meet Neri")
    assert (row.record_type, row.record_id, row.owner_id) == ("lead", lead.id, context.user.id)
    assert [a.id for a in calendar.appointments_for_record(context.user, "lead", lead.id)] == [
        row.id
    ]
