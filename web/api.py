"""The JSON API under ``/api/``: assets (GeoJSON, by box and filters, paged), what the
map draws for a view, search, one asset, clusters, candidates, scenarios, areas and
summaries. Documented in ``/api/openapi.json``.
"""

from __future__ import annotations

import json

import pandas as pd
import shapely
from flask import Blueprint, Response, abort, jsonify, request, url_for

from estate import mapfeatures, mapsummary
from estate.exports import geojson_text
from estate.mapquery import AssetFilter, BadQuery
from estate.pointindex import PointIndex, ground_resolution
from estate.web.auth import csrf, viewer, viewer_of
from estate.web.cache import cached, computed, organisations
from estate.web.params import (
    ASSETS_CAP,
    CANDIDATES_CAP,
    CLUSTERS_CAP,
    SEARCH_CAP,
    bbox_arg,
    bodies_arg,
    float_arg,
    int_arg,
    limit_arg,
    place_arg,
)
from estate.web.presentation import body_styles
from estate.web.results import (
    candidates_result,
    colocation_result,
    located_candidates,
    located_clusters,
    scenario_result,
    scenario_rows,
)
from estate.web.state import connection, state, version

bp = Blueprint("api", __name__, url_prefix="/api")

GEOJSON = "application/geo+json"
# At most this many assets drawn one by one in a view; past it the view is clustered.
MAP_POINTS_LIMIT = 5_000


PASSED_ON = ("bbox", "body", "use", "tenure", "status", "condition", "f", "area", "polygon")


def with_members(collection: str, members: dict) -> str:
    """A FeatureCollection's text with more top-level members, after its ``type``."""
    head = '{"type":"FeatureCollection",'
    if not collection.startswith(head):
        raise ValueError("not a FeatureCollection as estate writes them")
    extra = "".join(f"{json.dumps(k)}:{json.dumps(v)}," for k, v in members.items())
    return head + extra + collection[len(head) :]


def page_href(endpoint: str, *, external: bool = False, offset: int, limit: int, **path) -> str:
    """A link to another page of the same query: the request's own filters (only the
    known ones) with a new offset and limit."""
    from urllib.parse import urlencode

    args = {k: request.args[k] for k in PASSED_ON if k in request.args}
    args.update(limit=limit, offset=offset)
    return url_for(endpoint, _external=external, **path) + "?" + urlencode(args)


@bp.get("/")
def index():
    """What the API offers, with links."""
    return jsonify(
        title="estate: the locality's public estate terrier",
        links=[
            {"rel": "service-desc", "href": url_for("api.openapi"), "type": "application/json"},
            {"rel": "assets", "href": url_for("api.assets"), "type": GEOJSON},
            {"rel": "map", "href": url_for("api.map_features"), "type": GEOJSON},
            {"rel": "search", "href": url_for("api.search"), "type": "application/json"},
            {"rel": "clusters", "href": url_for("api.clusters"), "type": GEOJSON},
            {"rel": "candidates", "href": url_for("api.candidates"), "type": GEOJSON},
            {"rel": "scenarios", "href": url_for("api.scenarios"), "type": "application/json"},
            {"rel": "bodies", "href": url_for("api.bodies"), "type": "application/json"},
            {"rel": "quality", "href": url_for("api.quality"), "type": "application/json"},
            {"rel": "ogcapi", "href": url_for("ogcapi.landing"), "type": "application/json"},
        ],
    )


@bp.get("/assets")
def assets():
    """Assets as GeoJSON: ``bbox`` (WGS84), filters (``body``, ``use``, ``tenure``,
    ``status``, ``condition``), ``limit`` (at most :data:`ASSETS_CAP`: more is served as
    that many, and the answer says ``"capped": true``) and ``offset``."""
    flt = AssetFilter.of(request.args)
    box = bbox_arg()
    limit = limit_arg(1000, ASSETS_CAP)
    offset = int_arg("offset", 0, 0, 10**9)

    def build() -> str:
        page = mapfeatures.features(
            connection(), flt, box, limit=limit.value, offset=offset, count=True,
            viewer=viewer(),
        )  # fmt: skip
        links = []
        if offset + page.returned < (page.matched or 0):
            href = page_href("api.assets", offset=offset + limit.value, limit=limit.value)
            links.append({"rel": "next", "href": href, "type": GEOJSON})
        return mapfeatures.feature_collection(
            page,
            numberMatched=page.matched,
            numberReturned=page.returned,
            **limit.members(),
            links=links,
        )

    return cached(GEOJSON, build)


