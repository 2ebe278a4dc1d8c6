"""Every custom item model passes qtmodeltester."""

from __future__ import annotations

from desktopcrm.views.palette_model import PaletteModel
from desktopcrm.views.search import SearchResult, match_score, run_search


def test_palette_model(qtmodeltester) -> None:
    model = PaletteModel()
    qtmodeltester.check(model)
    model.set_results(
        [
            SearchResult("Go to Settings", "Screen", "settings", lambda: None, "Ctrl+1", 10),
            SearchResult("Back up now", "Command", "backup", lambda: None),
        ]
    )
    qtmodeltester.check(model)
    assert model.rowCount() == 2


def test_match_score_prefers_prefix_then_word_then_substring() -> None:
    prefix = match_score("back", "Back up now")
    word = match_score("up", "Back up now")
    inner = match_score("ck", "Back up now")
    fuzzy = match_score("bun", "Back up now")
    assert prefix > word > inner > fuzzy > 0
    assert match_score("zzz", "Back up now") == 0
    assert match_score("restore", "Settings › Database", "backup restore") > 0


def test_run_search_sorts_by_score() -> None:
    class Provider:
        def search(self, text: str) -> list[SearchResult]:
            return [
                SearchResult(title, "X", "add", lambda: None, score=match_score(text, title))
                for title in ("Database", "Users", "About")
                if match_score(text, title)
            ]

    assert [r.title for r in run_search([Provider()], "a")] == ["About", "Database"]
