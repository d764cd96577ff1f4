"""Writing tables for people and other programs: CSV safe against formula injection.

Text from publishers' files ends up in spreadsheets. A cell that starts with
``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) is a formula to Excel
and LibreOffice, so such text cells are written with a leading apostrophe,
which spreadsheets show as plain text. Numbers are left alone.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from estate.labels import for_people, heading

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A cell value that a spreadsheet will not run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every text cell neutralised (vectorised per column)."""
    out = frame.copy()
    for column in out.columns:
        if isinstance(out[column].dtype, pd.CategoricalDtype):
            out[column] = out[column].astype(object)
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            text = out[column].astype("string")
            risky = text.str.match(r"^[=+\-@\t\r]").fillna(False).to_numpy()
            if risky.any():
                out.loc[risky, column] = "'" + text[risky]
    return out


def write_csv(rows: Iterable[Sequence[Any]], header: Sequence[str], stream: IO[str]) -> int:
    """Stream rows to CSV (flat memory), neutralising formula-like text; returns the count."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
        count += 1
    return count


# --- workbooks -------------------------------------------------------------------

MONEY_FORMAT = "£#,##0.00;[Red]-£#,##0.00"
WHOLE_POUNDS = "£#,##0;[Red]-£#,##0"
DATE_FORMAT = "yyyy-mm-dd"


@dataclass
class Sheet:
    """One worksheet: a frame, which of its columns are money, dates or shares, and
    whether a totals row sums the money (except ``not_summed``: running totals, say)."""

    name: str
    frame: pd.DataFrame
    money: Sequence[str] = ()
    dates: Sequence[str] = ()
    shares: Sequence[str] = ()
    totals: bool = False
    widths: dict[str, int] = field(default_factory=dict)
    not_summed: Sequence[str] = ()
    # For people: plain headings, codes as labels, numbers rounded to their unit
    # (estate.labels). False for layouts whose headings are prescribed (the LGA's).
    plain: bool = True
    # For a meeting: money to the pound and areas to the m² (the schedules and the
    # analyses' workbooks); the register keeps its pence.
    whole: bool = False
    total_label: str = "Total"


def write_xlsx(
    path: str | Path | IO[bytes],
    sheets: Sequence[Sheet],
    names: Mapping[str, str] | None = None,
) -> None:
    """A formatted workbook: a frozen, bold header, money, date and percentage formats by
    column, optional totals, text neutralised against formulas; in a sheet for people,
    bodies by their names when ``names`` (:func:`estate.labels.body_names`) is given.

    Written by xlsxwriter in constant-memory mode (rows go straight to disk), so a
    100,000-row schedule costs no more memory than one chunk of rows. Cells take their
    column's format, so no cell carries a format of its own.
    """
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        path,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "nan_inf_to_errors": True,
            "in_memory": not isinstance(path, (str, Path)),
        },
    )
    bold = workbook.add_format({"bold": True, "bg_color": "#DDE4EE", "border": 1})
    date = workbook.add_format({"num_format": DATE_FORMAT})
    share = workbook.add_format({"num_format": "0.0%"})
    for sheet in sheets:
        pounds = WHOLE_POUNDS if sheet.whole else MONEY_FORMAT
        money = workbook.add_format({"num_format": pounds})
        money_bold = workbook.add_format({"num_format": pounds, "bold": True, "top": 1})
        ws = workbook.add_worksheet(sheet.name[:31])
        _print_setup(ws)
        frame = for_people(sheet.frame, list(sheet.money), names) if sheet.plain else sheet.frame
        if sheet.whole:
            frame = _whole(frame, sheet.money)
        columns = list(frame.columns)
        for i, column in enumerate(columns):
            fmt = (
                money
                if column in sheet.money
                else date
                if column in sheet.dates
                else share
                if column in sheet.shares
                else None
            )
            shown = heading(column) if sheet.plain else str(column)
            width = sheet.widths.get(column, max(10, min(40, len(shown) + 2)))
            ws.set_column(i, i, width, fmt)
        ws.write_row(0, 0, [heading(c) if sheet.plain else c for c in columns], bold)
        ws.freeze_panes(1, 0)
        row = _write_rows(ws, frame)
        if columns:
            ws.autofilter(0, 0, max(row, 1), len(columns) - 1)
        if sheet.totals and row:
            ws.write_string(row + 1, 0, sheet.total_label, bold)
            for i, column in enumerate(columns):
                if column in sheet.money and column not in sheet.not_summed:
                    total = pd.to_numeric(frame[column], errors="coerce").sum()
                    ws.write_formula(
                        row + 1,
                        i,
                        f"=SUBTOTAL(9,{_col(i)}2:{_col(i)}{row + 1})",
                        money_bold,
                        round(float(total), 0 if sheet.whole else 2),
                    )
    workbook.close()


def _print_setup(ws: Any) -> None:
    """Fit to print: landscape A4, as wide as one page, the header row on every page."""
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)


def _whole(frame: pd.DataFrame, money: Sequence[str]) -> pd.DataFrame:
    """Money to the pound and areas to the m², as a partners' meeting reads them."""
    out = frame.copy()
    for column in out.columns:
        is_float = pd.api.types.is_float_dtype(out[column])
        if is_float and (column in money or str(column).endswith("_m2")):
            out[column] = out[column].round(0)
    return out


