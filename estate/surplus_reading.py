"""Reading the surplus register (:mod:`estate.surplus`) as a viewer may see it: the
entries with how many partners answered, one entry with the working days left, and its
answers (every partner's for the owner, the viewer's own body's otherwise).

The asset of an entry is read through :meth:`estate.sharing.Viewer.assets_table`, so
another body sees a sensitive site as "Sensitive site", at its generalised point, and
without the owner's notes, which may say where it is.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, Table, and_, case, func, null, or_, select

from estate.models import Need, Organisation, User
from estate.record_ids import given_id
from estate.sharing import SENSITIVE_NAME, Viewer
from estate.surplus import ENTRIES, RESPONSES, NotFound
from estate.workdays import working_days_between

_NEEDS: Table = Need.__table__  # type: ignore[assignment]
_ORGANISATIONS: Table = Organisation.__table__  # type: ignore[assignment]
_USERS: Table = User.__table__  # type: ignore[assignment]


def _listing(viewer: Viewer) -> Any:
    e, o = ENTRIES.alias("e"), _ORGANISATIONS.alias("o")
    a = viewer.assets_table("sa")
    other = e.c.organisation_id.is_distinct_from(viewer.organisation_id)
    hidden = and_(a.c.sensitive, other)
    return (
        select(
            e.c.id, e.c.asset_id, e.c.organisation_id, o.c.code.label("body"), e.c.status,
            e.c.offered_at, e.c.offered_on, e.c.ends_on, e.c.closed_at,
            e.c.agreed_offer_id,
            func.coalesce(a.c.name, a.c.source_ref, SENSITIVE_NAME).label("name"),
            a.c.use_class, a.c.town, a.c.gia_m2, a.c.nia_m2, a.c.sensitive,
            func.ST_X(a.c.geom).label("easting"), func.ST_Y(a.c.geom).label("northing"),
            # The owner's notes may say where a sensitive site is: theirs alone.
            case((hidden, null()), else_=e.c.notes).label("notes"),
            hidden.label("hidden"),
        )
        .join_from(e, a, a.c.id == e.c.asset_id)
        .join(o, o.c.id == e.c.organisation_id)
    )  # fmt: skip


def list_entries(
    conn: Connection, viewer: Viewer, statuses: tuple[str, ...] | None = ("offered",)
) -> list[dict[str, Any]]:
    """The register's entries (live ones by default), newest first, each with how many
    partners have answered and the viewer's own body's answer."""
    query = _listing(viewer)
    e = query.selected_columns
    if statuses:
        query = query.where(e.status.in_(statuses))
    rows = [dict(r) for r in conn.execute(query.order_by(e.offered_at.desc(), e.id.desc()))
            .mappings()]  # fmt: skip
    _add_answers(conn, rows, viewer)
    return rows


def _add_answers(conn: Connection, rows: list[dict[str, Any]], viewer: Viewer) -> None:
    r = RESPONSES
    ids = [row["id"] for row in rows]
    counts: dict[int, tuple[int, int]] = {}
    mine: dict[int, bool] = {}
    if ids:
        for found in conn.execute(
            select(r.c.entry_id, r.c.organisation_id, r.c.interested).where(r.c.entry_id.in_(ids))
        ):
            total, keen = counts.get(found.entry_id, (0, 0))
            counts[found.entry_id] = (total + 1, keen + found.interested)
            if found.organisation_id == viewer.organisation_id:
                mine[found.entry_id] = found.interested
    for row in rows:
        row["answers"], row["interested"] = counts.get(row["id"], (0, 0))
        row["my_answer"] = mine.get(row["id"])


def get_entry(
    conn: Connection, entry_id: int, viewer: Viewer, *, today: dt.date | None = None
) -> dict[str, Any]:
    """One entry as the viewer may see it, with the working days left to answer."""
    query = _listing(viewer)
    row = conn.execute(query.where(query.selected_columns.id == given_id(entry_id))).first()
    if row is None:
        raise NotFound(f"there is no surplus entry {entry_id}")
    found = [dict(row._mapping)]
    _add_answers(conn, found, viewer)
    entry = found[0]
    entry["days_left"] = working_days_between(today or dt.date.today(), entry["ends_on"])
    return entry


def responses(conn: Connection, entry: dict[str, Any], viewer: Viewer) -> list[dict[str, Any]]:
    """The answers to an entry: every partner's for its owner, the viewer's own otherwise."""
    r, o, u, n = RESPONSES, _ORGANISATIONS, _USERS, _NEEDS
    query = (
        select(
            r.c.id, o.c.code.label("body"), r.c.interested, r.c.need_id,
            n.c.title.label("need_title"), r.c.need_text, r.c.note, r.c.responded_at,
            u.c.username.label("by"),
        )
        .join_from(r, o, o.c.id == r.c.organisation_id)
        .outerjoin(u, u.c.id == r.c.responded_by)
        .outerjoin(n, n.c.id == r.c.need_id)
        .where(r.c.entry_id == entry["id"])
        .order_by(o.c.code)
    )  # fmt: skip
    if not viewer.everything and viewer.organisation_id != entry["organisation_id"]:
        query = query.where(
            or_(r.c.organisation_id == viewer.organisation_id, r.c.organisation_id.is_(None))
        )
    return [dict(x) for x in conn.execute(query).mappings()]


def entry_of_asset(conn: Connection, asset_id: int) -> dict[str, Any] | None:
    """The live entry of an asset (id, ends_on), or None: for the asset's page."""
    e = ENTRIES
    row = conn.execute(
        select(e.c.id, e.c.ends_on, e.c.status)
        .where(e.c.asset_id == given_id(asset_id))
        .order_by(e.c.offered_at.desc())
        .limit(1)
    ).first()
    return dict(row._mapping) if row else None
