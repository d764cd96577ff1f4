"""Empty answers are answers: an analysis that finds nothing gives empty tables and
files (with their headers), never a 500."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook

from tests.web.conftest import COUNCIL, POLICE

# One body's assets alone (the disposals' candidates of a body with a score none reaches).
ALONE = f"body={POLICE}"
# A drawn area in the North Sea holds no asset, so no co-location cluster (a body alone
# now means its clusters with all their partners).
NOWHERE = "polygon=" + quote("POLYGON((2 55, 2.01 55, 2.01 55.01, 2 55))")


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "geojson", "gpkg"])
def test_an_empty_colocation_downloads_as_an_empty_file(
    client_as: Callable[[str], FlaskClient], fmt: str
):
    response = client_as("viewer").get(f"/downloads/colocation.{fmt}?{NOWHERE}")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    data = response.get_data()
    if fmt == "csv":
        lines = data.decode("utf-8-sig").splitlines()
        assert len(lines) == 1 and "cluster" in lines[0].lower()
    elif fmt == "xlsx":
        book = load_workbook(io.BytesIO(data), read_only=True)
        first = next(book.worksheets[0].iter_rows(values_only=True))
        assert any(v for v in first)
    elif fmt == "geojson":
        assert json.loads(data)["features"] == []
    else:
        assert data[:16] == b"SQLite format 3\x00"


@pytest.mark.parametrize(
    "route",
    [
        f"/colocation?{NOWHERE}",
        f"/api/clusters?{NOWHERE}",
        f"/disposals?{ALONE}&min_score=30",
        f"/api/candidates?{ALONE}&min_score=30",
        f"/downloads/disposals.csv?{ALONE}&min_score=30",
        f"/downloads/disposals.xlsx?{ALONE}&min_score=30",
        f"/downloads/disposals.geojson?{ALONE}&min_score=30",
    ],
)
def test_empty_analyses_answer_with_empty_pages_and_files(
    client_as: Callable[[str], FlaskClient], route: str
):
    response = client_as("viewer").get(route)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    if response.is_json:
        body = response.get_json()
        assert body.get("features", body.get("clusters", body.get("candidates"))) in ([], None)


@pytest.mark.parametrize(
    "route",
    [
        "/downloads/scenarios/No%20such%20scenario/ledger.csv",
        "/api/scenarios/No%20such%20scenario",
        "/downloads/register/NO-SUCH-BODY.xlsx",
        "/downloads/register/NO-SUCH-BODY.csv",
    ],
)
def test_what_is_not_there_is_a_404_in_words(client_as: Callable[[str], FlaskClient], route: str):
    """The domain says "not found" (estate.errors.NotFoundError); the one handler maps it."""
    response = client_as("viewer").get(route)
    assert response.status_code == 404, response.get_data(as_text=True)[:300]
    text = response.get_data(as_text=True)
    assert "no scenario named" in text or "no body with the code" in text
    assert "Traceback" not in text


@pytest.mark.parametrize(
    ("offset", "status"),
    [("99999999999999999999", 400), ("-1", 400), ("ten", 400), ("0", 200), ("1000000", 200)],
)
def test_an_audit_offset_out_of_range_is_a_400_in_words(
    client_as: Callable[[str], FlaskClient], offset: str, status: int
):
    response = client_as("viewer").get(f"/audit/{COUNCIL}?offset={offset}")
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    if status == 400:
        assert "offset must be" in response.get_data(as_text=True)
