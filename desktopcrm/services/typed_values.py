"""Typed values of custom fields and note variables: validation, coercion and storage rows.

One parser per ``FieldType`` (``parse_value``) turns what a user typed, a CSV cell or a Python
value into the field's Python value (str, bool, Decimal, ``Money``, date, list of labels), or
raises ``ValidationError`` saying what is expected. ``to_stored`` / ``from_stored`` map Python
values to the typed, indexed columns (``Stored``) and back. Custom fields
(``services.custom_fields``) and note variables (``services.notes``) share all of this.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from desktopcrm.models import schema
from desktopcrm.models.custom_fields import FieldType
from desktopcrm.services.errors import ValidationError

MAX_TEXT = 255
MAX_PARAGRAPH = 10_000
MAX_ADDRESS = 1_000
NUMBER_PLACES = Decimal("0.0001")
NUMBER_LIMIT = Decimal(10) ** 16
PHONE_REGION_META = "phone_region"

_EMAIL = re.compile(
    r"^[^@\s<>(),;:\"\[\]]{1,64}@([^@\s<>(),;:\"\[\]]+\.)+[^@\s<>(),;:\"\[\].]{2,}$"
)
CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")
_PHONE_CHARS = re.compile(r"^[0-9+()./\s-]+$")
_TRUE = {"1", "true", "yes", "y", "on", "x"}
_FALSE = {"0", "false", "no", "n", "off", ""}


@dataclass(frozen=True)
class Money:
    """An amount and its ISO currency code (the code may be empty on note variables)."""

    amount: Decimal
    currency: str

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}".strip()


@dataclass(frozen=True)
class Choice:
    """An option a dropdown value may take: its id and its label."""

    id: uuid.UUID
    label: str


@dataclass(frozen=True)
class Stored:
    """One row's worth of typed columns (a multi-select value is several rows)."""

    text: str | None = None
    number: Decimal | None = None
    date: dt.date | None = None
    option: uuid.UUID | None = None


def is_empty(raw: object) -> bool:
    """True for the values that mean "no value": None, blank strings, empty collections."""
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip()
    return isinstance(raw, list | tuple | set | frozenset) and not raw


def parse_value(
    kind: FieldType,
    key: str,
    label: str,
    raw: object,
    *,
    choices: Sequence[Choice] = (),
    currency: str = "",
    currency_required: bool = True,
    region: str | None = None,
) -> Any:
    """Validate ``raw`` for a field or variable of type ``kind`` and return its Python value.

    Returns None for an empty value. Raises ``ValidationError(key, ...)`` naming ``label`` and
    saying what is expected. Python values: str (text kinds, dropdown label), bool, Decimal,
    ``Money``, ``date``, list of labels (multi-select).
    """
    if is_empty(raw):
        return None
    parser = _PARSERS[kind]
    return parser(_Ctx(key, label, choices, currency, currency_required, region), raw)


@dataclass(frozen=True)
class _Ctx:
    key: str
    label: str
    choices: Sequence[Choice]
    currency: str
    currency_required: bool
    region: str | None

    def fail(self, message: str) -> ValidationError:
        return ValidationError(self.key, f"{self.label}: {message}")


def _as_text(ctx: _Ctx, raw: object) -> str:
    if isinstance(raw, str):
        return raw.strip()
    if isinstance(raw, int | Decimal | float) and not isinstance(raw, bool):
        return str(raw)
    raise ctx.fail(f"expected text, got {type(raw).__name__}.")


def _limited(ctx: _Ctx, text: str, limit: int) -> str:
    if len(text) > limit:
        raise ctx.fail(f"at most {limit:,} characters (this is {len(text):,}); shorten it.")
    return text


def _parse_text(ctx: _Ctx, raw: object) -> str:
    return _limited(ctx, " ".join(_as_text(ctx, raw).split()), MAX_TEXT)


def _parse_paragraph(ctx: _Ctx, raw: object) -> str:
    return _limited(ctx, _as_text(ctx, raw), MAX_PARAGRAPH)


def _parse_address(ctx: _Ctx, raw: object) -> str:
    return _limited(ctx, _as_text(ctx, raw), MAX_ADDRESS)


