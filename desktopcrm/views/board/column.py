"""A board column (a stage's header with its count, total and forecast over a list of cards)
and the drop zones of the closed stages at the board's edge.

``CardListView`` turns a mouse press and a move past the drag distance into a drag of the board
(``drag_started`` / ``drag_moved`` / ``drag_dropped``): the pressed view keeps the mouse while
the button is down, wherever it goes, so the board follows it over other columns and zones.
"""

from __future__ import annotations

import uuid
from typing import Any

from desktopcrm.models.records import Stage
from desktopcrm.qt import (
    QAbstractItemView,
    QApplication,
    QColor,
    QFrame,
    QHBoxLayout,
    QKeyEvent,
    QLabel,
    QListView,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPoint,
    QRectF,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desktopcrm.views.board.delegate import CardDelegate, card_colours
from desktopcrm.views.board.model import ID_ROLE, StageModel
from desktopcrm.views.theme import ThemeManager

_CTRL = Qt.KeyboardModifier.ControlModifier


class CardListView(QListView):
    """The cards of one column. Signals carry global positions while a card is dragged;
    ``key_move(dx, dy)``: Ctrl+arrow on the current card; ``step(dx)``: arrow to a neighbour
    column; ``open_requested(deal_id)``: Enter or a double click."""

    drag_started = Signal(object, QPoint)  # deal id, press offset within the card
    drag_moved = Signal(QPoint)
    drag_dropped = Signal(QPoint)
    drag_cancelled = Signal()
    key_move = Signal(int, int)
    step = Signal(int)
    open_requested = Signal(object)

    def __init__(self, model: StageModel, delegate: CardDelegate) -> None:
        super().__init__()
        self.setObjectName("BoardCards")
        self.setModel(model)
        self.setItemDelegate(delegate)
        self.setUniformItemSizes(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setMouseTracking(True)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_Hover)
        self.drop_row: int | None = None
        self._press: tuple[QPoint, int] | None = None
        self._dragging = False
        self.doubleClicked.connect(lambda index: self.open_requested.emit(index.data(ID_ROLE)))

    def stage_model(self) -> StageModel:
        model = self.model()
        assert isinstance(model, StageModel)
        return model

    # ----------------------------------------------------------------- dragging

    def mousePressEvent(self, event: QMouseEvent) -> None:
        super().mousePressEvent(event)
        index = self.indexAt(event.position().toPoint())
        if event.button() == Qt.MouseButton.LeftButton and index.isValid():
            self._press = (event.position().toPoint(), index.row())
        else:
            self._press = None

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._dragging:
            self.drag_moved.emit(event.globalPosition().toPoint())
            return
        press = self._press
        if press is not None and event.buttons() & Qt.MouseButton.LeftButton:
            distance = (event.position().toPoint() - press[0]).manhattanLength()
            if distance >= QApplication.startDragDistance():
                index = self.model().index(press[1], 0)
                self._dragging = True
                offset = press[0] - self.visualRect(index).topLeft()
                self.drag_started.emit(index.data(ID_ROLE), offset)
                self.drag_moved.emit(event.globalPosition().toPoint())
                return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._press = None
        if self._dragging:
            self._dragging = False
            self.drag_dropped.emit(event.globalPosition().toPoint())
            return
        super().mouseReleaseEvent(event)

    def cancel_drag(self) -> None:
        if self._dragging:
            self._dragging = False
            self._press = None
            self.drag_cancelled.emit()

    def drop_row_at(self, pos: QPoint) -> int:
        """The row a card dropped at viewport point ``pos`` goes to."""
        index = self.indexAt(pos)
        if not index.isValid():
            return self.model().rowCount() if pos.y() > 0 else 0
        rect = self.visualRect(index)
        return index.row() + (1 if pos.y() > rect.center().y() else 0)

    def set_drop_row(self, row: int | None) -> None:
        if row != self.drop_row:
            self.drop_row = row
            self.viewport().update()

    # ----------------------------------------------------------------- keys and painting

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        mods = event.modifiers()
        if key == Qt.Key.Key_Escape and self._dragging:
            self.cancel_drag()
            return
        arrows: dict[Any, tuple[int, int]] = {
            Qt.Key.Key_Left: (-1, 0),
            Qt.Key.Key_Right: (1, 0),
            Qt.Key.Key_Up: (0, -1),
            Qt.Key.Key_Down: (0, 1),
        }
        if key in arrows and mods == _CTRL:
            self.key_move.emit(*arrows[key])
            return
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Right) and mods == Qt.KeyboardModifier.NoModifier:
            self.step.emit(arrows[key][0])
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.open_requested.emit(self.currentIndex().data(ID_ROLE))
            return
        super().keyPressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        model = self.model()
        colours = card_colours(ThemeManager.current_scheme())
        if model.rowCount() == 0:
            painter = QPainter(self.viewport())
            painter.setPen(colours["text_faint"])
            rect = self.viewport().rect().adjusted(12, 18, -12, 0)
            painter.drawText(
                rect,
                Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                "Drop a deal here",
            )
            painter.end()
        if self.drop_row is None:
            return
        rows = model.rowCount()
        if rows == 0:
            y = 6
        elif self.drop_row < rows:
            y = self.visualRect(model.index(self.drop_row, 0)).top()
        else:
            y = self.visualRect(model.index(rows - 1, 0)).bottom() + 1
        painter = QPainter(self.viewport())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        accent = colours["accent"]
        painter.setPen(QPen(accent, 2.5))
        width = self.viewport().width()
        painter.drawLine(12, y, width - 10, y)
        painter.setBrush(colours["surface"])
        painter.drawEllipse(QRectF(5, y - 4, 8, 8))
        painter.end()


