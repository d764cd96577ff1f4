"""The partners' protocol over every route that shows an asset: one police asset marked
sensitive reaches a council user only as "Sensitive site" at the centre of its
kilometre square (no name, address, postcode, UPRN, reference or exact point), while
the police's own users see it whole; and with ``ESTATE_SHARED_FIELDS`` other bodies'
ordinary assets show only the shared fields.

The subject is given a postcode, address and UPRN of its own for the module (the
sample's synthetic police stations share their postcodes with the health centres next
door), so finding any of them in a response can only mean the subject leaked.
"""

from __future__ import annotations

import html
import io
import json
import math
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import Engine, text

from estate.config import Settings
from estate.crs import to_storage
from estate.sharing import SENSITIVE_NAME
from estate.web import create_app
from tests.web.conftest import COUNCIL, POLICE, SCENARIO, csrf_token, sign_in

CELL_M = 1000.0
# Values no other record of the sample has (checked by the fixture).
POSTCODE = "M33 9QJ"
ADDRESS = "17 Quarantine Walk, Sale"
UPRN = "100099887766"
TRAFFORD = "-2.48,53.38,-2.25,53.49"
S = quote(SCENARIO)


@dataclass(frozen=True)
class Subject:
    """The sensitive police asset, as stored."""

    id: int
    name: str
    ref: str
    postcode: str
    address: str
    uprn: str
    lon: float
    lat: float
    x: float
    y: float
    cell_x: float
    cell_y: float
    cell_lon: float
    cell_lat: float

    def box(self, lon: float | None = None, lat: float | None = None, half: float = 0.02) -> str:
        """A WGS84 box around a point (the exact one by default)."""
        lon = self.lon if lon is None else lon
        lat = self.lat if lat is None else lat
        d_lat = half * 0.6
        return f"{lon - half:.6f},{lat - d_lat:.6f},{lon + half:.6f},{lat + d_lat:.6f}"

    @property
    def texts(self) -> dict[str, str]:
        """Its identifying words, those long enough to find in a page without chance."""
        found = {
            "name": self.name,
            "reference": self.ref,
            "postcode": self.postcode,
            "address": self.address,
            "uprn": self.uprn,
        }
        return {k: v for k, v in found.items() if v and len(v) >= 4}


def _bump(conn) -> int:
    """Write an audit event so the app's data version (and so its caches) moves on."""
    return conn.execute(
        text(
            "INSERT INTO audit_events (actor, subject, action, asset_id) "
            "VALUES ('test', 'asset', 'edit', NULL) RETURNING id"
        )
    ).scalar_one()


