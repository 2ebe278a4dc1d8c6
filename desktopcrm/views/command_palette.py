"""The global search as a command palette: type in the top bar's search box, move with the
arrows, Enter runs the highlighted result, Escape closes.

The popup is a child frame of the main window laid over the content (not a separate popup
window), so the search box keeps the keyboard focus while the list follows the typing.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from desktopcrm.qt import (
    QAbstractItemView,
    QEvent,
    QFrame,
    QLabel,
    QLineEdit,
    QListView,
    QModelIndex,
    QObject,
    QPoint,
    Qt,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desktopcrm.views.palette_delegate import PaletteDelegate
from desktopcrm.views.palette_model import PaletteModel
from desktopcrm.views.search import SearchProvider, SearchResult, merge_results, run_search

MIN_WIDTH = 520
MAX_VISIBLE_ROWS = 9
#: How long Enter waits for record results still being searched before it runs the best one.
ENTER_WAIT_MS = 800


class CommandPalette(QFrame):
    """Results for the text of ``line_edit``, from ``providers``."""

    activated = Signal(str)  # title of the result that ran

    def __init__(
        self,
        line_edit: QLineEdit,
        providers: Sequence[SearchProvider],
        parent: QWidget,
        anchor: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("CommandPalette")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.line_edit = line_edit
        self.anchor = anchor or line_edit
        self.providers = list(providers)
        self.model = PaletteModel()
        self._text = ""
        self._immediate: list[SearchResult] = []
        self._later: dict[int, list[SearchResult]] = {}
        # Enter pressed while record results were still coming, on the best result: run the
        # best one once they are in (or when ENTER_WAIT_MS is over), not the best command.
        self._enter_waiting = False
        self._chosen = False  # the user picked a row (arrows, click): Enter runs that one
        self._enter_timer = QTimer(self)
        self._enter_timer.setSingleShot(True)
        self._enter_timer.setInterval(ENTER_WAIT_MS)
        self._enter_timer.timeout.connect(self._run_waiting_enter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.view = QListView()
        self.view.setObjectName("PaletteResults")
        self.view.setAccessibleName("Search results")
        self.view.setModel(self.model)
        self.view.setItemDelegate(PaletteDelegate(self.view))
        self.view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setUniformItemSizes(True)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.clicked.connect(self._clicked)
        layout.addWidget(self.view)
        self.empty_label = QLabel("No matches")
        self.empty_label.setObjectName("PaletteHint")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.empty_label)
        self.hint = QLabel("↑ ↓ to choose   ·   Enter to open   ·   Esc to close")
        self.hint.setObjectName("PaletteHint")
        layout.addWidget(self.hint)
        self.hide()
        line_edit.textEdited.connect(self.update_results)
        line_edit.installEventFilter(self)
        parent.installEventFilter(self)

    def open(self) -> None:
        """Show the results for the current text (suggestions when it is empty)."""
        self.update_results(self.line_edit.text())

    def update_results(self, text: str) -> None:
        """Show the immediate results for ``text``; ask the asynchronous providers too."""
        self._text = text
        self._chosen = False
        self._enter_waiting = False
        self._immediate = run_search(self.providers, text)
        self._later = {}
        self._show(self._immediate, keep=None)
        for number, provider in enumerate(self.providers):
            request = getattr(provider, "request", None)
            if request is not None:
                request(text, partial(self._delivered, number, text))

    def _delivered(self, number: int, text: str, results: list[SearchResult]) -> None:
        if text != self._text or not self.isVisible():
            return
        if not results and not self._later.get(number):
            return
        self._later[number] = results
        current = self.current_row()
        keep = self.model.result(current) if current > 0 else None
        self._show(merge_results(self._immediate, *self._later.values()), keep=keep)
        if self._enter_waiting and not self._providers_busy():
            self._run_waiting_enter()

    def _providers_busy(self) -> bool:
        """Whether an asynchronous provider is still working on the current text."""
        return any(getattr(p, "busy", False) for p in self.providers)

    def _enter(self) -> None:
        """Run the highlighted result; if the user has not picked one and record results
        are still on their way, wait for them (at most ENTER_WAIT_MS) and run the best."""
        if not self._chosen and self._providers_busy():
            self._enter_waiting = True
            self._enter_timer.start()
            return
        self.activate_current()

    def _run_waiting_enter(self) -> None:
        self._enter_timer.stop()
        if self._enter_waiting and self.isVisible():
            self._enter_waiting = False
            self.activate_current()

    def _show(self, results: list[SearchResult], keep: SearchResult | None) -> None:
        self.model.set_results(results)
        has_rows = self.model.rowCount() > 0
        self.view.setVisible(has_rows)
        self.empty_label.setVisible(not has_rows)
        if has_rows:
            row = results.index(keep) if keep is not None and keep in results else 0
            self.view.setCurrentIndex(self.model.index(row, 0))
        self._place()
        self.show()
        self.raise_()

    def _place(self) -> None:
        parent = self.parentWidget()
        assert parent is not None
        anchor = self.anchor.mapTo(parent, QPoint(0, self.anchor.height() + 6))
        width = max(MIN_WIDTH, self.anchor.width())
        left = min(anchor.x(), parent.width() - width - 12)
        rows = min(self.model.rowCount(), MAX_VISIBLE_ROWS)
        row_height = self.view.sizeHintForRow(0) if rows else 0
        list_height = rows * row_height + 14 if rows else 0
        extra = self.hint.sizeHint().height() + (
            self.empty_label.sizeHint().height() + 16 if not rows else 0
        )
        self.setGeometry(max(12, left), anchor.y(), width, list_height + extra + 2)

    def current_row(self) -> int:
        index = self.view.currentIndex()
        return index.row() if index.isValid() else -1

    def move(self, delta: int) -> None:  # type: ignore[override]
        count = self.model.rowCount()
        if not count:
            return
        row = (self.current_row() + delta) % count
        self.view.setCurrentIndex(self.model.index(row, 0))
        self._chosen = True

    def activate_current(self) -> None:
        row = self.current_row()
        if row < 0:
            return
        result = self.model.result(row)
        self.close_palette()
        self.activated.emit(result.title)
        result.activate()

    def close_palette(self) -> None:
        self.hide()
        self.line_edit.clear()

    def _clicked(self, index: QModelIndex) -> None:
        self.view.setCurrentIndex(index)
        self._chosen = True
        self.activate_current()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.line_edit:
            kind = event.type()
            if kind == QEvent.Type.FocusIn:
                self.open()
            elif kind == QEvent.Type.FocusOut and not self.underMouse():
                self.hide()
            elif kind == QEvent.Type.KeyPress:
                return self._key(event)
        elif (
            watched is self.parentWidget()
            and event.type() == QEvent.Type.Resize
            and self.isVisible()
        ):
            self._place()
        return False

    def _key(self, event: QEvent) -> bool:
        key = event.key()  # type: ignore[attr-defined]
        if key == Qt.Key.Key_Escape:
            self.close_palette()
            self.line_edit.clearFocus()
            return True
        if not self.isVisible() and key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
            self.open()
            return True
        if key == Qt.Key.Key_Down:
            self.move(1)
            return True
        if key == Qt.Key.Key_Up:
            self.move(-1)
            return True
        if key == Qt.Key.Key_PageDown:
            self.move(MAX_VISIBLE_ROWS)
            return True
        if key == Qt.Key.Key_PageUp:
            self.move(-MAX_VISIBLE_ROWS)
            return True
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if self.isVisible():
                self._enter()
            return True
        return False
