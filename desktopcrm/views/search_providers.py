"""What the global search finds today: screens, settings sections, commands and users."""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktopcrm.services import users
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
                        lambda key=spec.key: self._window.show_screen(key),
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
                        lambda key=section.key: self._window.show_screen("settings", key),
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
                        lambda c=command: c.run(self._window),
                        score=score,
                    )
                )
        return results


class UsersProvider:
    def __init__(self, window: MainWindow) -> None:
        self._window = window

    def search(self, text: str) -> list[SearchResult]:
        if not text.strip() or not self._window.context.database_open:
            return []
        results = []
        for user in users.list_users():
            score = match_score(text, user.name, user.email or "")
            if score:
                results.append(
                    SearchResult(
                        user.name,
                        "User",
                        "user",
                        lambda u=user: self._window.show_screen(
                            "settings", "users", focus=u.id.hex
                        ),
                        subtitle=" · ".join(filter(None, [user.profile_enum.label, user.email])),
                        score=score,
                    )
                )
        return results


def builtin_providers(window: MainWindow) -> list[SearchProvider]:
    return [
        ScreensProvider(window),
        CommandsProvider(window),
        SettingsSectionsProvider(window),
        UsersProvider(window),
    ]
