"""What changed for a person since they last looked: the page "since you last looked",
the count beside it in the navigation, and the same by mail (``estate notify``).

The users of bcgov's PIMS asked first of all to be told when a property enters marketing;
a partner that has to go and look is told nothing. So for a person of body B, since a
time ``t``, this gathers

* **surplus sites** other bodies offered to the partners (:mod:`estate.surplus`), each
  saying whether it could meet one of B's live club needs;
* **club offers** of other bodies that could meet one of B's live needs (within the
  need's radius, big enough, of a compatible use: the club's own first test);
* **answers** partners gave to B's own surplus entries;
* **returns** (committed loads) of the other bodies, with how many records each
  added and changed;
* **lease events** of B's own assets (a break or an end) that came within the next
  24 months since ``t``;
* **conflicts** between a load and B's web edits, raised since ``t`` (for editors).

Everything another body owns is read through :mod:`estate.sharing`, so a sensitive site
reaches the page only as the viewer may see it. Each part is one indexed query over the
rows since ``t``, so the page stays fast however large the register.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Connection,
    DateTime,
    Select,
    Table,
    and_,
    bindparam,
    exists,
    func,
    literal,
    or_,
    select,
    update,
)

from estate import club
from estate.accounts import Account
from estate.analysis.assets import usable_area
from estate.models import (
    Asset,
    EditConflict,
    LoadBatch,
    Need,
    Organisation,
    SurplusEntry,
    SurplusResponse,
    User,
)
from estate.sharing import SENSITIVE_NAME, Viewer

_ASSETS: Table = Asset.__table__  # type: ignore[assignment]
_BATCHES: Table = LoadBatch.__table__  # type: ignore[assignment]
_CONFLICTS: Table = EditConflict.__table__  # type: ignore[assignment]
_ENTRIES: Table = SurplusEntry.__table__  # type: ignore[assignment]
_NEEDS: Table = Need.__table__  # type: ignore[assignment]
_ORGANISATIONS: Table = Organisation.__table__  # type: ignore[assignment]
_RESPONSES: Table = SurplusResponse.__table__  # type: ignore[assignment]
_USERS: Table = User.__table__  # type: ignore[assignment]

RADAR_MONTHS = 24
"""How far ahead a lease event comes onto a body's radar."""
FIRST_LOOK = dt.timedelta(days=30)
"""What a person who never looked is shown: the last 30 days."""
MOST = 200
"""The most items of one kind listed (the count still says how many there are)."""


@dataclass
class Updates:
    """What changed since ``since``, by kind (each a list of plain dicts)."""

    since: dt.datetime
    surplus: list[dict[str, Any]] = field(default_factory=list)
    offers: list[dict[str, Any]] = field(default_factory=list)
    answers: list[dict[str, Any]] = field(default_factory=list)
    returns: list[dict[str, Any]] = field(default_factory=list)
    leases: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)

    KINDS = ("surplus", "offers", "answers", "returns", "leases", "conflicts")

    @property
    def count(self) -> int:
        """How many things changed, all kinds together."""
        return sum(len(getattr(self, k)) for k in self.KINDS)


def last_looked(conn: Connection, user_id: int) -> dt.datetime | None:
    """When the person last opened the page (None: never)."""
    return conn.execute(select(_USERS.c.last_looked_at).where(_USERS.c.id == user_id)).scalar()


def mark_looked(conn: Connection, user_id: int, at: dt.datetime) -> None:
    """Note that the person has seen everything up to ``at``."""
    conn.execute(update(_USERS).where(_USERS.c.id == user_id).values(last_looked_at=at))


