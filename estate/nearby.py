"""Partner assets near one asset: every other body's asset within a distance, with its
distance, body, use and spare space, for the asset's page, its popup and a download.

One set-based query (Core, over the viewer's subquery): the origin is read once, and
``ST_DWithin`` on the stored points finds the neighbours through the spatial index (the
viewer's subquery keeps the stored point as ``raw_geom`` for exactly this), so a
100k-asset register answers in milliseconds rather than measuring every asset.

Sharing (:mod:`estate.sharing`): the rows come from the viewer's subquery, so another
body's fields the partnership does not share are blank. A sensitive site of another
body, which the viewer sees only at the centre of its cell, is left out, as the spatial
analyses leave it out: a distance measured to where it is not would mislead, and one to
where it is would tell. When the asset itself is such a site, nothing is measured from
it (:attr:`Nearby.generalised`).

Spare space is worked out as the analyses work it out
(:func:`estate.analysis.assets.derive`): usable area less the occupants' need, the whole
usable area when vacant, nil where the building cannot take others in, unknown when its
occupants are.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pandas as pd
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Float,
    FromClause,
    Integer,
    Numeric,
    Select,
    Table,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    not_,
    or_,
    select,
    true,
)

from estate.analysis.assets import CLOSED_USES, COST_HEADS, NO_SPACE_USES, usable_area
from estate.models import Organisation
from estate.sharing import GENERALISED_FLAG, Viewer

_ORGS: Table = Organisation.__table__  # type: ignore[assignment]

NEARBY_COLUMNS = [
    "id",
    "body",
    "name",
    "use_class",
    "distance_m",
    "usable_m2",
    "occupants_fte",
    "spare_m2",
    "running_cost",
    "lon",
    "lat",
]
# The most neighbours one list gives: at 2 km in a city centre a few hundred.
MAX_ROWS = 2000


@dataclass(frozen=True)
class Nearby:
    """The partner assets within ``distance_m`` of one asset, nearest first."""

    asset_id: int
    distance_m: float
    rows: pd.DataFrame
    generalised: bool = False
    """The asset is another body's sensitive site, whose place this viewer does not see:
    nothing is measured from it."""


def running_cost(a: FromClause) -> ColumnElement:
    """An asset's running cost a year: its heads summed (missing ones as nothing), NULL
    when every head is missing (as :func:`estate.analysis.assets.running_cost_sql`)."""
    heads = [a.c[h] for h in COST_HEADS]
    total = sum((func.coalesce(h, 0) for h in heads[1:]), func.coalesce(heads[0], 0))
    return case((func.num_nonnulls(*heads) > 0, total))


def spare_space(a: FromClause, nia_per_fte_m2: float | ColumnElement) -> ColumnElement:
    """An asset's spare space as :func:`estate.analysis.assets.derive` works it out (see
    the module)."""
    usable = usable_area(a)
    fte = a.c.occupants_fte
    receives = and_(
        func.coalesce(a.c.use_class, "").not_in(sorted(NO_SPACE_USES | CLOSED_USES)),
        a.c.status.in_(["operational", "under_used"]),
        not_(a.c.sensitive),
    )
    nia = (
        nia_per_fte_m2
        if isinstance(nia_per_fte_m2, ColumnElement)
        else literal(nia_per_fte_m2, Numeric())
    )
    need = fte * nia
    return case(
        (not_(receives), literal(0, Numeric())),
        (or_(a.c.occupancy == "vacant", fte == 0), usable),
        (fte.is_(None), None),
        else_=func.greatest(usable - need, 0),
    )


def _wgs84(geom: ColumnElement, part: str) -> ColumnElement:
    point = func.ST_Transform(geom, 4326)
    return (func.ST_X(point) if part == "x" else func.ST_Y(point)).label(
        "lon" if part == "x" else "lat"
    )


def nearby_assets(
    conn: Connection,
    asset_id: int,
    distance_m: float,
    nia_per_fte_m2: float,
    viewer: Viewer,
    limit: int = MAX_ROWS,
) -> Nearby | None:
    """Every other body's asset (not disposed) within ``distance_m`` of the asset, as
    ``viewer`` may see them, nearest first; None when the viewer has no such asset."""
    if not 0 < int(asset_id) < 2**63:  # past bigint's range: no asset has that id
        return None
    origin_query, rows_query = _statements(viewer)
    origin = conn.execute(origin_query, {"id": int(asset_id)}).first()
    if origin is None:
        return None
    if origin.hidden or not origin.located:
        return Nearby(int(asset_id), float(distance_m), pd.DataFrame(columns=NEARBY_COLUMNS),
                      generalised=bool(origin.hidden))  # fmt: skip
    rows = conn.execute(
        rows_query,
        {"id": int(asset_id), "d": float(distance_m), "nia": nia_per_fte_m2, "limit": int(limit)},
    )
    frame = pd.DataFrame(rows.all(), columns=NEARBY_COLUMNS)
    return Nearby(int(asset_id), float(distance_m), frame)


@lru_cache(maxsize=64)
def _statements(viewer: Viewer) -> tuple[Select, Select]:
    """The two queries for ``viewer``, built once (a few viewers; building a statement
    over the viewer's fifty-column subquery costs more than running it), with binds for
    the asset, the distance, the space per FTE and the limit."""
    a = viewer.assets_table("a")
    asset = bindparam("id", type_=BigInteger)
    distance = bindparam("d", type_=Float)
    origin = select(
        a.c.organisation_id,
        a.c.geom.is_not(None).label("located"),
        or_(
            a.c.location_method == "generalised",
            literal(GENERALISED_FLAG) == func.any(a.c.quality_flags),
        ).label("hidden"),
    ).where(a.c.id == asset)
    here = select(a.c.geom, a.c.organisation_id).where(a.c.id == asset).cte("origin")
    b = viewer.assets_table("b")
    o = _ORGS
    gap = func.ST_Distance(b.c.geom, here.c.geom)
    rows = (
        select(
            b.c.id,
            o.c.code.label("body"),
            b.c.name,
            b.c.use_class,
            cast(func.round(cast(gap, Numeric()), 1), Float).label("distance_m"),
            cast(usable_area(b), Float).label("usable_m2"),
            cast(b.c.occupants_fte, Float).label("occupants_fte"),
            cast(spare_space(b, bindparam("nia", type_=Numeric())), Float).label("spare_m2"),
            cast(running_cost(b), Float).label("running_cost"),
            _wgs84(b.c.geom, "x"),
            _wgs84(b.c.geom, "y"),
        )
        .select_from(here)
        .join(b, true())
        .join(o, o.c.id == b.c.organisation_id)
        .where(
            # The stored point first, so the spatial index finds the few candidates; then
            # the point as the viewer sees it.
            func.ST_DWithin(b.c.raw_geom, here.c.geom, distance),
            func.ST_DWithin(b.c.geom, here.c.geom, distance),
            b.c.organisation_id != here.c.organisation_id,
            b.c.status != "disposed",
            b.c.location_method.is_distinct_from("generalised"),
        )
        .order_by("distance_m", b.c.id)
        .limit(bindparam("limit", type_=Integer))
    )
    return origin, rows
