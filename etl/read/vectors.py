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

from estate.etl.read.archives import check_archive
from estate.etl.read.files import check_file, read_head
from estate.etl.read.limits import ReadLimits
from estate.etl.read.table import ReadError, Table


def read_vector(path: str | Path, *, layer: str | None = None, limits: ReadLimits | None = None):
    """A GeoPackage, Shapefile (plain or zipped), GeoJSON or FlatGeobuf layer as a
    GeoDataFrame, told by its content whatever its name (a GeoJSON saved as ``.csv``).

    A GeoJSON ``crs`` member (GeoJSON 2008) is honoured; without one, RFC 7946 says
    WGS84. A Shapefile without ``.prj`` has no CRS (the caller decides by ranges).
    Adds ``_row``, the 1-based feature number. A zip is checked against the limits
    before GDAL opens it, and the layer's features and fields once read.
    """
    import geopandas as gpd
    import pyogrio

    path = Path(path)
    limits = limits or ReadLimits()
    check_file(path, limits)
    head = read_head(path, 64)
    if head.startswith(b"PK"):
        check_archive(path, limits)
    source, kind = _gdal_name(path, head)
    try:
        frame = gpd.read_file(source, layer=layer, engine="pyogrio", use_arrow=True)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise ReadError(f"{path.name}: not a readable GIS file ({_why(kind, exc)})") from None
    except Exception as exc:  # noqa: BLE001 - GDAL raises many kinds
        raise ReadError(f"{path.name}: not a readable GIS file ({_why(kind, exc)})") from None
    if kind == "GeoJSON" and frame.crs is None:
        frame = frame.set_crs(4326)
    limits.check_rows(path.name, len(frame), "the layer has", " (features)")
    limits.check_columns(path.name, len(frame.columns) - 1, "the layer has")
    frame["_row"] = range(1, len(frame) + 1)
    return frame


def _gdal_name(path: Path, head: bytes) -> tuple[str, str]:
    """What to hand GDAL, and the kind of file in words: the driver named where the
    content says what it is, so that GDAL does not go by the name."""
    if head.startswith(b"PK"):
        return f"/vsizip/{path}", "zipped Shapefile"
    if head.startswith(b"SQLite format 3\x00"):
        return f"GPKG:{path}", "GeoPackage"
    if head.startswith(b"fgb\x03"):
        return f"FlatGeobuf:{path}", "FlatGeobuf"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"{", b"[")):
        return f"GeoJSON:{path}", "GeoJSON"
    return str(path), "GIS file"


def _why(kind: str, exc: Exception) -> str:
    """GDAL's first line, said as what it means where it can be told."""
    first = _first_line(exc)
    if kind == "GeoPackage" and "not a database" in first:
        return "the GeoPackage is damaged or cut short: it is not a SQLite database"
    if kind == "GeoJSON" and "Failed to read GeoJSON" in first:
        return f"the GeoJSON is damaged or cut short: {first.split('; ', 1)[-1]}"
    return first


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def table_from_vector(path: Path, limits: ReadLimits | None = None) -> Table:
    """A vector layer as a table: attributes as text, plus each feature's point.

    ``_geometry_x``/``_geometry_y`` hold a point on each feature (the point itself, or
    a point inside a polygon) in the layer's CRS, named in ``_geometry_crs``.
    """
    import shapely

    limits = limits or ReadLimits()
    frame = read_vector(path, limits=limits).reset_index(drop=True)
    columns = [c for c in frame.columns if c not in ("geometry", "_row")]
    # Arrow strings (missing as NA), like the CSV reader's: no Python object per cell.
    text = pd.DataFrame(index=frame.index)
    for column in columns:
        values = frame[column]
        if values.dtype == np.float64:
            text[column] = _arrow_text(float_text(values.to_numpy()))
        else:
            text[column] = values.astype("string[pyarrow]")
            _check_cells(path.name, column, text[column], frame["_row"], limits)
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


def _check_cells(source: str, column: str, cells: pd.Series, rows: pd.Series,
                 limits: ReadLimits) -> None:  # fmt: skip
    """The cell limit over a text attribute, in C++ (a feature's text may be long)."""
    import pyarrow.compute as pc

    lengths = pc.utf8_length(pa.array(cells.array))
    longest = pc.max(lengths).as_py() or 0
    if longest > limits.max_cell_chars:
        feature = int(rows.iloc[pc.index(lengths, longest).as_py()])
        limits.check_cell(source, longest, f"feature {feature}, field {column}")


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
