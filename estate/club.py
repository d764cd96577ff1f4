"""The property club: bodies post what space they need and what they can offer, and the
club finds what could meet each need.

A **need** says what a body is looking for (how much floor space, of what use, within
what distance of a point, by when); an **offer** says what a body can give (spare space
in a building, or a whole site, and from when). Both move through the same statuses::

    open -> in_discussion -> agreed
    open, in_discussion -> withdrawn

and ``agreed`` and ``withdrawn`` are final. Agreeing a need may name the offer or the
asset it was agreed on.

**Matching** finds, for a need, what other bodies have within its radius of its point
(a match exactly at the radius counts):

1. ``offer``: offers open or in discussion, at least the need's minimum area, available
   on the date needed (from on or before it, until on or after it, or open-ended), of a
   compatible use (the same use, or either side saying none);
2. ``surplus``: assets declared surplus or in disposal, not sensitive, whose usable area
   (NIA, else 80% of GIA) is at least the minimum;
3. ``spare``: space the analysis finds spare in operational sites
   (:func:`estate.analysis.assets.derive`: usable area less what the occupants need at
   the NIA-per-FTE target), at least the minimum, not sensitive.

An asset whose body already offers it to the club (an offer open or in discussion naming
it) is matched as that offer, never twice; assets whose point is only a postcode
district or a probable centroid are left out (their distance says nothing). The search
is set-based: one SQL statement per source, on the GiST indexes of the points
(``ST_DWithin``), and the spare space of the sites found is derived vectorised.

Who may do what: an editor (or above) posts and changes their own body's needs and
offers; a club admin or an admin any body's. Every post and every status change is an
audit event (:mod:`estate.audit`) written in the caller's transaction. Callers own the
transaction: nothing here commits.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import pandas as pd
from sqlalchemy import Connection, text

from estate import audit
from estate.accounts import Account
from estate.analysis.assets import CENTROID_FLAG, COARSE_METHODS, derive, usable_sql
from estate.crs import BNG_BOUNDS, STORAGE_SRID, UK_LONLAT_BOUNDS, WGS84_SRID, to_storage
from estate.errors import EstateError
from estate.models import CLUB_STATUSES, OFFER_KINDS
from estate.sharing import Viewer
from estate.vocab import USE_CLASS

DEFAULT_RADIUS_M = 2000.0
"""The radius of a need when none is given: the relocation distance's default
(callers pass ``Settings.relocation_distance_m``)."""

LIVE = ("open", "in_discussion")
"""Statuses of needs and offers still in play."""

MOVES: dict[str, tuple[str, ...]] = {
    "open": ("in_discussion", "withdrawn"),
    "in_discussion": ("agreed", "withdrawn"),
    "agreed": (),
    "withdrawn": (),
}
"""The status moves allowed, from each status."""

STATUS_LABELS = {
    "open": "open",
    "in_discussion": "in discussion",
    "agreed": "agreed",
    "withdrawn": "withdrawn",
}
_BECOME = {
    "open": "be reopened",
    "in_discussion": "go into discussion",
    "agreed": "be agreed",
    "withdrawn": "be withdrawn",
}
SOURCES = ("offer", "surplus", "spare")
"""Where a match comes from, in the order matches are listed."""

OFFER_KIND_LABELS = {"space": "Space in a building", "site": "A whole site"}

MAX_AREA_M2 = 100_000_000.0
MAX_RADIUS_M = 1_000_000.0
MAX_TITLE = 200
MAX_NOTES = 5000

MATCH_FIELDS = (
    "need_id", "source", "offer_id", "asset_id", "body", "title", "area_m2", "distance_m",
    "available_from",
)  # fmt: skip
NEED_MATCH_FIELDS = (
    "offer_id", "need_id", "body", "title", "use_class", "min_m2", "max_m2", "distance_m",
    "needed_by", "status",
)  # fmt: skip


class ClubError(EstateError):
    """A need, an offer or a status change that cannot be done, with the reason in words."""


class NotAllowed(ClubError):
    """The account may not do this (the web answers 403)."""


class NotFound(ClubError):
    """No such need, offer, body or asset (the web answers 404)."""


# --- reading values a person typed ---------------------------------------------------


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Any, what: str, *, required: bool = False, limit: int = MAX_TITLE) -> str | None:
    if _blank(value):
        if required:
            raise ClubError(f"give {what}")
        return None
    words = str(value).strip()
    if "\x00" in words:
        raise ClubError(f"{what} holds a NUL character")
    if len(words) > limit:
        raise ClubError(f"{what} is {len(words)} characters long; at most {limit}, please")
    return words


def _number(value: Any, what: str) -> float | None:
    """A number from a form field or a program: ``1,200`` and ``1200.5`` both read."""
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise ClubError(f"{what} must be a number, not {value!r}")
    if isinstance(value, int | float | Decimal):
        number = float(value)
    else:
        raw = str(value).strip().replace(",", "").replace("_", "")
        try:
            number = float(Decimal(raw))
        except (InvalidOperation, ValueError):
            raise ClubError(f"{what} must be a number, not {str(value)!r}") from None
    if not math.isfinite(number):
        raise ClubError(f"{what} must be a number, not {str(value)!r}")
    return number


def _positive(value: Any, what: str, *, limit: float, required: bool = False) -> float | None:
    number = _number(value, what)
    if number is None:
        if required:
            raise ClubError(f"give {what}")
        return None
    if number <= 0:
        raise ClubError(f"{what} must be more than 0, not {number:g}")
    if number > limit:
        raise ClubError(f"{what} must be at most {limit:,.0f}, not {number:,.0f}")
    return number


def _date(value: Any, what: str, *, required: bool = False) -> dt.date | None:
    if _blank(value):
        if required:
            raise ClubError(f"give {what} (YYYY-MM-DD)")
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ClubError(f"{what} must be a date as YYYY-MM-DD, not {str(value)!r}") from None


def _id(value: Any, what: str) -> int | None:
    if _blank(value):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ClubError(f"{what} must be a number, not {str(value)!r}") from None
    if number <= 0 or number >= 2**63:
        raise ClubError(f"{what} must be a positive number, not {number}")
    return number


def read_use(value: Any) -> str | None:
    """The canonical use word for what a person typed (a word, its label or a synonym)."""
    if _blank(value):
        return None
    word = USE_CLASS.map_one(str(value))
    if word is None:
        raise ClubError(
            f"unknown use {str(value).strip()!r}: one of {', '.join(USE_CLASS.codes)}, or none"
        )
    return word


def _status(value: Any) -> str:
    word = str(value or "").strip().lower().replace(" ", "_").replace("-", "_")
    if word not in CLUB_STATUSES:
        labels = ", ".join(STATUS_LABELS[s] for s in CLUB_STATUSES)
        raise ClubError(f"unknown status {str(value)!r}: one of {labels}")
    return word


def _statuses(status: str | Sequence[str] | None) -> list[str] | None:
    if status is None:
        return None
    words = [status] if isinstance(status, str) else list(status)
    return [_status(w) for w in words]


# --- who and where ---------------------------------------------------------------------


def _body(conn: Connection, account: Account, body: str | None, what: str) -> tuple[int, str]:
    """The body a post is for: the account's own, or (for a club admin) the one named."""
    if not account.can("editor"):
        raise NotAllowed(
            f"a {account.role.replace('_', ' ')} cannot post {what}: it needs the editor role"
        )
    if _blank(body) or str(body).strip().lower() == account.organisation_code.lower():
        return account.organisation_id, account.organisation_code
    row = conn.execute(
        text("SELECT id, code FROM organisations WHERE lower(code) = lower(:c)"),
        {"c": str(body).strip()},
    ).first()
    if row is None:
        raise NotFound(f"there is no body with code {str(body).strip()!r}")
    if not account.can("club_admin"):
        raise NotAllowed(
            f"only a club admin can post {what} for another body; "
            f"you post for {account.organisation_code}"
        )
    return row.id, row.code


