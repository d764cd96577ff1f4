"""How numbers, dates and times are shown to people: rounded to their unit, thousands
separated, money in pounds, dates as "31 Mar 2026" and times as "3 Dec 2026, 11:31" in
the partners' time zone (never ISO text with microseconds).

The pages (through one Jinja filter each), the popups' server-side twins, the command
line's tables and the words of the audit trail all show values through these, so a
number reads the same everywhere. Programs get the values as they are.

>>> show_when("2026-12-03T11:31:07.123456+00:00")
'3 Dec 2026, 11:31'
>>> show_number(5622.04), show_money(-1234.6)
('5,622', '-£1,235')
"""

from __future__ import annotations

import datetime as dt
import math
import re
from zoneinfo import ZoneInfo

import pandas as pd

DISPLAY_TIMEZONE = "Europe/London"
"""Times are stored in UTC and shown in the partners' own time."""


def missing(value: object) -> bool:
    """Nothing to show: None, pandas' NA and NaT, or NaN."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def decimals(column: object, money: bool = False) -> int | None:
    """How many decimals a number in this column is worth showing (None: as it is).

    Areas to 0.1 m², distances to 0.1 m, shares to 0.1 %, money to the penny.
    """
    name = str(column)
    if money:
        return 2
    if name.endswith(("_m2", "_m", "_pct")) or name in ("x", "y", "other_x", "other_y"):
        return 1
    return None


def show_number(value: object, places: int = 1) -> str:
    """A number with thousands separated and no more than ``places`` decimals, trailing
    zeros dropped: 5622.0 -> "5,622", 37.66 -> "37.7"."""
    if missing(value):
        return ""
    shown = f"{float(value):,.{places}f}"  # type: ignore[arg-type]
    return shown.rstrip("0").rstrip(".") if "." in shown else shown


# Money columns of the analysis frames and schedules; any name ending so is money too.
MONEY_COLUMNS = frozenset(
    {"rent", "rates", "valuation", "saving", "npv", "net", "cumulative", "present_value",
     "estimated_receipt", "receipt", "costs_of_sale", "relocation_cost_per_fte",
     "refit_cost_per_m2", "receiving_cost_per_m2"}
)  # fmt: skip
_MONEY_ENDINGS = ("_cost", "_costs", "_receipts", "_savings", "_gbp")


def is_money(column: object) -> bool:
    """Whether a column holds pounds (``running_cost``, ``npv``, ``capital_receipts``)."""
    name = str(column)
    return name in MONEY_COLUMNS or name.endswith(_MONEY_ENDINGS)


def show_money(value: object, pence: bool = False) -> str:
    """Pounds as a person writes them: "£1,235", "-£20", or to the penny: "£1,234.57"."""
    if missing(value):
        return ""
    number = float(value)  # type: ignore[arg-type]
    places = 2 if pence and round(number, 2) != round(number) else 0
    shown = f"£{abs(number):,.{places}f}"
    return "-" + shown if number < 0 else shown


ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def _as_time(value: object) -> dt.date | dt.datetime | None:
    """A date or a time from a date, a time, a timestamp or ISO text (None: not one)."""
    if isinstance(value, pd.Timestamp):
        return None if value is pd.NaT else value.to_pydatetime()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        words = value.strip()
        try:
            if ISO_DATE.match(words):
                return dt.date.fromisoformat(words)
            if _ISO_TIME.match(words):
                return dt.datetime.fromisoformat(words.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


def show_day(value: object) -> str:
    """A date as a person reads it: "31 Mar 2026" (text that is no date as it is)."""
    when = _as_time(value)
    if when is None:
        return "" if missing(value) else str(value)
    if isinstance(when, dt.datetime):
        when = _local(when).date()
    return f"{when.day} {when:%b %Y}"


def show_days(values: pd.Series) -> pd.Series:
    """:func:`show_day` of a column of dates ("" where there is none), each distinct date
    worded once."""
    words = {v: show_day(v) for v in values.dropna().unique()}
    return values.astype(object).map(words).astype(object).fillna("")


def show_when(value: object) -> str:
    """A time as a person reads it, in the partners' time zone: "3 Dec 2026, 11:31" (no
    seconds, no microseconds, no offset); a date alone as :func:`show_day` shows it."""
    when = _as_time(value)
    if when is None:
        return "" if missing(value) else str(value)
    if not isinstance(when, dt.datetime):
        return show_day(when)
    when = _local(when)
    return f"{when.day} {when:%b %Y, %H:%M}"


def _local(when: dt.datetime) -> dt.datetime:
    return when.astimezone(ZoneInfo(DISPLAY_TIMEZONE)) if when.tzinfo else when


def show_percent(value: object) -> str:
    """A rate kept as a fraction, as people read it: 0.035 -> "3.5%" (blank for none)."""
    if missing(value):
        return ""
    return f"{show_number(100 * float(value), 2)}%"  # type: ignore[arg-type]


def show_assumption(name: str, value: object) -> str:
    """A scenario's assumption as a person reads it: "£2,500", "3.5%", "8"; its name
    says its unit ("relocation cost per FTE (£)", "discount rate")."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return str(value)
    if "(£" in name:
        return show_money(value, pence=True)
    if name.startswith(("discount rate", "costs of sale")):
        return f"{show_number(100 * value, 2)}%"
    return show_number(value, 2)


def show_cell(value: object, column: object) -> str:
    """A value of a frame's column as a person reads it on a screen: money in pounds,
    numbers to their unit, dates and times in words, yes or no, nothing as blank."""
    if isinstance(value, list | tuple):
        return "; ".join(show_cell(v, column) for v in value)
    if missing(value):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float) and not isinstance(value, bool):
        if is_money(column):
            return show_money(value)
        if str(column).endswith(("_rate", "_share")):
            return f"{show_number(100 * value, 2)}%"
        if isinstance(value, int) or float(value).is_integer():
            name = str(column)
            ident = name in ("id", "cluster", "batch") or name.endswith(("_id", "_row", "year"))
            return str(int(value)) if ident else f"{int(value):,}"
        places = decimals(column)
        return show_number(value, 2 if places is None else places)
    if isinstance(value, dt.datetime | pd.Timestamp):
        return show_when(value)
    if isinstance(value, dt.date) or (isinstance(value, str) and _ISO_TIME.match(value)):
        return show_when(value)
    return str(value)
