"""Demo tasks and appointments, and the history of the deals the demo closed.

Written by ``services.demo`` after the records, with its writer (rows in bulk, each with its
change-log row), from their own random stream so the records stay the same for a seed:

- tasks on about half the deals, assigned to the deal's owner: overdue (the last ten days),
  due later today, upcoming (the next four weeks) and done (their completion logged by the
  assignee when it happened, so the activity feed shows it);
- appointments on one deal in forty, in working hours over the coming three weeks (and a few
  in the past week), owned by the deal's owner, in the CRM's calendar;
- a closed deal's move to Won, Lost or Unqualified, logged by its owner when it closed.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from desktopcrm.models.calendar import Appointment
from desktopcrm.models.tasks import Task

TASK_TITLES = (
    "Call {name} about the proposal",
    "Send the quote for {product}",
    "Follow up on {product}",
    "Prepare the {product} demo",
    "Check the contract terms with {name}",
    "Ask {name} for a decision date",
    "Send the case studies to {name}",
    "Book a visit with {name}",
)
APPOINTMENT_TITLES = (
    "{product} demo with {name}",
    "Discovery call – {name}",
    "Contract review with {name}",
    "Quarterly review – {name}",
    "Site visit at {name}",
)


@dataclass(frozen=True)
class DealRef:
    """What tasks and appointments need of a demo deal."""

    id: uuid.UUID
    owner: uuid.UUID
    contact: str
    product: str
    city: str


def _record(row_id: uuid.UUID, created: dt.datetime, version: int = 1) -> dict[str, Any]:
    return {
        "id": row_id,
        "created_at": created,
        "updated_at": created,
        "version": version,
        "deleted_at": None,
    }


def add_tasks(
    writer: Any,
    rng: random.Random,
    deals: Sequence[DealRef],
    now: dt.datetime,
    uuid_of: Callable[[str, int], uuid.UUID],
) -> int:
    """Tasks on about half of ``deals`` (see the module docstring); returns how many."""
    count = 0
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    for deal in deals:
        if rng.random() >= 0.5:
            continue
        roll = rng.random()
        done = False
        reminder = None
        if roll < 0.15:  # overdue
            due = now - dt.timedelta(days=rng.randint(0, 10), hours=rng.randint(1, 8))
        elif roll < 0.25:  # later today
            due = max(
                now + dt.timedelta(minutes=20), today + dt.timedelta(hours=rng.randint(9, 18))
            )
            due = min(due, today + dt.timedelta(hours=23, minutes=30))
        elif roll < 0.65:  # upcoming
            due = today + dt.timedelta(days=rng.randint(1, 28), hours=rng.randint(8, 17))
            reminder = rng.choice((None, None, "1h", "15m", "1d"))
        else:  # done
            due = now - dt.timedelta(days=rng.randint(0, 60), hours=rng.randint(0, 8))
            done = True
        created = min(now, due - dt.timedelta(days=rng.randint(1, 14)))
        done_at = min(now, due + dt.timedelta(hours=rng.randint(-30, 6))) if done else None
        done_at = max(done_at, created + dt.timedelta(minutes=5)) if done_at else None
        title = rng.choice(TASK_TITLES).format(name=deal.contact, product=deal.product)
        row_id = uuid_of("task", count)
        row = {
            **_record(row_id, created, 2 if done else 1),
            "title": title,
            "description": "",
            "due_at": due,
            "reminder": reminder,
            "remind_at": None if reminder is None else due - _offset(reminder),
            "record_type": "deal",
            "record_id": deal.id,
            "assignee": deal.owner,
            "created_by": deal.owner,
            "done": done,
            "done_at": done_at,
        }
        if done_at is not None:
            row["updated_at"] = done_at
        writer.add(Task, row, by=deal.owner, at=created, logged_fields=("title", "due_at"))
        if done_at is not None:
            writer.log_update("task", row_id, 2, {"done": [False, True]}, deal.owner, done_at)
        count += 1
    return count


def _offset(reminder: str) -> dt.timedelta:
    return {"1h": dt.timedelta(hours=1), "15m": dt.timedelta(minutes=15)}.get(
        reminder, dt.timedelta(days=1)
    )


def add_appointments(
    writer: Any,
    rng: random.Random,
    deals: Sequence[DealRef],
    now: dt.datetime,
    calendar_id: uuid.UUID,
    emails: dict[uuid.UUID, str],
    uuid_of: Callable[[str, int], uuid.UUID],
) -> int:
    """Appointments on one deal in forty (see the module docstring); returns how many."""
    count = 0
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    for deal in deals:
        if rng.random() >= 1 / 40:
            continue
        day = today + dt.timedelta(days=rng.randint(-7, 21))
        while day.weekday() >= 5:
            day += dt.timedelta(days=1)
        start = day + dt.timedelta(hours=rng.randint(8, 16), minutes=rng.choice((0, 30)))
        end = start + dt.timedelta(minutes=rng.choice((30, 45, 60, 60, 90)))
        row_id = uuid_of("appointment", count)
        title = rng.choice(APPOINTMENT_TITLES).format(name=deal.contact, product=deal.product)
        writer.add(
            Appointment,
            {
                **_record(row_id, min(now, start - dt.timedelta(days=rng.randint(1, 10)))),
                "calendar": calendar_id,
                "title": title,
                "description": "",
                "location": rng.choice((deal.city, deal.city, "Video call", "Phone")),
                "start_at": start,
                "end_at": end,
                "span_end": end,
                "time_zone": "UTC",
                "all_day": False,
                "status": "confirmed",
                "rrule": "",
                "exdates": "[]",
                "series": None,
                "recurrence_id": None,
                "reminder": "15m" if start > now else None,
                "record_type": "deal",
                "record_id": deal.id,
                "owner": deal.owner,
                "organizer_email": emails.get(deal.owner, ""),
                "ical_uid": f"{row_id}@desktopcrm",
                "external_id": None,
                "etag": None,
                "sequence": 0,
                "ical_extra": "",
            },
            by=deal.owner,
            logged_fields=("title", "start_at"),
        )
        count += 1
    return count
