"""GeoJSON for the club's map (RFC 7946, WGS84), built in the database: needs with their
radius, offers, and a need's or an offer's matches as lines, as the viewer may see
them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    CompoundSelect,
    Connection,
    Float,
    Integer,
    Select,
    Text,
    bindparam,
    cast,
    column,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import JSON, JSONB, aggregate_order_by

from estate.club.listing import (
    _ORGANISATIONS,
    _assets,
    _chosen,
    _filters,
    _needs,
    _offers,
    _seen,
    get_offer,
)
from estate.club.matching import _distance, _offer_pairs, need_matches
from estate.club.rules import LIVE
from estate.crs import WGS84_SRID
from estate.record_ids import given_id
from estate.sharing import Viewer

# --- GeoJSON for the map ------------------------------------------------------------------


def _object(**pairs: Any) -> ColumnElement:
    """``json_build_object`` of ``pairs``, in their order."""
    return func.json_build_object(*(part for key, value in pairs.items() for part in (key, value)))


def _geometry(geom: ColumnElement) -> ColumnElement:
    """A geometry as a GeoJSON object in WGS84, to 6 decimals (about 0.1 m)."""
    return cast(func.ST_AsGeoJSON(func.ST_Transform(geom, WGS84_SRID), 6), JSON)


def _float(value: ColumnElement) -> ColumnElement:
    return cast(value, Float)


def _feature(geom: ColumnElement, properties: ColumnElement, **ident: Any) -> ColumnElement:
    """A GeoJSON Feature of a point or line, with an ``id`` when given one (``id=...``)."""
    return _object(type="Feature", **ident, geometry=_geometry(geom), properties=properties)


def _collection(features: Select | CompoundSelect) -> Select:
    """A FeatureCollection (RFC 7946, WGS84) built in the database from a query giving
    one ``feature`` (json) a row, in the order of its ``ord``, as text.

    Like the club's other statements, each is built once per viewer (and shape of filter)
    with its values bound when it runs (see :mod:`estate.club.listing`)."""
    q = features.subquery("q")
    collected = func.coalesce(
        func.json_agg(aggregate_order_by(q.c.feature, q.c.ord)), cast(literal("[]"), JSON)
    )
    return select(cast(_object(type="FeatureCollection", features=collected), Text))


def needs_geojson(
    conn: Connection,
    status: str | Sequence[str] | None = LIVE,
    body: str | None = None,
    viewer: Viewer | None = None,
) -> str:
    """Needs as GeoJSON points with their radius (``radius_m``) for the map to draw, as
    ``viewer`` may see them."""
    values = _chosen(status, body)
    query = _needs_map(_seen(viewer), tuple(sorted(values)))
    return conn.execute(query, values).scalar_one()


@lru_cache(maxsize=128)
def _needs_map(viewer: Viewer, chosen: tuple[str, ...]) -> Select:
    n, o = _needs(viewer), _ORGANISATIONS.alias("o")
    properties = _object(
        kind="need", id=n.c.id, body=o.c.code, body_name=o.c.name, title=n.c.title,
        use_class=n.c.use_class, min_m2=_float(n.c.min_m2), max_m2=_float(n.c.max_m2),
        radius_m=_float(n.c.radius_m), needed_by=n.c.needed_by, status=n.c.status,
    )  # fmt: skip
    features = (
        select(
            n.c.needed_by.label("ord"),
            _feature(n.c.geom, properties, id=n.c.id).label("feature"),
        )
        .join_from(n, o, o.c.id == n.c.organisation_id)
        .where(*_filters(n, o, chosen), n.c.geom.is_not(None))
    )
    return _collection(features)


def offers_geojson(
    conn: Connection,
    status: str | Sequence[str] | None = LIVE,
    body: str | None = None,
    viewer: Viewer | None = None,
) -> str:
    """Offers as GeoJSON points, as ``viewer`` may see them."""
    values = _chosen(status, body)
    query = _offers_map(_seen(viewer), tuple(sorted(values)))
    return conn.execute(query, values).scalar_one()


@lru_cache(maxsize=128)
def _offers_map(viewer: Viewer, chosen: tuple[str, ...]) -> Select:
    f, o = _offers(viewer), _ORGANISATIONS.alias("o")
    properties = _object(
        kind="offer", id=f.c.id, body=o.c.code, body_name=o.c.name, offer_kind=f.c.kind,
        title=f.c.title, use_class=f.c.use_class, area_m2=_float(f.c.area_m2),
        available_from=f.c.available_from, available_until=f.c.available_until,
        status=f.c.status,
    )  # fmt: skip
    features = (
        select(
            f.c.available_from.label("ord"),
            _feature(f.c.geom, properties, id=f.c.id).label("feature"),
        )
        .join_from(f, o, o.c.id == f.c.organisation_id)
        .where(*_filters(f, o, chosen), f.c.geom.is_not(None))
    )
    return _collection(features)


def need_matches_geojson(
    conn: Connection,
    need_id: int,
    nia_per_fte_m2: float = 8.0,
    viewer: Viewer | None = None,
    *,
    matches: list[dict[str, Any]] | None = None,
) -> str:
    """A need and its matches for a map: the need's point (``kind: "need"``, with its
    ``radius_m``), then one line from the need to each match (``kind: "match"``, with the
    match's fields), in :func:`need_matches`' order (pass ``matches`` when already found)."""
    if matches is None:
        matches = need_matches(conn, need_id, nia_per_fte_m2, viewer)
    found = json.dumps(matches, default=lambda v: v.isoformat())
    query = _need_matches_map(_seen(viewer))
    return conn.execute(query, {"need_id": need_id, "matches": found}).scalar_one()


@lru_cache(maxsize=64)
def _need_matches_map(viewer: Viewer) -> Select:
    need_id = given_id(name="need_id")
    n, o = _needs(viewer), _ORGANISATIONS.alias("o")
    need = (
        select(
            literal(0, Integer).label("ord"),
            _feature(
                n.c.geom,
                _object(
                    kind="need",
                    id=n.c.id,
                    body=o.c.code,
                    title=n.c.title,
                    min_m2=_float(n.c.min_m2),
                    radius_m=_float(n.c.radius_m),
                    needed_by=n.c.needed_by,
                    status=n.c.status,
                ),
                id=literal("need-", Text).concat(n.c.id),
            ).label("feature"),
        )  # fmt: skip
        .join_from(n, o, o.c.id == n.c.organisation_id)
        .where(n.c.id == need_id, n.c.geom.is_not(None))
    )
    # The matches, one JSON object each, in their order; each joined to the point it is at.
    m = (
        func.json_array_elements(cast(bindparam("matches", type_=Text), JSON))
        .table_valued(column("value", JSON), with_ordinality="ord")
        .render_derived(name="m")
    )
    value = m.c.value
    f, a = _offers(viewer), _assets(viewer)
    match = cast(cast(value, JSONB).concat(func.jsonb_build_object("kind", "match")), JSON)
    lines = (
        select(
            m.c.ord,
            _object(
                type="Feature",
                geometry=_geometry(func.ST_MakeLine(n.c.geom, func.coalesce(f.c.geom, a.c.geom))),
                properties=match,
            ),
        )
        .select_from(
            m.join(n, n.c.id == need_id)
            .outerjoin(f, f.c.id == cast(value["offer_id"].astext, Integer))
            .outerjoin(a, a.c.id == cast(value["asset_id"].astext, BigInteger))
        )
    )  # fmt: skip
    return _collection(union_all(need, lines))


def offer_matches_geojson(conn: Connection, offer_id: int, viewer: Viewer | None = None) -> str:
    """An offer and the needs it could meet: its point (``kind: "offer"``), each need's
    point with its radius (``kind: "need"``) and a line from the offer to each need, as
    ``viewer`` may see them."""
    get_offer(conn, offer_id, viewer)
    query = _offer_matches_map(_seen(viewer))
    return conn.execute(query, {"offer_id": offer_id}).scalar_one()


@lru_cache(maxsize=64)
def _offer_matches_map(viewer: Viewer) -> Select:
    offer_id = given_id(name="offer_id")
    f, o = _offers(viewer), _ORGANISATIONS.alias("o")
    offer = (
        select(
            literal(0, Integer).label("ord"),
            _feature(
                f.c.geom,
                _object(
                    kind="offer",
                    id=f.c.id,
                    body=o.c.code,
                    title=f.c.title,
                    area_m2=_float(f.c.area_m2),
                    available_from=f.c.available_from,
                    status=f.c.status,
                ),
                id=literal("offer-", Text).concat(f.c.id),
            ).label("feature"),
        )  # fmt: skip
        .join_from(f, o, o.c.id == f.c.organisation_id)
        .where(f.c.id == offer_id, f.c.geom.is_not(None))
    )
    n = _needs(viewer)
    needs = (
        select(
            func.row_number().over(order_by=(func.ST_Distance(f.c.geom, n.c.geom), n.c.id)),
            _object(
                type="Feature",
                geometry=_geometry(func.ST_MakeLine(f.c.geom, n.c.geom)),
                properties=_object(
                    kind="match", need_id=n.c.id, offer_id=f.c.id, body=o.c.code,
                    title=n.c.title, min_m2=_float(n.c.min_m2), radius_m=_float(n.c.radius_m),
                    needed_by=n.c.needed_by, distance_m=_distance(f, n),
                ),
            ),
        )
        .select_from(n.join(f, _offer_pairs(n, f)).join(o, o.c.id == n.c.organisation_id))
        .where(f.c.id == offer_id, n.c.status.in_(LIVE))
    )  # fmt: skip
    return _collection(union_all(offer, needs))
