"""Collecting what is wrong with a file's rows: rejections, warnings, and flags.

Every step of the validation reports here rather than building its own frames, so a
rejection always has the same columns (row, field, value, reason) and a row's flags
come out in the order the steps raised them. A **warning** has the same columns as a
rejection but keeps its record: the value is left out (a floor area larger than the
register can hold, a lease ending in the year 9999) and the rest of the row loads. A
warning names the field by the file's own column ("BuildingSize"), which is what a
person looks for in the file they must correct.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa

COLUMNS = ["_row", "field", "value", "reason"]


class Problems:
    """Collects rejections and warnings (row, field, value, reason) and per-row flags,
    vectorised.

    ``columns`` maps a raw field to the file's column that holds it, for warnings.
    """

    def __init__(self, index: pd.Index, rows: pd.Series, columns: Mapping[str, str] | None = None):
        self.index = index
        self.rows = rows
        self.columns = dict(columns or {})
        self.rejections: list[pd.DataFrame] = []
        self.warnings: list[pd.DataFrame] = []
        self.flags: list[pd.Series] = []

    def reject(self, field: str, raw: pd.Series, problem: pd.Series) -> None:
        """Reject the rows where ``problem`` holds a reason."""
        self._collect(self.rejections, field, raw, problem)

    def warn(self, raw_field: str, label: str, raw: pd.Series, problem: pd.Series) -> None:
        """Warn of the rows where ``problem`` holds a reason; the records still load (the
        caller leaves the value out). The field is the file's column, else ``label``."""
        self._collect(self.warnings, self.columns.get(raw_field, label), raw, problem)

    def _collect(
        self, into: list[pd.DataFrame], field: str, raw: pd.Series, problem: pd.Series
    ) -> None:
        bad = problem.notna()
        if bad.any():
            into.append(
                pd.DataFrame(
                    {
                        "_row": self.rows[bad].to_numpy(),
                        "field": field,
                        "value": raw[bad].astype(object).to_numpy(),
                        "reason": problem[bad].to_numpy(),
                    }
                )
            )

    def flag(self, name: str, mask: pd.Series, first: bool = False) -> None:
        """Flag the rows of ``mask``; ``first`` puts the flag before those already raised
        (a flag about the whole record, such as ``unlocated``, that a reload raises while
        carrying over flags about fields it does not read, after its own)."""
        mask = mask.fillna(False).astype(bool)
        if mask.any():
            flags = pd.Series(np.where(mask, name, None), index=self.index)
            if first:
                self.flags.insert(0, flags)
            else:
                self.flags.append(flags)

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
            return pd.DataFrame(columns=COLUMNS)
        return pd.concat(self.rejections, ignore_index=True)

    def warned_frame(self) -> pd.DataFrame:
        if not self.warnings:
            return pd.DataFrame(columns=COLUMNS)
        return pd.concat(self.warnings, ignore_index=True)
