"""The bar over a list that appears with a selection: how many are selected, the bulk actions,
and the progress of one that runs; and the bar that offers to undo a delete."""

from __future__ import annotations

from desktopcrm.qt import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QProgressBar,
    QPushButton,
    Qt,
    QTimer,
    QToolButton,
    QWidget,
    Signal,
)
from desktopcrm.views.icons import icon

UNDO_SECONDS = 12


def _menu_button(text: str, icon_name: str, name: str) -> QToolButton:
    button = QToolButton()
    button.setText(text)
    button.setIcon(icon(icon_name))
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
    button.setAccessibleName(name)
    button.setMenu(QMenu(button))
    return button


class BulkBar(QFrame):
    """Actions on the selected rows. ``status_button`` is the lead status or deal stage menu
    (hidden for contacts)."""

    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("BulkBar")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        row = QHBoxLayout(self)
        row.setContentsMargins(14, 6, 10, 6)
        row.setSpacing(6)
        self.count_label = QLabel("")
        self.count_label.setObjectName("BulkCount")
        row.addWidget(self.count_label)
        row.addSpacing(8)
        self.owner_button = _menu_button("Assign", "user", "Assign owner")
        self.tag_button = _menu_button("Tags", "flag", "Add or remove tags")
        self.status_button = _menu_button("Status", "board", "Change status")
        self.export_button = QPushButton(icon("export"), "Export")
        self.export_button.setAccessibleName("Export the selection to CSV")
        self.delete_button = QPushButton(icon("trash"), "Delete")
        self.delete_button.setProperty("danger", True)
        self.delete_button.setAccessibleName("Delete the selection")
        self.delete_button.setToolTip("Delete the selected records (Del); you can undo it")
        for widget in (
            self.owner_button,
            self.tag_button,
            self.status_button,
            self.export_button,
            self.delete_button,
        ):
            widget.setProperty("flat", True)
            row.addWidget(widget)
        row.addStretch(1)
        self.progress = QProgressBar()
        self.progress.setFixedWidth(160)
        self.progress.setAccessibleName("Progress of the bulk action")
        self.progress_label = QLabel("")
        self.progress_label.setProperty("muted", True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel_requested)
        row.addWidget(self.progress_label)
        row.addWidget(self.progress)
        row.addWidget(self.cancel_button)
        self.set_running(False)

    @property
    def action_widgets(self) -> list[QWidget]:
        return [
            self.owner_button,
            self.tag_button,
            self.status_button,
            self.export_button,
            self.delete_button,
        ]

    def set_running(self, running: bool, text: str = "") -> None:
        for widget in self.action_widgets:
            widget.setEnabled(not running)
        self.progress.setVisible(running)
        self.progress_label.setVisible(running)
        self.cancel_button.setVisible(running)
        self.progress_label.setText(text)
        self.progress.setRange(0, 0)

    def show_progress(self, done: int, total: int, _text: str = "") -> None:
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)


class UndoBar(QFrame):
    """ "Deleted 3 people · Undo", for ``UNDO_SECONDS``."""

    undo_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("UndoBar")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        row = QHBoxLayout(self)
        row.setContentsMargins(14, 6, 8, 6)
        self.text = QLabel("")
        row.addWidget(self.text, 1)
        self.undo_button = QPushButton(icon("restore"), "Undo")
        self.undo_button.setAccessibleName("Undo the delete")
        self.undo_button.setToolTip("Bring the deleted records back (Ctrl+Z)")
        self.undo_button.clicked.connect(self.undo_requested)
        row.addWidget(self.undo_button)
        self.close_button = QToolButton()
        self.close_button.setIcon(icon("close"))
        self.close_button.setProperty("flat", True)
        self.close_button.setAccessibleName("Dismiss")
        self.close_button.clicked.connect(self.hide)
        row.addWidget(self.close_button)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)
        self.hide()

    def offer(self, text: str) -> None:
        self.text.setText(text)
        self.show()
        self._timer.start(UNDO_SECONDS * 1000)
