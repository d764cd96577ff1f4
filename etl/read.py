"""Reading the files public bodies publish, as they are: tables of text, and vector layers.

Nobody cleans these files. A CSV may be UTF-8, UTF-8 with a byte-order mark or
Windows-1252; comma, semicolon, tab or pipe separated; with quoted line breaks.
A workbook may carry title rows above its header, super-headers over merged
cells, blank header cells, repeated header names and hundreds of formatted empty
rows (or, in an ODS, a declared million). This module finds the header by
content and returns every cell as text, with the row number a person opening the
file would see, so that every later message can point at a row.

Workbooks (XLSX, XLSM, legacy XLS, ODS) are read with python-calamine, which
reads the Home Office ODS that GDAL refuses. Vector files go through pyogrio.
"""

from __future__ import annotations

import csv
import io
import logging
import math
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from estate.errors import EstateError

logger = logging.getLogger(__name__)

HEADER_SCAN_ROWS = 30
DELIMITERS = (",", ";", "\t", "|")
WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".xlsb"}
VECTOR_SUFFIXES = {".gpkg", ".shp", ".geojson", ".json", ".fgb", ".zip"}
_NUMBER = re.compile(r"^[-+£$]?\s*[\d,]*\.?\d+(?:[eE][-+]?\d+)?\s*%?$")
_STRIP = " \t\r\n\xa0\ufeff"


class ReadError(EstateError):
    """The file cannot be read as a table or layer; the message names the file and why."""


@dataclass
class Table:
    """A file read as text.

    Attributes
    ----------
    frame
        One column a header, every cell a ``str`` or ``None`` (object dtype), surrounding
        white space (including no-break spaces and line breaks) stripped.
    row_numbers
        For each row of ``frame``, its 1-based row (line) number in the file.
    header_row
        1-based row number of the header.
    source
        The file's name, for messages.
    sheet
        The worksheet read, for workbooks.
    columns_raw
        The header cells as found (before blank ones were named and repeats suffixed).
    """

    frame: pd.DataFrame
    row_numbers: list[int]
    header_row: int
    source: str
    sheet: str | None
    columns_raw: list[str]
    geometry: object = None
    """For a vector file: the features' geometries (a GeoSeries in the file's CRS)."""


# -- what kind of file ------------------------------------------------------------------------
def detect_kind(path: str | Path) -> str:
    """``"csv"``, ``"workbook"`` or ``"vector"``, by the file's first bytes, then its name."""
    path = Path(path)
    with open(path, "rb") as handle:
        head = handle.read(4096)
    suffix = path.suffix.lower()
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
        except zipfile.BadZipFile:
            if suffix in WORKBOOK_SUFFIXES:
                return "workbook"  # a damaged workbook: let the reader say so
            raise ReadError(f"{path.name}: the file is a damaged zip archive") from None
        if any(n.lower().endswith(".shp") for n in names):
            return "vector"
        return "workbook"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "workbook"
    if head.startswith(b"SQLite format 3\x00"):
        return "vector"
    if suffix in {".shp", ".gpkg", ".fgb"}:
        return "vector"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"{") and b'"type"' in head:
        return "vector"
    if suffix in WORKBOOK_SUFFIXES:
        return "workbook"
    return "csv"


def read_table(
    path: str | Path, *, sheet: str | None = None, header_hint: Sequence[str] = ()
) -> Table:
    """Read a CSV/TSV or a workbook as a :class:`Table`, its header found by content."""
    path = Path(path)
    if not path.exists():
        raise ReadError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise ReadError(f"{path.name}: the file is empty")
    kind = detect_kind(path)
    if kind == "workbook":
        return _read_workbook(path, sheet, header_hint)
    if kind == "vector":
        return _table_from_vector(path)
    return _read_csv(path, header_hint)


def sheet_names(path: str | Path) -> list[str]:
    """The worksheets of a workbook (empty for other files)."""
    path = Path(path)
    if detect_kind(path) != "workbook":
        return []
    from python_calamine import CalamineWorkbook

    try:
        return list(CalamineWorkbook.from_path(str(path)).sheet_names)
    except Exception:  # noqa: BLE001 - read_table reports the error properly
        return []


def _table_from_vector(path: Path) -> Table:
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