def may_change(account: Account | None, organisation_id: int) -> bool:
    """May this account change a need or offer of that body (for pages to show forms)?
    A club admin may change any body's; an editor only their own body's."""
    return account is not None and (account.can("club_admin") or account.edits(organisation_id))


def _may_change(account: Account, organisation_id: int, body: str, thing: str) -> None:
    if not may_change(account, organisation_id):
        raise NotAllowed(f"only an editor of {body} or a club admin can change {thing}")


def _asset(conn: Connection, asset_id: int, organisation_id: int, body: str) -> Any:
    row = conn.execute(
        text(
            f"""
            SELECT a.id, a.organisation_id, a.status, coalesce(a.name, a.source_ref) AS name,
                   a.sensitive, ST_X(a.geom) AS x, ST_Y(a.geom) AS y,
                   ({usable_sql("a")})::float8 AS usable_m2
            FROM assets a WHERE a.id = :id
            """
        ),
        {"id": asset_id},
    ).first()
    if row is None:
        raise NotFound(f"there is no asset {asset_id}")
    if row.organisation_id != organisation_id:
        raise ClubError(f"asset {asset_id} is not one of {body}'s assets")
    # A sensitive asset may be posted on: what other bodies see of the post is decided
    # when it is read (estate.sharing.Viewer.club_sql), as for the asset itself.
    if row.status == "disposed":
        raise ClubError(f"asset {asset_id} ({row.name}) is disposed of")
    return row


