"""The pipeline board: its columns (one per stage, with count, total and weighted value), the
deals of a column in board order, what a card shows, and moving a card.

A move goes through ``deals.move_deal`` (closing rules, reasons, contacts' statuses, change log,
automation hooks); this module only works out the position between the two cards it was
dropped between and checks the version the board showed, so a deal someone else moved
meanwhile is a conflict (``StaleRecordError``), never a silent overwrite.

Amounts are summed in whole cents by the database (exact on SQLite and PostgreSQL), per stage
and currency; the board shows the pipeline's currency and says when other currencies are left
out of a total.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import peewee

from desktopcrm.models import (
    ORIGIN,
    ChangeLog,
    User,
    current_actor,
    database,
    utcnow,
    write_transaction,
)
from desktopcrm.models.attachments import RecordTag, Tag
from desktopcrm.models.base import encode_changes
from desktopcrm.models.records import Contact, Deal, LossReason, Pipeline, Stage, StageKind
from desktopcrm.models.tasks import Task
from desktopcrm.services import deals as deal_service
from desktopcrm.services import pipelines as pipeline_service
from desktopcrm.services.errors import ValidationError
from desktopcrm.services.records import live
from desktopcrm.services.visibility import scope

#: Smallest gap between two neighbours' positions before deals around them are spread out.
MIN_GAP = 1e-6
#: The gap deals around a crowded spot get when they are spread out (room for ten more halvings
#: at the same spot before the next spread).
ROOM = MIN_GAP * 1024


# --------------------------------------------------------------------------- filters


@dataclass(frozen=True)
class BoardFilter:
    """What the board shows of a pipeline. Empty fields do not filter.

    Attributes:
        owner_id: only deals of this owner ("my deals" is the signed-in user's id).
        tag: only deals with this tag (any spelling; tags are matched case-insensitively).
        min_value, max_value: the deal's value, in its own currency, bounds included.
        close_from, close_to: the expected close date, bounds included; deals without one
            are left out when either bound is set.
        text: every word must start a word of the deal's name, contacts or tags.
    """

    owner_id: uuid.UUID | None = None
    tag: str | None = None
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    close_from: dt.date | None = None
    close_to: dt.date | None = None
    text: str = ""

    @property
    def active(self) -> bool:
        return any(
            value not in (None, "")
            for value in (
                self.owner_id,
                self.tag,
                self.min_value,
                self.max_value,
                self.close_from,
                self.close_to,
                self.text.strip(),
            )
        )


def clean_filter(flt: BoardFilter) -> BoardFilter:
    """Refuse bounds that cannot match anything, with what to change."""
    if flt.min_value is not None and flt.max_value is not None and flt.min_value > flt.max_value:
        raise ValidationError(
            "value", "The lowest value is above the highest; swap them or clear one."
        )
    if flt.close_from and flt.close_to and flt.close_from > flt.close_to:
        raise ValidationError(
            "expected_close",
            "The expected close range ends before it starts; pick the dates again.",
        )
    return flt


def _text_condition(text: str) -> Any:
    from desktopcrm.services.search import words

    terms = [word for word in words(text) if word]
    if not terms:
        return None
    if isinstance(database.obj, peewee.PostgresqlDatabase):
        query = " & ".join(f"'{term}':*" for term in terms)
        sub = peewee.SQL(
            "(SELECT se.record_id FROM search_entry se "
            "WHERE se.tsv @@ to_tsquery('simple', %s) AND se.kind = 'deal')",
            [query],
        )
    else:
        query = " AND ".join(f'"{term}"*' for term in terms)
        sub = peewee.SQL(
            "(SELECT se.record_id FROM search_fts JOIN search_entry se "
            "ON se.id = search_fts.rowid WHERE search_fts MATCH ? AND se.kind = 'deal')",
            [query],
        )
    return Deal.id.in_(sub)


def _filtered(query: peewee.ModelSelect[Any], user: User, flt: BoardFilter) -> Any:
    query = scope(query.where(Deal.deleted_at.is_null()), Deal, user)
    if flt.owner_id is not None:
        query = query.where(Deal.owner == flt.owner_id)
    if flt.tag:
        key = " ".join(flt.tag.split()).lower()
        tagged = (
            RecordTag.select(RecordTag.record_id)
            .join(Tag)
            .where(RecordTag.record_type == "deal", Tag.key == key)
        )
        query = query.where(Deal.id.in_(tagged))
    if flt.min_value is not None:
        query = query.where(Deal.value >= flt.min_value)
    if flt.max_value is not None:
        query = query.where(Deal.value <= flt.max_value)
    if flt.close_from is not None:
        query = query.where(Deal.expected_close >= flt.close_from)
    if flt.close_to is not None:
        query = query.where(Deal.expected_close <= flt.close_to)
    text = _text_condition(flt.text)
    if text is not None:
        query = query.where(text)
    return query


# --------------------------------------------------------------------------- columns


@dataclass(frozen=True)
class ColumnTotals:
    """A stage's deals under the board's filter: how many, and per currency their total and
    weighted (forecast) value. Won deals weigh 100 %, lost and unqualified ones 0 %."""

    stage_id: uuid.UUID
    count: int = 0
    value: dict[str, Decimal] = field(default_factory=dict)
    weighted: dict[str, Decimal] = field(default_factory=dict)

    def value_in(self, currency: str) -> Decimal:
        return self.value.get(currency, Decimal("0.00"))

    def weighted_in(self, currency: str) -> Decimal:
        return self.weighted.get(currency, Decimal("0.00"))

    def other_currencies(self, currency: str) -> list[str]:
        return sorted(c for c in self.value if c != currency)


def _weight(stage: Stage, probability: int | None) -> Decimal:
    kind = stage.kind_enum
    if kind is StageKind.WON:
        return Decimal(100)
    if kind.is_closed:
        return Decimal(0)
    return Decimal(stage.probability if probability is None else probability)


def shift_totals(
    totals: dict[uuid.UUID, ColumnTotals], card: Card, source: Stage, target: Stage
) -> dict[uuid.UUID, ColumnTotals]:
    """The two columns' totals after ``card`` moved from ``source`` to ``target``, worked out
    from the totals the board shows (the same rules as ``column_totals``, which the board
    reads afterwards to confirm them)."""
    if source.id == target.id:
        return {}
    result: dict[uuid.UUID, ColumnTotals] = {}
    for stage, sign in ((source, -1), (target, 1)):
        old = totals.get(stage.id, ColumnTotals(stage.id))
        value = dict(old.value)
        weighted = dict(old.weighted)
        amount = sign * card.value
        share = amount * _weight(stage, card.probability) / 100
        value[card.currency] = (value.get(card.currency, Decimal(0)) + amount).quantize(
            pipeline_service.CENT
        )
        weighted[card.currency] = (weighted.get(card.currency, Decimal(0)) + share).quantize(
            pipeline_service.CENT
        )
        count = max(0, old.count + sign)
        if sign < 0 and not value[card.currency]:  # likely the last deal in that currency
            value.pop(card.currency, None)
            weighted.pop(card.currency, None)
        result[stage.id] = ColumnTotals(stage.id, count, value, weighted)
    return result


def board_stages(pipeline: Pipeline) -> list[Stage]:
    """The pipeline's stages, open ones first then Won, Lost and Unqualified."""
    return pipeline_service.stages_of(pipeline)


def column_totals(
    user: User,
    pipeline: Pipeline,
    flt: BoardFilter = BoardFilter(),
    stage_ids: Iterable[uuid.UUID] | None = None,
) -> dict[uuid.UUID, ColumnTotals]:
    """Totals of every stage of ``pipeline`` (or of ``stage_ids``), one grouped query."""
    stages = {s.id: s for s in board_stages(pipeline)}
    wanted = set(stage_ids) if stage_ids is not None else set(stages)
    cents = peewee.fn.SUM(peewee.fn.ROUND(Deal.value * 100))
    chance = peewee.fn.COALESCE(Deal.probability, Stage.probability)
    weighted = peewee.fn.SUM(peewee.fn.ROUND(Deal.value * 100) * chance)
    query = (
        Deal.select(
            Deal.stage,
            Deal.currency,
            peewee.fn.COUNT(Deal.id).alias("n"),
            cents.alias("cents"),
            weighted.alias("weighted"),
        )
        .join(Stage, on=Stage.id == Deal.stage)
        .where(Deal.pipeline == pipeline.id, Deal.stage.in_(sorted(wanted, key=str)))
        .group_by(Deal.stage, Deal.currency)
    )
    counts: dict[uuid.UUID, int] = defaultdict(int)
    values: dict[uuid.UUID, dict[str, Decimal]] = defaultdict(dict)
    weights: dict[uuid.UUID, dict[str, Decimal]] = defaultdict(dict)
    for row in _rows(_filtered(query, user, flt).dicts()):
        stage_id = _uuid(row["stage"])
        stage = stages.get(stage_id)
        if stage is None:
            continue
        total = Decimal(str(row["cents"] or 0)) / 100
        kind = stage.kind_enum
        if kind is StageKind.WON:
            forecast = total
        elif kind.is_closed:
            forecast = Decimal(0)
        else:
            forecast = Decimal(str(row["weighted"] or 0)) / 10000
        counts[stage_id] += int(row["n"])
        values[stage_id][row["currency"]] = total.quantize(pipeline_service.CENT)
        weights[stage_id][row["currency"]] = forecast.quantize(pipeline_service.CENT)
    return {
        stage_id: ColumnTotals(stage_id, counts[stage_id], values[stage_id], weights[stage_id])
        for stage_id in stages
        if stage_id in wanted
    }


def _rows(query: Any) -> list[Any]:
    """A query's rows as plain tuples or dicts (``.tuples()`` / ``.dicts()``)."""
    return list(query)


def _uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def stage_deals(
    user: User, stage: Stage, flt: BoardFilter = BoardFilter()
) -> list[tuple[uuid.UUID, int]]:
    """``(id, version)`` of the stage's deals under the filter, in board order (position, then
    id): what a column holds; its cards are read as they are shown (``cards``)."""
    query = Deal.select(Deal.id, Deal.version).where(Deal.stage == stage.id)
    query = _filtered(query, user, flt).order_by(Deal.position, Deal.id)
    return [(_uuid(row[0]), row[1]) for row in _rows(query.tuples())]


# --------------------------------------------------------------------------- cards


@dataclass(frozen=True)
class Card:
    """What a deal card shows (read in one batch for the cards on screen)."""

    id: uuid.UUID
    version: int
    stage_id: uuid.UUID
    position: float
    name: str
    contact: str  # the primary contact, and its company for an employee
    value: Decimal
    currency: str
    probability: int | None
    expected_close: dt.date | None
    owner: str  # the owner's name ('' when unassigned)
    owner_initials: str
    stage_entered_at: dt.datetime | None
    next_task: str = ""
    next_task_due: dt.datetime | None = None
    tags: tuple[tuple[str, str], ...] = ()  # (name, colour)
    loss_reason_id: uuid.UUID | None = None
    loss_note: str = ""

    def days_in_stage(self, now: dt.datetime) -> int:
        if self.stage_entered_at is None:
            return 0
        return max(0, (now - self.stage_entered_at).days)

    def task_overdue(self, now: dt.datetime) -> bool:
        return self.next_task_due is not None and self.next_task_due < now


def _initials(name: str) -> str:
    words = [w for w in name.replace(".", " ").split() if w]
    if not words:
        return ""
    if len(words) == 1:
        return words[0][:2].upper()
    return (words[0][0] + words[-1][0]).upper()


def cards(ids: Sequence[Any]) -> dict[uuid.UUID, Card]:
    """The cards of these deals (live ones; a deal deleted meanwhile is left out), read in
    four queries however many: deals with contact and owner, companies, tags, next tasks."""
    ids = [_uuid(i) for i in ids]
    if not ids:
        return {}
    company = Contact.alias()
    rows = _rows(
        Deal.select(
            Deal.id,
            Deal.version,
            Deal.stage,
            Deal.position,
            Deal.name,
            Deal.value,
            Deal.currency,
            Deal.probability,
            Deal.expected_close,
            Deal.stage_entered_at,
            Deal.loss_reason,
            Deal.loss_note,
            Contact.name.alias("contact_name"),
            company.name.alias("company_name"),
            User.name.alias("owner_name"),
        )
        .join(Contact, peewee.JOIN.LEFT_OUTER, on=Contact.id == Deal.primary_contact)
        .join(company, peewee.JOIN.LEFT_OUTER, on=company.id == Contact.company)
        .switch(Deal)
        .join(User, peewee.JOIN.LEFT_OUTER, on=User.id == Deal.owner)
        .where(Deal.id.in_(ids), Deal.deleted_at.is_null())
        .dicts()
    )
    tags: dict[uuid.UUID, list[tuple[str, str]]] = defaultdict(list)
    for record_id, name, colour in _rows(
        RecordTag.select(RecordTag.record_id, Tag.name, Tag.color)
        .join(Tag)
        .where(RecordTag.record_id.in_(ids), Tag.deleted_at.is_null())
        .order_by(peewee.fn.LOWER(Tag.name))
        .tuples()
    ):
        tags[_uuid(record_id)].append((name, colour))
    tasks: dict[uuid.UUID, tuple[str, dt.datetime | None]] = {}
    for record_id, title, due in _rows(
        Task.select(Task.record_id, Task.title, Task.due_at)
        .where(
            Task.record_type == "deal",
            Task.record_id.in_(ids),
            Task.done == False,  # noqa: E712
            Task.deleted_at.is_null(),
        )
        .order_by(Task.due_at.is_null(), Task.due_at, Task.created_at)
        .tuples()
    ):
        tasks.setdefault(_uuid(record_id), (title, due))
    result: dict[uuid.UUID, Card] = {}
    for row in rows:
        deal_id = _uuid(row["id"])
        contact = row["contact_name"] or ""
        if contact and row["company_name"]:
            contact = f"{contact} · {row['company_name']}"
        owner = row["owner_name"] or ""
        task_title, task_due = tasks.get(deal_id, ("", None))
        result[deal_id] = Card(
            id=deal_id,
            version=row["version"],
            stage_id=_uuid(row["stage"]),
            position=float(row["position"] or 0),
            name=row["name"],
            contact=contact,
            value=Decimal(row["value"] or 0).quantize(pipeline_service.CENT),
            currency=row["currency"],
            probability=row["probability"],
            expected_close=row["expected_close"],
            owner=owner,
            owner_initials=_initials(owner),
            stage_entered_at=row["stage_entered_at"],
            next_task=task_title,
            next_task_due=task_due,
            tags=tuple(tags.get(deal_id, ())),
            loss_reason_id=_uuid(row["loss_reason"]) if row["loss_reason"] else None,
            loss_note=row["loss_note"] or "",
        )
    return result


# --------------------------------------------------------------------------- moving


@dataclass(frozen=True)
class Placement:
    """Where a deal was: enough to put it back (undo)."""

    deal_id: uuid.UUID
    stage_id: uuid.UUID
    position: float
    reason_id: uuid.UUID | None
    note: str
    entered_at: dt.datetime | None = None  # when it entered that stage


def placement(deal: Deal) -> Placement:
    return Placement(deal.id, deal.stage_id, float(deal.position or 0), deal.loss_reason_id,
                     deal.loss_note or "", deal.stage_entered_at)  # fmt: skip


def _position_between(
    stage: Stage, moving: uuid.UUID, after: uuid.UUID | None, before: uuid.UUID | None
) -> float | None:
    """A position between the live neighbours ``after`` (above) and ``before`` (below) on
    ``stage``; when they are too close (or out of order) a few deals around them are spread
    out first (``_make_room``)."""
    positions = {
        _uuid(i): float(p)
        for i, p in _rows(
            Deal.select(Deal.id, Deal.position)
            .where(
                Deal.id.in_([i for i in (after, before) if i is not None and i != moving]),
                Deal.stage == stage.id,
                Deal.deleted_at.is_null(),
            )
            .tuples()
        )
    }
    low = positions.get(after) if after is not None else None
    high = positions.get(before) if before is not None else None
    if low is None and high is None:
        return None
    if low is None:
        assert high is not None
        return high - 1.0
    if high is None:
        return low + 1.0
    if high - low > MIN_GAP:
        return (low + high) / 2
    assert after is not None
    return _make_room(stage, moving, after)


def _make_room(stage: Stage, moving: uuid.UUID, after: uuid.UUID) -> float:
    """Spread out the fewest deals around the slot right below ``after`` so that the slot
    and its neighbours are ``ROOM`` or more apart; returns the slot's position.

    The window of deals spread doubles around the slot until the positions just outside it
    leave that much room (a column end leaves any room), so a drop into a crowded spot
    rewrites a handful of deals, not the column. Each rewritten deal gets a new version and a
    change-log row (written in one statement)."""
    rows = _rows(
        Deal.select(Deal.id, Deal.position, Deal.version)
        .where(Deal.stage == stage.id, Deal.deleted_at.is_null(), Deal.id != moving)
        .order_by(Deal.position, Deal.id)
        .tuples()
    )
    ids = [_uuid(row[0]) for row in rows]
    slot = ids.index(after) + 1  # the moving deal goes between rows[slot - 1] and rows[slot]
    half = 1
    while True:
        first, last = max(0, slot - half), min(len(rows), slot + half)  # rows[first:last]
        count = last - first + 1  # with the moving deal
        low = float(rows[first - 1][1]) if first > 0 else None
        high = float(rows[last][1]) if last < len(rows) else None
        if low is None and high is None:
            spread = [float(n) for n in range(1, count + 1)]
        elif low is None:
            assert high is not None
            spread = [high - count + n for n in range(count)]
        elif high is None:
            spread = [low + 1 + n for n in range(count)]
        else:
            step = (high - low) / (count + 1)
            if step < ROOM:  # a bound is inside the column: the window can grow
                half *= 2
                continue
            spread = [low + step * (n + 1) for n in range(count)]
        break
    window = rows[first:last]
    places = spread[: slot - first] + spread[slot - first + 1 :]
    _reposition(
        [
            (_uuid(i), float(old), version, new)
            for (i, old, version), new in zip(window, places, strict=True)
        ]
    )
    return spread[slot - first]


def _reposition(changes: Sequence[tuple[uuid.UUID, float, int, float]]) -> None:
    """Give deals new positions: ``(id, old position, version, new position)``; one UPDATE
    and one change-log INSERT however many (inside the move's transaction)."""
    changes = [c for c in changes if c[1] != c[3]]
    if not changes:
        return
    now = utcnow()
    ids = [deal_id for deal_id, *_ in changes]
    place = peewee.Case(Deal.id, [(Deal.id.to_value(i), new) for i, _, _, new in changes])
    Deal.update({Deal.position: place, Deal.version: Deal.version + 1, Deal.updated_at: now}).where(
        Deal.id.in_(ids)
    ).execute()
    actor = current_actor()
    ChangeLog.insert_many(
        [
            {
                ChangeLog.table_name: "deal",
                ChangeLog.row_id: deal_id,
                ChangeLog.operation: "update",
                ChangeLog.version: version + 1,
                ChangeLog.changes: encode_changes({"position": [old, new]}),
                ChangeLog.user_id: actor,
                ChangeLog.origin: ORIGIN,
                ChangeLog.at: now,
            }
            for deal_id, old, version, new in changes
        ]
    ).execute()


def move_card(
    actor: User,
    deal_id: Any,
    seen_version: int,
    stage: Stage,
    *,
    after: uuid.UUID | None = None,
    before: uuid.UUID | None = None,
    position: float | None = None,
    reason: LossReason | None = None,
    note: str = "",
    entered_at: dt.datetime | None = None,
) -> tuple[Deal, Placement]:
    """Move the deal the board showed at ``seen_version`` to ``stage``, between the cards
    ``after`` (above it) and ``before`` (below it), or at ``position`` (undo), or at the end;
    ``entered_at``: since when it is on ``stage`` (undo; default now).

    Returns the moved deal and where it was before. Raises ``StaleRecordError`` when someone
    else moved (or otherwise repositioned, closed or deleted) the deal since the board read it;
    other changes made meanwhile (its name, value) are kept.
    """
    deal = live(Deal, deal_id, "deal")
    previous = placement(deal)
    with write_transaction():  # move_deal checks the stage and that the actor may edit
        if position is None:
            position = _position_between(stage, deal.id, after, before)
        deal.version = seen_version  # the base compares it: a stale move is a conflict
        deal_service.move_deal(actor, deal, stage, reason, note, position, entered_at)
    return deal, previous


class Busy(Exception):
    """Another connection holds the database's write lock; nothing was written."""


def move_card_now(
    actor: User,
    deal_id: Any,
    seen_version: int,
    stage: Stage,
    *,
    after: uuid.UUID | None = None,
    before: uuid.UUID | None = None,
    reason: LossReason | None = None,
    note: str = "",
) -> tuple[Deal, Placement]:
    """``move_card`` without waiting for the write lock (SQLite): when another connection
    holds it, ``Busy`` is raised at once and nothing was written, so the caller can hand the
    move to a worker (which waits its turn) instead of blocking.

    For the board's GUI thread on a local file: the move itself is a few short statements
    (measured: 3-4 ms p50, under 10 ms p95 on a pipeline of 5,000 open deals), cheaper than
    a round trip through a worker thread.
    """
    db = database.obj
    if not isinstance(db, peewee.SqliteDatabase):
        raise Busy("only SQLite can refuse to wait for the lock")
    connection = db.connection()
    (waiting,) = connection.execute("PRAGMA busy_timeout").fetchone()
    connection.execute("PRAGMA busy_timeout = 0")
    try:
        return move_card(
            actor, deal_id, seen_version, stage, after=after, before=before, reason=reason,
            note=note,
        )  # fmt: skip
    except peewee.OperationalError as error:
        text = str(error).lower()
        if "locked" in text or "busy" in text:
            raise Busy(str(error)) from error
        raise
    finally:
        connection.execute(f"PRAGMA busy_timeout = {int(waiting)}")


def undo_move(actor: User, deal_id: Any, seen_version: int, where: Placement) -> Deal:
    """Put a moved deal back where it was (its stage, position, reason and time in that
    stage)."""
    stage = Stage.get_by_id(where.stage_id)
    reason = LossReason.get_or_none(LossReason.id == where.reason_id) if where.reason_id else None
    deal, _ = move_card(
        actor,
        deal_id,
        seen_version,
        stage,
        position=where.position,
        reason=reason,
        note=where.note,
        entered_at=where.entered_at,
    )
    return deal


def reasons_by_kind() -> dict[str, list[LossReason]]:
    """Live reasons for lost and unqualified deals (what the reason dialog offers)."""
    return {kind: pipeline_service.loss_reasons(kind) for kind in pipeline_service.REASON_KINDS}


# --------------------------------------------------------------------------- money


def format_money(amount: Decimal, currency: str, locale: str, *, compact: bool = False) -> str:
    """``amount`` in ``currency`` as people of ``locale`` write it (babel): ``€1,250.50``,
    ``1.250,50 €``; ``compact`` drops the cents and shortens large sums (``€1.3M``)."""
    import copy

    from babel import Locale, numbers

    try:
        if not compact:
            return numbers.format_currency(amount, currency, locale=locale)
        if abs(amount) >= 100_000:
            return numbers.format_compact_currency(
                amount, currency, locale=locale, fraction_digits=1
            )
        amount = amount.quantize(Decimal(1), rounding=decimal.ROUND_HALF_UP)
        pattern = copy.copy(Locale.parse(locale).currency_formats["standard"])
        pattern.frac_prec = (0, 0)
        return pattern.apply(amount, locale, currency=currency, currency_digits=False)
    except (ValueError, LookupError, TypeError):
        return f"{amount:,.2f} {currency}"
