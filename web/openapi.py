"""The OpenAPI 3.0 document of ``/api`` and ``/ogcapi`` (served at ``/api/openapi.json``
and ``/ogcapi/api``). Written out rather than generated: it is the contract programs
read, so each parameter says what it means. A test checks that every route of the
application is in it."""

from __future__ import annotations

from typing import Any

from estate.clipping import LIST_TEXT_CHARS
from estate.web.params import ASSETS_CAP, CANDIDATES_CAP, CLUSTERS_CAP, SEARCH_CAP


def _param(name: str, description: str, kind: str = "string", where: str = "query",
           required: bool = False, **schema: Any) -> dict:  # fmt: skip
    return {
        "name": name,
        "in": where,
        "required": required or where == "path",
        "description": description,
        "schema": {"type": kind, **schema},
    }


BBOX = _param("bbox", "minlon,minlat,maxlon,maxlat in WGS84 (CRS84) degrees")


def _limit(default: int, cap: int, what: str = "features") -> dict:
    """The ``limit`` of a list: more than ``cap`` is no error, it is served as ``cap`` and
    the answer says ``"limit": cap, "capped": true``."""
    return _param(
        "limit",
        f"{what} in one answer (at most {cap}: more is served as {cap}, with "
        f'"capped": true); texts in lists are cut to {LIST_TEXT_CHARS} characters',
        "integer", minimum=1, maximum=cap, default=default,
    )  # fmt: skip


LIMIT = _limit(1000, ASSETS_CAP)
OFFSET = _param("offset", "features to skip (paging)", "integer", minimum=0)
FILTERS = [
    _param("body", "organisation codes or kinds (council, nhs, police, fire), comma-separated"),
    _param("use", "use classes, comma-separated ('unknown' for none recorded)"),
    _param("tenure", "tenures, comma-separated"),
    _param("status", "statuses, comma-separated"),
    _param("condition", "conditions A-D, comma-separated"),
]
# Where an analysis is narrowed to (one of the two), and several bodies at once.
PLACE = [
    _param("area", "a loaded area (a ward, the boundary) by its id or name (see /api/areas/ward)"),
    _param(
        "polygon",
        "a polygon drawn or written by a person: GeoJSON (geometry, Feature or "
        "FeatureCollection) or WKT, longitude and latitude in degrees",
    ),
]
INCLUDING = _param(
    "body",
    "clusters with at least one member of any of these bodies (organisation codes or kinds), "
    "with all their partners; comma-separated or repeated",
)
BODIES = _param(
    "body", "organisation codes or kinds (council, nhs, police, fire); comma-separated or repeated"
)
GEOJSON = {"application/geo+json": {"schema": {"type": "object"}}}
JSON = {"application/json": {"schema": {"type": "object"}}}
ERRORS = {
    "400": {"description": "a parameter cannot be right; the body says which", "content": JSON},
    "404": {"description": "no such thing", "content": JSON},
}


def _get(summary: str, params: list[dict], content: dict = GEOJSON) -> dict:
    return {
        "get": {
            "summary": summary,
            "parameters": params,
            "responses": {"200": {"description": "OK", "content": content}, **ERRORS},
        }
    }


CLUB_LISTS = [
    _param("status", "comma-separated statuses, or all (default: open, in discussion)"),
    _param("body", "a body's code"),
]


