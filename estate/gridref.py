"""Ordnance Survey grid references ("TQ 30000 80000", "SU 123 456") as British National Grid.

A grid reference names a square: two letters for the 100 km square (the first of the
500 km square), then an even count of digits, half easting and half northing, within
it: 4 digits name a 1 km square, 6 a 100 m one, 8 10 m, 10 1 m (2 digits, 10 km, are
read too). A place given as a square is placed at the square's centre, which is never
more than half a square's diagonal from the truth; a 10-figure (1 m) reference is taken
as the point it names. Letters are those of the National Grid: ``I`` is not used, and
Great Britain lies in the 500 km squares S, T, N, O, H and J.

Vectorised over a column: one regular expression (Arrow's RE2) and numpy arithmetic.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from estate.values import WS, extract

_LETTERS = "ABCDEFGHJKLMNOPQRSTUVWXYZ"
"""The grid's 25 letters (no I), in the order that numbers its 5 x 5 squares."""

_OFFSET = {letter: (i % 5, 4 - i // 5) for i, letter in enumerate(_LETTERS)}
"""Each letter's column and row (from the south-west) within its 5 x 5 block."""

_FIRST = {"S": (0, 0), "T": (1, 0), "N": (0, 1), "O": (1, 1), "H": (0, 2), "J": (1, 2)}
"""The 500 km squares over Great Britain: (east, north) in 500 km from the false origin."""

PATTERN = f"^{WS}*([HJNOSTnjhost])([A-HJ-Za-hj-z]){WS}*([0-9]+(?:{WS}+[0-9]+)?){WS}*$"
"""Two grid letters, then digits (one run, or easting and northing apart)."""


def grid_reference_points(text: pd.Series) -> pd.DataFrame:
    """Each cell's grid reference as ``x``, ``y`` (BNG metres, the square's centre) and
    ``precision_m`` (the square's side); NaN where a cell is no grid reference.

    >>> grid_reference_points(pd.Series(["TQ 30000 80000"])).iloc[0].tolist()
    [530000.0, 180000.0, 1.0]
    """
    parts = extract(text.astype("string[pyarrow]"), PATTERN)
    index = text.index
    first = parts[0].str.upper()
    second = parts[1].str.upper()
    digits = parts[2].astype("string[pyarrow]").str.replace(WS, "", regex=True)
    spaced = parts[2].astype("string[pyarrow]").str.contains(WS, regex=True).fillna(False)
    # "SU 123 4567" (halves of different lengths) names no square.
    halves = parts[2].astype("string[pyarrow]").str.split(WS, regex=True)
    uneven = spaced & (halves.str[0].str.len() != halves.str[-1].str.len()).fillna(True)
    count = digits.str.len().fillna(0).astype(int)
    ok = (
        first.notna() & second.notna() & (count >= 2) & (count <= 10) & (count % 2 == 0)
        & ~uneven
    ).to_numpy(dtype=bool)  # fmt: skip
    out = pd.DataFrame(
        {"x": np.nan, "y": np.nan, "precision_m": np.nan}, index=index, dtype="float64"
    )
    if not ok.any():
        return out
    first, second, digits, count = first[ok], second[ok], digits[ok], count[ok]
    big_e = first.map({k: v[0] for k, v in _FIRST.items()}).astype(float)
    big_n = first.map({k: v[1] for k, v in _FIRST.items()}).astype(float)
    small_e = second.map({k: v[0] for k, v in _OFFSET.items()}).astype(float)
    small_n = second.map({k: v[1] for k, v in _OFFSET.items()}).astype(float)
    half = (count // 2).to_numpy()
    east_digits = _halves(digits, half, 0)
    north_digits = _halves(digits, half, 1)
    side = 10.0 ** (5 - half)
    east = pd.to_numeric(east_digits).to_numpy(dtype=float) * side
    north = pd.to_numeric(north_digits).to_numpy(dtype=float) * side
    centre = np.where(side > 1, side / 2, 0.0)
    rows = first.index
    out.loc[rows, "x"] = big_e.to_numpy() * 500_000 + small_e.to_numpy() * 100_000 + east + centre
    out.loc[rows, "y"] = big_n.to_numpy() * 500_000 + small_n.to_numpy() * 100_000 + north + centre
    out.loc[rows, "precision_m"] = side
    return out


def _halves(digits: pd.Series, half: np.ndarray, which: int) -> pd.Series:
    """The easting (``which`` 0) or northing (1) digits of each run, for runs of each length."""
    out = pd.Series("", index=digits.index, dtype=object)
    for length in np.unique(half):
        rows = half == length
        start = 0 if which == 0 else int(length)
        out[rows] = digits[rows].str.slice(start, start + int(length)).to_numpy()
    return out
