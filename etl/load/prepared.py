"""What a load takes: the records :mod:`estate.etl.validate` prepared, and a progress callback.

:class:`Prepared` is the one thing that passes from validation (which never touches the
database) to the writing (which does nothing else), so the questions both write paths
ask of a file's records (whose they are, which asset columns they write) are answered
here, once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from estate.etl.load.columns import EXTRA_PREFIX, PLAIN_COLUMNS

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: called as a load advances, by stage: ``begin`` (the
file is read and validated; the load's transaction has begun and holds the register's
write lock), ``copy`` (after each chunk COPYed), ``upsert`` (before and after), and
``match`` (before each batch matched, and at the end)."""


@dataclass
class Prepared:
    """Records ready to load, and what became of the other rows (built by ``estate.etl.validate``).

    Attributes
    ----------
    records
        One row per record to upsert: the columns of
        :data:`~estate.etl.load.columns.STAGING_COLUMNS` (missing ones are null) and
        ``extra.<name>`` columns kept in the asset's ``extra``.
    organisations
        ``code``, ``name``, ``kind``, ``uri`` of every body the records name.
    rejections
        ``_row``, ``field``, ``value``, ``reason``.
    merged
        ``_row``, ``into_row``: rows folded into another row of the same file.
    warnings
        ``_row``, ``field``, ``value``, ``reason``, like rejections, for what a record that
        loads lost on the way (a value out of range, a line read in another encoding):
        stored with the rejections, never counted as rejected.
    """

    source_file: str
    source_format: str
    rows_read: int
    records: pd.DataFrame
    organisations: pd.DataFrame
    rejections: pd.DataFrame
    merged: pd.DataFrame
    options: dict[str, Any] = field(default_factory=dict)
    supplied: list[str] = field(default_factory=lambda: list(PLAIN_COLUMNS) + ["location"])
    """Asset columns this file supplies (``location`` stands for geom and its method). A load
    writes only these, so a register reloaded later does not wipe what a partnership return
    added, and vice versa."""
    warnings: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["_row", "field", "value", "reason"])
    )
    notes: list[str] = field(default_factory=list)
    """Lines for the load's summary on what the validation decided for the whole file (the
    body's kind and where it came from, words not recognised, rows that are not records)."""
    mapping: dict[str, Any] | None = None
    """The mapping of the file's columns to fields used (``estate.etl.recognise.report``),
    printed with the summary and kept with the batch."""
    mode: str = "register"
    """``register``: the file is the body's list; an empty cell clears a value.
    ``supplement``: a partnership return; an empty cell leaves the value, and a reference
    the register does not hold is rejected unless the row names a new site."""

    register: str | None = None
    """``full`` or ``partial`` when the person said (``--full``, ``--partial``); None lets
    the mode decide (:mod:`estate.etl.load.register_dates`)."""

    def bodies(self) -> list[str]:
        """The codes of the bodies the records belong to."""
        records = self.records
        return [str(c) for c in records["org_code"].dropna().unique()] if len(records) else []

    def only_body(self) -> str | None:
        """The body of the records when they are all one body's (most files)."""
        codes = self.bodies()
        return codes[0] if len(codes) == 1 else None

    def extra_columns(self) -> list[str]:
        """The records' ``extra.<name>`` columns."""
        return [c for c in self.records.columns if c.startswith(EXTRA_PREFIX)]

    def has_footprints(self) -> bool:
        """Whether any record has a footprint (a file without any leaves footprints alone)."""
        records = self.records
        return "footprint_wkt" in records.columns and bool(records["footprint_wkt"].notna().any())

    def written_columns(self) -> list[str]:
        """The asset columns a load of these records writes: those the file supplies, and
        the flags (a register's checks replace the last ones; a supplement's add none)."""
        written = [c for c in PLAIN_COLUMNS if c in self.supplied and c != "source_ref"]
        if "location" in self.supplied:
            written += ["geom", "location_method"]
        if self.has_footprints():
            written.append("footprint")
        for column in ("sensitive", "status"):
            if column in self.supplied:
                written.append(column)
        if self.mode != "supplement":
            written.append("quality_flags")
        return written
