"""Add or edit an appointment: title, time and time zone, repeat, location, description,
reminder, attendees (contacts or any email, with their answers) and a linked record.

An occurrence of a recurring series asks "this one / this and following / all" before it is
saved. Appointments of read-only calendars open read-only.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
import zoneinfo
from typing import Any

from desktopcrm.qt import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QEvent,
    QFormLayout,
    QHBoxLayout,
    QKeyEvent,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QObject,
    QPlainTextEdit,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desktopcrm.services.calendar import AttendeeInput, EditScope, Occurrence
from desktopcrm.views.context import AppContext
from desktopcrm.views.local_time import from_qdatetime, local_zone, to_qdatetime, zone_name
from desktopcrm.views.record.picker import PickedRecord, RecordPicker
from desktopcrm.views.tasks.task_dialog import REMINDER_CHOICES

WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
RESPONSE_MARKS = {
    "accepted": "✓ Accepted",
    "declined": "✗ Declined",
    "tentative": "? Maybe",
    "needs-action": "… No answer",
}
ATTENDEE_ROLE = Qt.ItemDataRole.UserRole + 1


@functools.cache
def zone_names() -> list[str]:
    return sorted(zoneinfo.available_timezones())


def repeat_choices(start: dt.datetime) -> list[tuple[str, str]]:
    code, name = WEEKDAY_CODES[start.weekday()], WEEKDAY_NAMES[start.weekday()]
    return [
        ("", "Does not repeat"),
        ("FREQ=DAILY", "Daily"),
        ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "Every weekday (Monday to Friday)"),
        (f"FREQ=WEEKLY;BYDAY={code}", f"Weekly on {name}"),
        ("FREQ=MONTHLY", f"Monthly on day {start.day}"),
        ("FREQ=YEARLY", f"Yearly on {start:%d %B}"),
    ]


class AppointmentDialog(QDialog):
    """Args:
    context: the workspace (its user is the actor).
    occurrence: the occurrence to edit; None adds a new appointment.
    start, end: a new appointment's times (naive local wall time of ``local_zone()``).
    all_day: a new all-day appointment.
    link: a record to link a new appointment to.
    """

    saved = Signal(object)  # the appointment's id

    def __init__(
        self,
        context: AppContext,
        parent: QWidget | None = None,
        *,
        occurrence: Occurrence | None = None,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
        all_day: bool = False,
        link: PickedRecord | None = None,
    ) -> None:
        super().__init__(parent)
        from desktopcrm.services import calendar

        self.context = context
        self.occurrence = occurrence
        self.read_only = occurrence is not None and not occurrence.editable
        self.setObjectName("AppointmentDialog")
        self.setWindowTitle(
            "New appointment"
            if occurrence is None
            else ("Appointment (read-only)" if self.read_only else "Edit appointment")
        )
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setMinimumWidth(640)

        self.title = QLineEdit()
        self.title.setObjectName("AppointmentTitle")
        self.title.setPlaceholderText("Title")
        self.all_day = QCheckBox("All day")
        self.all_day.setObjectName("AppointmentAllDay")
        self.start = QDateTimeEdit()
        self.start.setObjectName("AppointmentStart")
        self.end = QDateTimeEdit()
        self.end.setObjectName("AppointmentEnd")
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setMinimumWidth(200)
        self.zone = QComboBox()
        self.zone.setObjectName("AppointmentZone")
        self.zone.setEditable(True)
        self.zone.addItems(zone_names())
        completer = QCompleter(zone_names(), self.zone)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.zone.setCompleter(completer)
        self.repeat = QComboBox()
        self.repeat.setObjectName("AppointmentRepeat")
        self.calendar = QComboBox()
        self.calendar.setObjectName("AppointmentCalendar")
        for cal in calendar.list_calendars():
            if cal.editable or (occurrence and occurrence.appointment.calendar_id == cal.id):
                self.calendar.addItem(cal.name, cal.id.hex)
        self.location = QLineEdit()
        self.location.setObjectName("AppointmentLocation")
        self.location.setPlaceholderText("Address, room or video link")
        self.reminder = QComboBox()
        self.reminder.setObjectName("AppointmentReminder")
        for value, label in REMINDER_CHOICES:
            self.reminder.addItem(label.replace("due time", "start"), value)
        self.link = RecordPicker(context, placeholder="Lead, person, company or deal…")
        self.link.setObjectName("AppointmentLink")
        self.description = QPlainTextEdit()
        self.description.setObjectName("AppointmentDescription")
        self.description.setFixedHeight(70)
        self.attendees = QListWidget()
        self.attendees.setObjectName("AppointmentAttendees")
        self.attendees.setFixedHeight(96)
        self.invite = RecordPicker(
            context, kinds=("contact",), placeholder="Invite a contact, or type an email + Enter"
        )
        self.invite.setObjectName("AppointmentInvite")
        self.remove_attendee = QPushButton("Remove")
        self.remove_attendee.setObjectName("RemoveAttendee")
        self.error = QLabel()
        self.error.setObjectName("FormError")
        self.error.setWordWrap(True)
        self.error.hide()

        when = QHBoxLayout()
        when.addWidget(self.start, 1)
        when.addWidget(QLabel("to"))
        when.addWidget(self.end, 1)
        when.addWidget(self.all_day)
        invite_row = QHBoxLayout()
        invite_row.addWidget(self.invite, 1)
        invite_row.addWidget(self.remove_attendee)
        form = QFormLayout()
        form.addRow("Title", self.title)
        form.addRow("When", when)
        form.addRow("Time zone", self.zone)
        form.addRow("Repeat", self.repeat)
        form.addRow("Calendar", self.calendar)
        form.addRow("Location", self.location)
        form.addRow("Reminder", self.reminder)
        form.addRow("Linked to", self.link)
        form.addRow("Attendees", self.attendees)
        form.addRow("", invite_row)
        form.addRow("Description", self.description)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Close
            if self.read_only
            else QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.delete_button: QPushButton | None = None
        if occurrence is not None and not self.read_only:
            self.delete_button = QPushButton("Delete")
            self.delete_button.setObjectName("DeleteAppointment")
            self.delete_button.clicked.connect(self.delete)
            buttons.addButton(self.delete_button, QDialogButtonBox.ButtonRole.DestructiveRole)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

        self.all_day.toggled.connect(self._all_day_toggled)
        self.start.dateTimeChanged.connect(self._start_changed)
        self.invite.picked.connect(self._invite_contact)
        self.invite.installEventFilter(self)
        self.remove_attendee.clicked.connect(self._remove_attendee)
        self._duration = dt.timedelta(hours=1)
        self._fill(start, end, all_day, link)
        if self.read_only:
            for widget in (
                self.title, self.all_day, self.start, self.end, self.zone, self.repeat,
                self.calendar, self.location, self.reminder, self.link, self.description,
                self.invite, self.remove_attendee,
            ):  # fmt: skip
                widget.setEnabled(False)

    # ---- filling -----------------------------------------------------------

    def _fill(
        self,
        start: dt.datetime | None,
        end: dt.datetime | None,
        all_day: bool,
        link: PickedRecord | None,
    ) -> None:
        from desktopcrm.services import calendar, tasks

        occurrence = self.occurrence
        if occurrence is None:
            tz = local_zone()
            now = dt.datetime.now()
            start = start or (now + dt.timedelta(hours=1)).replace(
                minute=0, second=0, microsecond=0
            )
            end = end or start + dt.timedelta(hours=1)
            self._set_zone(zone_name(tz))
            self.all_day.setChecked(all_day)
            self._set_times(start, end)
            self._fill_repeat(start, "")
            if link is not None:
                self.link.set_record(link)
            return
        row = occurrence.appointment
        series = row
        if row.series_id is not None:
            series = calendar.get_appointment(self.context.user, row.series_id)
        self.title.setText(row.title)
        self._set_zone(row.time_zone)
        self.all_day.setChecked(row.all_day)
        tz = self.current_zone()
        if row.all_day:
            local_start, local_end = occurrence.start, occurrence.end
        else:
            local_start = _wall(occurrence.start, tz)
            local_end = _wall(occurrence.end, tz)
        self._set_times(local_start, local_end)
        self._fill_repeat(local_start, series.rrule)
        self._select(self.calendar, row.calendar_id.hex)
        self.location.setText(row.location)
        self._select(self.reminder, row.reminder or "")
        self.description.setPlainText(row.description)
        if row.record_type and row.record_id:
            title = tasks.link_titles([(row.record_type, row.record_id)]).get(row.record_id, "")
            self.link.set_record(PickedRecord(row.record_type, row.record_id, title))
        for attendee in calendar.attendee_inputs(row):
            self._add_attendee(attendee)

    def _set_zone(self, name: str) -> None:
        index = self.zone.findText(name)
        if index >= 0:
            self.zone.setCurrentIndex(index)
        else:
            self.zone.setEditText(name)

    def current_zone(self) -> dt.tzinfo:
        from desktopcrm.services import recurrence

        return recurrence.zone(self.zone.currentText().strip() or "UTC")

    def _set_times(self, start: dt.datetime, end: dt.datetime) -> None:
        self._duration = end - start
        self.start.setDateTime(to_qdatetime(start))
        self.end.setDateTime(
            to_qdatetime(end - dt.timedelta(days=1) if self.all_day.isChecked() else end)
        )
        self._all_day_toggled(self.all_day.isChecked())

    def _fill_repeat(self, start: dt.datetime, rule: str) -> None:
        from desktopcrm.services import recurrence

        self.repeat.clear()
        known = False
        base = recurrence.parse_parts(rule)
        for value, label in repeat_choices(start):
            self.repeat.addItem(label, value)
            if (
                rule
                and value
                and recurrence.parse_parts(value)
                == {k: v for k, v in base.items() if k in ("FREQ", "BYDAY")}
                and set(base) <= {"FREQ", "BYDAY", "UNTIL", "COUNT"}
            ):
                known = True
                self.repeat.setItemData(self.repeat.count() - 1, rule)
                self.repeat.setCurrentIndex(self.repeat.count() - 1)
        if rule and not known:
            self.repeat.addItem(recurrence.describe(rule), rule)
            self.repeat.setCurrentIndex(self.repeat.count() - 1)
        self._original_rule = rule

    @staticmethod
    def _select(combo: QComboBox, value: str) -> None:
        index = combo.findData(value)
        if index >= 0:
            combo.setCurrentIndex(index)

    def _all_day_toggled(self, on: bool) -> None:
        fmt = "ddd d MMM yyyy" if on else "ddd d MMM yyyy  HH:mm"
        self.start.setDisplayFormat(fmt)
        self.end.setDisplayFormat(fmt)
        self.zone.setEnabled(not on and not self.read_only)

    def _start_changed(self, _value: Any) -> None:
        start = from_qdatetime(self.start.dateTime())
        end = from_qdatetime(self.end.dateTime())
        if end <= start or self.all_day.isChecked():
            length = (
                self._duration
                if not self.all_day.isChecked()
                else self._duration - dt.timedelta(days=1)
            )
            self.end.setDateTime(to_qdatetime(start + max(length, dt.timedelta(0))))

    # ---- attendees ---------------------------------------------------------

    def attendee_inputs(self) -> list[AttendeeInput]:
        found = []
        for row in range(self.attendees.count()):
            item = self.attendees.item(row)
            if item is not None:
                found.append(item.data(ATTENDEE_ROLE))
        return found

    def _add_attendee(self, attendee: AttendeeInput) -> None:
        keys = {(a.email.casefold(), a.contact_id) for a in self.attendee_inputs()}
        if (attendee.email.casefold(), attendee.contact_id) in keys:
            return
        name = attendee.name or attendee.email
        email = f" <{attendee.email}>" if attendee.email and attendee.name else ""
        mark = RESPONSE_MARKS.get(attendee.response, attendee.response)
        organizer = " · organizer" if attendee.organizer else ""
        item = QListWidgetItem(f"{name}{email}    {mark}{organizer}")
        item.setData(ATTENDEE_ROLE, attendee)
        self.attendees.addItem(item)

    def _invite_contact(self, picked: PickedRecord | None) -> None:
        from desktopcrm.models.records import Contact

        if picked is None:
            return
        contact = Contact.get_or_none(Contact.id == picked.record_id)
        if contact is None:
            return
        self._add_attendee(
            AttendeeInput(email=contact.email, name=contact.display_name, contact_id=contact.id)
        )
        self.invite.set_record(None)
        self.invite.clear()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Enter on a typed email invites it (and does not save the dialog).
        if (
            watched is self.invite
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and not self.invite.popup().isVisible()
            and self._invite_email()
        ):
            return True
        return super().eventFilter(watched, event)

    def _invite_email(self) -> bool:
        text = self.invite.text().strip()
        if self.invite.selected is not None or "@" not in text:
            return False
        self._add_attendee(AttendeeInput(email=text))
        self.invite.clear()
        return True

    def _remove_attendee(self) -> None:
        row = self.attendees.currentRow()
        if row >= 0:
            self.attendees.takeItem(row)

    # ---- saving ------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        from desktopcrm.services import recurrence

        picked = self.link.selected
        all_day = self.all_day.isChecked()
        start = from_qdatetime(self.start.dateTime())
        end = from_qdatetime(self.end.dateTime())
        if all_day:
            start = dt.datetime.combine(start.date(), dt.time())
            end = dt.datetime.combine(end.date(), dt.time()) + dt.timedelta(days=1)
        else:
            tz = self.current_zone()
            start, end = (
                recurrence.as_utc(start.replace(tzinfo=tz)),
                recurrence.as_utc(end.replace(tzinfo=tz)),
            )
        return {
            "title": self.title.text(),
            "start_at": start,
            "end_at": end,
            "all_day": all_day,
            "time_zone": self.zone.currentText().strip() or "UTC",
            "rrule": self.repeat.currentData() or "",
            "location": self.location.text(),
            "description": self.description.toPlainText(),
            "reminder": self.reminder.currentData() or None,
            "record_type": picked.record_kind if picked else None,
            "record_id": picked.record_id if picked else None,
            "attendees": self.attendee_inputs(),
        }

    def save(self) -> None:
        """Create, or update (asking the scope for a series occurrence)."""
        if self.read_only:
            self.reject()
            return
        values = self.values()
        occurrence = self.occurrence
        if occurrence is not None and occurrence.is_recurring:
            from desktopcrm.views.calendar.scope_dialog import ask_scope

            ask_scope(self, "Change", lambda scope: self._write(values, scope))
            return
        self._write(values, EditScope.ALL)

    def _write(self, values: dict[str, Any], scope: EditScope) -> None:
        from desktopcrm.models.calendar import Calendar
        from desktopcrm.models.errors import DatabaseError
        from desktopcrm.services import calendar
        from desktopcrm.services.errors import ServiceError

        user = self.context.user
        try:
            if self.occurrence is None:
                cal = Calendar.get_by_id(uuid.UUID(self.calendar.currentData()))
                values["calendar"] = cal
                title = values.pop("title")
                row = calendar.create_appointment(
                    user, title, values.pop("start_at"), values.pop("end_at"), **values
                )
            else:
                occurrence = self.occurrence
                if scope is EditScope.THIS or values["rrule"] == self._original_rule:
                    values.pop("rrule")
                if scope is EditScope.THIS:
                    values.pop("all_day")
                row = calendar.update_appointment(
                    user,
                    occurrence.appointment,
                    values,
                    original_start=occurrence.original_start,
                    scope=scope,
                )
        except (ServiceError, DatabaseError) as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        self.context.records_changed.emit("appointment")
        self.saved.emit(row.id)
        self.accept()

    def delete(self) -> None:
        occurrence = self.occurrence
        if occurrence is None:
            return
        from desktopcrm.views.calendar.scope_dialog import ask_scope

        if occurrence.is_recurring:
            ask_scope(self, "Delete", self._delete)
        else:
            self._delete(EditScope.ALL)

    def _delete(self, scope: EditScope) -> None:
        from desktopcrm.services import calendar

        assert self.occurrence is not None
        calendar.delete_appointment(
            self.context.user,
            self.occurrence.appointment,
            original_start=self.occurrence.original_start,
            scope=scope,
        )
        self.context.records_changed.emit("appointment")
        self.accept()


def _wall(value: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC).astimezone(tz).replace(tzinfo=None)


def open_appointment_dialog(
    context: AppContext, parent: QWidget | None = None, **kwargs: Any
) -> AppointmentDialog:
    dialog = AppointmentDialog(context, parent, **kwargs)
    dialog.open()
    dialog.title.setFocus()
    return dialog
