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

WORDS_SHOWN = 5
"""Words not recognised that the summary quotes, per field; the rest are counted."""


def map_words(
    raw: pd.DataFrame,
    out: pd.DataFrame,
    problems: Problems,
    unmapped: dict[str, int] | None = None,
) -> list[str]:
    """Fill ``out``'s vocabulary columns (and the ``*_raw`` words beside them) from ``raw``,
    and return the summary's lines on the words not recognised, one per field.

    A use word in the holding column ("Holding Type" used as an asset class) is moved to
    ``raw["use"]`` where the file gives no use, so ``raw`` changes too. ``unmapped``, when
    given, receives each field's count of records whose word was not recognised.
    """
    notes: list[str] = []
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
        if unmapped is not None and unknown.any():
            unmapped[column] = int(unknown.sum())
        notes.extend(describe_unknown_words(vocabulary.name, raw[column], unknown))
        if column in ("use", "tenure", "occupancy", "holding"):
            out[f"{'use' if column == 'use' else column}_raw"] = raw[column]
    # Names are read only where the file gives no use.
    guessed = use_from_name(raw["name"].where(out["use_class"].isna()))
    out["use_class"] = out["use_class"].where(out["use_class"].notna(), guessed)
    problems.flag("use_from_name", guessed.notna())
    return notes


def describe_unknown_words(field: str, words: pd.Series, unknown: pd.Series) -> list[str]:
    """The summary's line for a field's words the vocabulary does not know, most common
    first ("tenure: 3 words not recognised: 'Crown', 'Peppercorn', 'Heritable' (kept as
    published)"); none when every word is known."""
    if not unknown.any():
        return []
    counts = words[unknown].astype(str).str.strip().value_counts(sort=True)
    shown = ", ".join(repr(str(word)) for word in counts.index[:WORDS_SHOWN])
    more = f" and {len(counts) - WORDS_SHOWN} more" if len(counts) > WORDS_SHOWN else ""
    plural = "s" if len(counts) > 1 else ""
    return [
        f"{field}: {len(counts)} word{plural} not recognised: {shown}{more} "
        f"(on {int(unknown.sum())} records; kept as published)"
    ]


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
