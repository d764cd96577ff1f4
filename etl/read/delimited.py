"""Parsing delimited text (CSV, TSV, semicolon or pipe separated) into a :class:`Table`.

The delimiter is the one the header line uses most. Most files have one record a line,
and are parsed by Arrow's multi-threaded reader (else pandas' C parser), whose row *i*
is then line *i* + 1; a file with quoted line breaks or ragged rows is parsed by the
``csv`` module, which tells each record's first line, so that every message still
points at the line a person sees.

The limits (:mod:`estate.etl.read.limits`) are kept before a parser builds anything
from a line: a header of a million columns is refused from its first line, a line
longer than a cell may be is looked at alone. A file that seems cut short (it ends
inside a quoted value, or its last row stops early) is refused
(:mod:`estate.etl.read.truncation`): loading what is left would load a part of a
register as if it were all of it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa

from estate.etl.read.archives import display_name, read_member
from estate.etl.read.files import read_text, text_of
from estate.etl.read.headers import HEADER_SCAN_ROWS, find_header, header_names, repeated_names
from estate.etl.read.limits import ReadLimits
from estate.etl.read.table import STRIP, ReadError, Table, clean_cell, table_from_rows
from estate.etl.read.truncation import check_last_record, last_line_is_short

DELIMITERS = (",", ";", "\t", "|")


def read_delimited(
    path: Path,
    header_hint: Sequence[str],
    limits: ReadLimits | None = None,
    encoding: str | None = None,
) -> Table:
    """A delimited text file as a :class:`Table`, its header found by content."""
    limits = limits or ReadLimits()
    decoded = read_text(path, limits, encoding)
    table = table_from_text(decoded.text, path.name, header_hint, limits, decoded.longest_line)
    table.warnings[:0] = decoded.warnings
    return table


def read_zipped_delimited(
    path: Path,
    member: str,
    header_hint: Sequence[str],
    limits: ReadLimits | None = None,
    encoding: str | None = None,
) -> Table:
    """The one CSV of a zip, read from memory (never extracted: its name may climb out of
    any folder it would be written to)."""
    limits = limits or ReadLimits()
    decoded = text_of(read_member(path, member, limits), f"{path.name} ({display_name(member)})",
                      encoding)  # fmt: skip
    table = table_from_text(decoded.text, path.name, header_hint, limits, decoded.longest_line)
    table.warnings[:0] = decoded.warnings
    return table


def table_from_text(
    text: str,
    source: str,
    header_hint: Sequence[str],
    limits: ReadLimits | None = None,
    longest_line: int | None = None,
) -> Table:
    """Delimited text as a :class:`Table`: the fast parsers where they keep one record a
    line, else the exact one; refused when past a limit or cut short. ``longest_line``
    (in bytes, from :func:`estate.etl.read.files.longest_line`) spares the search for
    long lines in a file that has none."""
    limits = limits or ReadLimits()
    delimiter = sniff_delimiter(text)
    csv.field_size_limit(1 << 30)
    _check_head(text, delimiter, source, limits)
    if longest_line is None or longest_line > limits.max_cell_chars:
        _check_long_lines(text, delimiter, source, limits)
    frame = _parse_fast(text, delimiter)
    padded = frame is not None and frame.attrs.get("padded")
    if frame is not None and not (padded and last_line_is_short(text, frame, delimiter)):
        limits.check_columns(source, frame.shape[1])
        table = _table_from_frame(frame, source, header_hint, limits)
    else:
        rows, line_numbers = _parse_exact(text, delimiter, source)
        limits.check_columns(source, max((len(row) for row in rows), default=0))
        head = [[clean_cell(c) for c in row] for row in rows[:HEADER_SCAN_ROWS]]
        check_last_record(text, rows, line_numbers, find_header(head, header_hint), source,
                          delimiter)  # fmt: skip
        _check_cells(rows, line_numbers, source, limits)
        table = table_from_rows(rows, line_numbers, source, None, header_hint)
        limits.check_rows(source, table.header_row + len(table.frame))
    return table


def _check_head(text: str, delimiter: str, source: str, limits: ReadLimits) -> None:
    """Refuse a file whose first lines (where its header is) hold more columns than the
    limit, before any parser splits them."""
    for line in _head_lines(text, HEADER_SCAN_ROWS):
        limits.check_columns(source, _count_outside_quotes(line, delimiter) + 1)


def _check_long_lines(text: str, delimiter: str, source: str, limits: ReadLimits) -> None:
    """Refuse a cell longer than the limit on a line longer than a cell may be: each such
    line is found by one regular expression and split alone, so the parsers never copy it."""
    if len(text) <= limits.max_cell_chars:
        return
    longer = limits.max_cell_chars + 1
    long_line = re.compile(rf"(?m)^[^\r\n]{{{longer}}}[^\r\n]*")
    for match in long_line.finditer(text):
        cells = next(csv.reader([match.group()], delimiter=delimiter), [])
        longest = max(range(len(cells)), key=lambda i: len(cells[i]), default=None)
        if longest is not None and len(cells[longest]) > limits.max_cell_chars:
            line = _line_number(text, match.start())
            where = f"line {line}, column {longest + 1}"
            limits.check_cell(source, len(cells[longest]), where)


def _check_cells(
    rows: list[list[str]], line_numbers: list[int], source: str, limits: ReadLimits
) -> None:
    """The cell limit over what the exact parser read (a cell may span lines)."""
    for row, line in zip(rows, line_numbers, strict=True):
        for column, cell in enumerate(row, start=1):
            if len(cell) > limits.max_cell_chars:
                limits.check_cell(source, len(cell), f"line {line}, column {column}")


def _line_number(text: str, position: int) -> int:
    """The line (1-based, CR LF, CR or LF ending a line) of a position in ``text``."""
    before = text.count("\n", 0, position) + text.count("\r", 0, position)
    return before - text.count("\r\n", 0, position) + 1


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


def sniff_delimiter(text: str) -> str:
    """The delimiter of the header line (first non-blank line): the most frequent candidate."""
    for line in _head_lines(text, HEADER_SCAN_ROWS):
        if line.strip(STRIP):
            counts = {d: _count_outside_quotes(line, d) for d in DELIMITERS}
            best = max(counts, key=lambda d: (counts[d], d == ","))
            return best if counts[best] else ","
    return ","


def _count_outside_quotes(line: str, delimiter: str) -> int:
    """Delimiters outside quotes: those of every other stretch between quote marks (a
    doubled quote opens and closes a stretch of none), counted in C."""
    if '"' not in line:
        return line.count(delimiter)
    return sum(stretch.count(delimiter) for stretch in line.split('"')[::2])


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
    frame.attrs["padded"] = True  # short rows were filled out with empty cells
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


def _table_from_frame(
    frame: pd.DataFrame, source: str, hint: Sequence[str], limits: ReadLimits
) -> Table:
    """A table from the C parser's frame: header found by content, cells cleaned per column."""
    import pyarrow.compute as pc

    head = [
        [clean_cell(c) for c in row] for row in frame.head(HEADER_SCAN_ROWS).to_numpy().tolist()
    ]
    header_index = find_header(head, hint)
    names, raw_names = header_names(head, header_index, frame.shape[1])
    data = frame.iloc[header_index + 1 :]
    cleaned = {}
    for position, name in enumerate(names):
        # Kept as Arrow strings (missing as NA): every later step works on them in C++,
        # and converting a column to Python objects and back costs more than the step.
        column = pa.array(data.iloc[:, position].astype("string[pyarrow]").array)
        if isinstance(column, pa.ChunkedArray):
            column = column.combine_chunks()
        longest = pc.max(pc.utf8_length(column)).as_py() or 0
        if longest > limits.max_cell_chars:
            lengths = pc.utf8_length(column).to_numpy(zero_copy_only=False)
            offset = int(next(i for i, n in enumerate(lengths) if n == longest))
            where = f"line {int(data.index[offset]) + 1}, column {position + 1}"
            limits.check_cell(source, longest, where)
        column = pc.utf8_trim(column, STRIP)
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
    limits.check_rows(source, header_index + 1 + len(table))
    warnings = repeated_names(raw_names[:width], header_index + 1)
    return Table(table, numbers, header_index + 1, source, None, raw_names[:width],
                 warnings=warnings)  # fmt: skip


def _parse_exact(text: str, delimiter: str, source: str) -> tuple[list[list[str]], list[int]]:
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
        raise ReadError(f"{source}: line {reader.line_num}: {exc}") from None
    return rows, starts
