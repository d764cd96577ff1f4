"""Areas as people write them: units, two units in one cell, ranges, decimal commas.

A publisher's site area is rarely a bare number. Seen in real files: ``0.5 hectares
(1.2 acres)``, ``c. 500 m²``, ``100-150 sq m``, ``1,000 sq ft``, ``12,5 m²`` (a decimal
comma), ``n/a``. Each written form is one *family*, read by one regular expression over
the column (Arrow's RE2, in C++) and plain arithmetic, on the few cells that are not plain
numbers already (:func:`estate.values.fast_then_messy`):

========================  =========================================================
family                    read as
========================  =========================================================
``1,234 sq m``            one number, one unit (m², sq m, sqm, m2; ha, hectares;
                          acres; sq ft, sqft, ft²); none: the column's unit
``0.5 ha (1.2 acres)``    the first; the second is checked, and a warning given
                          where they differ by more than :data:`UNITS_AGREE` (5%)
``100-150 m²``            the midpoint, with a warning: a register holds one figure,
                          and the midpoint is the nearer to the truth of either end
``c. 500`` / ``~500``     the number (a register's figures are all approximate)
========================  =========================================================

Decimal commas are read from the column's context: ``12,5`` and ``1.234,5`` are
unambiguous, and a column that holds them (and no ``12.5`` or ``1,234.5``) writes
``1,234`` for one and a bit, not for twelve hundred.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from estate.values import (
    WS,
    Parsed,
    arrow_text,
    as_floats,
    extract,
    nullify,
    numeric_text,
    quoted_problem,
    strip_qualifier,
)

SQ_M, HECTARE, ACRE, SQ_FT = 1.0, 10_000.0, 4046.8564224, 0.09290304

AREA_UNITS = {
    **dict.fromkeys(("m2", "sqm", "sqmetres", "sqmeters", "sqmetre", "sqmtrs", "sqmtr",
                     "squaremetres", "squaremeters", "squaremetre", "metressquared", "msq",
                     "sqmts"), SQ_M),
    **dict.fromkeys(("ha", "has", "hectare", "hectares", "hect", "hects"), HECTARE),
    **dict.fromkeys(("acre", "acres", "ac"), ACRE),
    **dict.fromkeys(("sqft", "ft2", "squarefeet", "squarefoot", "sqfeet", "sqfoot", "sf"),
                    SQ_FT),
}  # fmt: skip
"""Area units, written without spaces and dots ("sq. m." is ``sqm``, "m²" ``m2``), to m²."""

DEFAULT_UNITS = {"m2": SQ_M, "ha": HECTARE}
"""The units a column may be in when its cells name none (site areas are often hectares)."""

UNITS_AGREE = 0.05
"""How far the two areas of one cell ("0.5 ha (1.2 acres)") may differ before a warning."""

_NUM = r"[-\(]?[0-9](?:[0-9.,' ]*[0-9])?\)?"
_UNIT = r"[a-z²][a-z²0-9.^ ]*"
_SINGLE = f"^({_NUM}){WS}*({_UNIT})?$"
_PAIR = (
    f"^({_NUM}){WS}*({_UNIT})?{WS}*[\\(/\\[;]{WS}*(?:c\\.|ca\\.|approx\\.?|~)?{WS}*"
    f"({_NUM}){WS}*({_UNIT}){WS}*[)\\]]?$"
)
_RANGE = f"^({_NUM}){WS}*({_UNIT})?{WS}*(?:-|–|—|to){WS}*({_NUM}){WS}*({_UNIT})?$"

# Evidence, in a column, of which mark is the decimal one.
_COMMA_DECIMAL = r"[0-9],[0-9]{1,2}(?:[^0-9]|$)|[0-9]\.[0-9]{3},[0-9]|[0-9],[0-9]{4,}"
_POINT_DECIMAL = r"[0-9],[0-9]{3}\.[0-9]|[0-9]\.[0-9]{1,2}(?:[^0-9]|$)|[0-9],[0-9]{3},[0-9]{3}"


def unit_factor(unit: pd.Series, default: float) -> pd.Series:
    """m² per unit for each unit text (None: ``default``; not a unit: NaN)."""
    key = arrow_text(unit).str.replace(r"[ .]", "", regex=True)
    key = key.str.replace("²", "2", regex=False).str.replace("^", "", regex=False)
    factor = key.map(AREA_UNITS).astype("float64")
    given = unit.notna() & (arrow_text(unit).str.strip() != "").fillna(False)
    return factor.where(given.to_numpy(dtype=bool), default)


def lower_text(cells: pd.Series) -> pd.Series:
    """Cells in lower case, single-spaced, without a leading "c."/"approx."."""
    text = arrow_text(cells).str.lower().str.replace(WS + "+", " ", regex=True)
    return strip_qualifier(text.str.strip())


def uses_decimal_commas(cells: pd.Series, plain: pd.Series) -> bool:
    """Whether a column writes decimals with a comma: some cell does so unambiguously
    ("12,5", "1.234,5") and none writes a decimal point ("0.5 ha", a plain "12.5").

    ``cells`` are the column's cells that are not plain numbers, ``plain`` the others
    (read only when the first show a decimal comma: rarely)."""
    text = lower_text(cells)
    if not text.str.contains(",", regex=False).fillna(False).any():
        return False
    if not text.str.contains(_COMMA_DECIMAL, regex=True).fillna(False).any():
        return False
    for column in (text, arrow_text(plain)):
        if column.str.contains(_POINT_DECIMAL, regex=True).fillna(False).any():
            return False
    return True


def to_number(text: pd.Series, decimal_comma: bool) -> pd.Series:
    """Numbers from number text ("1,234.5", "(500)", "-3", "12,5"), NaN where none."""
    text = arrow_text(text)
    if decimal_comma:
        text = text.str.replace(r"[.' ]", "", regex=True).str.replace(",", ".", regex=False)
    else:
        text = text.str.replace("'", "", regex=False)
    cleaned, negative = numeric_text(text)
    number = pd.to_numeric(cleaned, errors="coerce").astype("float64")
    return number.where(~negative.to_numpy(dtype=bool), -number)


def parse_area(series: pd.Series, default_unit: str = "m2") -> Parsed:
    """Areas in m², from every written form of the module's table; ``default_unit``
    (``m2`` or ``ha``) where a cell names none.

    Plain numbers are read at C speed; the other cells alone go through the families.
    """
    raw = nullify(series)
    default = DEFAULT_UNITS[default_unit]
    number = as_floats(raw)
    messy = (raw.notna() & number.isna()).to_numpy(dtype=bool)
    problem = pd.Series(None, index=raw.index, dtype=object)
    warning = pd.Series(None, index=raw.index, dtype=object)
    if messy.any():
        cells = raw[messy]
        plain = raw[~messy & raw.notna().to_numpy(dtype=bool)]
        decimal_comma = uses_decimal_commas(cells, plain)
        area, why, warned = read_areas(cells, default, decimal_comma)
        number[messy] = (area / default).to_numpy()
        problem[messy] = why.to_numpy()
        warning[messy] = warned.to_numpy()
        if decimal_comma:  # "1.234" beside "12,5" is twelve hundred and more
            grouped = arrow_text(plain).str.fullmatch(r"[0-9]{1,3}(?:\.[0-9]{3})+")
            grouped = grouped.fillna(False).to_numpy(dtype=bool)
            if grouped.any():
                index = plain.index[grouped]
                number[index] = to_number(plain[grouped], True).to_numpy()
    return Parsed((number * default).round(2), problem, warning=warning)


def read_areas(
    cells: pd.Series, default: float, decimal_comma: bool
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """The messy cells' areas in m², why a cell is no area, and what a read cell warns of."""
    text = lower_text(cells)
    area = pd.Series(np.nan, index=cells.index)
    warning = pd.Series(None, index=cells.index, dtype=object)
    unknown_unit = pd.Series(False, index=cells.index)
    pending = text.notna().to_numpy(dtype=bool, copy=True)

    def read(number: pd.Series, unit: pd.Series) -> tuple[pd.Series, pd.Series]:
        factor = unit_factor(unit, default)
        return to_number(number, decimal_comma) * factor, factor.isna()

    # A range: its midpoint, with a warning.
    found = extract(text.where(pending), _RANGE)
    hit = found[0].notna().to_numpy(dtype=bool, copy=True)
    if hit.any():
        # "100-150 m²": the unit written once serves both ends.
        unit_low = found[1].where(found[1].fillna("") != "", found[3])
        unit_high = found[3].where(found[3].fillna("") != "", found[1])
        low, bad_low = read(found[0][hit], unit_low[hit])
        high, bad_high = read(found[2][hit], unit_high[hit])
        index = found.index[hit]
        area[index] = ((low + high) / 2).to_numpy()
        unknown_unit[index] = (bad_low | bad_high).to_numpy()
        warning[index] = quoted_problem(
            pd.Series(True, index=index), cells[index], "{} is a range: read as its midpoint"
        )
        pending &= ~hit

    # Two units: the first, checked against the second.
    found = extract(text.where(pending), _PAIR)
    hit = found[0].notna().to_numpy(dtype=bool, copy=True)
    if hit.any():
        index = found.index[hit]
        first, bad_first = read(found[0][hit], found[1][hit])
        second, bad_second = read(found[2][hit], found[3][hit])
        area[index] = first.to_numpy()
        unknown_unit[index] = bad_first.to_numpy()
        largest = np.maximum(first.abs(), second.abs()).replace(0, np.nan)
        apart = ((first - second).abs() / largest).fillna(0)
        disagree = (apart > UNITS_AGREE) & ~bad_second & first.notna()
        if disagree.any():
            per_cent = (apart[disagree] * 100).round().astype(int).astype(str)
            where = disagree[disagree].index
            warning[where] = (
                quoted_problem(disagree, cells[index], "{} gives two areas ")[where]
                + per_cent + "% apart: the first is used"
            ).astype(object)  # fmt: skip
        pending &= ~hit

    # One number, with or without a unit.
    found = extract(text.where(pending), _SINGLE)
    hit = found[0].notna().to_numpy(dtype=bool, copy=True)
    if hit.any():
        index = found.index[hit]
        value, bad = read(found[0][hit], found[1][hit])
        area[index] = value.to_numpy()
        unknown_unit[index] = bad.to_numpy()

    area = area.where(~unknown_unit)
    bad = text.notna() & area.isna()
    problem = quoted_problem(bad & ~unknown_unit, cells, "{} is not an area")
    problem = problem.where(
        ~unknown_unit,
        quoted_problem(unknown_unit, cells, "{} has a unit that is not m², ha, acres or sq ft"),
    )
    return area, problem, warning.where(area.notna(), None)
