"""Type-ahead linking: a line edit that suggests matching records as the user types.

``RecordPicker(context, kinds=("company",))`` searches ``services.search`` (an index lookup
of ~1-2 ms, so on the GUI thread, after a short pause in typing) among the kinds given and
offers the best matches in a popup; choosing one (click, or arrows and Enter) sets
``selected`` and emits ``picked``. Editing the text again clears the choice. Reusable by any
screen that links to a record (appointments, tasks, mail).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

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

KIND_ROLE = Qt.ItemDataRole.UserRole + 1
ID_ROLE = Qt.ItemDataRole.UserRole + 2
TITLE_ROLE = Qt.ItemDataRole.UserRole + 3

KIND_WORDS = {
    "lead": "Lead",
    "contact": "Person",
    "company": "Company",
    "deal": "Deal",
    "note": "Note",
}


@dataclass(frozen=True)
class PickedRecord:
    """The record chosen in a picker: its search kind ('lead', 'contact', 'company', 'deal'),
    id and title."""

    kind: str
    record_id: uuid.UUID
    title: str

    @property
    def record_kind(self) -> str:
        """The ``RecordKind`` value (a company is a contact)."""
        return "contact" if self.kind == "company" else self.kind


class RecordPicker(QLineEdit):
    """Args:
    context: whose user's visibility limits the suggestions.
    kinds: search kinds to suggest (``services.search.KINDS`` minus notes).
    placeholder: the hint shown while empty.
    """

    picked = Signal(object)  # PickedRecord, or None when the choice is cleared

    DELAY_MS = 120
    LIMIT = 8

    def __init__(
        self,
        context: AppContext,
        kinds: Sequence[str] = ("lead", "contact", "company", "deal"),
        placeholder: str = "Type a name…",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._context = context
        self.kinds = tuple(kinds)
        self.selected: PickedRecord | None = None
        self._pending_title = ""
        self.setObjectName("RecordPicker")
        self.setPlaceholderText(placeholder)
        self.setClearButtonEnabled(True)
        self.model = QStandardItemModel(self)
        self.completer_ = QCompleter(self.model, self)
        self.completer_.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer_.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer_.setMaxVisibleItems(self.LIMIT)
        self.completer_.setWidget(self)
        self.popup().setObjectName("RecordPickerPopup")
        self.completer_.activated[QModelIndex].connect(self._activated)  # type: ignore[index]
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(self.DELAY_MS)
        self._timer.timeout.connect(self.refresh)
        self.textEdited.connect(self._edited)

    def _edited(self, _text: str) -> None:
        if self.selected is not None:
            self.selected = None
            self.setProperty("linked", False)
            self._repolish()
            self.picked.emit(None)
        self._timer.start()

    def refresh(self) -> int:
        """Search now for the current text and show the suggestions; returns how many."""
        from desktopcrm.services.search import search

        self._timer.stop()
        text = self.text().strip()
        self.model.clear()
        if not text or not self._context.database_open:
            self.popup().hide()
            return 0
        hits = search(self._context.user, text, limit=self.LIMIT, kinds=self.kinds)
        for hit in hits:
            label = hit.title
            kind_word = KIND_WORDS.get(hit.kind, hit.kind)
            detail = f"{kind_word} · {hit.subtitle}" if hit.subtitle else kind_word
            item = QStandardItem(f"{label}    —  {detail}")
            item.setData(hit.kind, KIND_ROLE)
            item.setData(hit.record_id.hex, ID_ROLE)
            item.setData(hit.title, TITLE_ROLE)
            item.setToolTip(detail)
            self.model.appendRow(item)
        if hits:
            self.completer_.complete()
            self.popup().setCurrentIndex(self.model.index(0, 0))
        else:
            self.popup().hide()
        return len(hits)

    def popup(self) -> QAbstractItemView:
        """The completer's list of suggestions."""
        popup = self.completer_.popup()
        assert popup is not None
        return popup

    def suggestions(self) -> list[str]:
        """The titles currently suggested (for tests and accessibility)."""
        return [str(self.model.item(row).data(TITLE_ROLE)) for row in range(self.model.rowCount())]

    def choose(self, row: int) -> None:
        """Pick the suggestion at ``row`` (what a click or Enter on it does)."""
        self._activated(self.model.index(row, 0))

    def _activated(self, index: QModelIndex) -> None:
        if not index.isValid():
            return
        picked = PickedRecord(
            str(index.data(KIND_ROLE)),
            uuid.UUID(str(index.data(ID_ROLE))),
            str(index.data(TITLE_ROLE)),
        )
        self.popup().hide()
        self.set_record(picked)
        self.picked.emit(picked)

    def set_record(self, picked: PickedRecord | None) -> None:
        """Show ``picked`` as the chosen record (None clears), without emitting ``picked``."""
        self._timer.stop()
        self.selected = picked
        # QCompleter writes the row's text into the edit after activation: ours goes last.
        title = picked.title if picked else ""
        self.setText(title)
        self._pending_title = title
        QTimer.singleShot(0, self._restore_title)
        self.setProperty("linked", picked is not None)
        self._repolish()

    def _restore_title(self) -> None:
        title = self._pending_title
        if self.selected is not None and self.text() != title:
            self.setText(title)

    def _repolish(self) -> None:
        self.style().unpolish(self)
        self.style().polish(self)
