"""What could meet what: for a need, the offers, surplus assets and spare space of
other bodies within its radius (see :mod:`estate.club`'s notes), and for an offer, the
needs it could meet; with counts for many at once. One SQL statement per source, read
as the viewer may see it (:meth:`estate.sharing.Viewer.club_table` and
:meth:`~estate.sharing.Viewer.assets_table`), written in Core like every other read."""

from __future__ import annotations

import math
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import pandas as pd
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Date,
    Float,
    FromClause,
    Integer,
    Numeric,
    Select,
    Table,
    and_,
    any_,
    cast,
    exists,
    false,
    func,
    literal,
    not_,
    null,
    or_,
    select,
)
from sqlalchemy.types import Text

from estate.analysis.assets import CENTROID_FLAG, COARSE_METHODS, derive, usable_area
from estate.club.listing import (
    _ORGANISATIONS,
    _assets,
    _needs,
    _offers,
    _seen,
    get_need,
    get_offer,
    list_needs,
    list_offers,
)
from estate.club.rules import LIVE, MATCH_FIELDS, SOURCES
from estate.models import Offer
from estate.record_ids import given_id, given_ids
from estate.sharing import Viewer

_OFFER_TABLE: Table = Offer.__table__  # type: ignore[assignment]

# --- matching -------------------------------------------------------------------------------


def _offer_pairs(n: FromClause, f: FromClause) -> ColumnElement[bool]:
    """A need ``n`` and an offer ``f`` that could meet it: within the need's radius, of
    another body, big enough, available on the day, of a compatible use. ST_DWithin is
    inclusive."""
    return and_(
        func.ST_DWithin(f.c.geom, n.c.geom, cast(n.c.radius_m, Float)),
        f.c.organisation_id != n.c.organisation_id,
        f.c.status.in_(LIVE),
        f.c.area_m2 >= n.c.min_m2,
        f.c.available_from <= n.c.needed_by,
        or_(f.c.available_until.is_(None), f.c.available_until >= n.c.needed_by),
        or_(f.c.use_class.is_(None), n.c.use_class.is_(None), f.c.use_class == n.c.use_class),
    )


def _distance(x: FromClause, n: FromClause) -> ColumnElement:
    """From the need ``n`` to ``x`` (an offer or an asset), in metres to 0.1 m."""
    return cast(func.round(cast(func.ST_Distance(x.c.geom, n.c.geom), Numeric), 1), Float)


def _near_assets(n: FromClause, a: FromClause) -> ColumnElement[bool]:
    """Assets ``a`` of other bodies within the need's radius, placed well enough to
    measure, and not already offered to the club by their body (they match as that
    offer). ``a`` is what the viewer may see of the register (estate.sharing); sensitive
    assets are left out, so the stored point (``raw_geom``, which the spatial index
    covers) is the point shown."""
    offered = _OFFER_TABLE.alias("x")
    return and_(
        func.ST_DWithin(a.c.raw_geom, n.c.geom, cast(n.c.radius_m, Float)),
        a.c.organisation_id != n.c.organisation_id,
        not_(a.c.sensitive),
        a.c.location_method.not_in(COARSE_METHODS),
        not_(literal(CENTROID_FLAG, Text) == any_(a.c.quality_flags)),
        ~exists().where(offered.c.asset_id == a.c.id, offered.c.status.in_(LIVE)),
    )


@lru_cache(maxsize=64)
def _match_queries(viewer: Viewer, by_id: bool) -> tuple[Select, Select, Select]:
    """The three statements of :func:`_match_frame` for ``viewer``, built once (see
    :mod:`estate.club.listing`): of the needs bound as ``need_ids`` when ``by_id``, else
    of every need open or in discussion."""
    n, f, a = _needs(viewer), _offers(viewer), _assets(viewer)
    o = _ORGANISATIONS.alias("o")
    chosen = n.c.id.in_(given_ids("need_ids")) if by_id else n.c.status.in_(LIVE)
    near_assets = n.join(a, _near_assets(n, a)).join(o, o.c.id == a.c.organisation_id)
    offers = (
        select(
            n.c.id.label("need_id"), literal("offer", Text).label("source"),
            f.c.id.label("offer_id"), cast(null(), BigInteger).label("asset_id"),
            o.c.code.label("body"), f.c.title, cast(f.c.area_m2, Float).label("area_m2"),
            _distance(f, n).label("distance_m"), f.c.available_from,
        )
        .select_from(n.join(f, _offer_pairs(n, f)).join(o, o.c.id == f.c.organisation_id))
        .where(chosen)
    )  # fmt: skip
    surplus = (
        select(
            n.c.id.label("need_id"), literal("surplus", Text).label("source"),
            cast(null(), Integer).label("offer_id"), a.c.id.label("asset_id"),
            o.c.code.label("body"), func.coalesce(a.c.name, a.c.source_ref).label("title"),
            cast(usable_area(a), Float).label("area_m2"), _distance(a, n).label("distance_m"),
            cast(null(), Date).label("available_from"),
        )
        .select_from(near_assets)
        .where(
            chosen,
            a.c.status.in_(("surplus", "in_disposal")),
            usable_area(a) >= n.c.min_m2,
        )
    )  # fmt: skip
    # Spare space: the analysis's own measure (estate.analysis.assets.derive), on the
    # operational sites in reach only.
    sites = (
        select(
            n.c.id.label("need_id"), cast(n.c.min_m2, Float).label("min_m2"),
            a.c.id.label("asset_id"), o.c.code.label("body"),
            func.coalesce(a.c.name, a.c.source_ref).label("title"),
            _distance(a, n).label("distance_m"), a.c.status, a.c.sensitive, a.c.use_class,
            a.c.occupancy, cast(a.c.gia_m2, Float).label("gia_m2"),
            cast(a.c.nia_m2, Float).label("nia_m2"),
            cast(a.c.occupants_fte, Float).label("occupants_fte"),
            func.ST_X(a.c.geom).label("x"), func.ST_Y(a.c.geom).label("y"),
            a.c.location_method, false().label("probable_centroid"),
        )
        .select_from(near_assets)
        .where(chosen, a.c.status.in_(("operational", "under_used")))
    )  # fmt: skip
    return offers, surplus, sites


