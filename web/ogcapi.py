"""OGC API - Features (Part 1: Core, GeoJSON) under ``/ogcapi``, so QGIS, ArcGIS and
GDAL (``ogrinfo OAPIF:http://host/ogcapi``) read the terrier directly.

Collections: ``assets`` (every body), ``assets-<code>`` (one body each), and the
analysis layers ``colocation-clusters`` and ``disposal-candidates``. Items take
``bbox`` (CRS84), ``limit`` (at most 1,000 a page: more is served as 1,000, as the
standard asks, and the page says ``"limit": 1000, "capped": true``) and ``offset``, and
the asset collections the same filters as ``/api/assets``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from flask import Blueprint, Response, abort, jsonify, request, url_for

from estate import mapfeatures, mapsummary
from estate.mapquery import AssetFilter, BadQuery
from estate.web.api import CANDIDATE_COLUMNS, CLUSTER_COLUMNS, GEOJSON, page_href
from estate.web.auth import viewer
from estate.web.cache import cached, computed
from estate.web.params import ASSETS_CAP, bbox_arg, int_arg, limit_arg
from estate.web.results import (
    Located,
    candidates_result,
    colocation_result,
    located_candidates,
    located_clusters,
)
from estate.web.state import connection, state, version

bp = Blueprint("ogcapi", __name__, url_prefix="/ogcapi")

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
ANALYSIS = {
    "colocation-clusters": "Co-location clusters: buildings of different bodies close together",
    "disposal-candidates": "Disposal candidates with their reasons and a receiving site",
}


def _format() -> None:
    wanted = request.args.get("f")
    if wanted not in (None, "", "json", "geojson", "application/json", "application/geo+json"):
        raise BadQuery(f"f={wanted!r}: this service answers JSON only (f=json)")


def _link(rel: str, href: str, kind: str = "application/json", title: str = "") -> dict:
    link = {"rel": rel, "href": href, "type": kind}
    if title:
        link["title"] = title
    return link


@bp.get("")
@bp.get("/")
def landing():
    """The OGC API root, linking to the service description, conformance and collections, so a
    GIS client given only this URL finds the data; an ``f`` other than JSON is a 400."""
    _format()
    return jsonify(
        title="estate: the locality's public estate terrier",
        description="Land and buildings of the locality's public bodies, with co-location "
        "clusters and disposal candidates.",
        links=[
            _link("self", url_for("ogcapi.landing", _external=True)),
            _link(
                "service-desc",
                url_for("ogcapi.api_document", _external=True),
                "application/vnd.oai.openapi+json;version=3.0",
            ),
            _link("conformance", url_for("ogcapi.conformance", _external=True)),
            _link("data", url_for("ogcapi.collections", _external=True)),
        ],
    )


@bp.get("/api")
def api_document():
    """The service's OpenAPI 3.0 description, which OGC API clients read to learn its endpoints."""
    from estate.web.openapi import document

    return Response(json.dumps(document()), mimetype="application/vnd.oai.openapi+json;version=3.0")


@bp.get("/conformance")
def conformance():
    """The OGC API - Features conformance classes this service implements."""
    _format()
    return jsonify(conformsTo=CONFORMANCE)


def _collections() -> list[dict]:
    """The collections, read once per data version (every items request checks its
    collection; the extent and the bodies' counts are whole-table scans)."""
    return computed((version(), "collections", request.host_url), _read_collections)


def _read_collections() -> list[dict]:
    conn = connection()
    box = mapsummary.extent(conn, boundary_first=False) or (-180.0, -90.0, 180.0, 90.0)
    bodies = mapsummary.organisations(conn)
    found = [("assets", "Assets of every body", "Every asset of the locality's public bodies")]
    found += [
        (f"assets-{b['code']}", f"Assets of {b['name']}", f"{b['kind']}: {b['assets']} assets")
        for b in bodies
    ]
    found += [(cid, title, title) for cid, title in ANALYSIS.items()]
    return [
        {
            "id": cid,
            "title": title,
            "description": description,
            "itemType": "feature",
            "crs": [CRS84],
            "extent": {"spatial": {"bbox": [list(box)], "crs": CRS84}},
            "links": [
                _link("self", url_for("ogcapi.collection", cid=cid, _external=True)),
                _link("items", url_for("ogcapi.items", cid=cid, _external=True), GEOJSON),
            ],
        }
        for cid, title, description in found
    ]


@bp.get("/collections")
def collections():
    """Every collection (all assets, each body's, the analysis layers) with its extent; cached
    per data version and host, since its links are absolute."""
    _format()
    return cached(
        "application/json",
        lambda: json.dumps(
            {
                "links": [_link("self", url_for("ogcapi.collections", _external=True))],
                "collections": _collections(),
            }
        ),
        vary=(request.host,),
    )


def _find(cid: str) -> dict:
    for found in _collections():
        if found["id"] == cid:
            return found
    abort(404, description=f"no collection {cid!r}")


@bp.get("/collections/<cid>")
def collection(cid: str):
    """One collection's description and links; 404 for an unknown id."""
    _format()
    return jsonify(_find(cid))


def _filter(cid: str) -> AssetFilter:
    flt = AssetFilter.of(request.args)
    if cid.startswith("assets-"):
        flt = flt.with_bodies(cid.removeprefix("assets-"))
    return flt