@bp.get("/map")
def map_features():
    """What the map draws for a view: grid clusters below zoom 14 (``mode`` clusters),
    assets one by one from it (``mode`` assets; building outlines from zoom 16)."""
    from estate.web.map import FOOTPRINTS_FROM_ZOOM, POINTS_FROM_ZOOM

    flt = AssetFilter.of(request.args)
    box = bbox_arg(required=True)
    zoom = float_arg("zoom", None, 0, 24)
    if zoom is None:
        raise BadQuery("zoom is required (0 to 24)")

    def build() -> str:
        conn = connection()
        if zoom >= POINTS_FROM_ZOOM:
            page = mapfeatures.features(
                conn,
                flt,
                box,
                limit=MAP_POINTS_LIMIT,
                footprints=zoom >= FOOTPRINTS_FROM_ZOOM,
                properties="map",
                viewer=viewer(),
            )
            return mapfeatures.feature_collection(
                page, mode="assets", truncated=page.returned >= MAP_POINTS_LIMIT
            )
        clipped = box.params()
        latitude = (clipped["s"] + clipped["n"]) / 2 if not box.outside_grid else 0.0
        cell = 64 * ground_resolution(zoom, latitude)
        body = point_index().clusters(flt, box, cell)
        return (
            f'{{"type":"FeatureCollection","mode":"clusters","cell_m":{cell:.1f},'
            f'"features":[{body}]}}'
        )

    return cached(GEOJSON, build)


def point_index() -> PointIndex:
    """The located assets in memory for clustering, read once per data version for every
    viewer: as a body of none sees them (sensitive points generalised, only the shared
    fields), since one index serves all."""
    nobody = viewer_of(None)
    return computed((version(), "points"), lambda: PointIndex.read(connection(), nobody))


def warm_up(app) -> None:
    """Read what the zoomed-out map needs before the first visitor asks (run by each
    server worker in the background as it starts)."""
    from estate.web.map import index

    settings = app.extensions["estate"].settings
    with app.app_context():
        point_index()
    # The map page itself, as browsers ask for it (gzipped), so the first visitor of
    # each worker does not wait for it to be built.
    with app.test_request_context("/", headers={"Accept-Encoding": "gzip"}):
        index()
    with app.app_context():
        colocation_result(settings.colocation_distance_m, None)
        candidates_result(settings.relocation_distance_m, 3, None)


@bp.get("/assets/<int:asset_id>")
def asset(asset_id: int):
    """One asset with every field and its matches in other bodies' registers."""
    found = mapfeatures.asset_feature(connection(), asset_id, viewer=viewer())
    if found is None:
        abort(404, description=f"no asset {asset_id}")
    return Response(json.dumps(found, default=str), mimetype=GEOJSON)


@bp.get("/search")
def search():
    """Assets by name, address, postcode, UPRN or reference: ``q``, optional filters."""
    q = request.args.get("q", "")
    limit = limit_arg(20, SEARCH_CAP)
    results = mapfeatures.search(
        connection(), q, AssetFilter.of(request.args), limit.value, viewer=viewer()
    )
    return jsonify(query=q, **limit.members(), results=results)


@bp.get("/bodies")
def bodies():
    """The bodies of the locality with their kinds, colours and counts of assets."""
    return jsonify(bodies=body_styles(organisations()))


# --- analysis results -------------------------------------------------------------


CLUSTER_COLUMNS = [
    "cluster", "key", "assets", "bodies", "body_codes", "body_kinds", "floor_area_m2",
    "occupants_fte", "running_cost", "spare_m2", "saving", "exit_asset_id", "exit_asset_name",
]  # fmt: skip


@bp.get("/clusters")
def clusters():
    """Co-location clusters as GeoJSON outlines, ranked by the saving they could unlock:
    ``distance`` (m), ``body`` (clusters with a member of any of them), ``area`` or
    ``polygon``, ``bbox``, ``limit`` (at most :data:`CLUSTERS_CAP`); each with its stable
    ``key`` and its members' ids, bodies and names."""
    settings = state().settings
    distance = float_arg("distance", settings.colocation_distance_m, 1, 10_000)
    bodies = bodies_arg()
    place = place_arg()
    box = bbox_arg()
    limit = limit_arg(CLUSTERS_CAP, CLUSTERS_CAP)

    def build() -> str:
        result = colocation_result(distance, bodies, place)
        located = located_clusters(distance, bodies, place)
        rows = located.in_box(box)[: limit.value]
        frame = result.clusters.iloc[rows].join(result.member_lists(), on="cluster")
        text = geojson_text(
            frame,
            result.hulls()[rows],
            [*CLUSTER_COLUMNS, "member_ids", "members", "member_bodies", "member_names"],
        )
        return with_members(text, limit.members())

    return cached(GEOJSON, build)


CANDIDATE_COLUMNS = [
    "id", "body", "kind", "source_ref", "name", "address", "postcode", "use_class", "tenure",
    "status", "condition", "score", "reasons", "usable_m2", "occupants_fte", "running_cost",
    "valuation", "lease_break", "lease_end", "receiving_id", "receiving_body", "receiving_name",
    "receiving_distance_m", "other_fits", "receiving_note",
]  # fmt: skip


