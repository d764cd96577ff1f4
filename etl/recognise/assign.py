"""The best one-to-one assignment of a table's columns to raw fields, and why each was chosen.

Every column is scored against every raw field (:data:`estate.etl.sources.base.RAW_FIELDS`)
from its header (:mod:`.synonyms`; a preset layout's own headers, weighted above the
shared synonyms) and from its values (:mod:`.content`). Header and values agreeing score
more than either alone; values contradicting a field (a "name" whose values repeat, an
"area" of words) score less. The assignment that maximises the total score with each
column and each field used once is found by the Hungarian method
(``scipy.optimize.linear_sum_assignment``); pairs under :data:`THRESHOLD` are dropped.

Where a column that also fits a field loses it to another, the :class:`Recognition` says
which won and why, for the load's summary.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from estate.etl.read.headers import header_key
from estate.etl.recognise.content import Profile, content_scores, profile_column
from estate.etl.recognise.synonyms import FIELD_PHRASES, header_score, header_words

THRESHOLD = 0.4
"""The least score a column needs to be read as a field."""

PRESET_WEIGHT = 1.2
"""A preset layout's own header for a field scores this (the shared synonyms at most 1)."""

EMPTY_WEIGHT = 0.5
"""An empty column's header counts this much of a column with values'."""

CONTEST = 0.6
"""The least score of a losing column for the summary to say it competed for a field."""

AGREEMENT = 0.15
"""The share of the weaker of header and values evidence added to the stronger."""

GEOMETRY_COLUMNS = ("_geometry_x", "_geometry_y", "_geometry_crs")
"""A GIS layer's point, made by the reader: the features' own location, never recognised."""


@dataclass(frozen=True)
class Choice:
    """One column read as one raw field, with its score and the reason in words."""

    column: str
    field: str
    score: float
    reason: str


@dataclass
class Recognition:
    """What the recogniser made of a table's columns.

    Attributes
    ----------
    choices
        The columns read as fields, in the file's column order.
    fields
        Raw field -> the columns holding it: the chosen one, then any repeat of its header
        (``UPRN``, ``UPRN__2``), whose cell is read where the first is empty.
    extras
        Column -> the ``extra.<name>`` it is kept under (columns no field fits).
    not_read
        Columns with values that are neither a field nor kept (a preset's layout, or a
        mapping file, reads only what it names).
    empty
        Columns with no value in any row.
    contests
        Lines for people on columns that competed for a field.
    """

    choices: list[Choice] = field(default_factory=list)
    fields: dict[str, list[str]] = field(default_factory=dict)
    extras: dict[str, str] = field(default_factory=dict)
    not_read: list[str] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)
    contests: list[str] = field(default_factory=list)

    def column_of(self, raw_field: str) -> str | None:
        columns = self.fields.get(raw_field)
        return columns[0] if columns else None


def extra_key(column: str) -> str:
    """The ``extra`` key a column is kept under: its header words joined by underscores."""
    words, unit = header_words(column)
    key = "_".join(words) or header_key(column) or "column"
    return f"{key}_{unit}" if unit else key


def header_evidence(
    column: str, fields: Sequence[str], preset: Mapping[str, set[str]]
) -> dict[str, tuple[float, str]]:
    """Field -> (score, reason) from a column's header alone."""
    words, unit = header_words(column)
    key = header_key(column)
    shown = " ".join(str(column).split())
    evidence: dict[str, tuple[float, str]] = {}
    for raw_field in fields:
        if key and key in preset.get(raw_field, ()):
            evidence[raw_field] = (PRESET_WEIGHT, f"header '{shown}'")
            continue
        score = header_score(words, FIELD_PHRASES.get(raw_field, ()))
        if score:
            evidence[raw_field] = (score, f"header '{shown}'")
    if unit in ("m2", "sqft") and "site_area_ha" in evidence:
        evidence["site_area_m2"] = max(evidence.get("site_area_m2", (0.0, "")),
                                       evidence.pop("site_area_ha"))  # fmt: skip
    if unit in ("ha", "acres"):
        for raw_field in ("gia_m2", "nia_m2", "site_area_m2"):
            if raw_field in evidence:
                score, reason = evidence.pop(raw_field)
                evidence.setdefault("site_area_ha", (score * 0.9, reason))
    if unit == "gbp":
        for raw_field in ("gia_m2", "nia_m2", "site_area_m2", "site_area_ha"):
            evidence.pop(raw_field, None)
    return evidence


def _combine(
    header: tuple[float, str] | None, content: tuple[float, str] | None
) -> tuple[float, str]:
    """One score and reason from a column's header and values evidence for a field."""
    h, h_reason = header or (0.0, "")
    c, c_reason = content or (0.0, "")
    if c < 0:  # the values contradict the field
        return h + c, h_reason
    reasons = [r for s, r in ((h, h_reason), (c, c_reason)) if s > 0]
    return max(h, c) + AGREEMENT * min(h, c), ", ".join(reasons)


