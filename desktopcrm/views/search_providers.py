"""What the global search finds: screens, settings sections, commands, users and records."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from desktopcrm.views.commands import builtin_commands
from desktopcrm.views.search import SearchProvider, SearchResult, match_score

if TYPE_CHECKING:
    from desktopcrm.views.main_window import MainWindow


class ScreensProvider:
    def __init__(self, window: MainWindow) -> None:
        self._window = window

    def search(self, text: str) -> list[SearchResult]:
        results = []
        for index, spec in enumerate(self._window.screens):
            score = match_score(text, spec.title, spec.keywords)
            if score:
                shortcut = f"Ctrl+{index + 1}" if index < 9 else ""
                results.append(
                    SearchResult(
                        f"Go to {spec.title}",
                        "Screen",
                        spec.icon,
                        partial(self._window.show_screen, spec.key),
                        subtitle=shortcut,
                        score=score + 5,
                    )
                )
        return results


class SettingsSectionsProvider:
    def __init__(self, window: MainWindow) -> None:
        self._window = window

    def search(self, text: str) -> list[SearchResult]:
        if not text.strip():
            return []
        from desktopcrm.views.settings.screen import SECTIONS

        results = []
        for section in SECTIONS:
            score = match_score(text, section.title, section.keywords)
            if score:
                results.append(
                    SearchResult(
                        f"Settings › {section.title}",
                        "Settings",
                        section.icon,
                        partial(self._window.show_screen, "settings", section.key),
                        subtitle=section.summary,
                        score=score + 2,
                    )
                )
        return results


class CommandsProvider:
    def __init__(self, window: MainWindow) -> None:
        self._window = window

    def search(self, text: str) -> list[SearchResult]:
        results = []
        for command in builtin_commands():
            if not command.available(self._window.context):
                continue
            score = match_score(text, command.title, command.keywords)
            if score:
                results.append(
                    SearchResult(
                        command.title,
                        "Command",
                        command.icon,
                        partial(command.run, self._window),
                        score=score,
                    )
                )
        return results


class UsersProvider:
    def __init__(self, window: MainWindow) -> None:
        self._window = window

    def search(self, text: str) -> list[SearchResult]:
        """Queries the users only once something is typed (a small table, indexed by name)."""
        if not text.strip() or not self._window.context.database_open:
            return []
        from desktopcrm.services import users

        results = []
        for user in users.list_users():
            score = match_score(text, user.name, user.email or "")
            if score:
                results.append(
                    SearchResult(
                        user.name,
                        "User",
                        "user",
                        partial(self._window.show_screen, "settings", "users", focus=user.id.hex),
                        subtitle=" · ".join(filter(None, [user.profile_enum.label, user.email])),
                        score=score,
                    )
                )
        return results


def builtin_providers(window: MainWindow) -> list[SearchProvider]:
    from desktopcrm.views.palette_records import RecordsProvider

    return [
        ScreensProvider(window),
        CommandsProvider(window),
        SettingsSectionsProvider(window),
        UsersProvider(window),
        RecordsProvider(window.context),
    ]
