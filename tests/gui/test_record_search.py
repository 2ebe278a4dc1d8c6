"""Records in the Ctrl+K palette: found off the GUI thread as you type, Enter asks to open the
record (a note opens the record it is on), other users' records stay out of sight."""

from __future__ import annotations

from desktopcrm.models import Profile
from desktopcrm.qt import Qt
from desktopcrm.services import contacts, deals, leads, notes, users
from desktopcrm.views.palette_records import RecordsProvider


def _titles(window) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    model = window.palette_popup.model
    return [(model.result(r).title, model.result(r).kind) for r in range(model.rowCount())]


def _wait_for(qtbot, window, title: str) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: any(t == title for t, _ in _titles(window)), timeout=5000)


def test_typing_finds_a_person_and_enter_opens_it(qtbot, window, context) -> None:
    person = contacts.create_person(context.user, first_name="Zoe", last_name="Quartermaine")
    contacts.create_company(context.user, "Quartz Mining")
    window.focus_search()
    qtbot.keyClicks(window.top_bar.search, "quart")
    _wait_for(qtbot, window, "Zoe Quartermaine")
    kinds = dict(_titles(window))
    assert kinds["Zoe Quartermaine"] == "Person"
    assert kinds["Quartz Mining"] == "Company"
    palette = window.palette_popup
    palette.view.setCurrentIndex(
        palette.model.index([t for t, _ in _titles(window)].index("Zoe Quartermaine"), 0)
    )
    with qtbot.waitSignal(context.open_record) as opened:
        qtbot.keyClick(window.top_bar.search, Qt.Key.Key_Return)
    assert opened.args == ["contact", str(person.id)]
    assert not palette.isVisible()


def test_lead_deal_and_note_results_open_their_records(qtbot, window, context) -> None:
    lead = leads.create_lead(context.user, first_name="Xavier", last_name="Pellegrino")
    deal = deals.create_deal(context.user, "Pellegrino forklifts", 5000)
    notes.add_note(context.user, lead, "Pellegrinaggio: asked for a brochure")
    window.focus_search()
    qtbot.keyClicks(window.top_bar.search, "pellegr")
    qtbot.waitUntil(lambda: len(_titles(window)) >= 3, timeout=5000)
    palette = window.palette_popup
    by_kind = {palette.model.result(r).kind: r for r in range(palette.model.rowCount())}
    assert {"Lead", "Deal", "Note"} <= set(by_kind)

    opened: list[tuple[str, str]] = []
    context.open_record.connect(lambda kind, record_id: opened.append((kind, record_id)))
    for kind in ("Lead", "Deal", "Note"):
        palette.model.result(by_kind[kind]).activate()
    assert opened == [
        ("lead", str(lead.id)),
        ("deal", str(deal.id)),
        ("lead", str(lead.id)),  # the note opens the lead it is on
    ]


def test_results_follow_the_last_key_and_typing_is_never_blocked(qtbot, window, context) -> None:
    contacts.create_person(context.user, first_name="Walter", last_name="Ambrose")
    contacts.create_person(context.user, first_name="Wanda", last_name="Bellini")
    window.focus_search()
    qtbot.keyClicks(window.top_bar.search, "wa")
    # the keys were handled at once: the text is there before any query has answered
    assert window.top_bar.search.text() == "wa"
    qtbot.keyClicks(window.top_bar.search, "nda")
    _wait_for(qtbot, window, "Wanda Bellini")
    provider = next(p for p in window.palette_popup.providers if isinstance(p, RecordsProvider))
    qtbot.waitUntil(lambda: not provider.busy)
    titles = [t for t, _ in _titles(window)]
    assert "Walter Ambrose" not in titles  # stale results of "wa" never replace "wanda"'s


def test_a_user_does_not_find_other_peoples_records(qtbot, window, context) -> None:
    contacts.create_person(context.user, first_name="Yara", last_name="Admin-owned")
    plain = users.create_user(context.user, "Pia Plain", profile=Profile.USER)
    context.switch_user(plain)
    contacts.create_person(plain, first_name="Yara", last_name="Own")
    window.focus_search()
    qtbot.keyClicks(window.top_bar.search, "yara")
    _wait_for(qtbot, window, "Yara Own")
    assert "Yara Admin-owned" not in [t for t, _ in _titles(window)]


def test_commands_still_come_first_for_their_words(qtbot, window, context) -> None:
    contacts.create_person(context.user, first_name="Backus", last_name="Nova")
    window.focus_search()
    qtbot.keyClicks(window.top_bar.search, "back")
    _wait_for(qtbot, window, "Backus Nova")
    assert _titles(window)[0] == ("Back up now", "Command")


def test_enter_before_the_record_results_arrive_opens_the_best_record(
    qtbot, window, context
) -> None:
    """A quick typist presses Enter before the search worker answers: the palette waits for
    the records (not running the best command instead) and opens the best match."""
    person = contacts.create_person(context.user, first_name="Yusuf", last_name="Oyelaran")
    window.focus_search()
    with qtbot.waitSignal(context.open_record, timeout=5000) as opened:
        qtbot.keyClicks(window.top_bar.search, "oyelaran")
        qtbot.keyClick(window.top_bar.search, Qt.Key.Key_Return)
    assert opened.args == ["contact", str(person.id)]
    assert not window.palette_popup.isVisible()