def _parse_email(ctx: _Ctx, raw: object) -> str:
    text = _as_text(ctx, raw)
    if len(text) > 320 or not _EMAIL.match(text) or ".." in text:
        raise ctx.fail(f'"{text}" is not an email address; enter one like name@example.com.')
    local, domain = text.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def _parse_phone(ctx: _Ctx, raw: object) -> str:
    text = _as_text(ctx, raw)
    digits = sum(ch.isdigit() for ch in text)
    if not _PHONE_CHARS.match(text) or not 3 <= digits <= 20:
        raise ctx.fail(f'"{text}" is not a phone number; enter digits, e.g. +48 22 123 45 67.')
    region = ctx.region if ctx.region is not None else phone_region()
    # Imported here: phonenumbers takes ~50 ms to import, and the list screens (which import
    # this module through the list engine) should not pay for it before their first rows.
    import phonenumbers

    try:
        number = phonenumbers.parse(text, region or None)
    except phonenumbers.NumberParseException as exc:
        if exc.error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE:
            # No country code and no default region: keep it as typed rather than guess.
            return " ".join(text.split())
        raise ctx.fail(f'"{text}" is not a phone number ({exc._msg}).') from exc
    if not phonenumbers.is_possible_number(number):
        raise ctx.fail(
            f'"{text}" is not a possible phone number'
            + (f" in {region}" if region and not text.startswith("+") else "")
            + "; check the digits and the country code (e.g. +44 20 7946 0018)."
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _parse_url(ctx: _Ctx, raw: object) -> str:
    text = _as_text(ctx, raw)
    if "://" not in text and not text.lower().startswith(("http:", "https:")):
        text = "https://" + text
    parts = urlsplit(text)
    host = parts.hostname or ""
    if (
        parts.scheme.lower() not in ("http", "https")
        or not host
        or any(ch.isspace() for ch in text)
        or ("." not in host and host != "localhost")
    ):
        raise ctx.fail(f'"{raw}" is not a web address; enter one like https://example.com.')
    return _limited(ctx, urlunsplit(parts._replace(scheme=parts.scheme.lower())), 2000)


def _parse_date(ctx: _Ctx, raw: object) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, str):
        try:
            return dt.date.fromisoformat(raw.strip()[:10])
        except ValueError:
            pass
    raise ctx.fail(f'"{raw}" is not a date; enter it as YYYY-MM-DD, e.g. 2025-03-31.')


def _decimal(ctx: _Ctx, raw: object) -> Decimal:
    if isinstance(raw, bool):
        raise ctx.fail("expected a number, got yes/no.")
    if isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, int | float):
        value = Decimal(str(raw))
    elif isinstance(raw, str):
        text = raw.strip().replace("\u00a0", "").replace(" ", "").replace("_", "")
        if "," in text and "." in text:
            text = text.replace(",", "")
        text = text.replace(",", ".")
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ctx.fail(f'"{raw}" is not a number; enter digits like 1234.56.') from None
    else:
        raise ctx.fail(f"expected a number, got {type(raw).__name__}.")
    if not value.is_finite() or abs(value) >= NUMBER_LIMIT:
        raise ctx.fail(f"{raw} is out of range; numbers must stay below 10^16.")
    return value.quantize(NUMBER_PLACES, rounding=ROUND_HALF_EVEN).normalize() + Decimal(0)


def _parse_number(ctx: _Ctx, raw: object) -> Decimal:
    return _decimal(ctx, raw)


def _parse_currency(ctx: _Ctx, raw: object) -> Money:
    code = ""
    amount: object = raw
    if isinstance(raw, Money):
        amount, code = raw.amount, raw.currency
    elif isinstance(raw, Mapping):
        amount, code = raw.get("amount"), str(raw.get("currency") or "")
    elif isinstance(raw, tuple | list) and len(raw) == 2:
        amount, code = raw[0], str(raw[1] or "")
    elif isinstance(raw, str):
        match = re.fullmatch(r"\s*([A-Za-z]{3})?\s*([^A-Za-z]*?)\s*([A-Za-z]{3})?\s*", raw)
        if match and not (match.group(1) and match.group(3)):
            amount, code = match.group(2), match.group(1) or match.group(3) or ""
    code = code.strip().upper() or ctx.currency
    if code and not CURRENCY_CODE.match(code):
        raise ctx.fail(f'"{code}" is not a currency code; use three letters such as EUR or USD.')
    if not code and ctx.currency_required:
        raise ctx.fail("say which currency, e.g. 120.50 EUR.")
    if is_empty(amount):
        raise ctx.fail("enter an amount, e.g. 120.50 EUR.")
    return Money(_decimal(ctx, amount), code)


def _parse_checkbox(ctx: _Ctx, raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str):
        text = raw.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise ctx.fail(f'"{raw}" is not yes or no; use yes/no, true/false or 1/0.')


