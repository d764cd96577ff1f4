"""Partner assets near one asset: every other body's asset within a distance, with its
distance, body, use and spare space, for the asset's page, its popup and a download.

One set-based query: the origin is read once, and ``ST_DWithin`` on the stored points
finds the neighbours through the spatial index (the viewer's subquery keeps the stored
point as ``raw_geom`` for exactly this), so a 100k-asset register answers in
milliseconds rather than measuring every asset.

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

import pandas as pd
from sqlalchemy import Connection, text

from estate.analysis.assets import CLOSED_USES, NO_SPACE_USES, running_cost_sql, usable_sql
from estate.sharing import GENERALISED_FLAG, Viewer

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


def _words(words: frozenset[str]) -> str:
    return ", ".join(f"'{w}'" for w in sorted(words))


def spare_sql(alias: str, nia_per_fte: str = ":nia") -> str:
    """SQL for an asset's spare space as :func:`estate.analysis.assets.derive` works it
    out (see the module)."""
    usable = usable_sql(alias)
    fte = f"{alias}.occupants_fte"
    vacant = f"({alias}.occupancy = 'vacant' OR {fte} = 0)"
    receives = (
        f"(coalesce({alias}.use_class, '') NOT IN ({_words(NO_SPACE_USES | CLOSED_USES)})"
        f" AND {alias}.status IN ('operational', 'under_used') AND NOT {alias}.sensitive)"
    )
    return (
        f"CASE WHEN NOT {receives} THEN 0"
        f" WHEN {vacant} THEN {usable}"
        f" WHEN {fte} IS NULL THEN NULL"
        f" ELSE greatest({usable} - {fte} * {nia_per_fte}, 0) END"
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
    assets = viewer.assets_sql()
    origin = conn.execute(
        text(
            f"SELECT a.organisation_id, a.geom IS NOT NULL AS located,"
            f" a.location_method = 'generalised' OR :flag = ANY(a.quality_flags) AS hidden"
            f" FROM {assets} a WHERE a.id = :id"
        ),
        {"id": int(asset_id), "flag": GENERALISED_FLAG},
    ).first()
    if origin is None:
        return None
    if origin.hidden or not origin.located:
        return Nearby(int(asset_id), float(distance_m), pd.DataFrame(columns=NEARBY_COLUMNS),
                      generalised=bool(origin.hidden))  # fmt: skip
    rows = conn.execute(
        text(
            f"""
            WITH origin AS (SELECT a.geom, a.organisation_id FROM {assets} a WHERE a.id = :id)
            SELECT b.id, o.code AS body, b.name, b.use_class,
                   round(ST_Distance(b.geom, origin.geom)::numeric, 1)::float AS distance_m,
                   ({usable_sql("b")})::float AS usable_m2, b.occupants_fte::float AS occupants_fte,
                   ({spare_sql("b")})::float AS spare_m2,
                   ({running_cost_sql("b")})::float AS running_cost,
                   ST_X(ST_Transform(b.geom, 4326)) AS lon, ST_Y(ST_Transform(b.geom, 4326)) AS lat
            FROM origin, {assets} b JOIN organisations o ON o.id = b.organisation_id
            WHERE ST_DWithin(b.raw_geom, origin.geom, :d)
              AND ST_DWithin(b.geom, origin.geom, :d)
              AND b.organisation_id <> origin.organisation_id
              AND b.status <> 'disposed'
              AND b.location_method IS DISTINCT FROM 'generalised'
            ORDER BY distance_m, b.id
            LIMIT :limit
            """
        ),
        {"id": int(asset_id), "d": float(distance_m), "nia": float(nia_per_fte_m2),
         "limit": int(limit)},  # fmt: skip
    )
    frame = pd.DataFrame(rows.all(), columns=NEARBY_COLUMNS)
    return Nearby(int(asset_id), float(distance_m), frame)
