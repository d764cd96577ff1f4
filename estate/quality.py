"""The data-quality report: per body, how much of what the analysis needs its records hold.

Partners' property clubs start here: a body whose records lack floor areas or
occupancy cannot be part of a disposal case until it supplies them.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    Numeric,
    Table,
    Text,
    any_,
    cast,
    func,
    literal,
    select,
)

from estate.models import Asset, LoadBatch, Organisation

STALE_AFTER_DAYS = 365

_ASSETS: Table = Asset.__table__  # type: ignore[assignment]
_BATCHES: Table = LoadBatch.__table__  # type: ignore[assignment]
_ORGANISATIONS: Table = Organisation.__table__  # type: ignore[assignment]


def _share(condition: ColumnElement[bool]) -> ColumnElement:
    """The per cent of a body's records for which ``condition`` holds, to 0.1."""
    hundred = literal(Decimal(100), Numeric())  # numeric, as round(x, 1) needs
    return func.round(hundred * func.avg(cast(condition, Integer)), 1)


def _flagged(flag: str) -> ColumnElement:
    """How many of a body's records carry the quality flag ``flag``."""
    return func.count().filter(literal(flag, Text) == any_(_ASSETS.c.quality_flags))


def quality_report(conn: Connection) -> pd.DataFrame:
    """One row a body: shares (per cent) of records with UPRN, location, floor area, costs
    and occupancy; counts of probable centroids, points outside the locality, records
    with no point (``unlocated``) and of them those whose file placed them outside Great
    Britain, records a cell of which was not read as written (``field_warnings``: the
    cell's published text is kept on the asset), and records whose effective date is
    over a year old."""
    o, a = _ORGANISATIONS, _ASSETS
    costs = func.coalesce(a.c.rent, a.c.rates, a.c.fm_cost, a.c.energy_cost, a.c.maintenance_cost)
    stale = a.c.effective_date < func.current_date() - STALE_AFTER_DAYS
    report = (
        select(
            o.c.code.label("body"), o.c.name, o.c.kind, func.count(a.c.id).label("records"),
            _share(a.c.uprn_number.is_not(None)).label("uprn_pct"),
            _share(a.c.geom.is_not(None)).label("located_pct"),
            _share(a.c.location_method.in_(("postcode", "postcode_district"))).label(
                "located_by_postcode_pct"
            ),
            _share(func.coalesce(a.c.gia_m2, a.c.nia_m2).is_not(None)).label("floor_area_pct"),
            _share(costs.is_not(None)).label("costs_pct"),
            _share(a.c.occupants_fte.is_not(None)).label("occupancy_pct"),
            _flagged("probable_centroid").label("probable_centroids"),
            _flagged("outside_locality").label("outside_locality"),
            func.count().filter(a.c.geom.is_(None)).label("unlocated"),
            _flagged("outside_great_britain").label("outside_great_britain"),
            _flagged("field_warnings").label("field_warnings"),
            func.count().filter(stale).label("stale_dates"),
            func.max(a.c.effective_date).label("newest_date"),
        )
        .join_from(o, a, a.c.organisation_id == o.c.id)
        .group_by(o.c.id)
        .order_by(o.c.kind, o.c.code)
    )  # fmt: skip
    return pd.read_sql(report, conn)


def recent_batches(conn: Connection, limit: int = 50) -> pd.DataFrame:
    """Load batches, newest first, with what became of their rows (``started`` a time
    with its zone: the screens show it in the partners' time, :mod:`estate.display`)."""
    b = _BATCHES
    batches = (
        select(
            b.c.id.label("batch"),
            b.c.started_at.label("started"),
            b.c.source_file.label("file"), b.c.source_format.label("format"), b.c.status,
            b.c.rows_read.label("read"), b.c.rows_inserted.label("inserted"),
            b.c.rows_updated.label("updated"), b.c.rows_unchanged.label("unchanged"),
            b.c.rows_merged.label("merged"), b.c.rows_rejected.label("rejected"),
        )
        .order_by(b.c.id.desc())
        .limit(limit)
    )  # fmt: skip
    return pd.read_sql(batches, conn)
