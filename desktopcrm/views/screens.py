"""The screens of the main window. Each issue that adds a screen (Dashboard, Leads, Contacts,
Companies, Deals, Board, Calendar, Tasks, Mail) adds its ``ScreenSpec`` to ``SCREENS``. Only
real screens are listed: no placeholders.

A spec names its widget class as ``"module:Class"``; the module is imported the first time the
screen is shown, so start-up does not grow with the number of screens."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from desktopcrm.qt import QWidget
    from desktopcrm.views.context import AppContext


class ScreenSpec(NamedTuple):
    """A screen of the sidebar (a named tuple, not a dataclass: the window's shell imports
    this module before its first paint, and ``dataclasses`` is 4 ms to import).

    Attributes:
        key: the name used by ``screenshot --screen``, QSettings and the command palette.
        title: shown in the sidebar and the top bar.
        icon: an icon name from resources/icons.
        widget: ``"module:Class"`` of the screen's widget, built with the ``AppContext``.
        group: 'main' screens sit at the top of the sidebar, 'system' ones at the bottom.
        order: position within the group.
        keywords: extra words the command palette matches.
    """

    key: str
    title: str
    icon: str
    widget: str
    group: str = "main"
    order: int = 100
    keywords: str = ""

    def build(self, context: AppContext) -> QWidget:
        """Import the screen's module and build its widget (the first time it is shown)."""
        module, _, name = self.widget.partition(":")
        widget: QWidget = getattr(importlib.import_module(module), name)(context)
        return widget


#: Every screen of this version, in no particular order (``group`` and ``order`` sort them).
SCREENS: tuple[ScreenSpec, ...] = (
    ScreenSpec(
        key="leads",
        title="Leads",
        icon="leads",
        widget="desktopcrm.views.lists.screen:LeadsScreen",
        order=20,
        keywords="lead prospects list smart lists filters",
    ),
    ScreenSpec(
        key="contacts",
        title="Contacts",
        icon="contacts",
        widget="desktopcrm.views.lists.screen:ContactsScreen",
        order=30,
        keywords="people persons contact list customers prospects smart lists filters",
    ),
    ScreenSpec(
        key="companies",
        title="Companies",
        icon="companies",
        widget="desktopcrm.views.lists.screen:CompaniesScreen",
        order=40,
        keywords="organisations organizations accounts company list smart lists filters",
    ),
    ScreenSpec(
        key="deals",
        title="Deals",
        icon="deals",
        widget="desktopcrm.views.lists.screen:DealsScreen",
        order=50,
        keywords="opportunities deal list pipeline stages smart lists filters",
    ),
    ScreenSpec(
        key="board",
        title="Board",
        icon="board",
        widget="desktopcrm.views.board.screen:BoardScreen",
        order=55,
        keywords="pipeline board kanban stages forecast drag deals won lost",
    ),
    ScreenSpec(
        key="calendar",
        title="Calendar",
        icon="calendar",
        widget="desktopcrm.views.calendar.screen:CalendarScreen",
        order=58,
        keywords="appointments meetings agenda day week month schedule events",
    ),
    ScreenSpec(
        key="tasks",
        title="Tasks",
        icon="tasks",
        widget="desktopcrm.views.tasks.screen:TasksScreen",
        order=60,
        keywords="to do todo overdue today upcoming done reminders",
    ),
    ScreenSpec(
        key="dashboard",
        title="Dashboard",
        icon="dashboard",
        widget="desktopcrm.views.dashboard.screen:DashboardScreen",
        order=10,
        keywords="home overview activity feed pipeline summary won lost tasks today appointments",
    ),
    ScreenSpec(
        key="mail",
        title="Mail",
        icon="mail",
        widget="desktopcrm.views.mail.screen:MailboxScreen",
        order=65,
        keywords="mailbox email gmail inbox unmatched sent archived outbox compose reply",
    ),
    ScreenSpec(
        key="settings",
        title="Settings",
        icon="settings",
        widget="desktopcrm.views.settings.screen:SettingsScreen",
        group="system",
        order=100,
        keywords="preferences options configuration",
    ),
)


def registered_screens() -> list[ScreenSpec]:
    """Every screen of this version: the 'main' group first, then 'system'."""
    return sorted(SCREENS, key=lambda s: (s.group != "main", s.order, s.title))
