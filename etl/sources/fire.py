"""Fire and rescue services: an asset list (Avon FRS layout), and the Home Office stations list.

**Asset lists** like Avon Fire & Rescue's put easting and northing under one
merged header ("Map reference / Eastings  Northings") with the northing in the
blank-headed column to its right; carry two UPRN columns (one empty); identify
premises by an OSAPR site code that several premises on one site share. The
reference is therefore the site code and the premises name together.

**The Home Office list** has every fire station in England, one row a station,
its service in ``FRS_FULLNAME`` and the fire authority's ONS code in ``E_CODE``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from estate.etl.read import Table
from estate.etl.read.headers import header_key
from estate.etl.recognise import Choice
from estate.etl.sources.base import Extracted, Source, drop_blank, slug


class FireAssetsSource(Source):
    """A fire and rescue service's land and assets list in the Avon FRS layout: premises, tenure,
    size, services and maintenance costs."""

    name = "fire-assets"
    description = "fire and rescue service land and assets list (Avon FRS layout)"
    aliases = {
        "name": ("Name of Premises", "Premises", "Premises Name", "Property Name"),
        "use": ("Type of premises", "Premises Type", "Property Type"),
        "uprn": ("UPRN", "UPRN Dave Arthur"),
        "source_ref": ("Unique asset identity (OSAPR)", "Unique asset identity Finance/ Supplies",
                       "Unique asset identity", "Asset ID"),
        "street_number": ("No", "Number"),
        "street": ("Street Name", "Street"),
        "extra.locality": ("Local area", "Locality"),
        "town": ("Post Town", "Town"),
        "postcode": ("Postcode", "Post Code"),
        "x": ("Map reference Eastings Northings", "Eastings", "Easting"),
        "y": ("Northings", "Northing"),
        "tenure": ("Freehold Assets: Type of tenancy", "Type of tenancy", "Tenure"),
        "holding": ("Land only/ Land and permament buildings", "Land only/ Land and permanent "
                    "buildings", "Holding"),
        "gia_m2": ("Size of premises M2 for buildings", "Size of premises", "GIA"),
        "site_area_ha": ("Size of land - Hectares", "Size of land"),
        "extra.services": ("Services Offered under Fire Functions", "Services"),
        "backlog_cost": ("Required maintenance costs", "Required maintenance"),
        "extra.suitability": ("Functional Suitability (good/ satisfactory/ poor/ unsuitable)",
                              "Functional Suitability"),
        "energy_rating": ("Energy performance rating", "EPC"),
    }  # fmt: skip
    required = (("name",), ("x", "postcode"), ("use", "tenure"))
    header_hint = ("Name of Premises", "Type of premises", "Postcode", "UPRN")
    default_kind = "fire"

    def extract(self, table: Table, options: Mapping[str, Any]) -> Extracted:
        raw = self.pick(table)
        columns = list(table.frame.columns)
        recognition = self.recognition(table)
        for i, column in enumerate(columns[:-1]):
            key = header_key(column)
            if "easting" in key and "northing" in key and "y" not in raw:
                northing = columns[i + 1]  # the merged header's second column
                raw["y"] = table.frame[northing]
                kept_as = recognition.extras.pop(northing, None)
                if kept_as is not None:
                    raw = raw.drop(columns=[f"extra.{kept_as}"])
                    recognition.fields["y"] = [northing]
                    recognition.choices.append(Choice(
                        northing, "y", 1.0, f"the column under the merged header '{column}'"
                    ))  # fmt: skip
        site = raw.get("source_ref")
        name = slug(raw["name"])
        if site is not None:
            raw["extra.site_code"] = site
            raw["source_ref"] = (site + "/" + name).where(
                site.notna() & name.notna(), site.fillna(name)
            )
        else:
            raw["source_ref"] = name
        kept, excluded = drop_blank(raw)
        return Extracted(raw=kept, excluded=excluded, rows_read=len(raw))


class FireStationsSource(Source):
    """The Home Office's list of fire stations, each located by easting and northing and keyed
    by a slug of its name (the list gives stations no code)."""

    name = "fire-stations"
    description = "Home Office list of fire stations (FRS_FULLNAME, STATION_NAME, ...)"
    aliases = {
        "org_name": ("FRS_FULLNAME", "FRS", "Fire and Rescue Service"),
        "org_code": ("E_CODE", "FRA Code"),
        "name": ("STATION_NAME", "Station"),
        "address": ("STATION_ADDRESS",),
        "postcode": ("STATION_POSTCODE",),
        "x": ("STATION_EASTING",),
        "y": ("STATION_NORTHING",),
    }
    required = (("name",), ("org_name", "org_code"), ("x", "postcode"))
    header_hint = ("FRS_FULLNAME", "STATION_NAME", "STATION_POSTCODE")
    default_kind = "fire"

    def extract(self, table: Table, options: Mapping[str, Any]) -> Extracted:
        raw = self.pick(table)
        if "org_code" in raw:
            raw["org_code"] = "FRS-" + raw["org_code"].astype("string").str.upper()
        raw["org_kind"] = "fire"
        raw["use"] = "fire_station"
        raw["source_ref"] = slug(raw["name"])
        empty = raw["name"].isna()
        excluded = raw.loc[empty, ["_row"]].assign(
            field="STATION_NAME", value=None, reason="the row names no station"
        )
        return Extracted(raw=raw.loc[~empty], excluded=excluded, rows_read=len(raw))
