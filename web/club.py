"""The property club's pages: needs and offers, their matches, forms to post them and to
move them on, and their GeoJSON for the map.

Every rule (what a need or offer must say, which status moves are allowed, who may make
them, what matches what) is in :mod:`estate.club`; these views turn requests into its
calls and its answers and refusals into pages. Reading needs a viewer's sign-in, posting
an editor's; changing a body's need or offer needs that body's editor or a club admin.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from flask import Blueprint, Response, abort, jsonify, redirect, render_template, request, url_for

from estate import club, labels
from estate.vocab import USE_CLASS
from estate.web.auth import current_account, requires, viewer
from estate.web.cache import organisations
from estate.web.filters import body_names
from estate.web.state import connection, state, writing
from estate.web.tables import show

bp = Blueprint("club", __name__, url_prefix="/club")

GEOJSON = "application/geo+json"
NEED_FIELDS = (
    "title", "use_class", "min_m2", "max_m2", "radius_m", "needed_by", "easting", "northing",
    "lon", "lat", "asset_id", "notes", "body",
)  # fmt: skip
OFFER_FIELDS = (
    "kind", "title", "use_class", "area_m2", "available_from", "available_until", "asset_id",
    "easting", "northing", "lon", "lat", "notes", "body",
)  # fmt: skip
STATUS_FIELDS = ("status", "reason", "agreed_offer_id", "agreed_asset_id")


def _account():
    account = current_account()
    if account is None:  # requires() lets no one through without an account
        abort(403)
    return account


def _may_change(thing: dict[str, Any]) -> None:
    account = _account()
    if not (account.can("club_admin") or account.organisation_id == thing["organisation_id"]):
        abort(403, f"only an editor of {thing['body']} or a club admin can change this")


def _form_values(fields: tuple[str, ...]) -> dict[str, str]:
    values = {name: request.form.get(name, "") for name in fields}
    if "\x00" in "".join(values.values()):
        abort(400, "a field holds a NUL character")
    return values


def _settings():
    return state().settings


def _map_config(**data: Any) -> dict[str, Any]:
    """What club.js needs: the basemap, where to find the boundary, links, the data."""
    settings = _settings()
    return {
        "tiles": {"url": settings.tile_url, "attribution": settings.tile_attribution or ""}
        if settings.tile_url
        else None,
        "boundary": url_for("api.areas", kind="boundary"),
        # Plain words for the popups: the GeoJSON keeps the codes (body, status).
        "words": {
            "bodies": body_names(),
            "status": labels.vocabularies()["club_status"],
        },
        "links": {
            "need": url_for("club.need", need_id=0).removesuffix("0"),
            "offer": url_for("club.offer", offer_id=0).removesuffix("0"),
            "asset": url_for("analysis.asset", asset_id=0).removesuffix("0"),
        },
        **data,
    }


# --- the club's front page ---------------------------------------------------------------


@bp.get("/")
@requires("viewer")
def index():
    """The club's front page: the live needs and offers with their match counts and a map; an
    editor also gets the links to post."""
    conn = connection()
    needs = club.list_needs(conn, club.LIVE, viewer=viewer())
    offers = club.list_offers(conn, club.LIVE, viewer=viewer())
    need_counts = club.need_match_counts(
        conn, _settings().nia_per_fte_m2, [n["id"] for n in needs], viewer()
    )
    offer_counts = club.offer_match_counts(conn, [o["id"] for o in offers], viewer())
    config = _map_config(
        mode="index",
        needs=json.loads(club.needs_geojson(conn, club.LIVE, viewer=viewer())),
        offers=json.loads(club.offers_geojson(conn, club.LIVE, viewer=viewer())),
    )
    return render_template(
        "club.html",
        active="club.index",
        needs=needs,
        offers=offers,
        need_counts=need_counts,
        offer_counts=offer_counts,
        config=config,
        show=show,
        labels=club.STATUS_LABELS,
        kinds=club.OFFER_KIND_LABELS,
        uses=USE_CLASS.words,
        may_post=_account().can("editor"),
    )


# --- posting -----------------------------------------------------------------------------


def _form_page(template: str, values: dict[str, str], message: str | None, status: int):
    account = _account()
    bodies = organisations() if account.can("club_admin") else []
    return (
        render_template(
            template,
            active="club.index",
            values=values,
            message=message,
            uses=list(USE_CLASS.words.items()),
            kinds=list(club.OFFER_KIND_LABELS.items()),
            bodies=bodies,
            default_radius_m=_settings().relocation_distance_m,
            today=dt.date.today().isoformat(),
        ),
        status,
    )


@bp.get("/needs/new")
@requires("editor")
def new_need():
    """The empty form to post a body's need for space."""
    return _form_page("club_need_form.html", {}, None, 200)


