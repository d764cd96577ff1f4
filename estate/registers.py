"""A body's register back out in the Local Government Transparency Code layout.

The LGA's land and building assets schema is what councils publish; writing a
body's records back in it lets a partner publish (or re-publish, corrected) from
the shared register. Rows stream from a server-side cursor, so a register of any
size is written with flat memory.
"""

from __future__ import annotations

from typing import IO

from sqlalchemy import Connection, text

from estate.errors import NotFoundError
from estate.exports import write_csv
from estate.sharing import Viewer
from estate.vocab import HOLDING, TENURE

LGA_COLUMNS = [
    "OrganisationLabel",
    "OrganisationURI",
    "EffectiveDate",
    "UPRN",
    "AssetCode",
    "PropertyName",
    "StreetNumber",
    "StreetName",
    "PostTown",
    "PostCode",
    "CoordinateReferenceSystem",
    "GeoX",
    "GeoY",
    "TenureType",
    "TenureDetail",
    "OtherDetail",
    "HoldingType",
    "BuildingSize",
    "LandArea",
    "EnergyRating",
]

_REGISTER = """
    SELECT o.name, o.uri, a.effective_date, a.uprn, a.source_ref, a.name, NULL,
           a.address, a.town, a.postcode,
           CASE WHEN a.geom IS NOT NULL THEN 'OSGB36' END,
           round(ST_X(a.geom))::bigint, round(ST_Y(a.geom))::bigint,
           a.tenure, a.tenure_raw, a.use_raw, a.holding,
           a.gia_m2, round(a.site_area_m2 / 10000, 4), a.energy_rating
    FROM {assets} a JOIN organisations o ON o.id = a.organisation_id
    WHERE o.code = :body AND a.status <> 'disposed'
    ORDER BY a.source_ref NULLS LAST, a.id
"""


def stream_lga_register(
    conn: Connection, body: str, stream: IO[str], viewer: Viewer | None = None
) -> int:
    """Write ``body``'s assets (not disposed) as an LGA-layout CSV, as ``viewer`` may see
    them (whole when None); returns the count."""
    known = conn.execute(text("SELECT 1 FROM organisations WHERE code = :c"), {"c": body})
    if known.first() is None:
        raise NotFoundError(f"no body with the code {body!r} (see `estate quality`)")
    tenure_label = TENURE.words
    holding_label = HOLDING.words
    result = conn.execution_options(stream_results=True, yield_per=5000).execute(
        text(_REGISTER.replace("{assets}", (viewer or Viewer.operator()).assets_sql())),
        {"body": body},
    )

    def rows():
        for row in result:
            values = list(row)
            values[13] = tenure_label.get(values[13], values[13])
            values[16] = holding_label.get(values[16], values[16])
            yield values

    return write_csv(rows(), LGA_COLUMNS, stream)


def lga_register_sheet(conn: Connection, body: str, viewer: Viewer | None = None):
    """``body``'s LGA register as a workbook sheet: text stays text (UPRNs, references,
    postcodes); sizes and coordinates are numbers and the effective date a date, so
    Excel sorts and sums them. Returns the sheet and the number of assets."""
    import io

    import pandas as pd

    from estate.exports import Sheet

    buffer = io.StringIO()
    count = stream_lga_register(conn, body, buffer, viewer)
    buffer.seek(0)
    numeric = ["GeoX", "GeoY", "BuildingSize", "LandArea"]
    frame = pd.read_csv(
        buffer,
        dtype={c: str for c in LGA_COLUMNS if c not in numeric},
        keep_default_na=False,
        na_values={c: [""] for c in numeric},
    )
    frame["EffectiveDate"] = pd.to_datetime(frame["EffectiveDate"], errors="coerce")
    return Sheet("assets", frame[LGA_COLUMNS], dates=["EffectiveDate"], plain=False), count