@pytest.fixture(scope="module")
def subject(terrier: Engine) -> Iterator[Subject]:
    """One located police asset, marked sensitive for the module (restored after)."""
    with terrier.begin() as conn:
        row = (
            conn.execute(
                text(
                    """
                SELECT a.id, a.name, a.source_ref, a.postcode, a.address, a.uprn,
                       a.uprn_number, a.sensitive
                FROM assets a JOIN organisations o ON o.id = a.organisation_id
                WHERE o.code = :police AND a.geom IS NOT NULL AND a.name IS NOT NULL
                  AND a.source_ref IS NOT NULL AND a.location_method = 'lonlat'
                  AND a.status <> 'disposed'
                -- the sample's Sale station: in the first co-location cluster and a
                -- disposal candidate, so the analyses have it to leak
                ORDER BY (a.source_ref = 'SALE-POLICE-STATION-SYNTHETIC') DESC, a.id
                LIMIT 1
                """
                ),
                {"police": POLICE},
            )
            .mappings()
            .one()
        )
        assert not row["sensitive"]
        for column, value in (("postcode", POSTCODE), ("address", ADDRESS), ("uprn", UPRN)):
            clash = conn.execute(
                text(f"SELECT count(*) FROM assets WHERE {column} = :v OR name ILIKE :like"),
                {"v": value, "like": f"%{value}%"},
            ).scalar_one()
            assert clash == 0, f"{value!r} is already in the register"
        others = conn.execute(
            text(
                "SELECT count(*) FROM assets WHERE id <> :id AND (name ILIKE :n "
                "OR address ILIKE :n OR source_ref ILIKE :r)"
            ),
            {"id": row["id"], "n": f"%{row['name']}%", "r": f"%{row['source_ref']}%"},
        ).scalar_one()
        assert others == 0, "the subject's name or reference is in another record"
        conn.execute(
            text(
                "UPDATE assets SET sensitive = true, postcode = :pc, address = :ad, "
                "uprn = :uprn, uprn_number = :n WHERE id = :id"
            ),
            {"pc": POSTCODE, "ad": ADDRESS, "uprn": UPRN, "n": int(UPRN), "id": row["id"]},
        )
        point = conn.execute(
            text(
                f"""
                SELECT ST_X(p), ST_Y(p), x, y, cx, cy,
                       ST_X(ST_Transform(ST_SetSRID(ST_MakePoint(cx, cy), 27700), 4326)),
                       ST_Y(ST_Transform(ST_SetSRID(ST_MakePoint(cx, cy), 27700), 4326))
                FROM (SELECT ST_Transform(geom, 4326) AS p, ST_X(geom) AS x, ST_Y(geom) AS y,
                             (floor(ST_X(geom) / {CELL_M}) + 0.5) * {CELL_M} AS cx,
                             (floor(ST_Y(geom) / {CELL_M}) + 0.5) * {CELL_M} AS cy
                      FROM assets WHERE id = :id) s
                """
            ),
            {"id": row["id"]},
        ).one()
        event = _bump(conn)
    time.sleep(0.25)
    found = Subject(row["id"], row["name"], row["source_ref"], POSTCODE, ADDRESS, UPRN, *point)
    # Else the cell centre could not be told from the real place.
    assert math.hypot(found.x - found.cell_x, found.y - found.cell_y) > 50
    try:
        yield found
    finally:
        with terrier.begin() as conn:
            conn.execute(
                text(
                    "UPDATE assets SET sensitive = :s, postcode = :pc, address = :ad, "
                    "uprn = :uprn, uprn_number = :n WHERE id = :id"
                ),
                {
                    "s": row["sensitive"], "pc": row["postcode"], "ad": row["address"],
                    "uprn": row["uprn"], "n": row["uprn_number"], "id": row["id"],
                },
            )  # fmt: skip
            conn.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": event})
        time.sleep(0.25)


# --- finding the subject in a response --------------------------------------------


def _number(value: float, decimals: int) -> list[str]:
    """How a coordinate may be printed, cut to ``decimals``: rounded, or the start of
    its 6-decimal form or of its full form."""
    full = repr(value)
    cut = full[: full.index(".") + 1 + decimals]
    return sorted({f"{value:.{decimals}f}", f"{value:.6f}"[: -(6 - decimals)], cut})


def _near(text_: str, first: list[str], second: list[str], *, prefix: bool) -> bool:
    """Whether a number written as one of ``first`` has one written as one of ``second``
    within 200 characters (with ``prefix``, numbers that start so)."""
    tail = r"\d*" if prefix else r"(?!\d)"
    a = re.compile("|".join(rf"(?<![\d.]){re.escape(v)}{tail}" for v in first))
    b = re.compile("|".join(rf"(?<![\d.]){re.escape(v)}{tail}" for v in second))
    for match in a.finditer(text_):
        if b.search(text_[max(0, match.start() - 200) : match.end() + 200]):
            return True
    return False


def _walk(value: object) -> Iterator[object]:
    yield value
    if isinstance(value, dict):
        for v in value.values():
            yield from _walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v)


def _json_points_near(body: object, s: Subject, tolerance_m: float = 15.0) -> list[str]:
    """Coordinates in parsed JSON within ``tolerance_m`` of the real point."""
    found = []
    d_lon = tolerance_m / (111_320 * math.cos(math.radians(s.lat)))
    d_lat = tolerance_m / 110_574

    def close_lonlat(lon: object, lat: object) -> bool:
        return (
            isinstance(lon, int | float)
            and isinstance(lat, int | float)
            and abs(lon - s.lon) <= d_lon
            and abs(lat - s.lat) <= d_lat
        )

    def close_bng(x: object, y: object) -> bool:
        return (
            isinstance(x, int | float)
            and isinstance(y, int | float)
            and math.hypot(x - s.x, y - s.y) <= tolerance_m
        )

    for value in _walk(body):
        if isinstance(value, list) and len(value) >= 2 and close_lonlat(value[0], value[1]):
            found.append(f"coordinates {value}")
        if isinstance(value, dict):
            for lon_key, lat_key in (("lon", "lat"), ("longitude", "latitude")):
                if close_lonlat(value.get(lon_key), value.get(lat_key)):
                    found.append(f"{lon_key}/{lat_key} {value.get(lon_key)}, {value.get(lat_key)}")
            for x_key, y_key in (("x", "y"), ("easting", "northing"), ("GeoX", "GeoY")):
                if close_bng(value.get(x_key), value.get(y_key)):
                    found.append(f"{x_key}/{y_key} {value.get(x_key)}, {value.get(y_key)}")
    return found