@bp.get("/candidates")
def candidates():
    """Disposal candidates as GeoJSON points with their score, reasons and the nearest
    partner site with room: ``distance`` (relocation search, m), ``min_score``, ``body``,
    ``area`` or ``polygon`` (candidates in it), ``bbox``, ``limit`` (at most
    :data:`CANDIDATES_CAP`)."""
    settings = state().settings
    distance = float_arg("distance", settings.relocation_distance_m, 1, 50_000)
    min_score = int_arg("min_score", 3, 1, 30)
    bodies = bodies_arg()
    place = place_arg()
    box = bbox_arg()
    limit = limit_arg(CANDIDATES_CAP, CANDIDATES_CAP)

    def build() -> str:
        rows = located_candidates(distance, min_score, bodies, place).in_box(box)[: limit.value]
        frame = candidates_result(distance, min_score, bodies, place).candidates.iloc[rows]
        frame = frame.assign(reasons=frame["reasons"].map(reason_list))
        points = shapely.points(frame["x"].to_numpy(), frame["y"].to_numpy())
        return with_members(geojson_text(frame, points, CANDIDATE_COLUMNS), limit.members())

    return cached(GEOJSON, build)


def reason_list(reasons: object) -> list[str]:
    """A candidate's reasons as a list, one reason each (the analysis joins them with
    "; "), for the map's popup to list."""
    if isinstance(reasons, str):
        return [r for r in reasons.split("; ") if r]
    if isinstance(reasons, list | tuple):
        return [str(r) for r in reasons]
    return []  # none (None, NaN)


# --- scenarios, areas, summaries, quality -----------------------------------------


def _records(frame: pd.DataFrame) -> list[dict]:
    return json.loads(frame.to_json(orient="records", date_format="iso", default_handler=str))


@bp.get("/scenarios")
def scenarios():
    """Every scenario with its assumptions and number of moves."""
    return jsonify(scenarios=scenario_rows())


@bp.get("/scenarios/<path:name>")
def scenario(name: str):
    """A scenario's schedules: disposals, savings by year and body, NPV by body, ledger."""
    result = scenario_result(name)
    return jsonify(
        name=result.scenario.name,
        assumptions=[
            {"assumption": a, "value": str(v), "meaning": m}
            for a, v, m in result.assumptions.rows()
        ],
        disposal_schedule=_records(result.disposals),
        savings_schedule=_records(result.savings),
        npv_by_body=_records(result.totals),
        ledger=_records(result.ledger),
    )


@bp.get("/areas/<kind>")
def areas(kind: str):
    """The locality boundary (``boundary``) or its wards (``ward``) as GeoJSON."""
    if kind not in ("boundary", "ward"):
        abort(404, description=f"no kind of area {kind!r}: boundary or ward")
    return cached(GEOJSON, lambda: mapsummary.areas_geojson(connection(), kind))


@bp.route("/summary", methods=["GET", "POST"])
@csrf.exempt  # a question, not a change: POST only because a polygon can be long
def summary():
    """Assets, floor area, occupants and running cost by body in an area: a ward
    (``?ward=NAME``) or a polygon (POST a GeoJSON geometry, WGS84), with filters."""
    flt = AssetFilter.of(request.args)
    conn = connection()
    if request.method == "POST":
        payload = request.get_json(silent=True)
        if not isinstance(payload, dict):
            raise BadQuery("POST a GeoJSON geometry (or a Feature) as JSON")
        geometry = payload.get("geometry", payload)
        if not isinstance(geometry, dict) or "type" not in geometry:
            raise BadQuery("POST a GeoJSON geometry (or a Feature) as JSON")
        try:
            rows = mapsummary.summarise_polygon(conn, json.dumps(geometry), flt, viewer=viewer())
        except BadQuery:
            raise
        except Exception as exc:  # noqa: BLE001 - PostGIS refuses malformed GeoJSON
            conn.rollback()
            raise BadQuery(f"not a GeoJSON polygon: {str(exc).splitlines()[0]}") from None
        return jsonify(area="drawn area", rows=rows)
    ward = request.args.get("ward")
    if not ward:
        raise BadQuery("say which area: ?ward=NAME, or POST a GeoJSON polygon")
    rows = mapsummary.summarise_ward(conn, ward, flt, viewer=viewer())
    if rows is None:
        abort(404, description=f"no ward named {ward!r}")
    return jsonify(area=ward, rows=rows)


@bp.get("/quality")
def quality():
    """The data-quality report by body (shares of records with each field, in %)."""
    from estate.quality import quality_report

    return jsonify(bodies=_records(quality_report(connection())))


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3 document of this API and of OGC API - Features."""
    from estate.web.openapi import document

    return jsonify(document())