def recognise(
    frame: pd.DataFrame,
    fields: Sequence[str],
    *,
    preset: Mapping[str, Sequence[str]] | None = None,
    header_only_below: float | None = None,
    keep_unmatched: bool = True,
    profiles: Mapping[str, Profile] | None = None,
) -> Recognition:
    """Recognise a table's columns as raw fields.

    Parameters
    ----------
    frame
        The table (columns as the reader named them).
    fields
        The raw fields a column may be read as.
    preset
        A layout's own headers for fields (raw field -> header spellings), weighted above
        the shared synonyms; ``extra.<name>`` fields among them are kept as named.
    header_only_below
        With a preset: other columns are read as a field only from a header scoring at
        least this (the layout's rules were written for its own columns; a near-exact
        synonym is safe to add, a guess from values is not).
    keep_unmatched
        Whether columns with values that no field fits are kept as extra attributes
        (else they are listed as not read).
    """
    preset_keys: dict[str, set[str]] = {}
    for raw_field, spellings in (preset or {}).items():
        preset_keys.setdefault(raw_field, set()).update(
            header_key(s) for s in (raw_field, *spellings)
        )
    all_fields = list(fields) + [f for f in preset_keys if f not in fields]
    columns = [c for c in frame.columns if c not in GEOMETRY_COLUMNS and not str(c).startswith("_")]
    rows = len(frame)
    profiles = dict(profiles or {})
    for column in columns:
        if column not in profiles:
            profiles[column] = profile_column(frame[column], rows)
    result = Recognition()
    # An empty column is still read by its header: a register's empty column says the
    # file has no value there (a reload clears it), unlike a column it does not have.
    candidates = list(columns)
    scores = np.zeros((len(candidates), len(all_fields)))
    reasons: dict[tuple[int, int], str] = {}
    for i, column in enumerate(candidates):
        header = header_evidence(column, all_fields, preset_keys)
        content = content_scores(profiles[column])
        position = i / max(len(candidates) - 1, 1)
        for j, raw_field in enumerate(all_fields):
            h = header.get(raw_field)
            c = content.get(raw_field)
            if raw_field.startswith("extra.") and (h is None or h[0] < PRESET_WEIGHT):
                continue  # a preset's extra attribute: by its own header only
            if header_only_below is not None and (h is None or h[0] < PRESET_WEIGHT):
                if h is None or h[0] < header_only_below:
                    continue
                c = c if c is not None and c[0] < 0 else None
            if h is None and c is None:
                continue
            score, reason = _combine(h, c)
            if not profiles[column].cells:  # an empty column, read only where none has values
                score, reason = score * EMPTY_WEIGHT, f"{reason} (empty)"
            if raw_field == "x":  # of two grid-like columns, the left is the easting
                score += 0.01 * (1 - position)
            elif raw_field == "y":
                score += 0.01 * position
            elif raw_field == "name" and h is None:  # names come first in most files
                score += 0.03 * (1 - position)
            scores[i, j] = score
            reasons[(i, j)] = reason
    if len(candidates):
        rows_idx, cols_idx = linear_sum_assignment(np.maximum(scores, 0), maximize=True)
        chosen = {
            int(i): int(j) for i, j in zip(rows_idx, cols_idx, strict=True)
            if scores[i, j] >= THRESHOLD
        }  # fmt: skip
    else:
        chosen = {}
    by_key: dict[str, list[str]] = {}
    for column in columns:
        by_key.setdefault(header_key(column), []).append(column)
    used: set[str] = set()
    for i, column in enumerate(candidates):
        if i not in chosen:
            continue
        raw_field = all_fields[chosen[i]]
        result.choices.append(Choice(column, raw_field, round(float(scores[i, chosen[i]]), 3),
                                     reasons[(i, chosen[i])]))  # fmt: skip
        repeats = [c for c in by_key.get(header_key(column), [])
                   if c != column and profiles[c].cells]  # fmt: skip
        taken = [c for c in repeats if candidates.index(c) not in chosen] if repeats else []
        result.fields[raw_field] = [column, *taken]
        used.update([column, *taken])
    _describe_contests(result, candidates, all_fields, scores, reasons, chosen, keep_unmatched)
    for column in candidates:
        if column in used:
            continue
        if profiles[column].cells == 0:
            result.empty.append(column)
        elif keep_unmatched:
            key, n = extra_key(column), 2
            while key in result.extras.values():
                key, n = f"{extra_key(column)}_{n}", n + 1
            result.extras[column] = key
        else:
            result.not_read.append(column)
    return result


def _describe_contests(
    result: Recognition,
    candidates: Sequence[str],
    fields: Sequence[str],
    scores: np.ndarray,
    reasons: Mapping[tuple[int, int], str],
    chosen: Mapping[int, int],
    keep: bool,
) -> None:
    """A line for each field another column, read as no field, also fitted well."""
    winners = {j: i for i, j in chosen.items()}
    for j, i in winners.items():
        rivals = [k for k in range(len(candidates))
                  if k != i and scores[k, j] >= CONTEST and k not in chosen]  # fmt: skip
        if not rivals:
            continue
        k = max(rivals, key=lambda r: scores[r, j])
        fate = "kept as an extra attribute" if keep else "not read"
        result.contests.append(
            f"'{candidates[k]}' also fits {fields[j]} ({reasons[(k, j)]}; score "
            f"{scores[k, j]:.2f}) but '{candidates[i]}' fits it better ({reasons[(i, j)]}; "
            f"score {scores[i, j]:.2f}); '{candidates[k]}' is {fate}"
        )
