"""Parsing delimited text (CSV, TSV, semicolon or pipe separated) into a :class:`Table`.

The delimiter is the one the header line uses most. Most files have one record a line,
and are parsed by Arrow's multi-threaded reader (else pandas' C parser), whose row *i*
is then line *i* + 1; a file with quoted line breaks or ragged rows is parsed by the
``csv`` module, which tells each record's first line, so that every message still
points at the line a person sees.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa

from estate.etl.read.files import read_text
from estate.etl.read.headers import HEADER_SCAN_ROWS, find_header, header_names
from estate.etl.read.table import STRIP, ReadError, Table, clean_cell, table_from_rows

DELIMITERS = (",", ";", "\t", "|")


def read_delimited(path: Path, header_hint: Sequence[str]) -> Table:
    """A delimited text file as a :class:`Table`, its header found by content."""
    return table_from_text(read_text(path), path.name, header_hint)


def table_from_text(text: str, source: str, header_hint: Sequence[str]) -> Table:
    """Delimited text as a :class:`Table`: the fast parsers where they keep one record a
    line, else the exact one."""
    delimiter = sniff_delimiter(text)
    csv.field_size_limit(1 << 30)
    frame = _parse_fast(text, delimiter)
    if frame is not None:
        return _table_from_frame(frame, source, header_hint)
    rows, line_numbers = _parse_exact(text, delimiter)
    return table_from_rows(rows, line_numbers, source, None, header_hint)


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
    count, quoted = 0, False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif char == delimiter and not quoted:
            count += 1
    return count


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
