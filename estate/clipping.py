"""Long text cut short where it is listed: names, addresses and references in lists and
in the analyses' frames end at :data:`LIST_TEXT_CHARS` characters, with an ellipsis.

A register is what its publishers wrote, and nothing stops a file (or a hand in the
database) giving an asset a name of megabytes. Shown once, on the asset's own page and
answer, that is the asset's business; repeated in every list that holds it, it made a
page of the API 68 MB and stopped the analysis reading the register (Arrow refuses a
CSV row longer than its read block). A list needs enough of a name to tell one asset
from another, and 500 characters is far more than any real name or address.

The cut is made in SQL (:func:`clipped_sql`), so the long text never leaves the
database for a list.
"""

from __future__ import annotations

LIST_TEXT_CHARS = 500
ELLIPSIS = "\u2026"


def clipped_sql(expression: str, chars: int = LIST_TEXT_CHARS) -> str:
    """SQL for ``expression`` (text) cut to ``chars`` characters, its last one an
    ellipsis when anything was cut; NULL stays NULL.

    >>> clipped_sql("a.name", 10)
    "CASE WHEN length(a.name) > 10 THEN left(a.name, 9) || '…' ELSE a.name END"
    """
    chars = int(chars)
    return (
        f"CASE WHEN length({expression}) > {chars} "
        f"THEN left({expression}, {chars - 1}) || '{ELLIPSIS}' ELSE {expression} END"
    )


def clipped(value: str | None, chars: int = LIST_TEXT_CHARS) -> str | None:
    """:func:`clipped_sql` in Python, for text already read.

    >>> clipped("abcdef", 4)
    'abc…'
    """
    if value is None or len(value) <= chars:
        return value
    return value[: chars - 1] + ELLIPSIS