def _point(
    conn: Connection,
    organisation_id: int,
    body: str,
    *,
    easting: Any,
    northing: Any,
    lon: Any,
    lat: Any,
    asset: Any,
) -> tuple[float, float]:
    """Where, in British National Grid metres: an asset's point, easting and northing, or
    longitude and latitude (WGS84), whichever is given first."""
    if asset is not None:
        if asset.x is None:
            raise ClubError(
                f"asset {asset.id} ({asset.name}) has no location: give easting and northing"
            )
        return float(asset.x), float(asset.y)
    e, n = _number(easting, "the easting"), _number(northing, "the northing")
    if e is not None or n is not None:
        if e is None or n is None:
            raise ClubError("give both the easting and the northing")
        x0, y0, x1, y1 = BNG_BOUNDS
        if not (x0 <= e <= x1 and y0 <= n <= y1):
            raise ClubError(
                f"easting {e:g} and northing {n:g} are not British National Grid metres "
                "(easting 0-700,000, northing 0-1,300,000)"
            )
        return e, n
    x, y = _number(lon, "the longitude"), _number(lat, "the latitude")
    if x is not None or y is not None:
        if x is None or y is None:
            raise ClubError("give both the longitude and the latitude")
        x0, y0, x1, y1 = UK_LONLAT_BOUNDS
        if not (x0 <= x <= x1 and y0 <= y <= y1):
            raise ClubError(f"longitude {x:g}, latitude {y:g} is not in the United Kingdom")
        e, n = to_storage(x, y)
        return float(e), float(n)
    raise ClubError(
        f"say where: an easting and northing, a longitude and latitude, or one of {body}'s assets"
    )


_POINT = f"ST_SetSRID(ST_MakePoint(:x, :y), {STORAGE_SRID})"


# --- posting ----------------------------------------------------------------------------


