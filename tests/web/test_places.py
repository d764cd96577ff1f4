"""The places routes on the Trafford sample: co-location for one ward and several bodies
(counted against SQL), disposals in a ward, a drawn polygon, a cluster's page, the
nearby list against a direct query (page, JSON, CSV) and the lease radar, with what
another body may see of a sensitive site on each."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import time
from collections.abc import Callable, Iterator
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, text

from estate.sharing import SENSITIVE_NAME
from tests.web.conftest import COUNCIL, POLICE, scalar

WARD = "Sale Central"
LOCATABLE = (
    "a.geom IS NOT NULL AND a.status <> 'disposed'"
    " AND a.location_method NOT IN ('postcode_district', 'none')"
    " AND NOT ('probable_centroid' = ANY(a.quality_flags))"
)


def _codes(engine: Engine, kind: str) -> list[str]:
    with engine.connect() as conn:
        return list(
            conn.execute(text("SELECT code FROM organisations WHERE kind = :k"), {"k": kind})
            .scalars()
        )  # fmt: skip


def _in_pairs(engine: Engine, ward: str, distance: float) -> dict[int, int]:
    """Assets in the ward with another body's asset within the distance, also in the
    ward: id -> organisation (the members of every cluster, by SQL)."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                f"""
                WITH w AS (SELECT geom FROM areas WHERE kind = 'ward' AND name = :ward),
                inside AS (SELECT a.id, a.organisation_id, a.geom FROM assets a, w
                           WHERE {LOCATABLE} AND ST_Intersects(a.geom, w.geom))
                SELECT DISTINCT a.id, a.organisation_id FROM inside a JOIN inside b
                  ON a.organisation_id <> b.organisation_id
                 AND ST_DWithin(a.geom, b.geom, :d)
                """
            ),
            {"ward": ward, "d": distance},
        ).all()
    return {r[0]: r[1] for r in rows}


def test_colocation_for_one_ward_counts_what_sql_counts(client: FlaskClient, terrier: Engine):
    expected = _in_pairs(terrier, WARD, 250.0)
    assert expected, "the ward has co-located buildings in the sample"
    collection = client.get(f"/api/clusters?distance=250&area={quote(WARD)}").get_json()
    members = {i for f in collection["features"] for i in f["properties"]["member_ids"]}
    assert members == set(expected)
    # The page names the ward and lists the same clusters.
    page = client.get(f"/colocation?distance=250&area={quote(WARD)}").get_data(as_text=True)
    assert f"in {WARD}" in page
    assert f"{len(collection['features'])} rows" in page


def test_colocation_for_several_bodies_keeps_clusters_with_any_of_them(
    client: FlaskClient, terrier: Engine
):
    fire, police = _codes(terrier, "fire"), _codes(terrier, "police")
    chosen = [*fire, *police]
    with terrier.connect() as conn:
        org_ids = set(
            conn.execute(
                text("SELECT id FROM organisations WHERE code = ANY(:c)"), {"c": chosen}
            ).scalars()
        )
    # Repeated parameters, as a multiple select sends them.
    args = "&".join(f"body={quote(c)}" for c in chosen)
    collection = client.get(f"/api/clusters?distance=250&area={quote(WARD)}&{args}").get_json()
    features = collection["features"]
    expected = _in_pairs(terrier, WARD, 250.0)
    chosen_in_pairs = {i for i, org in expected.items() if org in org_ids}
    assert chosen_in_pairs, "the ward has a fire or police building with a partner near"
    got = {i for f in features for i in f["properties"]["member_ids"]}
    assert chosen_in_pairs <= got
    for f in features:
        kinds = set(f["properties"]["body_kinds"].split(", "))
        assert kinds & {"fire", "police"}, f["properties"]["cluster"]
        assert len(set(f["properties"]["member_bodies"])) >= 2  # with their partners
    # One fire service alone: its stations and their partners, not nothing.
    alone = client.get(f"/api/clusters?distance=250&body={quote(fire[0])}").get_json()
    assert alone["features"], "the fire service's stations and their partners"
    page = client.get(f"/colocation?distance=250&body={quote(fire[0])}").get_data(as_text=True)
    assert "with all their partners" in page
    assert "at least one building of a chosen body" in page


def test_disposals_in_a_ward_are_the_candidates_standing_in_it(
    client: FlaskClient, terrier: Engine
):
    whole = client.get("/api/candidates?min_score=1").get_json()["features"]
    in_ward = client.get(f"/api/candidates?min_score=1&area={quote(WARD)}").get_json()["features"]
    with terrier.connect() as conn:
        inside = set(
            conn.execute(
                text(
                    "SELECT a.id FROM assets a JOIN areas w ON ST_Intersects(a.geom, w.geom)"
                    " WHERE w.kind = 'ward' AND w.name = :w"
                ),
                {"w": WARD},
            ).scalars()
        )
    assert {f["properties"]["id"] for f in in_ward} == {
        f["properties"]["id"] for f in whole
    } & inside
    assert 0 < len(in_ward) < len(whole)


def test_a_drawn_polygon_narrows_the_page_and_a_bad_one_is_a_400(
    client: FlaskClient, terrier: Engine
):
    with terrier.connect() as conn:
        ring = conn.execute(
            text(
                "SELECT ST_AsGeoJSON(ST_Transform(ST_Envelope(geom), 4326), 6) FROM areas"
                " WHERE kind = 'ward' AND name = :w"
            ),
            {"w": WARD},
        ).scalar_one()
    drawn = client.get(f"/api/clusters?distance=250&polygon={quote(ring)}").get_json()
    assert drawn["features"]
    page = client.get(f"/colocation?distance=250&polygon={quote(ring)}").get_data(as_text=True)
    assert "in the drawn area" in page
    for bad in ("POINT(1 2)", "{nonsense", "POLYGON((0 0, 900000 0, 0 1, 0 0))"):
        response = client.get(f"/api/clusters?polygon={quote(bad)}")
        assert response.status_code == 400, bad
        assert response.get_json()["description"]
    assert client.get("/colocation?area=Nowhere%20Ward").status_code == 400
    assert client.get("/colocation?area=99999999999999999999").status_code == 400


# --- a cluster's page -------------------------------------------------------------


def test_the_list_links_each_cluster_to_its_page_with_members_listed(client: FlaskClient):
    page = client.get("/colocation?distance=250").get_data(as_text=True)
    links = re.findall(r'href="(/colocation/\d+\?[^"]*)"', page)
    assert links
    assert '<ul class="members"><li>' in page  # members one a line, not joined text
    first = client.get(links[0].replace("&amp;", "&"))
    assert first.status_code == 200
    body = first.get_data(as_text=True)
    assert 'id="cluster-map"' in body and 'id="members"' in body
    data = json.loads(re.search(r'id="cluster-data">(.*?)</script>', body, re.S).group(1))
    assert len(data["points"]) >= 2 and data["outline"]["type"] == "Polygon"


def test_every_cluster_page_gives_a_saving_with_its_basis_or_a_reason(client: FlaskClient):
    clusters = client.get("/api/clusters?distance=250").get_json()["features"]
    without = [f["properties"] for f in clusters if not f["properties"]["saving"]]
    with_saving = [f["properties"] for f in clusters if f["properties"]["saving"]]
    assert without and with_saving, "the sample has clusters of both kinds"
    for p in without:
        page = client.get(f"/colocation/{p['key']}?distance=250").get_data(as_text=True)
        found = re.search(r'id="no-saving"[^>]*>No saving: ([^<]+)<', page)
        assert found, p["cluster"]
        assert re.search(r"\d+ m²|tied to their sites|not recorded", found.group(1))
        answer = client.get(f"/api/clusters/{p['key']}?distance=250").get_json()
        assert answer["saving"] == 0 and answer["no_saving_reason"]
    p = with_saving[0]
    answer = client.get(f"/api/clusters/{p['key']}?distance=250").get_json()
    assert answer["exit_asset_id"] == p["exit_asset_id"]
    assert answer["moves"] and sum(m["area_m2"] for m in answer["moves"]) >= 0
    assert "running cost" in answer["basis"]
    assert {m["id"] for m in answer["members"]} == set(p["member_ids"])


# --- the nearby list --------------------------------------------------------------


def _office(terrier: Engine) -> int:
    return scalar(
        terrier,
        "SELECT a.id FROM assets a JOIN organisations o ON o.id = a.organisation_id"
        " WHERE o.code = :c AND a.geom IS NOT NULL AND EXISTS (SELECT 1 FROM assets b"
        "  WHERE b.organisation_id <> a.organisation_id AND ST_DWithin(a.geom, b.geom, 250))"
        " ORDER BY a.id LIMIT 1",
        c=COUNCIL,
    )


def test_the_nearby_list_matches_a_direct_query(client: FlaskClient, terrier: Engine):
    office = _office(terrier)
    with terrier.connect() as conn:
        expected = conn.execute(
            text(
                "SELECT b.id, round(ST_Distance(a.geom, b.geom)::numeric, 1)::float"
                " FROM assets a JOIN assets b ON b.organisation_id <> a.organisation_id"
                " AND ST_DWithin(a.geom, b.geom, 800) AND b.status <> 'disposed'"
                " WHERE a.id = :id ORDER BY 2, 1"
            ),
            {"id": office},
        ).all()
    answer = client.get(f"/api/assets/{office}/nearby?distance=800").get_json()
    assert [(r["id"], r["distance_m"]) for r in answer["nearby"]] == [tuple(r) for r in expected]
    assert {"body", "use_class", "spare_m2", "usable_m2"} <= set(answer["nearby"][0])
    # The default distance is the co-location distance.
    default = client.get(f"/api/assets/{office}/nearby").get_json()
    assert default["distance_m"] == 250.0
    # The asset's page lists them; the CSV has them with headings for people.
    page = client.get(f"/assets/{office}?distance=800").get_data(as_text=True)
    listed = re.search(r'id="nearby-list">(.*?)</table>', page, re.S).group(1)
    assert listed.count("<tr>") == len(expected) + 1
    download = client.get(f"/assets/{office}/nearby.csv?distance=800")
    assert download.status_code == 200
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == len(expected) + 1
    assert all("_" not in h for h in rows[0]), rows[0]  # headings in words


# --- the radar --------------------------------------------------------------------


def test_the_radar_takes_the_windows_last_day_and_not_the_day_after(
    client: FlaskClient, terrier: Engine
):
    from estate.analysis.radar import window_end

    today = dt.date.today()
    last = window_end(today, 24)
    with terrier.begin() as conn:
        ids = list(
            conn.execute(
                text(
                    "SELECT a.id FROM assets a JOIN organisations o ON o.id = a.organisation_id"
                    " WHERE o.code = :c AND a.geom IS NOT NULL AND a.lease_break IS NULL"
                    " AND a.lease_end IS NULL"
                    " ORDER BY a.id LIMIT 2"
                ),
                {"c": COUNCIL},
            ).scalars()
        )
        saved = conn.execute(
            text("SELECT id, lease_break FROM assets WHERE id = ANY(:ids)"), {"ids": ids}
        ).all()
        conn.execute(
            text("UPDATE assets SET lease_break = :d WHERE id = :i"), {"d": last, "i": ids[0]}
        )
        conn.execute(
            text("UPDATE assets SET lease_break = :d WHERE id = :i"),
            {"d": last + dt.timedelta(days=1), "i": ids[1]},
        )
        conn.execute(
            text("INSERT INTO audit_events (actor, subject, action) VALUES ('t', 'asset', 'e')")
        )
    try:
        features = client.get("/api/radar").get_json()["features"]
        breaks = {(f["properties"]["id"], f["properties"]["event"]) for f in features}
        assert (ids[0], "break") in breaks
        assert (ids[1], "break") not in breaks
        event = next(f["properties"] for f in features if f["properties"]["id"] == ids[0])
        assert event["date"] == last.isoformat()
        assert event["note"]
        page = client.get("/radar").get_data(as_text=True)
        row = r'<td>Lease break</td><td><a href="/assets/{}">'
        assert re.search(row.format(ids[0]), page) and not re.search(row.format(ids[1]), page)
        longer = client.get("/api/radar?months=25").get_json()["features"]
        assert (ids[1], "break") in {
            (f["properties"]["id"], f["properties"]["event"]) for f in longer
        }
        rows = list(csv.reader(io.StringIO(client.get("/radar.csv").get_data(as_text=True))))
        assert len(rows) - 1 >= len(features)  # with the events that have no point
        assert all("_" not in h for h in rows[0]), rows[0]  # headings in words
    finally:
        with terrier.begin() as conn:
            for i, brk in saved:
                conn.execute(
                    text("UPDATE assets SET lease_break = :d WHERE id = :i"), {"d": brk, "i": i}
                )
            conn.execute(
                text("INSERT INTO audit_events (actor, subject, action) VALUES ('t', 'asset', 'e')")
            )


# --- sharing: a sensitive police site on every new route ----------------------------


@pytest.fixture
def sensitive_station(terrier: Engine) -> Iterator[dict]:
    """The sample's Sale police station marked sensitive with a lease break next month,
    and its nearest council neighbour (restored after)."""
    with terrier.begin() as conn:
        row = (
            conn.execute(
                text(
                    "SELECT a.id, a.name, a.sensitive, a.lease_break FROM assets a"
                    " JOIN organisations o ON o.id = a.organisation_id WHERE o.code = :p"
                    " AND a.geom IS NOT NULL AND a.location_method = 'lonlat'"
                    " ORDER BY (a.source_ref = 'SALE-POLICE-STATION-SYNTHETIC') DESC, a.id"
                    " LIMIT 1"
                ),
                {"p": POLICE},
            )
            .mappings()
            .one()
        )
        neighbour = conn.execute(
            text(
                "SELECT b.id FROM assets a JOIN assets b ON ST_DWithin(a.geom, b.geom, 250)"
                " JOIN organisations o ON o.id = b.organisation_id"
                " WHERE a.id = :id AND o.code = :c ORDER BY ST_Distance(a.geom, b.geom) LIMIT 1"
            ),
            {"id": row["id"], "c": COUNCIL},
        ).scalar_one()
        conn.execute(
            text("UPDATE assets SET sensitive = true, lease_break = :d WHERE id = :id"),
            {"d": dt.date.today() + dt.timedelta(days=30), "id": row["id"]},
        )
        conn.execute(
            text("INSERT INTO audit_events (actor, subject, action) VALUES ('t', 'asset', 'e')")
        )
    time.sleep(0.25)
    try:
        yield {"id": row["id"], "name": row["name"], "neighbour": neighbour}
    finally:
        with terrier.begin() as conn:
            conn.execute(
                text("UPDATE assets SET sensitive = :s, lease_break = :d WHERE id = :id"),
                {"s": row["sensitive"], "d": row["lease_break"], "id": row["id"]},
            )
            conn.execute(
                text("INSERT INTO audit_events (actor, subject, action) VALUES ('t', 'asset', 'e')")
            )
        time.sleep(0.25)


def _routes(site: dict) -> list[str]:
    n, s = site["neighbour"], site["id"]
    return [
        f"/api/assets/{n}/nearby?distance=1000",
        f"/assets/{n}?distance=1000",
        f"/assets/{n}/nearby.csv?distance=1000",
        f"/api/assets/{s}/nearby?distance=1000",
        f"/assets/{s}/nearby.csv?distance=1000",
        "/radar",
        "/radar.csv",
        "/api/radar",
        "/colocation?distance=250",
        f"/colocation?distance=250&area={quote(WARD)}&body={POLICE}",
        f"/downloads/colocation.csv?distance=250&area={quote(WARD)}",
    ]


def test_another_body_never_sees_the_sensitive_site_on_the_new_routes(
    client_as: Callable[[str], FlaskClient], sensitive_station: dict
):
    council = client_as("viewer")
    name = sensitive_station["name"]
    for route in _routes(sensitive_station):
        response = council.get(route)
        assert response.status_code == 200, (route, response.get_data(as_text=True)[:300])
        body = response.get_data(as_text=True)
        assert name not in body, route
        if response.is_json:
            ids = json.dumps(response.get_json())
            assert not re.search(rf'"id": {sensitive_station["id"]}[,}}]', ids), route
    # From the station itself, the council measures nothing: its place is not theirs to see.
    answer = council.get(f"/api/assets/{sensitive_station['id']}/nearby").get_json()
    assert answer["generalised"] is True and answer["nearby"] == []
    # Its cluster's pages, every one, as the council sees them.
    for f in council.get("/api/clusters?distance=250").get_json()["features"]:
        page = council.get(f"/colocation/{f['properties']['key']}?distance=250")
        assert name not in page.get_data(as_text=True)
        assert SENSITIVE_NAME not in page.get_data(as_text=True)


def test_the_police_see_their_sensitive_site_on_the_new_routes(
    client_as: Callable[[str], FlaskClient], sensitive_station: dict
):
    police = client_as("police-viewer")
    near = police.get(f"/api/assets/{sensitive_station['neighbour']}/nearby?distance=1000")
    assert sensitive_station["id"] in {r["id"] for r in near.get_json()["nearby"]}
    radar = police.get("/api/radar").get_json()["features"]
    assert sensitive_station["id"] in {f["properties"]["id"] for f in radar}
    assert sensitive_station["name"] in police.get("/radar").get_data(as_text=True)
    clusters = police.get("/api/clusters?distance=250").get_json()["features"]
    mine = [f for f in clusters if sensitive_station["id"] in f["properties"]["member_ids"]]
    assert mine
    page = police.get(f"/colocation/{mine[0]['properties']['key']}?distance=250")
    assert sensitive_station["name"] in page.get_data(as_text=True)
