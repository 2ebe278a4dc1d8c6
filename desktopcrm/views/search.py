"""The global search's plug-in point.

A ``SearchProvider`` turns typed text into ``SearchResult``s. Today the providers search what
exists (screens, settings sections, commands, users) on the GUI thread, so they must answer in
a few milliseconds; ``AsyncSearchProvider``s (records: ``palette_records``) run their query in
an ``Operation`` and deliver the results later, and the palette merges them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

MAX_RESULTS = 40


@dataclass(frozen=True)
class SearchResult:
    """One line of the command palette; ``activate`` runs when the user picks it."""

    title: str
    kind: str
    icon: str
    activate: Callable[[], object] = field(compare=False)
    subtitle: str = ""
    score: float = 0.0


class SearchProvider(Protocol):
    """Answers the palette's text; ``""`` asks for suggestions (may be none)."""

    def search(self, text: str) -> list[SearchResult]: ...


class AsyncSearchProvider(SearchProvider, Protocol):
    """A provider whose results come later (a query in an ``Operation``): the palette calls
    ``request`` after ``search`` and merges what ``deliver`` hands back for the same text."""

    def request(self, text: str, deliver: Callable[[list[SearchResult]], None]) -> None: ...


def merge_results(*groups: Iterable[SearchResult]) -> list[SearchResult]:
    """Results of several providers, best first (stable within equal scores)."""
    results = [result for group in groups for result in group]
    results.sort(key=lambda r: -r.score)
    return results[:MAX_RESULTS]


def match_score(text: str, title: str, keywords: str = "") -> float:
    """How well ``text`` matches ``title`` (then ``keywords``); 0 means no match.

    A prefix beats a word start, which beats a substring, which beats letters in order.
    """
    needle = text.strip().lower()
    if not needle:
        return 1.0
    haystack = title.lower()
    if haystack.startswith(needle):
        return 100.0 - len(haystack) * 0.1
    words = haystack.replace("…", " ").replace("›", " ").split()
    if any(word.startswith(needle) for word in words):
        return 80.0 - len(haystack) * 0.1
    if needle in haystack:
        return 60.0
    extra = keywords.lower()
    if extra and any(word.startswith(needle) for word in extra.split()):
        return 40.0
    position = 0
    for char in needle:
        position = haystack.find(char, position)
        if position < 0:
            return 0.0
        position += 1
    return 20.0


def run_search(providers: Iterable[SearchProvider], text: str) -> list[SearchResult]:
    """Every provider's results, best first (stable within equal scores)."""
    return merge_results(*(provider.search(text) for provider in providers))
