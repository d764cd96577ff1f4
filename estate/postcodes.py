"""UK postcodes as publishers write them, in the standard form ("WA14 1PF").

Kept apart from :mod:`estate.values` (numbers, money, dates) so each holds one kind of
value; vectorised the same way.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from estate.values import WS, Parsed, extract, nullify

OUTWARD = r"[A-Z]{1,2}[0-9][A-Z0-9]?"
INWARD = r"[0-9][A-Z]{2}"
_SPACES = WS + "+"


def normalise_postcode(series: pd.Series) -> Parsed:
    """UK postcodes in the standard form "WA14 1PF".

    Spaces (also no-break spaces and line breaks) are removed and put back before
    the inward code; a letter O where a digit must be is read as zero; an outward
    code alone ("M41") is kept and flagged ``postcode_outward_only``.
    """
    raw = nullify(series)
    text = raw.astype("string").str.upper().str.replace(_SPACES, "", regex=True)
    text = text.where(text != "")
    outward = text.str.slice(0, -3)
    inward = text.str.slice(-3)
    full_ok = outward.str.fullmatch(OUTWARD).fillna(False) & inward.str.fullmatch(INWARD).fillna(
        False
    )
    # A letter O typed for a zero: in the inward code's digit, and after the area letters.
    area = pd.Series(extract(outward, r"^([A-Z]{1,2})")[0], index=outward.index).fillna("")
    fixed_outward = area + _after_area(outward, area).str.replace("O", "0", regex=False)
    fixed_inward = inward.str.slice(0, 1).str.replace("O", "0", regex=False) + inward.str.slice(1)
    fixed_ok = (
        (~full_ok)
        & fixed_outward.str.fullmatch(OUTWARD).fillna(False)
        & (fixed_inward.str.fullmatch(INWARD).fillna(False))
    )
    value = pd.Series(None, index=raw.index, dtype=object)
    value[full_ok] = (outward + " " + inward)[full_ok]
    value[fixed_ok] = (fixed_outward + " " + fixed_inward)[fixed_ok]
    only_outward = text.notna() & ~full_ok & ~fixed_ok & text.str.fullmatch(OUTWARD).fillna(False)
    value[only_outward] = text[only_outward]
    bad = text.notna() & value.isna()
    problem = pd.Series(None, index=raw.index, dtype=object)
    problem[bad] = ("'" + raw[bad].astype(str).str.strip() + "' is not a UK postcode").astype(
        object
    )
    flag = pd.Series(np.where(only_outward, "postcode_outward_only", None), index=raw.index)
    flag[fixed_ok] = "postcode_corrected"
    return Parsed(value, problem, flag)


def _after_area(outward: pd.Series, area: pd.Series) -> pd.Series:
    """The outward code after its area letters (vectorised slice of varying length)."""
    one = area.str.len() == 1
    return outward.str.slice(2).where(~one, outward.str.slice(1)).fillna("")
