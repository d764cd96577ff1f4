"""Reading the files public bodies publish, as they are: tables of text, and vector layers.

Nobody cleans these files. A CSV may be UTF-8, UTF-8 with a byte-order mark or
Windows-1252; comma, semicolon, tab or pipe separated; with quoted line breaks.
A workbook may carry title rows above its header, super-headers over merged
cells, blank header cells, repeated header names and hundreds of formatted empty
rows (or, in an ODS, a declared million). This package finds the header by
content and returns every cell as text, with the row number a person opening the
file would see, so that every later message can point at a row.

Some files are hostile, by accident or not: a million columns, a zip bomb, a FIFO, a
sheet declared a million rows long, a download cut short. Each is refused in one line
before it can exhaust the machine or load half a register (the limits are settings:
``ESTATE_MAX_*``), and what a reader had to do to read a file (a line in another
encoding, a header named twice) is returned with the table as warnings.

Workbooks (XLSX, XLSM, legacy XLS, ODS) are read with python-calamine, which
reads the Home Office ODS that GDAL refuses. Vector files go through pyogrio.

The package, by what each module holds:

- :mod:`estate.etl.read.table`: :class:`Table`, :class:`ReadError`, what a cell is once
  read, and a table built from rows of cells;
- :mod:`estate.etl.read.file_warnings`: :class:`FileWarning`, what a reader tells a
  person about a file it still reads;
- :mod:`estate.etl.read.limits`: :class:`ReadLimits`, how much of a file is read, and
  the refusal naming the limit when a file holds more;
- :mod:`estate.etl.read.files`: opening a file (regular files only) and its bytes as
  text (the one place that does either);
- :mod:`estate.etl.read.encodings`: which encoding a text file is read in, by rule;
- :mod:`estate.etl.read.archives`: zip archives checked against the limits, and their
  members read without extracting them;
- :mod:`estate.etl.read.kinds`: what kind of file it is, by its first bytes, then its name;
- :mod:`estate.etl.read.formats`: the format it is read as, in a word, and the note when
  its name says another;
- :mod:`estate.etl.read.delimited`: delimited text, sniffed and parsed;
- :mod:`estate.etl.read.truncation`: delimited text that seems cut short;
- :mod:`estate.etl.read.extents`: how far a workbook's sheets reach, from their XML;
- :mod:`estate.etl.read.sheets`: which sheet of a workbook holds the records, and why;
- :mod:`estate.etl.read.workbooks`: workbooks, their sheets and their errors in words;
- :mod:`estate.etl.read.headers`: finding the header, naming columns, folding names;
- :mod:`estate.etl.read.vectors`: vector layers, as a GeoDataFrame or a table.

What callers use is importable from :mod:`estate.etl.read` itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from estate.etl.read.archives import check_archive
from estate.etl.read.delimited import read_delimited, read_zipped_delimited
from estate.etl.read.file_warnings import FileWarning
from estate.etl.read.files import check_file
from estate.etl.read.formats import name_note
from estate.etl.read.kinds import detect_kind, table_member
from estate.etl.read.limits import LimitError, ReadLimits
from estate.etl.read.sheets import SheetChoice
from estate.etl.read.table import ReadError, Table
from estate.etl.read.vectors import read_vector, table_from_vector
from estate.etl.read.workbooks import choose_workbook_sheet, read_sheet_names, read_workbook

__all__ = [
    "FileWarning", "LimitError", "ReadError", "ReadLimits", "SheetChoice", "Table", "check_file",
    "choose_sheet", "detect_kind", "read_table", "read_vector", "sheet_names",
]  # fmt: skip


def read_table(
    path: str | Path,
    *,
    sheet: str | None = None,
    header_hint: Sequence[str] = (),
    limits: ReadLimits | None = None,
    encoding: str | None = None,
    fields: Sequence[str] = (),
) -> Table:
    """Read a CSV/TSV, a workbook or a GIS layer as a :class:`Table`, its kind told by its
    content and its header found by content, within ``limits`` (the defaults when not
    given). ``encoding`` names a text file's encoding, for one that is not UTF-8, UTF-16
    or Windows-1252. A workbook's sheet, when not named, is the one whose header best fits
    ``header_hint`` and ``fields`` (header spellings of register fields) and that holds the
    most rows. The table's notes say what was decided: the sheet, and the format read
    where the file's name says another."""
    path = Path(path)
    limits = limits or ReadLimits()
    check_file(path, limits)
    kind = detect_kind(path)
    if kind == "workbook":
        table = read_workbook(path, sheet, header_hint, limits, fields)
    elif kind == "vector":
        table = table_from_vector(path, limits)
    elif kind == "zipped-csv":
        check_archive(path, limits)
        table = read_zipped_delimited(path, table_member(path), header_hint, limits, encoding)
    else:
        table = read_delimited(path, header_hint, limits, encoding)
    note = name_note(path, kind)
    if note:
        table.notes.insert(0, note)
    return table


def choose_sheet(
    path: str | Path, fields: Sequence[str] = (), limits: ReadLimits | None = None
) -> SheetChoice | None:
    """For a workbook, the sheet that holds the records (see :mod:`estate.etl.read.sheets`),
    judged by ``fields``, header spellings of register fields; None for other files."""
    path = Path(path)
    limits = limits or ReadLimits()
    check_file(path, limits)
    if detect_kind(path) != "workbook":
        return None
    return choose_workbook_sheet(path, fields, limits)


def sheet_names(path: str | Path, limits: ReadLimits | None = None) -> list[str]:
    """The worksheets of a workbook (empty for other files)."""
    path = Path(path)
    limits = limits or ReadLimits()
    check_file(path, limits)
    if detect_kind(path) != "workbook":
        return []
    return read_sheet_names(path, limits)
