"""Collecting what is wrong with a file's rows: rejections, and flags on loaded rows.

Every step of the validation reports here rather than building its own frames, so a
rejection always has the same columns (row, field, value, reason) and a row's flags
come out in the order the steps raised them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa


class Problems:
    """Collects rejections (row, field, value, reason) and per-row flags, vectorised."""

    def __init__(self, index: pd.Index, rows: pd.Series):
        self.index = index
        self.rows = rows
        self.rejections: list[pd.DataFrame] = []
        self.flags: list[pd.Series] = []

    def reject(self, field: str, raw: pd.Series, problem: pd.Series) -> None:
        bad = problem.notna()
        if bad.any():
            self.rejections.append(
                pd.DataFrame(
                    {
                        "_row": self.rows[bad].to_numpy(),
                        "field": field,
                        "value": raw[bad].astype(object).to_numpy(),
                        "reason": problem[bad].to_numpy(),
                    }
                )
            )

    def flag(self, name: str, mask: pd.Series) -> None:
        mask = mask.fillna(False).astype(bool)
        if mask.any():
            self.flags.append(pd.Series(np.where(mask, name, None), index=self.index))

    def flag_values(self, flags: pd.Series | None) -> None:
        if flags is not None:
            self.flags.append(flags.where(flags.notna() & (flags != ""), None))

    def joined_flags(self) -> pd.Series:
        """Comma-separated flags per row, in the order they were raised (None for none),
        joined column by column in C++."""
        import pyarrow.compute as pc

        if not self.flags:
            return pd.Series([None] * len(self.index), index=self.index, dtype=object)
        columns = [pa.array(flags.reindex(self.index).astype(object), type=pa.string(),
                            from_pandas=True) for flags in self.flags]  # fmt: skip
        joined = columns[0]
        for flags in columns[1:]:  # "a,b" where both, else whichever there is
            joined = pc.coalesce(pc.binary_join_element_wise(joined, flags, ","), joined, flags)
        joined = pd.Series(joined.to_numpy(zero_copy_only=False), index=self.index, dtype=object)
        return joined.where(joined.notna() & (joined != ""), None)

    def rejected_frame(self) -> pd.DataFrame:
        if not self.rejections:
            return pd.DataFrame(columns=["_row", "field", "value", "reason"])
        return pd.concat(self.rejections, ignore_index=True)
