"""The mailbox list over a folder of many blocks: the first rows come before the count, and a
jump into the middle (the scroll bar dragged there) reads only the block there, by a keyset
seek, with the rows in the folder's order."""

from __future__ import annotations

import datetime as dt
import uuid

from desktopcrm.models import write_transaction
from desktopcrm.models.mail import Folder, MailAccount, MailMessage
from desktopcrm.qt import QAbstractItemView
from desktopcrm.services import mail
from desktopcrm.views.context import AppContext
from desktopcrm.views.mail.list_model import BLOCK, FIRST_ROWS, LOADING_ROLE, ROW_ROLE
from desktopcrm.views.mail.screen import MailboxScreen

MESSAGES = 5 * BLOCK + 37


def fill_inbox(context: AppContext) -> None:
    account = MailAccount.create(email="me@northwind.example", user=context.user, client_id="c")
    start = dt.datetime(2025, 6, 1, 12, 0)
    batch = [
        {
            "uid": uuid.uuid4(),
            "account": account.id,
            "gmail_id": f"g{n:06d}",
            "thread_id": f"t{n:06d}",
            "labels": "INBOX",
            "folder": Folder.INBOX.value,
            "subject": f"Message {n}",
            "from_name": "Anna Weber",
            "from_address": "anna@brightlabs.io",
            "date": start - dt.timedelta(minutes=n // 3),  # threes share a date
            "unread": n % 4 == 0,
            "matched": True,
        }
        for n in range(MESSAGES)
    ]
    with write_transaction():
        for first in range(0, len(batch), 200):
            MailMessage.insert_many(batch[first : first + 200]).execute()


def test_jump_to_the_middle_reads_that_block_only(qtbot, context, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    fill_inbox(context)
    screen = MailboxScreen(context)
    qtbot.addWidget(screen)
    screen.resize(1200, 700)
    model = screen.model
    with qtbot.waitSignal(model.loaded, timeout=10_000):
        screen.show()
    assert model.rowCount() in (FIRST_ROWS, MESSAGES)  # the first rows, then the count
    qtbot.waitUntil(lambda: model.count == MESSAGES, timeout=10_000)
    assert model.rowCount() == MESSAGES
    assert screen.count_label.text() == f"{MESSAGES:,} messages"
    expected = [row.subject for row in mail.folder_page(context.user, Folder.INBOX, limit=2000)]

    position = 3 * BLOCK + 17
    model.blocks_read.clear()
    assert model.index(position).data(LOADING_ROLE) is True  # a placeholder meanwhile
    screen.list.scrollTo(model.index(position), QAbstractItemView.ScrollHint.PositionAtTop)
    qtbot.waitUntil(lambda: model.row(position) is not None, timeout=10_000)
    assert model.blocks_read == [3]  # not the blocks above it
    assert [model.row(p).subject for p in range(3 * BLOCK, 4 * BLOCK)] == expected[
        3 * BLOCK : 4 * BLOCK
    ]
    # the last block, read from the bottom of the folder, and the one just above the jump
    for block in (5, 2):
        target = block * BLOCK + 1
        model.index(target).data(ROW_ROLE)
        qtbot.waitUntil(lambda t=target: model.row(t) is not None, timeout=10_000)
    assert [model.row(p).subject for p in range(5 * BLOCK, MESSAGES)] == expected[5 * BLOCK :]
    assert [model.row(p).subject for p in range(2 * BLOCK, 3 * BLOCK)] == expected[
        2 * BLOCK : 3 * BLOCK
    ]
    assert model.blocks_read == [3, 5, 2]
    qtmodeltester.check(model)


def test_refresh_keeps_the_place_in_a_long_folder(qtbot, context) -> None:  # type: ignore[no-untyped-def]
    fill_inbox(context)
    screen = MailboxScreen(context)
    qtbot.addWidget(screen)
    screen.resize(1200, 700)
    model = screen.model
    with qtbot.waitSignal(model.loaded, timeout=10_000):
        screen.show()
    qtbot.waitUntil(lambda: model.count == MESSAGES, timeout=10_000)
    position = 4 * BLOCK + 5
    screen.list.scrollTo(model.index(position), QAbstractItemView.ScrollHint.PositionAtTop)
    qtbot.waitUntil(lambda: model.row(position) is not None, timeout=10_000)
    shown = model.row(position)
    screen.list.setCurrentIndex(model.index(position))
    scrolled = screen.list.verticalScrollBar().value()

    model.blocks_read.clear()
    with qtbot.waitSignal(model.loaded, timeout=10_000):
        model.refresh()
    # no reset: the same rows, the scroll position and the current row stay
    assert model.rowCount() == MESSAGES
    assert model.row(position) == shown
    assert screen.list.verticalScrollBar().value() == scrolled
    assert screen.list.currentIndex().row() == position
    # the block on screen is read again
    qtbot.waitUntil(lambda: 4 in model.blocks_read, timeout=10_000)
    assert model.row(position) == shown