@bp.post("/needs/new")
@requires("editor")
def create_need():
    """Post a need from the form and go to its page; a need the rules refuse shows the form
    again with the reason (400), one for a body the account may not post for is a 403."""
    values = _form_values(NEED_FIELDS)
    try:
        with writing() as conn:
            need_id = club.post_need(
                conn,
                _account(),
                default_radius_m=_settings().relocation_distance_m,
                **values,
            )
    except club.NotAllowed as exc:
        abort(403, str(exc))
    except club.ClubError as exc:
        return _form_page("club_need_form.html", values, str(exc), 400)
    return redirect(url_for("club.need", need_id=need_id), 303)


@bp.get("/offers/new")
@requires("editor")
def new_offer():
    """The empty form to offer spare space or a whole site to the club."""
    return _form_page("club_offer_form.html", {"kind": "space"}, None, 200)


@bp.post("/offers/new")
@requires("editor")
def create_offer():
    """Post an offer from the form and go to its page; an offer the rules refuse shows the form
    again with the reason (400), one for a body the account may not post for is a 403."""
    values = _form_values(OFFER_FIELDS)
    try:
        with writing() as conn:
            offer_id = club.post_offer(conn, _account(), **values)
    except club.NotAllowed as exc:
        abort(403, str(exc))
    except club.ClubError as exc:
        return _form_page("club_offer_form.html", values, str(exc), 400)
    return redirect(url_for("club.offer", offer_id=offer_id), 303)


# --- a need, an offer ----------------------------------------------------------------------


def _get(read, thing_id: int) -> dict[str, Any]:
    try:
        return read(connection(), thing_id, viewer())
    except club.NotFound as exc:
        abort(404, str(exc))


def _need_page(need_id: int, message: str | None = None, status: int = 200):
    conn = connection()
    need = _get(club.get_need, need_id)
    nia = _settings().nia_per_fte_m2
    matches = club.need_matches(conn, need_id, nia, viewer())
    geojson = club.need_matches_geojson(conn, need_id, nia, viewer(), matches=matches)
    agreed_offer = (
        club.get_offer(conn, need["agreed_offer_id"], viewer()) if need["agreed_offer_id"] else None
    )
    return (
        render_template(
            "club_need.html",
            active="club.index",
            need=need,
            matches=matches,
            agreed_offer=agreed_offer,
            config=_map_config(mode="need", matches=json.loads(geojson)),
            may_change=club.may_change(current_account(), need["organisation_id"]),
            moves=[(s, club.STATUS_LABELS[s]) for s in club.MOVES[need["status"]]],
            labels=club.STATUS_LABELS,
            uses=USE_CLASS.words,
            show=show,
            message=message,
            values=request.form if message else {},
        ),
        status,
    )


@bp.get("/needs/<int:need_id>")
@requires("viewer")
def need(need_id: int):
    """A need's page: the offers and sites that could meet it on a map, the agreed offer, and the
    status moves this account may make; 404 when the viewer has no such need."""
    return _need_page(need_id)


@bp.post("/needs/<int:need_id>/status")
@requires("editor")
def need_status(need_id: int):
    """Move a need on (with a reason, and the offer or asset agreed); only its body's editor or
    a club admin (else 403); a refused move shows the page again with the reason (400)."""
    found = _get(club.get_need, need_id)
    _may_change(found)
    values = _form_values(STATUS_FIELDS)
    try:
        with writing() as conn:
            club.set_need_status(
                conn,
                _account(),
                need_id,
                values["status"],
                reason=values["reason"] or None,
                agreed_offer_id=values["agreed_offer_id"],
                agreed_asset_id=values["agreed_asset_id"],
            )
    except club.NotAllowed as exc:
        abort(403, str(exc))
    except club.ClubError as exc:  # a refused move, or an offer or asset that is not there
        return _need_page(need_id, str(exc), 400)
    return redirect(url_for("club.need", need_id=need_id), 303)


