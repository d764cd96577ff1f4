"""Every route of the application through Flask's test client, its answers and its
errors, on the sample locality."""

from __future__ import annotations

import io
import json
import re
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import Engine

from tests.web.conftest import HOSTILE_CODE, SCENARIO, scalar

TRAFFORD = "-2.48,53.38,-2.25,53.49"
SALE = "-2.335,53.418,-2.305,53.436"
S = quote(SCENARIO)

# Every route with a URL that answers 200, and the type it answers with.
ROUTES = {
    "/": "text/html",
    "/favicon.ico": None,
    "/api/": "application/json",
    "/api/assets?limit=5": "application/geo+json",
    f"/api/map?bbox={TRAFFORD}&zoom=12": "application/geo+json",
    "/api/assets/1": "application/geo+json",
    "/api/search?q=sale": "application/json",
    "/api/bodies": "application/json",
    "/api/clusters": "application/geo+json",
    "/api/candidates": "application/geo+json",
    "/api/scenarios": "application/json",
    f"/api/scenarios/{S}": "application/json",
    "/api/areas/ward": "application/geo+json",
    "/api/summary?ward=Sale%20Central": "application/json",
    "/api/quality": "application/json",
    "/api/openapi.json": "application/json",
    "/ogcapi": "application/json",
    "/ogcapi/": "application/json",
    "/ogcapi/api": "application/vnd.oai.openapi+json",
    "/ogcapi/conformance": "application/json",
    "/ogcapi/collections": "application/json",
    "/ogcapi/collections/assets": "application/json",
    "/ogcapi/collections/assets/items?limit=3": "application/geo+json",
    "/ogcapi/collections/assets/items/1": "application/geo+json",
    "/assets/1": "text/html",
    "/colocation": "text/html",
    "/disposals": "text/html",
    "/scenarios": "text/html",
    f"/scenarios/{S}": "text/html",
    "/quality": "text/html",
    "/downloads/": "text/html",
    "/downloads/colocation.xlsx": "application/vnd.openxmlformats",
    "/downloads/disposals.csv": "text/csv",
    f"/downloads/scenarios/{S}/savings-schedule.xlsx": "application/vnd.openxmlformats",
    "/downloads/register/TRAFFORD-COUNCIL.csv": "text/csv",
}


@pytest.mark.parametrize("url", list(ROUTES))
def test_every_route_answers(client: FlaskClient, url: str):
    response = client.get(url)
    expected = 301 if url == "/favicon.ico" else 200
    assert response.status_code == expected, response.get_data(as_text=True)[:500]
    if ROUTES[url]:
        assert response.content_type.startswith(ROUTES[url])


def test_openapi_documents_every_api_route(app: Flask, client: FlaskClient):
    document = client.get("/api/openapi.json").get_json()
    documented = set(document["paths"])
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/api", "/ogcapi", "/club/api")) and rule.rule != "/ogcapi/":
            path = re.sub(r"<(?:\w+:)?([^>]+)>", r"{\1}", rule.rule)
            assert path in documented, path
    # How programs sign in is part of the contract.
    assert document["components"]["securitySchemes"]["basic"] == {"type": "http", "scheme": "basic"}


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("/api/map?bbox=1,2,3&zoom=12", "4 numbers"),
        ("/api/map?bbox=a,b,c,d&zoom=12", "not a number"),
        ("/api/map?bbox=-2,53,-3,54&zoom=12", "below its maximum"),
        ("/api/map?bbox=-2,53,-1,95&zoom=12", "outside"),
        ("/api/map?bbox=-2,53,-1,nan&zoom=12", "finite"),
        (f"/api/map?bbox={TRAFFORD}", "zoom is required"),
        ("/api/map?zoom=12", "bbox is required"),
        (f"/api/map?bbox={TRAFFORD}&zoom=99", "zoom must be between"),
        ("/api/assets?use=castle", "unknown use 'castle'"),
        ("/api/assets?limit=0", "limit must be between"),
        ("/api/assets?limit=ten", "whole number"),
        ("/ogcapi/collections/assets/items?bbox=1,2,3", "4 numbers"),
        ("/ogcapi/collections/assets/items?f=html", "JSON only"),
        ("/colocation?sort=nonsense", "cannot sort by"),
        ("/api/summary", "say which area"),
    ],
)
def test_bad_parameters_get_400_with_the_reason(client: FlaskClient, url: str, words: str):
    response = client.get(url)
    assert response.status_code == 400
    assert words in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "url",
    [
        "/api/assets/999999",
        "/assets/999999",
        "/api/scenarios/No%20such%20scenario",
        "/scenarios/No%20such%20scenario",
        "/ogcapi/collections/castles",
        "/ogcapi/collections/assets/items/999999",
        "/ogcapi/collections/assets-TRAFFORD-COUNCIL/items/999999",
        "/api/summary?ward=Atlantis",
        "/api/areas/county",
        "/downloads/register/NOBODY.csv",
        "/downloads/colocation.docx",
        "/no/such/page",
    ],
)
def test_unknown_things_get_404(client: FlaskClient, url: str):
    response = client.get(url)
    assert response.status_code == 404
    if url.startswith(("/api", "/ogcapi")):
        assert response.get_json()["code"] == "NotFound"


