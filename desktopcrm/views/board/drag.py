"""A card being dragged across the board: the lifted card following the mouse, the drop line
in the column under it (or the closed zone lit up), scrolling near the edges, and the drop.

The board drags within its own window (the pressed list view keeps the mouse while the button
is down), so it needs no platform drag and drop, and a test drives it with plain mouse events.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from desktopcrm.models.records import Stage
from desktopcrm.qt import (
    QLabel,
    QObject,
    QPainter,
    QPixmap,
    QPoint,
    QRect,
    QScrollArea,
    QStyle,
    QStyleOptionViewItem,
    Qt,
    QWidget,
)
from desktopcrm.views.board.column import CardListView, ClosedZone, StageColumn

#: Pixels from a column's top or bottom (or the board's sides) where dragging scrolls.
EDGE = 36
SCROLL_STEP = 18


@dataclass(frozen=True)
class Drop:
    """Where a dragged card was let go: a stage, and the row in its column (open stages)."""

    deal_id: uuid.UUID
    source: Stage
    stage: Stage
    row: int | None


class BoardDrag(QObject):
    """Follows one drag at a time over ``columns()`` and ``zones()``; calls ``dropped`` with
    the ``Drop`` when the card is let go over a target (a let-go elsewhere puts it back)."""

    def __init__(
        self,
        board: QWidget,
        scroll: QScrollArea,
        columns: Callable[[], Sequence[StageColumn]],
        zones: Callable[[], Sequence[ClosedZone]],
        dropped: Callable[[Drop], None],
    ) -> None:
        super().__init__(board)
        self._board = board
        self._scroll = scroll
        self._columns = columns
        self._zones = zones
        self._dropped = dropped
        self._ghost = QLabel(board)
        self._ghost.setObjectName("DragGhost")
        self._ghost.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._ghost.hide()
        self._source: StageColumn | None = None
        self._deal: uuid.UUID | None = None
        self._offset = QPoint()

    @property
    def active(self) -> bool:
        return self._deal is not None

    def connect_view(self, column: StageColumn) -> None:
        view = column.view
        view.drag_started.connect(lambda deal, offset: self.start(column, deal, offset))
        view.drag_moved.connect(self.move)
        view.drag_dropped.connect(self.drop)
        view.drag_cancelled.connect(self.cancel)

    def start(self, column: StageColumn, deal_id: uuid.UUID, offset: QPoint) -> None:
        self._source = column
        self._deal = deal_id
        self._offset = offset
        self._ghost.setPixmap(self._lifted(column.view, deal_id))
        self._ghost.adjustSize()
        column.model.dragging = deal_id
        column.view.viewport().update()
        self._ghost.raise_()
        self._ghost.show()

    def move(self, global_pos: QPoint) -> None:
        if not self.active:
            return
        self._ghost.move(self._board.mapFromGlobal(global_pos) - self._offset)
        self._autoscroll(global_pos)
        self._target(global_pos, light=True)

    def drop(self, global_pos: QPoint) -> None:
        if not self.active:
            return
        target = self._target(global_pos, light=False)
        source, deal_id = self._source, self._deal
        self._finish()
        if target is None or source is None or deal_id is None:
            return
        stage, row = target
        self._dropped(Drop(deal_id, source.stage, stage, row))

    def cancel(self) -> None:
        self._target(None, light=False)
        self._finish()

    # ----------------------------------------------------------------- pieces

    def _finish(self) -> None:
        if self._source is not None:
            self._source.model.dragging = None
            self._source.view.viewport().update()
        self._source = None
        self._deal = None
        self._ghost.hide()

    def _target(self, global_pos: QPoint | None, *, light: bool) -> tuple[Stage, int | None] | None:
        found: tuple[Stage, int | None] | None = None
        lane = self._scroll.viewport()
        # A column scrolled under the board's edge is clipped: only its visible part counts.
        in_lane = global_pos is not None and lane.rect().contains(lane.mapFromGlobal(global_pos))
        for column in self._columns():
            view = column.view
            row: int | None = None
            if global_pos is not None and found is None and in_lane:
                local = column.mapFromGlobal(global_pos)
                if column.rect().contains(local):
                    pos = view.viewport().mapFromGlobal(global_pos)
                    row = view.drop_row_at(pos)
                    found = (column.stage, row)
            view.set_drop_row(row if light else None)
        for zone in self._zones():
            hit = False
            if global_pos is not None and found is None:
                hit = zone.rect().contains(zone.mapFromGlobal(global_pos))
                if hit:
                    found = (zone.stage, None)
            zone.set_target(hit and light)
        return found

    def _autoscroll(self, global_pos: QPoint) -> None:
        for column in self._columns():
            view = column.view
            pos = view.viewport().mapFromGlobal(global_pos)
            if 0 <= pos.x() < view.viewport().width():
                bar = view.verticalScrollBar()
                if 0 <= pos.y() < EDGE:
                    bar.setValue(bar.value() - SCROLL_STEP)
                elif view.viewport().height() - EDGE < pos.y() <= view.viewport().height():
                    bar.setValue(bar.value() + SCROLL_STEP)
        area = self._scroll.viewport()
        pos = area.mapFromGlobal(global_pos)
        bar = self._scroll.horizontalScrollBar()
        if 0 <= pos.y() < area.height():
            if pos.x() < EDGE:
                bar.setValue(bar.value() - SCROLL_STEP)
            elif pos.x() > area.width() - EDGE:
                bar.setValue(bar.value() + SCROLL_STEP)

    def _lifted(self, view: CardListView, deal_id: uuid.UUID) -> QPixmap:
        """The card as it looks selected, slightly transparent (what the mouse carries)."""
        model = view.stage_model()
        index = model.index(model.row_of(deal_id), 0)
        rect = view.visualRect(index)
        ratio = view.devicePixelRatioF()
        pixmap = QPixmap(int(rect.width() * ratio), int(rect.height() * ratio))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setOpacity(0.94)
        option = QStyleOptionViewItem()
        option.initFrom(view)
        option.rect = QRect(0, 0, rect.width(), rect.height())
        option.state = QStyle.StateFlag.State_Enabled | QStyle.StateFlag.State_Selected
        view.itemDelegate().paint(painter, option, index)
        painter.end()
        return pixmap