def _offer_page(offer_id: int, message: str | None = None, status: int = 200):
    conn = connection()
    offer = _get(club.get_offer, offer_id)
    matches = club.offer_matches(conn, offer_id, viewer())
    geojson = club.offer_matches_geojson(conn, offer_id, viewer())
    return (
        render_template(
            "club_offer.html",
            active="club.index",
            offer=offer,
            matches=matches,
            config=_map_config(mode="offer", matches=json.loads(geojson)),
            may_change=club.may_change(current_account(), offer["organisation_id"]),
            moves=[(s, club.STATUS_LABELS[s]) for s in club.MOVES[offer["status"]]],
            labels=club.STATUS_LABELS,
            kinds=club.OFFER_KIND_LABELS,
            uses=USE_CLASS.words,
            show=show,
            message=message,
            values=request.form if message else {},
        ),
        status,
    )


@bp.get("/offers/<int:offer_id>")
@requires("viewer")
def offer(offer_id: int):
    """An offer's page: the needs it could meet on a map, and the status moves this account may
    make; 404 when the viewer has no such offer."""
    return _offer_page(offer_id)


@bp.post("/offers/<int:offer_id>/status")
@requires("editor")
def offer_status(offer_id: int):
    """Move an offer on, with a reason; only its body's editor or a club admin (else 403); a
    refused move shows the page again with the reason (400)."""
    found = _get(club.get_offer, offer_id)
    _may_change(found)
    values = _form_values(STATUS_FIELDS)
    try:
        with writing() as conn:
            club.set_offer_status(
                conn, _account(), offer_id, values["status"], reason=values["reason"] or None
            )
    except club.NotAllowed as exc:
        abort(403, str(exc))
    except club.ClubError as exc:
        return _offer_page(offer_id, str(exc), 400)
    return redirect(url_for("club.offer", offer_id=offer_id), 303)


# --- JSON -------------------------------------------------------------------------------


def _problem(status: int, description: str) -> Response:
    response = jsonify(code={400: "BadRequest", 404: "NotFound"}[status], description=description)
    response.status_code = status
    return response


def _geojson(body: str) -> Response:
    return Response(body, mimetype=GEOJSON)


def _status_arg() -> str | list[str] | None:
    """``?status=open,in_discussion`` (the default: those still in play), or ``all``."""
    raw = request.args.get("status", "")
    if raw.strip().lower() == "all":
        return None
    words = [w for w in raw.split(",") if w.strip()]
    return words or list(club.LIVE)


@bp.get("/api/needs")
@requires("viewer")
def api_needs():
    """Needs as GeoJSON (WGS84) points with their radius; ``?status=`` and ``?body=``."""
    try:
        return _geojson(
            club.needs_geojson(connection(), _status_arg(), request.args.get("body"), viewer())
        )
    except club.ClubError as exc:
        return _problem(400, str(exc))


@bp.get("/api/offers")
@requires("viewer")
def api_offers():
    """Offers as GeoJSON (WGS84) points; ``?status=`` and ``?body=``."""
    try:
        return _geojson(
            club.offers_geojson(connection(), _status_arg(), request.args.get("body"), viewer())
        )
    except club.ClubError as exc:
        return _problem(400, str(exc))


@bp.get("/api/needs/<int:need_id>/matches")
@requires("viewer")
def api_need_matches(need_id: int):
    """A need's point and a line to each of its matches, as GeoJSON."""
    try:
        return _geojson(
            club.need_matches_geojson(connection(), need_id, _settings().nia_per_fte_m2, viewer())
        )
    except club.NotFound as exc:
        return _problem(404, str(exc))


@bp.get("/api/offers/<int:offer_id>/matches")
@requires("viewer")
def api_offer_matches(offer_id: int):
    """An offer's point and a line to each need it could meet, as GeoJSON."""
    try:
        return _geojson(club.offer_matches_geojson(connection(), offer_id, viewer()))
    except club.NotFound as exc:
        return _problem(404, str(exc))