def _match_frame(
    conn: Connection,
    need_ids: list[int] | None,
    nia_per_fte_m2: float,
    viewer: Viewer | None,
) -> pd.DataFrame:
    """Every match of the needs ``need_ids`` (None: every need open or in discussion),
    one frame of :data:`MATCH_FIELDS`, ordered by need, source, distance."""
    by_offer, by_surplus, by_site = _match_queries(_seen(viewer), need_ids is not None)
    values = {} if need_ids is None else {"need_ids": need_ids}
    offers = conn.execute(by_offer, values).all()
    surplus = conn.execute(by_surplus, values).all()
    near = pd.DataFrame([dict(r) for r in conn.execute(by_site, values).mappings()])
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
    frame = _match_frame(conn, [need_id], nia_per_fte_m2, viewer)
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
    chosen = None if need_ids is None else list(need_ids)
    if chosen is None:
        ids = [n["id"] for n in list_needs(conn, LIVE, viewer=viewer)]
    else:
        ids = chosen
    counts = {i: {**{s: 0 for s in SOURCES}, "total": 0} for i in ids}
    frame = _match_frame(conn, chosen, nia_per_fte_m2, viewer)
    for (need, source), n in frame.groupby(["need_id", "source"]).size().items():
        counts.setdefault(int(need), {**{s: 0 for s in SOURCES}, "total": 0})
        counts[int(need)][source] = int(n)
        counts[int(need)]["total"] += int(n)
    return counts


def offer_matches(
    conn: Connection, offer_id: int, viewer: Viewer | None = None
) -> list[dict[str, Any]]:
    """The needs an offer could meet (open or in discussion, of other bodies, with the
    offer inside their radius: the same test as :func:`need_matches`), nearest first, as
    ``viewer`` may see them. Each has :data:`NEED_MATCH_FIELDS`. Raises :class:`NotFound`."""
    get_offer(conn, offer_id, viewer)
    query = _offer_matches_query(_seen(viewer))
    return [dict(r) for r in conn.execute(query, {"offer_id": offer_id}).mappings()]


@lru_cache(maxsize=64)
def _offer_matches_query(viewer: Viewer) -> Select:
    n, f, o = _needs(viewer), _offers(viewer), _ORGANISATIONS.alias("o")
    distance = _distance(f, n).label("distance_m")
    return (
        select(
            f.c.id.label("offer_id"), n.c.id.label("need_id"), o.c.code.label("body"),
            n.c.title, n.c.use_class, cast(n.c.min_m2, Float).label("min_m2"),
            cast(n.c.max_m2, Float).label("max_m2"), distance, n.c.needed_by, n.c.status,
        )
        .select_from(n.join(f, _offer_pairs(n, f)).join(o, o.c.id == n.c.organisation_id))
        .where(f.c.id == given_id(name="offer_id"), n.c.status.in_(LIVE))
        .order_by(distance, n.c.needed_by, n.c.id)
    )  # fmt: skip


@lru_cache(maxsize=64)
def _offer_counts_query(viewer: Viewer, by_id: bool) -> Select:
    n, f = _needs(viewer), _offers(viewer)
    chosen = f.c.id.in_(given_ids("offer_ids")) if by_id else f.c.status.in_(LIVE)
    return (
        select(f.c.id, func.count())
        .select_from(n.join(f, _offer_pairs(n, f)))
        .where(chosen, n.c.status.in_(LIVE))
        .group_by(f.c.id)
    )


def offer_match_counts(
    conn: Connection, offer_ids: Iterable[int] | None = None, viewer: Viewer | None = None
) -> dict[int, int]:
    """How many live needs each offer could meet (default: every live offer), as
    ``viewer`` may see them."""
    query = _offer_counts_query(_seen(viewer), offer_ids is not None)
    if offer_ids is None:
        ids = [o["id"] for o in list_offers(conn, LIVE, viewer=viewer)]
        rows = conn.execute(query).all()
    else:
        ids = list(offer_ids)
        rows = conn.execute(query, {"offer_ids": ids}).all()
    counts = dict.fromkeys(ids, 0)
    counts.update({int(i): int(n) for i, n in rows})
    return counts
