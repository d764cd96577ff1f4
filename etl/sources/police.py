"""police.uk station lists: one row a neighbourhood, so the same station many times.

Rows are collapsed to unique stations by force and name (folded: case, spaces,
trailing punctuation ignored); the first row of a station is loaded, taking any
field it lacks from its repeats, and the repeats are counted as merged into it.
Coordinates are WGS84 latitude/longitude, on some rows only; the postcode is
sometimes only at the end of the address.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from estate.etl.read import Table
from estate.etl.sources.base import Extracted, Source, slug
from estate.values import normalise_text


class PoliceSource(Source):
    """police.uk's neighbourhood stations list: its rows repeating a station for each
    neighbourhood are folded into one asset, the repeats reported as merged."""

    name = "police"
    description = "police.uk neighbourhood police stations list"
    aliases = {
        "org_code": ("force_id", "force", "Force"),
        "extra.neighbourhood_id": ("neighbourhood_id", "neighbourhood"),
        "name": ("station_name", "name", "Station"),
        "y": ("latitude", "lat"),
        "x": ("longitude", "long", "lng", "lon"),
        "postcode": ("postcode",),
        "address": ("address",),
    }
    required = (("org_code",), ("name",), ("address", "postcode", "x"))
    header_hint = ("force_id", "station_name", "neighbourhood_id")
    default_kind = "police"

    def extract(self, table: Table, options: Mapping[str, Any]) -> Extracted:
        raw = self.pick(table)
        raw["name"] = normalise_text(raw["name"])
        force = raw["org_code"].astype("string").str.strip().str.lower()
        raw["org_code"] = "POLICE-" + force.str.upper()
        raw["org_name"] = force.str.replace("-", " ").str.title() + " Police"
        raw["org_kind"] = "police"
        raw["crs"] = "WGS84"
        raw["use"] = "police_station"
        unnamed = raw["name"].isna()
        excluded = raw.loc[unnamed, ["_row"]].assign(
            field="station_name", value=None, reason="the row names no station"
        )
        named = raw.loc[~unnamed].copy()
        key = (
            named["org_code"]
            + "|"
            + named["name"].str.lower().str.replace(r"[^a-z0-9]+", " ", regex=True).str.strip()
        )
        named["source_ref"] = slug(named["name"])
        first = named.groupby(key, sort=False).first()  # first non-empty value of each field
        first_row = named.groupby(key, sort=False)["_row"].min()
        first["_row"] = first_row
        neighbourhoods = named.groupby(key, sort=False)["extra.neighbourhood_id"].agg(
            lambda s: ",".join(s.dropna().astype(str))
        ) if "extra.neighbourhood_id" in named else None  # fmt: skip
        stations = first.reset_index(drop=True)
        if neighbourhoods is not None:
            stations["extra.neighbourhood_id"] = neighbourhoods.to_numpy()
        into = key.map(first_row)
        repeats = named["_row"] != into
        merged = pd.DataFrame(
            {
                "_row": named.loc[repeats, "_row"].astype("int64"),
                "into_row": into[repeats].astype("int64"),
            }
        )
        return Extracted(raw=stations, excluded=excluded, merged=merged, rows_read=len(raw))
