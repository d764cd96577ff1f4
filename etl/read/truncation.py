"""A delimited file that seems cut short: refused, naming the line where it ends.

A download that stopped, a disk that filled, a copy made while the file was written:
what is left reads as a valid but shorter register, and loading it would treat the
missing assets as gone. Two signs are taken as a cut, and only these, since a register
may legitimately have ragged rows:

* the file ends inside a quoted value (the quote that opened it never closes);
* its last row has fewer fields than the header while every other row has them all.
"""

from __future__ import annotations

import csv
import io
import re

import pandas as pd

from estate.etl.read.table import STRIP, ReadError

_BREAK = re.compile("\r\n|\r|\n")


def last_line_is_short(text: str, frame: pd.DataFrame, delimiter: str) -> bool:
    """Whether the last line holding something has fewer fields than the widest row: a
    cheap test on the fast parser's result (which fills short rows out with empty cells,
    so cannot tell), deciding whether the exact parser must look."""
    end = len(text.rstrip(STRIP))
    start = max(text.rfind("\n", 0, end), text.rfind("\r", 0, end)) + 1
    line = text[start:end]
    if '"' in line:
        fields = sum(part.count(delimiter) for part in line.split('"')[::2]) + 1
    else:
        fields = line.count(delimiter) + 1
    return fields < frame.shape[1]


def check_last_record(
    text: str,
    rows: list[list[str]],
    line_numbers: list[int],
    header_index: int,
    source: str,
    delimiter: str,
) -> None:
    """Refuse text whose last record shows it was cut short (see the module)."""
    data = [i for i in range(header_index + 1, len(rows)) if any(c.strip(STRIP) for c in rows[i])]
    if not data:
        return
    last = data[-1]
    end_line = _line_count(text)
    start = line_numbers[last]
    if _ends_inside_quotes(text, start, delimiter):
        opens = f" that opens on line {start}" if start != end_line else ""
        raise ReadError(
            f"{source}: the file seems cut short at line {end_line}: it ends inside a quoted "
            f"value{opens}"
        )
    width = len(rows[header_index])
    others = data[:-1]
    if others and len(rows[last]) < width and all(len(rows[i]) >= width for i in others):
        raise ReadError(
            f"{source}: the file seems cut short at line {end_line}: its last row has "
            f"{len(rows[last])} of the header's {width} fields, where every other row has all"
        )


def _ends_inside_quotes(text: str, line: int, delimiter: str) -> bool:
    """Whether the record starting on ``line`` runs to the end of the text inside a quoted
    value: the csv module in strict mode says "unexpected end of data" exactly then."""
    reader = csv.reader(
        io.StringIO(text[_line_start(text, line) :], newline=""), delimiter=delimiter, strict=True
    )
    try:
        for _record in reader:
            pass
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def _line_start(text: str, line: int) -> int:
    """Where line ``line`` (1-based) starts in ``text``."""
    if line <= 1:
        return 0
    for number, found in enumerate(_BREAK.finditer(text), start=2):
        if number == line:
            return found.end()
    return len(text)


def _line_count(text: str) -> int:
    """The number of the last line that holds something."""
    end = len(text.rstrip(STRIP))
    return text.count("\n", 0, end) + text.count("\r", 0, end) - text.count("\r\n", 0, end) + 1
