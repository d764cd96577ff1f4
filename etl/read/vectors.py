"""Reading vector layers (GeoPackage, Shapefile, zipped Shapefile, GeoJSON, FlatGeobuf).

pyogrio reads the layer; :func:`read_vector` gives it as a GeoDataFrame (for the
boundaries and the postcode lookup), :func:`table_from_vector` as a :class:`Table` of
text like any other file's, plus a point on each feature, so that a GIS file goes
through the same sources and validation as a spreadsheet.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from estate.etl.read.files import check_file
from estate.etl.read.table import ReadError, Table


def read_vector(path: str | Path, *, layer: str | None = None):
    """A GeoPackage, Shapefile (plain or zipped) or GeoJSON layer as a GeoDataFrame.

    A GeoJSON ``crs`` member (GeoJSON 2008) is honoured; without one, RFC 7946 says
    WGS84. A Shapefile without ``.prj`` has no CRS (the caller decides by ranges).
    Adds ``_row``, the 1-based feature number.
    """
    import geopandas as gpd
    import pyogrio

    path = Path(path)
    check_file(path)
    source = f"/vsizip/{path}" if path.suffix.lower() == ".zip" else str(path)
    try:
        frame = gpd.read_file(source, layer=layer, engine="pyogrio", use_arrow=True)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise ReadError(f"{path.name}: not a readable GIS file ({_first_line(exc)})") from None
    except Exception as exc:  # noqa: BLE001 - GDAL raises many kinds
        raise ReadError(f"{path.name}: not a readable GIS file ({_first_line(exc)})") from None
    if path.suffix.lower() in {".geojson", ".json"} and frame.crs is None:
        frame = frame.set_crs(4326)
    frame["_row"] = range(1, len(frame) + 1)
    return frame


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def table_from_vector(path: Path) -> Table:
    """A vector layer as a table: attributes as text, plus each feature's point.

    ``_geometry_x``/``_geometry_y`` hold a point on each feature (the point itself, or
    a point inside a polygon) in the layer's CRS, named in ``_geometry_crs``.
    """
    import shapely

    frame = read_vector(path).reset_index(drop=True)
    columns = [c for c in frame.columns if c not in ("geometry", "_row")]
    # Arrow strings (missing as NA), like the CSV reader's: no Python object per cell.
    text = pd.DataFrame(index=frame.index)
    for column in columns:
        values = frame[column]
        if values.dtype == np.float64:
            text[column] = _arrow_text(float_text(values.to_numpy()))
        else:
            text[column] = values.astype("string[pyarrow]")
    geometry = frame.geometry
    shapes = geometry.to_numpy()
    points = shapes.copy()
    surfaces = shapely.get_type_id(shapes) != 0  # a point is its own point
    points[surfaces] = shapely.point_on_surface(shapes[surfaces])
    points[shapely.is_empty(points)] = None  # an empty geometry places nothing: unlocated
    for axis, values in (
        ("_geometry_x", shapely.get_x(points)),
        ("_geometry_y", shapely.get_y(points)),
    ):
        text[axis] = _arrow_text(float_text(np.round(values, 7)))
    epsg = frame.crs.to_epsg() if frame.crs is not None else None
    text["_geometry_crs"] = f"EPSG:{epsg}" if epsg else None
    return Table(text, frame["_row"].tolist(), 0, path.name, None, columns, geometry)


def float_text(values: np.ndarray) -> pa.Array:
    """``str(x)`` of each float (what pandas writes), null for NaN, as Arrow strings.

    A GIS file's number fields become text like every other file's cells. Python formats
    a float in about 0.6 us, 60 ms a column of 100k; here numbers with at most seven
    decimals, in the range where those decimals are exact (nearly every area, cost and
    coordinate), are written by integer arithmetic in numpy and Arrow: the shortest text
    that reads back as the same float is then the decimal itself, trailing zeros
    dropped. The rest (huge, tiny, long fractions) are left to Python.
    """
    import pyarrow.compute as pc

    x = np.asarray(values, dtype=np.float64)
    out = np.empty(len(x), dtype=object)
    done = np.isnan(x)
    out[done] = None
    magnitude = np.abs(x)
    # Python writes 1e-05 and 1e+16 in exponent form, and -0.0 with its sign.
    usable = ~done & ((magnitude >= 1e-4) | ((x == 0) & ~np.signbit(x)))
    for decimals in range(8):
        scale = 10.0**decimals
        with np.errstate(invalid="ignore", over="ignore"):
            scaled = np.rint(magnitude * scale)
            exact = usable & ~done & (magnitude < 10.0 ** (13 - decimals))
            exact &= scaled / scale == magnitude
        if not exact.any():
            continue
        digits = scaled[exact].astype(np.int64)
        whole = pc.cast(pa.array(digits // 10**decimals), pa.string())
        fraction = pa.scalar("0")
        if decimals:
            fraction = pc.utf8_lpad(pc.cast(pa.array(digits % 10**decimals), pa.string()),
                                    decimals, "0")  # fmt: skip
            fraction = pc.utf8_rtrim(fraction, "0")
            fraction = pc.if_else(pc.equal(fraction, ""), pa.scalar("0"), fraction)
        text = pc.binary_join_element_wise(whole, fraction, ".")
        negative = np.signbit(x[exact])
        if negative.any():
            signed = pc.binary_join_element_wise(pa.scalar("-"), text, "")
            text = pc.if_else(pa.array(negative), signed, text)
        out[exact] = text.to_numpy(zero_copy_only=False)
        done |= exact
    rest = ~done
    out[rest] = [str(value) for value in x[rest].tolist()]
    return pa.array(out, type=pa.string())


def _arrow_text(array) -> pd.Series:
    return pd.Series(pd.arrays.ArrowStringArray(array), dtype="string[pyarrow]")
