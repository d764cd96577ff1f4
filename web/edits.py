"""Editing an asset, its history, a body's audit trail, and settling conflicts between
web edits and loads. The rules are in :mod:`estate.editing` and :mod:`estate.audit`;
these routes turn forms into calls and results into pages.

Who sees what: an asset's edit form and conflicts are its own body's editors'; its
history and a body's audit trail are for that body's own users, whatever their role,
since the before and after of an edit can hold what the sharing rules keep from other
partners.
"""

from __future__ import annotations

import io
import json

import pandas as pd
from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from sqlalchemy import Numeric, Table, cast, func, select

from estate import audit, editing, surplus
from estate.accounts import Account
from estate.models import Asset, Organisation
from estate.record_ids import given_id
from estate.web.auth import current_account, requires, safe_next
from estate.web.params import int_arg
from estate.web.state import connection, state, writing

_ASSETS: Table = Asset.__table__  # type: ignore[assignment]
_ORGANISATIONS: Table = Organisation.__table__  # type: ignore[assignment]

bp = Blueprint("edits", __name__)
# Far past any trail's length, well inside PostgreSQL's bigint.
MAX_OFFSET = 10**12


def _asset_row(asset_id: int) -> dict:
    a, o = _ASSETS.alias("a"), _ORGANISATIONS.alias("o")
    query = (
        select(
            a.c.id, a.c.organisation_id, a.c.source_ref, a.c.name, a.c.sensitive, o.c.code,
            o.c.name.label("body_name"),
        )
        .join_from(a, o, o.c.id == a.c.organisation_id)
        .where(a.c.id == given_id(asset_id))
    )  # fmt: skip
    row = connection().execute(query).mappings().first()
    if row is None:
        abort(404, description=f"There is no asset {asset_id}.")
    return dict(row)


def _may_read_history(account: Account, organisation_id: int) -> bool:
    """A body's own users only: an edit's before and after can hold what the sharing
    rules keep from other partners (a sensitive site's place, fields not shared)."""
    return account.organisation_id == organisation_id


def _current_values(asset_id: int) -> dict:
    a = _ASSETS
    query = select(
        *(a.c[f.name] for f in editing.FIELDS),
        func.round(cast(func.ST_X(a.c.geom), Numeric), 2).label("easting"),
        func.round(cast(func.ST_Y(a.c.geom), Numeric), 2).label("northing"),
        a.c.edited,
    ).where(a.c.id == given_id(asset_id))
    row = connection().execute(query).mappings().one()
    return {k: ("" if v is None else v) for k, v in row.items()}


@bp.route("/assets/<int:asset_id>/edit", methods=["GET", "POST"])
@requires("editor")
def edit(asset_id: int):
    """The edit form (GET) and the edit itself (POST), for the asset's body's editors."""
    account = current_account()
    asset = _asset_row(asset_id)
    if not account.edits(asset["organisation_id"]):
        abort(403, description="Only an editor of the asset's own body may change it.")
    values = _current_values(asset_id)
    problems: dict[str, str] = {}
    message, status = None, 200
    if request.method == "POST":
        form = {k: v for k, v in request.form.items() if k != "csrf_token"}
        if "sensitive" not in form:
            form["sensitive"] = ""  # an unticked box sends nothing
        try:
            with writing() as conn:
                changes = editing.edit_asset(
                    conn, account, asset_id, form, request.form.get("reason", "")
                )
                if changes.get("status", [None, None])[1] == "surplus":
                    # Marked surplus: offered to the partners first (estate.surplus).
                    surplus.declare(
                        conn,
                        account,
                        asset_id,
                        days=state().settings.surplus_offer_days,
                        reason=request.form.get("reason"),
                    )
        except editing.EditError as exc:
            problems, message, status = exc.problems, str(exc), 400
            values.update(form)
        else:
            if not changes:
                message = "Nothing changed: every value was as recorded."
            else:
                return redirect(url_for("analysis.asset", asset_id=asset_id, edited=1))
    return (
        render_template(
            "edit.html", asset=asset, fields=editing.FIELDS, values=values,
            problems=problems, message=message, edited=values.get("edited") or {},
        ),
        status,
    )  # fmt: skip


@bp.get("/assets/<int:asset_id>/history")
@requires("viewer")
def history(asset_id: int):
    """Every change to one asset: loads and edits, with before, after and why."""
    asset = _asset_row(asset_id)
    if not _may_read_history(current_account(), asset["organisation_id"]):
        abort(403, description="An asset's history is for its own body's users.")
    conn = connection()
    events = audit.events(conn, asset_id=asset_id)
    open_conflicts = editing.conflicts(conn, asset_id=asset_id)
    return render_template(
        "history.html", asset=asset, events=events, conflicts=open_conflicts,
        may_settle=current_account().edits(asset["organisation_id"]),
    )  # fmt: skip


def _body_id(code: str) -> int:
    o = _ORGANISATIONS
    found = connection().execute(select(o.c.id).where(o.c.code == code)).scalar()
    if found is None:
        abort(404, description=f"There is no body {code!r}.")
    return found


@bp.get("/audit/<body>")
@requires("viewer")
def body_audit(body: str):
    """A body's audit trail (newest first, 500 at a time), and its download."""
    if not _may_read_history(current_account(), _body_id(body)):
        abort(403, description="A body's audit trail is for its own users.")
    offset = int_arg("offset", 0, 0, MAX_OFFSET)
    events = audit.events(connection(), organisation_code=body, limit=500, offset=offset)
    return render_template("audit.html", body=body, events=events, offset=offset)


@bp.get("/audit/<body>.csv")
@requires("viewer")
def body_audit_csv(body: str):
    """The whole audit trail of a body as CSV (formula-safe, like every export)."""
    from estate.exports import write_csv

    if not _may_read_history(current_account(), _body_id(body)):
        abort(403, description="A body's audit trail is for its own users.")
    events = audit.events(connection(), organisation_code=body, limit=None)
    frame = pd.DataFrame(events, columns=list(audit.EVENT_COLUMNS))
    for column in ("subject_id", "asset_id", "batch_id"):
        # Ids as whole numbers, an empty cell where there is none (not 161.0 or nan).
        frame[column] = [None if pd.isna(v) else int(v) for v in frame[column]]
    frame["changes"] = frame["changes"].map(lambda c: json.dumps(c, default=str) if c else "")
    out = io.StringIO()
    write_csv(frame.itertuples(index=False), list(frame.columns), out)
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="audit-{_safe(body)}.csv"'},
    )


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in name)


@bp.get("/conflicts")
@requires("editor")
def conflicts():
    """Open conflicts between web edits and loads, for the account's own body."""
    found = editing.conflicts(connection(), organisation_code=current_account().organisation_code)
    return render_template("conflicts.html", conflicts=found)


@bp.post("/conflicts/<int:conflict_id>")
@requires("editor")
def settle(conflict_id: int):
    """Keep the web edit (``choice=keep``) or take the file's value (``choice=take``)."""
    choice = request.form.get("choice")
    if choice not in ("keep", "take"):
        abort(400, description="choose keep (the web edit) or take (the file's value)")
    with writing() as conn:
        editing.resolve_conflict(
            conn,
            current_account(),
            conflict_id,
            choice == "take",
            request.form.get("reason", ""),
        )
    return redirect(
        safe_next(request.form.get("back"))
        if request.form.get("back")
        else url_for("edits.conflicts")
    )
