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
    and_,
    any_,
    cast,
    func,
    literal,
    select,
)

from estate.current import is_current
from estate.models import Asset, LoadBatch, Organisation, RegisterChange

STALE_AFTER_DAYS = 365

_ASSETS: Table = Asset.__table__  # type: ignore[assignment]
_BATCHES: Table = LoadBatch.__table__  # type: ignore[assignment]
_ORGANISATIONS: Table = Organisation.__table__  # type: ignore[assignment]
_CHANGES: Table = RegisterChange.__table__  # type: ignore[assignment]

CHANGE_COUNTS = ("added", "changed", "unchanged", "recoded", "retired", "unretired",
                 "kept_newer")  # fmt: skip
"""The counts of a body's change from one register to the next, in the order a person
reads them (see :class:`~estate.models.RegisterChange`)."""


def _share(condition: ColumnElement[bool]) -> ColumnElement:
    """The per cent of a body's records for which ``condition`` holds, to 0.1."""
    hundred = literal(Decimal(100), Numeric())  # numeric, as round(x, 1) needs
    return func.round(hundred * func.avg(cast(condition, Integer)), 1)


def _flagged(flag: str) -> ColumnElement:
    """How many of a body's records carry the quality flag ``flag``."""
    return func.count().filter(literal(flag, Text) == any_(_ASSETS.c.quality_flags))


def vacant_with_occupants(a: Table) -> ColumnElement[bool]:
    """Recorded vacant, yet with occupants: the disposal scoring takes it as vacant (its
    reason says the record contradicts itself), so nobody is moved out of it."""
    return (a.c.occupancy == "vacant") & (a.c.occupants_fte > 0)


def fte_without_area(a: Table) -> ColumnElement[bool]:
    """Occupants but no floor area: no space per head or spare space can be worked out."""
    return (a.c.occupants_fte > 0) & a.c.gia_m2.is_(None) & a.c.nia_m2.is_(None)


def quality_report(conn: Connection) -> pd.DataFrame:
    """One row a body, of its current assets (:mod:`estate.current`): shares (per cent)
    of records with UPRN, location, floor area, costs and occupancy; counts of probable
    centroids, points outside the locality, records with no point (``unlocated``) and of
    them those whose file placed them outside Great Britain, records a cell of which was
    not read as written (``field_warnings``: the cell's published text is kept on the
    asset), records whose effective date is over a year old, and records that contradict
    themselves (vacant with occupants; occupants with no floor area)."""
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
            # Records that contradict themselves: the analysis must pick one side.
            func.count().filter(vacant_with_occupants(a)).label("vacant_with_occupants"),
            func.count().filter(fte_without_area(a)).label("fte_without_area"),
            func.max(a.c.effective_date).label("newest_date"),
        )
        .join_from(o, a, and_(a.c.organisation_id == o.c.id, is_current(a)))
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
            b.c.register, b.c.as_at,
        )
        .order_by(b.c.id.desc())
        .limit(limit)
    )  # fmt: skip
    return pd.read_sql(batches, conn)


def register_changes(
    conn: Connection, batch_id: int | None = None, limit: int = 500
) -> pd.DataFrame:
    """What loads did to bodies' registers, one row a body and batch: ``batch``, ``body``,
    ``file``, ``register`` (full or partial), ``as_at``, ``previous_as_at`` (the body's
    register before) and the counts of :data:`CHANGE_COUNTS`. For one batch, every body it
    changed; else each body's newest change (the one its last load made), by body."""
    c, b, o = _CHANGES, _BATCHES, _ORGANISATIONS
    query = (
        select(b.c.id.label("batch"), o.c.code.label("body"), b.c.source_file.label("file"),
               b.c.register, b.c.as_at, c.c.previous_as_at,
               *(c.c[name] for name in CHANGE_COUNTS))
        .join_from(c, b, b.c.id == c.c.batch_id)
        .join(o, o.c.id == c.c.organisation_id)
        .where(b.c.status == "committed")
    )  # fmt: skip
    if batch_id is not None:
        query = query.where(b.c.id == batch_id).order_by(o.c.code)
    else:
        c2, b2 = _CHANGES.alias("c2"), _BATCHES.alias("b2")
        newest = (
            select(func.max(c2.c.batch_id))
            .join_from(c2, b2, b2.c.id == c2.c.batch_id)
            .where(c2.c.organisation_id == c.c.organisation_id, b2.c.status == "committed")
            .scalar_subquery()
        )
        query = query.where(c.c.batch_id == newest).order_by(o.c.code)
    return pd.read_sql(query.limit(limit), conn)
