"""What every reader makes of a file: a :class:`Table` of text, or a :class:`ReadError`.

The readers (delimited text, workbooks, vector layers) differ in how they get at the
cells; what a cell is once read is decided here, once: text with its surrounding white
space (no-break spaces, line breaks and a stray byte-order mark included) stripped, and
an empty cell is ``None``. :func:`table_from_rows` builds the table from rows of cells,
its header found by content (:mod:`estate.etl.read.headers`), for the readers that get
rows one by one (the exact CSV parser, the workbooks).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import pandas as pd

from estate.errors import EstateError
from estate.etl.read.file_warnings import FileWarning
from estate.etl.read.headers import find_header, header_names, repeated_names

STRIP = " \t\r\n\xa0\ufeff"
"""The white space a cell is stripped of (a publisher's no-break spaces and BOMs too)."""


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
    warnings: list[FileWarning] = field(default_factory=list)
    """What the reader did that a person should know (see :class:`FileWarning`)."""
    notes: list[str] = field(default_factory=list)
    """What the reader decided for the whole file, one line each for the load's summary:
    the sheet it read and those it skipped, the kind the file was read as where its name
    says another."""
    recognition: object = None
    """What the recogniser made of the columns (``estate.etl.recognise.Recognition``), once
    worked out: the source reading the table and the load's summary share it."""


def clean_cell(cell: str | None) -> str | None:
    """A cell without its surrounding white space; ``None`` when nothing is left."""
    if cell is None:
        return None
    text = cell.strip(STRIP)
    return text or None


def table_from_rows(
    rows: list[list[str]] | list[list[str | None]],
    line_numbers: list[int],
    source: str,
    sheet: str | None,
    hint: Sequence[str],
) -> Table:
    """A table from rows of cells, each with its row number in the file.

    Rows of a workbook (``sheet`` given) come already cleaned (:func:`cell_text`); a
    CSV's are cleaned here. Blank rows are dropped, cells past the header that are empty
    in every row are not columns, and cells past the header that hold something become
    ``_extra_1``, ``_extra_2``...
    """
    cleaned = [[clean_cell(c) for c in row] for row in rows] if sheet is None else rows
    header_index = find_header(cleaned, hint)
    width = max((len(r) for r in cleaned[header_index:]), default=0)
    header_width = len(cleaned[header_index])
    names, raw_names = header_names(cleaned, header_index, max(width, header_width))
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
    header_row = line_numbers[header_index] if line_numbers else 1
    return Table(
        frame=frame.reset_index(drop=True),
        row_numbers=numbers,
        header_row=header_row,
        source=source,
        sheet=sheet,
        columns_raw=raw_names[: max(header_width, 1)],
        warnings=repeated_names(raw_names[: max(header_width, 1)], header_row),
    )


def cell_text(value: object) -> str | None:
    """A workbook cell as text: integral floats without ``.0``, dates as ISO (the readers of
    workbooks, :mod:`estate.etl.read.workbooks` and :mod:`estate.etl.read.sheets`, share it)."""
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
