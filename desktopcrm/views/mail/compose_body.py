"""The compose window's body editor (plain text or simple HTML) and its attachment list."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from desktopcrm.qt import (
    QFileDialog,
    QFont,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTextCharFormat,
    QTextEdit,
    QTextListFormat,
    QToolButton,
    QVBoxLayout,
    QWidget,
    Signal,
    is_alive,
)

MAX_TOTAL = 25 * 1024 * 1024  # Gmail's limit for a whole message


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


class BodyEditor(QWidget):
    """A text box with bold, italic, underline and bullets; "Plain text" sends no HTML."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        bar = QHBoxLayout()
        bar.setSpacing(2)
        self.edit = QTextEdit()
        self.edit.setObjectName("ComposeBody")
        self.edit.setAccessibleName("Message")
        self.edit.setPlaceholderText("Write your message…")
        self.edit.setTabChangesFocus(True)
        self.buttons: dict[str, QToolButton] = {}
        for key, text, tip in (
            ("bold", "B", "Bold (Ctrl+B)"),
            ("italic", "I", "Italic (Ctrl+I)"),
            ("underline", "U", "Underline (Ctrl+U)"),
            ("bullets", "•", "Bulleted list"),
        ):
            button = QToolButton()
            button.setText(text)
            button.setToolTip(tip)
            button.setAccessibleName(tip.split(" (")[0])
            button.setObjectName(f"format-{key}")
            button.setCheckable(key != "bullets")
            button.setAutoRaise(True)
            font = button.font()
            font.setBold(key == "bold")
            font.setItalic(key == "italic")
            font.setUnderline(key == "underline")
            button.setFont(font)
            bar.addWidget(button)
            self.buttons[key] = button
        self.buttons["bold"].toggled.connect(self._bold)
        self.buttons["italic"].toggled.connect(self.edit.setFontItalic)
        self.buttons["underline"].toggled.connect(self.edit.setFontUnderline)
        self.buttons["bullets"].clicked.connect(self._bullets)
        self.buttons["bold"].setShortcut("Ctrl+B")
        self.buttons["italic"].setShortcut("Ctrl+I")
        self.buttons["underline"].setShortcut("Ctrl+U")
        bar.addStretch(1)
        self.plain = QPushButton("Plain text")
        self.plain.setObjectName("PlainTextToggle")
        self.plain.setCheckable(True)
        self.plain.setProperty("flat", True)
        self.plain.setToolTip("Send plain text only (no formatting)")
        self.plain.toggled.connect(self.set_plain)
        bar.addWidget(self.plain)
        layout.addLayout(bar)
        layout.addWidget(self.edit, 1)
        self.edit.currentCharFormatChanged.connect(self._format_changed)

    def _bold(self, on: bool) -> None:
        self.edit.setFontWeight(QFont.Weight.Bold if on else QFont.Weight.Normal)

    def _bullets(self) -> None:
        cursor = self.edit.textCursor()
        current = cursor.currentList()
        if current is not None:
            block = cursor.blockFormat()
            current.remove(cursor.block())
            block.setIndent(0)
            cursor.setBlockFormat(block)
        else:
            cursor.createList(QTextListFormat.Style.ListDisc)
        self.edit.setFocus()

    def _format_changed(self, fmt: QTextCharFormat) -> None:
        # The text box reports a last format change while the editor is being destroyed,
        # after the buttons are gone.
        if not all(is_alive(button) for button in self.buttons.values()):
            return
        for key, on in (
            ("bold", fmt.fontWeight() >= QFont.Weight.Bold),
            ("italic", fmt.fontItalic()),
            ("underline", fmt.fontUnderline()),
        ):
            button = self.buttons[key]
            button.blockSignals(True)
            button.setChecked(on)
            button.blockSignals(False)

    def set_plain(self, plain: bool) -> None:
        """Plain text drops the formatting (the words stay)."""
        if plain and self.edit.acceptRichText():
            text = self.edit.toPlainText()
            self.edit.setAcceptRichText(False)
            self.edit.setPlainText(text)
        elif not plain:
            self.edit.setAcceptRichText(True)
        for button in self.buttons.values():
            button.setEnabled(not plain)
        if self.plain.isChecked() != plain:
            self.plain.setChecked(plain)

    @property
    def is_plain(self) -> bool:
        return not self.edit.acceptRichText()

    def text(self) -> str:
        return self.edit.toPlainText()

    def html(self) -> str:
        """The body as HTML ("" in plain-text mode)."""
        return "" if self.is_plain else self.edit.toHtml()

    def set_text(self, text: str) -> None:
        self.edit.setPlainText(text)

    def set_html(self, html_text: str) -> None:
        self.set_plain(False)
        self.edit.setHtml(html_text)

    def is_empty(self) -> bool:
        return not self.edit.toPlainText().strip()