def post_need(
    conn: Connection,
    account: Account,
    *,
    title: Any,
    min_m2: Any,
    needed_by: Any,
    max_m2: Any = None,
    use_class: Any = None,
    radius_m: Any = None,
    easting: Any = None,
    northing: Any = None,
    lon: Any = None,
    lat: Any = None,
    asset_id: Any = None,
    notes: Any = None,
    body: str | None = None,
    default_radius_m: float = DEFAULT_RADIUS_M,
    reason: str | None = None,
) -> int:
    """Post a need for ``body`` (the account's own unless a club admin names another);
    returns its id.

    Values may be typed or as a form sends them (text). The place is ``asset_id`` (one of
    the body's assets: its point), else ``easting``/``northing`` (BNG metres), else
    ``lon``/``lat`` (WGS84). ``radius_m`` defaults to ``default_radius_m`` (pass the
    relocation distance setting). Raises :class:`ClubError` with the reason otherwise.
    """
    organisation_id, code = _body(conn, account, body, "needs")
    fields = {
        "title": _text(title, "a title", required=True),
        "use_class": read_use(use_class),
        "min_m2": _positive(min_m2, "the minimum area (m²)", limit=MAX_AREA_M2, required=True),
        "max_m2": _positive(max_m2, "the maximum area (m²)", limit=MAX_AREA_M2),
        "radius_m": _positive(radius_m, "the radius (m)", limit=MAX_RADIUS_M),
        "needed_by": _date(needed_by, "the date the space is needed by", required=True),
        "notes": _text(notes, "the notes", limit=MAX_NOTES),
    }
    if fields["max_m2"] is not None and fields["max_m2"] < fields["min_m2"]:
        raise ClubError(
            f"the maximum area ({fields['max_m2']:,g} m²) is less than the minimum "
            f"({fields['min_m2']:,g} m²)"
        )
    if fields["radius_m"] is None:
        fields["radius_m"] = round(float(default_radius_m), 1)
    fields["radius_m"] = round(fields["radius_m"], 1)
    if fields["radius_m"] <= 0:
        raise ClubError("the radius (m) must be at least 0.1")
    asset_number = _id(asset_id, "the asset")
    asset = _asset(conn, asset_number, organisation_id, code) if asset_number else None
    x, y = _point(
        conn, organisation_id, code, easting=easting, northing=northing, lon=lon, lat=lat,
        asset=asset,
    )  # fmt: skip
    need_id = conn.execute(
        text(
            f"""
            INSERT INTO club_needs (organisation_id, title, use_class, min_m2, max_m2, geom,
                                    radius_m, needed_by, notes, asset_id, created_by)
            VALUES (:org, :title, :use_class, :min_m2, :max_m2, {_POINT}, :radius_m,
                    :needed_by, :notes, :asset_id, :user)
            RETURNING id
            """
        ),
        {**fields, "org": organisation_id, "x": x, "y": y, "user": account.id,
         "asset_id": asset_number},
    ).scalar_one()  # fmt: skip
    after = {
        **fields,
        "easting": round(x, 2),
        "northing": round(y, 2),
        "status": "open",
        "from_asset_id": asset_number,
    }
    audit.record(
        conn, account, "need", "create", organisation_id=organisation_id, subject_id=need_id,
        asset_id=asset_number, changes=audit.diff({}, after), reason=reason,
    )  # fmt: skip
    return need_id


def post_offer(
    conn: Connection,
    account: Account,
    *,
    title: Any,
    kind: Any = "space",
    area_m2: Any = None,
    available_from: Any = None,
    available_until: Any = None,
    use_class: Any = None,
    asset_id: Any = None,
    easting: Any = None,
    northing: Any = None,
    lon: Any = None,
    lat: Any = None,
    notes: Any = None,
    body: str | None = None,
    today: dt.date | None = None,
    reason: str | None = None,
) -> int:
    """Post an offer of space (``kind="space"``) or a whole site (``"site"``); returns its id.

    An offer naming ``asset_id`` (one of the body's assets) takes the asset's point and,
    when no area is given, its usable area. ``available_from`` defaults to ``today``.
    Raises :class:`ClubError` with the reason otherwise.
    """
    organisation_id, code = _body(conn, account, body, "offers")
    word = str(kind or "space").strip().lower()
    if word not in OFFER_KINDS:
        raise ClubError(f"an offer is of space or of a site, not {str(kind)!r}")
    asset_number = _id(asset_id, "the asset")
    asset = _asset(conn, asset_number, organisation_id, code) if asset_number else None
    area = _positive(area_m2, "the area (m²)", limit=MAX_AREA_M2)
    if area is None:
        if asset is None:
            raise ClubError("give the area (m²) offered")
        if asset.usable_m2 is None or asset.usable_m2 <= 0:
            raise ClubError(
                f"asset {asset.id} ({asset.name}) has no floor area on the register: "
                "give the area (m²) offered"
            )
        area = round(float(asset.usable_m2), 2)
    fields = {
        "kind": word,
        "title": _text(title, "a title", required=True),
        "use_class": read_use(use_class),
        "area_m2": area,
        "available_from": _date(available_from, "the date it is available from")
        or today
        or dt.date.today(),
        "available_until": _date(available_until, "the date it is available until"),
        "asset_id": asset_number,
        "notes": _text(notes, "the notes", limit=MAX_NOTES),
    }
    if fields["available_until"] and fields["available_until"] < fields["available_from"]:
        raise ClubError(
            f"the offer ends ({fields['available_until']}) before it starts "
            f"({fields['available_from']})"
        )
    x, y = _point(
        conn, organisation_id, code, easting=easting, northing=northing, lon=lon, lat=lat,
        asset=asset,
    )  # fmt: skip
    offer_id = conn.execute(
        text(
            f"""
            INSERT INTO club_offers (organisation_id, kind, title, asset_id, use_class, area_m2,
                                     geom, available_from, available_until, notes, created_by)
            VALUES (:org, :kind, :title, :asset_id, :use_class, :area_m2, {_POINT},
                    :available_from, :available_until, :notes, :user)
            RETURNING id
            """
        ),
        {**fields, "org": organisation_id, "x": x, "y": y, "user": account.id},
    ).scalar_one()
    after = {**fields, "easting": round(x, 2), "northing": round(y, 2), "status": "open"}
    audit.record(
        conn, account, "offer", "create", organisation_id=organisation_id, subject_id=offer_id,
        asset_id=asset_number, changes=audit.diff({}, after), reason=reason,
    )  # fmt: skip
    return offer_id


