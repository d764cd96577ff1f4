"""The Local Government Transparency Code land and building assets file (LGA schema).

Councils (and some fire authorities) publish it as CSV with the LGA columns
``OrganisationLabel, OrganisationURI, EffectiveDate, UPRN, AssetCode,
PropertyName, StreetNumber, StreetName, PostTown, PostCode,
CoordinateReferenceSystem, GeoX, GeoY, TenureType, TenureDetail, OtherDetail,
HoldingType, BuildingSize, LandArea, EnergyRating``, and in many variants: older
layouts with "X Co-ordinate", a single "Site Address", "Holding Type" used as an
asset class. Headers are matched by alias, so case, spaces and underscores do
not matter. ``BuildingSize`` is gross internal area in m²; ``LandArea`` is in
hectares unless the cell says otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from estate.etl.read import Table
from estate.etl.sources.base import Extracted, Source, drop_blank


class TransparencySource(Source):
    """A council's land and building assets file under the Local Government Transparency Code
    (LGA schema), with the many header spellings councils publish it under."""

    name = "transparency"
    description = "Local Government Transparency Code land and building assets file"
    aliases = {
        "org_name": ("OrganisationLabel", "Organisation Label", "Organisation",
                     "Organisation Name", "Council", "Authority", "Local Authority"),
        "org_uri": ("OrganisationURI", "Organisation URI"),
        "effective_date": ("EffectiveDate", "Effective Date", "As At", "As At Date",
                           "Date of Data"),
        "uprn": ("UPRN", "Unique Property Reference Number", "UPRN Number"),
        "source_ref": ("AssetCode", "Asset Code", "Asset Reference", "Asset Ref", "Asset ID",
                       "AssetID", "Asset Number", "Property Reference", "Property Ref",
                       "Property ID", "Site Reference", "Site Ref", "Reference", "Ref"),
        "name": ("PropertyName", "Property Name", "Asset Name", "Site Name", "Name",
                 "Property", "Asset Description", "Description"),
        "street_number": ("StreetNumber", "Street Number", "Building Number", "House Number",
                          "Number"),
        "street": ("StreetName", "Street Name", "Street", "Road"),
        "town": ("PostTown", "Post Town", "Town", "Locality"),
        "postcode": ("PostCode", "Post Code", "Postcode"),
        "address": ("Site Address", "Address", "Full Address", "Property Address"),
        "crs": ("CoordinateReferenceSystem", "Coordinate Reference System", "CRS",
                "Spatial Reference"),
        "x": ("GeoX", "Geo X", "X Co-ordinate", "X Coordinate", "X", "Easting", "Eastings",
              "Map East", "Longitude", "Long", "Lon"),
        "y": ("GeoY", "Geo Y", "Y Co-ordinate", "Y Coordinate", "Y", "Northing", "Northings",
              "Map North", "Latitude", "Lat"),
        "coordinates": ("Grid Reference", "Coordinates", "Co-ordinates", "Location"),
        "tenure": ("TenureType", "Tenure Type", "Tenure"),
        "occupancy": ("TenureDetail", "Tenure Detail", "Occupancy", "Occupation"),
        "use": ("OtherDetail", "Other Detail", "Asset Type", "Property Type", "Use",
                "Primary Use", "Asset Category", "Category", "Service", "Asset Class"),
        "holding": ("HoldingType", "Holding Type", "Holding"),
        "gia_m2": ("BuildingSize", "Building Size", "GIA", "Gross Internal Area", "Floor Area",
                   "Building Area"),
        "site_area_ha": ("LandArea", "Land Area", "Site Area", "Hectares", "Area"),
        "energy_rating": ("EnergyRating", "Energy Rating", "EPC", "EPC Rating", "DEC Rating"),
        # Not in the LGA schema, but councils that hold leases add the date they end.
        "lease_end": ("LeaseEnd", "Lease End", "Lease End Date", "Lease Expiry",
                      "Lease Expiry Date"),
    }  # fmt: skip
    required = (
        ("source_ref", "uprn", "name", "address"),
        ("postcode", "x", "coordinates", "address", "street", "uprn"),
        ("tenure", "holding", "occupancy", "use", "gia_m2", "site_area_ha"),
    )
    header_hint = ("UPRN", "AssetCode", "PropertyName", "PostCode", "TenureType")
    default_kind = "council"
    recognise_values = True  # no rules of its own: the recogniser may read any column

    def required_for(self, table: Table, found: Mapping[str, list[str]]) -> Sequence[Sequence[str]]:
        """A GIS layer that names each feature's body and asset reference is a register of
        assets, its geometry their places, even with no tenure, holding or size: a
        council's GIS export of its estate. Without both names (a layer of wards, of
        libraries from a directory) it must show what kind of holding it lists."""
        if (
            "_geometry_x" in table.frame.columns
            and "source_ref" in found
            and ("org_name" in found or "org_uri" in found)
        ):
            return self.required[:2]
        return self.required

    def extract(self, table: Table, options: Mapping[str, Any]) -> Extracted:
        raw = self.pick(table)
        kept, excluded = drop_blank(raw)
        return Extracted(raw=kept, excluded=excluded, rows_read=len(raw))
