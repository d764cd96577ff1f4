"""Numbers, money and dates: a cell that cannot be read, or read but not meant, is left
out with a warning, and its record loads.

Areas are read with their units and in every form people write them
(:mod:`estate.quantities`), money with its symbols and thousands separators
(:mod:`estate.values`). A cell that is no number ("see notes"), a number no register can
hold (a negative floor area, ``inf``, 1e12 m², more than the column's precision in
PostgreSQL: the bounds are read off :class:`estate.models.Asset`, so they follow the
schema), a lease ending in the year 9999: each is left out and warned of (file, row,
field, value, reason), and the text as published is kept with the asset
(``extra.<field>_as_published``) for a person to read on its page. Refusing the record
for one cell would lose everything else it says: a site area written ``0.5 hectares
(1.2 acres)`` once cost 32 of 56 fire stations their place in the register.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import Integer, Numeric

from estate import quantities, values
from estate.etl.validate.fields import DATE_FIELDS, LABELS, MONEY_FIELDS, NUMBER_FIELDS
from estate.etl.validate.problems import Problems
from estate.models import Asset

NOT_NEGATIVE = ("gia_m2", "nia_m2", "site_area_m2", "occupants_fte", "workstations")
"""Measures no building has below zero."""

LEFT_OUT = "; loaded without it"


def column_bound(column: str) -> tuple[float, int] | None:
    """The least magnitude the asset column cannot hold, and its decimal places:
    ``Numeric(12, 2)`` holds less than 10**10, at 2 places; ``Integer`` up to 2**31 - 1."""
    kind = Asset.__table__.c[column].type
    if isinstance(kind, Numeric) and kind.precision is not None:
        scale = kind.scale or 0
        return 10.0 ** (kind.precision - scale), scale
    if isinstance(kind, Integer):
        return 2.0**31, 0
    return None


PUBLISHED_SUFFIX = "_as_published"
"""``extra.<raw field>_as_published`` keeps the text of a cell that was not read as written."""


def keep_published(
    out: pd.DataFrame, raw_field: str, text: pd.Series, reason: pd.Series | None
) -> None:
    """Keep ``text`` with the asset where ``reason`` holds one, so that the cell a person
    wrote is on the asset's page beside the value the register could (not) make of it."""
    if reason is None or not reason.notna().any():
        return
    column = f"extra.{raw_field}{PUBLISHED_SUFFIX}"
    kept = pd.Series(None, index=out.index, dtype=object)
    if column in out.columns:
        kept = out[column].astype(object)
    where = reason.notna().to_numpy(dtype=bool)
    kept[where] = text[where].astype(object).to_numpy()
    out[column] = kept.where(kept.notna(), None)


def left_out(problem: pd.Series) -> pd.Series:
    """``problem`` with "; loaded without it" after each reason: the record loads."""
    out = pd.Series(None, index=problem.index, dtype=object)
    present = problem.notna().to_numpy(dtype=bool)
    if present.any():
        out[present] = (problem[present].astype(str) + LEFT_OUT).to_numpy()
    return out


def warn_cell(
    raw_field: str, label: str, text: pd.Series, reasons: list[pd.Series | None],
    out: pd.DataFrame, problems: Problems,
) -> None:  # fmt: skip
    """Warn of each reason (file, row, field, value, reason) and keep the published text."""
    for reason in reasons:
        if reason is None:
            continue
        reason = reason.where(reason.notna(), None)
        problems.warn(raw_field, label, text, reason)
        keep_published(out, raw_field, text, reason)


def parse_measures(raw: pd.DataFrame, out: pd.DataFrame, problems: Problems) -> None:
    """Fill ``out``'s number, money and date columns from ``raw``, leaving out, with a
    warning, what is not one or cannot be meant.

    ``site_area_ha`` is read in hectares and folded into ``site_area_m2`` (where the file
    gives no square metres); the valuation basis (text) is kept beside the valuation.
    """
    for column in NUMBER_FIELDS:
        if column == "site_area_ha":
            parsed = quantities.parse_area(raw[column], default_unit="ha")
        elif column in ("gia_m2", "nia_m2", "site_area_m2"):
            parsed = quantities.parse_area(raw[column])
        else:
            parsed = values.parse_number(raw[column])
        label = LABELS.get(column, column)
        reasons = [left_out(parsed.problem), parsed.warning]
        warn_cell(column, label, raw[column], reasons, out, problems)
        out[column] = parsed.value
    from_hectares = out["site_area_m2"].isna() & out["site_area_ha"].notna()
    out["site_area_m2"] = out["site_area_m2"].where(~from_hectares, out.pop("site_area_ha"))
    for column in MONEY_FIELDS:
        parsed = values.parse_money(raw[column])
        label = LABELS.get(column, column.replace("_", " "))
        reasons = [left_out(parsed.problem), parsed.warning]
        warn_cell(column, label, raw[column], reasons, out, problems)
        out[column] = parsed.value
    for column in (*NUMBER_FIELDS, *MONEY_FIELDS):
        if column == "site_area_ha":
            continue
        text, raw_field = raw[column], column
        if column == "site_area_m2":
            text = text.where(~from_hectares, raw["site_area_ha"])
            raw_field = "site_area_m2" if "site_area_m2" in problems.columns else "site_area_ha"
        out[column] = _keep_holdable(column, raw_field, text, out, problems)
    out["workstations"] = whole_numbers(out["workstations"])
    out["valuation_basis"] = raw["valuation_basis"]
    for column in DATE_FIELDS:
        parsed = values.parse_date(raw[column])
        reason = left_out(parsed.problem)
        warn_cell(column, column.replace("_", " "), raw[column], [reason], out, problems)
        out[column] = parsed.value


def _keep_holdable(
    column: str, raw_field: str, text: pd.Series, out: pd.DataFrame, problems: Problems
) -> pd.Series:
    """``number`` without the values the register cannot mean or hold, each warned of:
    not finite (``inf``), negative where nothing is, larger than the column holds. The
    tests run in numpy over the column; words are made only for the few values caught."""
    label = LABELS.get(column, column.replace("_", " "))
    number = out[column]
    value = pd.to_numeric(number, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    infinite = np.isinf(value)
    negative = (value < 0) & ~infinite if column in NOT_NEGATIVE else np.zeros(len(value), bool)
    bound = column_bound(column)
    too_large = np.zeros(len(value), bool)
    if bound is not None:
        limit, scale = bound
        with np.errstate(invalid="ignore"):
            too_large = ~infinite & (np.abs(np.round(value, scale)) >= limit)
    caught = infinite | negative | too_large
    if not caught.any():
        return number
    quoted = "'" + text[caught].astype("string").str.slice(0, 60) + "'"
    reasons = pd.Series(None, index=number.index, dtype=object)
    reasons[infinite] = (quoted[infinite[caught]] + " is not a finite number" + LEFT_OUT).astype(
        object
    )
    reasons[negative] = f"{label} cannot be negative{LEFT_OUT}"
    if bound is not None:
        most = f"{limit - 10.0**-scale:,.{scale}f}"
        reasons[too_large] = (
            quoted[too_large[caught]] + f" is more than the register holds for {label} "
            f"(at most {most})" + LEFT_OUT
        ).astype(object)  # fmt: skip
    warn_cell(raw_field, label, text, [reasons], out, problems)
    return number.where(~caught)


def whole_numbers(series: pd.Series) -> pd.Series:
    """Numbers rounded to whole ones (a count of workstations), missing as ``<NA>``."""
    number = pd.to_numeric(series, errors="coerce")
    return number.round().astype("Int64")
