"""Numbers typed into the forms that the register cannot keep are refused with 400 and
the reason in words, and nothing is saved: never a 500 from PostgreSQL (a numeric field
overflow, a check constraint) or from Python (an infinite number made whole).

The query parameters' ranges are checked by :mod:`estate.web.params`
(tests/web/test_walk.py); these are the forms': the asset edit and the club's posts."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine

from tests.web.conftest import COUNCIL, csrf_token, scalar
from tests.web.test_club import NEED

OFFER = {"title": "Ground floor", "kind": "space", "area_m2": "120",
         "available_from": "2027-01-01", "lon": "-2.3195", "lat": "53.4235"}  # fmt: skip

# (field, value, words the refusal says)
EDITS = [
    ("gia_m2", "1e30", "more than the register holds (at most 9,999,999,999.99)"),
    ("gia_m2", "99999999999.99", "more than the register holds"),
    ("gia_m2", "-1", "below zero"),
    ("nia_m2", "inf", "is not a number"),
    ("site_area_m2", "1e308", "is not a number"),  # rounds to infinity
    ("workstations", "2147483648", "at most 2,147,483,647"),
    ("workstations", "1e308", "is not a number"),
    ("occupants_fte", "100000000", "at most 99,999,999.99"),
    ("rent", "1e30", "more than the register holds"),
    ("valuation", "-inf", "is not a number"),
    ("easting", "1e308", "is not a number"),
]


@pytest.fixture
def council_asset(terrier: Engine) -> int:
    return scalar(
        terrier,
        "SELECT min(a.id) FROM assets a JOIN organisations o ON o.id = a.organisation_id"
        " WHERE o.code = :c",
        c=COUNCIL,
    )


@pytest.mark.parametrize(("field", "value", "words"), EDITS)
def test_an_edit_the_register_cannot_keep_is_refused_in_words(
    client_as: Callable[[str], FlaskClient], terrier: Engine, council_asset: int,
    field: str, value: str, words: str,
):  # fmt: skip
    editor = client_as("editor")
    path = f"/assets/{council_asset}/edit"
    before = scalar(terrier, "SELECT updated_at FROM assets WHERE id = :i", i=council_asset)
    form = {field: value, "reason": "a survey", "csrf_token": csrf_token(editor, path)}
    if field == "easting":
        form["northing"] = "394000"
    response = editor.post(path, data=form)
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert words in response.get_data(as_text=True).replace("&#39;", "'")
    after = scalar(terrier, "SELECT updated_at FROM assets WHERE id = :i", i=council_asset)
    assert after == before


def test_a_uprn_of_zero_is_kept_as_text_without_a_number(
    client_as: Callable[[str], FlaskClient], terrier: Engine, council_asset: int
):
    """As the loader keeps it: "0" is no UPRN's number (they run from 1)."""
    editor = client_as("editor")
    path = f"/assets/{council_asset}/edit"
    old = scalar(terrier, "SELECT coalesce(uprn, '') FROM assets WHERE id = :i", i=council_asset)
    token = csrf_token(editor, path)
    response = editor.post(path, data={"uprn": "0", "reason": "test", "csrf_token": token})
    assert response.status_code == 302
    assert scalar(terrier, "SELECT uprn_number FROM assets WHERE id = :i", i=council_asset) is None
    editor.post(path, data={"uprn": old, "reason": "put back", "csrf_token": token})


# (form, field, value): each a number past what the club keeps.
CLUB = [
    ("needs", "min_m2", "1e-30"),  # kept to 2 places it would be 0: no need is for 0 m²
    ("needs", "min_m2", "1e30"),
    ("needs", "max_m2", "inf"),
    ("needs", "radius_m", "0.01"),
    ("needs", "radius_m", "1e308"),
    ("needs", "asset_id", "9223372036854775808"),
    ("needs", "lon", "1e308"),
    ("offers", "area_m2", "1e-30"),
    ("offers", "area_m2", "-5"),
    ("offers", "area_m2", "1e30"),
    ("offers", "asset_id", "-1"),
    ("offers", "lat", "nan"),
]


@pytest.mark.parametrize(("form", "field", "value"), CLUB)
def test_a_club_post_the_club_cannot_keep_is_refused_in_words(
    client_as: Callable[[str], FlaskClient], terrier: Engine, form: str, field: str, value: str
):
    editor = client_as("editor")
    path = f"/club/{form}/new"
    data = {**(NEED if form == "needs" else OFFER), field: value}
    if field == "lat":
        data.pop("lon")  # then the latitude alone is asked for
    table = f"club_{form}"
    before = scalar(terrier, f"SELECT count(*) FROM {table}")
    response = editor.post(path, data={**data, "csrf_token": csrf_token(editor, path)})
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert scalar(terrier, f"SELECT count(*) FROM {table}") == before
