"""Accounts in the browser: a body's admins add, disable and re-enable their own body's
users, set roles and make password reset links; and the reset page itself, which anyone
holding a live link may open. The rules are :mod:`estate.account_admin`' and
:mod:`estate.password_resets`'; a link is mailed when the server can send mail and the
user has an address, and shown to the admin otherwise."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, session, url_for

from estate import account_admin, mail, password_resets
from estate.accounts import AccountError
from estate.models import ROLES
from estate.web.auth import current_account, requires
from estate.web.state import connection, state, writing

bp = Blueprint("users", __name__)


def _admin():
    account = current_account()
    if account is None:
        abort(403)
    return account


def _page(message: str | None = None, status: int = 200, link: str | None = None):
    users = account_admin.body_users(connection(), _admin())
    return (
        render_template(
            "users.html", active="users.index", users=users, roles=ROLES,
            message=message or session.pop("users_message", None), error=status >= 400,
            link=link or session.pop("reset_link", None), values=request.form,
        ),
        status,
    )  # fmt: skip


@bp.get("/users")
@requires("admin")
def index():
    """The body's accounts, with the forms to change them."""
    return _page()


def _hand_over(token: str, email: str | None, username: str) -> str:
    """Mail the link when possible; else keep it to show the admin once. Returns what
    to tell the admin."""
    settings = state().settings
    url = url_for("users.reset_password", token=token, _external=True)
    if email and mail.configured(settings):
        mail.send(
            settings, email, "estate: set your password",
            f"Set your password for the shared estate map, {username}, within a day:\n\n{url}\n",
        )  # fmt: skip
        return f"a link to set the password was mailed to {username}"
    session["reset_link"] = url
    return f"give {username} this link to set the password (it works once, for a day)"


@bp.post("/users/new")
@requires("admin")
def add():
    """Add a colleague to the admin's body; they set their password through the link."""
    form = request.form
    try:
        with writing() as conn:
            account, token = account_admin.add_user(
                conn, _admin(), form.get("username", ""), form.get("role", "viewer"),
                full_name=form.get("full_name"), email=form.get("email"),
            )  # fmt: skip
    except account_admin.NotAdmin:
        raise
    except AccountError as exc:
        return _page(str(exc), 400)
    session["users_message"] = (
        "added "
        + account.username
        + ": "
        + _hand_over(token, form.get("email") or None, account.username)
    )
    return redirect(url_for("users.index"), 303)


@bp.post("/users/<int:user_id>")
@requires("admin")
def change(user_id: int):
    """Set a user's role (``role``) or access (``active`` yes or no)."""
    form = request.form
    try:
        with writing() as conn:
            account_admin.body_user(conn, _admin(), user_id)  # the admin's body's, or 404
            if form.get("role"):
                account_admin.set_role(conn, _admin(), user_id, form["role"])
            if form.get("active") in ("yes", "no"):
                account_admin.set_active(conn, _admin(), user_id, form["active"] == "yes")
    except (account_admin.NotAdmin, account_admin.NoSuchUser):
        raise
    except AccountError as exc:
        return _page(str(exc), 400)
    return redirect(url_for("users.index"), 303)


@bp.post("/users/<int:user_id>/reset")
@requires("admin")
def reset(user_id: int):
    """Make a one-time link for the user to set a new password."""
    with writing() as conn:
        token, email, username = account_admin.reset_link(conn, _admin(), user_id)
    session["users_message"] = _hand_over(token, email, username)
    return redirect(url_for("users.index"), 303)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """The page a reset link opens: a new password, twice. Open without signing in; a
    link used, expired or unknown says so (410)."""
    if len(token) > 200:
        abort(404)
    username = password_resets.holder(connection(), token)
    if username is None:
        return render_template("reset.html", gone=True), 410
    message, status = None, 200
    if request.method == "POST":
        password = request.form.get("password", "")
        if password != request.form.get("again", ""):
            message, status = "the two passwords are not the same", 400
        else:
            try:
                with writing() as conn:
                    password_resets.use(conn, token, password)
            except AccountError as exc:
                message, status = str(exc), 400
            else:
                return render_template("reset.html", done=True, username=username)
    return render_template("reset.html", username=username, message=message), status
