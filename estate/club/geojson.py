"""GeoJSON for the club's map (RFC 7946, WGS84), built in the database: needs with their
radius, offers, and a need's or an offer's matches as lines, as the viewer may see
them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, text

from estate.club.listing import _filters, _seen, _sources, get_offer
from estate.club.matching import _DISTANCE, _OFFER_PAIRS, need_matches
from estate.club.rules import LIVE
from estate.crs import WGS84_SRID
from estate.sharing import Viewer

# --- GeoJSON for the map ------------------------------------------------------------------

_GEOJSON = f"ST_AsGeoJSON(ST_Transform({{g}}, {WGS84_SRID}), 6)::json"


def _collection(conn: Connection, features_sql: str, params: dict) -> str:
    """A FeatureCollection (RFC 7946, WGS84) built in the database from a query giving
    one ``feature`` (json) a row."""
    return conn.execute(
        text(
            "SELECT json_build_object('type', 'FeatureCollection', 'features',"
            " coalesce(json_agg(q.feature ORDER BY q.ord), '[]'::json))::text"
            f" FROM ({features_sql}) q"
        ),
        params,
    ).scalar_one()


def needs_geojson(
    conn: Connection,
    status: str | Sequence[str] | None = LIVE,
    body: str | None = None,
    viewer: Viewer | None = None,
) -> str:
    """Needs as GeoJSON points with their radius (``radius_m``) for the map to draw, as
    ``viewer`` may see them."""
    where, params = _filters("n", status, body)
    return _collection(
        conn,
        f"""
        SELECT n.needed_by AS ord, json_build_object(
            'type', 'Feature', 'id', n.id, 'geometry', {_GEOJSON.format(g="n.geom")},
            'properties', json_build_object(
                'kind', 'need', 'id', n.id, 'body', o.code, 'body_name', o.name,
                'title', n.title, 'use_class', n.use_class, 'min_m2', n.min_m2::float8,
                'max_m2', n.max_m2::float8, 'radius_m', n.radius_m::float8,
                'needed_by', n.needed_by, 'status', n.status)) AS feature
        FROM {_seen(viewer).club_sql("club_needs")} n
        JOIN organisations o ON o.id = n.organisation_id
        WHERE {where} AND n.geom IS NOT NULL
        """,
        params,
    )


def offers_geojson(
    conn: Connection,
    status: str | Sequence[str] | None = LIVE,
    body: str | None = None,
    viewer: Viewer | None = None,
) -> str:
    """Offers as GeoJSON points, as ``viewer`` may see them."""
    where, params = _filters("f", status, body)
    return _collection(
        conn,
        f"""
        SELECT f.available_from AS ord, json_build_object(
            'type', 'Feature', 'id', f.id, 'geometry', {_GEOJSON.format(g="f.geom")},
            'properties', json_build_object(
                'kind', 'offer', 'id', f.id, 'body', o.code, 'body_name', o.name,
                'offer_kind', f.kind, 'title', f.title, 'use_class', f.use_class,
                'area_m2', f.area_m2::float8, 'available_from', f.available_from,
                'available_until', f.available_until, 'status', f.status)) AS feature
        FROM {_seen(viewer).club_sql("club_offers")} f
        JOIN organisations o ON o.id = f.organisation_id
        WHERE {where} AND f.geom IS NOT NULL
        """,
        params,
    )


def need_matches_geojson(
    conn: Connection,
    need_id: int,
    nia_per_fte_m2: float = 8.0,
    viewer: Viewer | None = None,
    *,
    matches: list[dict[str, Any]] | None = None,
) -> str:
    """A need and its matches for a map: the need's point (``kind: "need"``, with its
    ``radius_m``), then one line from the need to each match (``kind: "match"``, with the
    match's fields), in :func:`need_matches`' order (pass ``matches`` when already found)."""
    if matches is None:
        matches = need_matches(conn, need_id, nia_per_fte_m2, viewer)
    params = {
        "need": need_id,
        "m": json.dumps(matches, default=lambda v: v.isoformat()),
    }
    return _collection(
        conn,
        _sources(
            f"""
        SELECT 0 AS ord, json_build_object(
            'type', 'Feature', 'id', 'need-' || n.id, 'geometry', {_GEOJSON.format(g="n.geom")},
            'properties', json_build_object(
                'kind', 'need', 'id', n.id, 'body', o.code, 'title', n.title,
                'min_m2', n.min_m2::float8, 'radius_m', n.radius_m::float8,
                'needed_by', n.needed_by, 'status', n.status)) AS feature
        FROM {{needs}} n JOIN organisations o ON o.id = n.organisation_id
        WHERE n.id = :need AND n.geom IS NOT NULL
        UNION ALL
        SELECT m.ord, json_build_object(
            'type', 'Feature', 'geometry',
            {_GEOJSON.format(g="ST_MakeLine(n.geom, coalesce(f.geom, a.geom))")},
            'properties', (m.value::jsonb || jsonb_build_object('kind', 'match'))::json)
        FROM json_array_elements(CAST(:m AS json)) WITH ORDINALITY AS m(value, ord)
        JOIN {{needs}} n ON n.id = :need
        LEFT JOIN {{offers}} f ON f.id = (m.value ->> 'offer_id')::int
        LEFT JOIN {{assets}} a ON a.id = (m.value ->> 'asset_id')::bigint
        """,
            viewer,
        ),
        params,
    )


def offer_matches_geojson(conn: Connection, offer_id: int, viewer: Viewer | None = None) -> str:
    """An offer and the needs it could meet: its point (``kind: "offer"``), each need's
    point with its radius (``kind: "need"``) and a line from the offer to each need, as
    ``viewer`` may see them."""
    get_offer(conn, offer_id, viewer)
    return _collection(
        conn,
        _sources(
            f"""
        SELECT 0 AS ord, json_build_object(
            'type', 'Feature', 'id', 'offer-' || f.id, 'geometry',
            {_GEOJSON.format(g="f.geom")},
            'properties', json_build_object(
                'kind', 'offer', 'id', f.id, 'body', o.code, 'title', f.title,
                'area_m2', f.area_m2::float8, 'available_from', f.available_from,
                'status', f.status)) AS feature
        FROM {{offers}} f JOIN organisations o ON o.id = f.organisation_id
        WHERE f.id = :id AND f.geom IS NOT NULL
        UNION ALL
        SELECT row_number() OVER (ORDER BY ST_Distance(f.geom, n.geom), n.id),
            json_build_object(
            'type', 'Feature', 'geometry', {_GEOJSON.format(g="ST_MakeLine(f.geom, n.geom)")},
            'properties', json_build_object(
                'kind', 'match', 'need_id', n.id, 'offer_id', f.id, 'body', o.code,
                'title', n.title, 'min_m2', n.min_m2::float8, 'radius_m', n.radius_m::float8,
                'needed_by', n.needed_by, 'distance_m', {_DISTANCE.format(a="f")}))
        {_OFFER_PAIRS}
        JOIN organisations o ON o.id = n.organisation_id
        WHERE f.id = :id AND n.status IN ('open', 'in_discussion')
        """,
            viewer,
        ),
        {"id": offer_id},
    )
