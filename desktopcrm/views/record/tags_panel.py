"""A record's tags: chips with a remove button, and a field that completes existing tags.

Adding and removing are saved at once (``record_details.add_tags``/``remove_tags``), each a
change on the record in the change log."""

from __future__ import annotations

from desktopcrm.qt import (
    QCompleter,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QStringListModel,
    Qt,
    QToolButton,
    QWidget,
    Signal,
)
from desktopcrm.services import record_details
from desktopcrm.services.errors import ServiceError
from desktopcrm.services.record_details import RecordDetails
from desktopcrm.views.context import AppContext
from desktopcrm.views.record.widgets import Card, ChipFlow, error_label


class TagChip(QFrame):
    remove_requested = Signal(str)

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.setObjectName("TagChip")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 2, 4, 2)
        layout.setSpacing(2)
        label = QLabel(name)
        label.setObjectName("TagChipText")
        layout.addWidget(label)
        self.remove = QToolButton()
        self.remove.setObjectName("TagRemove")
        self.remove.setText("×")
        self.remove.setAccessibleName(f"Remove tag {name}")
        self.remove.setToolTip(f"Remove {name}")
        self.remove.setCursor(Qt.CursorShape.PointingHandCursor)
        self.remove.clicked.connect(lambda: self.remove_requested.emit(self.name))
        layout.addWidget(self.remove)


class TagsPanel(Card):
    saved = Signal(str)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__("Tags", parent)
        self._context = context
        self.details: RecordDetails | None = None
        self.flow = ChipFlow()
        self.body.addWidget(self.flow)
        self.empty = QLabel("No tags yet.")
        self.empty.setObjectName("Muted")
        self.body.addWidget(self.empty)
        self.edit = QLineEdit()
        self.edit.setObjectName("TagInput")
        self.edit.setPlaceholderText("Add a tag and press Enter")
        self.edit.setAccessibleName("Add a tag")
        self.completions = QStringListModel(self)
        self.completer_ = QCompleter(self.completions, self)
        self.completer_.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer_.setFilterMode(Qt.MatchFlag.MatchContains)
        self.edit.setCompleter(self.completer_)
        self.edit.returnPressed.connect(self._add_typed)
        self.body.addWidget(self.edit)
        self.error = error_label()
        self.body.addWidget(self.error)

    def show_details(self, details: RecordDetails) -> None:
        self.details = details
        self.show_tags(details.tags)
        self.completions.setStringList(details.all_tags)
        read_only = getattr(details.record, "converted_at", None) is not None
        self.edit.setVisible(not read_only)

    def show_tags(self, names: list[str]) -> None:
        chips = []
        for name in names:
            tag = TagChip(name)
            tag.remove_requested.connect(self.remove_tag)
            chips.append(tag)
        self.flow.set_widgets(list(chips))
        self.flow.setVisible(bool(names))
        self.empty.setVisible(not names)

    def tag_names(self) -> list[str]:
        return [w.name for w in self.flow.widgets() if isinstance(w, TagChip)]

    def _add_typed(self) -> None:
        text = self.edit.text().strip()
        if text:
            self.add_tags([part for part in text.split(",") if part.strip()])

    def add_tags(self, names: list[str]) -> None:
        self._change(record_details.add_tags, names)
        if self.error.isHidden():
            self.edit.clear()

    def remove_tag(self, name: str) -> None:
        self._change(record_details.remove_tags, [name])
        self.edit.setFocus()

    def _change(self, command: object, names: list[str]) -> None:
        if self.details is None:
            return
        self.error.hide()
        try:
            result = command(self._context.user, self.details.record, names)  # type: ignore[operator]
        except ServiceError as error:
            self.error.setText(str(error))
            self.error.show()
            return
        self.details.tags = list(result)
        self.show_tags(self.details.tags)
        self.saved.emit(self.details.record._meta.table_name)
