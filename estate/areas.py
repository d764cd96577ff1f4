"""Areas to narrow an analysis to: a polygon file (optionally one named feature of it),
or a box in British National Grid metres."""

from __future__ import annotations

from pathlib import Path

import shapely

from estate.crs import STORAGE_SRID
from estate.errors import EstateError


def read_area(spec: str) -> shapely.Geometry:
    """``FILE``, ``FILE:NAME`` (the feature with NAME in any text column, case ignored), or
    ``MINX,MINY,MAXX,MAXY`` in EPSG:27700 metres."""
    parts = spec.split(",")
    if len(parts) == 4:
        try:
            return shapely.box(*(float(p) for p in parts))
        except ValueError:
            pass
    path, _, name = spec.partition(":") if not Path(spec).exists() else (spec, "", "")
    if not Path(path).exists():
        raise EstateError(f"{spec}: not a file, nor a box MINX,MINY,MAXX,MAXY")
    import geopandas as gpd

    try:
        frame = gpd.read_file(path, engine="pyogrio")
    except Exception as exc:  # any GDAL failure is the user's file
        raise EstateError(f"{path}: cannot read it as a map layer ({exc})") from exc
    if frame.crs is None:
        raise EstateError(f"{path}: the file has no coordinate system")
    if name:
        text = frame.select_dtypes(include=["object", "string"])
        hit = text.apply(lambda c: c.astype("string").str.casefold() == name.casefold())
        frame = frame[hit.any(axis=1).to_numpy()]
        if frame.empty:
            raise EstateError(f"{path}: no feature named {name!r}")
    geometry = frame.to_crs(STORAGE_SRID).geometry.union_all()
    if geometry.is_empty or geometry.area == 0:
        raise EstateError(f"{spec}: the area has no polygons")
    return geometry
