"""The contract every source format implements, and the header matching they share.

Headers are folded for matching by :func:`estate.etl.read.headers.header_key`, the
reader's own fold (it finds the header by the same known names).

A source turns a publisher's file into a frame of **raw fields**: canonical field
names (:data:`RAW_FIELDS`) holding the publisher's text, one row per file row,
with ``_row`` the row number a person would see. Parsing values, locating,
validating and loading are shared steps (``estate.etl.validate``, ``estate.etl.load``): a
source only knows where its publisher puts things and what its rows mean.

Sources never touch the database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd

from estate.errors import EstateError
from estate.etl.read import Table, read_table
from estate.etl.read.headers import header_key
from estate.etl.recognise import Recognition, recognise

RAW_FIELDS: tuple[str, ...] = (
    "org_code", "org_name", "org_kind", "org_uri",
    "source_ref", "uprn", "name", "address", "street_number", "street", "town", "postcode",
    "use", "tenure", "occupancy", "holding", "status", "condition", "listed_grade",
    "energy_rating", "sensitive",
    "x", "y", "crs", "coordinates",
    "gia_m2", "nia_m2", "site_area_m2", "site_area_ha", "workstations", "occupants_fte",
    "rent", "rates", "fm_cost", "energy_cost", "maintenance_cost", "backlog_cost",
    "valuation", "valuation_basis", "valuation_date", "lease_end", "lease_break",
    "effective_date",
)  # fmt: skip
"""Canonical names of what a source may supply, as text."""


class SourceError(EstateError):
    """The file is not of the format asked for, or lacks what that format needs."""


@dataclass
class Extracted:
    """What a source made of a file, before the shared validation.

    Attributes
    ----------
    raw
        One row per kept file row: ``_row`` and raw fields (text, or None).
    excluded
        Rows the source itself set aside, with ``_row`` and ``reason`` (an aggregate
        row that is not a site, a blank row): they count as rejected.
    merged
        Rows folded into another row of the same file (police.uk lists a station
        once per neighbourhood): ``_row`` and ``into_row``.
    geometry
        Optional footprints (shapely polygons in the storage CRS) aligned with ``raw``.
    """

    raw: pd.DataFrame
    excluded: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(
            {
                "_row": pd.Series(dtype="int64"),
                "field": pd.Series(dtype=object),
                "value": pd.Series(dtype=object),
                "reason": pd.Series(dtype=object),
            }
        )
    )
    merged: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(
            {"_row": pd.Series(dtype="int64"), "into_row": pd.Series(dtype="int64")}
        )
    )
    geometry: pd.Series | None = None
    rows_read: int = 0


class Source:
    """Base class of source formats: ``read`` a file, ``extract`` raw fields from it.

    Subclasses set :attr:`name`, :attr:`description` and :attr:`aliases` (raw field ->
    header spellings) and override :meth:`extract` where a format needs more than
    header matching.
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    aliases: ClassVar[Mapping[str, Sequence[str]]] = {}
    required: ClassVar[Sequence[Sequence[str]]] = ()
    """Groups of raw fields; the format needs at least one field of each group."""
    header_hint: ClassVar[Sequence[str]] = ()
    recognise_values: ClassVar[bool] = False
    """Whether columns the layout does not name are recognised by their values as well as
    by their headers (a layout with rules of its own takes near-exact headers only)."""
    keep_unmatched: ClassVar[bool] = True
    """Whether columns no field fits are kept as the records' extra attributes."""
    ADDED_HEADER_SCORE: ClassVar[float] = 0.75
    """The least header score at which a layout with its own rules reads a column it does
    not name (a near-exact synonym: "Site land area (Hectare)")."""

    def read(self, path: Path, options: Mapping[str, Any]) -> Table:
        """The file as a table; ``options`` may name the ``sheet``, the reading ``limits``
        (:class:`estate.etl.read.ReadLimits`) and a text file's ``encoding``."""
        return read_table(
            path, sheet=options.get("sheet"), header_hint=self.header_hint,
            limits=options.get("limits"), encoding=options.get("encoding"),
        )  # fmt: skip

    # -- matching headers -----------------------------------------------------------------
    def column_map(self, columns: Sequence[str]) -> dict[str, list[str]]:
        """Raw field -> the file's columns that hold it (repeated headers give several)."""
        lookup: dict[str, str] = {}
        for raw_field, spellings in self.aliases.items():
            for spelling in (raw_field, *spellings):
                lookup.setdefault(header_key(spelling), raw_field)
        found: dict[str, list[str]] = {}
        for column in columns:
            raw_field = lookup.get(header_key(column))
            if raw_field is not None:
                found.setdefault(raw_field, []).append(column)
        return found

    def recognition(self, table: Table) -> Recognition:
        """What the recogniser makes of the table's columns with this layout's headers, worked
        out once per table (the summary shows the same)."""
        if isinstance(table.recognition, Recognition):
            return table.recognition
        found = recognise(
            table.frame, RAW_FIELDS, preset=self.aliases,
            header_only_below=None if self.recognise_values else self.ADDED_HEADER_SCORE,
            keep_unmatched=self.keep_unmatched,
        )  # fmt: skip
        table.recognition = found
        return found

    def score(self, table: Table) -> float:
        """How well the file's headers fit this format, 0 to 1 (format detection)."""
        if not self.aliases:
            return 0.0
        found = self.column_map(list(table.frame.columns))
        if "_geometry_x" in table.frame.columns:
            found.setdefault("x", ["_geometry_x"])
        if any(not any(f in found for f in group) for group in self.required_for(table, found)):
            return 0.0
        return len(found) / len(self.aliases)

    def check(self, table: Table, found: Mapping[str, list[str]]) -> None:
        if "_geometry_x" in table.frame.columns:
            found = {**found, "x": ["_geometry_x"]}
        groups = self.required_for(table, found)
        missing = [group for group in groups if not any(f in found for f in group)]
        if missing:
            wanted = "; ".join(" or ".join(self._spelling(f) for f in group) for group in missing)
            raise SourceError(
                f"{table.source}: this does not look like a {self.description}: "
                f"no column for {wanted} (columns found: {', '.join(map(str, table.columns_raw))})"
            )

    def required_for(self, table: Table, found: Mapping[str, list[str]]) -> Sequence[Sequence[str]]:
        """The groups of :attr:`required` this table must fill (all, unless a format says
        otherwise for some tables)."""
        return self.required

    def _spelling(self, raw_field: str) -> str:
        spellings = self.aliases.get(raw_field) or (raw_field,)
        return repr(spellings[0])

    def pick(self, table: Table) -> pd.DataFrame:
        """Raw fields as recognised (:meth:`recognition`); of repeated columns, the first
        non-empty cell wins; columns no field fits as ``extra.<name>`` where the layout
        keeps them."""
        recognition = self.recognition(table)
        found = recognition.fields
        self.check(table, found)
        frame = table.frame
        raw = pd.DataFrame({"_row": pd.Series(table.row_numbers, index=frame.index, dtype="int64")})
        for raw_field, columns in found.items():
            values = frame[columns[0]]
            for other in columns[1:]:
                values = values.where(values.notna(), frame[other])
            raw[raw_field] = values
        for column, key in recognition.extras.items():
            raw[f"extra.{key}"] = frame[column]
        if "_geometry_x" in frame.columns and "x" not in raw and "coordinates" not in raw:
            # A GIS file: the features' own geometry is the location.
            raw["x"], raw["y"] = frame["_geometry_x"], frame["_geometry_y"]
            raw["crs"] = frame["_geometry_crs"]
        return raw

    def extract(self, table: Table, options: Mapping[str, Any]) -> Extracted:
        """Raw fields from a table; the default is header matching alone."""
        raw = self.pick(table)
        return Extracted(raw=raw, rows_read=len(raw))


def drop_blank(raw: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows with something in them, and the empty ones as exclusions ("the row is empty")."""
    empty = blank_rows(raw)
    excluded = raw.loc[empty, ["_row"]].assign(field=None, value=None, reason="the row is empty")
    return raw.loc[~empty], excluded


def blank_rows(raw: pd.DataFrame) -> pd.Series:
    """Rows with nothing in any raw field (a formatted but empty spreadsheet row)."""
    fields = [c for c in raw.columns if c != "_row"]
    if not fields:
        return pd.Series(True, index=raw.index)
    return raw[fields].isna().all(axis=1)


def slug(text: pd.Series) -> pd.Series:
    """Upper-case, alphanumeric-and-dash form of names, for generated codes and references."""
    return (
        text.astype("string").str.upper().str.replace(r"[^A-Z0-9]+", "-", regex=True).str.strip("-")
    )