# --- status -------------------------------------------------------------------------------


def _check_move(subject: str, subject_id: int, current: str, new: str) -> None:
    if new == current:
        raise ClubError(f"{subject} {subject_id} is already {STATUS_LABELS[current]}")
    allowed = MOVES[current]
    if not allowed:
        raise ClubError(
            f"{subject} {subject_id} is {STATUS_LABELS[current]}, which is final: "
            f"it cannot {_BECOME[new]}"
        )
    if new not in allowed:
        raise ClubError(
            f"{subject} {subject_id} is {STATUS_LABELS[current]}: it cannot {_BECOME[new]}; "
            f"it can {' or '.join(_BECOME[s] for s in allowed)}"
        )


def _lock(conn: Connection, table: str, subject: str, subject_id: int, columns: str) -> Any:
    row = conn.execute(
        text(
            f"SELECT t.organisation_id, o.code AS body, t.status, {columns} FROM {table} t"
            " JOIN organisations o ON o.id = t.organisation_id WHERE t.id = :id FOR UPDATE OF t"
        ),
        {"id": subject_id},
    ).first()
    if row is None:
        raise NotFound(f"there is no {subject} {subject_id}")
    return row


def set_need_status(
    conn: Connection,
    account: Account,
    need_id: int,
    status: str,
    *,
    reason: str | None = None,
    agreed_offer_id: Any = None,
    agreed_asset_id: Any = None,
) -> None:
    """Move a need to ``status`` (see :data:`MOVES`); agreeing it may name the offer or the
    asset agreed. Raises :class:`ClubError` (or :class:`NotAllowed`) with the reason."""
    new = _status(status)
    row = _lock(conn, "club_needs", "need", need_id, "t.agreed_offer_id, t.agreed_asset_id")
    _may_change(account, row.organisation_id, row.body, f"need {need_id}")
    _check_move("need", need_id, row.status, new)
    offer_id = _id(agreed_offer_id, "the offer agreed")
    asset_id = _id(agreed_asset_id, "the asset agreed")
    if (offer_id or asset_id) and new != "agreed":
        raise ClubError("only agreeing a need names the offer or asset agreed")
    if offer_id:
        offer = conn.execute(
            text("SELECT organisation_id, status, asset_id FROM club_offers WHERE id = :id"),
            {"id": offer_id},
        ).first()
        if offer is None:
            raise NotFound(f"there is no offer {offer_id}")
        if offer.status == "withdrawn":
            raise ClubError(f"offer {offer_id} is withdrawn: it cannot meet need {need_id}")
        if offer.organisation_id == row.organisation_id:
            raise ClubError(f"offer {offer_id} is {row.body}'s own: it cannot meet its need")
        if asset_id is None and offer.asset_id is not None:
            asset_id = offer.asset_id
    if asset_id:
        asset = conn.execute(
            text("SELECT status, sensitive, organisation_id FROM assets WHERE id = :id"),
            {"id": asset_id},
        ).first()
        # Another body's sensitive site is answered as if it were not there: saying more
        # would tell a partner which ids are refuges or custody suites.
        if asset is None or (asset.sensitive and asset.organisation_id != row.organisation_id):
            raise NotFound(f"there is no asset {asset_id} that the club can name")
        if asset.status == "disposed":
            raise ClubError(f"asset {asset_id} is disposed of: it cannot meet need {need_id}")
    after = {"status": new, "agreed_offer_id": offer_id, "agreed_asset_id": asset_id}
    before = {
        "status": row.status,
        "agreed_offer_id": row.agreed_offer_id,
        "agreed_asset_id": row.agreed_asset_id,
    }
    conn.execute(
        text(
            "UPDATE club_needs SET status = :status, agreed_offer_id = :agreed_offer_id,"
            " agreed_asset_id = :agreed_asset_id, updated_at = now() WHERE id = :id"
        ),
        {**after, "id": need_id},
    )
    audit.record(
        conn, account, "need", "status", organisation_id=row.organisation_id,
        subject_id=need_id, asset_id=asset_id, changes=audit.diff(before, after),
        reason=_text(reason, "the reason", limit=MAX_NOTES),
    )  # fmt: skip
    if offer_id and offer.status in LIVE:
        # The offer is taken up: it is agreed too, in its own body's trail, so nobody
        # else is matched to space that has gone.
        conn.execute(
            text("UPDATE club_offers SET status = 'agreed', updated_at = now() WHERE id = :id"),
            {"id": offer_id},
        )
        audit.record(
            conn, account, "offer", "status", organisation_id=offer.organisation_id,
            subject_id=offer_id, changes={"status": [offer.status, "agreed"]},
            reason=f"need {need_id} of {row.body} agreed on it",
        )  # fmt: skip