def starting_point(looked: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    """Since when to tell: the last look, or :data:`FIRST_LOOK` before now."""
    return looked if looked is not None else now - FIRST_LOOK


_SINCE = bindparam("since", type_=DateTime(timezone=True))


def _live_needs(organisation_id: int) -> Any:
    n = _NEEDS.alias("mine")
    return n, and_(n.c.organisation_id == organisation_id, n.c.status.in_(club.LIVE))


def _compatible(need: Any, use: Any) -> Any:
    return or_(need.c.use_class.is_(None), use.is_(None), need.c.use_class == use)


@lru_cache(maxsize=256)
def _surplus_query(viewer: Viewer, organisation_id: int) -> Select:
    """Built once per viewer and body (a viewer's subquery is fifty columns deep: building
    it and its cache key on every request cost more than running it)."""
    e, o = _ENTRIES.alias("e"), _ORGANISATIONS.alias("o")
    a = viewer.assets_table("sa")
    n, mine = _live_needs(organisation_id)
    meets = exists().where(
        mine,
        func.ST_DWithin(a.c.geom, n.c.geom, n.c.radius_m),
        func.coalesce(usable_area(a), 0) >= n.c.min_m2,
        _compatible(n, a.c.use_class),
    )
    return (
        select(
            e.c.id, e.c.asset_id, o.c.code.label("body"), e.c.offered_at, e.c.ends_on,
            func.coalesce(a.c.name, a.c.source_ref, SENSITIVE_NAME).label("name"),
            a.c.use_class, a.c.gia_m2, meets.label("meets_need"),
        )
        .join_from(e, a, a.c.id == e.c.asset_id)
        .join(o, o.c.id == e.c.organisation_id)
        .where(e.c.offered_at > _SINCE, e.c.status == "offered",
               e.c.organisation_id != organisation_id)
        .order_by(e.c.offered_at.desc())
        .limit(MOST)
    )  # fmt: skip


def _surplus(conn: Connection, account: Account, viewer: Viewer, since: dt.datetime) -> list:
    query = _surplus_query(viewer, account.organisation_id)
    return [dict(r) for r in conn.execute(query, {"since": since}).mappings()]


@lru_cache(maxsize=256)
def _offers_query(viewer: Viewer, organisation_id: int) -> Select:
    """Built once per viewer and body, as :func:`_surplus_query`."""
    f, o = viewer.club_table("club_offers", "f"), _ORGANISATIONS.alias("o")
    n, mine = _live_needs(organisation_id)
    return (
        select(
            f.c.id, o.c.code.label("body"), f.c.title, f.c.kind, f.c.area_m2,
            f.c.available_from, f.c.created_at, func.min(n.c.id).label("need_id"),
            func.min(n.c.title).label("need_title"),
        )
        .join_from(f, o, o.c.id == f.c.organisation_id)
        .join(n, and_(
            mine,
            func.ST_DWithin(f.c.geom, n.c.geom, n.c.radius_m),
            f.c.area_m2 >= n.c.min_m2,
            _compatible(n, f.c.use_class),
        ))
        .where(f.c.created_at > _SINCE, f.c.status.in_(club.LIVE),
               f.c.organisation_id != organisation_id)
        .group_by(f.c.id, o.c.code, f.c.title, f.c.kind, f.c.area_m2, f.c.available_from,
                  f.c.created_at)
        .order_by(f.c.created_at.desc())
        .limit(MOST)
    )  # fmt: skip


def _offers(conn: Connection, account: Account, viewer: Viewer, since: dt.datetime) -> list:
    query = _offers_query(viewer, account.organisation_id)
    return [dict(r) for r in conn.execute(query, {"since": since}).mappings()]


def _answers(conn: Connection, account: Account, since: dt.datetime) -> list:
    r, e, o, a = _RESPONSES, _ENTRIES, _ORGANISATIONS, _ASSETS
    query = (
        select(
            r.c.entry_id, o.c.code.label("body"), r.c.interested, r.c.need_text, r.c.note,
            r.c.responded_at, func.coalesce(a.c.name, a.c.source_ref).label("name"),
        )
        .join_from(r, e, e.c.id == r.c.entry_id)
        .join(o, o.c.id == r.c.organisation_id)
        .join(a, a.c.id == e.c.asset_id)
        .where(r.c.responded_at > since, e.c.organisation_id == account.organisation_id)
        .order_by(r.c.responded_at.desc())
        .limit(MOST)
    )  # fmt: skip
    return [dict(x) for x in conn.execute(query).mappings()]


def _returns(conn: Connection, account: Account, since: dt.datetime) -> list:
    b, o = _BATCHES, _ORGANISATIONS
    query = (
        select(
            b.c.id, o.c.code.label("body"), b.c.finished_at, b.c.rows_read,
            b.c.rows_inserted, b.c.rows_updated,
        )
        .join_from(b, o, o.c.id == b.c.organisation_id)
        .where(b.c.status == "committed", b.c.finished_at > since,
               b.c.organisation_id != account.organisation_id)
        .order_by(b.c.finished_at.desc())
        .limit(MOST)
    )  # fmt: skip
    return [dict(x) for x in conn.execute(query).mappings()]


def _leases(
    conn: Connection, account: Account, since: dt.datetime, today: dt.date
) -> list[dict[str, Any]]:
    """Breaks and ends of the body's leases that came within :data:`RADAR_MONTHS` since
    ``since``: on or after today, before the horizon now, past the horizon then."""
    a = _ASSETS
    horizon = _months_after(today, RADAR_MONTHS)
    before = _months_after(since.date(), RADAR_MONTHS)
    found: list[dict[str, Any]] = []
    for kind in ("lease_break", "lease_end"):
        day = a.c[kind]
        rows = conn.execute(
            select(a.c.id, func.coalesce(a.c.name, a.c.source_ref).label("name"),
                   day.label("on"), literal(kind).label("kind"))
            .where(a.c.organisation_id == account.organisation_id, a.c.status != "disposed",
                   day >= today, day <= horizon, day > before)
            .order_by(day)
            .limit(MOST)
        ).mappings()  # fmt: skip
        found += [dict(r) for r in rows]
    return sorted(found, key=lambda r: r["on"])[:MOST]


def _months_after(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (the month's last day where it has fewer)."""
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _conflicts(conn: Connection, account: Account, since: dt.datetime) -> list:
    if not account.can("editor"):
        return []
    c, a = _CONFLICTS, _ASSETS
    query = (
        select(c.c.id, c.c.asset_id, c.c.field, c.c.created_at,
               func.coalesce(a.c.name, a.c.source_ref).label("name"))
        .join_from(c, a, a.c.id == c.c.asset_id)
        .where(c.c.status == "open", c.c.created_at > since,
               a.c.organisation_id == account.organisation_id)
        .order_by(c.c.created_at.desc())
        .limit(MOST)
    )  # fmt: skip
    return [dict(x) for x in conn.execute(query).mappings()]


@contextmanager
def _no_jit(conn: Connection) -> Iterator[None]:
    """PostgreSQL's JIT off while the parts are read, as it was after. Each part touches a
    few hundred rows, but PostGIS prices ``ST_DWithin`` so high that the plans pass the JIT
    threshold: compiling them took 160 ms of a 2 ms query at 100k assets."""
    old = conn.execute(select(func.current_setting("jit"))).scalar()
    conn.execute(select(func.set_config("jit", "off", True)))
    try:
        yield
    finally:
        conn.execute(select(func.set_config("jit", old, True)))


def gather(
    conn: Connection,
    account: Account,
    viewer: Viewer,
    since: dt.datetime,
    *,
    today: dt.date | None = None,
) -> Updates:
    """Everything that changed for ``account``'s body since ``since``."""
    day = today or dt.date.today()
    with _no_jit(conn):
        return Updates(
            since=since,
            surplus=_surplus(conn, account, viewer, since),
            offers=_offers(conn, account, viewer, since),
            answers=_answers(conn, account, since),
            returns=_returns(conn, account, since),
            leases=_leases(conn, account, since, day),
            conflicts=_conflicts(conn, account, since),
        )


def open_conflicts(conn: Connection, organisation_id: int) -> int:
    """How many conflicts of the body wait to be settled (for the navigation)."""
    c, a = _CONFLICTS, _ASSETS
    return conn.execute(
        select(func.count())
        .select_from(c.join(a, a.c.id == c.c.asset_id))
        .where(c.c.status == "open", a.c.organisation_id == organisation_id)
    ).scalar_one()


def select_now() -> Any:
    """The database's time now (the clock every time of the register is on)."""
    return select(func.now())
