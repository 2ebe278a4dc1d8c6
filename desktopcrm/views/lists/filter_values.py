"""Value editors of a filter condition beyond a line of text: a date with a calendar popup,
and several choices ("is any of") from a menu of check boxes."""

from __future__ import annotations

from collections.abc import Sequence

from desktopcrm.qt import QDate, QDateEdit, QMenu, QToolButton, QWidget, Signal

ISO = "yyyy-MM-dd"


class DateValue(QDateEdit):
    """A day typed (YYYY-MM-DD) or picked in a calendar; ``iso()`` is what a filter stores."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(QDate.currentDate(), parent)
        self.setCalendarPopup(True)
        self.setDisplayFormat(ISO)
        self.setAccessibleName(name)
        self.setMinimumWidth(130)

    def iso(self) -> str:
        return self.date().toString(ISO)

    def set_iso(self, text: str) -> bool:
        """Show the day ``text`` names; False (and unchanged) when it is not a date."""
        day = QDate.fromString(str(text).strip()[:10], ISO)
        if day.isValid():
            self.setDate(day)
        return day.isValid()


class ChoicesButton(QToolButton):
    """Several choices from a menu of check boxes; shows what is chosen."""

    changed = Signal()

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(name)
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.setMinimumWidth(160)
        self.menu_ = QMenu(self)
        self.setMenu(self.menu_)
        self._show_label()

    def set_choices(self, choices: Sequence[tuple[str, object]]) -> None:
        self.menu_.clear()
        for label, value in choices:
            action = self.menu_.addAction(label)
            action.setCheckable(True)
            action.setData(value)
            action.toggled.connect(self._toggled)
        self._show_label()

    def values(self) -> list[object]:
        return [a.data() for a in self.menu_.actions() if a.isChecked()]

    def set_values(self, values: Sequence[object]) -> None:
        wanted = {str(v) for v in values}
        for action in self.menu_.actions():
            action.blockSignals(True)
            action.setChecked(str(action.data()) in wanted)
            action.blockSignals(False)
        self._show_label()

    def _toggled(self, _on: bool) -> None:
        self._show_label()
        self.changed.emit()

    def _show_label(self) -> None:
        chosen = [a.text() for a in self.menu_.actions() if a.isChecked()]
        if not chosen:
            self.setText("Choose…")
        elif len(chosen) <= 2:
            self.setText(", ".join(chosen))
        else:
            self.setText(f"{chosen[0]} and {len(chosen) - 1} more")
        self.setToolTip(", ".join(chosen))
