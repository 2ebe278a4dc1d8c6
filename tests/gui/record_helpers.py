"""Helpers for the record page tests: open a page as a user would and wait for it."""

from __future__ import annotations

from typing import Any

from desktopcrm.views.main_window import MainWindow
from desktopcrm.views.record.page import RecordPage


def open_page(qtbot: Any, window: MainWindow, kind: str, record: Any) -> RecordPage:
    """Ask for the record's page through ``AppContext.open_record`` and wait until it shows."""
    window.context.open_record.emit(kind, record.id.hex)
    page = window.current_record
    assert page is not None
    wait_loaded(qtbot, page)
    return page


def wait_loaded(qtbot: Any, page: RecordPage) -> None:
    """Wait until the page has (re)loaded and nothing is pending."""
    qtbot.waitUntil(
        lambda: bool(
            (page.details is not None or page.problem)
            and not (page.operation and page.operation.running)
            and not page._timer.isActive()
        ),
        timeout=10_000,
    )


def reload_and_wait(qtbot: Any, page: RecordPage) -> None:
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.reload()
    wait_loaded(qtbot, page)


def type_into(qtbot: Any, page: RecordPage, field: str, text: str, custom: bool = False) -> None:
    """Replace a field's text as a user would (select all, type)."""
    grid = page.custom_form if custom else page.form
    target = grid.rows[field].editor.focus_target()
    target.setFocus()
    target.selectAll()  # type: ignore[attr-defined]
    if text:
        qtbot.keyClicks(target, text)
    else:
        from desktopcrm.qt import Qt

        qtbot.keyClick(target, Qt.Key.Key_Delete)