def test_map_clusters_count_every_located_asset_in_view(client: FlaskClient, terrier: Engine):
    body = client.get("/api/map?bbox=-9,49.8,2,61&zoom=8").get_json()
    assert body["mode"] == "clusters"
    in_view = scalar(terrier, "SELECT count(geom) FROM assets")
    assert sum(f["properties"]["count"] for f in body["features"]) == in_view
    assert len(body["features"]) < in_view / 5, "zoomed out, assets are grouped"


def test_map_shows_assets_one_by_one_zoomed_in_with_the_body_filter(
    client: FlaskClient, terrier: Engine
):
    body = client.get(f"/api/map?bbox={SALE}&zoom=15").get_json()
    assert body["mode"] == "assets"
    bodies = {f["properties"]["body"] for f in body["features"]}
    assert len(bodies) >= 3, "Sale's town centre holds several bodies' buildings"
    lon0, lat0, lon1, lat1 = map(float, SALE.split(","))
    for feature in body["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert lon0 - 1e-4 <= lon <= lon1 + 1e-4 and lat0 - 1e-4 <= lat <= lat1 + 1e-4
    police = client.get(f"/api/map?bbox={SALE}&zoom=15&body=police").get_json()
    assert police["features"]
    assert {f["properties"]["body"] for f in police["features"]} == {"POLICE-GREATER-MANCHESTER"}


def test_map_draws_building_outlines_close_in(client: FlaskClient, terrier: Engine):
    """Leisure centres come with polygons; from zoom 16 they are drawn as such."""
    row = scalar(
        terrier,
        "SELECT ST_AsText(ST_Transform(ST_Centroid(footprint), 4326)) FROM assets "
        "WHERE footprint IS NOT NULL LIMIT 1",
    )
    lon, lat = map(float, row.removeprefix("POINT(").removesuffix(")").split())
    box = f"{lon - 0.003},{lat - 0.002},{lon + 0.003},{lat + 0.002}"
    kinds = {
        f["geometry"]["type"]
        for f in client.get(f"/api/map?bbox={box}&zoom=17").get_json()["features"]
    }
    assert kinds & {"Polygon", "MultiPolygon"}
    far = client.get(f"/api/map?bbox={box}&zoom=15").get_json()["features"]
    assert {f["geometry"]["type"] for f in far} == {"Point"}


def test_assets_are_paged_with_counts_and_a_next_link(client: FlaskClient, terrier: Engine):
    total = scalar(terrier, "SELECT count(*) FROM assets")
    first = client.get("/api/assets?limit=100").get_json()
    assert first["numberMatched"] == total
    assert first["numberReturned"] == 100
    ids = [f["id"] for f in first["features"]]
    assert ids == sorted(ids)
    following = client.get(first["links"][0]["href"]).get_json()
    assert following["features"][0]["id"] > ids[-1]
    council = client.get("/api/assets?body=council&use=library&limit=1000").get_json()
    assert council["numberMatched"] == scalar(
        terrier, "SELECT count(*) FROM assets WHERE use_class = 'library' AND "
        "organisation_id = (SELECT id FROM organisations WHERE kind = 'council')",
    )  # fmt: skip
    assert {f["properties"]["use"] for f in council["features"]} == {"library"}


@pytest.mark.parametrize(
    ("query", "field"),
    [("M33 7ZZ", "postcode"), ("H1", "ref"), ("sale police", "name")],
)
def test_search_finds_by_postcode_reference_and_words_of_the_name(
    client: FlaskClient, query: str, field: str
):
    results = client.get(f"/api/search?q={quote(query)}").get_json()["results"]
    assert results
    top = results[0]
    if field == "postcode":
        assert top["postcode"] == "M33 7ZZ"
    elif field == "ref":
        assert top["ref"] == "H1" and top["body"] == HOSTILE_CODE
    else:
        assert "sale" in top["name"].lower() and "police" in top["name"].lower()


def test_search_by_uprn(client: FlaskClient, terrier: Engine):
    uprn = scalar(terrier, "SELECT uprn FROM assets WHERE uprn IS NOT NULL ORDER BY id LIMIT 1")
    results = client.get(f"/api/search?q={uprn}").get_json()["results"]
    assert results[0]["uprn"] == uprn


def test_a_ward_is_summarised_by_body_with_a_total(client: FlaskClient, terrier: Engine):
    body = client.get("/api/summary?ward=Sale%20Central").get_json()
    rows = {r["body"]: r for r in body["rows"]}
    expected = scalar(
        terrier,
        "SELECT count(*) FROM assets a JOIN areas w ON ST_Intersects(a.geom, w.geom) "
        "WHERE w.kind = 'ward' AND w.name = 'Sale Central'",
    )
    assert rows["ALL"]["assets"] == expected
    assert sum(r["assets"] for b, r in rows.items() if b != "ALL") == expected
    assert len(rows) >= 3


def test_a_drawn_polygon_is_summarised_and_a_bad_one_refused(client: FlaskClient):
    lon0, lat0, lon1, lat1 = map(float, SALE.split(","))
    ring = [[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]
    response = client.post("/api/summary", json={"type": "Polygon", "coordinates": [ring]})
    assert response.status_code == 200
    assert response.get_json()["rows"][-1]["body"] == "ALL"
    line = client.post("/api/summary", json={"type": "LineString", "coordinates": ring})
    assert line.status_code == 400 and "polygon" in line.get_json()["description"]
    junk = client.post("/api/summary", json={"type": "Polygon", "coordinates": "x"})
    assert junk.status_code == 400
    assert client.post("/api/summary", data="not json").status_code == 400


def test_responses_carry_an_etag_and_a_load_invalidates_them(
    client: FlaskClient, terrier: Engine, tmp_path
):
    from estate.etl.pipeline import load_file

    url = f"/api/map?bbox={SALE}&zoom=15"
    first = client.get(url)
    etag = first.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    path = tmp_path / "more.csv"
    path.write_text(
        "AssetCode,PropertyName,PostCode,GeoX,GeoY,TenureType\n"
        "N1,New Sale Hub,M33 7ZZ,378200,392900,Freehold\n",
        encoding="utf-8",
    )
    load_file(terrier, path, organisation="NEWBODY", organisation_name="A new partner")
    try:
        import time

        time.sleep(0.25)  # the data version is read at most every 200 ms
        after = client.get(url, headers={"If-None-Match": etag})
        assert after.status_code == 200
        names = {f["properties"]["name"] for f in after.get_json()["features"]}
        assert "New Sale Hub" in names
    finally:
        from sqlalchemy import text

        with terrier.begin() as conn:
            conn.execute(text("DELETE FROM assets WHERE source_ref = 'N1'"))
            conn.execute(
                text(
                    "DELETE FROM load_batches WHERE organisation_id = "
                    "(SELECT id FROM organisations WHERE code = 'NEWBODY')"
                )
            )
            conn.execute(
                text(
                    "DELETE FROM audit_events WHERE organisation_id = "
                    "(SELECT id FROM organisations WHERE code = 'NEWBODY')"
                )
            )
            conn.execute(text("DELETE FROM organisations WHERE code = 'NEWBODY'"))


def test_clusters_and_candidates_layers_carry_their_reasons(client: FlaskClient):
    clusters = client.get("/api/clusters").get_json()["features"]
    assert clusters and clusters[0]["geometry"]["type"] == "Polygon"
    top = clusters[0]["properties"]
    assert top["bodies"] >= 2 and len(top["members"]) == top["assets"]
    savings = [c["properties"]["saving"] or 0 for c in clusters]
    assert savings == sorted(savings, reverse=True)
    candidates = client.get("/api/candidates").get_json()["features"]
    assert candidates and all(c["properties"]["score"] >= 3 for c in candidates)
    assert all(c["properties"]["reasons"] for c in candidates)
    boxed = client.get(f"/api/candidates?bbox={SALE}").get_json()["features"]
    assert 0 < len(boxed) < len(candidates)


def test_lists_sort_and_page_on_the_server(client: FlaskClient):
    page = client.get("/disposals?sort=name&order=asc").get_data(as_text=True)
    names = re.findall(r'<a href="/assets/\d+">([^<]*)</a>', page)
    assert len(names) > 10
    assert [n.casefold() for n in names] == sorted(n.casefold() for n in names)
    police = client.get("/disposals?body=police").get_data(as_text=True)
    rows = re.findall(r"<tr><td><a href=\"/assets/\d+\">", police)
    assert rows and "Trafford Council" not in police.split("<tbody>")[1]


def test_the_scenario_page_has_the_schedule_and_the_chart_data(client: FlaskClient):
    page = client.get(f"/scenarios/{S}").get_data(as_text=True)
    data = json.loads(re.search(r'id="chart-data">(.*?)</script>', page).group(1))
    assert len(data["years"]) == 10
    assert sum(data["receipts"]) > 0
    assert "vendor/chart.js/chart.umd.js" in page


def test_downloads_are_the_domain_exports(client: FlaskClient):
    workbook = load_workbook(
        io.BytesIO(client.get(f"/downloads/scenarios/{S}/savings-schedule.xlsx").data)
    )
    assert workbook.sheetnames[:2] == ["disposal schedule", "savings (partnership)"]
    register = client.get("/downloads/register/TRAFFORD-COUNCIL.csv").get_data(as_text=True)
    assert register.startswith("OrganisationLabel,")
    assert len(register.strip().splitlines()) == 1 + 608
    geo = client.get("/downloads/disposals.geojson").get_json()
    assert geo["features"] and geo["features"][0]["geometry"]["type"] == "Point"
    gpkg = client.get("/downloads/colocation.gpkg")
    assert gpkg.data[:16] == b"SQLite format 3\x00"


def test_csv_downloads_neutralise_formulas(client: FlaskClient):
    text = client.get(f"/downloads/register/{HOSTILE_CODE}.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in text
    assert ",=HYPERLINK" not in text


def test_pages_send_a_strict_policy(client: FlaskClient):
    """Nothing loads from elsewhere, and no plugin or foreign frame is allowed."""
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "object-src 'none'" in policy
    assert "connect-src 'self'" in policy
    assert client.get("/api/").headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("args", "where"),
    [
        ("use=library", "a.use_class = 'library'"),
        ("body=police,fire", "o.kind IN ('police', 'fire')"),
        ("condition=unknown", "a.condition IS NULL"),
        ("condition=C,D&body=TRAFFORD-COUNCIL", "a.condition IN ('C', 'D') AND o.kind = 'council'"),
        ("tenure=leasehold,unknown", "(a.tenure = 'leasehold' OR a.tenure IS NULL)"),
    ],
)
def test_clusters_zoomed_out_honour_every_filter(
    client: FlaskClient, terrier: Engine, args: str, where: str
):
    body = client.get(f"/api/map?bbox=-9,49.8,2,61&zoom=9&{args}").get_json()
    expected = scalar(
        terrier,
        "SELECT count(a.geom) FROM assets a JOIN organisations o ON o.id = a.organisation_id "
        f"WHERE {where}",
    )
    assert expected > 0
    assert sum(f["properties"]["count"] for f in body["features"]) == expected


@pytest.mark.parametrize(
    ("url", "status"),
    [
        # Request keys that are also url_for's own arguments, kept out of the links.
        ("/ogcapi/collections/assets/items?cid=1&_external=0&limit=2", 200),
        ("/api/assets?limit=1&endpoint=x&_scheme=x", 200),
        ("/api/search?q=,", 200),
        ("/api/assets?body=%00", 400),
        ("/api/search?q=a%00b", 400),
        ("/ogcapi/collections/assets/items/%C2%B2", 404),
    ],
)
def test_odd_input_gets_an_answer_not_a_crash(client: FlaskClient, url: str, status: int):
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    if status == 200 and "items" in url:
        links = response.get_json()["links"]
        assert all("cid=" not in link["href"] for link in links)


def test_a_box_outside_the_grid_holds_nothing(client: FlaskClient):
    # Southern Spain: clipping it to Great Britain's area must not turn it into a strip.
    assert client.get("/api/assets?bbox=-3,37,-2,40").get_json()["numberMatched"] == 0
    assert client.get("/api/map?bbox=-3,37,-2,40&zoom=9").get_json()["features"] == []


def test_a_scenario_name_with_a_slash_has_working_links(client: FlaskClient, terrier: Engine):
    from sqlalchemy.orm import Session

    from estate.analysis.scenarios import create_scenario, get_scenario

    name = "2025/26 review"
    with Session(terrier) as session, session.begin():
        create_scenario(session, name, first_year=2026, horizon_years=5, discount_rate=0.035)
    try:
        listing = client.get("/scenarios").get_data(as_text=True)
        href = re.search(r'href="(/scenarios/2025[^"]*)"', listing).group(1)
        assert client.get(href).status_code == 200
        assert client.get("/api" + href).get_json()["name"] == name
        workbook = client.get("/downloads" + href + "/savings-schedule.xlsx")
        assert workbook.status_code == 200
    finally:
        with Session(terrier) as session, session.begin():
            session.delete(get_scenario(session, name))
