"""Geometries as hex EWKB text, the form COPY writes straight into a geometry column.

A first load COPYs its rows into ``assets`` without a staging table, so the points and
footprints that the upsert would build in SQL (``ST_SetSRID(ST_MakePoint(x, y))``,
``ST_Multi(ST_GeomFromText(wkt))``) are built here, vectorised, byte for byte the same.
Nothing here touches the database.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from estate.crs import STORAGE_SRID


def multipolygon_ewkb(wkt: pd.Series) -> np.ndarray:
    """Footprints as MultiPolygon EWKB hex in the storage CRS (what ``ST_Multi`` of the
    staging path makes), None where there is none."""
    import shapely

    geoms = shapely.from_wkt(wkt.astype(object).where(wkt.notna(), None).to_numpy())
    parts, owner = shapely.get_parts(geoms, return_index=True)
    out = np.full(len(wkt), None, dtype=object)
    if len(parts):
        present, dense = np.unique(owner, return_inverse=True)
        multi = shapely.set_srid(shapely.multipolygons(parts, indices=dense), STORAGE_SRID)
        out[present] = shapely.to_wkb(multi, hex=True, include_srid=True)
    return out


def point_ewkb(x: np.ndarray, y: np.ndarray, index: pd.Index) -> pd.Series:
    """Points in the storage CRS as hex EWKB text, null where either coordinate is NaN:
    byte for byte what ``shapely.to_wkb(hex=True, include_srid=True)`` writes, built as
    one block of bytes by numpy (shapely makes and frees a geometry per row, 4 us each).

    A point's EWKB is 25 bytes: byte order (1 = little-endian), geometry type with the
    SRID flag (0x20000001), the SRID, then x and y as doubles."""
    import pyarrow as pa

    here = ~(np.isnan(x) | np.isnan(y))
    n = int(here.sum())
    record = np.dtype([("order", "u1"), ("kind", "<u4"), ("srid", "<u4"), ("x", "<f8"),
                       ("y", "<f8")])  # fmt: skip
    block = np.empty(n, dtype=record)
    block["order"], block["kind"], block["srid"] = 1, 0x20000001, STORAGE_SRID
    block["x"], block["y"] = x[here], y[here]
    raw = block.view(np.uint8).reshape(n, 25)
    digits = np.frombuffer(b"0123456789ABCDEF", dtype=np.uint8)
    text = np.empty((n, 50), dtype=np.uint8)
    text[:, 0::2], text[:, 1::2] = digits[raw >> 4], digits[raw & 15]
    lengths = np.where(here, 50, 0)
    offsets = np.zeros(len(x) + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    array = pa.StringArray.from_buffers(
        len(x), pa.py_buffer(offsets), pa.py_buffer(text.tobytes()),
        pa.array(here).buffers()[1], null_count=len(x) - n,
    )  # fmt: skip
    return pd.Series(pd.arrays.ArrowStringArray(array), index=index, dtype="string[pyarrow]")
