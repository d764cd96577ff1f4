"""The scenario forms take money and rates as people type them, refuse what will not do
in one plain line, and a viewer sees no form."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, text

from tests.web.conftest import csrf_token, scalar

NAME = "Forms test"


@pytest.fixture
def made(client_as: Callable[[str], FlaskClient], terrier: Engine) -> Iterator[FlaskClient]:
    editor = client_as("editor")
    token = csrf_token(editor, "/scenarios")
    answer = editor.post("/scenarios", data={
        "csrf_token": token, "name": NAME, "relocation_cost_per_fte": "£3,000",
        "discount_rate": "4%", "sale_cost_share": "1.5%", "refit_cost_per_m2": "0.4k",
    })  # fmt: skip
    assert answer.status_code == 302, answer.get_data(as_text=True)[:300]
    yield editor
    with terrier.begin() as conn:
        conn.execute(text("DELETE FROM scenarios WHERE name = :n"), {"n": NAME})


def _scenario(terrier: Engine, column: str):
    return scalar(terrier, f"SELECT {column}::float FROM scenarios WHERE name = :n", n=NAME)


def test_money_and_rates_typed_as_people_type_them(made: FlaskClient, terrier: Engine):
    assert _scenario(terrier, "relocation_cost_per_fte") == 3000
    assert _scenario(terrier, "discount_rate") == 0.04
    assert _scenario(terrier, "sale_cost_share") == 0.015
    assert _scenario(terrier, "refit_cost_per_m2") == 400
    page = made.get("/scenarios/" + NAME).get_data(as_text=True)
    assert 'value="£3,000"' in page and 'value="4%"' in page and 'value="1.5%"' in page
    sid = scalar(terrier, "SELECT id FROM scenarios WHERE name = :n", n=NAME)
    token = csrf_token(made, "/scenarios/" + NAME)
    changed = made.post(f"/scenario/{sid}/assumptions", data={
        "csrf_token": token, "receiving_cost_per_m2": "£1.2k", "horizon_years": "15",
    })  # fmt: skip
    assert changed.status_code == 302
    assert _scenario(terrier, "receiving_cost_per_m2") == 1200
    assert scalar(terrier, "SELECT horizon_years FROM scenarios WHERE name = :n", n=NAME) == 15
    refused = made.post(f"/scenario/{sid}/assumptions",
                        data={"csrf_token": token, "relocation_cost_per_fte": "lots"})  # fmt: skip
    words = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "such as £450,000" in words
    assert "Traceback" not in words
    listed = made.get("/scenarios").get_data(as_text=True)
    assert "4%" in listed and "0.04" not in listed


def test_a_viewer_reads_and_is_offered_no_form(
    made: FlaskClient, client_as: Callable[[str], FlaskClient]
):
    viewer = client_as("viewer")
    page = viewer.get("/scenarios/" + NAME).get_data(as_text=True)
    assert "Savings schedule" in page
    assert "assumptions-form" not in page and "Propose it" not in page
    assert 'id="new-scenario"' not in viewer.get("/scenarios").get_data(as_text=True)
    assert 'id="add-to-scenario"' not in viewer.get("/disposals").get_data(as_text=True)
