"""A file in no known layout, read by the recogniser alone (:mod:`estate.etl.recognise`).

A fire service's station list with a name, a station number, a road and a postcode; a
council's GIS layer of points with a site name, an address and a type; a spreadsheet
headed ``Bldg_GIA_sqm``, ``SiteArea_ha``, ``LandOrBuildings``: every column is recognised
by its header and its values, the columns no field fits are kept with the records as
extra attributes, and the summary says which is which. Such a file is refused only when
nothing in it tells one record from another: no name, no reference, no UPRN, no address.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from estate.etl.read import Table
from estate.etl.sources.base import Extracted, Source, SourceError, drop_blank

IDENTIFYING = ("name", "source_ref", "uprn", "address", "street")
"""Raw fields any one of which tells one record from another."""


class GenericSource(Source):
    """Any layout: its columns recognised by header and by values; the rest kept as extras."""

    name = "recognised"
    description = "any layout, its columns recognised by their headers and values"
    aliases: Mapping[str, Sequence[str]] = {}
    recognise_values = True
    keep_unmatched = True
    default_kind = "other"

    def check(self, table: Table, found: Mapping[str, list[str]]) -> None:
        if any(f in found for f in IDENTIFYING):
            return
        columns = ", ".join(" ".join(str(c).split()) for c in table.columns_raw[:12])
        raise SourceError(
            f"{table.source}: cannot tell what kind of file this is from its columns "
            f"({columns}): none of them holds a name, a reference, a UPRN or an address "
            "that would tell one record from another; name the format with --format (see "
            "`estate formats`) or describe the columns in a --mapping file"
        )

    def extract(self, table: Table, options: Mapping[str, Any]) -> Extracted:
        raw = self.pick(table)
        kept, excluded = drop_blank(raw)
        return Extracted(raw=kept, excluded=excluded, rows_read=len(raw))
