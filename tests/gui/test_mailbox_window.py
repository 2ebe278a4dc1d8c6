"""The mailbox in the main window: the compose window's "no account" button shows Settings ›
Mail accounts, and Back (Alt+Left) keeps working on record pages after Mail and the compose
window were opened (also from a record's own Write email)."""

from __future__ import annotations

from desktopcrm.qt import QApplication, Qt
from desktopcrm.services import contacts
from desktopcrm.views.mail.compose import ComposeWindow, open_compose
from desktopcrm.views.main_window import MainWindow
from tests.gui.conftest import show_active
from tests.gui.record_helpers import open_page, wait_loaded


def close_compose(qtbot, compose: ComposeWindow) -> None:  # type: ignore[no-untyped-def]
    compose.close()
    qtbot.waitUntil(lambda: not compose.isVisible())


def test_no_account_button_shows_settings_mail_accounts(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.show_screen("mail")
    compose = open_compose(window.context, mode="new")
    qtbot.addWidget(compose)
    assert compose.no_account.isVisible()
    button = compose.no_account.findChild(type(compose.send_button))
    button.click()
    assert window.current_key == "settings"
    settings = window.screen_widget("settings")
    assert window.stack.currentWidget() is settings
    assert settings.pages.currentWidget() is settings.page("mail-accounts")
    assert settings.sections.currentItem().text().startswith("Mail accounts")
    close_compose(qtbot, compose)


def test_back_works_on_record_pages_after_mail_and_compose(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    company = contacts.create_company(window.context.user, "Globex Corporation")
    person = contacts.create_person(
        window.context.user, first_name="Anna", last_name="Rossi",
        email="anna@globex.example", company=company,
    )  # fmt: skip
    window.show_screen("mail")
    qtbot.waitSignal(window.screen_widget("mail").loaded, timeout=10_000, raising=False).wait()
    qtbot.wait(100)  # activation changes arrive as events
    # building the Mail screen shows no widget as a window of its own (which would take the
    # activation, and with it the window's shortcuts)
    assert QApplication.activeWindow() is window
    assert [w for w in QApplication.topLevelWidgets() if w.isVisible()] == [window]
    compose = open_compose(window.context, mode="new")
    qtbot.addWidget(compose)
    close_compose(qtbot, compose)
    show_active(qtbot, window)  # a desktop gives it back; offscreen nobody does

    page = open_page(qtbot, window, "contact", person)
    assert QApplication.activeWindow() is window
    # the Emails card writes to the record: the compose window opens addressed to her
    assert page.mail.write_button.isEnabled()
    written = page.mail.write()
    qtbot.addWidget(written)
    assert "anna@globex.example" in written.to_field.text()
    close_compose(qtbot, written)
    show_active(qtbot, window)

    page.related.rows[0].link.click()
    company_page = window.current_record
    wait_loaded(qtbot, company_page)
    assert company_page.title == "Globex Corporation"
    qtbot.keyClick(window.focusWidget() or window, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert window.current_record is page
    qtbot.keyClick(window.focusWidget() or window, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert window.current_record is None
    assert window.current_key == "mail"
    assert QApplication.activeWindow() is window
