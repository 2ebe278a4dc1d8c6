"""The viewer's time zone and conversions between stored times (naive UTC) and what screens
show (local time), shared by the Tasks screen and the calendar pane."""

from __future__ import annotations

import datetime as dt
import functools
import os
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from desktopcrm.qt import QDate, QDateTime, QTime, QTimeZone


@functools.cache
def local_zone() -> dt.tzinfo:
    """The system's time zone (IANA), UTC when it cannot be named (``TZ`` wins, for tests)."""
    name = os.environ.get("TZ") or bytes(QTimeZone.systemTimeZoneId().data()).decode()
    try:
        return ZoneInfo(name) if name and name != "UTC" else dt.UTC
    except (ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def zone_name(tz: dt.tzinfo) -> str:
    return str(getattr(tz, "key", "UTC"))


def to_local(value: dt.datetime, tz: dt.tzinfo | None = None) -> dt.datetime:
    """Naive UTC -> naive local wall time."""
    return value.replace(tzinfo=dt.UTC).astimezone(tz or local_zone()).replace(tzinfo=None)


def to_utc(value: dt.datetime, tz: dt.tzinfo | None = None) -> dt.datetime:
    """Naive local wall time -> naive UTC."""
    aware = value.replace(tzinfo=tz or local_zone())
    return aware.astimezone(dt.UTC).replace(tzinfo=None)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def to_qdatetime(value: dt.datetime) -> QDateTime:
    """A naive wall time as a QDateTime (same fields, no conversion)."""
    return QDateTime(
        QDate(value.year, value.month, value.day), QTime(value.hour, value.minute, value.second)
    )


def from_qdatetime(value: QDateTime) -> dt.datetime:
    date, time = value.date(), value.time()
    return dt.datetime(date.year(), date.month(), date.day(), time.hour(), time.minute())


def describe_due(due: dt.datetime, now: dt.datetime, tz: dt.tzinfo | None = None) -> str:
    """ "Today 14:30", "Tomorrow 9:00", "Fri 13 Mar 9:00", "13 Mar 2027 9:00" (local time)."""
    local, today = to_local(due, tz), to_local(now, tz).date()
    clock = f"{local.hour}:{local.minute:02d}"
    days = (local.date() - today).days
    if days == 0:
        return f"Today {clock}"
    if days == 1:
        return f"Tomorrow {clock}"
    if days == -1:
        return f"Yesterday {clock}"
    if local.year == today.year:
        return f"{local:%a} {local.day} {local:%b} {clock}"
    return f"{local.day} {local:%b %Y} {clock}"