class StageColumn(QFrame):
    """A stage's header (name, count, total, forecast) over its cards."""

    def __init__(self, stage: Stage, model: StageModel, delegate: CardDelegate) -> None:
        super().__init__()
        self.stage = stage
        self.setObjectName("BoardColumn")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        header = QFrame()
        header.setObjectName("ColumnHeader")
        head = QVBoxLayout(header)
        head.setContentsMargins(14, 10, 12, 10)
        head.setSpacing(3)
        top = QHBoxLayout()
        top.setSpacing(8)
        self.title = QLabel(stage.name)
        self.title.setObjectName("ColumnTitle")
        top.addWidget(self.title, 1)
        self.count = QLabel("0")
        self.count.setObjectName("ColumnCount")
        top.addWidget(self.count)
        head.addLayout(top)
        self.total = QLabel("")
        self.total.setObjectName("ColumnTotal")
        head.addWidget(self.total)
        self.forecast = QLabel("")
        self.forecast.setObjectName("ColumnForecast")
        head.addWidget(self.forecast)
        self.stripe = QFrame()
        self.stripe.setObjectName("ColumnStripe")
        self.stripe.setFixedHeight(3)
        layout.addWidget(self.stripe)
        layout.addWidget(header)
        self.view = CardListView(model, delegate)
        self.view.setAccessibleName(f"{stage.name} deals")
        layout.addWidget(self.view, 1)
        self.set_probability(stage.probability)

    @property
    def model(self) -> StageModel:
        return self.view.stage_model()

    def set_probability(self, probability: int) -> None:
        """Tint the stripe on top by how likely this stage's deals close."""
        colour = QColor(card_colours(ThemeManager.current_scheme())["accent"])
        colour.setAlpha(int(60 + 195 * max(0, min(100, probability)) / 100))
        self.stripe.setStyleSheet(f"background: {colour.name(QColor.NameFormat.HexArgb)};")

    def set_totals(self, count: int, total: str, forecast: str, note: str = "") -> None:
        self.count.setText(f"{count:,}")
        self.total.setText(total)
        self.forecast.setText(f"Forecast {forecast}")
        self.setToolTip(note)
        plural = "deal" if count == 1 else "deals"
        self.view.setAccessibleName(f"{self.stage.name}: {count:,} {plural}, {total}")
        self.view.setAccessibleDescription(
            f"Forecast {forecast}. Ctrl+arrows move the selected deal; Enter opens it."
        )


class ClosedZone(QFrame):
    """A closed stage (Won, Lost, Unqualified) at the board's edge: a drop target with its
    count and total."""

    def __init__(self, stage: Stage, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stage = stage
        self.setObjectName("ClosedZone")
        self.setProperty("kind", stage.kind)
        self.setProperty("target", False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(2)
        self.title = QLabel(stage.name)
        self.title.setObjectName("ZoneTitle")
        layout.addWidget(self.title)
        self.summary = QLabel("")
        self.summary.setObjectName("ZoneSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        layout.addStretch(1)
        hint = QLabel(f"Drop a deal here to move it to {stage.name}")
        hint.setObjectName("ZoneHint")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.setAccessibleName(f"Drop here to move a deal to {stage.name}")

    def set_totals(self, count: int, total: str) -> None:
        plural = "deal" if count == 1 else "deals"
        self.summary.setText(f"{count:,} {plural} · {total}")
        self.setAccessibleDescription(f"{count:,} {plural}, {total}")

    def set_target(self, on: bool) -> None:
        if bool(self.property("target")) != on:
            self.setProperty("target", on)
            self.style().unpolish(self)
            self.style().polish(self)


def deal_id_of(view: CardListView, row: int) -> uuid.UUID | None:
    if not 0 <= row < view.model().rowCount():
        return None
    value: Any = view.model().index(row, 0).data(ID_ROLE)
    return value if isinstance(value, uuid.UUID) else None
