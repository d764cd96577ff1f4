"""The surplus register's pages: the entries offered to the partners, one entry with its
answers, declaring an asset surplus, answering, and closing. The rules (who may do what,
when an entry may be released, what a partner sees of a sensitive site) are
:mod:`estate.surplus`'; these routes turn forms into its calls."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for

from estate import club, surplus, surplus_reading
from estate.web.auth import current_account, requires, viewer
from estate.web.state import connection, state, writing
from estate.web.tables import show

bp = Blueprint("surplus", __name__, url_prefix="/surplus")


def _account():
    account = current_account()
    if account is None:  # requires() lets no one through without an account
        abort(403)
    return account


@bp.get("/")
@requires("viewer")
def index():
    """The live entries, newest first, with how many partners answered; ``?all=1`` also
    the closed ones."""
    statuses = None if request.args.get("all") else ("offered",)
    entries = surplus_reading.list_entries(connection(), viewer(), statuses)
    return render_template(
        "surplus.html", active="surplus.index", entries=entries, labels=surplus.STATUS_LABELS,
        show=show,
    )  # fmt: skip


def _entry_page(entry_id: int, message: str | None = None, status: int = 200):
    conn = connection()
    account = _account()
    entry = surplus_reading.get_entry(conn, entry_id, viewer())
    owner = account.organisation_id == entry["organisation_id"]
    needs = [
        n for n in club.list_needs(conn, club.LIVE, viewer=viewer())
        if n["organisation_id"] == account.organisation_id
    ] if not owner else []  # fmt: skip
    found = conn.execute(surplus.ENTRIES.select().where(surplus.ENTRIES.c.id == entry_id)).first()
    waiting = surplus.unanswered(conn, found) if owner else []
    return (
        render_template(
            "surplus_entry.html", active="surplus.index", entry=entry,
            answers=surplus_reading.responses(conn, entry, viewer()), owner=owner,
            may_act=account.can("editor"), needs=needs, waiting=waiting,
            labels=surplus.STATUS_LABELS, message=message, show=show,
        ),
        status,
    )  # fmt: skip


@bp.get("/<int:entry_id>")
@requires("viewer")
def entry(entry_id: int):
    """One entry: the asset as the viewer may see it, the period, and the answers (all of
    them for the owner, the viewer's own body's otherwise)."""
    return _entry_page(entry_id)


@bp.post("/assets/<int:asset_id>")
@requires("editor")
def declare(asset_id: int):
    """Declare an asset surplus: it is offered to the partners (its own body's editors)."""
    with writing() as conn:
        entry_id = surplus.declare(
            conn, _account(), asset_id, days=state().settings.surplus_offer_days,
            notes=request.form.get("notes"), reason=request.form.get("reason") or None,
        )  # fmt: skip
    return redirect(url_for("surplus.entry", entry_id=entry_id), 303)


@bp.post("/<int:entry_id>/answer")
@requires("editor")
def answer(entry_id: int):
    """A partner's answer: ``interested`` yes or no, the need (``need_id`` or
    ``need_text``) and a note."""
    choice = request.form.get("interested")
    if choice not in ("yes", "no"):
        return _entry_page(entry_id, "say whether your body is interested", 400)
    try:
        with writing() as conn:
            surplus.respond(
                conn, _account(), entry_id, choice == "yes",
                need_id=request.form.get("need_id"), need_text=request.form.get("need_text"),
                note=request.form.get("note"),
            )  # fmt: skip
    except surplus.NotAllowed:
        raise
    except surplus.SurplusError as exc:
        return _entry_page(entry_id, str(exc), 400)
    return redirect(url_for("surplus.entry", entry_id=entry_id), 303)


@bp.post("/<int:entry_id>/close")
@requires("editor")
def close(entry_id: int):
    """The owner closes the entry: ``outcome`` released, ``agreed:CODE`` (to the partner
    of that code) or withdrawn."""
    outcome, _, partner = request.form.get("outcome", "").partition(":")
    try:
        with writing() as conn:
            surplus.close(
                conn, _account(), entry_id, outcome, partner=partner or None,
                reason=request.form.get("reason"),
            )  # fmt: skip
    except surplus.NotAllowed:
        raise
    except (surplus.SurplusError, club.ClubError) as exc:
        if isinstance(exc, club.NotAllowed):
            raise
        return _entry_page(entry_id, str(exc), 400)
    return redirect(url_for("surplus.entry", entry_id=entry_id), 303)
