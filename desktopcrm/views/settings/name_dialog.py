"""A small dialog asking for one name (a new pipeline, a pipeline's new name).

``submit`` is called with the typed name and returns the service's refusal (shown inline)
or None, which closes the dialog.
"""

from __future__ import annotations

from collections.abc import Callable

from desktopcrm.qt import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)


class NameDialog(QDialog):
    def __init__(
        self,
        title: str,
        label: str,
        submit: Callable[[str], str | None],
        *,
        text: str = "",
        action: str = "Save",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("NameDialog")
        self.setWindowTitle(title)
        self.setMinimumWidth(400)
        self._submit = submit
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.setSpacing(10)
        heading = QLabel(title)
        heading.setObjectName("DialogTitle")
        layout.addWidget(heading)
        caption = QLabel(label)
        caption.setObjectName("FieldLabel")
        layout.addWidget(caption)
        self.name_edit = QLineEdit(text)
        self.name_edit.setAccessibleName(label)
        self.name_edit.selectAll()
        caption.setBuddy(self.name_edit)
        layout.addWidget(self.name_edit)
        self.error = QLabel()
        self.error.setObjectName("FieldError")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.addButton(action, QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setProperty("primary", True)
        self.ok_button.setDefault(True)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.name_edit.textEdited.connect(lambda _t: self.error.hide())

    def _accept(self) -> None:
        refusal = self._submit(self.name_edit.text())
        if refusal:
            self.error.setText(refusal)
            self.error.show()
            self.name_edit.setFocus()
            return
        self.accept()
