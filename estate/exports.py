"""Writing tables for people and other programs: CSV safe against formula injection.

Text from publishers' files ends up in spreadsheets. A cell that starts with
``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) is a formula to Excel
and LibreOffice, so such text cells are written with a leading apostrophe,
which spreadsheets show as plain text. Numbers are left alone.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import IO, Any

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
