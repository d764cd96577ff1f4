"""Numbers, money and dates: a cell that should be one and is not rejects its row.

Areas are read with their units (square metres or feet, hectares, acres), money with
its symbols and thousands separators (:mod:`estate.values`); a negative area, headcount
or number of workstations is rejected too, since no building has one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from estate import values
from estate.etl.validate.fields import DATE_FIELDS, LABELS, MONEY_FIELDS, NUMBER_FIELDS
from estate.etl.validate.problems import Problems


def parse_measures(raw: pd.DataFrame, out: pd.DataFrame, problems: Problems) -> None:
    """Fill ``out``'s number, money and date columns from ``raw``, rejecting what is not.

    ``site_area_ha`` is read in hectares and folded into ``site_area_m2`` (where the file
    gives no square metres); the valuation basis (text) is kept beside the valuation.
    """
    index = raw.index
    for column in NUMBER_FIELDS:
        parser = values.parse_area if column in ("gia_m2", "nia_m2", "site_area_m2") else None
        if column == "site_area_ha":
            parsed = values.parse_area(raw[column], default_unit="ha")
        elif parser is not None:
            parsed = parser(raw[column])
        else:
            parsed = values.parse_number(raw[column])
        problems.reject(LABELS.get(column, column), raw[column], parsed.problem)
        out[column] = parsed.value
    out["site_area_m2"] = out["site_area_m2"].where(
        out["site_area_m2"].notna(), out.pop("site_area_ha")
    )
    out["workstations"] = whole_numbers(out["workstations"])
    for column in MONEY_FIELDS:
        parsed = values.parse_money(raw[column])
        problems.reject(LABELS.get(column, column.replace("_", " ")), raw[column], parsed.problem)
        out[column] = parsed.value
    out["valuation_basis"] = raw["valuation_basis"]
    for column in DATE_FIELDS:
        parsed = values.parse_date(raw[column])
        problems.reject(column.replace("_", " "), raw[column], parsed.problem)
        out[column] = parsed.value
    for column in ("gia_m2", "nia_m2", "site_area_m2", "occupants_fte", "workstations"):
        negative = (pd.to_numeric(out[column], errors="coerce") < 0).fillna(False).astype(bool)
        problems.reject(
            LABELS.get(column, column),
            raw[column],
            pd.Series(
                np.where(negative, f"{LABELS.get(column, column)} cannot be negative", None),
                index=index,
            ),
        )


def whole_numbers(series: pd.Series) -> pd.Series:
    """Numbers rounded to whole ones (a count of workstations), missing as ``<NA>``."""
    number = pd.to_numeric(series, errors="coerce")
    return number.round().astype("Int64")
