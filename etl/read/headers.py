"""Finding a file's header by content, naming its columns, and folding header names.

Publishers put title rows above the header, super-headers over merged cells, blank
header cells and the same heading twice. The header is the first rows' row most like a
row of labels; its blank cells take the super-header above them (or ``column_N``) and a
repeated name is suffixed ``__2``, ``__3``. :func:`header_key` folds a header for
matching, the same way for the reader (finding the header by known names) and for the
sources (``estate.etl.sources``, matching a header to a raw field), so it lives here,
with the header names whose suffix it ignores.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from estate.etl.read.file_warnings import FileWarning

HEADER_SCAN_ROWS = 30
"""How many of a file's first rows may hold its header."""

_NUMBER = re.compile(r"^[-+£$]?\s*[\d,]*\.?\d+(?:[eE][-+]?\d+)?\s*%?$")


def header_key(name: object) -> str:
    """Fold a header for matching: case, spaces, underscores, punctuation and units ignored.

    >>> header_key("Post Code") == header_key("POSTCODE") == header_key("post_code")
    True
    >>> header_key("GIA (m²)")
    'gia'
    """
    text = str(name).replace("\xa0", " ").lower()
    text = re.sub(r"\((?:£|m²|m2|sq ?m|ha|hectares|gbp|%)\)", "", text)
    text = re.sub(r"__\d+$", "", text)  # the reader's suffix for a repeated header
    return re.sub(r"[^a-z0-9]+", "", text)


def _is_number(cell: str) -> bool:
    return bool(_NUMBER.match(cell))


def find_header(rows: Sequence[Sequence[str | None]], hint: Sequence[str] = ()) -> int:
    """Index of the header row among the first rows: the one most like a row of labels.

    A label row has many non-empty cells that are not numbers; words of ``hint``
    (known header names) count extra; a title row has one cell, a super-header few.
    """
    hint_keys = {header_key(h) for h in hint}
    best, best_score = 0, float("-inf")
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        cells = [c for c in row if c]
        if not cells:
            continue
        texts = sum(1 for c in cells if not _is_number(c))
        numbers = len(cells) - texts
        hits = sum(1 for c in cells if header_key(c) in hint_keys)
        score = texts - 2 * numbers + 5 * hits
        if len(cells) < 2:
            score -= 100  # a title
        if score > best_score:
            best, best_score = index, score
    return best


def header_names(
    rows: Sequence[Sequence[str | None]], header_index: int, width: int
) -> tuple[list[str], list[str]]:
    """The column names (blank cells named, repeats suffixed) and the header cells as found.

    A blank header cell takes the super-header above it, carried right across merged
    cells, else ``column_N``.
    """
    raw = [(rows[header_index][i] if i < len(rows[header_index]) else None) or ""
           for i in range(width)]  # fmt: skip
    above: list[str | None] = [None] * width
    if header_index > 0:
        carried = None
        previous = rows[header_index - 1]
        for i in range(width):
            cell = previous[i] if i < len(previous) else None
            carried = cell or carried  # a merged super-header covers the cells to its right
            above[i] = carried
    names: list[str] = []
    seen: dict[str, int] = {}
    for i, cell in enumerate(raw):
        name = re.sub(r"\s+", " ", cell).strip() or (above[i] or f"column_{i + 1}")
        name = re.sub(r"\s+", " ", name).strip()
        count = seen.get(name.lower(), 0) + 1
        seen[name.lower()] = count
        names.append(name if count == 1 else f"{name}__{count}")
    return names, raw


def repeated_names(raw: Sequence[str], header_row: int) -> list[FileWarning]:
    """A warning for each name the header gives to more than one column (the reader keeps
    them all, suffixed ``__2``; where a row fills several, a source reads the first), so
    that a person knows which of two "AssetCode" columns was taken."""
    columns: dict[str, list[int]] = {}
    for number, cell in enumerate(raw, start=1):
        name = re.sub(r"\s+", " ", cell or "").strip()
        if name:
            columns.setdefault(name.lower(), []).append(number)
    warnings = []
    for numbers in columns.values():
        if len(numbers) > 1:
            name = re.sub(r"\s+", " ", raw[numbers[0] - 1]).strip()
            listed = ", ".join(str(n) for n in numbers[:-1]) + f" and {numbers[-1]}"
            times = "twice" if len(numbers) == 2 else f"{len(numbers)} times"
            warnings.append(FileWarning(header_row, name, None, (
                f"the header has {name} {times} (columns {listed}); where a row fills more "
                "than one, the first is read"
            )))  # fmt: skip
    return warnings