def _choice(ctx: _Ctx, raw: object) -> Choice:
    by_id = {choice.id: choice for choice in ctx.choices}
    if isinstance(raw, uuid.UUID) and raw in by_id:
        return by_id[raw]
    text = _as_text(ctx, raw) if not isinstance(raw, uuid.UUID) else str(raw)
    wanted = text.casefold()
    for choice in ctx.choices:
        if choice.label.casefold() == wanted:
            return choice
    try:
        option_id = uuid.UUID(text)
    except ValueError:
        option_id = None
    if option_id in by_id:
        return by_id[option_id]
    names = ", ".join(choice.label for choice in ctx.choices[:10])
    more = f" (and {len(ctx.choices) - 10} more)" if len(ctx.choices) > 10 else ""
    hint = f"choose one of: {names}{more}." if names else "it has no options yet; ask an admin."
    raise ctx.fail(f'"{text}" is not an option; {hint}')


def _parse_dropdown(ctx: _Ctx, raw: object) -> str:
    return _choice(ctx, raw).label


def _parse_multiselect(ctx: _Ctx, raw: object) -> list[str] | None:
    items: Iterable[object]
    if isinstance(raw, str):
        items = [part for part in raw.split(";") if part.strip()]
    elif isinstance(raw, list | tuple | set | frozenset):
        items = [item for item in raw if not is_empty(item)]
    else:
        items = [raw]
    chosen = {choice.id: choice for choice in (_choice(ctx, item) for item in items)}
    order = {choice.id: index for index, choice in enumerate(ctx.choices)}
    labels = [c.label for c in sorted(chosen.values(), key=lambda c: order.get(c.id, 0))]
    return labels or None


_PARSERS: dict[FieldType, Any] = {
    FieldType.TEXT: _parse_text,
    FieldType.PARAGRAPH: _parse_paragraph,
    FieldType.ADDRESS: _parse_address,
    FieldType.EMAIL: _parse_email,
    FieldType.PHONE: _parse_phone,
    FieldType.URL: _parse_url,
    FieldType.DATE: _parse_date,
    FieldType.NUMBER: _parse_number,
    FieldType.CURRENCY: _parse_currency,
    FieldType.CHECKBOX: _parse_checkbox,
    FieldType.DROPDOWN: _parse_dropdown,
    FieldType.MULTISELECT: _parse_multiselect,
}


def to_stored(kind: FieldType, value: Any, choices: Sequence[Choice]) -> list[Stored]:
    """The typed-column rows that store the Python ``value`` (from ``parse_value``)."""
    if value is None:
        return []
    if kind.has_options:
        ids = {choice.label: choice.id for choice in choices}
        labels = value if isinstance(value, list) else [value]
        return [Stored(option=ids[label]) for label in labels]
    if kind is FieldType.CURRENCY:
        return [Stored(number=value.amount, text=value.currency)]
    if kind is FieldType.CHECKBOX:
        return [Stored(number=Decimal(1 if value else 0))]
    if kind is FieldType.NUMBER:
        return [Stored(number=value)]
    if kind is FieldType.DATE:
        return [Stored(date=value)]
    return [Stored(text=value)]


def from_stored(kind: FieldType, rows: Sequence[Stored], labels: Mapping[uuid.UUID, str]) -> Any:
    """The Python value of stored rows (inverse of ``to_stored``); None when there are none."""
    if not rows:
        return None
    first = rows[0]
    if kind is FieldType.MULTISELECT:
        return [labels.get(row.option, "?") for row in rows if row.option is not None]
    if kind is FieldType.DROPDOWN:
        return labels.get(first.option, "?") if first.option is not None else None
    if kind is FieldType.CURRENCY:
        return Money(_clean(first.number), first.text or "")
    if kind is FieldType.CHECKBOX:
        return bool(first.number)
    if kind is FieldType.NUMBER:
        return _clean(first.number)
    if kind is FieldType.DATE:
        return first.date
    return first.text


def _clean(number: Decimal | None) -> Decimal:
    value = Decimal(0) if number is None else Decimal(number)
    return value.normalize() + Decimal(0)


def loggable(value: Any) -> Any:
    """A JSON-friendly form of a Python value for the change log."""
    if isinstance(value, Money):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def as_text(key: str, label: str, raw: object) -> str:
    """``raw`` as stripped text (numbers are written out); ``ValidationError`` otherwise."""
    return _as_text(_Ctx(key, label, (), "", False, None), raw)


def phone_region() -> str | None:
    """The office's default phone region (ISO country code) for numbers typed without +."""
    return schema.get_meta(PHONE_REGION_META) or None
