"""Someone else saved the record while you edited it: what they changed, theirs against
yours, and a choice. Nothing is saved until the user picks: keep theirs, overwrite with
mine, or merge field by field."""

from __future__ import annotations

from dataclasses import dataclass

from desktopcrm.models.errors import StaleRecordError
from desktopcrm.qt import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    Qt,
    QVBoxLayout,
    QWidget,
)

KEEP_THEIRS = "theirs"
OVERWRITE = "mine"
MERGE = "merge"


@dataclass(frozen=True)
class ConflictRow:
    """One field in the dialog: its label, their saved value and (if edited) yours."""

    key: str
    label: str
    theirs: str
    yours: str | None  # None: you did not edit this field


class ConflictDialog(QDialog):
    """``choice`` is ``KEEP_THEIRS``, ``OVERWRITE`` or ``MERGE`` once accepted; ``keep_mine``
    lists the fields both sides changed where your value wins (all of them for
    ``OVERWRITE``, none for ``KEEP_THEIRS``). Your edits to fields they did not touch are
    kept in every case."""

    def __init__(
        self,
        error: StaleRecordError,
        rows: list[ConflictRow],
        what: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("ConflictDialog")
        self.setWindowTitle("Changed by someone else")
        self.setMinimumWidth(620)
        self.choice: str | None = None
        self.keep_mine: set[str] = set()
        self.rows = rows
        self.deleted = not error.current or error.current.get("deleted_at") is not None
        who = error.changed_by or "Someone else"
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.setSpacing(12)
        title = QLabel(f"{who} changed this {what} while you were editing it")
        if self.deleted:
            title.setText(f"{who} deleted this {what} while you were editing it")
        title.setObjectName("DialogTitle")
        title.setWordWrap(True)
        self.title_text = title.text()
        layout.addWidget(title)
        intro = QLabel(
            "Your changes are not saved yet. Their version is saved. Choose what to keep: "
            "nothing is overwritten until you do."
            if not self.deleted
            else "Your changes were not saved. Restore the record from the page if it should "
            "stay, or discard your changes."
        )
        intro.setObjectName("Muted")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.groups: dict[str, QButtonGroup] = {}
        if not self.deleted:
            layout.addWidget(self._table())
        buttons = QDialogButtonBox()
        self.cancel_button = buttons.addButton(
            "Keep editing", QDialogButtonBox.ButtonRole.RejectRole
        )
        self.theirs_button: QPushButton | None = None
        self.mine_button: QPushButton | None = None
        self.merge_button: QPushButton | None = None
        if self.deleted:
            self.discard_button = buttons.addButton(
                "Discard my changes", QDialogButtonBox.ButtonRole.AcceptRole
            )
            self.discard_button.clicked.connect(lambda: self._finish(KEEP_THEIRS))
        else:
            self.theirs_button = buttons.addButton(
                "Keep theirs", QDialogButtonBox.ButtonRole.ActionRole
            )
            self.mine_button = buttons.addButton(
                "Overwrite with mine", QDialogButtonBox.ButtonRole.ActionRole
            )
            self.merge_button = buttons.addButton(
                "Save as chosen", QDialogButtonBox.ButtonRole.AcceptRole
            )
            self.merge_button.setProperty("primary", True)
            self.merge_button.setDefault(True)
            self.merge_button.setToolTip("Keep, field by field, the value chosen above")
            self.theirs_button.setToolTip("Drop your edits to the fields they changed")
            self.mine_button.setToolTip("Save every field you edited over their values")
            self.theirs_button.clicked.connect(lambda: self._finish(KEEP_THEIRS))
            self.mine_button.clicked.connect(lambda: self._finish(OVERWRITE))
            self.merge_button.clicked.connect(lambda: self._finish(MERGE))
        self.cancel_button.clicked.connect(self.reject)
        layout.addWidget(buttons)

    def _table(self) -> QWidget:
        frame = QFrame()
        frame.setObjectName("ConflictTable")
        frame.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        grid = QGridLayout(frame)
        grid.setContentsMargins(14, 10, 14, 12)
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(8)
        for column, text in enumerate(("Field", "Theirs (saved)", "Yours", "Keep")):
            head = QLabel(text)
            head.setObjectName("PanelHeading")
            grid.addWidget(head, 0, column)
        for index, row in enumerate(self.rows, start=1):
            grid.addWidget(QLabel(row.label), index, 0, Qt.AlignmentFlag.AlignTop)
            theirs = QLabel(row.theirs or "(empty)")
            theirs.setObjectName("ConflictTheirs")
            theirs.setWordWrap(True)
            grid.addWidget(theirs, index, 1, Qt.AlignmentFlag.AlignTop)
            if row.yours is None:
                yours = QLabel("not edited by you")
                yours.setObjectName("Muted")
                grid.addWidget(yours, index, 2, Qt.AlignmentFlag.AlignTop)
                continue
            yours = QLabel(row.yours or "(empty)")
            yours.setObjectName("ConflictYours")
            yours.setWordWrap(True)
            grid.addWidget(yours, index, 2, Qt.AlignmentFlag.AlignTop)
            choice = QWidget()
            box = QHBoxLayout(choice)
            box.setContentsMargins(0, 0, 0, 0)
            group = QButtonGroup(choice)
            for label in ("Theirs", "Mine"):
                button = QRadioButton(label)
                button.setObjectName(f"keep-{label.lower()}-{row.key}")
                button.setAccessibleName(f"Keep {label.lower()} for {row.label}")
                group.addButton(button)
                box.addWidget(button)
            group.buttons()[1].setChecked(True)
            self.groups[row.key] = group
            grid.addWidget(choice, index, 3, Qt.AlignmentFlag.AlignTop)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 1)
        return frame

    def choose(self, key: str, mine: bool) -> None:
        """Pick theirs or mine for one field (what the radio buttons do)."""
        self.groups[key].buttons()[1 if mine else 0].setChecked(True)

    def _finish(self, choice: str) -> None:
        self.choice = choice
        mine_fields = {row.key for row in self.rows if row.yours is not None}
        if choice == OVERWRITE:
            self.keep_mine = mine_fields
        elif choice == MERGE:
            self.keep_mine = {
                key for key, group in self.groups.items() if group.buttons()[1].isChecked()
            }
        else:
            self.keep_mine = set()
        self.accept()
