"""The register as the map and programs read it: assets in a box, grid clusters,
search, one asset's details, and summaries of an area by body.

Every query returns what the browser or a client needs, formed in PostgreSQL:
GeoJSON text is built by ``json_build_object`` and ``string_agg`` in the server, so
no asset passes through a Python object on the way to the response. Coordinates go
out in WGS84 (``ST_Transform`` on the way out; stored in British National Grid),
with 6 decimals (about 0.1 m, finer than any register's points).

Filters (:class:`AssetFilter`) and boxes (:class:`Bbox`) check their values here, so
the web and any other caller refuse the same bad input with the same words.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, text

from estate.analysis.assets import running_cost_sql, usable_sql
from estate.crs import STORAGE_SRID
from estate.errors import EstateError
from estate.sharing import Viewer
from estate.vocab import CONDITION, STATUS, TENURE, USE_CLASS, Vocabulary


class BadQuery(EstateError):
    """A query parameter that cannot be right (the web answers 400 with this text)."""


@dataclass(frozen=True)
class Bbox:
    """A box in WGS84 degrees: west, south, east, north (OGC API order)."""

    west: float
    south: float
    east: float
    north: float

    @classmethod
    def parse(cls, raw: str) -> Bbox:
        """``minlon,minlat,maxlon,maxlat``, refused with a reason when it cannot be a box."""
        parts = raw.split(",")
        if len(parts) != 4:
            raise BadQuery(f"bbox needs 4 numbers, minlon,minlat,maxlon,maxlat; got {raw!r}")
        try:
            w, s, e, n = (float(p) for p in parts)
        except ValueError:
            raise BadQuery(f"bbox has a value that is not a number: {raw!r}") from None
        if not all(math.isfinite(v) for v in (w, s, e, n)):
            raise BadQuery(f"bbox values must be finite: {raw!r}")
        if not (-180 <= w <= 180 and -180 <= e <= 180 and -90 <= s <= 90 and -90 <= n <= 90):
            raise BadQuery(f"bbox is outside -180..180 longitude, -90..90 latitude: {raw!r}")
        if w >= e or s >= n:
            raise BadQuery(f"bbox minimum must be below its maximum: {raw!r}")
        return cls(w, s, e, n)

    @property
    def outside_grid(self) -> bool:
        """True when no part of the box lies in British National Grid's area of use."""
        p = self.params()
        return p["w"] >= p["e"] or p["s"] >= p["n"]

    def params(self) -> dict[str, float]:
        # Clipped to the grid's own area of use: transforming the whole world to
        # British National Grid gives nonsense far outside it.
        return {
            "w": max(self.west, -9.01),
            "s": max(self.south, 49.75),
            "e": min(self.east, 2.01),
            "n": min(self.north, 61.01),
        }


# The box in the storage CRS. Densified first, so its curved edges in BNG are kept.
BOX_SQL = (
    f"ST_Transform(ST_Segmentize(ST_MakeEnvelope(:w, :s, :e, :n, 4326), 0.05), {STORAGE_SRID})"
)


def _words(vocab: Vocabulary, values: Sequence[str], what: str) -> tuple[str, ...]:
    known = set(vocab.codes)
    bad = [v for v in values if v not in known and v != "unknown"]
    if bad:
        raise BadQuery(f"unknown {what} {bad[0]!r}; one of: {', '.join(vocab.codes)}, unknown")
    return tuple(values)


@dataclass(frozen=True)
class AssetFilter:
    """Which assets to show: by body (organisation code or kind), use, tenure, status,
    condition (each a list; 'unknown' matches an empty value), and free text."""

    bodies: tuple[str, ...] = ()
    uses: tuple[str, ...] = ()
    tenures: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()

    @classmethod
    def of(cls, args: Mapping[str, str]) -> AssetFilter:
        """From query parameters: ``body``, ``use``, ``tenure``, ``status``, ``condition``,
        each comma-separated."""

        def listed(name: str) -> tuple[str, ...]:
            raw = args.get(name) or ""
            return tuple(v.strip() for v in raw.split(",") if v.strip())

        return cls(
            bodies=listed("body"),
            uses=_words(USE_CLASS, listed("use"), "use"),
            tenures=_words(TENURE, listed("tenure"), "tenure"),
            statuses=_words(STATUS, listed("status"), "status"),
            conditions=_words(CONDITION, listed("condition"), "condition"),
        )

    def sql(self) -> tuple[str, dict[str, Any]]:
        """A WHERE fragment on ``assets a JOIN organisations o`` and its parameters."""
        parts: list[str] = []
        params: dict[str, Any] = {}
        if self.bodies:
            parts.append("(o.code = ANY(:f_bodies) OR o.kind = ANY(:f_bodies))")
            params["f_bodies"] = list(self.bodies)
        for column, values, key in (
            ("use_class", self.uses, "f_uses"),
            ("tenure", self.tenures, "f_tenures"),
            ("status", self.statuses, "f_statuses"),
            ("condition", self.conditions, "f_conditions"),
        ):
            if values:
                test = f"a.{column} = ANY(:{key})"
                if "unknown" in values:
                    test = f"({test} OR a.{column} IS NULL)"
                parts.append(test)
                params[key] = [v for v in values if v != "unknown"]
        return (" AND ".join(parts) or "TRUE"), params


