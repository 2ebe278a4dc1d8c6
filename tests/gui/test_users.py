"""Settings › Users, the Add user dialog, and switching user."""

from __future__ import annotations

from desktopcrm.models import ChangeLog, Profile, User
from desktopcrm.qt import QApplication, QMenu, Qt
from desktopcrm.services import users
from desktopcrm.views.main_window import MainWindow
from desktopcrm.views.settings.users_model import UsersModel
from desktopcrm.views.user_dialog import AddUserDialog
from tests.gui.conftest import offscreen_popup_noise


def test_add_user_dialog_creates_the_user(qtbot, context) -> None:
    dialog = AddUserDialog(context)
    qtbot.addWidget(dialog)
    before = ChangeLog.last_seq()
    qtbot.keyClicks(dialog.name_edit, "Anna Rossi")
    qtbot.keyClicks(dialog.email_edit, "anna@example.com")
    dialog.profile_combo.setCurrentIndex(dialog.profile_combo.findData(Profile.MANAGER.value))
    with qtbot.waitSignal(context.records_changed):
        qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == AddUserDialog.DialogCode.Accepted
    anna = User.get(User.name == "Anna Rossi")
    assert (anna.email, anna.profile) == ("anna@example.com", "manager")
    logged = ChangeLog.after(before)
    assert [(c.table_name, c.row_id, c.operation) for c in logged] == [("users", anna.id, "insert")]
    assert logged[0].user_id == context.user.id


def test_empty_name_is_refused_inline(qtbot, context) -> None:
    dialog = AddUserDialog(context)
    qtbot.addWidget(dialog)
    dialog.show()
    count = User.select().count()
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert dialog.name_error.isVisible()
    assert dialog.name_error.text() == "Enter the user's name."
    assert dialog.name_edit.property("invalid") is True
    assert User.select().count() == count
    qtbot.keyClicks(dialog.name_edit, "B")
    assert not dialog.name_error.isVisible()
    qtbot.keyClicks(dialog.email_edit, "not-an-email")
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert dialog.email_error.isVisible()
    assert "not an email address" in dialog.email_error.text()


def test_users_section_lists_users_and_admin_can_add(qtbot, window: MainWindow, context) -> None:
    users.create_user(context.user, "Bea Verdi", email="bea@example.com")
    window.show_screen("settings", "users")
    section = window.screen_widget("settings").page("users")
    assert section.model.rowCount() == 2
    assert section.add_button.isVisible()
    assert not section.read_only_note.isVisible()


def test_non_admins_see_users_read_only(qtbot, window: MainWindow, context) -> None:
    plain = users.create_user(context.user, "Carlo Neri", profile=Profile.USER)
    window.show_screen("settings", "users")
    section = window.screen_widget("settings").page("users")
    context.switch_user(plain)
    assert not section.add_button.isVisible()
    assert section.read_only_note.isVisible()
    assert "Only an admin" in section.read_only_note.text()
    add = window.top_bar.add_button
    assert add.isEnabled()  # records, yes; users, no
    assert "user" not in [action.key for action in add.available()]
    assert window.sidebar.user_chip.name_label.text() == "Carlo Neri"


@offscreen_popup_noise
def test_switch_user_from_the_user_menu(qtbot, window: MainWindow, context) -> None:
    other = users.create_user(context.user, "Dora Blu", profile=Profile.MANAGER)
    chip = window.sidebar.user_chip
    chip.setFocus()
    qtbot.keyClick(chip, Qt.Key.Key_Space)
    qtbot.waitUntil(chip.user_menu.isVisible)
    switch: QMenu = chip.user_menu.findChild(QMenu, "SwitchUserMenu")
    action = next(a for a in switch.actions() if a.data() == other.id.hex)
    with qtbot.waitSignal(context.user_changed):
        action.trigger()
    chip.user_menu.hide()
    assert context.user.id == other.id
    assert context.settings.get("current_users")  # remembered for next time
    assert chip.name_label.text() == "Dora Blu"


def test_users_model_passes_qtmodeltester(qtmodeltester, context) -> None:
    users.create_user(context.user, "Elio Gialli", email="elio@example.com")
    model = UsersModel()
    model.reload()
    qtmodeltester.check(model)
    assert model.rowCount() == 2


def test_palette_user_result_opens_users_section(qtbot, window: MainWindow, context) -> None:
    users.create_user(context.user, "Fabio Rosa")
    window.focus_search()
    qtbot.keyClicks(window.top_bar.search, "Fabio")
    assert window.palette_popup.model.result(0).kind == "User"
    qtbot.keyClick(window.top_bar.search, Qt.Key.Key_Return)
    # (Enter waits for the record search still running, then runs the best result)
    qtbot.waitUntil(lambda: not window.palette_popup.isVisible(), timeout=2000)
    section = window.screen_widget("settings").page("users")
    selected = section.table.selectionModel().selectedRows()
    assert [section.model.data(i) for i in selected] == ["Fabio Rosa"]
    assert QApplication.focusWidget() is section.table
