"""A To / Cc / Bcc field: addresses separated by commas, CRM people suggested as one types.

The word being typed (after the last comma) is looked up among the leads, people and companies
with an address that the user may see, and the team, after a short pause (an index lookup of a
few milliseconds, like ``views.record.picker.RecordPicker``). Choosing a suggestion writes
``Name <address>, `` in place of the word and emits ``recipient_picked``. Any address may be
typed by hand; ``addresses()`` parses the field and ``problems()`` lists what is not one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktopcrm.qt import (
    QAbstractItemView,
    QCompleter,
    QLineEdit,
    QModelIndex,
    QStandardItem,
    QStandardItemModel,
    Qt,
    QTimer,
    QWidget,
    Signal,
)
from desktopcrm.views.context import AppContext

if TYPE_CHECKING:
    from desktopcrm.services.mail_recipients import Recipient
    from desktopcrm.sync.mime import Address

RECIPIENT_ROLE = Qt.ItemDataRole.UserRole + 1
KIND_WORDS = {"lead": "Lead", "contact": "Person", "company": "Company", "user": "Team"}


class RecipientField(QLineEdit):
    """Args:
    context: whose user's visibility limits the suggestions.
    """

    recipient_picked = Signal(object)  # Recipient

    DELAY_MS = 120
    LIMIT = 8

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._pending_text = ""
        self.setPlaceholderText("Type a name or an address…")
        self.model = QStandardItemModel(self)
        self.completer_ = QCompleter(self.model, self)
        self.completer_.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer_.setMaxVisibleItems(self.LIMIT)
        self.completer_.setWidget(self)
        self.popup().setObjectName("RecipientSuggestions")
        self.completer_.activated[QModelIndex].connect(self._activated)  # type: ignore[index]
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(self.DELAY_MS)
        self._timer.timeout.connect(self.refresh)
        self.textEdited.connect(self._edited)

    def popup(self) -> QAbstractItemView:
        popup = self.completer_.popup()
        assert popup is not None
        return popup

    def _edited(self, _text: str) -> None:
        self.set_invalid(False)
        self._timer.start()

    def current_word(self) -> str:
        """What is being typed: the text after the last comma or semicolon."""
        text = self.text()
        cut = max(text.rfind(","), text.rfind(";"))
        return text[cut + 1 :].strip()

    def refresh(self) -> int:
        """Look up the word being typed now and show the suggestions; returns how many."""
        from desktopcrm.services.mail_recipients import suggest_recipients

        self._timer.stop()
        self.model.clear()
        word = self.current_word()
        if len(word) < 2 or not self._context.database_open:
            self.popup().hide()
            return 0
        for recipient in suggest_recipients(self._context.user, word, limit=self.LIMIT):
            kind = KIND_WORDS.get(recipient.kind, recipient.kind)
            label = f"{recipient.name}  <{recipient.email}>" if recipient.name else recipient.email
            item = QStandardItem(f"{label}    —  {kind}")
            item.setData(recipient, RECIPIENT_ROLE)
            self.model.appendRow(item)
        count = self.model.rowCount()
        if count:
            self.completer_.complete()
            self.popup().setCurrentIndex(self.model.index(0, 0))
        else:
            self.popup().hide()
        return count

    def suggestions(self) -> list[Recipient]:
        """The recipients suggested now (for tests and accessibility)."""
        return [self.model.item(row).data(RECIPIENT_ROLE) for row in range(self.model.rowCount())]

    def choose(self, row: int) -> None:
        """Take the suggestion at ``row`` (what a click or Enter on it does)."""
        self._activated(self.model.index(row, 0))

    def _activated(self, index: QModelIndex) -> None:
        if not index.isValid():
            return
        recipient: Recipient = index.data(RECIPIENT_ROLE)
        self.popup().hide()
        self.add_recipient(recipient.display)
        self.recipient_picked.emit(recipient)

    def add_recipient(self, display: str) -> None:
        """Replace the word being typed with ``display`` and a separator."""
        text = self.text()
        cut = max(text.rfind(","), text.rfind(";"))
        head = text[: cut + 1].rstrip()
        new = f"{head} {display}, " if head else f"{display}, "
        self.setText(new)
        # QCompleter writes the row's text into the edit after activation: ours goes last.
        self._pending_text = new
        QTimer.singleShot(0, self._restore_text)

    def _restore_text(self) -> None:
        if self._pending_text and self.text() != self._pending_text:
            self.setText(self._pending_text)
        self._pending_text = ""

    def set_addresses(self, addresses: tuple[Address, ...]) -> None:
        self.setText(", ".join(str(a) for a in addresses))

    def addresses(self) -> tuple[Address, ...]:
        from desktopcrm.sync.drafts import parse_recipients

        return parse_recipients(self.text())[0]

    def problems(self) -> tuple[str, ...]:
        """The pieces of the field that are not addresses."""
        from desktopcrm.sync.drafts import parse_recipients

        return parse_recipients(self.text())[1]

    def set_invalid(self, invalid: bool) -> None:
        if bool(self.property("invalid")) == invalid:
            return
        self.setProperty("invalid", invalid)
        self.style().unpolish(self)
        self.style().polish(self)
