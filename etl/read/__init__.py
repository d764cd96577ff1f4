"""Reading the files public bodies publish, as they are: tables of text, and vector layers.

Nobody cleans these files. A CSV may be UTF-8, UTF-8 with a byte-order mark or
Windows-1252; comma, semicolon, tab or pipe separated; with quoted line breaks.
A workbook may carry title rows above its header, super-headers over merged
cells, blank header cells, repeated header names and hundreds of formatted empty
rows (or, in an ODS, a declared million). This package finds the header by
content and returns every cell as text, with the row number a person opening the
file would see, so that every later message can point at a row.

Workbooks (XLSX, XLSM, legacy XLS, ODS) are read with python-calamine, which
reads the Home Office ODS that GDAL refuses. Vector files go through pyogrio.

The package, by what each module holds:

- :mod:`estate.etl.read.table`: :class:`Table`, :class:`ReadError`, what a cell is once
  read, and a table built from rows of cells;
- :mod:`estate.etl.read.files`: opening a file and decoding its bytes (the one place
  that does either);
- :mod:`estate.etl.read.kinds`: what kind of file it is, by its first bytes and name;
- :mod:`estate.etl.read.delimited`: delimited text, sniffed and parsed;
- :mod:`estate.etl.read.workbooks`: workbooks, their sheets and their errors in words;
- :mod:`estate.etl.read.headers`: finding the header, naming columns, folding names;
- :mod:`estate.etl.read.vectors`: vector layers, as a GeoDataFrame or a table.

What callers use is importable from :mod:`estate.etl.read` itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from estate.etl.read.delimited import read_delimited
from estate.etl.read.files import check_file
from estate.etl.read.kinds import detect_kind
from estate.etl.read.table import ReadError, Table
from estate.etl.read.vectors import read_vector, table_from_vector
from estate.etl.read.workbooks import read_sheet_names, read_workbook

__all__ = ["ReadError", "Table", "detect_kind", "read_table", "read_vector", "sheet_names"]


def read_table(
    path: str | Path, *, sheet: str | None = None, header_hint: Sequence[str] = ()
) -> Table:
    """Read a CSV/TSV or a workbook as a :class:`Table`, its header found by content."""
    path = Path(path)
    check_file(path)
    kind = detect_kind(path)
    if kind == "workbook":
        return read_workbook(path, sheet, header_hint)
    if kind == "vector":
        return table_from_vector(path)
    return read_delimited(path, header_hint)


def sheet_names(path: str | Path) -> list[str]:
    """The worksheets of a workbook (empty for other files)."""
    path = Path(path)
    if detect_kind(path) != "workbook":
        return []
    return read_sheet_names(path)
