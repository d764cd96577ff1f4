"""The same asset reference twice in one file: merged when the rows are the same, else
the later rows rejected (naming the row that is loaded)."""

from __future__ import annotations

import pandas as pd

from estate.etl.validate.fields import LABELS


def find_duplicates(records: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The same asset reference twice in one file: merged when identical, else rejected."""
    key = ["org_code", "source_ref"]
    dup = records.duplicated(key, keep=False)
    empty_merged = pd.DataFrame(
        {"_row": pd.Series(dtype="int64"), "into_row": pd.Series(dtype="int64")}
    )
    empty_rejected = pd.DataFrame(columns=["_row", "field", "value", "reason"])
    if not dup.any():
        return records, empty_merged, empty_rejected
    group = records.loc[dup]
    content = [c for c in records.columns if c not in ("_row", "quality_flags")]
    digest = pd.util.hash_pandas_object(group[content].astype(str), index=False)
    first_row = group.groupby(key, sort=False)["_row"].transform("first")
    first_digest = digest.groupby([group[k] for k in key], sort=False).transform("first")
    later = group["_row"] != first_row
    same = later & (digest == first_digest)
    different = later & (digest != first_digest)
    merged = pd.DataFrame(
        {
            "_row": group.loc[same, "_row"].astype("int64"),
            "into_row": first_row[same].astype("int64"),
        }
    )
    rejected = pd.DataFrame(
        {
            "_row": group.loc[different, "_row"].to_numpy(),
            "field": LABELS["source_ref"],
            "value": group.loc[different, "source_ref"].to_numpy(),
            "reason": (
                "asset reference '" + group.loc[different, "source_ref"].astype(str)
                + "' is also on row " + first_row[different].astype(str)
                + " with different details; row " + first_row[different].astype(str)
                + " is loaded"
            ).to_numpy(),
        }
    )  # fmt: skip
    drop = group.index[later]
    return records.drop(index=drop), merged.reset_index(drop=True), rejected
