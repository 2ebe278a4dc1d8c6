"""Amounts as people read them, in the user's locale (``babel``), one currency at a time.

``babel`` is slow to import and to load its locale data (~80 ms together), so it is imported
here on first use, and the dashboard's reads call ``prepare`` in their worker: the screen's
first paint never waits for it, and the amounts painted with the data format at once.
"""

from __future__ import annotations

import functools
import locale
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from babel.core import Locale


@functools.cache
def user_locale() -> Locale:
    """The locale of the system (LC_ALL / LC_MONETARY / LANG), English when unknown."""
    from babel.core import Locale, UnknownLocaleError

    name = locale.getlocale(locale.LC_MONETARY)[0] or locale.getlocale()[0] or ""
    try:
        return Locale.parse(name) if name and name not in ("C", "POSIX") else Locale("en", "US")
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale("en", "US")


def prepare() -> None:
    """Import ``babel`` and load the user's locale data (in a worker, before the GUI thread
    formats amounts)."""
    money(Decimal(1), "EUR")
    money(Decimal(1), "EUR", compact=True)


def money(amount: Decimal, currency: str, *, compact: bool = False) -> str:
    """``€1,650.50``; ``compact``: ``€1.7K`` (for chart labels and tiles)."""
    from babel.numbers import format_compact_currency, format_currency

    if compact:
        return format_compact_currency(amount, currency, locale=user_locale(), fraction_digits=1)
    return format_currency(amount, currency, locale=user_locale())


def money_sum(amounts: dict[str, Decimal], *, compact: bool = False, first: str = "") -> str:
    """Several currencies side by side ("€8,650.50 + $300.00"), ``first`` leading; never
    added together. Empty amounts read as zero in ``first``."""
    if not amounts:
        return money(Decimal(0), first or "EUR", compact=compact)
    order = sorted(amounts, key=lambda c: (c != first, c))
    return " + ".join(money(amounts[c], c, compact=compact) for c in order)


def money_main(amounts: dict[str, Decimal], first: str, *, compact: bool = True) -> str:
    """The amount in ``first`` (the pipeline's currency) alone, "+ N more" when other
    currencies have some too (their amounts go in tooltips, never added in)."""
    main = money(amounts.get(first, Decimal(0)), first, compact=compact)
    others = [c for c in amounts if c != first]
    if not others:
        return main
    return f"{main} + {len(others)} more" if len(others) > 1 else f"{main} + {others[0]}"
