"""The question asked before changing a recurring appointment: this one, this and the
following ones, or all of them."""

from __future__ import annotations

from collections.abc import Callable

from desktopcrm.qt import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QRadioButton,
    Qt,
    QVBoxLayout,
    QWidget,
)
from desktopcrm.services.calendar import EditScope

CHOICES = (
    (EditScope.THIS, "This appointment"),
    (EditScope.FOLLOWING, "This and following appointments"),
    (EditScope.ALL, "All appointments"),
)


class RecurringScopeDialog(QDialog):
    """Args:
    verb: what is done ("Change", "Delete", "Move").
    on_choice: called with the chosen ``EditScope`` when the user confirms.
    """

    def __init__(
        self, verb: str, on_choice: Callable[[EditScope], None], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("RecurringScopeDialog")
        self.setWindowTitle(f"{verb} recurring appointment")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._on_choice = on_choice
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"{verb} which appointments of the series?"))
        self.group = QButtonGroup(self)
        self.buttons: dict[EditScope, QRadioButton] = {}
        for index, (scope, label) in enumerate(CHOICES):
            button = QRadioButton(label)
            button.setObjectName(f"scope-{scope.value}")
            self.group.addButton(button, index)
            self.buttons[scope] = button
            layout.addWidget(button)
        self.buttons[EditScope.THIS].setChecked(True)
        box = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        layout.addWidget(box)

    def choice(self) -> EditScope:
        return next(scope for scope, button in self.buttons.items() if button.isChecked())

    def choose(self, scope: EditScope) -> None:
        """Pick ``scope`` and confirm (what a click on it and OK do)."""
        self.buttons[scope].setChecked(True)
        self.accept()

    def accept(self) -> None:
        scope = self.choice()
        super().accept()
        self._on_choice(scope)


def ask_scope(
    parent: QWidget, verb: str, on_choice: Callable[[EditScope], None]
) -> RecurringScopeDialog:
    """Open the question (window-modal, not blocking); ``on_choice`` runs if confirmed."""
    dialog = RecurringScopeDialog(verb, on_choice, parent)
    dialog.open()
    return dialog