# -- CSV -------------------------------------------------------------------------------------
def decode(data: bytes, name: str) -> str:
    """Text of a file: UTF-8 (with or without BOM), else the detected encoding, else cp1252."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data[:200_000]).best()
        if best is not None and best.encoding not in ("utf_8", "utf-8"):
            text = data.decode(best.encoding)
            logger.info("%s: read as %s", name, best.encoding)
            return text
    except (UnicodeDecodeError, LookupError):
        pass
    logger.info("%s: not UTF-8; read as Windows-1252", name)
    return data.decode("cp1252", errors="replace")


def _head_lines(text: str, count: int) -> list[str]:
    """The first ``count`` lines of ``text`` (as ``splitlines`` cuts them), without
    splitting the whole of a file of a million rows."""
    size = 1 << 16
    while size < len(text):
        lines = text[:size].splitlines()
        if len(lines) > count:  # the first ``count`` lines all ended inside the slice
            return lines[:count]
        size *= 4
    return text.splitlines()[:count]


def _sniff_delimiter(text: str) -> str:
    """The delimiter of the header line (first non-blank line): the most frequent candidate."""
    for line in _head_lines(text, HEADER_SCAN_ROWS):
        if line.strip(_STRIP):
            counts = {d: _count_outside_quotes(line, d) for d in DELIMITERS}
            best = max(counts, key=lambda d: (counts[d], d == ","))
            return best if counts[best] else ","
    return ","


def _count_outside_quotes(line: str, delimiter: str) -> int:
    count, quoted = 0, False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif char == delimiter and not quoted:
            count += 1
    return count


def _read_csv(path: Path, header_hint: Sequence[str]) -> Table:
    text = decode(path.read_bytes(), path.name)
    if not text.strip(_STRIP):
        raise ReadError(f"{path.name}: the file is empty")
    if "\x00" in text[:10_000]:
        raise ReadError(f"{path.name}: this is not a text file (it holds binary data)")
    delimiter = _sniff_delimiter(text)
    csv.field_size_limit(1 << 30)
    frame = _parse_fast(text, delimiter)
    if frame is not None:
        return _table_from_frame(frame, path.name, header_hint)
    rows, line_numbers = _parse_exact(text, delimiter)
    return _table_from_rows(rows, line_numbers, path.name, None, header_hint)


def _parse_fast(text: str, delimiter: str) -> pd.DataFrame | None:
    """Arrow's multi-threaded CSV reader, else pandas' C parser, used when every record is
    one line, so that record *i* is line *i* + 1 (quoted line breaks or ragged rows fall
    back to the exact parser)."""
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    frame = _parse_arrow(text, delimiter, lines)
    if frame is not None:
        return frame
    try:
        frame = pd.read_csv(
            io.StringIO(text), sep=delimiter, header=None, dtype=str, keep_default_na=False,
            na_filter=False, skip_blank_lines=False, engine="c", quotechar='"',
        )  # fmt: skip
    except (pd.errors.ParserError, ValueError):
        return None
    if len(frame) != lines:
        return None
    return frame


def _parse_arrow(text: str, delimiter: str, lines: int) -> pd.DataFrame | None:
    """Every cell as an Arrow string, or None when Arrow cannot keep one record a line."""
    import pyarrow.csv as pacsv

    if "\r" in text:  # old Mac line ends, or CR inside cells: leave them to pandas
        return None
    try:
        table = pacsv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=pacsv.ReadOptions(autogenerate_column_names=True, block_size=1 << 22),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, quote_char='"', newlines_in_values=False,
                ignore_empty_lines=False,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=_AllText(), strings_can_be_null=False
            ),
        )  # fmt: skip
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if table.num_rows != lines:
        return None
    frame = table.to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow")}.get)
    frame.columns = range(frame.shape[1])
    return frame


class _AllText(dict):
    """Arrow column types: text for every column, whatever its name."""

    def __missing__(self, key):
        return pa.string()

    def __contains__(self, key) -> bool:  # Arrow asks before it reads
        return True


def _table_from_frame(frame: pd.DataFrame, source: str, hint: Sequence[str]) -> Table:
    """A table from the C parser's frame: header found by content, cells cleaned per column."""
    import pyarrow.compute as pc

    head = [[_clean(c) for c in row] for row in frame.head(HEADER_SCAN_ROWS).to_numpy().tolist()]
    header_index = find_header(head, hint)
    names, raw_names = _header_names(head, header_index, frame.shape[1])
    data = frame.iloc[header_index + 1 :]
    cleaned = {}
    for position, name in enumerate(names):
        # Kept as Arrow strings (missing as NA): every later step works on them in C++,
        # and converting a column to Python objects and back costs more than the step.
        column = pa.array(data.iloc[:, position].astype("string[pyarrow]").array)
        if isinstance(column, pa.ChunkedArray):
            column = column.combine_chunks()
        column = pc.utf8_trim(column, _STRIP)
        column = pc.if_else(pc.equal(column, ""), pa.scalar(None, pa.string()), column)
        cleaned[name] = pd.Series(pd.arrays.ArrowStringArray(column), index=data.index)
    table = pd.DataFrame(cleaned, index=data.index)
    keep = table.notna().any(axis=1).to_numpy()
    table = table[keep].reset_index(drop=True)
    numbers = (data.index.to_numpy()[keep] + 1).tolist()
    width = max((i + 1 for i, n in enumerate(raw_names) if n), default=1)
    extra = [c for c in table.columns[width:] if table[c].notna().any()]
    table = table[list(table.columns[:width]) + extra]
    table.columns = names[:width] + [f"_extra_{i + 1}" for i in range(len(extra))]
    return Table(table, numbers, header_index + 1, source, None, raw_names[:width])


