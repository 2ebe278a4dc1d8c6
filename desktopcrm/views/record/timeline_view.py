"""The activity timeline of a record page (``services.timeline``): who did what, when."""

from __future__ import annotations

import html

from desktopcrm.qt import QLabel, QPushButton, Qt, QVBoxLayout, QWidget
from desktopcrm.services.timeline import TimelineEntry
from desktopcrm.views.record.widgets import local_time

SHOWN = 40

_MARKS = {
    "created": "✚",
    "deleted": "✖",
    "restored": "↺",
    "note": "✎",
    "document": "▣",
    "tags": "#",
    "stage": "➜",
    "converted": "⇄",
}


class TimelineItem(QWidget):
    def __init__(self, entry: TimelineEntry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entry = entry
        self.setObjectName("TimelineItem")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 6)
        layout.setSpacing(2)
        mark = _MARKS.get(entry.kind, "•")
        head = QLabel(
            f"<span>{mark}</span>&nbsp; <b>{html.escape(entry.who)}</b> {html.escape(entry.text)}"
        )
        head.setObjectName("TimelineText")
        head.setTextFormat(Qt.TextFormat.RichText)
        head.setWordWrap(True)
        layout.addWidget(head)
        when = QLabel(local_time(entry.at))
        when.setObjectName("RowSubtitle")
        when.setToolTip(entry.at.isoformat(sep=" ", timespec="seconds") + " UTC")
        layout.addWidget(when)
        for line in entry.details:
            detail = QLabel(line)
            detail.setObjectName("TimelineDetail")
            detail.setWordWrap(True)
            detail.setTextFormat(Qt.TextFormat.PlainText)
            layout.addWidget(detail)
        self.setAccessibleName(f"{entry.who} {entry.text}, {local_time(entry.at)}")


class TimelineView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Timeline")
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.layout_.setSpacing(0)
        self.items: list[TimelineItem] = []
        self.more = QPushButton()
        self.more.setProperty("flat", True)
        self.more.clicked.connect(self._show_all)
        self.entries: list[TimelineEntry] = []
        self._limit = SHOWN
        self.layout_.addWidget(self.more, 0, Qt.AlignmentFlag.AlignLeft)
        self.layout_.addStretch(1)

    def show_entries(self, entries: list[TimelineEntry]) -> None:
        if entries == self.entries and self.items:
            return
        self.entries = entries
        for item in self.items:
            item.hide()
            item.deleteLater()
        self.items = []
        for index, entry in enumerate(entries[: self._limit]):
            item = TimelineItem(entry)
            self.layout_.insertWidget(index, item)
            self.items.append(item)
        self.more.setVisible(len(entries) > self._limit)
        self.more.setText(f"Show all {len(entries)} entries")

    def texts(self) -> list[str]:
        """Each entry as "who text" (for tests and screen readers)."""
        return [f"{e.who} {e.text}" for e in self.entries]

    def _show_all(self) -> None:
        self._limit = 10**6
        entries, self.entries = self.entries, []
        self.show_entries(entries)
