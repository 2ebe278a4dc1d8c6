"""Where each occurrence goes on the calendar: pure geometry, computed once per data set or
size change so that painting only draws.

Times here are naive local wall times (the screen converts from UTC once). A timed occurrence
that crosses midnight is cut into one box per day. Overlapping boxes of a day share its width
side by side (each cluster of overlaps gets as many columns as it needs).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from desktopcrm.qt import QRectF
from desktopcrm.services.calendar import Occurrence

SNAP_MINUTES = 15


@dataclass
class Box:
    """One painted piece of an occurrence."""

    occurrence: Occurrence
    start: dt.datetime  # local wall time of the whole occurrence
    end: dt.datetime
    rect: QRectF = field(default_factory=QRectF)
    day: int = 0  # the column (time grid) or cell (month) index
    first: bool = True  # holds the occurrence's start (the move handle)
    last: bool = True  # holds its end (the resize handle)
    text: str = ""

    @property
    def editable(self) -> bool:
        return self.occurrence.editable


@dataclass(frozen=True)
class LocalOccurrence:
    occurrence: Occurrence
    start: dt.datetime
    end: dt.datetime


def minutes(value: dt.datetime) -> float:
    return value.hour * 60 + value.minute + value.second / 60


def snap(value: float, step: int = SNAP_MINUTES) -> int:
    return int(round(value / step) * step)


def time_grid(
    items: list[LocalOccurrence],
    days: list[dt.date],
    *,
    left: float,
    width: float,
    hour_height: float,
) -> list[Box]:
    """Boxes of timed occurrences on a grid of ``days`` columns (all-day ones are left out)."""
    if not days:
        return []
    column_width = width / len(days)
    index = {day: i for i, day in enumerate(days)}
    per_day: dict[int, list[Box]] = {}
    for item in items:
        if item.occurrence.all_day:
            continue
        day = item.start.date()
        while day <= item.end.date():
            seg_start = max(item.start, dt.datetime.combine(day, dt.time()))
            seg_end = min(item.end, dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))
            if day in index and (seg_end > seg_start or item.start == item.end):
                box = Box(
                    item.occurrence,
                    item.start,
                    item.end,
                    day=index[day],
                    first=seg_start == item.start,
                    last=seg_end == item.end,
                )
                box.rect = QRectF(0, minutes(seg_start), 0, minutes(seg_end) or 24 * 60)
                per_day.setdefault(index[day], []).append(box)
            day += dt.timedelta(days=1)
    boxes: list[Box] = []
    scale = hour_height / 60
    for day_index, day_boxes in per_day.items():
        day_boxes.sort(key=lambda b: (b.rect.top(), -b.rect.height()))
        for cluster in _clusters(day_boxes):
            columns: list[float] = []  # end minute of each column's last box
            placed: list[tuple[Box, int]] = []
            for box in cluster:
                top, bottom = box.rect.top(), box.rect.height()  # height holds the end minute
                slot = next((i for i, end in enumerate(columns) if end <= top), len(columns))
                if slot == len(columns):
                    columns.append(bottom)
                else:
                    columns[slot] = bottom
                placed.append((box, slot))
            count = len(columns)
            for box, slot in placed:
                top, end = box.rect.top(), box.rect.height()
                x = left + day_index * column_width + slot * column_width / count
                height = max((end - top) * scale, 18.0)
                box.rect = QRectF(x + 1, top * scale + 1, column_width / count - 3, height - 2)
                boxes.append(box)
    return boxes


def _clusters(boxes: list[Box]) -> list[list[Box]]:
    clusters: list[list[Box]] = []
    current: list[Box] = []
    reach = -1.0
    for box in boxes:
        top, end = box.rect.top(), box.rect.height()
        if current and top >= reach:
            clusters.append(current)
            current, reach = [], -1.0
        current.append(box)
        reach = max(reach, end)
    if current:
        clusters.append(current)
    return clusters


def all_day_rows(
    items: list[LocalOccurrence], days: list[dt.date]
) -> list[tuple[int, int, int, LocalOccurrence]]:
    """All-day (and multi-day) occurrences as (row, first day index, last day index, item)."""
    if not days:
        return []
    first, last = days[0], days[-1]
    rows: list[list[tuple[int, int]]] = []
    found = []
    spans = []
    for item in items:
        if not item.occurrence.all_day:
            continue
        end_day = (item.end - dt.timedelta(seconds=1)).date()
        if end_day < first or item.start.date() > last:
            continue
        a = max((item.start.date() - first).days, 0)
        b = min((end_day - first).days, len(days) - 1)
        spans.append((a, b, item))
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    for a, b, item in spans:
        row = next(
            (i for i, taken in enumerate(rows) if all(b < x or a > y for x, y in taken)),
            len(rows),
        )
        if row == len(rows):
            rows.append([])
        rows[row].append((a, b))
        found.append((row, a, b, item))
    return found


def month_days(anchor: dt.date) -> list[dt.date]:
    """The 42 days (six weeks from Monday) shown for the month of ``anchor``."""
    first = anchor.replace(day=1)
    start = first - dt.timedelta(days=first.weekday())
    return [start + dt.timedelta(days=i) for i in range(42)]


def week_days(anchor: dt.date) -> list[dt.date]:
    start = anchor - dt.timedelta(days=anchor.weekday())
    return [start + dt.timedelta(days=i) for i in range(7)]
