"""The options of a dropdown or multi-select field (up to ``MAX_OPTIONS``): add one or paste a
list, rename in place (F2), reorder by drag or Alt+Up/Alt+Down, remove with Delete.

Edits stay here until the dialog saves; ``specs()`` gives the list ``custom_fields.set_options``
takes (existing options by id, so renaming keeps the values that use them).
"""

from __future__ import annotations

import itertools
import uuid

from desktopcrm.models.custom_fields import MAX_OPTIONS
from desktopcrm.qt import (
    QEvent,
    QHBoxLayout,
    QKeyEvent,
    QLabel,
    QLineEdit,
    QObject,
    QPlainTextEdit,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desktopcrm.views.icons import icon
from desktopcrm.views.settings.editor_list import EditorItem, EditorList

OptionSpec = str | tuple[uuid.UUID, str]


class OptionsEditor(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._keys = itertools.count()
        self._options: list[tuple[str, uuid.UUID | None, str]] = []  # key, id, label
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        head = QHBoxLayout()
        title = QLabel("Options")
        title.setObjectName("FieldLabel")
        head.addWidget(title)
        head.addStretch(1)
        self.count_label = QLabel()
        self.count_label.setObjectName("Muted")
        head.addWidget(self.count_label)
        layout.addLayout(head)
        self.list = EditorList("Options")
        self.list.setMinimumHeight(180)
        self.list.reordered.connect(self._reordered)
        self.list.renamed.connect(self._renamed)
        self.list.delete_requested.connect(self.remove)
        layout.addWidget(self.list, 1)
        row = QHBoxLayout()
        self.new_edit = QLineEdit()
        self.new_edit.setPlaceholderText("New option")
        self.new_edit.setAccessibleName("New option")
        self.new_edit.installEventFilter(self)
        row.addWidget(self.new_edit, 1)
        self.add_button = QPushButton(icon("add"), "Add")
        self.add_button.setAccessibleName("Add the option")
        self.add_button.clicked.connect(self._add_typed)
        row.addWidget(self.add_button)
        self.paste_button = QPushButton("Paste a list…")
        self.paste_button.setCheckable(True)
        self.paste_button.setToolTip("Add many options at once: one per line")
        self.paste_button.toggled.connect(self._toggle_paste)
        row.addWidget(self.paste_button)
        self.remove_button = QPushButton(icon("trash"), "Remove")
        self.remove_button.setAccessibleName("Remove the selected option")
        self.remove_button.clicked.connect(lambda: self.remove(self.list.current_id() or ""))
        row.addWidget(self.remove_button)
        layout.addLayout(row)
        self.paste_box = QWidget()
        paste = QVBoxLayout(self.paste_box)
        paste.setContentsMargins(0, 0, 0, 0)
        self.paste_edit = QPlainTextEdit()
        self.paste_edit.setAccessibleName("Options to add, one per line")
        self.paste_edit.setPlaceholderText("One option per line")
        self.paste_edit.setFixedHeight(110)
        paste.addWidget(self.paste_edit)
        self.add_lines_button = QPushButton("Add these options")
        self.add_lines_button.clicked.connect(self._add_lines)
        paste.addWidget(self.add_lines_button)
        self.paste_box.hide()
        layout.addWidget(self.paste_box)
        self._show()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Enter in the new option's box adds it (and does not press the dialog's button)."""
        if (
            watched is self.new_edit
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        ):
            self._add_typed()
            return True
        return False

    def set_options(self, options: list[tuple[uuid.UUID, str]]) -> None:
        self._options = [(option_id.hex, option_id, label) for option_id, label in options]
        self._show()

    def labels(self) -> list[str]:
        return [label for _, _, label in self._options]

    def specs(self) -> list[OptionSpec]:
        return [(oid, label) if oid is not None else label for _, oid, label in self._options]

    def add(self, label: str) -> bool:
        label = " ".join(label.split())
        if not label:
            return False
        if label.casefold() in {existing.casefold() for existing in self.labels()}:
            return False
        self._options.append((f"new-{next(self._keys)}", None, label))
        return True

    def remove(self, key: str) -> None:
        self._options = [o for o in self._options if o[0] != key]
        self._show()
        self.changed.emit()

    def _add_typed(self) -> None:
        if self.add(self.new_edit.text()):
            self.new_edit.clear()
            self._show(select_last=True)
            self.changed.emit()

    def _add_lines(self) -> None:
        added = sum(self.add(line) for line in self.paste_edit.toPlainText().splitlines())
        self.paste_edit.clear()
        self.paste_button.setChecked(False)
        if added:
            self._show(select_last=True)
            self.changed.emit()

    def _toggle_paste(self, on: bool) -> None:
        self.paste_box.setVisible(on)
        if on:
            self.paste_edit.setFocus()

    def _reordered(self, keys: list[str]) -> None:
        by_key = {o[0]: o for o in self._options}
        self._options = [by_key[k] for k in keys]
        self.changed.emit()

    def _renamed(self, key: str, label: str) -> None:
        self._options = [(k, i, label if k == key else old) for k, i, old in self._options]
        self._show()
        self.changed.emit()

    def _show(self, select_last: bool = False) -> None:
        keep = self._options[-1][0] if select_last and self._options else None
        self.list.set_items([EditorItem(key, label) for key, _, label in self._options], keep=keep)
        count = len(self._options)
        self.count_label.setText(f"{count} of {MAX_OPTIONS}")
        self.count_label.setProperty("muted", True)
        full = count >= MAX_OPTIONS
        self.add_button.setEnabled(not full)
        self.new_edit.setEnabled(not full)
        self.remove_button.setEnabled(count > 0)
