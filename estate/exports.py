"""Writing tables for people and other programs: CSV safe against formula injection.

Text from publishers' files ends up in spreadsheets. A cell that starts with
``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) is a formula to Excel
and LibreOffice, so such text cells are written with a leading apostrophe,
which spreadsheets show as plain text. Numbers are left alone.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

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
DATE_FORMAT = "yyyy-mm-dd"


@dataclass
class Sheet:
    """One worksheet: a frame, which of its columns are money, dates or shares, and
    whether a totals row sums the money."""

    name: str
    frame: pd.DataFrame
    money: Sequence[str] = ()
    dates: Sequence[str] = ()
    shares: Sequence[str] = ()
    totals: bool = False
    widths: dict[str, int] = field(default_factory=dict)


def write_xlsx(path: str | Path | IO[bytes], sheets: Sequence[Sheet]) -> None:
    """A formatted workbook: a frozen, bold header, money, date and percentage formats by
    column, optional totals, text neutralised against formulas.

    Written by xlsxwriter in constant-memory mode (rows go straight to disk), so a
    100,000-row schedule costs no more memory than one row. Cells take their column's
    format, so rows are written whole, without per-cell formatting.
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
    money = workbook.add_format({"num_format": MONEY_FORMAT})
    money_bold = workbook.add_format({"num_format": MONEY_FORMAT, "bold": True, "top": 1})
    date = workbook.add_format({"num_format": DATE_FORMAT})
    share = workbook.add_format({"num_format": "0.0%"})
    for sheet in sheets:
        ws = workbook.add_worksheet(sheet.name[:31])
        frame = safe_frame(sheet.frame)
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
            width = sheet.widths.get(column, max(10, min(40, len(str(column)) + 2)))
            ws.set_column(i, i, width, fmt)
        ws.write_row(0, 0, columns, bold)
        ws.freeze_panes(1, 0)
        row = 0
        for row, values in enumerate(_cells(frame), start=1):
            ws.write_row(row, 0, values)
        if columns:
            ws.autofilter(0, 0, max(row, 1), len(columns) - 1)
        if sheet.totals and row:
            ws.write_string(row + 1, 0, "Total", bold)
            for i, column in enumerate(columns):
                if column in sheet.money:
                    total = pd.to_numeric(sheet.frame[column], errors="coerce").sum()
                    ws.write_formula(
                        row + 1,
                        i,
                        f"=SUBTOTAL(9,{_col(i)}2:{_col(i)}{row + 1})",
                        money_bold,
                        round(float(total), 2),
                    )
    workbook.close()


def _col(index: int) -> str:
    from xlsxwriter.utility import xl_col_to_name

    return xl_col_to_name(index)


def _cells(frame: pd.DataFrame) -> Iterator[list[Any]]:
    """Rows of plain Python values: NaN and NA as blanks, dates as datetimes."""
    converted = []
    for column in frame.columns:
        series = frame[column]
        if pd.api.types.is_datetime64_any_dtype(series):
            values = series.dt.to_pydatetime()
            values = [None if pd.isna(v) else v for v in values]
        elif pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
            values = series.astype("float64").to_numpy(na_value=np.nan).tolist()
            values = [None if v != v else v for v in values]
        else:
            values = [_plain(v) for v in series.tolist()]
        converted.append(values)
    yield from (list(row) for row in zip(*converted, strict=True))


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