def exposed(body: str, s: Subject, parsed: object = None) -> list[str]:
    """What of the subject's identity or real place ``body`` shows."""
    found = [
        f"{label} {value!r}"
        for label, value in s.texts.items()
        if value in body or html.escape(value) in body
    ]
    if _near(body, _number(s.lon, 4), _number(s.lat, 4), prefix=True):
        found.append(f"WGS84 point {s.lon:.6f},{s.lat:.6f}")
    eastings = sorted({str(math.floor(s.x)), str(round(s.x))})
    northings = sorted({str(math.floor(s.y)), str(round(s.y))})
    commas = lambda values: [f"{int(v):,}" for v in values]  # noqa: E731
    if _near(body, eastings, northings, prefix=False) or _near(
        body, commas(eastings), commas(northings), prefix=False
    ):
        found.append(f"BNG point {s.x:.1f},{s.y:.1f}")
    if parsed is not None:
        found += _json_points_near(parsed, s)
    return found


def body_text(response) -> tuple[str, object]:
    """A response's text (every cell of a workbook, one row a line) and its JSON."""
    data = response.get_data()
    if response.content_type.startswith("application/vnd.openxmlformats"):
        book = load_workbook(io.BytesIO(data), read_only=True)
        lines = []
        for sheet in book.worksheets:
            for row in sheet.iter_rows(values_only=True):
                lines.append(",".join("" if v is None else str(v) for v in row))
        return "\n".join(lines), None
    if response.content_type.startswith("application/geopackage"):
        # Text columns are stored as UTF-8 in the SQLite file; points are binary.
        return data.decode("utf-8", errors="replace"), None
    textual = data.decode("utf-8")
    parsed = None
    if "json" in response.content_type:
        parsed = json.loads(textual)
        if isinstance(parsed, dict) and "query" in parsed:
            # The search's echo of what was asked is the asker's own words.
            parsed = {k: v for k, v in parsed.items() if k != "query"}
            textual = json.dumps(parsed, ensure_ascii=False)
    return textual, parsed


# --- every route that shows assets, as a council user -----------------------------

# {box}: 2 km around the real point; {id}, {name}, {postcode}, {ref}, {uprn}: the subject's.
ROUTES = [
    "/api/map?bbox={box}&zoom=12",
    f"/api/map?bbox={TRAFFORD}&zoom=10",
    "/api/map?bbox={box}&zoom=14",
    "/api/map?bbox={box}&zoom=16",
    "/api/map?bbox={box}&zoom=16&body=" + POLICE,
    "/api/assets?bbox={box}&limit=10000",
    "/api/assets?limit=10000",
    "/api/assets?limit=10000&offset=0&body=" + POLICE,
    "/api/assets/{id}",
    "/api/search?q={name}",
    "/api/search?q={postcode}",
    "/api/search?q={ref}",
    "/api/search?q={uprn}",
    "/api/search?q={address}",
    "/api/search?q=Sensitive&limit=100",
    "/api/search?q=police&limit=100",
    "/api/summary?ward=Sale%20Central",
    "/api/clusters",
    "/api/clusters?bbox={box}&distance=1000",
    "/api/candidates",
    "/api/candidates?min_score=1&limit=10000",
    "/api/scenarios/" + S,
    "/ogcapi/collections",
    "/ogcapi/collections/assets/items?bbox={box}&limit=10000",
    "/ogcapi/collections/assets/items?limit=10000",
    f"/ogcapi/collections/assets-{POLICE}/items?limit=10000",
    "/ogcapi/collections/assets/items/{id}",
    f"/ogcapi/collections/assets-{POLICE}/items/{{id}}",
    "/ogcapi/collections/colocation-clusters/items?limit=10000",
    "/ogcapi/collections/disposal-candidates/items?limit=10000",
    "/",
    "/assets/{id}",
    "/colocation",
    f"/colocation?body={POLICE},{COUNCIL}",
    "/colocation?distance=1000",
    "/disposals",
    f"/disposals?body={POLICE}&min_score=1",
    "/scenarios/" + S,
    f"/downloads/register/{POLICE}.csv",
    f"/downloads/register/{POLICE}.xlsx",
    "/downloads/colocation.csv",
    "/downloads/colocation.geojson",
    "/downloads/colocation.xlsx",
    "/downloads/colocation.gpkg",
    "/downloads/disposals.csv",
    "/downloads/disposals.geojson",
    "/downloads/disposals.xlsx",
    "/downloads/disposals.gpkg",
    f"/downloads/disposals.csv?body={POLICE}&min_score=1",
    f"/downloads/scenarios/{S}/disposal-schedule.csv",
    # The places (issue 16): from the site itself, and the analyses by place.
    "/api/assets/{id}/nearby?distance=2000",
    "/assets/{id}/nearby.csv?distance=2000",
    "/api/clusters?area=Sale%20Central&body=" + POLICE,
    f"/colocation?area=Sale%20Central&body={POLICE}",
    "/api/candidates?min_score=1&area=Sale%20Central",
    "/radar?months=120",
    "/radar.csv?months=120",
    "/api/radar?months=120",
]