def document() -> dict:
    """The document."""
    cid = _param("cid", "collection id (see /ogcapi/collections)", where="path")
    paths = {
        "/api/": _get("What the API offers, with links", [], JSON),
        "/api/assets": _get("Assets as GeoJSON, paged", [BBOX, *FILTERS, LIMIT, OFFSET]),
        "/api/map": _get(
            "What the map draws for a view: grid clusters below zoom 14, assets from it",
            [
                {**BBOX, "required": True},
                _param("zoom", "the map's zoom", "number", required=True),
                *FILTERS,
            ],
        ),
        "/api/assets/{asset_id}": _get(
            "One asset with every field and its matches in other registers",
            [_param("asset_id", "asset id", "integer", where="path")],
        ),
        "/api/assets/{asset_id}/nearby": _get(
            "Every other body's asset within a distance of this one, nearest first, with its "
            "distance, body, use, usable area, occupants and spare space (a site the viewer "
            "sees only generalised is left out; from such a site nothing is measured)",
            [
                _param("asset_id", "asset id", "integer", where="path"),
                _param(
                    "distance",
                    "metres (default the co-location distance)",
                    "number",
                    minimum=1,
                    maximum=5000,
                ),
            ],
            JSON,
        ),
        "/api/radar": _get(
            "The lease-event radar: every lease break and end in the next months, each with "
            "the nearest building within the relocation distance with room for its occupants "
            "(receiving_*), how many others would do (other_fits), the saving a year "
            "(running_cost) and from a break to the lease end (saving_to_end); points, WGS84",
            [
                _param(
                    "months",
                    "months ahead from today (both ends included)",
                    "integer",
                    minimum=1,
                    maximum=120,
                    default=24,
                ),
                _param("distance", "relocation search distance, metres", "number"),
                BODIES,
                BBOX,
            ],
        ),
        "/api/search": _get(
            "Assets by name, address, postcode, UPRN or reference",
            [_param("q", "the text to find"), *FILTERS, _limit(20, SEARCH_CAP, "assets")],
            JSON,
        ),
        "/api/bodies": _get("The bodies, their colours and counts", [], JSON),
        "/api/clusters": _get(
            "Co-location clusters (outlines) ranked by the saving they could unlock; each"
            ' with member_ids, members ("CODE: name"), and member_bodies and member_names'
            " (the same members' body codes and names, in order) for a page to name bodies",
            [
                _param("distance", "metres between assets", "number"),
                INCLUDING,
                *PLACE,
                BBOX,
                _limit(CLUSTERS_CAP, CLUSTERS_CAP, "clusters"),
            ],
        ),
        "/api/clusters/{key}": _get(
            "One co-location cluster: its members with their figures, who could move where "
            "(moves), the saving and its basis, or no_saving_reason; key is the cluster's "
            "lowest member id (stable while its members are), with the list's parameters",
            [
                _param("key", "the cluster's key (its lowest member id)", "integer", where="path"),
                _param("distance", "metres between assets", "number"),
                INCLUDING,
                *PLACE,
            ],
            JSON,
        ),
        "/api/candidates": _get(
            "Disposal candidates with reasons and a receiving site",
            [
                _param("distance", "relocation search distance, metres", "number"),
                _param("min_score", "score needed to be a candidate", "integer"),
                BODIES,
                *[
                    {**p, "description": p["description"] + " (the candidates standing in it)"}
                    for p in PLACE
                ],
                BBOX,
                _limit(CANDIDATES_CAP, CANDIDATES_CAP, "candidates"),
            ],
        ),
        "/api/scenarios": _get("Every scenario", [], JSON),
        "/api/scenarios/{name}": _get(
            "A scenario's disposal and savings schedules, NPV by body and ledger",
            [_param("name", "scenario name", where="path")],
            JSON,
        ),
        "/api/areas/{kind}": _get(
            "The locality boundary or its wards",
            [_param("kind", "boundary or ward", where="path", enum=["boundary", "ward"])],
        ),
        "/api/summary": {
            **_get(
                "Assets, floor area, occupants and running cost by body in a ward",
                [_param("ward", "ward name", required=True), *FILTERS],
                JSON,
            ),
            "post": {
                "summary": "The same for a polygon (a GeoJSON geometry or Feature, WGS84)",
                "parameters": FILTERS,
                "requestBody": {"content": JSON, "required": True},
                "responses": {"200": {"description": "OK", "content": JSON}, **ERRORS},
            },
        },
        "/api/quality": _get("The data-quality report by body", [], JSON),
        "/api/openapi.json": _get("This document", [], JSON),
        "/ogcapi": _get("OGC API landing page", [], JSON),
        "/ogcapi/api": _get("This document (OGC service-desc)", [], JSON),
        "/ogcapi/conformance": _get("Conformance classes", [], JSON),
        "/ogcapi/collections": _get("The collections", [], JSON),
        "/ogcapi/collections/{cid}": _get("One collection", [cid], JSON),
        "/ogcapi/collections/{cid}/items": _get(
            "Features of a collection",
            [cid, BBOX, _limit(100, ASSETS_CAP), OFFSET, *FILTERS[1:]],
        ),
        "/ogcapi/collections/{cid}/items/{fid}": _get(
            "One feature", [cid, _param("fid", "feature id", where="path")]
        ),
        "/club/api/needs": _get("The property club's needs (points, WGS84)", CLUB_LISTS),
        "/club/api/offers": _get("The property club's offers (points, WGS84)", CLUB_LISTS),
        "/club/api/needs/{need_id}/matches": _get(
            "What could meet a need: offers, surplus sites and spare space, with lines",
            [_param("need_id", "need id", "integer", where="path")],
        ),
        "/club/api/offers/{offer_id}/matches": _get(
            "The needs an offer could meet, with lines",
            [_param("offer_id", "offer id", "integer", where="path")],
        ),
    }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "estate: the locality's public estate terrier",
            "version": "1",
            "description": "Assets of the locality's public bodies, co-location and disposal "
            "analysis, scenarios; and OGC API - Features.",
            "license": {"name": "MIT"},
        },
        "paths": paths,
        # Every route needs a partner's account (unless the server publishes a read-only
        # public view): a signed-in session, or HTTP Basic for programs.
        "components": {
            "securitySchemes": {
                "basic": {"type": "http", "scheme": "basic"},
                "session": {"type": "apiKey", "in": "cookie", "name": "estate_session"},
            }
        },
        "security": [{"basic": []}, {"session": []}],
    }
