"""Settings: a list of sections on the left, the chosen section on the right."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from desktopcrm.qt import (
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QSize,
    QStackedWidget,
    Qt,
    QWidget,
)
from desktopcrm.views.icons import icon

if TYPE_CHECKING:
    from desktopcrm.views.context import AppContext


@dataclass(frozen=True)
class SectionSpec:
    key: str
    title: str
    icon: str
    summary: str
    factory: Callable[[AppContext], QWidget]
    keywords: str = ""


def _database(context: AppContext) -> QWidget:
    from desktopcrm.views.settings.database_section import DatabaseSection

    return DatabaseSection(context)


def _users(context: AppContext) -> QWidget:
    from desktopcrm.views.settings.users_section import UsersSection

    return UsersSection(context)


def _pipelines(context: AppContext) -> QWidget:
    from desktopcrm.views.settings.pipelines_section import PipelinesSection

    return PipelinesSection(context)


def _custom_fields(context: AppContext) -> QWidget:
    from desktopcrm.views.settings.custom_fields_section import CustomFieldsSection

    return CustomFieldsSection(context)


def _note_labels(context: AppContext) -> QWidget:
    from desktopcrm.views.settings.note_labels_section import NoteLabelsSection

    return NoteLabelsSection(context)


def _lead_statuses(context: AppContext) -> QWidget:
    from desktopcrm.views.settings.lead_statuses_section import LeadStatusesSection

    return LeadStatusesSection(context)


def _import_export(context: AppContext) -> QWidget:
    from desktopcrm.views.settings.import_export_section import ImportExportSection

    return ImportExportSection(context)


def _notifications(context: AppContext) -> QWidget:
    from desktopcrm.views.settings.notifications_section import NotificationsSection

    return NotificationsSection(context)


def _mail_accounts(context: AppContext) -> QWidget:
    from desktopcrm.views.settings.mail_accounts import MailAccountsSection

    return MailAccountsSection(context)


def _mail_templates(context: AppContext) -> QWidget:
    from desktopcrm.views.settings.mail_templates_section import MailTemplatesSection

    return MailTemplatesSection(context)


def _appearance(context: AppContext) -> QWidget:
    from desktopcrm.views.settings.appearance_section import AppearanceSection

    return AppearanceSection(context)


def _about(context: AppContext) -> QWidget:
    from desktopcrm.views.settings.about_section import AboutSection

    return AboutSection(context)


SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec(
        "database",
        "Database",
        "database",
        "Where the data lives, integrity check, backups and restore",
        _database,
        "file location shared backup restore integrity check schema",
    ),
    SectionSpec(
        "users",
        "Users",
        "users",
        "The people of the office and their profiles",
        _users,
        "people profiles admin manager team",
    ),
    SectionSpec(
        "pipelines",
        "Pipelines",
        "board",
        "Pipelines and their stages, and the reasons deals are lost or unqualified",
        _pipelines,
        "pipeline stages stage deals won lost unqualified reasons probability forecast",
    ),
    SectionSpec(
        "custom-fields",
        "Custom fields",
        "fields",
        "Fields of your own on leads, contacts and deals",
        _custom_fields,
        "custom fields field dropdown options multi-select columns",
    ),
    SectionSpec(
        "notes",
        "Notes",
        "note",
        "Actions, statuses and variables of notes, with their colours",
        _note_labels,
        "note notes actions action statuses status variables colours colors abbreviation",
    ),
    SectionSpec(
        "lead-statuses",
        "Lead statuses",
        "flag",
        "The statuses a lead goes through, with their colours",
        _lead_statuses,
        "lead leads status statuses new working unqualified colours colors",
    ),
    SectionSpec(
        "import-export",
        "Import & export",
        "import",
        "Import a CSV file, undo an import, export records to CSV",
        _import_export,
        "import export csv file undo spreadsheet excel backup",
    ),
    SectionSpec(
        "notifications",
        "Notifications",
        "bell",
        "How you are told about assignments, reminders and your own rules",
        _notifications,
        "notifications notify alerts bell tray desktop reminders rules assigned",
    ),
    SectionSpec(
        "mail-accounts",
        "Mail accounts",
        "mail",
        "Connect Google accounts, sync health, open tracking",
        _mail_accounts,
        "gmail google email mail account accounts sync oauth connect keyring tracking opens",
    ),
    SectionSpec(
        "email-templates",
        "Email templates",
        "edit",
        "Reusable messages with fields filled from the record",
        _mail_templates,
        "email mail templates template fields first_name compose",
    ),
    SectionSpec(
        "appearance",
        "Appearance",
        "appearance",
        "Light, dark or follow the system",
        _appearance,
        "theme dark light colour color mode",
    ),
    SectionSpec(
        "about",
        "About",
        "info",
        "Version, data folder and log file",
        _about,
        "version log folder help",
    ),
)


class SettingsScreen(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.sections = QListWidget()
        self.sections.setObjectName("SettingsSections")
        self.sections.setAccessibleName("Settings sections")
        self.sections.setFixedWidth(220)
        self.sections.setIconSize(QSize(18, 18))
        for spec in SECTIONS:
            item = QListWidgetItem(icon(spec.icon), spec.title)
            item.setData(Qt.ItemDataRole.UserRole, spec.key)
            item.setToolTip(spec.summary)
            self.sections.addItem(item)
        layout.addWidget(self.sections)
        self.pages = QStackedWidget()
        layout.addWidget(self.pages, 1)
        self._pages: dict[str, QWidget] = {}
        self.sections.currentRowChanged.connect(self._row_changed)
        self.sections.setCurrentRow(0)

    def page(self, key: str) -> QWidget:
        """The section widget ``key``, built on first use."""
        page = self._pages.get(key)
        if page is None:
            spec = next(s for s in SECTIONS if s.key == key)
            page = spec.factory(self._context)
            page.setObjectName(f"section-{key}")
            self._pages[key] = page
            self.pages.addWidget(page)
        return page

    def _row_changed(self, row: int) -> None:
        if row >= 0:
            self.pages.setCurrentWidget(self.page(SECTIONS[row].key))

    def show_section(self, key: str, focus: str | None = None) -> None:
        keys = [s.key for s in SECTIONS]
        if key not in keys:
            return
        self.sections.setCurrentRow(keys.index(key))
        page = self.page(key)
        if focus is not None and hasattr(page, "focus_item"):
            page.focus_item(focus)
