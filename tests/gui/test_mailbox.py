"""The Mailbox screen driven as a user: folders and counts, reading, archive/delete with undo
and keys, filing an unknown sender, search, the outbox made visible, live refresh."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from desktopcrm.models.mail import Folder, MailMessage, MailOutbox, OutboxKind, OutboxState
from desktopcrm.models.records import Lead
from desktopcrm.qt import QKeySequence, Qt
from desktopcrm.views.context import AppContext
from desktopcrm.views.mail.list_model import FAILED_ROLE, ROW_ROLE
from desktopcrm.views.mail.screen import MailboxScreen
from tests.gui.mail_helpers import queue_send, raw_message, realistic_mailbox, store

NOW = dt.datetime.now(dt.UTC).replace(tzinfo=None)


@pytest.fixture
def office(context: AppContext) -> dict[str, Any]:
    return realistic_mailbox(context.user, NOW)


@pytest.fixture
def screen(qtbot, context: AppContext, office: dict[str, Any]) -> MailboxScreen:  # type: ignore[no-untyped-def]
    widget = MailboxScreen(context)
    qtbot.addWidget(widget)
    widget.resize(1300, 800)
    with qtbot.waitSignal(widget.loaded, timeout=10_000):
        widget.show()
    qtbot.waitUntil(lambda: widget.overview is not None, timeout=10_000)
    return widget


def rows(screen: MailboxScreen) -> list[Any]:
    model = screen.model
    return [model.index(i).data(ROW_ROLE) for i in range(model.rowCount())]


def subjects(screen: MailboxScreen) -> list[str]:
    return [row.subject for row in rows(screen)]


def select(qtbot, screen: MailboxScreen, message_id: int) -> None:  # type: ignore[no-untyped-def]
    position = screen.model.position_of(message_id)
    assert position >= 0
    with qtbot.waitSignal(screen.reader.shown, timeout=10_000):
        screen.list.setCurrentIndex(screen.model.index(position))
    screen.list.setFocus()


def open_folder(qtbot, screen: MailboxScreen, folder: Folder) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(screen.model.loaded, timeout=10_000):
        screen.folders.buttons[folder].click()


def test_folders_show_counts_with_unread_in_bold(screen: MailboxScreen, qtmodeltester) -> None:
    buttons = screen.folders.buttons
    assert buttons[Folder.INBOX].isChecked()
    assert (buttons[Folder.INBOX].total, buttons[Folder.INBOX].unread) == (4, 2)
    assert buttons[Folder.INBOX].count.text() == "2"
    assert buttons[Folder.INBOX].name.property("unread") is True
    assert buttons[Folder.UNMATCHED].unread == 1
    assert buttons[Folder.SENT].name.property("unread") is False
    assert buttons[Folder.SENT].count.text() == "2"
    assert buttons[Folder.ARCHIVED].total == 1
    # newest first; the stranger is not in the Inbox
    assert subjects(screen) == [
        "Re: Renewal for next year",
        "Pilot for our support team",
        "Renewal for next year",
        "Invoice address",
    ]
    assert screen.count_label.text() == "4 messages"
    assert [row.thread_size for row in rows(screen)] == [3, 1, 3, 1]
    first = screen.model.index(0)
    assert first.data(Qt.ItemDataRole.AccessibleTextRole).startswith("Unread, From Marco Rossi")
    qtmodeltester.check(screen.model)


def test_reader_shows_records_thread_and_no_script(qtbot, screen, office, context) -> None:  # type: ignore[no-untyped-def]
    select(qtbot, screen, office["renewal"].id)
    reader = screen.reader
    assert reader.subject.text() == "Re: Renewal for next year"
    chips = [chip.text() for chip in reader.chips.widgets()]
    assert "Contact · Marco Rossi" in chips
    assert "Deal · Vellano — 40 seats renewal" in chips
    assert "Company · Vellano Srl" in chips
    assert len(reader.conversation) == 3 and reader.thread_box.isVisible()
    text = reader.body.toPlainText()
    assert "We'll sign on Monday" in text and "pwned" not in text
    assert reader.body.documentTitle() != "pwned"
    assert reader.images_bar.isVisible()  # the remote logo is hidden
    assert reader.body.remote == ["https://cdn.vellano.example/logo.png"]
    # a chip opens the record
    with qtbot.waitSignal(context.open_record) as opened:
        deal_chip = next(c for c in reader.chips.widgets() if c.text().startswith("Deal"))
        qtbot.mouseClick(deal_chip, Qt.MouseButton.LeftButton)
    assert opened.args == ["deal", office["deal"].id.hex]
    # another message of the conversation
    first = reader.thread_layout.itemAt(1).widget()
    qtbot.mouseClick(first, Qt.MouseButton.LeftButton)
    assert reader.detail is not None and reader.detail.row.subject == "Renewal for next year"
    assert "renew for 40 seats" in reader.body.toPlainText()


def test_archive_delete_and_undo_by_keys(qtbot, screen, office) -> None:  # type: ignore[no-untyped-def]
    renewal = office["renewal"].id
    select(qtbot, screen, renewal)
    with qtbot.waitSignal(screen.changed, timeout=10_000):
        qtbot.keyClick(screen.list, Qt.Key.Key_E)
    qtbot.waitUntil(lambda: "Re: Renewal for next year" not in subjects(screen), timeout=10_000)
    assert MailMessage.get_by_id(renewal).folder == Folder.ARCHIVED.value
    outbox = MailOutbox.get(
        MailOutbox.mail_message == renewal, MailOutbox.payload.contains("INBOX")
    )  # (opening it queued another change: UNREAD removed)
    assert outbox.kind == OutboxKind.MODIFY.value
    assert screen.undo_bar.isVisible() and "Archived 1 message" in screen.undo_bar.text.text()
    # the next message is selected (once the list is read again), so E E E works through the Inbox
    qtbot.waitUntil(lambda: screen.list.currentIndex().row() == 0, timeout=10_000)

    with qtbot.waitSignal(screen.changed, timeout=10_000):
        qtbot.keySequence(screen, QKeySequence(QKeySequence.StandardKey.Undo))
    qtbot.waitUntil(lambda: "Re: Renewal for next year" in subjects(screen), timeout=10_000)
    assert MailMessage.get_by_id(renewal).folder == Folder.INBOX.value

    anna = office["anna_mail"].id
    select(qtbot, screen, anna)
    with qtbot.waitSignal(screen.changed, timeout=10_000):
        qtbot.keyClick(screen.list, Qt.Key.Key_Delete)
    assert MailMessage.get_by_id(anna).folder == Folder.TRASH.value
    with qtbot.waitSignal(screen.changed, timeout=10_000):
        screen.undo_bar.undo_button.click()
    assert MailMessage.get_by_id(anna).folder == Folder.INBOX.value
    qtbot.waitUntil(lambda: screen.model.position_of(anna) >= 0, timeout=10_000)
    select(qtbot, screen, anna)
    with qtbot.waitSignal(screen.changed, timeout=10_000):
        qtbot.keyClick(screen.list, Qt.Key.Key_NumberSign, Qt.KeyboardModifier.ShiftModifier)
    assert MailMessage.get_by_id(anna).folder == Folder.TRASH.value
    qtbot.waitUntil(lambda: screen.folders.buttons[Folder.INBOX].total == 3, timeout=10_000)


def test_keys_do_not_fire_while_typing_in_search(qtbot, screen, office) -> None:  # type: ignore[no-untyped-def]
    select(qtbot, screen, office["renewal"].id)
    screen.search.setFocus()
    qtbot.keyClicks(screen.search, "e")
    assert screen.search.text() == "e"
    assert MailMessage.get_by_id(office["renewal"].id).folder == Folder.INBOX.value


def test_archived_mail_moves_back_to_the_inbox(qtbot, screen, office) -> None:  # type: ignore[no-untyped-def]
    open_folder(qtbot, screen, Folder.ARCHIVED)
    assert subjects(screen) == ["Training dates"]
    assert screen.archive_button.text() == "Move to Inbox"
    select(qtbot, screen, office["archived"].id)
    with qtbot.waitSignal(screen.changed, timeout=10_000):
        screen.archive_button.click()
    assert MailMessage.get_by_id(office["archived"].id).folder == Folder.INBOX.value


def test_unknown_sender_added_as_lead_refiles_their_mail(qtbot, screen, office, context) -> None:  # type: ignore[no-untyped-def]
    open_folder(qtbot, screen, Folder.UNMATCHED)
    assert subjects(screen) == ["Following up", "Question about your pricing"]
    select(qtbot, screen, office["stranger"].id)
    add = next(w for w in screen.reader.chips.widgets() if w.objectName() == "AddAsLead")
    with qtbot.waitSignal(screen.changed, timeout=10_000):
        qtbot.mouseClick(add, Qt.MouseButton.LeftButton)
    lead = Lead.get(Lead.email == "zoe.martin@harbourfoods.com")
    assert (lead.first_name, lead.last_name) == ("Zoe", "Martin")
    zoe = MailMessage.select().where(MailMessage.from_address == "zoe.martin@harbourfoods.com")
    assert {m.folder for m in zoe} == {Folder.INBOX.value}
    qtbot.waitUntil(lambda: screen.model.rowCount() == 0, timeout=10_000)
    assert screen.empty.isVisible() and "unknown senders" in screen.empty.text()
    qtbot.waitUntil(lambda: screen.folders.buttons[Folder.INBOX].total == 6, timeout=10_000)


def test_search_as_you_type_over_subject_and_body(qtbot, screen) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(screen.model.loaded, timeout=10_000):
        qtbot.keyClicks(screen.search, "agents")  # only in the body
    assert subjects(screen) == ["Pilot for our support team"]
    assert screen.count_label.text() == "1 result"
    with qtbot.waitSignal(screen.model.loaded, timeout=10_000):
        screen.search.setText("nothing like this")
    assert screen.model.rowCount() == 0 and "has “nothing like this”" in screen.empty.text()
    with qtbot.waitSignal(screen.model.loaded, timeout=10_000):
        screen.search.clear()
    assert len(subjects(screen)) == 4


def test_sent_shows_replied_opens_queued_and_failed_with_retry(qtbot, context, office) -> None:  # type: ignore[no-untyped-def]
    account = office["account"]
    queued = queue_send(context.user, account, "Signed contract")
    failed = queue_send(context.user, account, "Countersigned copy", failed="Message too large.")
    widget = MailboxScreen(context)
    qtbot.addWidget(widget)
    widget.resize(1300, 800)
    with qtbot.waitSignal(widget.loaded, timeout=10_000):
        widget.show()
    open_folder(qtbot, widget, Folder.SENT)
    by_subject = {row.subject: (i, row) for i, row in enumerate(rows(widget))}
    position, _row = by_subject["Countersigned copy"]
    assert widget.model.index(position).data(FAILED_ROLE) == "Message too large."
    assert by_subject["Signed contract"][1].queued
    assert by_subject["Re: Renewal for next year"][1].replied
    assert by_subject["Our call on Thursday"][1].open_count == 3
    tip = widget.model.index(by_subject["Our call on Thursday"][0]).data(
        Qt.ItemDataRole.ToolTipRole
    )
    assert "approximate" in tip and "proxies" in tip
    qtbot.waitUntil(lambda: widget.summary.failed.isVisible(), timeout=10_000)
    assert "1 outgoing waiting" in widget.summary.outbox.text()

    select(qtbot, widget, queued.id)
    assert widget.reader.state_banner.isVisible() and not widget.reader.retry_button.isVisible()
    assert "Waiting in the outbox" in widget.reader.state_text.text()
    select(qtbot, widget, failed.id)
    assert "Message too large." in widget.reader.state_text.text()
    with qtbot.waitSignal(widget.model.loaded, timeout=10_000):
        qtbot.mouseClick(widget.reader.retry_button, Qt.MouseButton.LeftButton)
    states = {row.state for row in MailOutbox.select().where(MailOutbox.kind == "send")}
    assert states == {OutboxState.PENDING.value}
    qtbot.waitUntil(lambda: not widget.summary.failed.isVisible(), timeout=10_000)

    select(qtbot, widget, office["tracked"].id)
    assert widget.reader.opens.isVisible() and "about 3 times" in widget.reader.opens.text()
    assert "proxies" in widget.reader.opens.toolTip()


def test_new_mail_stored_by_the_sync_shows_without_a_click(qtbot, screen, office) -> None:  # type: ignore[no-untyped-def]
    screen._poll.setInterval(100)
    select(qtbot, screen, office["anna_mail"].id)
    store(
        office["account"],
        raw_message(
            "Anna Weber <anna.weber@brightlabs.io>", "me@northwind.example", "Signed pilot order",
            "Here it is.", at=NOW,
        ),
        labels=("INBOX", "UNREAD"),
    )  # fmt: skip
    qtbot.waitUntil(lambda: "Signed pilot order" in subjects(screen), timeout=10_000)
    assert subjects(screen)[0] == "Signed pilot order"
    # two unread before, Anna's read by opening it, the new one unread
    qtbot.waitUntil(lambda: screen.folders.buttons[Folder.INBOX].unread == 2, timeout=10_000)
    # the message being read stays selected
    assert screen.reader.message_id == office["anna_mail"].id
    assert screen.list.currentIndex().data(ROW_ROLE).id == office["anna_mail"].id


def test_record_page_lists_its_emails_and_opens_one(qtbot, context, office) -> None:  # type: ignore[no-untyped-def]
    from desktopcrm.views.record.page import RecordPage

    page = RecordPage(context, "contact", office["marco"].id)
    qtbot.addWidget(page)
    page.resize(1200, 900)
    page.show()
    card = page.mail
    qtbot.waitUntil(lambda: len(card.rows) == 4, timeout=10_000)
    texts = [card.lines.itemAt(i).widget().text() for i in range(card.lines.count())]
    assert texts[0].startswith("Marco Rossi  ·  Re: Renewal for next year")
    assert any(text.startswith("To Marco Rossi") for text in texts)
    assert not card.empty.isVisible()
    window = card.open_message(office["renewal"].id)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.reader.detail is not None, timeout=10_000)
    assert window.reader.subject.text() == "Re: Renewal for next year"
    assert len(window.reader.conversation) == 3


def test_record_without_mail_says_so(qtbot, context, office) -> None:  # type: ignore[no-untyped-def]
    from desktopcrm.services import leads
    from desktopcrm.views.record.page import RecordPage

    quiet = leads.create_lead(context.user, first_name="Nora", last_name="Quiet")
    page = RecordPage(context, "lead", quiet.id)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.mail.reading is not None and not page.mail.reading.running)
    qtbot.waitUntil(lambda: page.mail.empty.isVisible(), timeout=10_000)
    assert page.mail.rows == []


def test_opening_an_unread_message_marks_it_read(qtbot, screen, office) -> None:  # type: ignore[no-untyped-def]
    anna = office["anna_mail"]
    inbox = screen.folders.buttons[Folder.INBOX]
    assert inbox.unread == 2
    position = screen.model.position_of(anna.id)
    assert screen.model.index(position).data(ROW_ROLE).unread

    with qtbot.waitSignal(screen.reader.marked_read, timeout=10_000) as marked:
        select(qtbot, screen, anna.id)
    assert marked.args == [anna.id]
    stored = MailMessage.get_by_id(anna.id)
    assert not stored.unread and "UNREAD" not in stored.label_set
    queued = MailOutbox.get(MailOutbox.mail_message == anna.id)
    assert queued.kind == OutboxKind.MODIFY.value and "UNREAD" in queued.payload
    # the row and the folder's count say so without a reload of the list
    row = screen.model.index(position)
    assert not row.data(ROW_ROLE).unread
    assert not row.data(Qt.ItemDataRole.AccessibleTextRole).startswith("Unread")
    qtbot.waitUntil(lambda: inbox.unread == 1, timeout=10_000)
    assert inbox.count.text() == "1"

    # a message already read is not marked (nothing queued for Gmail)
    read_one = next(r for r in rows(screen) if not r.unread and r.id != anna.id)
    select(qtbot, screen, read_one.id)
    qtbot.wait(50)
    assert MailOutbox.select().where(MailOutbox.mail_message == read_one.id).count() == 0
