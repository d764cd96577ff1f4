"""The register's assets as the map and programs read them: GeoJSON features in a box,
search, and one asset with every field.

Every query returns what the browser or a client needs, formed in PostgreSQL:
GeoJSON text is built by ``json_build_object`` and ``string_agg`` in the server, so
no asset passes through a Python object on the way to the response. That is why this
is hand-written SQL (``text``), not SQLAlchemy expressions: it is the map's hot path,
and the filter it takes is the one :class:`~estate.mapquery.AssetFilter` renders.
Coordinates go out in WGS84 (``ST_Transform`` on the way out; stored in British
National Grid), with 6 decimals (about 0.1 m, finer than any register's points).
Assets are read through ``viewer``'s view of the register (:mod:`estate.sharing`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, text

from estate.analysis.assets import running_cost_sql, usable_sql
from estate.clipping import clipped_sql
from estate.mapquery import BOX_SQL, AssetFilter, BadQuery, Bbox
from estate.sharing import Viewer

# What every listed feature carries: enough to draw, colour, label and filter it, its
# text cut to 500 characters (:mod:`estate.clipping`). Details, whole, come with one
# asset (``asset_feature``).
LIST_PROPERTIES = """
    'body', o.code, 'kind', o.kind, 'ref', {ref}, 'name', {name},
    'address', {address}, 'postcode', {postcode}, 'uprn', {uprn},
    'use', a.use_class, 'tenure', a.tenure, 'status', a.status, 'condition', a.condition,
    'gia_m2', a.gia_m2, 'nia_m2', a.nia_m2, 'occupants_fte', a.occupants_fte,
    'running_cost', {cost}, 'location', a.location_method
