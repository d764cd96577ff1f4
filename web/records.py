"""A body's editors keeping their own records: adding an asset (the edit form's fields,
read as an edit is) and recording a disposal. The rules are :mod:`estate.records`';
these routes turn forms into its calls. An asset marked surplus as it is added enters the
surplus register, as an edit to surplus does (:mod:`estate.surplus`)."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, redirect, render_template, request, url_for

from estate import editing, records, surplus, surplus_reading
from estate.web.auth import current_account, requires
from estate.web.state import connection, state, writing

bp = Blueprint("records", __name__)


def _form() -> dict[str, str]:
    return {k: v for k, v in request.form.items() if k not in ("csrf_token", "reason")}


@bp.route("/assets/new", methods=["GET", "POST"])
@requires("editor")
def new_asset():
    """The empty form (GET) and the new asset (POST) for the account's own body; naming
    another body (``body``) is refused (403)."""
    account = current_account()
    assert account is not None
    body = request.values.get("body") or account.organisation_code
    if body != account.organisation_code:
        abort(403, description="An editor adds assets to their own body's register only.")
    values: dict = {f.name: "" for f in editing.FIELDS} | {"easting": "", "northing": ""}
    problems: dict[str, str] = {}
    message, status = None, 200
    if request.method == "POST":
        form = _form()
        try:
            with writing() as conn:
                asset_id = records.add_asset(
                    conn, account, form, request.form.get("reason", ""), body=body
                )
                if form.get("status") == "surplus":
                    surplus.declare(
                        conn, account, asset_id, days=state().settings.surplus_offer_days,
                        reason="added as surplus",
                    )  # fmt: skip
        except editing.NotAllowed as exc:
            abort(403, description=str(exc))
        except editing.EditError as exc:
            problems, message, status = exc.problems, str(exc), 400
            values.update(form, reason=request.form.get("reason", ""))
        else:
            return redirect(url_for("analysis.asset", asset_id=asset_id, edited=1), 303)
    return (
        render_template(
            "asset_new.html", fields=editing.FIELDS, values=values, problems=problems,
            message=message, edited={}, source_ref=request.form.get("source_ref", ""),
        ),
        status,
    )  # fmt: skip


@bp.route("/assets/<int:asset_id>/dispose", methods=["GET", "POST"])
@requires("editor")
def dispose(asset_id: int):
    """Record that the body disposed of its asset: the date and why (its own editors only)."""
    account = current_account()
    assert account is not None
    a = records.asset_owner(connection(), asset_id)
    if a is None:
        abort(404, description=f"There is no asset {asset_id}.")
    if not account.edits(a["organisation_id"]):
        abort(403, description="Only an editor of the asset's own body may record its disposal.")
    problems: dict[str, str] = {}
    message, status = None, 200
    if request.method == "POST":
        try:
            with writing() as conn:
                records.dispose_asset(
                    conn, account, asset_id, request.form.get("disposed_on"),
                    request.form.get("reason", ""),
                )  # fmt: skip
        except editing.NotAllowed as exc:
            abort(403, description=str(exc))
        except editing.EditError as exc:
            problems, message, status = exc.problems, str(exc), 400
        else:
            return redirect(url_for("analysis.asset", asset_id=asset_id, edited=1), 303)
    return (
        render_template(
            "dispose.html", asset=a, problems=problems, message=message,
            today=dt.date.today().isoformat(), values=request.form,
        ),
        status,
    )  # fmt: skip


@bp.app_template_global("asset_record")
def asset_record(asset_id: int, organisation_id: int) -> dict:
    """For the asset's page: its disposal and its surplus entry, for its own body's
    users (others see its status only)."""
    account = current_account()
    if account is None or account.organisation_id != organisation_id:
        return {}
    conn = connection()
    return {
        "disposal": records.disposal(conn, asset_id),
        "surplus": surplus_reading.entry_of_asset(conn, asset_id),
    }
