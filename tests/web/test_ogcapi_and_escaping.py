"""OGC API - Features read by a real client (GDAL's OAPIF driver, over HTTP), and text
from data files escaped on every page."""

from __future__ import annotations

import re
import subprocess

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine

from tests.web.conftest import (
    HOSTILE_BODY,
    HOSTILE_CODE,
    HOSTILE_NAME,
    PASSWORD,
    SCENARIO,
    scalar,
)


def ogrinfo(*args: str) -> str:
    # A program signs in with HTTP Basic credentials (GDAL sends them with each request).
    done = subprocess.run(
        ["ogrinfo", "-ro", "--config", "GDAL_HTTP_USERPWD", f"viewer:{PASSWORD}", *args],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_gdal_lists_the_collections(server: str, terrier: Engine):
    listing = ogrinfo(f"OAPIF:{server}/ogcapi")
    layers = set(re.findall(r"^\d+: (\S+)", listing, re.MULTILINE))
    assert {
        "assets",
        "assets-TRAFFORD-COUNCIL",
        "colocation-clusters",
        "disposal-candidates",
    } <= layers
    assert f"assets-{HOSTILE_CODE}" in layers


def test_gdal_counts_and_reads_every_asset_through_paging(server: str, terrier: Engine):
    located = scalar(terrier, "SELECT count(*) FROM assets")
    summary = ogrinfo("-so", f"OAPIF:{server}/ogcapi", "assets")
    assert f"Feature Count: {located}" in summary
    # Read every feature (GDAL follows the next links, 100 at a time by default here).
    full = ogrinfo("-q", "-oo", "PAGE_SIZE=250", f"OAPIF:{server}/ogcapi", "assets")
    assert full.count("OGRFeature(assets)") == located
    council = ogrinfo("-so", f"OAPIF:{server}/ogcapi", "assets-TRAFFORD-COUNCIL")
    assert "Feature Count: 608" in council


def test_gdal_reads_a_bbox(server: str, terrier: Engine):
    inside = scalar(
        terrier,
        "SELECT count(*) FROM assets WHERE ST_Intersects(geom, ST_Transform(ST_Segmentize("
        "ST_MakeEnvelope(-2.335, 53.418, -2.305, 53.436, 4326), 0.05), 27700))",
    )
    out = ogrinfo(
        "-q", "-spat", "-2.335", "53.418", "-2.305", "53.436", f"OAPIF:{server}/ogcapi", "assets"
    )
    assert 0 < out.count("OGRFeature(assets)") == inside


def test_items_page_with_limit_offset_and_next_links(client: FlaskClient, terrier: Engine):
    total = scalar(terrier, "SELECT count(*) FROM assets")
    first = client.get("/ogcapi/collections/assets/items?limit=50").get_json()
    assert first["numberMatched"] == total and first["numberReturned"] == 50
    following = next(link for link in first["links"] if link["rel"] == "next")
    assert "offset=50" in following["href"]
    last = client.get(f"/ogcapi/collections/assets/items?limit=50&offset={total - 10}").get_json()
    assert last["numberReturned"] == 10
    assert not [link for link in last["links"] if link["rel"] == "next"]
    one = client.get("/ogcapi/collections/assets/items/1").get_json()
    assert one["id"] == 1 and one["type"] == "Feature"
    cluster = client.get("/ogcapi/collections/colocation-clusters/items/1").get_json()
    assert cluster["properties"]["cluster"] == 1


def hostile_id(terrier: Engine) -> int:
    return scalar(terrier, "SELECT id FROM assets WHERE source_ref = 'H1'")


def html_pages(terrier: Engine) -> list[str]:
    from urllib.parse import quote

    return [
        "/",
        f"/assets/{hostile_id(terrier)}",
        "/colocation",
        "/disposals",
        "/disposals?sort=name&order=desc",
        "/scenarios",
        f"/scenarios/{quote(SCENARIO)}",
        "/quality",
        "/downloads/",
        "/no/such/page",
    ]


def test_hostile_text_is_escaped_on_every_page(client: FlaskClient, terrier: Engine):
    for url in html_pages(terrier):
        page = client.get(url).get_data(as_text=True)
        assert HOSTILE_NAME not in page, url
        assert "<script>alert(2)</script>" not in page, url
    asset = client.get(f"/assets/{hostile_id(terrier)}").get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt;" in asset
    assert "&lt;script&gt;alert(2)&lt;/script&gt; Trust" in asset
    # The map's script (/map.js, since the page runs no inline script) carries the bodies'
    # names as JSON, escaped as for HTML all the same.
    script = client.get("/map.js").get_data(as_text=True)
    assert "\\u003cscript\\u003ealert(2)\\u003c/script\\u003e Trust" in script
    assert "<script>alert(2)</script>" not in script


@pytest.mark.parametrize(
    "url",
    [
        "/api/search?q=H1",
        "/api/assets?body=HOSTILE",
        "/ogcapi/collections/assets-HOSTILE/items",
        "/api/bodies",
    ],
)
def test_apis_return_hostile_text_as_data_never_as_html(client: FlaskClient, url: str):
    response = client.get(url)
    assert response.status_code == 200
    assert response.content_type.startswith(("application/json", "application/geo+json"))
    data = response.get_data(as_text=True)
    assert "alert(" in data  # the text itself, kept as it was published
    assert HOSTILE_NAME in data or HOSTILE_BODY in data


def test_analysis_items_one_by_one(client: FlaskClient):
    candidates = client.get("/ogcapi/collections/disposal-candidates/items?limit=3").get_json()
    first = candidates["features"][0]["properties"]
    one = client.get(f"/ogcapi/collections/disposal-candidates/items/{first['id']}").get_json()
    assert one["id"] == str(first["id"]) and one["properties"]["name"] == first["name"]
    assert client.get("/ogcapi/collections/disposal-candidates/items/0").status_code == 404
    assert client.get("/ogcapi/collections/colocation-clusters/items/x").status_code == 404