def url_for_subject(template: str, s: Subject) -> str:
    return template.format(
        box=s.box(),
        id=s.id,
        name=quote(s.name),
        postcode=quote(s.postcode),
        ref=quote(s.ref),
        uprn=quote(s.uprn),
        address=quote(s.address),
    )


@pytest.mark.parametrize("route", ROUTES)
def test_a_council_user_never_sees_the_police_sensitive_site(
    client_as: Callable[[str], FlaskClient], subject: Subject, route: str
):
    url = url_for_subject(route, subject)
    response = client_as("viewer").get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    body, parsed = body_text(response)
    assert exposed(body, subject, parsed) == [], url


# Routes that show the owner its own sensitive site, and what of it they show.
OWNER_SEES = {
    "/api/assets/{id}": ("name", "reference", "postcode", "point"),
    "/api/map?bbox={box}&zoom=16": ("name", "point"),
    "/api/map?bbox={box}&zoom=14": ("name", "point"),
    "/api/assets?bbox={box}&limit=10000": ("name", "reference", "postcode", "point"),
    "/api/search?q={name}": ("name", "point"),
    "/api/search?q={postcode}": ("name", "point"),
    "/api/search?q={ref}": ("name", "point"),
    "/ogcapi/collections/assets/items/{id}": ("name", "reference", "point"),
    f"/ogcapi/collections/assets-{POLICE}/items?limit=10000": ("name", "reference", "point"),
    "/assets/{id}": ("name", "reference", "postcode"),
    f"/downloads/register/{POLICE}.csv": ("name", "reference", "postcode", "uprn", "bng"),
    f"/downloads/register/{POLICE}.xlsx": ("name", "reference", "postcode", "bng"),
    "/api/clusters": ("name",),
    "/colocation": ("name",),
    f"/disposals?body={POLICE}&min_score=1": ("name",),
    f"/downloads/disposals.csv?body={POLICE}&min_score=1": ("name", "reference", "bng"),
}


@pytest.mark.parametrize("route", list(OWNER_SEES))
def test_the_police_see_their_own_sensitive_site_whole(
    client_as: Callable[[str], FlaskClient], subject: Subject, route: str
):
    url = url_for_subject(route, subject)
    response = client_as("police-viewer").get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    body, parsed = body_text(response)
    shown = exposed(body, subject, parsed)
    for what in OWNER_SEES[route]:
        if what == "point":
            assert any("WGS84" in s for s in shown), f"{url}: no exact point in {shown}"
        elif what == "bng":
            assert any("BNG" in s for s in shown), f"{url}: no BNG point in {shown}"
        else:
            assert any(s.startswith(what) for s in shown), f"{url}: no {what} in {shown}"


# --- what is left of it, and where ------------------------------------------------


