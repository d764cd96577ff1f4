"""Load the locality boundary and its wards (any polygon layer with a name per feature).

Areas are few (a boundary, tens of wards), so this is plain inserts; what matters is
that a new file replaces the old areas of its kind in one transaction, so the map
never shows half of two ward maps.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import shapely
from sqlalchemy import Engine, Table, bindparam, delete, func, insert
from sqlalchemy.types import Text

from estate.crs import STORAGE_SRID
from estate.errors import EstateError
from estate.etl.read import ReadLimits, read_vector
from estate.models import Area

_AREAS: Table = Area.__table__  # type: ignore[assignment]

# A boundary as it is stored: valid, polygons only, one multipolygon, from its WKB (hex).
_STORED = func.ST_Multi(
    func.ST_CollectionExtract(
        func.ST_MakeValid(
            func.ST_GeomFromWKB(func.decode(bindparam("wkb", type_=Text), "hex"), STORAGE_SRID)
        ),
        3,
    )
)

# Columns that name a feature in the files councils and ONS publish, tried in order.
NAME_FIELDS = (
    "area_name",
    "name",
    "NAME",
    "WD24NM",
    "WD23NM",
    "WD22NM",
    "WD21NM",
    "WD20NM",
    "LAD24NM",
    "LAD23NM",
    "LAD22NM",
    "LAD21NM",
    "LAD20NM",
    "ward_name",
    "WARD_NAME",
)
CODE_FIELDS = (
    "area_code",
    "code",
    "CODE",
    "WD24CD",
    "WD23CD",
    "WD22CD",
    "WD21CD",
    "WD20CD",
    "LAD24CD",
    "LAD23CD",
    "LAD22CD",
    "LAD21CD",
    "LAD20CD",
    "ward_code",
    "WARD_CODE",
)


def _field(
    columns: list[str], wanted: tuple[str, ...], given: str | None, path: Path
) -> str | None:
    if given:
        if given not in columns:
            raise EstateError(f"{path.name}: no field {given!r} (fields: {', '.join(columns)})")
        return given
    lower = {c.lower(): c for c in columns}
    for name in wanted:
        if name.lower() in lower:
            return lower[name.lower()]
    return None


def load_areas(engine: Engine, path: Path, kind: str, name_field: str | None = None) -> int:
    """Replace the areas of ``kind`` ('boundary' or 'ward') with the polygons of ``path``.

    Every feature needs a name (``name_field``, or the first of :data:`NAME_FIELDS`) and
    a polygon; the file needs a coordinate system. Returns the number of areas loaded.
    """
    if kind not in ("boundary", "ward"):
        raise EstateError(f"unknown kind of area {kind!r}: boundary or ward")
    frame = read_vector(path, limits=ReadLimits.for_reference_data())
    if frame.crs is None:
        raise EstateError(f"{path.name}: the file has no coordinate system")
    columns = [c for c in frame.columns if c not in (frame.geometry.name, "_row")]
    name = _field(columns, NAME_FIELDS, name_field, path)
    if name is None:
        raise EstateError(f"{path.name}: no name field; say which with --name-field")
    code = _field(columns, CODE_FIELDS, None, path)
    frame = frame.to_crs(STORAGE_SRID)
    geoms = frame.geometry.to_numpy()
    polygonal = shapely.get_type_id(geoms) == 3  # Polygon
    polygonal |= shapely.get_type_id(geoms) == 6  # MultiPolygon
    if not polygonal.all():
        bad = int((~polygonal).argmax()) + 1
        raise EstateError(f"{path.name}: feature {bad} is not a polygon")
    names = frame[name].astype("string").str.strip()
    if names.isna().any() or (names == "").any():
        bad = int((names.isna() | (names == "")).to_numpy().argmax()) + 1
        raise EstateError(f"{path.name}: feature {bad} has no {name}")
    if names.duplicated().any():
        raise EstateError(f"{path.name}: {names[names.duplicated()].iloc[0]!r} appears twice")
    multi = shapely.to_wkb(
        [g if g.geom_type == "MultiPolygon" else shapely.multipolygons([g]) for g in geoms],
        hex=True,
        include_srid=False,
    )
    codes = (
        frame[code].astype("string").str.strip().replace("", pd.NA)
        if code is not None
        else pd.Series(pd.NA, index=frame.index, dtype="string")
    )
    rows = [
        {
            "kind": kind,
            "code": None if pd.isna(codes.iloc[i]) else str(codes.iloc[i]),
            "name": str(names.iloc[i]),
            "wkb": multi[i],
            "source_file": path.name,
        }
        for i in range(len(frame))
    ]
    with engine.begin() as conn:
        conn.execute(delete(_AREAS).where(_AREAS.c.kind == kind))
        conn.execute(insert(_AREAS).values(geom=_STORED), rows)
    return len(rows)
