"""What could meet what: for a need, the offers, surplus assets and spare space of
other bodies within its radius (see :mod:`estate.club`'s notes), and for an offer, the
needs it could meet; with counts for many at once. One SQL statement per source, read
as the viewer may see it (:func:`estate.club.listing._sources`)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import pandas as pd
from sqlalchemy import Connection, text

from estate.analysis.assets import CENTROID_FLAG, COARSE_METHODS, derive, usable_sql
from estate.club.listing import _sources, get_need, get_offer, list_needs, list_offers
from estate.club.rules import LIVE, MATCH_FIELDS, SOURCES
from estate.sharing import Viewer

# --- matching -------------------------------------------------------------------------------

# A need and an offer that could meet it: within the need's radius, of another body, big
# enough, available on the day, of a compatible use. ST_DWithin is inclusive.
_OFFER_PAIRS = """
    FROM {needs} n
    JOIN {offers} f
      ON ST_DWithin(f.geom, n.geom, n.radius_m::float8)
     AND f.organisation_id <> n.organisation_id
     AND f.status IN ('open', 'in_discussion')
     AND f.area_m2 >= n.min_m2
     AND f.available_from <= n.needed_by
     AND (f.available_until IS NULL OR f.available_until >= n.needed_by)
     AND (f.use_class IS NULL OR n.use_class IS NULL OR f.use_class = n.use_class)
"""
_DISTANCE = "round(ST_Distance({a}.geom, n.geom)::numeric, 1)::float8"

# Assets of other bodies within the need's radius, placed well enough to measure, and
# not already offered to the club by their body (they match as that offer). ``{assets}``
# is what the viewer may see of the register (estate.sharing); sensitive assets are left
# out, so the stored point (``raw_geom``, which the spatial index covers) is the point
# shown.
_NEAR_ASSETS = f"""
    FROM {{needs}} n
    JOIN {{assets}} a
      ON ST_DWithin(a.raw_geom, n.geom, n.radius_m::float8)
     AND a.organisation_id <> n.organisation_id
     AND NOT a.sensitive
     AND a.location_method NOT IN ({", ".join(f"'{m}'" for m in COARSE_METHODS)})
     AND NOT ('{CENTROID_FLAG}' = ANY(a.quality_flags))
     AND NOT EXISTS (
         SELECT 1 FROM club_offers x
         WHERE x.asset_id = a.id AND x.status IN ('open', 'in_discussion'))
    JOIN organisations o ON o.id = a.organisation_id
"""


def _match_frame(
    conn: Connection,
    where: str,
    params: dict,
    nia_per_fte_m2: float,
    viewer: Viewer | None,
) -> pd.DataFrame:
    """Every match of the needs selected by ``where`` (on ``n``), one frame of
    :data:`MATCH_FIELDS`, ordered by need, source, distance."""
    near_assets = _sources(_NEAR_ASSETS, viewer)
    offers = conn.execute(
        text(
            f"""
            SELECT n.id AS need_id, 'offer' AS source, f.id AS offer_id,
                   CAST(NULL AS bigint) AS asset_id, o.code AS body, f.title,
                   f.area_m2::float8 AS area_m2, {_DISTANCE.format(a="f")} AS distance_m,
                   f.available_from
            {_sources(_OFFER_PAIRS, viewer)}
            JOIN organisations o ON o.id = f.organisation_id
            WHERE {where}
            """
        ),
        params,
    ).all()
    surplus = conn.execute(
        text(
            f"""
            SELECT n.id AS need_id, 'surplus' AS source, CAST(NULL AS int) AS offer_id,
                   a.id AS asset_id, o.code AS body, coalesce(a.name, a.source_ref) AS title,
                   ({usable_sql("a")})::float8 AS area_m2, {_DISTANCE.format(a="a")}
                   AS distance_m, CAST(NULL AS date) AS available_from
            {near_assets}
            WHERE {where}
              AND a.status IN ('surplus', 'in_disposal')
              AND {usable_sql("a")} >= n.min_m2
            """
        ),
        params,
    ).all()
    # Spare space: the analysis's own measure (estate.analysis.assets.derive), on the
    # operational sites in reach only.
    near = pd.DataFrame(
        [dict(r) for r in conn.execute(
            text(
                f"""
                SELECT n.id AS need_id, n.min_m2::float8 AS min_m2, a.id AS asset_id,
                       o.code AS body, coalesce(a.name, a.source_ref) AS title,
                       {_DISTANCE.format(a="a")} AS distance_m, a.status, a.sensitive,
                       a.use_class, a.occupancy, a.gia_m2::float8 AS gia_m2,
                       a.nia_m2::float8 AS nia_m2, a.occupants_fte::float8 AS occupants_fte,
                       ST_X(a.geom) AS x, ST_Y(a.geom) AS y, a.location_method,
                       FALSE AS probable_centroid
                {near_assets}
                WHERE {where}
                  AND a.status IN ('operational', 'under_used')
                """
            ),
            params,
        ).mappings()]
    )  # fmt: skip
    frames = [
        pd.DataFrame([r._asdict() for r in offers], columns=list(MATCH_FIELDS)),
        pd.DataFrame([r._asdict() for r in surplus], columns=list(MATCH_FIELDS)),
    ]
    if len(near):
        for column in ("gia_m2", "nia_m2", "occupants_fte"):
            near[column] = near[column].astype(float)
        near = derive(near, nia_per_fte_m2)
        spare = near[(near["spare_m2"] >= near["min_m2"]).to_numpy()].copy()
        spare["source"] = "spare"
        spare["offer_id"] = None
        spare["area_m2"] = spare["spare_m2"]
        spare["available_from"] = None
        frames.append(spare[list(MATCH_FIELDS)])
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=list(MATCH_FIELDS))
    found = pd.concat(frames, ignore_index=True)
    found["rank"] = found["source"].map({s: i for i, s in enumerate(SOURCES)})
    found["key"] = found["offer_id"].fillna(found["asset_id"]).astype(float)
    found = found.sort_values(["need_id", "rank", "distance_m", "key"], kind="stable")
    return found[list(MATCH_FIELDS)].reset_index(drop=True)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Frame rows as plain Python values (ints, floats, dates, None)."""
    records = []
    for row in frame.to_dict("records"):
        clean = {}
        for key, value in row.items():
            if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
                clean[key] = None
            elif key in ("need_id", "offer_id", "asset_id"):
                clean[key] = int(value)
            elif key in ("area_m2", "distance_m", "min_m2", "max_m2"):
                clean[key] = float(value)
            elif isinstance(value, pd.Timestamp):
                clean[key] = value.date()
            else:
                clean[key] = value
        records.append(clean)
    return records


