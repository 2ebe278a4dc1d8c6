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
