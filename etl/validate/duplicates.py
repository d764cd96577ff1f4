"""The same asset reference on several rows of one file: merged when the rows are the same,
else every record loaded, the later ones under a distinct reference and flagged.

A publisher's reference repeated with different details is two records the publisher
has not told apart (a site code shared by a fire station and its offices, a record
entered twice and edited once). Rejecting the later row would lose a real record; so it
loads as ``X~2`` (``X~3`` ...), flagged ``reference_repeated``, with a field warning
naming the row that keeps ``X``, for a person to settle. Rows repeating one of those
records exactly are merged into it.
"""

from __future__ import annotations

import pandas as pd

from estate.etl.validate.fields import LABELS

FLAG = "reference_repeated"


def find_duplicates(records: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Records with repeated references told apart, the rows merged as exact repeats, and
    a warning for each record loaded under a reference other than its own."""
    key = ["org_code", "source_ref"]
    dup = records.duplicated(key, keep=False)
    empty_merged = pd.DataFrame(
        {"_row": pd.Series(dtype="int64"), "into_row": pd.Series(dtype="int64")}
    )
    empty_warnings = pd.DataFrame(columns=["_row", "field", "value", "reason"])
    if not dup.any():
        return records, empty_merged, empty_warnings
    group = records.loc[dup]
    content = [c for c in records.columns if c not in ("_row", "quality_flags")]
    digest = pd.util.hash_pandas_object(group[content].astype(str), index=False)
    variant = [group[k] for k in key] + [digest]
    variant_first = group.groupby(variant, sort=False)["_row"].transform("first")
    repeat = group["_row"] != variant_first  # the same record again: merged into it
    merged = pd.DataFrame(
        {
            "_row": group.loc[repeat, "_row"].astype("int64"),
            "into_row": variant_first[repeat].astype("int64"),
        }
    )
    records = records.drop(index=group.index[repeat])
    group = group.loc[~repeat]
    first_row = group.groupby(key, sort=False)["_row"].transform("first")
    ordinal = group.groupby(key, sort=False).cumcount() + 1
    later = ordinal > 1
    if not later.any():
        return records, merged.reset_index(drop=True), empty_warnings
    taken = set(records["source_ref"].astype(str))
    renamed: dict[int, str] = {}
    for index in group.index[later]:
        reference, n = str(group.at[index, "source_ref"]), int(ordinal[index])
        candidate = f"{reference}~{n}"
        while candidate in taken:
            n += 1
            candidate = f"{reference}~{n}"
        taken.add(candidate)
        renamed[index] = candidate
    new_refs = pd.Series(renamed, dtype=object)
    records = records.copy()
    records.loc[new_refs.index, "source_ref"] = new_refs
    flags = records.loc[new_refs.index, "quality_flags"]
    records.loc[new_refs.index, "quality_flags"] = (
        flags.where(flags.isna(), flags + ",").fillna("") + FLAG
    )
    original = group.loc[new_refs.index, "source_ref"].astype(str)
    warnings = pd.DataFrame(
        {
            "_row": group.loc[new_refs.index, "_row"].to_numpy(),
            "field": LABELS["source_ref"],
            "value": original.to_numpy(),
            "reason": (
                "reference '" + original + "' is also on row "
                + first_row[new_refs.index].astype(str) + " with different details; loaded as "
                + new_refs.astype(str) + " for a person to settle"
            ).to_numpy(),
        }
    )  # fmt: skip
    return records, merged.reset_index(drop=True), warnings