def _parse_exact(text: str, delimiter: str) -> tuple[list[list[str]], list[int]]:
    """The csv module: quoted line breaks and ragged rows, with each record's first line."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[str]] = []
    starts: list[int] = []
    previous_end = 0
    try:
        for record in reader:
            rows.append(record)
            starts.append(previous_end + 1)
            previous_end = reader.line_num
    except csv.Error as exc:
        raise ReadError(f"line {reader.line_num}: {exc}") from None
    return rows, starts


# -- workbooks -------------------------------------------------------------------------------
def _read_workbook(path: Path, sheet: str | None, header_hint: Sequence[str]) -> Table:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # noqa: BLE001 - calamine raises several kinds
        raise ReadError(
            f"{path.name}: not a readable workbook ({_describe_workbook_error(path, exc)})"
        ) from None
    names = list(workbook.sheet_names)
    if sheet is not None:
        if sheet not in names:
            raise ReadError(
                f"{path.name}: no sheet named {sheet!r} (the sheets are: {', '.join(names)})"
            )
        candidates = [sheet]
    else:
        candidates = names
    best: Table | None = None
    for name in candidates:
        try:
            sheet_obj = workbook.get_sheet_by_name(name)
            rows = sheet_obj.to_python(skip_empty_area=False)
        except Exception as exc:  # noqa: BLE001
            raise ReadError(f"{path.name}: sheet {name!r} cannot be read ({exc})") from None
        first_row = sheet_obj.start[0] + 1 if sheet_obj.start else 1
        text_rows = [[_cell_text(c) for c in row] for row in rows]
        if not any(any(cell for cell in row) for row in text_rows):
            continue
        table = _table_from_rows(
            text_rows, list(range(first_row, first_row + len(text_rows))), path.name, name,
            header_hint,
        )  # fmt: skip
        if sheet is not None or _plausible(table):
            return table
        best = best or table
    if best is None:
        raise ReadError(f"{path.name}: the workbook has no data in any sheet")
    return best


def _plausible(table: Table) -> bool:
    return len(table.frame.columns) >= 3 and len(table.frame) >= 1


def _describe_workbook_error(path: Path, exc: Exception) -> str:
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
        if not any(n.startswith(("xl/", "content.xml")) for n in names):
            return "the file is a zip archive but holds no spreadsheet"
        return "the workbook is damaged or truncated"
    with open(path, "rb") as handle:
        head = handle.read(8)
    if head.startswith(b"PK"):
        return "the workbook is damaged or truncated"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "the legacy Excel file is damaged"
    return "the file is not a spreadsheet"


def _cell_text(value: object) -> str | None:
    """A workbook cell as text: integral floats without ``.0``, dates as ISO."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    text = str(value).strip(_STRIP)
    return text or None


# -- the header ------------------------------------------------------------------------------
def _is_number(cell: str) -> bool:
    return bool(_NUMBER.match(cell))


