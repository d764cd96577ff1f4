"""Reading needs and offers: lists and single posts, and the read-time sharing every
club read goes through (:meth:`estate.sharing.Viewer.club_table` and
:meth:`~estate.sharing.Viewer.assets_table`); and plain JSON values for API answers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Float,
    FromClause,
    Select,
    Subquery,
    Table,
    Text,
    bindparam,
    cast,
    func,
    select,
)

from estate.club.errors import NotFound
from estate.club.rules import _blank, _statuses
from estate.crs import WGS84_SRID
from estate.models import Organisation, User
from estate.record_ids import given_ids
from estate.sharing import Viewer

_ORGANISATIONS: Table = Organisation.__table__  # type: ignore[assignment]
_USERS: Table = User.__table__  # type: ignore[assignment]

# --- what the viewer may see (estate.sharing) -----------------------------------------


def _seen(viewer: Viewer | None) -> Viewer:
    return viewer or Viewer.operator()


def _needs(viewer: Viewer | None, name: str = "n") -> Subquery:
    """``club_needs`` as ``viewer`` may see them (:meth:`Viewer.club_table`)."""
    return _seen(viewer).club_table("club_needs", name)


def _offers(viewer: Viewer | None, name: str = "f") -> Subquery:
    """``club_offers`` as ``viewer`` may see them."""
    return _seen(viewer).club_table("club_offers", name)


def _assets(viewer: Viewer | None, name: str = "a") -> Subquery:
    """``assets`` as ``viewer`` may see them (:meth:`Viewer.assets_table`)."""
    return _seen(viewer).assets_table(name)


# --- reading -------------------------------------------------------------------------------


def _float(value: ColumnElement, name: str) -> ColumnElement:
    """A numeric column as a float (``float8``), for JSON and pandas."""
    return cast(value, Float).label(name)


def _place(geom: ColumnElement) -> list[ColumnElement]:
    """A point as easting and northing (BNG metres) and as longitude and latitude."""
    wgs84 = func.ST_Transform(geom, WGS84_SRID)
    return [
        func.ST_X(geom).label("easting"),
        func.ST_Y(geom).label("northing"),
        func.ST_X(wgs84).label("lon"),
        func.ST_Y(wgs84).label("lat"),
    ]


def _chosen(
    status: str | Sequence[str] | None, body: str | None, ids: Iterable[int] | None = None
) -> dict[str, Any]:
    """The values a list is filtered by, under the names :func:`_filters` binds: posts of
    ``status`` (a word or several), of ``body`` (an organisation code, any case), of
    ``ids``. What is not given is not filtered on."""
    values: dict[str, Any] = {}
    statuses = _statuses(status)
    if statuses is not None:
        values["statuses"] = statuses
    if not _blank(body):
        values["body"] = str(body).strip()
    if ids is not None:
        values["ids"] = list(ids)
    return values


def _filters(post: FromClause, body_of: FromClause, chosen: Iterable[str]) -> list:
    """The filters of a list on ``post`` for the values named ``chosen`` (see
    :func:`_chosen`), bound when it runs; ``body_of`` is the organisations joined."""
    where: list[ColumnElement[bool]] = []
    if "statuses" in chosen:
        where.append(post.c.status.in_(bindparam("statuses", expanding=True)))
    if "body" in chosen:
        where.append(func.lower(body_of.c.code) == func.lower(bindparam("body", type_=Text)))
    if "ids" in chosen:
        where.append(post.c.id.in_(given_ids("ids")))
    return where


# The club's statements are built once per viewer and shape of filter, their values bound
# when they run: building one over a viewer's subqueries (and SQLAlchemy's keying of it
# for its compiled cache) would otherwise cost more than running it.


@lru_cache(maxsize=128)
def _needs_list(viewer: Viewer, chosen: tuple[str, ...]) -> Select:
    n, o, u = _needs(viewer), _ORGANISATIONS.alias("o"), _USERS.alias("u")
    return (
        select(
            n.c.id, n.c.organisation_id, o.c.code.label("body"), o.c.name.label("body_name"),
            n.c.title, n.c.use_class, _float(n.c.min_m2, "min_m2"),
            _float(n.c.max_m2, "max_m2"), _float(n.c.radius_m, "radius_m"), n.c.needed_by,
            n.c.status, n.c.notes, n.c.asset_id, n.c.agreed_offer_id, n.c.agreed_asset_id,
            *_place(n.c.geom), u.c.username.label("created_by"), n.c.created_at,
            n.c.updated_at,
        )
        .select_from(
            n.join(o, o.c.id == n.c.organisation_id).outerjoin(u, u.c.id == n.c.created_by)
        )
        .where(*_filters(n, o, chosen))
        .order_by(n.c.needed_by, n.c.id)
    )  # fmt: skip


@lru_cache(maxsize=128)
def _offers_list(viewer: Viewer, chosen: tuple[str, ...]) -> Select:
    f, a = _offers(viewer), _assets(viewer)
    o, u = _ORGANISATIONS.alias("o"), _USERS.alias("u")
    return (
        select(
            f.c.id, f.c.organisation_id, o.c.code.label("body"), o.c.name.label("body_name"),
            f.c.kind, f.c.title, f.c.asset_id,
            func.coalesce(a.c.name, a.c.source_ref).label("asset_name"), f.c.use_class,
            _float(f.c.area_m2, "area_m2"), f.c.available_from, f.c.available_until,
            f.c.status, f.c.notes, *_place(f.c.geom), u.c.username.label("created_by"),
            f.c.created_at, f.c.updated_at,
        )
        .select_from(
            f.join(o, o.c.id == f.c.organisation_id)
            .outerjoin(a, a.c.id == f.c.asset_id)
            .outerjoin(u, u.c.id == f.c.created_by)
        )
        .where(*_filters(f, o, chosen))
        .order_by(f.c.available_from, f.c.id)
    )  # fmt: skip


def list_needs(
    conn: Connection,
    status: str | Sequence[str] | None = None,
    body: str | None = None,
    *,
    ids: Iterable[int] | None = None,
    viewer: Viewer | None = None,
) -> list[dict[str, Any]]:
    """Needs (of ``status``: a word or several; of ``body``: an organisation code), soonest
    needed first, each with its body's code and name and its place in BNG and WGS84, as
    ``viewer`` may see them (:meth:`Viewer.club_table`; everything when None)."""
    values = _chosen(status, body, ids)
    query = _needs_list(_seen(viewer), tuple(sorted(values)))
    return [dict(r) for r in conn.execute(query, values).mappings()]


def list_offers(
    conn: Connection,
    status: str | Sequence[str] | None = None,
    body: str | None = None,
    *,
    ids: Iterable[int] | None = None,
    viewer: Viewer | None = None,
) -> list[dict[str, Any]]:
    """Offers (of ``status``; of ``body``), soonest available first, with their body, the
    asset they name and their place in BNG and WGS84, as ``viewer`` may see them."""
    values = _chosen(status, body, ids)
    query = _offers_list(_seen(viewer), tuple(sorted(values)))
    return [dict(r) for r in conn.execute(query, values).mappings()]


def get_need(conn: Connection, need_id: int, viewer: Viewer | None = None) -> dict[str, Any]:
    """One need, as ``viewer`` may see it; raises :class:`NotFound` when there is none."""
    found = list_needs(conn, ids=[need_id], viewer=viewer)
    if not found:
        raise NotFound(f"there is no need {need_id}")
    return found[0]


def get_offer(conn: Connection, offer_id: int, viewer: Viewer | None = None) -> dict[str, Any]:
    """One offer, as ``viewer`` may see it; raises :class:`NotFound` when there is none."""
    found = list_offers(conn, ids=[offer_id], viewer=viewer)
    if not found:
        raise NotFound(f"there is no offer {offer_id}")
    return found[0]


def plain(value: Any) -> Any:
    """A value for JSON: dates as ISO text, decimals as floats (for API answers)."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def as_json(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rows with :func:`plain` values, for ``jsonify``."""
    return [{k: plain(v) for k, v in row.items()} for row in rows]
