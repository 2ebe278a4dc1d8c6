"""What the settings editors share: admins edit, everyone else reads with a plain note why;
every change goes through a service, a refusal is shown as the service worded it, and the
section reloads from what was saved (after its own writes and when anyone else writes)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from desktopcrm.qt import QMessageBox, QTabBar, QWidget
from desktopcrm.services.errors import ServiceError
from desktopcrm.views.context import AppContext
from desktopcrm.views.operations import show_failure
from desktopcrm.views.settings.widgets import SectionPage, note

log = logging.getLogger("desktopcrm.views.settings.editors")


def segments(labels: Iterable[str], accessible_name: str) -> QTabBar:
    """A row of segments (Leads | Contacts | Deals) choosing what an editor shows."""
    bar = QTabBar()
    bar.setObjectName("Segments")
    bar.setAccessibleName(accessible_name)
    bar.setDrawBase(False)
    bar.setExpanding(False)
    bar.setUsesScrollButtons(False)
    for label in labels:
        bar.addTab(label)
    return bar


class EditorSection(SectionPage):
    """A settings section that edits configuration only admins may change.

    Args:
        what: what admins do here, for the read-only note ("change pipelines and stages").
        tables: the tables this section shows; a write to one of them reloads it.
    """

    def __init__(
        self,
        context: AppContext,
        title: str,
        intro: str,
        *,
        what: str,
        tables: Iterable[str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(title, intro, parent)
        self._context = context
        self._what = what
        self._tables = set(tables)
        self.last_failure: QMessageBox | None = None
        self._writing = False
        self.read_only_note = note("")
        self.read_only_note.setObjectName("Note")
        self.read_only_note.setAccessibleName("Read-only")
        self.add(self.read_only_note)
        for signal in (context.user_changed, context.database_reopened):
            signal.connect(self.refresh)
        context.database_changed.connect(self._external_change)
        context.records_changed.connect(self._records_changed)

    @property
    def context(self) -> AppContext:
        return self._context

    @property
    def editable(self) -> bool:
        return self._context.database_open and self._context.user.is_admin

    def refresh(self) -> None:
        """Reload from the database and apply the user's right to edit."""
        if not self._context.database_open:
            return
        user = self._context.user
        self.read_only_note.setVisible(not user.is_admin)
        self.read_only_note.setText(
            f"You are signed in as {user.name} ({user.profile_enum.label}), so this is read-only. "
            f"Only an admin can {self._what}; ask an admin of your office."
        )
        self.reload()
        self.set_editable(self.editable)

    def reload(self) -> None:
        """Read what the section shows (subclasses)."""

    def set_editable(self, editable: bool) -> None:
        """Show or hide the editing controls (subclasses)."""

    def _records_changed(self, table: str) -> None:
        if table in self._tables and not self._writing:
            self.refresh()

    def _external_change(self) -> None:
        if self.isVisible():
            self.refresh()

    def write(
        self, title: str, change: Callable[[], Any], *tables: str, quiet: bool = False
    ) -> Any | None:
        """Run a quick service call; on refusal show why and reload. ``title`` says what was
        tried ("rename the stage"). Returns the call's result, or None when refused."""
        try:
            result = change()
        except ServiceError as error:
            log.info("could not %s: %s", title, error)
            if not quiet:
                self.last_failure = show_failure(self, f"Could not {title}", error)
            self.refresh()
            return None
        self._writing = True
        try:
            for table in tables or sorted(self._tables):
                self._context.records_changed.emit(table)
        finally:
            self._writing = False
        self.refresh()
        return result
