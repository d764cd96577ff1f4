"""Reading needs and offers: lists and single posts, and the read-time sharing every
club read goes through (:meth:`estate.sharing.Viewer.club_sql` and
:meth:`~estate.sharing.Viewer.assets_sql`); and plain JSON values for API answers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, text

from estate.club.errors import NotFound
from estate.club.rules import _blank, _statuses
from estate.sharing import Viewer

# --- what the viewer may see (estate.sharing) -----------------------------------------


def _seen(viewer: Viewer | None) -> Viewer:
    return viewer or Viewer.operator()


def _sources(sql: str, viewer: Viewer | None) -> str:
    """``sql`` with ``{needs}``, ``{offers}`` and ``{assets}`` as ``viewer`` may see them."""
    seen = _seen(viewer)
    return (
        sql.replace("{needs}", seen.club_sql("club_needs"))
        .replace("{offers}", seen.club_sql("club_offers"))
        .replace("{assets}", seen.assets_sql())
    )


# --- reading -------------------------------------------------------------------------------

_NEED_COLUMNS = """
    n.id, n.organisation_id, o.code AS body, o.name AS body_name, n.title, n.use_class,
    n.min_m2::float8 AS min_m2, n.max_m2::float8 AS max_m2, n.radius_m::float8 AS radius_m,
    n.needed_by, n.status, n.notes, n.asset_id, n.agreed_offer_id, n.agreed_asset_id,
    ST_X(n.geom) AS easting, ST_Y(n.geom) AS northing,
    ST_X(ST_Transform(n.geom, 4326)) AS lon, ST_Y(ST_Transform(n.geom, 4326)) AS lat,
    u.username AS created_by, n.created_at, n.updated_at
"""
_OFFER_COLUMNS = """
    f.id, f.organisation_id, o.code AS body, o.name AS body_name, f.kind, f.title,
    f.asset_id, coalesce(a.name, a.source_ref) AS asset_name, f.use_class,
    f.area_m2::float8 AS area_m2, f.available_from, f.available_until, f.status, f.notes,
    ST_X(f.geom) AS easting, ST_Y(f.geom) AS northing,
    ST_X(ST_Transform(f.geom, 4326)) AS lon, ST_Y(ST_Transform(f.geom, 4326)) AS lat,
    u.username AS created_by, f.created_at, f.updated_at
"""


def _filters(
    alias: str, status: str | Sequence[str] | None, body: str | None
) -> tuple[str, dict[str, Any]]:
    where, params = ["TRUE"], {}
    statuses = _statuses(status)
    if statuses is not None:
        where.append(f"{alias}.status = ANY(:statuses)")
        params["statuses"] = statuses
    if not _blank(body):
        where.append("lower(o.code) = lower(:body)")
        params["body"] = str(body).strip()
    return " AND ".join(where), params


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
    ``viewer`` may see them (:meth:`Viewer.club_sql`; everything when None)."""
    where, params = _filters("n", status, body)
    if ids is not None:
        where += " AND n.id = ANY(:ids)"
        params["ids"] = list(ids)
    rows = conn.execute(
        text(
            f"""
            SELECT {_NEED_COLUMNS}
            FROM {_seen(viewer).club_sql("club_needs")} n
            JOIN organisations o ON o.id = n.organisation_id
            LEFT JOIN users u ON u.id = n.created_by
            WHERE {where}
            ORDER BY n.needed_by, n.id
            """
        ),
        params,
    ).mappings()
    return [dict(r) for r in rows]


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
    where, params = _filters("f", status, body)
    if ids is not None:
        where += " AND f.id = ANY(:ids)"
        params["ids"] = list(ids)
    rows = conn.execute(
        text(
            f"""
            SELECT {_OFFER_COLUMNS}
            FROM {_seen(viewer).club_sql("club_offers")} f
            JOIN organisations o ON o.id = f.organisation_id
            LEFT JOIN {_seen(viewer).assets_sql()} a ON a.id = f.asset_id
            LEFT JOIN users u ON u.id = f.created_by
            WHERE {where}
            ORDER BY f.available_from, f.id
            """
        ),
        params,
    ).mappings()
    return [dict(r) for r in rows]


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
