"""Working days: how the partnership counts the period a surplus asset is offered for.

Public bodies count such periods in working days (ePIMS's surplus rule was 40 of them),
so Saturdays, Sundays and the bank holidays of England and Wales are skipped. The bank
holidays are a small table here, from GOV.UK's list; a year past the table counts
weekends only, which errs by a day or two at most, on the side of a longer offer.
"""

from __future__ import annotations

import datetime as dt

BANK_HOLIDAYS = frozenset(
    dt.date.fromisoformat(d)
    for d in (
        # 2025
        "2025-01-01", "2025-04-18", "2025-04-21", "2025-05-05", "2025-05-26", "2025-08-25",
        "2025-12-25", "2025-12-26",
        # 2026
        "2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31",
        "2026-12-25", "2026-12-28",
        # 2027
        "2027-01-01", "2027-03-26", "2027-03-29", "2027-05-03", "2027-05-31", "2027-08-30",
        "2027-12-27", "2027-12-28",
        # 2028
        "2028-01-03", "2028-04-14", "2028-04-17", "2028-05-01", "2028-05-29", "2028-08-28",
        "2028-12-25", "2028-12-26",
    )
)  # fmt: skip
"""Bank holidays of England and Wales, 2025 to 2028 (GOV.UK)."""


def is_working_day(day: dt.date) -> bool:
    """Monday to Friday, and not a bank holiday of England and Wales."""
    return day.weekday() < 5 and day not in BANK_HOLIDAYS


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The day ``days`` working days after ``start`` (``start`` itself not counted).

    >>> add_working_days(dt.date(2026, 12, 3), 2)  # a Thursday: Friday, then Monday
    datetime.date(2026, 12, 7)
    >>> add_working_days(dt.date(2026, 12, 24), 1)  # Christmas and Boxing Day (moved) skipped
    datetime.date(2026, 12, 29)
    """
    day = start
    left = days
    while left > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """How many working days fall after ``start`` up to and including ``end`` (0 when
    ``end`` is not after ``start``): what is left of an offer on ``start``."""
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        count += is_working_day(day)
    return count