def test_the_council_gets_the_site_generalised_to_its_cell_centre(
    client_as: Callable[[str], FlaskClient], subject: Subject
):
    feature = client_as("viewer").get(f"/api/assets/{subject.id}").get_json()
    props = feature["properties"]
    assert props["name"] == SENSITIVE_NAME
    assert props["body"] == POLICE
    assert props["sensitive"] is True
    for hidden in (
        "source_ref", "uprn", "address", "town", "postcode", "rent", "rates", "fm_cost",
        "energy_cost", "maintenance_cost", "running_cost", "backlog_cost", "valuation",
        "source_file", "source_row", "load_batch_id", "occupants_fte", "updated_at",
    ):  # fmt: skip
        assert props[hidden] is None, hidden
    assert props["has_footprint"] is False
    assert props["location_method"] == "generalised"
    assert (props["easting"], props["northing"]) == (subject.cell_x, subject.cell_y)
    lon, lat = feature["geometry"]["coordinates"]
    x, y = to_storage(lon, lat)
    assert abs(x - subject.cell_x) < 0.5 and abs(y - subject.cell_y) < 0.5
    assert props["matches"] == []


def test_the_police_get_their_site_at_its_real_place(
    client_as: Callable[[str], FlaskClient], subject: Subject
):
    feature = client_as("police-viewer").get(f"/api/assets/{subject.id}").get_json()
    props = feature["properties"]
    assert (props["name"], props["source_ref"], props["postcode"], props["uprn"]) == (
        subject.name, subject.ref, subject.postcode, subject.uprn,
    )  # fmt: skip
    assert (props["easting"], props["northing"]) == pytest.approx((subject.x, subject.y))
    lon, lat = feature["geometry"]["coordinates"]
    assert (lon, lat) == pytest.approx((subject.lon, subject.lat), abs=1e-6)


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return {f["id"] for f in response.get_json()["features"]}


@pytest.mark.parametrize("prefix", ["/api/assets", "/ogcapi/collections/assets/items"])
def test_a_box_finds_the_site_at_its_cell_centre_not_at_its_place(
    client_as: Callable[[str], FlaskClient], subject: Subject, prefix: str
):
    council, police = client_as("viewer"), client_as("police-viewer")
    at_place = f"{prefix}?limit=10000&bbox={subject.box(half=0.0008)}"
    at_centre = f"{prefix}?limit=10000&bbox=" + subject.box(
        subject.cell_lon, subject.cell_lat, half=0.0008
    )
    assert subject.id not in _ids(council.get(at_place))
    assert subject.id in _ids(council.get(at_centre))
    assert subject.id in _ids(police.get(at_place))
    assert subject.id not in _ids(police.get(at_centre))


