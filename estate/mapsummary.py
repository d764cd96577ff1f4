"""The register summed up for the map: an area's assets by body, the areas themselves,
the data's extent, the bodies, and the data version responses are cached under.

Hand-written SQL (``text``) like :mod:`estate.mapfeatures`: the sums and the GeoJSON
are formed in PostgreSQL, and an area's summary takes the filter
:class:`~estate.mapquery.AssetFilter` renders.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, text

from estate.analysis.assets import running_cost_sql, usable_sql
from estate.crs import STORAGE_SRID
from estate.current import CURRENT_SQL, current_sql
from estate.mapquery import AssetFilter, BadQuery
from estate.sharing import Viewer


def summarise(
    conn: Connection, where: str, params: Mapping[str, Any], viewer: Viewer
) -> list[dict]:
    """Assets, floor area, occupants, running cost and vacant assets by body, for the
    located assets meeting ``where`` (a fragment on ``assets a``), with a total row."""
    rows = conn.execute(
        text(
            f"""
            SELECT coalesce(o.code, 'ALL') AS body, min(o.name) AS body_name,
                   count(*) AS assets,
                   round(sum(a.gia_m2)) AS gia_m2, round(sum({usable_sql("a")})) AS usable_m2,
                   round(sum(a.occupants_fte), 1) AS occupants_fte,
                   round(sum({running_cost_sql("a")})) AS running_cost,
                   count(*) FILTER (WHERE a.occupancy = 'vacant') AS vacant
            FROM {viewer.assets_sql()} a JOIN organisations o ON o.id = a.organisation_id
            WHERE a.geom IS NOT NULL AND {where}
            GROUP BY ROLLUP (o.code)
            ORDER BY o.code NULLS LAST
            """
        ),
        dict(params),
    ).mappings()
    return [
        {
            k: (float(v) if hasattr(v, "as_integer_ratio") and not isinstance(v, int) else v)
            for k, v in r.items()
        }
        for r in rows
    ]


def summarise_polygon(
    conn: Connection, geojson: str, flt: AssetFilter, *, viewer: Viewer
) -> list[dict]:
    """:func:`summarise` for a polygon drawn on the map (GeoJSON geometry, WGS84)."""
    where, params = flt.sql()
    params["g"] = geojson
    check = conn.execute(
        text(
            "SELECT ST_GeometryType(g), ST_IsValid(g) FROM "
            "(SELECT ST_SetSRID(ST_GeomFromGeoJSON(:g), 4326) AS g) x"
        ),
        {"g": geojson},
    ).one()
    if check[0] not in ("ST_Polygon", "ST_MultiPolygon"):
        raise BadQuery(f"the area must be a polygon, not {check[0].removeprefix('ST_')}")
    area = f"ST_Transform(ST_MakeValid(ST_SetSRID(ST_GeomFromGeoJSON(:g), 4326)), {STORAGE_SRID})"
    return summarise(
        conn,
        f"{where} AND {viewer.near_box_sql(area)} AND ST_Intersects(a.geom, {area})",
        params,
        viewer,
    )


def summarise_ward(
    conn: Connection, ward: str, flt: AssetFilter, *, viewer: Viewer
) -> list[dict] | None:
    """:func:`summarise` for a ward loaded by ``estate areas`` (None if unknown)."""
    found = conn.execute(
        text("SELECT id FROM areas WHERE kind = 'ward' AND name = :name"), {"name": ward}
    ).scalar_one_or_none()
    if found is None:
        return None
    where, params = flt.sql()
    params["area"] = found
    area = "(SELECT geom FROM areas WHERE id = :area)"
    return summarise(
        conn,
        f"{where} AND {viewer.near_box_sql(area)} AND ST_Intersects(a.geom, {area})",
        params,
        viewer,
    )


def areas_geojson(conn: Connection, kind: str, tolerance_m: float = 5.0) -> str:
    """The areas of ``kind`` as a GeoJSON FeatureCollection (WGS84), simplified to
    ``tolerance_m`` so a ward map stays small in the page."""
    body = conn.execute(
        text(
            """
            SELECT coalesce(string_agg(json_build_object(
                'type', 'Feature', 'id', id,
                'geometry', ST_AsGeoJSON(ST_Transform(
                    ST_SimplifyPreserveTopology(geom, :tol), 4326), 6)::json,
                'properties', json_build_object('name', name, 'code', code, 'kind', kind)
            )::text, ',' ORDER BY name), '')
            FROM areas WHERE kind = :kind
            """
        ),
        {"kind": kind, "tol": tolerance_m},
    ).scalar_one()
    return f'{{"type":"FeatureCollection","features":[{body}]}}'


def extent(
    conn: Connection, boundary_first: bool = True
) -> tuple[float, float, float, float] | None:
    """The WGS84 box of the data: with ``boundary_first``, the locality's boundary when
    one is loaded (the map's first view: a few partners' sites far outside it should not
    zoom it out); else every located asset but the sensitive ones (one of them at an
    edge would give away a coordinate). None when there is nothing."""
    row = conn.execute(
        text(
            f"""
            SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) FROM (
                SELECT ST_Transform(ST_SetSRID(coalesce(
                    (SELECT ST_Extent(geom) FROM areas WHERE kind = 'boundary' AND :first),
                    (SELECT ST_Extent(geom) FROM assets WHERE NOT sensitive AND {CURRENT_SQL})
                ), {STORAGE_SRID}), 4326)::box2d AS b
            ) e
            """
        ),
        {"first": boundary_first},
    ).one()
    return None if row[0] is None else (row[0], row[1], row[2], row[3])


def organisations(conn: Connection) -> list[dict]:
    """Every body with its kind and number of current assets (located and in all)."""
    return [
        dict(r)
        for r in conn.execute(
            text(
                f"""
                SELECT o.code, o.name, o.kind, count(a.id) AS assets,
                       count(a.geom) AS located
                FROM organisations o
                LEFT JOIN assets a ON a.organisation_id = o.id AND {current_sql("a")}
                GROUP BY o.id ORDER BY o.kind, o.code
                """
            )
        ).mappings()
    ]


def data_version(conn: Connection) -> str:
    """A token that changes whenever the register may have changed: every load (or
    failed load) is a batch whose finish time becomes visible when it commits (summed,
    so two loads committing in either order both change it), and areas carry their own
    time. Responses are cached under it, so a load invalidates them without anyone
    clearing a cache (a load that retires assets is a batch too). A web edit or a club
    change writes an audit event: the newest
    event's id is part of it too. (Load batches are one row per load: the sums are cheap.)"""
    row = conn.execute(
        text(
            "SELECT (SELECT count(*) FROM load_batches), "
            "(SELECT coalesce(sum(extract(epoch FROM finished_at)), 0) FROM load_batches), "
            "(SELECT coalesce(sum(extract(epoch FROM created_at)), 0) FROM areas), "
            "(SELECT count(*) FROM areas), (SELECT count(*) FROM organisations), "
            "(SELECT coalesce(max(id), 0) FROM audit_events)"
        )
    ).one()
    return ".".join(str(v) for v in row)
