"""Reading workbooks (XLSX, XLSM, legacy XLS, ODS, XLSB) into a :class:`Table`.

python-calamine reads them all, the Home Office ODS that GDAL refuses included, and
tells the format by content, so a workbook saved under another name reads as what it
is. A workbook may hold several sheets: the one asked for, else the one that fits the
register best (:mod:`estate.etl.read.sheets`, which also says why). A workbook that cannot be
opened is described in words (a zip that holds no spreadsheet, a damaged or cut-short
file).

calamine is handed a workbook only once it is known to fit (:func:`check_workbook`):
its zip checked member by member (:mod:`estate.etl.read.archives`) and each sheet's
reach read from its XML (:mod:`estate.etl.read.extents`), since a sheet too large for
memory aborts the process rather than raising. What it then reads is held to the
row, column and cell limits too.
"""

from __future__ import annotations

import functools
import io
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from estate.etl.read.archives import check_archive, display_name, member_names
from estate.etl.read.extents import OdsContentScanner, XlsxSheetScanner, sheet_parts
from estate.etl.read.files import read_head
from estate.etl.read.limits import ReadLimits
from estate.etl.read.sheets import SheetChoice, choose_sheet, judge_sheets
from estate.etl.read.table import ReadError, Table, cell_text, table_from_rows


def check_workbook(path: Path, limits: ReadLimits) -> None:
    """Refuse a zipped workbook (XLSX, XLSM, XLSB, ODS) that would not fit the limits,
    before calamine opens it: its members by the zip's directory and by streaming, and
    each sheet by how far its cells reach. A legacy XLS is not a zip: it is held to the
    limits once read. A check that passed is remembered for the file as it is."""
    status = path.stat()
    _check_zipped_workbook(str(path.resolve()), status.st_mtime_ns, status.st_size, limits)


@functools.lru_cache(maxsize=16)
def _check_zipped_workbook(name: str, _mtime_ns: int, _size: int, limits: ReadLimits) -> None:
    path = Path(name)
    if not zipfile.is_zipfile(path):
        return
    members = member_names(path)
    ods = OdsContentScanner() if "content.xml" in members else None
    xlsx: dict[str, XlsxSheetScanner] = {}

    def feed(member: str):
        if ods is not None and member == "content.xml":
            return ods.feed
        if member.startswith("xl/worksheets/") and member.endswith(".xml"):
            xlsx[member] = XlsxSheetScanner(display_name(member))
            return xlsx[member].feed
        return None

    check_archive(path, limits, feed)
    names = sheet_parts(path) if xlsx else {}
    extents = list(ods.extents) if ods is not None else []
    for member, scanner in xlsx.items():
        scanner.extent.sheet = names.get(member, scanner.extent.sheet)
        extents.append(scanner.extent)
    for extent in extents:
        extent.check(path.name, limits)


def read_sheet_names(path: Path, limits: ReadLimits | None = None) -> list[str]:
    """The workbook's worksheets (empty when it cannot be opened: :func:`read_workbook`
    says why). A workbook past the limits is refused here already."""
    limits = limits or ReadLimits()
    check_workbook(path, limits)
    try:
        return list(open_workbook(path, limits).sheet_names)
    except ReadError:
        return []


def open_workbook(path: Path, limits: ReadLimits) -> Any:
    """The workbook, opened by python-calamine once it is known to fit the limits, by its
    content, not its name (an XLS renamed .xlsx, an XLSX saved as .csv)."""
    from python_calamine import CalamineWorkbook

    check_workbook(path, limits)
    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes()))
    except Exception as exc:  # noqa: BLE001 - calamine raises several kinds
        raise ReadError(
            f"{path.name}: not a readable workbook ({describe_workbook_error(path, exc)})"
        ) from None


def choose_workbook_sheet(
    path: Path, fields: Sequence[str], limits: ReadLimits | None = None
) -> SheetChoice:
    """The sheet of the workbook that holds the records, judged by ``fields`` (header
    spellings of register fields; see :mod:`estate.etl.read.sheets`)."""
    limits = limits or ReadLimits()
    workbook = open_workbook(path, limits)
    return choose_sheet(judge_sheets(workbook, path.name, fields, limits), path.name)


def read_workbook(
    path: Path,
    sheet: str | None,
    header_hint: Sequence[str],
    limits: ReadLimits | None = None,
    fields: Sequence[str] = (),
) -> Table:
    """The sheet asked for, else the sheet whose header best fits ``header_hint`` and
    ``fields`` and that holds the most rows (:mod:`estate.etl.read.sheets`: empty and
    chart sheets skipped); the choice is told in the table's notes."""
    limits = limits or ReadLimits()
    workbook = open_workbook(path, limits)
    names = list(workbook.sheet_names)
    if sheet is not None:
        if sheet not in names:
            raise ReadError(
                f"{path.name}: no sheet named {sheet!r} (the sheets are: {', '.join(names)})"
            )
        table = _read_sheet(workbook, path, sheet, header_hint, limits)
        if table is None:
            raise ReadError(f"{path.name}: sheet {sheet!r} holds no data")
        return table
    fits = judge_sheets(workbook, path.name, [*header_hint, *fields], limits)
    choice = choose_sheet(fits, path.name)
    table = _read_sheet(workbook, path, choice.name, header_hint, limits)
    if table is None:  # judged by its first rows, it holds nothing once read
        raise ReadError(f"{path.name}: the workbook has no data in any sheet")
    table.notes.extend(choice.notes())
    return table


def _read_sheet(
    workbook: Any, path: Path, name: str, header_hint: Sequence[str], limits: ReadLimits
) -> Table | None:
    """One sheet as a table (None when it holds nothing), held to the limits."""
    try:
        sheet_obj = workbook.get_sheet_by_name(name)
        rows = sheet_obj.to_python(skip_empty_area=False)
    except Exception as exc:  # noqa: BLE001
        raise ReadError(f"{path.name}: sheet {name!r} cannot be read ({exc})") from None
    first_row = sheet_obj.start[0] + 1 if sheet_obj.start else 1
    text_rows = [[cell_text(c) for c in row] for row in rows]
    if not any(any(cell for cell in row) for row in text_rows):
        return None
    _check_read(path.name, name, text_rows, first_row, limits)
    return table_from_rows(
        text_rows, list(range(first_row, first_row + len(text_rows))), path.name, name,
        header_hint,
    )  # fmt: skip


def _check_read(
    source: str, sheet: str, rows: list[list[str | None]], first_row: int, limits: ReadLimits
) -> None:
    """Hold a sheet as read to the limits (a legacy XLS is checked only here)."""
    limits.check_rows(source, first_row - 1 + len(rows), f"sheet {sheet!r} has")
    limits.check_columns(source, max((len(row) for row in rows), default=0), f"sheet {sheet!r} has")
    for offset, row in enumerate(rows):
        for column, cell in enumerate(row, start=1):
            if cell is not None and len(cell) > limits.max_cell_chars:
                where = f"sheet {sheet!r}, row {first_row + offset}, column {column}"
                limits.check_cell(source, len(cell), where)


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
