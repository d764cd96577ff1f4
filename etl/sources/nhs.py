"""NHS estates returns: ERIC site data (NHS Digital's Estates Returns Information Collection).

Sheet ``Site Data``: a super-header row, then a header of over a hundred columns
with units in the header text (``(£)``, ``(m²)``), one row a site and one
``AGGRE`` aggregate row a trust, which is not a site and is excluded with that
reason. Sites are known by their ODS site code only: ERIC has no coordinates or
postcodes, so sites load unlocated until a partnership return (or a match with
another body's record) places them.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from estate.etl.read import Table, read_table
from estate.etl.read.headers import header_key
from estate.etl.sources.base import Extracted, Source
from estate.values import parse_money

BACKLOG_BANDS = (
    "Cost to eradicate high risk backlog",
    "Cost to eradicate significant risk backlog",
    "Cost to eradicate moderate risk backlog",
    "Cost to eradicate low risk backlog",
)


class EricSource(Source):
    """NHS Digital's ERIC site return: a trust's sites with floor areas, land and running costs,
    but no locations (a partnership return adds them)."""

    name = "nhs-eric"
    description = "NHS ERIC site data return (sheet 'Site Data')"
    aliases = {
        "org_code": ("Organisation Code", "Trust Code"),
        "org_name": ("Organisation Name", "Trust Name"),
        "source_ref": ("Site Code",),
        "name": ("Site Name",),
        "use": ("Site Type",),
        "extra.organisation_type": ("Organisation Type",),
        "extra.commissioning_region": ("Commissioning Region",),
        "gia_m2": ("Gross internal floor area (m²)", "Gross internal floor area"),
        "extra.occupied_floor_area_m2": ("Occupied floor area (m²)", "Occupied floor area"),
        "site_area_ha": ("Land area owned (Hectares)", "Land area owned"),
        "maintenance_cost": ("Estates and property maintenance (£)",
                             "Estates and property maintenance"),
        "fm_cost": ("Other Soft FM (Hotel Services) costs (£)",
                    "Other Soft FM (Hotel Services) costs"),
        "energy_cost": ("Energy costs (all energy supplies) (£)",
                        "Energy costs (all energy supplies)"),
        "extra.floor_area_empty_pct": ("Floor area - empty (%)", "Floor area - empty"),
        "extra.floor_area_under_used_pct": ("Floor area - under used (%)",
                                            "Floor area - under used"),
        "extra.not_functionally_suitable_pct": (
            "Not functionally suitable - occupied floor area (%)",
            "Not functionally suitable - occupied floor area",
        ),
    }  # fmt: skip
    required = (("source_ref",), ("name",), ("org_code",))
    header_hint = ("Organisation Code", "Site Code", "Site Name", "Site Type")
    default_kind = "nhs"
    keep_unmatched = False  # a hundred return figures the register has no use for

    def read(self, path: Path, options: Mapping[str, Any]) -> Table:
        return read_table(
            path, sheet=options.get("sheet") or "Site Data", header_hint=self.header_hint,
            limits=options.get("limits"), encoding=options.get("encoding"),
        )  # fmt: skip

    def extract(self, table: Table, options: Mapping[str, Any]) -> Extracted:
        raw = self.pick(table)
        raw["org_kind"] = "nhs"
        raw["use"] = raw["use"].astype("string").str.replace(r"^\d+\.\s*", "", regex=True)
        by_key = {header_key(c): c for c in table.frame.columns}
        bands = [table.frame[by_key[header_key(b)]] for b in BACKLOG_BANDS
                 if header_key(b) in by_key]  # fmt: skip
        if bands:
            total = sum(parse_money(b).value.fillna(0) for b in bands)
            present = pd.concat([parse_money(b).value for b in bands], axis=1).notna().any(axis=1)
            raw["backlog_cost"] = total.where(present).round(2).astype(object)
        aggregate = (raw["source_ref"].astype("string").str.upper() == "AGGRE").fillna(False) | (
            raw["use"].astype("string").str.lower() == "aggregate site"
        ).fillna(False)
        excluded = (
            raw.loc[aggregate, ["_row", "source_ref"]]
            .rename(columns={"source_ref": "value"})
            .assign(
                field="Site Code", reason="a trust-wide aggregate row (site code AGGRE), not a site"
            )
        )
        return Extracted(raw=raw.loc[~aggregate], excluded=excluded, rows_read=len(raw))
