"""The readers of typed values (estate.forms): what reads, what is refused and in which
words, and that a caller's own error class is the one raised."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from estate import forms
from estate.club import ClubError
from estate.errors import EstateError


def test_blank_values_read_as_none_unless_required():
    assert forms.blank(None) and forms.blank("  ") and not forms.blank("0")
    assert forms.read_text(" ", "a title") is None
    assert forms.read_number("", "the area") is None
    assert forms.read_date(None, "the date") is None
    assert forms.read_id(" ", "the asset") is None
    assert forms.read_use("") is None
    with pytest.raises(forms.FormError, match="^give a title$"):
        forms.read_text("", "a title", required=True)
    with pytest.raises(forms.FormError, match=r"^give the date \(YYYY-MM-DD\)$"):
        forms.read_date("", "the date", required=True)


def test_values_read():
    assert forms.read_text("  Depot  ", "a title") == "Depot"
    assert forms.read_number("1,200.5", "the area") == 1200.5
    assert forms.read_number(Decimal("3"), "the area") == 3.0
    assert forms.read_positive("25", "the area", limit=100) == 25.0
    assert forms.read_date("2026-04-01", "the date") == dt.date(2026, 4, 1)
    assert forms.read_date(dt.datetime(2026, 4, 1, 9), "the date") == dt.date(2026, 4, 1)
    assert forms.read_id(" 42 ", "the asset") == 42


@pytest.mark.parametrize(
    ("read", "message"),
    [
        (lambda: forms.read_text("x" * 6, "a title", limit=5), "is 6 characters long"),
        (lambda: forms.read_text("a\x00b", "a title"), "holds a NUL character"),
        (lambda: forms.read_number("lots", "the area"), "must be a number, not 'lots'"),
        (lambda: forms.read_number(True, "the area"), "must be a number, not True"),
        (lambda: forms.read_number("nan", "the area"), "must be a number"),
        (lambda: forms.read_positive("0", "the area", limit=10), "must be more than 0"),
        (lambda: forms.read_positive("11", "the area", limit=10), "must be at most 10"),
        (lambda: forms.read_date("1/4/26", "the date"), "must be a date as YYYY-MM-DD"),
        (lambda: forms.read_id("x", "the asset"), "must be a number, not 'x'"),
        (lambda: forms.read_id("-3", "the asset"), "must be a positive number, not -3"),
        (lambda: forms.read_use("spaceship"), "unknown use 'spaceship'"),
    ],
)
def test_refusals_say_why(read, message):
    with pytest.raises(forms.FormError, match=message):
        read()


def test_the_callers_error_is_raised():
    with pytest.raises(ClubError, match="must be a number"):
        forms.read_number("lots", "the area", error=ClubError)
    assert issubclass(forms.FormError, EstateError)