def _col(index: int) -> str:
    from xlsxwriter.utility import xl_col_to_name

    return xl_col_to_name(index)


_EXCEL_EPOCH = np.datetime64("1899-12-30")


def _write_rows(ws: Any, frame: pd.DataFrame, chunk: int = 5_000) -> int:
    """Write the frame's rows below the header; returns the last row written.

    Rows go in chunks, so memory holds one chunk's converted values, not the whole
    sheet's. Each column of a chunk is converted at once (numbers to floats, dates to
    Excel serial numbers shown by the column's date format, text neutralised), and each
    cell goes to xlsxwriter's typed writer for its column, skipping the per-cell type
    dispatch of ``write_row`` and leaving blanks unwritten.
    """
    kinds = [_column_kind(frame[c]) for c in frame.columns]
    writers = {
        "number": ws._write_number,
        "date": ws._write_number,
        "text": ws._write_string,
        "bool": ws._write_string,
    }
    row = 0
    for start in range(0, len(frame), chunk):
        part = safe_frame(frame.iloc[start : start + chunk])
        columns = [
            (writers[kind], _convert(part[column], kind))
            for column, kind in zip(part.columns, kinds, strict=True)
        ]
        for row, values in enumerate(zip(*(v for _, v in columns), strict=True), start=start + 1):
            for col, value in enumerate(values):
                if value is not None:
                    columns[col][0](row, col, value)
    return row


