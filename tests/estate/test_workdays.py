"""Working days, as the surplus register counts its offers."""

from __future__ import annotations

import datetime as dt

from estate.workdays import add_working_days, is_working_day, working_days_between


def test_weekends_and_bank_holidays_are_skipped():
    assert not is_working_day(dt.date(2026, 12, 5))  # a Saturday
    assert not is_working_day(dt.date(2026, 12, 28))  # Boxing Day, moved to the Monday
    assert add_working_days(dt.date(2026, 12, 3), 2) == dt.date(2026, 12, 7)
    assert add_working_days(dt.date(2026, 12, 24), 1) == dt.date(2026, 12, 29)
    # 40 working days from Monday 2 March 2026: eight weeks, and two days more for Good
    # Friday and Easter Monday.
    assert add_working_days(dt.date(2026, 3, 2), 40) == dt.date(2026, 4, 29)


def test_what_is_left_of_an_offer_counts_working_days():
    start = dt.date(2026, 12, 3)
    assert working_days_between(start, add_working_days(start, 40)) == 40
    assert working_days_between(start, start) == 0
    assert working_days_between(start, dt.date(2026, 12, 1)) == 0
