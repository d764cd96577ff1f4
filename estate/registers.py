"""A body's register back out in the Local Government Transparency Code layout.

The LGA's land and building assets schema is what councils publish; writing a
body's records back in it lets a partner publish (or re-publish, corrected) from
the shared register. Rows stream from a server-side cursor, so a register of any
size is written with flat memory.
"""

from __future__ import annotations

from functools import lru_cache
from typing import IO

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Select,
    Table,
    Text,
    bindparam,
    case,
    cast,
    func,
    literal,
    null,
    select,
)

from estate.errors import NotFoundError
from estate.exports import write_csv
from estate.models import Organisation
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

_ORGANISATIONS: Table = Organisation.__table__  # type: ignore[assignment]


@lru_cache(maxsize=64)
def _register(viewer: Viewer) -> Select:
    """The assets (not disposed of) of the body bound as ``body``, as ``viewer`` may see
    them, one row a record in :data:`LGA_COLUMNS`' order (tenure and holding as codes:
    labelled as they are written). Built once per viewer (a viewer's subquery is fifty
    columns deep), its body bound when it runs."""
    a, o = viewer.assets_table(), _ORGANISATIONS.alias("o")

    def metres(value: ColumnElement) -> ColumnElement:
        return cast(func.round(value), BigInteger)

    return (
        select(
            o.c.name, o.c.uri, a.c.effective_date, a.c.uprn, a.c.source_ref, a.c.name, null(),
            a.c.address, a.c.town, a.c.postcode, case((a.c.geom.is_not(None), "OSGB36")),
            metres(func.ST_X(a.c.geom)), metres(func.ST_Y(a.c.geom)), a.c.tenure,
            a.c.tenure_raw, a.c.use_raw, a.c.holding, a.c.gia_m2,
            func.round(a.c.site_area_m2 / 10000, 4), a.c.energy_rating,
        )
        .join_from(a, o, o.c.id == a.c.organisation_id)
        .where(o.c.code == bindparam("body", type_=Text), a.c.status != "disposed")
        .order_by(a.c.source_ref.nulls_last(), a.c.id)
    )  # fmt: skip


def stream_lga_register(
    conn: Connection, body: str, stream: IO[str], viewer: Viewer | None = None
) -> int:
    """Write ``body``'s assets (not disposed) as an LGA-layout CSV, as ``viewer`` may see
    them (whole when None); returns the count."""
    o = _ORGANISATIONS
    known = conn.execute(select(literal(1)).where(o.c.code == body))
    if known.first() is None:
        raise NotFoundError(f"no body with the code {body!r} (see `estate quality`)")
    tenure_label = TENURE.words
    holding_label = HOLDING.words
    result = conn.execution_options(stream_results=True, yield_per=5000).execute(
        _register(viewer or Viewer.operator()), {"body": body}
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
