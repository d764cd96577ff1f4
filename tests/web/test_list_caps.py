"""Answers of a bounded size: every list serves at most its cap of rows (asking for more
is no error; the answer says ``"limit": N, "capped": true``, and the OpenAPI document
states the maximum), and text in lists is cut to 500 characters, so one asset named
with 5 MB no longer makes a page of the API megabytes. The asset's own page and answer
keep the name whole.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, text

from estate.clipping import ELLIPSIS, LIST_TEXT_CHARS
from tests.web.conftest import COUNCIL, POLICE

FIVE_MB = 5 * 1024 * 1024
# Beside the sample's Sale police station, so the asset is in a co-location cluster.
LON, LAT = -2.3195, 53.4215
BOX = f"{LON - 0.01},{LAT - 0.006},{LON + 0.01},{LAT + 0.006}"


def _bump(conn) -> None:
    """An audit event, as an edit writes: the data version (and every cache) moves on."""
    conn.execute(text("INSERT INTO audit_events (actor, subject, action) VALUES ('t', 'a', 'e')"))


@pytest.fixture(scope="module")
def huge(terrier: Engine) -> Iterator[int]:
    """A vacant council asset whose name is 5 MB, inserted directly (no loader checks
    it); deleted after the module."""
    with terrier.begin() as conn:
        asset_id = conn.execute(
            text(
                "INSERT INTO assets (organisation_id, source_ref, name, geom, location_method, "
                "occupancy, gia_m2, rent) SELECT id, 'HUGE-NAME', repeat('N', :size), "
                "ST_Transform(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 27700), 'lonlat', "
                "'vacant', 500, 40000 FROM organisations WHERE code = :council RETURNING id"
            ),
            {"size": FIVE_MB, "lon": LON, "lat": LAT, "council": COUNCIL},
        ).scalar_one()
        _bump(conn)
    yield asset_id
    with terrier.begin() as conn:
        conn.execute(text("DELETE FROM assets WHERE id = :id"), {"id": asset_id})
        _bump(conn)


CUT = "N" * (LIST_TEXT_CHARS - 1) + ELLIPSIS


def _features_named(collection: dict, asset_id: int) -> list[dict]:
    return [f for f in collection["features"] if f["properties"].get("id") == asset_id]


def test_a_5_mb_name_is_cut_in_the_lists_and_whole_on_its_own(client: FlaskClient, huge: int):
    listed = client.get(f"/api/assets?bbox={BOX}&limit=5000")
    assert len(listed.data) < 1_000_000
    (feature,) = _features_named(listed.get_json(), huge)
    assert feature["properties"]["name"] == CUT

    mapped = client.get(f"/api/map?bbox={BOX}&zoom=16").get_json()
    (feature,) = _features_named(mapped, huge)
    assert feature["properties"]["name"] == CUT

    found = client.get("/api/search?q=" + "N" * 50).get_json()["results"]
    assert [r["name"] for r in found if r["id"] == huge] == [CUT]

    items = client.get(f"/ogcapi/collections/assets-{COUNCIL}/items?bbox={BOX}").get_json()
    assert [f["properties"]["name"] for f in items["features"] if f["id"] == huge] == [CUT]

    whole = client.get(f"/api/assets/{huge}").get_json()["properties"]["name"]
    assert len(whole) == FIVE_MB


def test_the_analyses_list_a_5_mb_name_cut(client: FlaskClient, huge: int):
    clusters = client.get(f"/api/clusters?bbox={BOX}")
    assert clusters.status_code == 200 and len(clusters.data) < 1_000_000
    labels = [m for f in clusters.get_json()["features"] for m in f["properties"]["members"]]
    assert f"{COUNCIL}: {CUT}" in labels

    candidates = client.get(f"/api/candidates?bbox={BOX}&min_score=1")
    assert candidates.status_code == 200 and len(candidates.data) < 1_000_000
    assert [f["properties"]["name"] for f in candidates.get_json()["features"]
            if f["properties"]["id"] == huge] == [CUT]  # fmt: skip

    for page in ("/colocation", "/disposals?min_score=1", "/downloads/disposals.csv"):
        response = client.get(page)
        assert response.status_code == 200, page
        assert len(response.data) < 3_000_000, page


@pytest.mark.parametrize(
    ("path", "cap"),
    [
        ("/api/assets?limit=100000", 1000),
        ("/ogcapi/collections/assets/items?limit=100000", 1000),
        (f"/ogcapi/collections/assets-{POLICE}/items?limit=1001", 1000),
        ("/ogcapi/collections/colocation-clusters/items?limit=100000", 1000),
        ("/ogcapi/collections/disposal-candidates/items?limit=100000", 1000),
        ("/api/clusters?limit=100000", 2000),
        ("/api/candidates?limit=100000&min_score=1", 5000),
        ("/api/search?q=police&limit=100000", 100),
    ],
)
def test_asking_for_more_than_a_lists_cap_is_served_the_cap_and_says_so(
    client: FlaskClient, path: str, cap: int
):
    response = client.get(path)
    assert response.status_code == 200
    answer = response.get_json()
    assert (answer["limit"], answer["capped"]) == (cap, True)
    rows = answer["results"] if "results" in answer else answer["features"]
    assert len(rows) <= cap


@pytest.mark.parametrize(
    "path",
    [
        "/api/assets?limit=7",
        "/ogcapi/collections/assets/items?limit=7",
        "/api/clusters?limit=7",
        "/api/candidates?limit=7",
        "/api/search?q=police&limit=7",
    ],
)
def test_a_limit_within_the_cap_is_served_as_asked(client: FlaskClient, path: str):
    answer = client.get(path).get_json()
    assert (answer["limit"], answer["capped"]) == (7, False)


def test_a_limit_below_one_is_refused_in_words(client: FlaskClient):
    response = client.get("/api/assets?limit=0")
    assert response.status_code == 400
    assert "limit must be between 1 and 1000" in response.get_json()["description"]


def test_the_openapi_document_states_each_lists_cap(client: FlaskClient):
    paths = client.get("/api/openapi.json").get_json()["paths"]

    def limit_of(path: str) -> dict:
        (found,) = [p for p in paths[path]["get"]["parameters"] if p["name"] == "limit"]
        assert '"capped": true' in found["description"]
        return found["schema"]

    assert limit_of("/api/assets")["maximum"] == 1000
    assert limit_of("/ogcapi/collections/{cid}/items")["maximum"] == 1000
    assert limit_of("/api/clusters")["maximum"] == 2000
    assert limit_of("/api/candidates")["maximum"] == 5000
    assert limit_of("/api/search")["maximum"] == 100