def find_header(rows: Sequence[Sequence[str | None]], hint: Sequence[str] = ()) -> int:
    """Index of the header row among the first rows: the one most like a row of labels.

    A label row has many non-empty cells that are not numbers; words of ``hint``
    (known header names) count extra; a title row has one cell, a super-header few.
    """
    from estate.etl.sources.base import header_key

    hint_keys = {header_key(h) for h in hint}
    best, best_score = 0, float("-inf")
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        cells = [c for c in row if c]
        if not cells:
            continue
        texts = sum(1 for c in cells if not _is_number(c))
        numbers = len(cells) - texts
        hits = sum(1 for c in cells if header_key(c) in hint_keys)
        score = texts - 2 * numbers + 5 * hits
        if len(cells) < 2:
            score -= 100  # a title
        if score > best_score:
            best, best_score = index, score
    return best


def _header_names(
    rows: Sequence[Sequence[str | None]], header_index: int, width: int
) -> tuple[list[str], list[str]]:
    raw = [(rows[header_index][i] if i < len(rows[header_index]) else None) or ""
           for i in range(width)]  # fmt: skip
    above: list[str | None] = [None] * width
    if header_index > 0:
        carried = None
        previous = rows[header_index - 1]
        for i in range(width):
            cell = previous[i] if i < len(previous) else None
            carried = cell or carried  # a merged super-header covers the cells to its right
            above[i] = carried
    names: list[str] = []
    seen: dict[str, int] = {}
    for i, cell in enumerate(raw):
        name = re.sub(r"\s+", " ", cell).strip() or (above[i] or f"column_{i + 1}")
        name = re.sub(r"\s+", " ", name).strip()
        count = seen.get(name.lower(), 0) + 1
        seen[name.lower()] = count
        names.append(name if count == 1 else f"{name}__{count}")
    return names, raw


def _table_from_rows(
    rows: list[list[str]] | list[list[str | None]],
    line_numbers: list[int],
    source: str,
    sheet: str | None,
    hint: Sequence[str],
) -> Table:
    cleaned = [[_clean(c) for c in row] for row in rows] if sheet is None else rows
    header_index = find_header(cleaned, hint)
    width = max((len(r) for r in cleaned[header_index:]), default=0)
    header_width = len(cleaned[header_index])
    names, raw_names = _header_names(cleaned, header_index, max(width, header_width))
    header_width = len([n for n in raw_names if n]) and max(
        i + 1 for i, n in enumerate(raw_names) if n
    )
    data = cleaned[header_index + 1 :]
    numbers = line_numbers[header_index + 1 :]
    keep = [i for i, row in enumerate(data) if any(row)]
    data = [data[i] for i in keep]
    numbers = [numbers[i] for i in keep]
    columns = names[: max(header_width, 1)]
    extra = width - len(columns)
    columns += [f"_extra_{i + 1}" for i in range(max(extra, 0))]
    frame = pd.DataFrame.from_records(
        [list(r) + [None] * (len(columns) - len(r)) for r in data] if data else [],
        columns=columns,
    ).astype(object)
    if len(frame):
        frame = frame.where(frame.notna(), None)
        # Extra cells past the header that are empty everywhere are not columns.
        empties = [c for c in frame.columns if c.startswith("_extra_") and frame[c].isna().all()]
        frame = frame.drop(columns=empties)
    else:
        frame = pd.DataFrame(columns=names[: max(header_width, 1)], dtype=object)
    return Table(
        frame=frame.reset_index(drop=True),
        row_numbers=numbers,
        header_row=line_numbers[header_index] if line_numbers else 1,
        source=source,
        sheet=sheet,
        columns_raw=raw_names[: max(header_width, 1)],
    )


def _clean(cell: str | None) -> str | None:
    if cell is None:
        return None
    text = cell.strip(_STRIP)
    return text or None


# -- vector files ----------------------------------------------------------------------------
def read_vector(path: str | Path, *, layer: str | None = None):
    """A GeoPackage, Shapefile (plain or zipped) or GeoJSON layer as a GeoDataFrame.

    A GeoJSON ``crs`` member (GeoJSON 2008) is honoured; without one, RFC 7946 says
    WGS84. A Shapefile without ``.prj`` has no CRS (the caller decides by ranges).
    Adds ``_row``, the 1-based feature number.
    """
    import geopandas as gpd
    import pyogrio

    path = Path(path)
    if not path.exists():
        raise ReadError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise ReadError(f"{path.name}: the file is empty")
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