def _square(lon: float, lat: float, half: float = 0.0008) -> dict:
    d_lat = half * 0.6
    ring = [
        [lon - half, lat - d_lat],
        [lon + half, lat - d_lat],
        [lon + half, lat + d_lat],
        [lon - half, lat + d_lat],
        [lon - half, lat - d_lat],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def _police_count(client: FlaskClient, polygon: dict) -> int:
    response = client.post("/api/summary", json=polygon)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    rows = response.get_json()["rows"]
    return sum(r["assets"] for r in rows if r["body"] == POLICE)


def test_a_drawn_area_counts_the_site_at_its_cell_centre_not_at_its_place(
    client_as: Callable[[str], FlaskClient], subject: Subject, terrier: Engine
):
    council, police = client_as("viewer"), client_as("police-viewer")
    at_place = _square(subject.lon, subject.lat)
    at_centre = _square(subject.cell_lon, subject.cell_lat)

    def stored(polygon: dict) -> int:
        """Other police assets really in the polygon."""
        with terrier.connect() as conn:
            return conn.execute(
                text(
                    "SELECT count(*) FROM assets a JOIN organisations o "
                    "ON o.id = a.organisation_id WHERE o.code = :p AND a.id <> :id "
                    "AND ST_Intersects(a.geom, ST_Transform(ST_SetSRID("
                    "ST_GeomFromGeoJSON(:g), 4326), 27700))"
                ),
                {"p": POLICE, "id": subject.id, "g": json.dumps(polygon)},
            ).scalar_one()

    assert _police_count(council, at_place) == stored(at_place)
    assert _police_count(council, at_centre) == stored(at_centre) + 1
    assert _police_count(police, at_place) == stored(at_place) + 1


@pytest.mark.parametrize("field", ["name", "postcode", "ref", "uprn", "address"])
def test_search_by_what_only_the_owner_knows_finds_nothing_for_the_council(
    client_as: Callable[[str], FlaskClient], subject: Subject, field: str
):
    value = {
        "name": subject.name,
        "postcode": subject.postcode,
        "ref": subject.ref,
        "uprn": subject.uprn,
        "address": subject.address,
    }[field]
    council = client_as("viewer").get("/api/search", query_string={"q": value}).get_json()
    assert subject.id not in [r["id"] for r in council["results"]]
    police = client_as("police-viewer").get("/api/search", query_string={"q": value}).get_json()
    assert subject.id in [r["id"] for r in police["results"]]


def test_the_council_map_draws_the_site_at_its_cell_centre(
    client_as: Callable[[str], FlaskClient], subject: Subject
):
    box = subject.box(subject.cell_lon, subject.cell_lat, half=0.03)
    body = client_as("viewer").get(f"/api/map?bbox={box}&zoom=16").get_json()
    mine = [f for f in body["features"] if f["id"] == subject.id]
    assert len(mine) == 1
    assert mine[0]["properties"]["name"] == SENSITIVE_NAME
    assert mine[0]["geometry"]["type"] == "Point"
    x, y = to_storage(*mine[0]["geometry"]["coordinates"])
    assert abs(x - subject.cell_x) < 0.5 and abs(y - subject.cell_y) < 0.5


def test_the_analyses_leave_the_generalised_site_out_of_clusters_and_moves(
    client_as: Callable[[str], FlaskClient], subject: Subject
):
    """A point a kilometre square's centre is nobody's neighbour: in a cluster, or as
    a receiving site, it would say the site is within metres of a partner's."""
    council, police = client_as("viewer"), client_as("police-viewer")

    def members(client: FlaskClient) -> set[int]:
        features = client.get("/api/clusters?distance=1000").get_json()["features"]
        return {i for f in features for i in f["properties"]["member_ids"]}

    assert subject.id not in members(council)
    assert subject.id in members(police)
    url = "/api/candidates?min_score=1&limit=10000&distance=50000"
    for feature in council.get(url).get_json()["features"]:
        props = feature["properties"]
        assert props["receiving_id"] != subject.id
        if props["id"] == subject.id:
            assert props["name"] == SENSITIVE_NAME


# --- a record of another body matched to the sensitive site ------------------------


@pytest.fixture
def matched(terrier: Engine, subject: Subject) -> Iterator[int]:
    """A council record matched to the subject by UPRN (as a load records it when both
    bodies publish the same property); the council asset's id."""
    with terrier.begin() as conn:
        other, distance = conn.execute(
            text(
                "SELECT b.id, round(ST_Distance(a.geom, b.geom)::numeric, 1) "
                "FROM assets a, assets b JOIN organisations o ON o.id = b.organisation_id "
                "WHERE a.id = :id AND o.code = :c AND b.geom IS NOT NULL "
                "ORDER BY a.geom <-> b.geom LIMIT 1"
            ),
            {"id": subject.id, "c": COUNCIL},
        ).one()
        conn.execute(
            text(
                "INSERT INTO asset_matches (asset_id, other_id, method, distance_m, "
                "name_similarity) VALUES (least(:a, :b), greatest(:a, :b), 'uprn', :d, 0.1)"
            ),
            {"a": subject.id, "b": other, "d": distance},
        )
        event = _bump(conn)
    time.sleep(0.25)
    try:
        yield other
    finally:
        with terrier.begin() as conn:
            conn.execute(
                text(
                    "DELETE FROM asset_matches WHERE asset_id = least(:a, :b) "
                    "AND other_id = greatest(:a, :b)"
                ),
                {"a": subject.id, "b": other},
            )
            conn.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": event})
        time.sleep(0.25)


def test_a_match_does_not_tell_the_council_where_the_sensitive_site_is(
    client_as: Callable[[str], FlaskClient], subject: Subject, matched: int
):
    """How far the site is from a record the council can see, or that it shares the
    council record's UPRN, places it far more closely than its cell."""
    council = client_as("viewer")
    own = council.get(f"/api/assets/{matched}").get_json()["properties"]["matches"]
    assert [m for m in own if m["id"] == subject.id] == []
    its = council.get(f"/api/assets/{subject.id}").get_json()["properties"]["matches"]
    assert [m for m in its if m["id"] == matched] == []
    page = council.get(f"/assets/{matched}").get_data(as_text=True)
    assert f'/assets/{subject.id}"' not in page
    # The owner sees the match of its own site.
    police = client_as("police-viewer")
    theirs = police.get(f"/api/assets/{subject.id}").get_json()["properties"]["matches"]
    assert [m["id"] for m in theirs] == [matched]


# --- shared fields ----------------------------------------------------------------


@pytest.fixture(scope="module")
def shared_app(terrier: Engine, settings: Settings) -> Flask:
    return create_app(settings.with_(shared_fields=("name", "gia_m2")), engine=terrier)


def _signed_in(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    response = sign_in(client, username)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def test_only_the_shared_fields_of_another_bodys_assets_are_shown(
    shared_app: Flask, terrier: Engine, subject: Subject
):
    with terrier.connect() as conn:
        other = (
            conn.execute(
                text(
                    "SELECT a.id, a.name, a.postcode, a.address, a.source_ref "
                    "FROM assets a JOIN organisations o ON o.id = a.organisation_id "
                    "WHERE o.code = :p AND NOT a.sensitive AND a.name IS NOT NULL "
                    "AND a.postcode IS NOT NULL AND a.address IS NOT NULL "
                    "AND num_nonnulls(a.rent, a.rates, a.fm_cost) > 0 ORDER BY a.id LIMIT 1"
                ),
                {"p": POLICE},
            )
            .mappings()
            .one()
        )
    council = _signed_in(shared_app, "viewer")
    response = council.get(f"/api/assets/{other['id']}")
    props = response.get_json()["properties"]
    assert props["name"] == other["name"]
    for hidden in (
        "postcode", "address", "source_ref", "uprn", "rent", "rates", "fm_cost",
        "running_cost", "occupants_fte", "tenure", "source_file",
    ):  # fmt: skip
        assert props[hidden] is None, hidden
    body = response.get_data(as_text=True)
    assert other["postcode"] not in body and other["source_ref"] not in body
    # Listed, no police asset carries more than the shared fields either.
    listed = council.get(f"/api/assets?limit=10000&body={POLICE}").get_json()["features"]
    assert listed
    for feature in listed:
        for hidden in ("postcode", "address", "ref", "uprn", "running_cost", "tenure"):
            assert feature["properties"][hidden] is None, (feature["id"], hidden)
    # A sensitive site stays generalised whatever is shared.
    sensitive = council.get(f"/api/assets/{subject.id}").get_json()["properties"]
    assert sensitive["name"] == SENSITIVE_NAME
    assert (sensitive["easting"], sensitive["northing"]) == (subject.cell_x, subject.cell_y)

    police = _signed_in(shared_app, "police-viewer")
    own = police.get(f"/api/assets/{other['id']}").get_json()["properties"]
    assert (own["postcode"], own["address"]) == (other["postcode"], other["address"])
    assert own["running_cost"] is not None


# --- the property club: posts on the site, made before and after it became sensitive --


@dataclass(frozen=True)
class ClubPosts:
    """Police posts on the subject (offer and need) from before and after it was marked
    sensitive, and a council need at the centre of the subject's cell."""

    offers: tuple[int, int]
    needs: tuple[int, int]
    council_need: int


def _post(client: FlaskClient, page: str, data: dict) -> int:
    token = csrf_token(client, page)
    response = client.post(page, data={**data, "csrf_token": token})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def _set_sensitive(terrier: Engine, asset_id: int, sensitive: bool) -> int:
    with terrier.begin() as conn:
        conn.execute(
            text("UPDATE assets SET sensitive = :s WHERE id = :id"),
            {"s": sensitive, "id": asset_id},
        )
        event = _bump(conn)
    time.sleep(0.25)
    return event


@pytest.fixture
def club_posts(
    terrier: Engine, subject: Subject, client_as: Callable[[str], FlaskClient]
) -> Iterator[ClubPosts]:
    police = client_as("police-editor")
    # Titles and notes as an editor would write them: naming the site.
    offer = {"kind": "space", "title": f"Ground floor of {subject.name}", "area_m2": "150",
             "available_from": "2027-01-01", "asset_id": str(subject.id),
             "notes": f"Ask at {subject.address}"}  # fmt: skip
    need = {"title": f"Interview rooms at {subject.name}", "min_m2": "20", "radius_m": "3000",
            "needed_by": "2027-06-01", "asset_id": str(subject.id),
            "notes": f"Near {subject.postcode}"}  # fmt: skip
    events = [_set_sensitive(terrier, subject.id, False)]
    before = (_post(police, "/club/offers/new", offer), _post(police, "/club/needs/new", need))
    events.append(_set_sensitive(terrier, subject.id, True))
    after = (_post(police, "/club/offers/new", offer), _post(police, "/club/needs/new", need))
    council_need = _post(
        client_as("editor"),
        "/club/needs/new",
        {"title": "Drop-in office", "min_m2": "20", "radius_m": "3000",
         "needed_by": "2027-06-01", "lon": f"{subject.cell_lon:.6f}",
         "lat": f"{subject.cell_lat:.6f}"},
    )  # fmt: skip
    try:
        yield ClubPosts((before[0], after[0]), (before[1], after[1]), council_need)
    finally:
        with terrier.begin() as conn:
            needs = [before[1], after[1], council_need]
            conn.execute(text("DELETE FROM club_needs WHERE id = ANY(:ids)"), {"ids": needs})
            conn.execute(
                text("DELETE FROM club_offers WHERE id = ANY(:ids)"),
                {"ids": [before[0], after[0]]},
            )
            conn.execute(
                text(
                    "DELETE FROM audit_events WHERE subject IN ('need', 'offer') "
                    "AND subject_id = ANY(:ids) OR id = ANY(:events)"
                ),
                {"ids": [*needs, before[0], after[0]], "events": events},
            )
            _bump(conn)
        time.sleep(0.25)


def _club_routes(p: ClubPosts) -> list[str]:
    return [
        "/club/",
        "/club/api/offers",
        "/club/api/needs",
        f"/club/api/needs/{p.council_need}/matches",
        *(f"/club/offers/{i}" for i in p.offers),
        *(f"/club/api/offers/{i}/matches" for i in p.offers),
        *(f"/club/needs/{i}" for i in p.needs),
        *(f"/club/api/needs/{i}/matches" for i in p.needs),
        f"/club/needs/{p.council_need}",
    ]


def test_the_club_never_shows_the_council_the_sensitive_site(
    client_as: Callable[[str], FlaskClient], subject: Subject, club_posts: ClubPosts
):
    """Whether posted before or after the site was marked sensitive, the council reads
    the police's posts on it as "Sensitive site" at the centre of its cell."""
    council = client_as("viewer")
    for url in _club_routes(club_posts):
        response = council.get(url)
        assert response.status_code == 200, (url, response.get_data(as_text=True)[:300])
        body, parsed = body_text(response)
        assert exposed(body, subject, parsed) == [], url
    offers = {
        f["properties"]["id"]: f
        for f in council.get("/club/api/offers").get_json()["features"]
        if f["properties"]["id"] in club_posts.offers
    }
    assert [offers[i]["properties"]["title"] for i in club_posts.offers] == [SENSITIVE_NAME] * 2
    for feature in offers.values():
        lon, lat = feature["geometry"]["coordinates"]
        assert (lon, lat) == pytest.approx((subject.cell_lon, subject.cell_lat), abs=1e-5)
    # The council's need sits at the cell centre: the distance it is told is from there.
    matches = council.get(f"/club/api/needs/{club_posts.council_need}/matches").get_json()
    distances = {
        f["properties"]["offer_id"]: f["properties"]["distance_m"]
        for f in matches["features"]
        if f["properties"].get("offer_id") in club_posts.offers
    }
    assert sorted(distances) == sorted(club_posts.offers)
    assert all(d < 2.0 for d in distances.values()), distances


def test_the_police_see_their_club_posts_on_the_site_whole(
    client_as: Callable[[str], FlaskClient], subject: Subject, club_posts: ClubPosts
):
    police = client_as("police-viewer")
    for offer in club_posts.offers:
        page = police.get(f"/club/offers/{offer}").get_data(as_text=True)
        assert html.escape(f"Ground floor of {subject.name}") in page
        assert html.escape(subject.address) in page
    offers = police.get("/club/api/offers").get_json()["features"]
    ours = [f for f in offers if f["properties"]["id"] in club_posts.offers]
    assert len(ours) == 2
    for feature in ours:
        lon, lat = feature["geometry"]["coordinates"]
        assert (lon, lat) == pytest.approx((subject.lon, subject.lat), abs=1e-5)
