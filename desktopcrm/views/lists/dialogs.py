"""Small dialogs of the list screens: name a smart list, pick tags, give the reason a deal is
lost or unqualified."""

from __future__ import annotations

from collections.abc import Sequence

from desktopcrm.qt import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    Qt,
    QVBoxLayout,
    QWidget,
)


class _Dialog(QDialog):
    def __init__(self, title: str, intro: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(400)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 20, 22, 18)
        layout.setSpacing(12)
        heading = QLabel(title)
        heading.setObjectName("DialogTitle")
        layout.addWidget(heading)
        if intro:
            text = QLabel(intro)
            text.setWordWrap(True)
            text.setProperty("muted", True)
            layout.addWidget(text)
        self.form = QFormLayout()
        self.form.setVerticalSpacing(10)
        layout.addLayout(self.form)
        self.error = QLabel("")
        self.error.setObjectName("FieldError")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setProperty("primary", True)
        layout.addWidget(self.buttons)

    def _accept(self) -> None:
        problem = self.problem()
        if problem:
            self.error.setText(problem)
            self.error.show()
            return
        self.accept()

    def problem(self) -> str:
        return ""


class SaveViewDialog(_Dialog):
    """Name a smart list (and share it with everyone)."""

    def __init__(
        self, name: str = "", *, rename: bool = False, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            "Rename smart list" if rename else "Save as smart list",
            "" if rename else "Saves the current filters, search, sort and columns.",
            parent,
        )
        self.name_edit = QLineEdit(name)
        self.name_edit.setAccessibleName("Smart list name")
        self.name_edit.setPlaceholderText("e.g. Hot leads in Berlin")
        self.form.addRow("Name", self.name_edit)
        self.shared_box = QCheckBox("Share with everyone in the office")
        if not rename:
            self.form.addRow("", self.shared_box)
        else:
            self.shared_box.hide()
        self.name_edit.selectAll()

    def problem(self) -> str:
        return "" if self.name.strip() else "Give the smart list a name."

    @property
    def name(self) -> str:
        return self.name_edit.text()


class TagDialog(_Dialog):
    """Pick or type the tags to add to (or take off) the selected records."""

    def __init__(
        self, title: str, tags: Sequence[str], count: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(title, f"For {count}. Separate several tags with commas.", parent)
        self.tag_combo = QComboBox()
        self.tag_combo.setEditable(True)
        self.tag_combo.setAccessibleName("Tags")
        self.tag_combo.addItems(list(tags))
        self.tag_combo.setCurrentIndex(-1)
        self.tag_combo.setEditText("")
        self.form.addRow("Tags", self.tag_combo)

    @property
    def names(self) -> list[str]:
        return [n.strip() for n in self.tag_combo.currentText().split(",") if n.strip()]

    def problem(self) -> str:
        return "" if self.names else "Type or pick at least one tag."


class ReasonDialog(_Dialog):
    """Why the deals are lost or unqualified (required by the deal rules)."""

    def __init__(
        self,
        stage_name: str,
        reasons: Sequence[tuple[str, object]],
        count: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            f"Move to {stage_name}",
            f"Moving {count} to {stage_name} needs a reason.",
            parent,
        )
        self.reason_combo = QComboBox()
        self.reason_combo.setAccessibleName("Reason")
        for label, value in reasons:
            self.reason_combo.addItem(label, value)
        self.form.addRow("Reason", self.reason_combo)
        self.note_edit = QPlainTextEdit()
        self.note_edit.setAccessibleName("Note")
        self.note_edit.setPlaceholderText("Optional detail")
        self.note_edit.setFixedHeight(70)
        self.form.addRow("Note", self.note_edit)

    def problem(self) -> str:
        return "" if self.reason_combo.currentIndex() >= 0 else "Choose a reason."

    @property
    def reason(self) -> object:
        return self.reason_combo.currentData()

    @property
    def note(self) -> str:
        return self.note_edit.toPlainText().strip()
