"""The publishers' words (tenure, occupancy, holding, use, status, condition, listing)
mapped to the register's vocabularies.

A word the vocabulary does not know is kept raw and flagged, never rejected: the
vocabulary grows from what publishers write. Where a file gives no use, the name may
state one ("Sale Leisure Centre").
"""

from __future__ import annotations

import pandas as pd

from estate.etl.validate.fields import VOCABULARIES
from estate.etl.validate.problems import Problems
from estate.vocab import USE_CLASS


def map_words(raw: pd.DataFrame, out: pd.DataFrame, problems: Problems) -> None:
    """Fill ``out``'s vocabulary columns (and the ``*_raw`` words beside them) from ``raw``.

    A use word in the holding column ("Holding Type" used as an asset class) is moved to
    ``raw["use"]`` where the file gives no use, so ``raw`` changes too.
    """
    for column, vocabulary in VOCABULARIES.items():
        target = "use_class" if column == "use" else column
        canonical, unknown = vocabulary.map(raw[column])
        if column == "holding":
            # "Holding Type" used as an asset class: a use word in the holding column.
            as_use, _ = USE_CLASS.map(raw[column].where(unknown))
            raw["use"] = raw["use"].where(raw["use"].notna() | as_use.isna(), raw[column])
            unknown = unknown & as_use.isna()
        out[target] = canonical
        problems.flag(f"unknown_{target}", unknown)
        if column in ("use", "tenure", "occupancy", "holding"):
            out[f"{'use' if column == 'use' else column}_raw"] = raw[column]
    # Names are read only where the file gives no use.
    guessed = use_from_name(raw["name"].where(out["use_class"].isna()))
    out["use_class"] = out["use_class"].where(out["use_class"].notna(), guessed)
    problems.flag("use_from_name", guessed.notna())


def use_from_name(names: pd.Series) -> pd.Series:
    """The use a name states ("Sale Leisure Centre" -> leisure), for rows whose file gives
    none; see :data:`estate.vocab.USE_FROM_NAME`. Each distinct name is read once."""
    import re

    from estate.vocab import USE_FROM_NAME

    present = names.dropna()
    if present.empty:
        return pd.Series([None] * len(names), index=names.index, dtype=object)
    distinct = pd.Series(pd.unique(present.astype(str)))
    found = pd.Series(None, index=distinct.index, dtype=object)
    undecided = pd.Series(True, index=distinct.index)
    lowered = distinct.str.lower()
    for words, use in USE_FROM_NAME:
        hit = undecided & lowered.str.contains(rf"\b{re.escape(words)}\b", regex=True)
        found[hit] = use
        undecided &= ~hit
    table = dict(zip(distinct, found, strict=True))
    out = names.astype(object).map(table)
    return out.where(out.notna(), None).astype(object)
