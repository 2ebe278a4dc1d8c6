"""The painted calendar views: the day/week time grid with its all-day header, the month grid
and the agenda. No widget per event: each view lays its boxes out once per data set or size
(``layout.py``) and paints only what the exposed area needs.

Every view emits the same requests; the screen answers them with the services:
``change_requested(occurrence, start, end)`` after a drag or a key (local wall times),
``create_requested(start, end, all_day)``, ``edit_requested(occurrence)``,
``delete_requested(occurrence)``. Events of read-only calendars are greyed and do not move.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from desktopcrm.qt import (
    QEvent,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPointF,
    QRectF,
    QResizeEvent,
    QSize,
    Qt,
    QWidget,
    Signal,
)
from desktopcrm.services.calendar import Occurrence
from desktopcrm.views.calendar.layout import (
    SNAP_MINUTES,
    Box,
    LocalOccurrence,
    all_day_rows,
    minutes,
    snap,
    time_grid,
)
from desktopcrm.views.calendar.palette import CalendarColors, calendar_colors

GUTTER = 56.0
HOUR_HEIGHT = 48.0
DRAG_DISTANCE = 4
RESIZE_EDGE = 6.0
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def clock(value: dt.datetime) -> str:
    return f"{value.hour}:{value.minute:02d}"


@dataclass
class Drag:
    box: Box
    mode: str  # 'move', 'resize', 'create'
    press: QPointF
    start: dt.datetime
    end: dt.datetime
    moved: bool = False


class CalendarView(QWidget):
    """What the four views share: their data, the selection, requests and keyboard edits."""

    change_requested = Signal(object, object, object)  # Occurrence, start, end (local)
    create_requested = Signal(object, object, bool)  # start, end (local), all-day
    edit_requested = Signal(object)  # Occurrence
    delete_requested = Signal(object)  # Occurrence
    selection_changed = Signal(object)  # Occurrence or None
    day_requested = Signal(object)  # a date (month's "+N more", agenda headers)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.days: list[dt.date] = []
        self.items: list[LocalOccurrence] = []
        self.boxes: list[Box] = []
        self.details: dict[Any, str] = {}
        self.selected: tuple[Any, Any] | None = None
        self.today = dt.date.today()
        self._drag: Drag | None = None
        self._font = QFont(self.font())
        self._small = QFont(self.font())
        self._small.setPointSizeF(max(self.font().pointSizeF() - 1.5, 7.0))
        self._bold = QFont(self.font())
        self._bold.setBold(True)

    # ---- data --------------------------------------------------------------

    def set_data(
        self,
        days: list[dt.date],
        items: list[LocalOccurrence],
        today: dt.date,
        details: dict[Any, str] | None = None,
    ) -> None:
        """Show ``items`` (local times) over ``days``."""
        self.days, self.items, self.today = days, items, today
        self.details = details or {}
        self.relayout()

    def relayout(self) -> None:
        self.boxes = []
        self.update()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.relayout()

    # ---- selection ---------------------------------------------------------

    def selected_occurrence(self) -> Occurrence | None:
        for item in self.items:
            if item.occurrence.key == self.selected:
                return item.occurrence
        return None

    def select(self, occurrence: Occurrence | None) -> None:
        self.selected = occurrence.key if occurrence else None
        self.selection_changed.emit(occurrence)
        self.update()

    def box_of(self, occurrence: Occurrence) -> Box | None:
        return next((b for b in self.boxes if b.occurrence.key == occurrence.key and b.first), None)

    def hit(self, pos: QPointF) -> Box | None:
        for box in reversed(self.boxes):
            if box.rect.contains(pos):
                return box
        return None

    def _local(self, occurrence: Occurrence) -> LocalOccurrence | None:
        return next((i for i in self.items if i.occurrence.key == occurrence.key), None)

    # ---- keyboard ----------------------------------------------------------

    def step(self, key: int, shift: bool) -> tuple[dt.timedelta, dt.timedelta] | None:
        """How a key moves the selected occurrence: (start change, end change)."""
        return None

    def keyPressEvent(self, event: QKeyEvent) -> None:
        occurrence = self.selected_occurrence()
        key = event.key()
        shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if occurrence is not None:
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.edit_requested.emit(occurrence)
                return
            if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and occurrence.editable:
                self.delete_requested.emit(occurrence)
                return
            if key == Qt.Key.Key_Escape:
                self.select(None)
                return
            change = self.step(key, shift)
            if change is not None and occurrence.editable:
                local = self._local(occurrence)
                if local is not None:
                    start, end = local.start + change[0], local.end + change[1]
                    if end > start:
                        self.change_requested.emit(occurrence, start, end)
                return
        if key in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab) and self._cycle(key == Qt.Key.Key_Tab):
            return
        super().keyPressEvent(event)

    def _cycle(self, forward: bool) -> bool:
        order = [i.occurrence for i in sorted(self.items, key=lambda i: (i.start, i.end))]
        if not order:
            return False
        keys = [o.key for o in order]
        if self.selected in keys:
            index = keys.index(self.selected) + (1 if forward else -1)
        else:
            index = 0 if forward else len(order) - 1
        if not 0 <= index < len(order):
            return False
        self.select(order[index])
        return True

    def event(self, event: QEvent) -> bool:
        # Tab cycles through the events before focus moves on.
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab)
            and not event.modifiers()
            & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
            and self._cycle(event.key() == Qt.Key.Key_Tab)
        ):
            return True
        return super().event(event)

    # ---- painting helpers --------------------------------------------------

    def paint_box(
        self,
        painter: QPainter,
        colors: CalendarColors,
        box: Box,
        rect: QRectF,
        *,
        ghost: bool = False,
        compact: bool = False,
    ) -> None:
        occurrence = box.occurrence
        editable = occurrence.editable
        if rect.width() < 8:  # a crowded hour: a sliver in the calendar's colour
            painter.fillRect(rect, colors.bar(occurrence.color, editable))
            return
        painter.setPen(Qt.PenStyle.NoPen)
        fill = colors.fill(occurrence.color, editable)
        if ghost:
            fill.setAlpha(150)
        painter.setBrush(fill)
        painter.drawRoundedRect(rect, 4, 4)
        painter.setBrush(colors.bar(occurrence.color, editable))
        painter.drawRoundedRect(QRectF(rect.left(), rect.top(), 3, rect.height()), 1.5, 1.5)
        if occurrence.key == self.selected:
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(colors.selection, 2))
            painter.drawRoundedRect(rect.adjusted(1, 1, -1, -1), 4, 4)
        if rect.width() < 28:
            return
        text_color = colors.text if editable else colors.read_only_text
        painter.setPen(text_color)
        inner = rect.adjusted(7, 2, -4, -2)
        if not box.text:
            box.text = self.box_text(box, compact)
        painter.setFont(self._small)
        flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
        if compact or inner.height() < 30:
            flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
            painter.drawText(inner, int(flags) | int(Qt.TextFlag.TextSingleLine), box.text)
        else:
            painter.drawText(inner, int(flags) | int(Qt.TextFlag.TextWordWrap), box.text)

    def box_text(self, box: Box, compact: bool) -> str:
        occurrence = box.occurrence
        title = occurrence.title
        if occurrence.is_recurring:
            title = "⟳ " + title
        if occurrence.all_day:
            return title
        if compact:
            return f"{clock(box.start)} {title}"
        where = occurrence.appointment.location
        text = f"{title}\n{clock(box.start)}–{clock(box.end)}"
        return f"{text} · {where}" if where else text

    def tooltip_for(self, box: Box) -> str:
        occurrence = box.occurrence
        lines = [occurrence.title]
        if not occurrence.all_day:
            lines.append(f"{box.start:%a %d %b} {clock(box.start)}–{clock(box.end)}")
        if occurrence.appointment.location:
            lines.append(occurrence.appointment.location)
        extra = self.details.get(occurrence.appointment.id)
        if extra:
            lines.append(extra)
        if not occurrence.editable:
            lines.append("Read-only calendar")
        return "\n".join(lines)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag is None:
            box = self.hit(event.position())
            self.setToolTip(self.tooltip_for(box) if box else "")
            self.hover_cursor(box, event.position())
        super().mouseMoveEvent(event)

    def hover_cursor(self, box: Box | None, pos: QPointF) -> None:
        if box is not None and box.editable:
            self.setCursor(Qt.CursorShape.OpenHandCursor)
        else:
            self.unsetCursor()


class TimeGrid(CalendarView):
    """Day and week views: one column per day, 24 hours tall (inside a scroll area)."""

    def sizeHint(self) -> QSize:
        return QSize(800, int(24 * HOUR_HEIGHT) + 1)

    def minimumSizeHint(self) -> QSize:
        return QSize(300, int(24 * HOUR_HEIGHT) + 1)

    @property
    def column_width(self) -> float:
        return (self.width() - GUTTER) / max(len(self.days), 1)

    def relayout(self) -> None:
        self.boxes = time_grid(
            self.items,
            self.days,
            left=GUTTER,
            width=self.width() - GUTTER,
            hour_height=HOUR_HEIGHT,
        )
        self.update()

    def y_of(self, value: dt.datetime) -> float:
        return minutes(value) * HOUR_HEIGHT / 60

    def at(self, pos: QPointF) -> dt.datetime:
        """The local time under ``pos`` (snapped to a quarter of an hour)."""
        index = min(max(int((pos.x() - GUTTER) / self.column_width), 0), len(self.days) - 1)
        minute = snap(max(min(pos.y(), 24 * HOUR_HEIGHT), 0) * 60 / HOUR_HEIGHT)
        return dt.datetime.combine(self.days[index], dt.time()) + dt.timedelta(minutes=minute)

    def step(self, key: int, shift: bool) -> tuple[dt.timedelta, dt.timedelta] | None:
        quarter, day = dt.timedelta(minutes=SNAP_MINUTES), dt.timedelta(days=1)
        zero = dt.timedelta(0)
        if key == Qt.Key.Key_Up:
            return (zero, -quarter) if shift else (-quarter, -quarter)
        if key == Qt.Key.Key_Down:
            return (zero, quarter) if shift else (quarter, quarter)
        if key == Qt.Key.Key_Left:
            return (-day, -day)
        if key == Qt.Key.Key_Right:
            return (day, day)
        return None

    # ---- painting ----------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        colors = calendar_colors()
        exposed = QRectF(event.rect())
        painter.fillRect(exposed, colors.surface)
        width = self.column_width
        for index, day in enumerate(self.days):
            if day == self.today:
                painter.fillRect(
                    QRectF(GUTTER + index * width, exposed.top(), width, exposed.height()),
                    colors.today,
                )
            elif day.weekday() >= 5:
                painter.fillRect(
                    QRectF(GUTTER + index * width, exposed.top(), width, exposed.height()),
                    colors.surface_alt,
                )
        painter.setFont(self._small)
        first_hour = max(int(exposed.top() // HOUR_HEIGHT), 0)
        last_hour = min(int(exposed.bottom() // HOUR_HEIGHT) + 1, 24)
        for hour in range(first_hour, last_hour + 1):
            y = hour * HOUR_HEIGHT
            painter.setPen(colors.grid)
            painter.drawLine(QPointF(GUTTER, y), QPointF(self.width(), y))
            painter.setPen(QPen(colors.grid, 1, Qt.PenStyle.DotLine))
            painter.drawLine(
                QPointF(GUTTER, y + HOUR_HEIGHT / 2), QPointF(self.width(), y + HOUR_HEIGHT / 2)
            )
            if 0 < hour < 24:
                painter.setPen(colors.muted)
                painter.drawText(
                    QRectF(0, y - 8, GUTTER - 8, 16),
                    int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                    f"{hour}:00",
                )
        painter.setPen(colors.grid)
        for index in range(len(self.days) + 1):
            x = GUTTER + index * width
            painter.drawLine(QPointF(x, exposed.top()), QPointF(x, exposed.bottom()))
        dragged = self._drag.box.occurrence.key if self._drag and self._drag.moved else None
        for box in self.boxes:
            if box.rect.intersects(exposed):
                if box.occurrence.key == dragged:
                    painter.setOpacity(0.35)
                    self.paint_box(painter, colors, box, box.rect)
                    painter.setOpacity(1.0)
                else:
                    self.paint_box(painter, colors, box, box.rect)
        if self._drag is not None and self._drag.moved:
            self._paint_ghost(painter, colors)
        if self.today in self.days:
            now = dt.datetime.now()
            x = GUTTER + self.days.index(self.today) * width
            y = self.y_of(now)
            painter.setPen(QPen(colors.now_line, 2))
            painter.drawLine(QPointF(x, y), QPointF(x + width, y))
        painter.end()

    def ghost_rects(self, start: dt.datetime, end: dt.datetime) -> list[QRectF]:
        rects = []
        width = self.column_width
        for index, day in enumerate(self.days):
            lo = max(start, dt.datetime.combine(day, dt.time()))
            hi = min(end, dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))
            if hi > lo:
                top = self.y_of(lo)
                bottom = 24 * HOUR_HEIGHT if hi.date() > day else self.y_of(hi)
                rects.append(
                    QRectF(
                        GUTTER + index * width + 1, top + 1, width - 3, max(bottom - top, 16) - 2
                    )
                )
        return rects

    def _paint_ghost(self, painter: QPainter, colors: CalendarColors) -> None:
        assert self._drag is not None
        drag = self._drag
        ghost = Box(drag.box.occurrence, drag.start, drag.end)
        for rect in self.ghost_rects(drag.start, drag.end):
            ghost.text = ""
            if drag.mode == "create":
                painter.setPen(Qt.PenStyle.NoPen)
                fill = colors.accent
                fill.setAlpha(90)
                painter.setBrush(fill)
                painter.drawRoundedRect(rect, 4, 4)
                painter.setPen(colors.text)
                painter.setFont(self._small)
                painter.drawText(
                    rect.adjusted(6, 2, -4, -2),
                    int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop),
                    f"{clock(drag.start)}–{clock(drag.end)}",
                )
            else:
                self.paint_box(painter, colors, ghost, rect, ghost=True)

    # ---- mouse -------------------------------------------------------------

    def hover_cursor(self, box: Box | None, pos: QPointF) -> None:
        if (
            box is not None
            and box.editable
            and box.last
            and pos.y() > box.rect.bottom() - RESIZE_EDGE
        ):
            self.setCursor(Qt.CursorShape.SizeVerCursor)
        else:
            super().hover_cursor(box, pos)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or not self.days:
            super().mousePressEvent(event)
            return
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        pos = event.position()
        box = self.hit(pos)
        if box is not None:
            self.select(box.occurrence)
            if box.editable:
                resize = box.last and pos.y() > box.rect.bottom() - RESIZE_EDGE
                self._drag = Drag(box, "resize" if resize else "move", pos, box.start, box.end)
            return
        self.select(None)
        start = self.at(pos)
        placeholder = Box(_NO_OCCURRENCE, start, start)
        self._drag = Drag(placeholder, "create", pos, start, start + dt.timedelta(minutes=30))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        drag = self._drag
        if drag is None:
            super().mouseMoveEvent(event)
            return
        pos = event.position()
        if not drag.moved and (pos - drag.press).manhattanLength() < DRAG_DISTANCE:
            return
        drag.moved = True
        box = drag.box
        if drag.mode == "move":
            offset = snap((pos.y() - drag.press.y()) * 60 / HOUR_HEIGHT)
            days = int((pos.x() - GUTTER) // self.column_width) - int(
                (drag.press.x() - GUTTER) // self.column_width
            )
            delta = dt.timedelta(days=days, minutes=offset)
            drag.start, drag.end = box.start + delta, box.end + delta
        elif drag.mode == "resize":
            end = box.end + dt.timedelta(
                minutes=snap((pos.y() - drag.press.y()) * 60 / HOUR_HEIGHT)
            )
            drag.end = max(end, box.start + dt.timedelta(minutes=SNAP_MINUTES))
        else:
            here = self.at(pos)
            a, b = sorted((box.start, here))
            drag.start, drag.end = a, max(b, a + dt.timedelta(minutes=SNAP_MINUTES))
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        drag, self._drag = self._drag, None
        if drag is None or event.button() != Qt.MouseButton.LeftButton:
            super().mouseReleaseEvent(event)
            return
        self.update()
        if not drag.moved:
            return
        if drag.mode == "create":
            self.create_requested.emit(drag.start, drag.end, False)
        elif (drag.start, drag.end) != (drag.box.start, drag.box.end):
            self.change_requested.emit(drag.box.occurrence, drag.start, drag.end)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self._drag = None
        box = self.hit(event.position())
        if box is not None:
            self.edit_requested.emit(box.occurrence)
            return
        start = self.at(event.position())
        start = start.replace(minute=0) if start.minute < 30 else start.replace(minute=30)
        self.create_requested.emit(start, start + dt.timedelta(hours=1), False)


class _NoOccurrence:
    key = None
    editable = True
    color = "#4f46e5"
    title = ""
    all_day = False
    is_recurring = False


_NO_OCCURRENCE: Any = _NoOccurrence()


class AllDayHeader(CalendarView):
    """Above the time grid: the days' names and the all-day appointments."""

    ROW = 22.0
    TOP = 30.0

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.rows = 0
        #: The width of the grid's scroll bar, so that the columns line up with the grid's.
        self.right_margin = 0.0

    @property
    def column_width(self) -> float:
        return (self.width() - self.right_margin - GUTTER) / max(len(self.days), 1)

    def relayout(self) -> None:
        width = self.column_width
        self.boxes = []
        self.rows = 0
        for row, a, b, item in all_day_rows(self.items, self.days):
            box = Box(item.occurrence, item.start, item.end, day=a)
            box.rect = QRectF(
                GUTTER + a * width + 1, self.TOP + row * self.ROW + 1, (b - a + 1) * width - 3,
                self.ROW - 3,
            )  # fmt: skip
            self.boxes.append(box)
            self.rows = max(self.rows, row + 1)
        height = int(self.TOP + max(self.rows, 1) * self.ROW + 4)
        if self.minimumHeight() != height:
            self.setFixedHeight(height)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        colors = calendar_colors()
        painter.fillRect(self.rect(), colors.surface)
        width = self.column_width
        for index, day in enumerate(self.days):
            x = GUTTER + index * width
            header = QRectF(x, 0, width, self.TOP)
            if day == self.today:
                painter.fillRect(QRectF(x, 0, width, self.height()), colors.today)
            painter.setPen(colors.accent if day == self.today else colors.muted)
            painter.setFont(self._bold if day == self.today else self._font)
            painter.drawText(
                header, int(Qt.AlignmentFlag.AlignCenter), f"{WEEKDAYS[day.weekday()]} {day.day}"
            )
            painter.setPen(colors.grid)
            painter.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        painter.setPen(colors.muted)
        painter.setFont(self._small)
        painter.drawText(
            QRectF(0, self.TOP, GUTTER - 8, self.ROW),
            int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
            "all day",
        )
        for box in self.boxes:
            self.paint_box(painter, colors, box, box.rect, compact=True)
        painter.setPen(colors.grid_strong)
        painter.drawLine(QPointF(0, self.height() - 1), QPointF(self.width(), self.height() - 1))
        painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        box = self.hit(event.position())
        self.select(box.occurrence if box else None)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        box = self.hit(event.position())
        if box is not None:
            self.edit_requested.emit(box.occurrence)
        elif self.days and event.position().x() > GUTTER:
            width = self.column_width
            day = self.days[min(int((event.position().x() - GUTTER) // width), len(self.days) - 1)]
            start = dt.datetime.combine(day, dt.time())
            self.create_requested.emit(start, start + dt.timedelta(days=1), True)


class MonthGrid(CalendarView):
    """Six weeks of days; each cell lists what fits and "+N more"."""

    HEADER = 24.0
    LINE = 19.0

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.month = 1
        self.more: dict[int, int] = {}

    def sizeHint(self) -> QSize:
        return QSize(900, 640)

    def cell_rect(self, index: int) -> QRectF:
        width = self.width() / 7
        height = (self.height() - self.HEADER) / 6
        return QRectF((index % 7) * width, self.HEADER + (index // 7) * height, width, height)

    def cell_at(self, pos: QPointF) -> int:
        width = self.width() / 7
        height = (self.height() - self.HEADER) / 6
        column = min(max(int(pos.x() // width), 0), 6)
        row = min(max(int((pos.y() - self.HEADER) // height), 0), 5)
        return row * 7 + column

    def relayout(self) -> None:
        self.boxes = []
        self.more = {}
        if not self.days:
            self.update()
            return
        first = self.days[0]
        per_day: list[list[LocalOccurrence]] = [[] for _ in self.days]
        for item in self.items:
            last = (
                (item.end - dt.timedelta(seconds=1)).date()
                if item.end > item.start
                else item.start.date()
            )
            day = max(item.start.date(), first)
            while day <= last and (day - first).days < len(self.days):
                per_day[(day - first).days].append(item)
                day += dt.timedelta(days=1)
        for index, items in enumerate(per_day):
            cell = self.cell_rect(index)
            fits = max(int((cell.height() - 22) // self.LINE), 0)
            shown = items if len(items) <= fits else items[: max(fits - 1, 0)]
            for line, item in enumerate(shown):
                box = Box(
                    item.occurrence, item.start, item.end, day=index,
                    first=item.start.date() == self.days[index] or index == 0,
                )  # fmt: skip
                box.rect = QRectF(
                    cell.left() + 3, cell.top() + 21 + line * self.LINE, cell.width() - 6,
                    self.LINE - 2,
                )  # fmt: skip
                self.boxes.append(box)
            if len(shown) < len(items):
                self.more[index] = len(items) - len(shown)
        self.update()

    def step(self, key: int, shift: bool) -> tuple[dt.timedelta, dt.timedelta] | None:
        day, week = dt.timedelta(days=1), dt.timedelta(weeks=1)
        moves = {
            Qt.Key.Key_Left: -day,
            Qt.Key.Key_Right: day,
            Qt.Key.Key_Up: -week,
            Qt.Key.Key_Down: week,
        }
        delta = moves.get(Qt.Key(key))
        return (delta, delta) if delta is not None else None

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        colors = calendar_colors()
        painter.fillRect(self.rect(), colors.surface)
        width = self.width() / 7
        painter.setFont(self._small)
        painter.setPen(colors.muted)
        for column, name in enumerate(WEEKDAYS):
            painter.drawText(
                QRectF(column * width, 0, width, self.HEADER),
                int(Qt.AlignmentFlag.AlignCenter),
                name,
            )
        exposed = QRectF(event.rect())
        for index, day in enumerate(self.days):
            cell = self.cell_rect(index)
            if not cell.intersects(exposed):
                continue
            if day.month != self.month:
                painter.fillRect(cell, colors.surface_alt)
            painter.setPen(colors.grid)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(cell)
            number = QRectF(cell.left() + 4, cell.top() + 2, 22, 18)
            if day == self.today:
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(colors.accent)
                painter.drawEllipse(number)
                painter.setPen(colors.accent_text)
            else:
                painter.setPen(colors.text if day.month == self.month else colors.faint)
            painter.setFont(self._small)
            painter.drawText(number, int(Qt.AlignmentFlag.AlignCenter), str(day.day))
            more = self.more.get(index)
            if more:
                painter.setPen(colors.muted)
                painter.drawText(
                    QRectF(
                        cell.left() + 6, cell.bottom() - self.LINE, cell.width() - 8, self.LINE - 2
                    ),
                    int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                    f"+{more} more",
                )
        dragged = self._drag.box.occurrence.key if self._drag and self._drag.moved else None
        for box in self.boxes:
            if box.rect.intersects(exposed):
                painter.setOpacity(0.35 if box.occurrence.key == dragged else 1.0)
                self.paint_box(painter, colors, box, box.rect, compact=True)
        painter.setOpacity(1.0)
        if self._drag is not None and self._drag.moved:
            cell = self.cell_rect(self._drag_cell)
            painter.setPen(QPen(colors.accent, 2, Qt.PenStyle.DashLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(cell.adjusted(1, 1, -1, -1))
        painter.end()

    _drag_cell = 0

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        pos = event.position()
        box = self.hit(pos)
        if box is None:
            index = self.cell_at(pos)
            cell = self.cell_rect(index)
            if self.more.get(index) and pos.y() > cell.bottom() - self.LINE:
                self.day_requested.emit(self.days[index])
            self.select(None)
            return
        self.select(box.occurrence)
        if box.editable:
            self._drag = Drag(box, "move", pos, box.start, box.end)
            self._drag_cell = box.day

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        drag = self._drag
        if drag is None:
            super().mouseMoveEvent(event)
            return
        if not drag.moved and (event.position() - drag.press).manhattanLength() < DRAG_DISTANCE:
            return
        drag.moved = True
        self._drag_cell = self.cell_at(event.position())
        delta = dt.timedelta(days=self._drag_cell - self.cell_at(drag.press))
        drag.start, drag.end = drag.box.start + delta, drag.box.end + delta
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        drag, self._drag = self._drag, None
        self.update()
        if drag is not None and drag.moved and drag.start != drag.box.start:
            self.change_requested.emit(drag.box.occurrence, drag.start, drag.end)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self._drag = None
        box = self.hit(event.position())
        if box is not None:
            self.edit_requested.emit(box.occurrence)
            return
        day = self.days[self.cell_at(event.position())]
        start = dt.datetime.combine(day, dt.time(9))
        self.create_requested.emit(start, start + dt.timedelta(hours=1), False)


class AgendaList(CalendarView):
    """The coming days as a list: a header per day, a row per appointment."""

    DAY_ROW = 30.0
    ROW = 44.0

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[tuple[float, float, dt.date | None, LocalOccurrence | None]] = []

    def relayout(self) -> None:
        self.rows = []
        self.boxes = []
        y = 0.0
        by_day: dict[dt.date, list[LocalOccurrence]] = {}
        for item in self.items:
            by_day.setdefault(item.start.date(), []).append(item)
        for day in self.days:
            items = by_day.get(day)
            if not items:
                continue
            self.rows.append((y, self.DAY_ROW, day, None))
            y += self.DAY_ROW
            for item in items:
                box = Box(item.occurrence, item.start, item.end)
                box.rect = QRectF(0, y, max(self.width(), 1), self.ROW)
                self.boxes.append(box)
                self.rows.append((y, self.ROW, None, item))
                y += self.ROW
        height = max(int(y) + 8, 200)
        if self.minimumHeight() != height:
            self.setMinimumHeight(height)
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(800, self.minimumHeight())

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if (
            event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down)
            and self.items
            and self._cycle(event.key() == Qt.Key.Key_Down)
        ):
            return
        super().keyPressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        colors = calendar_colors()
        exposed = QRectF(event.rect())
        painter.fillRect(exposed, colors.surface)
        metrics = QFontMetrics(self._font)
        if not self.rows:
            painter.setPen(colors.muted)
            painter.drawText(
                QRectF(self.rect()), int(Qt.AlignmentFlag.AlignCenter), "No appointments"
            )
        for y, height, day, item in self.rows:
            if y + height < exposed.top() or y > exposed.bottom():
                continue
            if day is not None:
                painter.fillRect(QRectF(0, y, self.width(), height), colors.surface_alt)
                painter.setPen(colors.accent if day == self.today else colors.text)
                painter.setFont(self._bold)
                label = "Today · " if day == self.today else ""
                painter.drawText(
                    QRectF(16, y, self.width() - 32, height),
                    int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                    f"{label}{day:%A %d %B %Y}",
                )
                continue
            assert item is not None
            occurrence = item.occurrence
            row = QRectF(0, y, self.width(), height)
            if occurrence.key == self.selected:
                fill = colors.selection
                fill.setAlpha(60)
                painter.fillRect(row, fill)
            painter.setFont(self._font)
            painter.setPen(colors.muted)
            when = "All day" if occurrence.all_day else f"{clock(item.start)}–{clock(item.end)}"
            painter.drawText(
                QRectF(16, y, 110, height),
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                when,
            )
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colors.bar(occurrence.color, occurrence.editable))
            painter.drawEllipse(QRectF(132, y + height / 2 - 5, 10, 10))
            painter.setPen(colors.text if occurrence.editable else colors.read_only_text)
            title = ("⟳ " if occurrence.is_recurring else "") + occurrence.title
            painter.drawText(
                QRectF(152, y + 4, self.width() - 170, height / 2),
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                metrics.elidedText(title, Qt.TextElideMode.ElideRight, int(self.width() - 170)),
            )
            detail = " · ".join(
                part
                for part in (
                    occurrence.appointment.location,
                    self.details.get(occurrence.appointment.id, ""),
                    "" if occurrence.editable else "read-only",
                )
                if part
            )
            painter.setPen(colors.muted)
            painter.setFont(self._small)
            painter.drawText(
                QRectF(152, y + height / 2, self.width() - 170, height / 2 - 4),
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                detail,
            )
            painter.setPen(colors.grid)
            painter.drawLine(QPointF(16, y + height), QPointF(self.width() - 16, y + height))
        painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        box = self.hit(event.position())
        self.select(box.occurrence if box else None)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        box = self.hit(event.position())
        if box is not None:
            self.edit_requested.emit(box.occurrence)