def need_matches(
    conn: Connection, need_id: int, nia_per_fte_m2: float = 8.0, viewer: Viewer | None = None
) -> list[dict[str, Any]]:
    """What could meet one need: offers, surplus assets and spare space of other bodies
    within its radius (see the module's notes), ordered by source (offer, surplus, spare)
    then distance. Each match has :data:`MATCH_FIELDS`; ``distance_m`` is rounded to 0.1 m;
    ``available_from`` is an offer's (None for assets). Assets are read as ``viewer`` may
    see them (:mod:`estate.sharing`; everything when None): a name not shared is None.
    Raises :class:`NotFound`."""
    get_need(conn, need_id, viewer)
    frame = _match_frame(conn, "n.id = :need_id", {"need_id": need_id}, nia_per_fte_m2, viewer)
    return _records(frame)


def need_match_counts(
    conn: Connection,
    nia_per_fte_m2: float = 8.0,
    need_ids: Iterable[int] | None = None,
    viewer: Viewer | None = None,
) -> dict[int, dict[str, int]]:
    """For many needs at once (default: every need open or in discussion), how many
    matches each has by source: ``{need_id: {"offer": n, "surplus": n, "spare": n,
    "total": n}}`` (needs without matches included, with zeros)."""
    if need_ids is None:
        where, params = "n.status IN ('open', 'in_discussion')", {}
        ids = [n["id"] for n in list_needs(conn, LIVE, viewer=viewer)]
    else:
        ids = list(need_ids)
        where, params = "n.id = ANY(:ids)", {"ids": ids}
    counts = {i: {**{s: 0 for s in SOURCES}, "total": 0} for i in ids}
    frame = _match_frame(conn, where, params, nia_per_fte_m2, viewer)
    for (need, source), n in frame.groupby(["need_id", "source"]).size().items():
        counts.setdefault(int(need), {**{s: 0 for s in SOURCES}, "total": 0})
        counts[int(need)][source] = int(n)
        counts[int(need)]["total"] += int(n)
    return counts


_NEED_PAIRS_SELECT = f"""
    SELECT f.id AS offer_id, n.id AS need_id, o.code AS body, n.title, n.use_class,
           n.min_m2::float8 AS min_m2, n.max_m2::float8 AS max_m2,
           {_DISTANCE.format(a="f")} AS distance_m, n.needed_by, n.status
    {_OFFER_PAIRS}
    JOIN organisations o ON o.id = n.organisation_id
"""


def offer_matches(
    conn: Connection, offer_id: int, viewer: Viewer | None = None
) -> list[dict[str, Any]]:
    """The needs an offer could meet (open or in discussion, of other bodies, with the
    offer inside their radius: the same test as :func:`need_matches`), nearest first, as
    ``viewer`` may see them. Each has :data:`NEED_MATCH_FIELDS`. Raises :class:`NotFound`."""
    get_offer(conn, offer_id, viewer)
    rows = conn.execute(
        text(
            _sources(_NEED_PAIRS_SELECT, viewer)
            + " WHERE f.id = :id AND n.status IN ('open', 'in_discussion')"
            + " ORDER BY distance_m, n.needed_by, n.id"
        ),
        {"id": offer_id},
    ).mappings()
    return [dict(r) for r in rows]


def offer_match_counts(
    conn: Connection, offer_ids: Iterable[int] | None = None, viewer: Viewer | None = None
) -> dict[int, int]:
    """How many live needs each offer could meet (default: every live offer), as
    ``viewer`` may see them."""
    if offer_ids is None:
        where, params = "f.status IN ('open', 'in_discussion')", {}
        ids = [o["id"] for o in list_offers(conn, LIVE, viewer=viewer)]
    else:
        ids = list(offer_ids)
        where, params = "f.id = ANY(:ids)", {"ids": ids}
    rows = conn.execute(
        text(
            f"SELECT f.id, count(*) {_sources(_OFFER_PAIRS, viewer)}"
            f" WHERE {where} AND n.status IN ('open', 'in_discussion') GROUP BY f.id"
        ),
        params,
    ).all()
    counts = dict.fromkeys(ids, 0)
    counts.update({int(i): int(n) for i, n in rows})
    return counts