""".format(
    cost=running_cost_sql("a"),
    ref=clipped_sql("a.source_ref"),
    name=clipped_sql("a.name"),
    address=clipped_sql("a.address"),
    postcode=clipped_sql("a.postcode"),
    uprn=clipped_sql("a.uprn"),
)


PROPERTIES = {
    "list": LIST_PROPERTIES,
    "map": f"'body', o.code, 'name', {clipped_sql('a.name')}, 'status', a.status",
}


@dataclass
class FeaturePage:
    """A page of features as GeoJSON text, with how many matched in all."""

    features: str
    returned: int
    matched: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def features(
    conn: Connection,
    flt: AssetFilter,
    bbox: Bbox | None = None,
    *,
    limit: int = 1000,
    offset: int = 0,
    count: bool = False,
    footprints: bool = False,
    properties: str = "list",
    viewer: Viewer,
) -> FeaturePage:
    """Assets as GeoJSON features (a comma-joined list, to wrap), ordered by id.

    With a box, only located assets inside it; without, every asset (unlocated ones
    with a null geometry). ``footprints`` gives the building outline where known;
    ``properties`` is "list" (what a program listing assets wants) or "map" (what the
    map needs to draw and label a point). ``viewer`` decides what of other bodies'
    assets is shown (:mod:`estate.sharing`).
    """
    if bbox is not None and bbox.outside_grid:
        return FeaturePage("", 0, 0 if count else None)
    where, params = flt.sql()
    properties = PROPERTIES[properties]
    if bbox is not None:
        where += f" AND {viewer.near_box_sql(BOX_SQL)} AND ST_Intersects(a.geom, {BOX_SQL})"
        params.update(bbox.params())
    assets = viewer.assets_sql()
    geometry = "coalesce(a.footprint, a.geom)" if footprints else "a.geom"
    params.update(limit=limit, offset=offset)
    page = conn.execute(
        text(
            f"""
            SELECT count(*), coalesce(string_agg(f, ',' ORDER BY id), '') FROM (
                SELECT a.id, json_build_object(
                    'type', 'Feature', 'id', a.id,
                    'geometry', ST_AsGeoJSON(ST_Transform({geometry}, 4326), 6)::json,
                    'properties', json_build_object('id', a.id, {properties})
                )::text AS f
                FROM {assets} a JOIN organisations o ON o.id = a.organisation_id
                WHERE {where}
                ORDER BY a.id
                LIMIT :limit OFFSET :offset
            ) page
            """
        ),
        params,
    ).one()
    matched = None
    if count:
        matched = conn.execute(
            text(
                f"SELECT count(*) FROM {assets} a JOIN organisations o "
                f"ON o.id = a.organisation_id WHERE {where}"
            ),
            params,
        ).scalar_one()
    return FeaturePage(page[1], page[0], matched)


def feature_collection(page: FeaturePage, **members: Any) -> str:
    """The page wrapped as a FeatureCollection, with extra top-level members."""
    head = "".join(f"{json.dumps(k)}:{json.dumps(v)}," for k, v in members.items())
    return f'{{"type":"FeatureCollection",{head}"features":[{page.features}]}}'


def search(
    conn: Connection, query: str, flt: AssetFilter, limit: int = 20, *, viewer: Viewer
) -> list[dict]:
    """Assets whose name, address, postcode, UPRN or reference match ``query`` (their
    text cut to 500 characters, as in every list).

    Exact UPRN, reference and postcode matches come first, then names and addresses
    containing every word of the query (case ignored).
    """
    query = query.strip()
    if not query:
        return []
    if len(query) > 200:
        raise BadQuery("search text is longer than 200 characters")
    where, params = flt.sql()
    words = [w for w in query.replace(",", " ").split() if w]
    like = (
        " AND ".join(
            f"(a.name ILIKE :w{i} OR a.address ILIKE :w{i} OR a.town ILIKE :w{i})"
            for i in range(len(words))
        )
        or "FALSE"
    )
    for i, word in enumerate(words):
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params[f"w{i}"] = f"%{escaped}%"
    params.update(
        q=query,
        pc=query.upper().replace(" ", ""),
        limit=limit,
    )
    rows = conn.execute(
        text(
            f"""
            SELECT a.id, o.code AS body, {clipped_sql("a.source_ref")} AS ref,
                   {clipped_sql("a.name")} AS name, {clipped_sql("a.address")} AS address,
                   {clipped_sql("a.postcode")} AS postcode, {clipped_sql("a.uprn")} AS uprn,
                   a.use_class AS use,
                   ST_X(ST_Transform(a.geom, 4326)) AS lon, ST_Y(ST_Transform(a.geom, 4326)) AS lat,
                   CASE WHEN a.uprn = :q OR a.source_ref = :q
                             OR replace(upper(a.postcode), ' ', '') = :pc THEN 0 ELSE 1 END AS rank
            FROM {viewer.assets_sql()} a JOIN organisations o ON o.id = a.organisation_id
            WHERE {where} AND (
                a.uprn = :q OR a.source_ref = :q OR replace(upper(a.postcode), ' ', '') = :pc
                OR ({like})
            )
            ORDER BY rank, a.name, a.id
            LIMIT :limit
            """
        ),
        params,
    ).mappings()
    return [dict(r) for r in rows]


DETAIL_COLUMNS = (
    "source_ref", "uprn", "name", "address", "town", "postcode", "use_class", "use_raw",
    "tenure", "occupancy", "holding", "status", "condition", "listed_grade",
    "energy_rating", "sensitive", "location_method", "quality_flags", "gia_m2", "nia_m2",
    "site_area_m2", "workstations", "occupants_fte", "rent", "rates", "fm_cost",
    "energy_cost", "maintenance_cost", "backlog_cost", "valuation", "valuation_basis",
    "valuation_date", "lease_end", "lease_break", "effective_date", "source_file",
    "source_row", "load_batch_id", "updated_at", "retired_at", "retired_reason",
)  # fmt: skip


def asset_feature(conn: Connection, asset_id: int, *, viewer: Viewer) -> dict | None:
    """One asset with every field, its body, running cost, WGS84 point, the cells its file
    published that the load could not read as written (``published``: ``{field}_as_published``
    keys of its ``extra``), and the records of other bodies matched to it (None when
    there is no such asset). A retired asset opens too: its page says when and why its
    body's register left it out."""
    columns = ", ".join(f"'{c}', a.{c}" for c in DETAIL_COLUMNS)
    row = conn.execute(
        text(
            f"""
            SELECT json_build_object(
                'type', 'Feature', 'id', a.id,
                'geometry', ST_AsGeoJSON(ST_Transform(a.geom, 4326), 6)::json,
                'properties', jsonb_build_object('id', a.id, 'body', o.code,
                    'organisation_id', a.organisation_id, 'body_name', o.name,
                    'kind', o.kind, 'running_cost', {running_cost_sql("a")},
                    'usable_m2', {usable_sql("a")}, 'easting', ST_X(a.geom),
                    'northing', ST_Y(a.geom), 'has_footprint', a.footprint IS NOT NULL,
                    'edited', a.edited,
                    -- Cells the load could not read as written, as the file published them.
                    'published', (SELECT coalesce(jsonb_object_agg(e.key, e.value), '{{}}')
                                  FROM jsonb_each(a.extra) e
                                  WHERE e.key LIKE '%\\_as\\_published'))
                    || jsonb_build_object({columns})
            )
            FROM {viewer.assets_sql(with_retired=True)} a
            JOIN organisations o ON o.id = a.organisation_id
            WHERE a.id = :id
            """
        ),
        {"id": asset_id},
    ).scalar_one_or_none()
    if row is None:
        return None
    row["properties"]["matches"] = [
        dict(m)
        for m in conn.execute(
            text(
                f"""
                SELECT b.id, o.code AS body, b.name, m.method, m.distance_m
                FROM asset_matches m
                JOIN {viewer.assets_sql()} b
                  ON b.id = CASE WHEN m.asset_id = :id THEN m.other_id ELSE m.asset_id END
                JOIN organisations o ON o.id = b.organisation_id
                -- A match to a site the viewer sees only generalised would say where it
                -- is (a few metres from the other record): neither side shows it.
                WHERE (m.asset_id = :id OR m.other_id = :id)
                  AND b.location_method IS DISTINCT FROM 'generalised'
                  AND NOT EXISTS (SELECT 1 FROM {viewer.assets_sql(with_retired=True)} h
                                  WHERE h.id = :id AND h.location_method = 'generalised')
                ORDER BY m.distance_m NULLS LAST
                """
            ),
            {"id": asset_id},
        ).mappings()
    ]
    return row