def set_offer_status(
    conn: Connection, account: Account, offer_id: int, status: str, *, reason: str | None = None
) -> None:
    """Move an offer to ``status`` (see :data:`MOVES`). Raises :class:`ClubError` (or
    :class:`NotAllowed`) with the reason."""
    new = _status(status)
    row = _lock(conn, "club_offers", "offer", offer_id, "t.asset_id")
    _may_change(account, row.organisation_id, row.body, f"offer {offer_id}")
    _check_move("offer", offer_id, row.status, new)
    conn.execute(
        text("UPDATE club_offers SET status = :s, updated_at = now() WHERE id = :id"),
        {"s": new, "id": offer_id},
    )
    audit.record(
        conn, account, "offer", "status", organisation_id=row.organisation_id,
        subject_id=offer_id, asset_id=row.asset_id,
        changes=audit.diff({"status": row.status}, {"status": new}),
        reason=_text(reason, "the reason", limit=MAX_NOTES),
    )  # fmt: skip


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


# --- GeoJSON for the map ------------------------------------------------------------------

_GEOJSON = f"ST_AsGeoJSON(ST_Transform({{g}}, {WGS84_SRID}), 6)::json"


def _collection(conn: Connection, features_sql: str, params: dict) -> str:
    """A FeatureCollection (RFC 7946, WGS84) built in the database from a query giving
    one ``feature`` (json) a row."""
    return conn.execute(
        text(
            "SELECT json_build_object('type', 'FeatureCollection', 'features',"
            " coalesce(json_agg(q.feature ORDER BY q.ord), '[]'::json))::text"
            f" FROM ({features_sql}) q"
        ),
        params,
    ).scalar_one()


def needs_geojson(
    conn: Connection,
    status: str | Sequence[str] | None = LIVE,
    body: str | None = None,
    viewer: Viewer | None = None,
) -> str:
    """Needs as GeoJSON points with their radius (``radius_m``) for the map to draw, as
    ``viewer`` may see them."""
    where, params = _filters("n", status, body)
    return _collection(
        conn,
        f"""
        SELECT n.needed_by AS ord, json_build_object(
            'type', 'Feature', 'id', n.id, 'geometry', {_GEOJSON.format(g="n.geom")},
            'properties', json_build_object(
                'kind', 'need', 'id', n.id, 'body', o.code, 'body_name', o.name,
                'title', n.title, 'use_class', n.use_class, 'min_m2', n.min_m2::float8,
                'max_m2', n.max_m2::float8, 'radius_m', n.radius_m::float8,
                'needed_by', n.needed_by, 'status', n.status)) AS feature
        FROM {_seen(viewer).club_sql("club_needs")} n
        JOIN organisations o ON o.id = n.organisation_id
        WHERE {where} AND n.geom IS NOT NULL
        """,
        params,
    )


