"""Rows that add up the others (a "Grand Total", a pivot's "RA7 Result"): not records.

A register exported from a spreadsheet often ends with a totals row: a word such as
"Total" in one cell, a sum under the areas, and nothing that says where a site is. A
pivot-table export adds a subtotal row under each body ("RA7 Result") and a "Grand
Total" at the foot. Loaded, each would be an asset named nowhere, with a body's or the
whole estate's floor area, and its label would become an organisation. They are set
aside as rejected, saying why, like the NHS files' trust-wide aggregate rows, and the
summary counts them ("not records: 239 summary rows").
"""

from __future__ import annotations

import pandas as pd

PLACE_FIELDS = ("source_ref", "uprn", "name", "address", "street", "postcode", "x", "y",
                "coordinates")  # fmt: skip
"""What says which site a row is; a totals row has none of them."""

LOCATING_FIELDS = ("uprn", "address", "street", "postcode", "x", "y", "coordinates")
"""What places a row on the ground: a summary row labelled in a key column has none."""

KEY_FIELDS = ("org_code", "org_name", "source_ref", "name")
"""The columns a pivot labels its summary rows in ("RA7 Result" under the body's code)."""

TOTAL_WORDS = r"(?i)(?:grand |sub-?|overall )?totals?:?|sum|all sites"
"""A cell that is only a totals word, in a row that names no place."""

SUMMARY_LABELS = (
    r"(?i)(?:grand |sub-? ?|overall )?totals?:?|aggregates?:?"
    r"|[\w&.'/-]+(?: [\w&.'/-]+){0,5} (?:result|sub-? ?total|total)s?"
)
"""A key cell that labels a summary row: a totals word, "Aggregate", or a pivot's
"<code> Result" / "<name> Total" (a few words then the summary word)."""


def find_total_rows(raw: pd.DataFrame) -> pd.DataFrame:
    """The rows that add up others, as rejections: a totals word in a cell of a row that
    names no place, or a summary label in a key column of a row that places nothing."""
    fields = [c for c in raw.columns if c != "_row"]
    names_a_place = raw[[c for c in PLACE_FIELDS if c in raw.columns]].notna().any(axis=1)
    places = raw[[c for c in LOCATING_FIELDS if c in raw.columns]].notna().any(axis=1)
    total = pd.Series(False, index=raw.index)
    word = pd.Series(None, index=raw.index, dtype=object)
    checks = [(column, ~names_a_place, TOTAL_WORDS) for column in fields]
    checks += [(column, ~places, SUMMARY_LABELS) for column in KEY_FIELDS if column in fields]
    for column, candidates, pattern in checks:
        candidates = candidates & ~total
        if not candidates.any():
            continue
        cells = raw.loc[candidates, column].astype("string[pyarrow]").str.strip()
        hit = cells.str.fullmatch(pattern).fillna(False).astype(bool)
        hit = hit.reindex(raw.index, fill_value=False)
        word[hit] = cells.reindex(raw.index)[hit].astype(object)
        total |= hit
    return pd.DataFrame(
        {
            "_row": raw.loc[total, "_row"].astype("int64").to_numpy(),
            "field": None,
            "value": word[total].to_numpy(),
            "reason": ("a totals row ('" + word[total].astype(str) + "'), not a site").to_numpy(),
        }
    )


def describe_total_rows(totals: pd.DataFrame) -> list[str]:
    """The summary's line for the rows set aside as totals (none when there are none)."""
    count = len(totals)
    if not count:
        return []
    return [f"not records: {count} summary row{'s' if count > 1 else ''} (totals, subtotals)"]
