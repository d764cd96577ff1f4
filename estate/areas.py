"""Areas to narrow an analysis to: a loaded area (a ward, the boundary) by its name, a
polygon file (optionally one named feature of it), a box in British National Grid
metres, or a polygon a person drew (GeoJSON or WKT in WGS84 degrees).

Every form ends as one shapely geometry in the storage CRS, which the analyses take as
``within``: the web, the API and the command line narrow the same way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from sqlalchemy import Connection, Table, func, literal, select

from estate.crs import STORAGE_SRID, to_storage
from estate.errors import EstateError
from estate.models import Area
from estate.record_ids import given_id

_AREAS: Table = Area.__table__  # type: ignore[assignment]

# A drawn polygon of more vertices than this is no person's drawing.
MAX_VERTICES = 10_000


@dataclass(frozen=True)
class LoadedArea:
    """An area loaded by ``estate areas``: what a select offers and a key names."""

    id: int
    kind: str
    name: str
    code: str | None


def loaded_areas(conn: Connection) -> list[LoadedArea]:
    """Every loaded area, the boundary first, then the wards by name."""
    t = _AREAS
    rows = conn.execute(
        select(t.c.id, t.c.kind, t.c.name, t.c.code).order_by(
            t.c.kind != literal("boundary"), t.c.kind, t.c.name
        )
    )
    return [LoadedArea(*row) for row in rows]


def _with_outline():
    t = _AREAS
    return select(t.c.id, t.c.kind, t.c.name, t.c.code, func.ST_AsBinary(t.c.geom))


def find_area(conn: Connection, name: str) -> tuple[LoadedArea, shapely.Geometry] | None:
    """The loaded area called ``name`` (case and spaces around it ignored; ``KIND:NAME``
    when two kinds share a name), with its outline; None when there is none."""
    kind, _, bare = name.partition(":") if ":" in name else ("", "", name)
    t = _AREAS
    query = _with_outline().where(func.lower(t.c.name) == bare.strip().lower())
    if kind.strip():
        query = query.where(t.c.kind == kind.strip().lower())
    rows = conn.execute(query.order_by(t.c.kind != literal("ward"), t.c.id)).all()
    if not rows:
        return None
    row = rows[0]
    return LoadedArea(row[0], row[1], row[2], row[3]), shapely.from_wkb(bytes(row[4]))


def area_outline(conn: Connection, area_id: int) -> tuple[LoadedArea, shapely.Geometry] | None:
    """A loaded area by its id, with its outline (None when there is none)."""
    row = conn.execute(_with_outline().where(_AREAS.c.id == given_id(int(area_id)))).first()
    if row is None:
        return None
    return LoadedArea(row[0], row[1], row[2], row[3]), shapely.from_wkb(bytes(row[4]))


def read_drawn(raw: str) -> shapely.Geometry:
    """A polygon drawn or written by a person: GeoJSON (a geometry, a Feature, or a
    FeatureCollection of polygons) or WKT, in WGS84 longitude and latitude, as a
    geometry in the storage CRS. Anything else is an :class:`EstateError` in words."""
    raw = raw.strip()
    if not raw:
        raise EstateError("the polygon is empty")
    try:
        if raw.startswith("{"):
            shape = _from_geojson(json.loads(raw))
        else:
            shape = shapely.from_wkt(raw)
    except (ValueError, TypeError, shapely.errors.GEOSException):
        raise EstateError("the polygon is neither GeoJSON nor WKT") from None
    if shape is None or shape.is_empty:
        raise EstateError("the polygon is empty")
    if shape.geom_type not in ("Polygon", "MultiPolygon"):
        raise EstateError(f"the area must be a polygon, not a {shape.geom_type}")
    if shapely.get_num_coordinates(shape) > MAX_VERTICES:
        raise EstateError(f"the polygon has more than {MAX_VERTICES:,} points")
    minx, miny, maxx, maxy = shape.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise EstateError("the polygon's points must be longitude and latitude in degrees")
    projected = shapely.transform(shape, _projected)
    projected = shapely.make_valid(projected)
    if projected.area == 0:
        raise EstateError("the polygon has no area")
    return projected


def _projected(xy: np.ndarray) -> np.ndarray:
    x, y = to_storage(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


def _from_geojson(data: object) -> shapely.Geometry:
    if not isinstance(data, dict):
        raise ValueError("not a GeoJSON object")
    if data.get("type") == "Feature":
        return _from_geojson(data.get("geometry"))
    if data.get("type") == "FeatureCollection":
        parts = [_from_geojson(f) for f in data.get("features") or []]
        return shapely.union_all(parts) if parts else shapely.Polygon()
    return shapely.from_geojson(json.dumps(data))


def read_area(spec: str, conn: Connection | None = None) -> shapely.Geometry:
    """``MINX,MINY,MAXX,MAXY`` in EPSG:27700 metres, ``FILE``, ``FILE:NAME`` (the feature
    with NAME in any text column, case ignored), or (given ``conn``) the name of an area
    loaded by ``estate areas``, such as a ward: ``--within "Sale Central"``."""
    parts = spec.split(",")
    if len(parts) == 4:
        try:
            return shapely.box(*(float(p) for p in parts))
        except ValueError:
            pass
    path, _, name = spec.partition(":") if not Path(spec).exists() else (spec, "", "")
    if not Path(path).exists():
        if conn is not None:
            found = find_area(conn, spec)
            if found is not None:
                return found[1]
            raise EstateError(
                f"{spec}: no loaded area of that name, nor a file, nor a box MINX,MINY,MAXX,MAXY"
            )
        raise EstateError(f"{spec}: not a file, nor a box MINX,MINY,MAXX,MAXY")
    import geopandas as gpd

    try:
        frame = gpd.read_file(path, engine="pyogrio")
    except Exception as exc:  # any GDAL failure is the user's file
        raise EstateError(f"{path}: cannot read it as a map layer ({exc})") from exc
    if frame.crs is None:
        raise EstateError(f"{path}: the file has no coordinate system")
    if name:
        text_columns = frame.select_dtypes(include=["object", "string"])
        hit = text_columns.apply(lambda c: c.astype("string").str.casefold() == name.casefold())
        frame = frame[hit.any(axis=1).to_numpy()]
        if frame.empty:
            raise EstateError(f"{path}: no feature named {name!r}")
    geometry = frame.to_crs(STORAGE_SRID).geometry.union_all()
    if geometry.is_empty or geometry.area == 0:
        raise EstateError(f"{spec}: the area has no polygons")
    return geometry
