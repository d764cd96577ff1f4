"""Reading workbooks (XLSX, XLSM, legacy XLS, ODS, XLSB) into a :class:`Table`.

python-calamine reads them all, the Home Office ODS that GDAL refuses included. A
workbook may hold several sheets: the one asked for, else the first that looks like a
register (three columns or more, a row of data). A workbook that cannot be opened is
described in words (a zip that holds no spreadsheet, a damaged or cut-short file).
"""

from __future__ import annotations

import math
import zipfile
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path

from estate.etl.read.files import read_head
from estate.etl.read.table import STRIP, ReadError, Table, table_from_rows


def read_sheet_names(path: Path) -> list[str]:
    """The workbook's worksheets (empty when it cannot be opened: :func:`read_workbook`
    says why)."""
    from python_calamine import CalamineWorkbook

    try:
        return list(CalamineWorkbook.from_path(str(path)).sheet_names)
    except Exception:  # noqa: BLE001 - read_table reports the error properly
        return []


def read_workbook(path: Path, sheet: str | None, header_hint: Sequence[str]) -> Table:
    """The sheet asked for, else the first plausible sheet (else the first with data)."""
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # noqa: BLE001 - calamine raises several kinds
        raise ReadError(
            f"{path.name}: not a readable workbook ({describe_workbook_error(path, exc)})"
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
        text_rows = [[cell_text(c) for c in row] for row in rows]
        if not any(any(cell for cell in row) for row in text_rows):
            continue
        table = table_from_rows(
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


def describe_workbook_error(path: Path, exc: Exception) -> str:
    """Why a workbook cannot be opened, in words (calamine's own messages are a parser's)."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
        if not any(n.startswith(("xl/", "content.xml")) for n in names):
            return "the file is a zip archive but holds no spreadsheet"
        return "the workbook is damaged or truncated"
    head = read_head(path, 8)
    if head.startswith(b"PK"):
        return "the workbook is damaged or truncated"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "the legacy Excel file is damaged"
    return "the file is not a spreadsheet"


def cell_text(value: object) -> str | None:
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
    text = str(value).strip(STRIP)
    return text or None
