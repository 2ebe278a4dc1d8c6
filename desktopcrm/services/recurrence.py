"""Recurrence rules (RRULE via ``python-dateutil``): parsing, editing and expanding series.

Occurrences are computed in the appointment's own time zone, so a 9:00 weekly meeting stays
at 9:00 across daylight-saving changes, then converted to naive UTC like every stored time.
All-day appointments are floating dates (stored at midnight, expanded as UTC).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import rrule as du

from desktopcrm.services.errors import ValidationError

#: A series with more occurrences than this is treated as endless when computing its span.
MAX_COUNTED = 5000
#: The order parts are written in (iCalendar's), so a rule reads the same after a round trip.
CANONICAL_ORDER = (
    "FREQ", "UNTIL", "COUNT", "INTERVAL", "BYSECOND", "BYMINUTE", "BYHOUR", "BYDAY",
    "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYMONTH", "BYSETPOS", "WKST",
)  # fmt: skip
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@functools.lru_cache(maxsize=256)
def zone(name: str) -> dt.tzinfo:
    """The time zone called ``name`` (IANA), or a ``ValidationError``."""
    if not name or name.upper() == "UTC":
        return dt.UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError("time_zone", f"{name!r} is not a known time zone.") from None


def as_local(value: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """Naive UTC -> aware local time in ``tz``."""
    return value.replace(tzinfo=dt.UTC).astimezone(tz)


def as_utc(value: dt.datetime) -> dt.datetime:
    """Aware (or naive UTC) -> naive UTC."""
    if value.tzinfo is None:
        return value
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def parse_parts(rule: str) -> dict[str, str]:
    """``FREQ=WEEKLY;BYDAY=MO`` -> ``{'FREQ': 'WEEKLY', 'BYDAY': 'MO'}`` (order kept)."""
    text = rule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    parts: dict[str, str] = {}
    for piece in text.split(";"):
        if not piece.strip():
            continue
        key, _, value = piece.partition("=")
        parts[key.strip().upper()] = value.strip()
    return parts


def join_parts(parts: dict[str, str]) -> str:
    return ";".join(f"{key}={value}" for key, value in parts.items())


def _until_text(value: dt.datetime) -> str:
    return as_utc(value).strftime("%Y%m%dT%H%M%SZ")


def normalise(rule: str, all_day: bool = False) -> str:
    """Check ``rule`` and write it in one form (an UNTIL in UTC), or raise ``ValidationError``."""
    if not rule.strip():
        return ""
    parts = parse_parts(rule)
    if "FREQ" not in parts:
        raise ValidationError("rrule", "A repeat rule needs a frequency (FREQ=DAILY, WEEKLY…).")
    until = parts.get("UNTIL")
    if until and not all_day and len(until) == 8:
        parts["UNTIL"] = until + "T235959Z"
    elif until and not all_day and not until.endswith("Z"):
        parts["UNTIL"] = until + "Z"
    elif until and all_day:
        parts["UNTIL"] = until[:8]
    order = {name: index for index, name in enumerate(CANONICAL_ORDER)}
    parts = dict(sorted(parts.items(), key=lambda item: order.get(item[0], len(order))))
    text = join_parts(parts)
    try:
        du.rrulestr(text, dtstart=dt.datetime(2000, 1, 1, tzinfo=None if all_day else dt.UTC))
    except (ValueError, TypeError) as exc:
        raise ValidationError("rrule", f"The repeat rule {rule!r} is not valid: {exc}.") from None
    return text


def build(rule: str, start: dt.datetime, tz: dt.tzinfo, all_day: bool) -> du.rrule:
    """The dateutil rule for a series starting at ``start`` (naive UTC)."""
    if all_day:
        return du.rrulestr(rule, dtstart=start)
    return du.rrulestr(rule, dtstart=as_local(start, tz))


def _naive(value: dt.datetime, all_day: bool) -> dt.datetime:
    return value if all_day else as_utc(value)


def starts_between(
    rule: str,
    start: dt.datetime,
    tz: dt.tzinfo,
    all_day: bool,
    lo: dt.datetime,
    hi: dt.datetime,
) -> list[dt.datetime]:
    """Occurrence starts (naive UTC) in ``[lo, hi]`` of the series."""
    compiled = build(rule, start, tz, all_day)
    if all_day:
        found = compiled.between(lo, hi, inc=True)
    else:
        found = compiled.between(lo.replace(tzinfo=dt.UTC), hi.replace(tzinfo=dt.UTC), inc=True)
    return [_naive(value, all_day) for value in found]


def last_start(rule: str, start: dt.datetime, tz: dt.tzinfo, all_day: bool) -> dt.datetime | None:
    """The start of the series' last occurrence, None for an endless (or huge) series."""
    parts = parse_parts(rule)
    if "UNTIL" not in parts and "COUNT" not in parts:
        return None
    compiled = build(rule, start, tz, all_day)
    last: dt.datetime | None = None
    for index, value in enumerate(compiled):
        if index >= MAX_COUNTED:
            return None
        last = value
    return _naive(last, all_day) if last is not None else start


def count_before(
    rule: str, start: dt.datetime, tz: dt.tzinfo, all_day: bool, before: dt.datetime
) -> int:
    """How many occurrences start before ``before``."""
    compiled = build(rule, start, tz, all_day)
    count = 0
    for value in compiled:
        if _naive(value, all_day) >= before:
            break
        count += 1
    return count


def end_before(rule: str, before: dt.datetime, all_day: bool) -> str:
    """The rule cut so that its last occurrence starts before ``before`` (naive UTC)."""
    parts = parse_parts(rule)
    parts.pop("COUNT", None)
    cut = before - dt.timedelta(seconds=1)
    parts["UNTIL"] = cut.strftime("%Y%m%d") if all_day else _until_text(cut)
    return join_parts(parts)


def with_count(rule: str, count: int | None) -> str:
    parts = parse_parts(rule)
    if count is None:
        parts.pop("COUNT", None)
    else:
        parts["COUNT"] = str(count)
    return join_parts(parts)


def move_weekday(rule: str, old_start: dt.datetime, new_start: dt.datetime) -> str:
    """A weekly rule on a single weekday follows its first occurrence to another weekday."""
    parts = parse_parts(rule)
    byday = parts.get("BYDAY", "")
    if old_start.weekday() == new_start.weekday() or not byday or "," in byday:
        return rule
    if byday.upper() != _WEEKDAYS[old_start.weekday()]:
        return rule
    parts["BYDAY"] = _WEEKDAYS[new_start.weekday()]
    return join_parts(parts)


def describe(rule: str) -> str:
    """A short sentence for a rule ("Weekly on MO, WE", "Daily, 5 times")."""
    if not rule:
        return "Does not repeat"
    parts = parse_parts(rule)
    freq = parts.get("FREQ", "").capitalize()
    interval = parts.get("INTERVAL")
    text = f"Every {interval} {freq.lower()}" if interval and interval != "1" else freq
    if "BYDAY" in parts:
        text += " on " + parts["BYDAY"].replace(",", ", ")
    if "COUNT" in parts:
        text += f", {parts['COUNT']} times"
    elif "UNTIL" in parts:
        until = parts["UNTIL"]
        text += f", until {until[:4]}-{until[4:6]}-{until[6:8]}"
    return text


def iso_list(values: Iterable[dt.datetime]) -> list[str]:
    return sorted({value.isoformat() for value in values})