# What every listed feature carries: enough to draw, colour, label and filter it.
# Details come with one asset (``asset_feature``).
LIST_PROPERTIES = """
    'body', o.code, 'kind', o.kind, 'ref', a.source_ref, 'name', a.name,
    'address', a.address, 'postcode', a.postcode, 'uprn', a.uprn,
    'use', a.use_class, 'tenure', a.tenure, 'status', a.status, 'condition', a.condition,
    'gia_m2', a.gia_m2, 'nia_m2', a.nia_m2, 'occupants_fte', a.occupants_fte,
    'running_cost', {cost}, 'location', a.location_method
""".format(cost=running_cost_sql("a"))


PROPERTIES = {
    "list": LIST_PROPERTIES,
    "map": "'body', o.code, 'name', a.name, 'status', a.status",
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


def ground_resolution(zoom: float, latitude: float) -> float:
    """Metres per screen pixel of a web map at ``zoom`` and ``latitude``."""
    return 156543.03392 * math.cos(math.radians(latitude)) / 2**zoom


class PointIndex:
    """Every located asset's point, body and filterable words as arrays, held in memory
    to group the assets of a view into grid cells (the map zoomed out).

    Read once per data version (by COPY, two connections on one snapshot); a view
    is then a few vectorised masks and ``np.unique`` over the cells, a millisecond or
    two, where the same grouping in SQL costs the database tens of milliseconds a
    request, shared with every other user.
    """

    FIELDS = ("use_class", "tenure", "status", "condition")

    def __init__(self, frame: pd.DataFrame, bodies: np.ndarray, kinds: np.ndarray):
        self.x = frame["x"].to_numpy(dtype=np.float64)
        self.y = frame["y"].to_numpy(dtype=np.float64)
        self.ids = frame["id"].to_numpy(dtype=np.int64)
        self.names = frame["name"].to_numpy(dtype=object)
        self.body = frame["body"].to_numpy(dtype=np.int64)
        self.bodies = bodies
        self.kinds = kinds
        self.fields = {}
        for name in self.FIELDS:
            values = pd.Categorical(frame[name])
            self.fields[name] = (values.codes.astype(np.int64), np.asarray(values.categories))

    @classmethod
    def read(cls, conn: Connection, viewer: Viewer) -> PointIndex:
        """Read for ``viewer``; the web reads it once for everyone with a viewer of no
        body (sensitive points generalised for all, owners included: zoomed out, a
        cell of a kilometre is finer than the grid cells drawn; zoomed in, points come
        from :func:`features` for the viewer's own body)."""
        from estate.analysis.frames import copy_frame

        frame = copy_frame(
            conn,
            "SELECT a.id, ST_X(a.geom) AS x, ST_Y(a.geom) AS y, a.organisation_id AS org, "
            f"a.use_class, a.tenure, a.status, a.condition, a.name "
            f"FROM {viewer.assets_sql()} a WHERE a.geom IS NOT NULL",
            split="id",
        )
        # Read after the points: a body added meanwhile is in the list, never missing.
        orgs = conn.execute(text("SELECT id, code, kind FROM organisations ORDER BY id")).all()
        org_ids = np.array([o[0] for o in orgs], dtype=np.int64)
        frame["body"] = np.searchsorted(org_ids, frame["org"].to_numpy(dtype=np.int64))
        return cls(
            frame,
            np.array([o[1] for o in orgs], dtype=object),
            np.array([o[2] for o in orgs], dtype=object),
        )

    def __len__(self) -> int:
        return len(self.x)

    def mask(self, flt: AssetFilter) -> np.ndarray:
        """The assets the filter keeps."""
        keep = np.ones(len(self), dtype=bool)
        if flt.bodies:
            wanted = list(flt.bodies)
            allowed = np.isin(self.bodies, wanted) | np.isin(self.kinds, wanted)
            keep &= allowed[self.body]
        for name, values in zip(
            self.FIELDS, (flt.uses, flt.tenures, flt.statuses, flt.conditions), strict=True
        ):
            if values:
                codes, categories = self.fields[name]
                # Code -1 (no value) indexes the last element: "unknown" asked for or not.
                allowed = np.append(np.isin(categories, list(values)), "unknown" in values)
                keep &= allowed[codes]
        return keep

    def clusters(self, flt: AssetFilter, bbox: Bbox, cell_m: float) -> str:
        """The view's located assets gathered into square cells of ``cell_m`` metres:
        one feature per cell at the mean point of its assets, with the count by body.
        A cell of one asset carries its id, name and body, so it is drawn as the asset.
        """
        from estate.crs import WGS84_SRID, to_storage, to_wgs84

        if bbox.outside_grid:
            return ""
        p = bbox.params()
        edge = np.linspace(0.0, 1.0, 16)
        lon = np.concatenate(
            [
                p["w"] + (p["e"] - p["w"]) * edge,
                np.full(16, p["e"]),
                p["w"] + (p["e"] - p["w"]) * edge,
                np.full(16, p["w"]),
            ]
        )
        lat = np.concatenate([np.full(16, p["s"]), p["s"] + (p["n"] - p["s"]) * edge,
                              np.full(16, p["n"]), p["s"] + (p["n"] - p["s"]) * edge])  # fmt: skip
        bx, by = to_storage(lon, lat, WGS84_SRID)
        keep = self.mask(flt)
        keep &= (self.x >= bx.min()) & (self.x <= bx.max())
        keep &= (self.y >= by.min()) & (self.y <= by.max())
        rows = np.flatnonzero(keep)
        if rows.size == 0:
            return ""
        x, y, body = self.x[rows], self.y[rows], self.body[rows]
        key = np.floor(x / cell_m).astype(np.int64) * (1 << 24) + np.floor(y / cell_m).astype(
            np.int64
        )
        cells, first, inverse, counts = np.unique(
            key, return_index=True, return_inverse=True, return_counts=True
        )
        mean_x = np.bincount(inverse, weights=x) / counts
        mean_y = np.bincount(inverse, weights=y) / counts
        lons, lats = to_wgs84(mean_x, mean_y)
        nb = len(self.bodies)
        pairs, pair_counts = np.unique(inverse * nb + body, return_counts=True)
        pair_cell = pairs // nb
        bounds = np.searchsorted(pair_cell, np.arange(len(cells) + 1))
        codes = self.bodies
        features = []
        for i in range(len(cells)):
            lo, hi = bounds[i], bounds[i + 1]
            by_body = {
                codes[b]: int(c) for b, c in zip(pairs[lo:hi] % nb, pair_counts[lo:hi], strict=True)
            }
            single = counts[i] == 1
            row = rows[first[i]]
            properties = {
                "count": int(counts[i]),
                "bodies": by_body,
                "id": int(self.ids[row]) if single else None,
                "name": self.names[row] if single else None,
                "body": codes[self.body[row]] if single else None,
            }
            features.append(
                '{"type":"Feature","geometry":{"type":"Point","coordinates":['
                f'{lons[i]:.6f},{lats[i]:.6f}]}},"properties":{json.dumps(properties)}}}'
            )
        return ",".join(features)


def search(
    conn: Connection, query: str, flt: AssetFilter, limit: int = 20, *, viewer: Viewer
) -> list[dict]:
    """Assets whose name, address, postcode, UPRN or reference match ``query``.

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
            SELECT a.id, o.code AS body, a.source_ref AS ref, a.name, a.address, a.postcode,
                   a.uprn, a.use_class AS use,
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
    "source_row", "load_batch_id", "updated_at",
)  # fmt: skip


def asset_feature(conn: Connection, asset_id: int, *, viewer: Viewer) -> dict | None:
    """One asset with every field, its body, running cost, WGS84 point, and the records
    of other bodies matched to it (None when there is no such asset)."""
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
                    'edited', a.edited)
                    || jsonb_build_object({columns})
            )
            FROM {viewer.assets_sql()} a JOIN organisations o ON o.id = a.organisation_id
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
                  AND NOT EXISTS (SELECT 1 FROM {viewer.assets_sql()} h
                                  WHERE h.id = :id AND h.location_method = 'generalised')
                ORDER BY m.distance_m NULLS LAST
                """
            ),
            {"id": asset_id},
        ).mappings()
    ]
    return row


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
                    (SELECT ST_Extent(geom) FROM assets WHERE NOT sensitive)
                ), {STORAGE_SRID}), 4326)::box2d AS b
            ) e
            """
        ),
        {"first": boundary_first},
    ).one()
    return None if row[0] is None else (row[0], row[1], row[2], row[3])


def organisations(conn: Connection) -> list[dict]:
    """Every body with its kind and number of assets (located and in all)."""
    return [
        dict(r)
        for r in conn.execute(
            text(
                """
                SELECT o.code, o.name, o.kind, count(a.id) AS assets,
                       count(a.geom) AS located
                FROM organisations o LEFT JOIN assets a ON a.organisation_id = o.id
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
    clearing a cache. A web edit or a club change writes an audit event: the newest
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