def _column_kind(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "bool"
    if pd.api.types.is_datetime64_any_dtype(series) or _is_date_column(series):
        return "date"
    if pd.api.types.is_numeric_dtype(series):
        return "number"
    return "text"


def _convert(series: pd.Series, kind: str) -> list[Any]:
    if kind == "bool":
        return [
            None if v is None or v is pd.NA else str(bool(v)).upper()
            for v in series.astype(object).tolist()
        ]
    if kind == "date":
        # Seconds, not pandas' nanoseconds: a 999-year lease ends after 2262.
        if pd.api.types.is_datetime64_any_dtype(series):
            stamps = series.dt.tz_localize(None).to_numpy() if series.dt.tz else series.to_numpy()
            stamps = stamps.astype("datetime64[s]")
        else:
            stamps = np.array(
                [
                    np.datetime64("NaT") if v is None or pd.isna(v) else np.datetime64(v, "s")
                    for v in series.tolist()
                ],
                dtype="datetime64[s]",
            )
        return _floats((stamps - _EXCEL_EPOCH) / np.timedelta64(1, "D"))
    if kind == "number":
        return _floats(series.to_numpy("float64", na_value=np.nan))
    return [_text(v) for v in series.tolist()]


def _floats(values: np.ndarray) -> list[float | None]:
    return [None if v != v else v for v in values.tolist()]


def _is_date_column(series: pd.Series) -> bool:
    """Object columns holding dates (read from the database as ``datetime.date``)."""
    if series.dtype != object:
        return False
    sample = series.dropna()
    return not sample.empty and all(isinstance(v, dt.date) for v in sample.iloc[:20])


def _text(value: Any) -> str | None:
    plain = _plain(value)
    if plain is None:
        return None
    return plain if isinstance(plain, str) else str(plain)


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    return value


def write_frame_csv(frame: pd.DataFrame, stream: IO[str], chunk: int = 50_000) -> int:
    """A frame to CSV in chunks (formula-safe), so memory stays flat beside the frame."""
    header = True
    for start in range(0, max(len(frame), 1), chunk):
        part = safe_frame(frame.iloc[start : start + chunk])
        part.to_csv(stream, index=False, header=header, lineterminator="\n", date_format="%Y-%m-%d")
        header = False
    return len(frame)


# --- geodata ---------------------------------------------------------------------


def geo_frame(frame: pd.DataFrame, geometry: Any = None, x: str = "x", y: str = "y"):
    """A GeoDataFrame in the storage CRS: from a geometry array, or from x/y columns."""
    import geopandas as gpd

    from estate.crs import STORAGE_SRID

    if geometry is None:
        geometry = gpd.points_from_xy(frame[x], frame[y], crs=STORAGE_SRID)
    data = safe_frame(frame.drop(columns=[c for c in (x, y) if c in frame.columns]))
    for column in data.columns:
        if data[column].dtype == object:
            data[column] = data[column].map(_plain).astype("string")
    return gpd.GeoDataFrame(data, geometry=geometry, crs=STORAGE_SRID)


def write_geo(gdf, path: str | Path | IO[bytes], driver: str) -> None:
    """GeoJSON in WGS84 (RFC 7946 asks for it) or a GeoPackage in British National Grid."""
    if driver == "GeoJSON":
        gdf = gdf.to_crs(4326)
        if not isinstance(path, (str, Path)):
            path.write(gdf.to_json(drop_id=True, to_wgs84=False).encode())
            return
    gdf.to_file(path, driver=driver, engine="pyogrio")


def geojson_text(frame: pd.DataFrame, geometry: Any, columns: Sequence[str]) -> str:
    """Features of ``frame`` (``columns`` as properties, ``geometry`` an array in the
    storage CRS) as a GeoJSON FeatureCollection in WGS84, for programs and the map.

    Text is left as it is: JSON is data, and every page that shows it sets it as text.
    """
    import json

    import shapely

    from estate.crs import STORAGE_SRID, WGS84_SRID, transformer

    geoms = np.asarray(geometry, dtype=object)
    project = transformer(STORAGE_SRID, WGS84_SRID)
    # Degrees to 6 decimals (about 0.1 m), rounded as they are projected: GEOS's
    # set_precision does the same and more (snapping, re-noding), at several times the
    # cost, and was most of the time of a map view's co-location outlines.
    wgs84 = shapely.transform(
        geoms, lambda xy: np.round(np.column_stack(project.transform(xy[:, 0], xy[:, 1])), 6)
    )
    shapes = shapely.to_geojson(wgs84)
    records = json.loads(
        frame[list(columns)].to_json(orient="records", date_format="iso", default_handler=str)
    )
    features = ",".join(
        f'{{"type":"Feature","geometry":{shape if shape is not None else "null"},'
        f'"properties":{json.dumps(props)}}}'
        for shape, props in zip(shapes, records, strict=True)
    )
    return f'{{"type":"FeatureCollection","features":[{features}]}}'