@bp.get("/collections/<cid>/items")
def items(cid: str):
    """A page of a collection's features as GeoJSON, with numberMatched and a next link:
    ``bbox``, ``limit`` (at most 10,000), ``offset`` and the asset filters; unknown id: 404."""
    _format()
    _find(cid)
    box = bbox_arg()
    limit = limit_arg(100, ASSETS_CAP)
    offset = int_arg("offset", 0, 0, 10**9)

    def page_links(matched: int) -> list[dict]:
        def href(at: int) -> str:
            return page_href("ogcapi.items", external=True, offset=at, limit=limit.value, cid=cid)

        links = [_link("self", href(offset), GEOJSON)]
        if offset + limit.value < matched:
            links.append(_link("next", href(offset + limit.value), GEOJSON))
        return links

    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def build() -> str:
        if cid in ANALYSIS:
            text, matched = _analysis_items(cid, box, limit.value, offset)
            returned = min(limit.value, max(matched - offset, 0))
            body = text[text.index('"features":') :]
            return (
                f'{{"type":"FeatureCollection","numberMatched":{matched},'
                f'"numberReturned":{returned},"timeStamp":"{stamp}",'
                f'"limit":{limit.value},"capped":{json.dumps(limit.capped)},'
                f'"links":{json.dumps(page_links(matched))},{body}'
            )
        page = mapfeatures.features(
            connection(), _filter(cid), box, limit=limit.value, offset=offset, count=True,
            viewer=viewer(),
        )  # fmt: skip
        return mapfeatures.feature_collection(
            page,
            numberMatched=page.matched,
            numberReturned=page.returned,
            timeStamp=stamp,
            **limit.members(),
            links=page_links(page.matched or 0),
        )

    return cached(GEOJSON, build, vary=(request.host,))


@dataclass(frozen=True)
class _Layer:
    """An analysis collection as served: the result's frame, which of its rows are
    located (and where), their shapes (storage CRS) by position in the frame, the columns
    sent and the column that identifies a feature."""

    frame: pd.DataFrame
    located: Located
    shapes: Callable[[np.ndarray], np.ndarray]
    columns: list[str]
    key: str


def _analysis_layer(cid: str) -> _Layer:
    """The collection's rows as the default analysis finds them (the settings' distances,
    every body). Candidates' reasons go as they are, one text ("; " between them), which
    is what a GIS shows in a table."""
    import shapely

    settings = state().settings
    if cid == "colocation-clusters":
        result = colocation_result(settings.colocation_distance_m, None)
        located = located_clusters(settings.colocation_distance_m, None)
        return _Layer(
            result.clusters, located, lambda at: result.hulls()[at], CLUSTER_COLUMNS, "cluster"
        )
    frame = candidates_result(settings.relocation_distance_m, 3, None).candidates
    located = located_candidates(settings.relocation_distance_m, 3, None)

    def points(at: np.ndarray) -> np.ndarray:
        return shapely.points(frame["x"].to_numpy()[at], frame["y"].to_numpy()[at])

    return _Layer(frame, located, points, CANDIDATE_COLUMNS, "id")


def _analysis_items(cid: str, box, limit: int, offset: int) -> tuple[str, int]:
    from estate.exports import geojson_text

    layer = _analysis_layer(cid)
    inside = layer.located.in_box(box)
    at = inside[offset : offset + limit]
    return geojson_text(layer.frame.iloc[at], layer.shapes(at), layer.columns), len(inside)


@bp.get("/collections/<cid>/items/<fid>")
def item(cid: str, fid: str):
    """One feature of a collection (an asset, a cluster or a candidate) as GeoJSON; 404 when it
    is not in that collection for this viewer."""
    _format()
    _find(cid)
    if cid in ANALYSIS:
        from estate.exports import geojson_text

        layer = _analysis_layer(cid)
        rows = layer.located.rows
        ids = layer.frame[layer.key].to_numpy()[rows]
        # Ids are whole numbers, matched as written ("007" is no feature's id).
        plain = fid.isascii() and fid.isdecimal() and len(fid) < 19
        wanted = int(fid) if plain and str(int(fid)) == fid else None
        at = rows[ids == wanted][:1] if wanted is not None else np.array([], dtype=np.intp)
        if not len(at):
            abort(404, description=f"no feature {fid!r} in {cid}")
        text = geojson_text(layer.frame.iloc[at], layer.shapes(at), layer.columns)
        feature = json.loads(text)["features"][0] | {"id": fid}
        return Response(json.dumps(feature), mimetype=GEOJSON)
    if not (fid.isascii() and fid.isdecimal()):
        abort(404, description=f"no asset {fid!r}")
    found = mapfeatures.asset_feature(connection(), int(fid), viewer=viewer())
    if found is None or (
        cid.startswith("assets-") and found["properties"]["body"] != cid.removeprefix("assets-")
    ):
        abort(404, description=f"no asset {fid} in {cid}")
    found["links"] = [
        _link("self", url_for("ogcapi.item", cid=cid, fid=fid, _external=True), GEOJSON),
        _link("collection", url_for("ogcapi.collection", cid=cid, _external=True)),
    ]
    return Response(json.dumps(found, default=str), mimetype=GEOJSON)
