"""What passed without stopping the load, counted per field for its summary.

A load that reads ``n/a`` for an area, cannot read a cell, or meets a word its
vocabularies do not know goes on (:mod:`estate.etl.validate.measures`,
:mod:`estate.etl.validate.words`); the summary says how often, field by field, so that
what passes is counted rather than silent: "Site Area (site area): 12 not given, 3 not
read (see the warnings)". A field is named by the file's own column, which is what a
person looks for, with the register's word for it.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from estate.etl.validate.fields import LABELS

FIELD_WORDS = {"use": "use", "site_area_ha": "site area", "x": "coordinates"}
"""The register's word for the raw fields whose name does not say it."""


def field_name(raw_field: str, columns: Mapping[str, str]) -> str:
    """The file's column for a raw field, with the register's word where they differ."""
    word = LABELS.get(raw_field, FIELD_WORDS.get(raw_field, raw_field.replace("_", " ")))
    column = columns.get(raw_field)
    if column is None or column.lower() == word.lower():
        return column or word
    return f"{column} ({word})"


def describe_fields(
    not_given: Mapping[str, int],
    unmapped: Mapping[str, int],
    warnings: pd.DataFrame,
    columns: Mapping[str, str],
) -> list[str]:
    """The summary's lines: per field, the cells that said there is no value (``n/a``,
    ``TBC``, ``Not Applicable``, ``-``, ``unknown``), the cells read with a warning, and
    the words not recognised; nothing for a field with none of them."""
    counts: dict[str, dict[str, int]] = {}
    by_column = {column: raw for raw, column in columns.items()}
    for raw_field, count in not_given.items():
        if count:
            counts.setdefault(field_name(raw_field, columns), {})["not given"] = count
    if len(warnings):
        per_field = warnings.groupby("field", sort=False)["_row"].nunique()
        for field, count in per_field.items():
            raw_field = by_column.get(str(field))
            name = field_name(raw_field, columns) if raw_field else str(field)
            counts.setdefault(name, {})["with a warning"] = int(count)
    for raw_field, count in unmapped.items():
        counts.setdefault(field_name(raw_field, columns), {})["words not recognised"] = count
    if not counts:
        return []
    lines = ["per field, values not given (n/a, TBC, unknown, ...), with a warning, "
             "and words not recognised:"]  # fmt: skip
    order = ("not given", "with a warning", "words not recognised")
    for name, found in counts.items():
        parts = [f"{found[kind]} {kind}" for kind in order if kind in found]
        lines.append(f"  {name}: {', '.join(parts)}")
    return lines