@dataclass
class Attachment:
    """One file of the message: a file of the user's, or an attachment of the forwarded
    message (``part_index`` set), whose ``path`` is None until it has been fetched."""

    name: str
    size: int
    path: Path | None = None
    part_index: int | None = None
    failed: bool = False  # a forwarded one whose fetch failed

    def label(self) -> str:
        text = f"{self.name} ({human_size(self.size)})"
        if self.path is None:
            text += " — not fetched" if self.failed else " — fetching…"
        return text


class AttachmentList(QWidget):
    """The files to send: "Attach files…", the forwarded message's attachments, each with its
    size, removable."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.list = QListWidget()
        self.list.setObjectName("ComposeAttachments")
        self.list.setAccessibleName("Attachments")
        self.list.setFlow(QListWidget.Flow.LeftToRight)
        self.list.setWrapping(True)
        self.list.setMaximumHeight(64)
        self.list.hide()
        layout.addWidget(self.list, 1)
        side = QVBoxLayout()
        self.attach_button = QPushButton("Attach files…")
        self.attach_button.setObjectName("AttachButton")
        self.attach_button.clicked.connect(self.choose_files)
        side.addWidget(self.attach_button)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setObjectName("RemoveAttachment")
        self.remove_button.setProperty("flat", True)
        self.remove_button.setToolTip("Remove the selected attachment (or the last one)")
        self.remove_button.clicked.connect(self.remove_selected)
        self.remove_button.hide()
        side.addWidget(self.remove_button)
        layout.addLayout(side)
        self.total = QLabel()
        self.total.setObjectName("Muted")
        layout.addWidget(self.total)
        self.entries: list[Attachment] = []

    def choose_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Attach files")
        self.add_files([Path(f) for f in files])

    def add_files(self, paths: list[Path]) -> None:
        for path in paths:
            if path in self.paths() or not path.is_file():
                continue
            self._append(Attachment(path.name, _size(path), path))
        self._update()

    def add_forwarded(self, parts: list[tuple[int, str, int]]) -> None:
        """List the forwarded message's attachments (part index, file name, size), not
        fetched yet."""
        for part_index, name, size in parts:
            self._append(Attachment(name or f"attachment-{part_index + 1}", size, None, part_index))
        self._update()

    def _append(self, entry: Attachment) -> None:
        self.entries.append(entry)
        item = QListWidgetItem(entry.label())
        item.setToolTip(str(entry.path) if entry.path else "From the forwarded message")
        self.list.addItem(item)

    def set_fetched(self, part_index: int, path: Path) -> None:
        """The forwarded attachment ``part_index`` arrived as ``path`` (ignored if the user
        removed it meanwhile)."""
        for row, entry in enumerate(self.entries):
            if entry.part_index == part_index and entry.path is None:
                entry.path, entry.failed, entry.size = path, False, _size(path)
                item = self.list.item(row)
                item.setText(entry.label())
                item.setToolTip(f"From the forwarded message ({path})")
        self._update()

    def set_failed(self, part_indexes: list[int]) -> None:
        for row, entry in enumerate(self.entries):
            if entry.path is None and entry.part_index in part_indexes:
                entry.failed = True
                self.list.item(row).setText(entry.label())
        self._update()

    def unfetched(self) -> list[Attachment]:
        """Forwarded attachments still listed whose file has not arrived."""
        return [entry for entry in self.entries if entry.path is None]

    def remove_unfetched(self) -> list[str]:
        """Drop the forwarded attachments that have not arrived; their names."""
        rows = [row for row, entry in enumerate(self.entries) if entry.path is None]
        names = [self.entries[row].name for row in rows]
        self._remove_rows(rows)
        return names

    def remove_selected(self) -> None:
        rows = [self.list.row(item) for item in self.list.selectedItems()]
        if not rows and self.entries:
            rows = [len(self.entries) - 1]
        self._remove_rows(rows)

    def _remove_rows(self, rows: list[int]) -> None:
        for row in sorted(rows, reverse=True):
            self.list.takeItem(row)
            del self.entries[row]
        self._update()

    def _update(self) -> None:
        has = bool(self.entries)
        self.list.setVisible(has)
        self.remove_button.setVisible(has)
        total = self.total_size()
        self.total.setText(human_size(total) if has else "")
        self.total.setObjectName("ProblemText" if total > MAX_TOTAL else "Muted")
        self.total.setToolTip(
            "Over Gmail's 25 MB limit: remove some files, or share them as a link."
            if total > MAX_TOTAL
            else ""
        )
        self.total.style().unpolish(self.total)
        self.total.style().polish(self.total)
        self.changed.emit()

    def paths(self) -> tuple[Path, ...]:
        """The files to send (forwarded ones once fetched)."""
        return tuple(entry.path for entry in self.entries if entry.path is not None)

    def identities(self) -> tuple[object, ...]:
        """What is listed, the same before and after a forwarded attachment arrives."""
        return tuple(
            entry.part_index if entry.part_index is not None else entry.path
            for entry in self.entries
        )

    def total_size(self) -> int:
        """Bytes of all listed attachments (a forwarded one not fetched yet: its stated size)."""
        return sum(entry.size for entry in self.entries)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
