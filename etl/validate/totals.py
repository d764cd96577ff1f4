"""Rows that add up the others (a "Grand Total" at the foot of a register): not sites.

A register exported from a spreadsheet often ends with a totals row: a word such as
"Total" in one cell, a sum under the areas, and nothing that says where a site is. Loaded,
it would be an asset named nowhere, with the whole estate's floor area. It is set aside
as rejected, saying why, like the NHS files' trust-wide aggregate rows.
"""

from __future__ import annotations

import pandas as pd

PLACE_FIELDS = ("source_ref", "uprn", "name", "address", "street", "postcode", "x", "y",
                "coordinates")  # fmt: skip
"""What says which site a row is; a totals row has none of them."""

TOTAL_WORDS = r"(?i)(?:grand |sub-?|overall )?totals?:?|sum|all sites"


def find_total_rows(raw: pd.DataFrame) -> pd.DataFrame:
    """The rows that name no place and hold a totals word in a cell, as rejections."""
    fields = [c for c in raw.columns if c != "_row"]
    names_a_place = raw[[c for c in PLACE_FIELDS if c in raw.columns]].notna().any(axis=1)
    candidates = ~names_a_place
    total = pd.Series(False, index=raw.index)
    word = pd.Series(None, index=raw.index, dtype=object)
    if candidates.any():
        for column in fields:
            cells = raw.loc[candidates, column].astype("string[pyarrow]").str.strip()
            hit = cells.str.fullmatch(TOTAL_WORDS).fillna(False).astype(bool)
            hit = hit.reindex(raw.index, fill_value=False) & ~total
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
