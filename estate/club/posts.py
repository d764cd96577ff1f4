"""Posting needs and offers: who may post for which body, where a post is (an asset's
point, BNG metres or WGS84), and the checked insert with its audit event. Status moves
are in :mod:`estate.club.status`; reading posts back is in :mod:`estate.club.listing`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, Connection, Float, Row, Table, cast, func, insert, select

from estate import audit
from estate.accounts import Account
from estate.analysis.assets import usable_area
from estate.club.errors import ClubError, NotAllowed, NotFound
from estate.club.rules import (
    DEFAULT_RADIUS_M,
    MAX_AREA_M2,
    MAX_NOTES,
    MAX_RADIUS_M,
    _blank,
    _date,
    _id,
    _number,
    _positive,
    _text,
    read_use,
)
from estate.crs import BNG_BOUNDS, STORAGE_SRID, UK_LONLAT_BOUNDS, to_storage
from estate.models import OFFER_KINDS, Asset, Need, Offer, Organisation

_ASSETS: Table = Asset.__table__  # type: ignore[assignment]
_NEEDS: Table = Need.__table__  # type: ignore[assignment]
_OFFERS: Table = Offer.__table__  # type: ignore[assignment]
_ORGANISATIONS: Table = Organisation.__table__  # type: ignore[assignment]

# --- who and where ---------------------------------------------------------------------


def _body(conn: Connection, account: Account, body: str | None, what: str) -> tuple[int, str]:
    """The body a post is for: the account's own, or (for a club admin) the one named."""
    if not account.can("editor"):
        raise NotAllowed(
            f"a {account.role.replace('_', ' ')} cannot post {what}: it needs the editor role"
        )
    if _blank(body) or str(body).strip().lower() == account.organisation_code.lower():
        return account.organisation_id, account.organisation_code
    o = _ORGANISATIONS
    row = conn.execute(
        select(o.c.id, o.c.code).where(func.lower(o.c.code) == func.lower(str(body).strip()))
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


def _asset(conn: Connection, asset_id: int, organisation_id: int, body: str) -> Row:
    a = _ASSETS.alias("a")
    row = conn.execute(
        select(
            a.c.id, a.c.organisation_id, a.c.status,
            func.coalesce(a.c.name, a.c.source_ref).label("name"), a.c.sensitive,
            func.ST_X(a.c.geom).label("x"), func.ST_Y(a.c.geom).label("y"),
            cast(usable_area(a), Float).label("usable_m2"), a.c.retired_at,
        ).where(a.c.id == asset_id)
    ).first()  # fmt: skip
    if row is None:
        raise NotFound(f"there is no asset {asset_id}")
    if row.organisation_id != organisation_id:
        raise ClubError(f"asset {asset_id} is not one of {body}'s assets")
    # A sensitive asset may be posted on: what other bodies see of the post is decided
    # when it is read (estate.sharing.Viewer.club_table), as for the asset itself.
    if row.status == "disposed":
        raise ClubError(f"asset {asset_id} ({row.name}) is disposed of")
    if row.retired_at is not None:
        raise ClubError(f"asset {asset_id} ({row.name}) is retired: not in its body's register")
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


def _stored_point(x: float, y: float) -> ColumnElement:
    """A point in the storage CRS, from BNG metres."""
    return func.ST_SetSRID(func.ST_MakePoint(x, y), STORAGE_SRID)


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
        insert(_NEEDS)
        .values(
            **fields, organisation_id=organisation_id, geom=_stored_point(x, y),
            asset_id=asset_number, created_by=account.id,
        )
        .returning(_NEEDS.c.id)
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
        insert(_OFFERS)
        .values(
            **fields, organisation_id=organisation_id, geom=_stored_point(x, y),
            created_by=account.id,
        )
        .returning(_OFFERS.c.id)
    ).scalar_one()  # fmt: skip
    after = {**fields, "easting": round(x, 2), "northing": round(y, 2), "status": "open"}
    audit.record(
        conn, account, "offer", "create", organisation_id=organisation_id, subject_id=offer_id,
        asset_id=asset_number, changes=audit.diff({}, after), reason=reason,
    )  # fmt: skip
    return offer_id
