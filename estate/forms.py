"""Reading one value a person typed into a form (or a program passed): text, numbers,
dates, ids and a use word, each checked, with the reason in words when it will not do.

These are the single-value counterparts of :mod:`estate.values` (which parses whole
columns of what publishers write). Each reader takes the value and what it is, in
words ("the minimum area (m²)"), for its message; a blank value (None, or only
spaces) reads as None unless ``required``. A reader raises ``error`` (a subclass of
:class:`~estate.errors.EstateError`; :class:`FormError` unless the caller names its
own, as the club names :class:`estate.club.ClubError`).
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import BigInteger, Integer, Numeric, SmallInteger
from sqlalchemy.types import TypeEngine

from estate.errors import EstateError
from estate.vocab import USE_CLASS


class FormError(EstateError):
    """A value typed into a form that will not do, with the reason in words."""


Error = type[EstateError]


def blank(value: Any) -> bool:
    """Is this no value at all: None, or text of only spaces?"""
    return value is None or (isinstance(value, str) and not value.strip())


def read_text(
    value: Any, what: str, *, required: bool = False, limit: int = 200, error: Error = FormError
) -> str | None:
    """Text, trimmed, of at most ``limit`` characters and without NUL characters."""
    if blank(value):
        if required:
            raise error(f"give {what}")
        return None
    words = str(value).strip()
    if "\x00" in words:
        raise error(f"{what} holds a NUL character")
    if len(words) > limit:
        raise error(f"{what} is {len(words)} characters long; at most {limit}, please")
    return words


def read_number(value: Any, what: str, *, error: Error = FormError) -> float | None:
    """A number from a form field or a program: ``1,200`` and ``1200.5`` both read."""
    if blank(value):
        return None
    if isinstance(value, bool):
        raise error(f"{what} must be a number, not {value!r}")
    if isinstance(value, int | float | Decimal):
        number = float(value)
    else:
        raw = str(value).strip().replace(",", "").replace("_", "")
        try:
            number = float(Decimal(raw))
        except (InvalidOperation, ValueError):
            raise error(f"{what} must be a number, not {str(value)!r}") from None
    if not math.isfinite(number):
        raise error(f"{what} must be a number, not {str(value)!r}")
    return number


def read_positive(
    value: Any,
    what: str,
    *,
    limit: float,
    required: bool = False,
    places: int = 2,
    error: Error = FormError,
) -> float | None:
    """A number more than 0 and at most ``limit`` (see :func:`read_number`), and still
    more than 0 kept to ``places`` decimal places, as its column keeps it (an area of
    1e-30 m² would be kept as 0, which no area is)."""
    number = read_number(value, what, error=error)
    if number is None:
        if required:
            raise error(f"give {what}")
        return None
    if number <= 0:
        raise error(f"{what} must be more than 0, not {number:g}")
    if round(number, places) <= 0:
        raise error(f"{what} must be at least {10.0**-places:g}, not {number:g}")
    if number > limit:
        raise error(f"{what} must be at most {limit:,.0f}, not {number:,.0f}")
    return number


def largest_held(column_type: TypeEngine) -> Decimal | None:
    """The largest number a column of ``column_type`` holds, exactly (None: no bound).

    ``Numeric(12, 2)`` holds less than 10**10, kept to 2 places; ``Integer`` up to
    2**31 - 1. A larger value fails in PostgreSQL, so a form refuses it first, in words.

    >>> largest_held(Numeric(12, 2)), largest_held(Integer())
    (Decimal('9999999999.99'), Decimal('2147483647'))
    """
    if isinstance(column_type, Numeric) and column_type.precision is not None:
        scale = column_type.scale or 0
        return Decimal(10) ** (column_type.precision - scale) - Decimal(10) ** -scale
    for kind, bits in ((BigInteger, 63), (SmallInteger, 15), (Integer, 31)):
        if isinstance(column_type, kind):
            return Decimal(2**bits - 1)
    return None


def holds(column_type: TypeEngine, number: float) -> bool:
    """Whether a column of ``column_type`` holds ``number`` once rounded to its places
    (9,999,999,999.995 does not fit ``Numeric(12, 2)``: it rounds to 10**10)."""
    largest = largest_held(column_type)
    if largest is None:
        return True
    if not math.isfinite(number) or abs(number) > 2 * float(largest) + 1:
        return False
    places = -int(largest.as_tuple().exponent)
    return abs(round(Decimal(repr(number)), places)) <= largest


def read_date(
    value: Any, what: str, *, required: bool = False, error: Error = FormError
) -> dt.date | None:
    """A date: a ``date`` (or the day of a ``datetime``), or text as YYYY-MM-DD."""
    if blank(value):
        if required:
            raise error(f"give {what} (YYYY-MM-DD)")
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise error(f"{what} must be a date as YYYY-MM-DD, not {str(value)!r}") from None


def read_id(value: Any, what: str, *, error: Error = FormError) -> int | None:
    """A record's id: a whole number from 1 up to a bigint's largest."""
    if blank(value):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise error(f"{what} must be a number, not {str(value)!r}") from None
    if number <= 0 or number >= 2**63:
        raise error(f"{what} must be a positive number, not {number}")
    return number


def read_use(value: Any, *, error: Error = FormError) -> str | None:
    """The canonical use word for what a person typed (a word, its label or a synonym)."""
    if blank(value):
        return None
    word = USE_CLASS.map_one(str(value))
    if word is None:
        raise error(
            f"unknown use {str(value).strip()!r}: one of {', '.join(USE_CLASS.codes)}, or none"
        )
    return word


def read_money(
    value: Any, what: str, *, required: bool = False, error: Error = FormError
) -> float | None:
    """An amount of money as people type it: ``£450,000``, ``450k``, ``£1.2m``,
    ``450000``; never negative. One reader for the command line and every web form,
    built on the publishers' money parser (:func:`estate.values.parse_money`), so what
    a file may say a person may type."""
    import pandas as pd

    from estate.values import parse_money

    if blank(value):
        if required:
            raise error(f"give {what}")
        return None
    if isinstance(value, bool):
        raise error(f"{what} must be an amount of money, not {value!r}")
    if isinstance(value, int | float | Decimal):
        number = float(value)
    else:
        parsed = parse_money(pd.Series([str(value).strip()], dtype=object))
        found = parsed.value.iloc[0]
        if pd.isna(found):
            raise error(f"{what} must be an amount of money such as £450,000, not {value!r}")
        number = float(found)
    if not math.isfinite(number):
        raise error(f"{what} must be an amount of money, not {str(value)!r}")
    if number < 0:
        raise error(f"{what} cannot be negative, not {str(value)!r}")
    return number


def read_rate(value: Any, what: str, *, error: Error = FormError) -> float | None:
    """A rate as a fraction from what people type: ``3.5%`` and ``3.5`` are 3.5%;
    ``0.035`` (a fraction, as programs and the settings write it) is 3.5% too. A number
    without ``%`` below 1 is read as a fraction, 1 or more as a percentage: no rate of a
    scenario is 100% or more, so the two never meet. Between 0 and 100% (not reached)."""
    if blank(value):
        return None
    text = str(value).strip()
    percent = text.endswith("%")
    number = read_number(text.rstrip("%").strip(), what, error=error)
    if number is None:
        raise error(f"{what} must be a percentage such as 3.5%, not {text!r}")
    fraction = number / 100 if percent or number >= 1 else number
    if not 0 <= fraction < 1:
        raise error(f"{what} must be from 0% to under 100%, not {text!r}")
    return round(fraction, 6)