def offers_geojson(
    conn: Connection,
    status: str | Sequence[str] | None = LIVE,
    body: str | None = None,
    viewer: Viewer | None = None,
) -> str:
    """Offers as GeoJSON points, as ``viewer`` may see them."""
    where, params = _filters("f", status, body)
    return _collection(
        conn,
        f"""
        SELECT f.available_from AS ord, json_build_object(
            'type', 'Feature', 'id', f.id, 'geometry', {_GEOJSON.format(g="f.geom")},
            'properties', json_build_object(
                'kind', 'offer', 'id', f.id, 'body', o.code, 'body_name', o.name,
                'offer_kind', f.kind, 'title', f.title, 'use_class', f.use_class,
                'area_m2', f.area_m2::float8, 'available_from', f.available_from,
                'available_until', f.available_until, 'status', f.status)) AS feature
        FROM {_seen(viewer).club_sql("club_offers")} f
        JOIN organisations o ON o.id = f.organisation_id
        WHERE {where} AND f.geom IS NOT NULL
        """,
        params,
    )


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
    params = {
        "need": need_id,
        "m": json.dumps(matches, default=lambda v: v.isoformat()),
    }
    return _collection(
        conn,
        _sources(
            f"""
        SELECT 0 AS ord, json_build_object(
            'type', 'Feature', 'id', 'need-' || n.id, 'geometry', {_GEOJSON.format(g="n.geom")},
            'properties', json_build_object(
                'kind', 'need', 'id', n.id, 'body', o.code, 'title', n.title,
                'min_m2', n.min_m2::float8, 'radius_m', n.radius_m::float8,
                'needed_by', n.needed_by, 'status', n.status)) AS feature
        FROM {{needs}} n JOIN organisations o ON o.id = n.organisation_id
        WHERE n.id = :need AND n.geom IS NOT NULL
        UNION ALL
        SELECT m.ord, json_build_object(
            'type', 'Feature', 'geometry',
            {_GEOJSON.format(g="ST_MakeLine(n.geom, coalesce(f.geom, a.geom))")},
            'properties', (m.value::jsonb || jsonb_build_object('kind', 'match'))::json)
        FROM json_array_elements(CAST(:m AS json)) WITH ORDINALITY AS m(value, ord)
        JOIN {{needs}} n ON n.id = :need
        LEFT JOIN {{offers}} f ON f.id = (m.value ->> 'offer_id')::int
        LEFT JOIN {{assets}} a ON a.id = (m.value ->> 'asset_id')::bigint
        """,
            viewer,
        ),
        params,
    )


def offer_matches_geojson(conn: Connection, offer_id: int, viewer: Viewer | None = None) -> str:
    """An offer and the needs it could meet: its point (``kind: "offer"``), each need's
    point with its radius (``kind: "need"``) and a line from the offer to each need, as
    ``viewer`` may see them."""
    get_offer(conn, offer_id, viewer)
    return _collection(
        conn,
        _sources(
            f"""
        SELECT 0 AS ord, json_build_object(
            'type', 'Feature', 'id', 'offer-' || f.id, 'geometry',
            {_GEOJSON.format(g="f.geom")},
            'properties', json_build_object(
                'kind', 'offer', 'id', f.id, 'body', o.code, 'title', f.title,
                'area_m2', f.area_m2::float8, 'available_from', f.available_from,
                'status', f.status)) AS feature
        FROM {{offers}} f JOIN organisations o ON o.id = f.organisation_id
        WHERE f.id = :id AND f.geom IS NOT NULL
        UNION ALL
        SELECT row_number() OVER (ORDER BY ST_Distance(f.geom, n.geom), n.id),
            json_build_object(
            'type', 'Feature', 'geometry', {_GEOJSON.format(g="ST_MakeLine(f.geom, n.geom)")},
            'properties', json_build_object(
                'kind', 'match', 'need_id', n.id, 'offer_id', f.id, 'body', o.code,
                'title', n.title, 'min_m2', n.min_m2::float8, 'radius_m', n.radius_m::float8,
                'needed_by', n.needed_by, 'distance_m', {_DISTANCE.format(a="f")}))
        {_OFFER_PAIRS}
        JOIN organisations o ON o.id = n.organisation_id
        WHERE f.id = :id AND n.status IN ('open', 'in_discussion')
        """,
            viewer,
        ),
        {"id": offer_id},
    )


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
