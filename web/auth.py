"""Sign-in, roles and who is looking: every route needs a signed-in partner unless the
public view is on (``ESTATE_PUBLIC_VIEW``), and then only to read the map and the APIs.

Flask-Login keeps the session in a signed cookie (HttpOnly, SameSite=Lax, Secure in
production) that carries only the random token of a session held on the server
(:mod:`estate.sessions`), so signing out, a password change or an account disabled ends
it there, and a copy of the cookie stops working with it. Flask-WTF's CSRFProtect
guards every POST form. The rules themselves (password hashes, the sign-in limits,
what a role may do) are in :mod:`estate.accounts`, so the command line and the web agree.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from estate import accounts, sessions
from estate.accounts import Account, AccountError, RateLimited
from estate.sharing import Viewer
from estate.web.state import connection, state

bp = Blueprint("auth", __name__)
csrf = CSRFProtect()
login_manager = LoginManager()

# Reachable without signing in, always.
OPEN_ENDPOINTS = {"auth.sign_in", "static", "map.favicon", "users.reset_password"}
# Readable by anyone when the public view is on (GET and HEAD only).
PUBLIC_BLUEPRINTS = {"map", "basemap", "api", "ogcapi"}


class SignedIn:
    """The Flask-Login face of an :class:`~estate.accounts.Account`.

    Its id (what the cookie keeps) is the token of its session on the server; a program
    signed in by HTTP Basic has none, as each of its requests is checked.
    """

    def __init__(self, account: Account, token: str | None = None):
        self.account = account
        self.token = token

    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.account.active

    def get_id(self) -> str | None:
        return self.token


def current_account() -> Account | None:
    """The signed-in account of this request (None for the public view)."""
    user = current_user
    return user.account if getattr(user, "is_authenticated", False) else None


def viewer() -> Viewer:
    """Who is looking, for :mod:`estate.sharing`: the account's body, or the public."""
    if "viewer" not in g:
        account = current_account()
        g.viewer = viewer_of(account.organisation_id if account else None)
    return g.viewer


def viewer_of(organisation_id: int | None) -> Viewer:
    """A body's users (None: the public, or a body of none), under the settings' sharing."""
    settings = state().settings
    return Viewer(organisation_id, settings.shared_fields, settings.sensitive_cell_m)


def requires(role: str) -> Callable:
    """Refuse (403) a signed-in account below ``role``; the sign-in itself is checked for
    every route before it runs (:func:`_guard`)."""

    def wrap(view: Callable) -> Callable:
        @functools.wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            account = current_account()
            if account is None:
                return _refuse_anonymous()
            if not account.can(role):
                abort(403, f"this needs the {role.replace('_', ' ')} role")
            return view(*args, **kwargs)

        checked.required_role = role  # type: ignore[attr-defined]
        return checked

    return wrap


def _refuse_anonymous():
    if request.path.startswith(
        ("/api", "/ogcapi", "/club/api")
    ) or request.accept_mimetypes.best in (
        "application/json",
        "application/geo+json",
    ):
        response = jsonify(
            code="Unauthorized",
            description="sign in first (/sign-in), or send HTTP Basic credentials",
        )
        response.status_code = 401
        if request.path.startswith("/ogcapi") or request.authorization is not None:
            response.headers["WWW-Authenticate"] = 'Basic realm="estate", charset="UTF-8"'
        return response
    return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))


def _guard():
    """Before every request: let it through if it is open, signed in, or a public read."""
    endpoint = request.endpoint or ""
    if endpoint in OPEN_ENDPOINTS or current_account() is not None:
        return None
    if (
        state().settings.public_view
        and request.method in ("GET", "HEAD")
        and endpoint.split(".")[0] in PUBLIC_BLUEPRINTS
    ):
        return None
    return _refuse_anonymous()


class SignInForm(FlaskForm):
    """The sign-in form; ``next`` carries the page to go back to (checked by :func:`safe_next`)."""

    username = StringField("Username", validators=[DataRequired(), Length(max=200)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=500)])
    next = HiddenField()


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect to elsewhere."""
    if not target:
        return url_for("map.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("map.index")
    return target


def session_token() -> str | None:
    """The token of this request's session on the server (None: no session, or HTTP Basic)."""
    return getattr(current_user, "token", None)


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    """The sign-in page; a good name and password start a session (12 hours at most, 30
    minutes idle: :mod:`estate.sessions`) and go on to ``next``. Refused: 401; 429 with
    Retry-After while failures from there must wait; 400 for an empty field; 503 when the
    database is down."""
    form = SignInForm(next=request.args.get("next", ""))
    message, status, headers = None, 200, {}
    if form.validate_on_submit():
        address = request.remote_addr
        previous = session_token()
        try:
            with state().engine.begin() as conn:
                try:
                    account = accounts.sign_in(
                        conn, form.username.data, form.password.data, address
                    )
                except AccountError as exc:
                    # The failed attempt is recorded (it counts towards the limits).
                    refused: AccountError | None = exc
                else:
                    refused = None
                    if previous:
                        sessions.end(conn, previous, "signed_in_again")
                    token = sessions.start(conn, account.id, address)
        except Exception:  # noqa: BLE001 - the database is down: say so, not 500 with a trace
            abort(503, "the register's database cannot be reached")
        if refused is None:
            # A new session, with nothing of the one before it (its CSRF token included).
            session.clear()
            login_user(SignedIn(account, token), remember=False)
            return redirect(safe_next(form.next.data))
        message, status = str(refused), 401
        if isinstance(refused, RateLimited):
            status, headers = 429, {"Retry-After": str(refused.retry_after)}
    elif request.method == "POST":
        message, status = "give a username and a password", 400
    return render_template("sign_in.html", form=form, message=message), status, headers


@bp.post("/sign-out")
def sign_out():
    """End the session on the server, then in the browser, and go to the sign-in page (a
    POST, so a link or an image cannot sign someone out): a copy of the cookie taken before
    signing out is refused after it."""
    token = session_token()
    if token:
        with state().engine.begin() as conn:
            sessions.end(conn, token, "signed_out")
    logout_user()
    session.clear()
    return redirect(url_for("auth.sign_in"))


@bp.get("/account")
@requires("viewer")
def account_page():
    """Who is signed in, for which body and role, and how coarsely sensitive assets are shown to
    partners."""
    return render_template(
        "account.html", account=current_account(), cell_m=state().settings.sensitive_cell_m
    )


def init_app(app: Flask) -> None:
    """Sessions, CSRF and the sign-in guard, from the settings."""
    settings = state().settings
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.cookies_secure,
        SESSION_COOKIE_NAME="estate_session",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=settings.cookies_secure,
        PERMANENT_SESSION_LIFETIME=sessions.LIFETIME,
        WTF_CSRF_TIME_LIMIT=int(sessions.LIFETIME.total_seconds()),
    )
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.session_protection = "basic"
    app.register_blueprint(bp)
    app.before_request(_guard)


BASIC_CACHE_SECONDS = 300


@login_manager.request_loader
def _load_from_basic(req) -> SignedIn | None:
    """HTTP Basic credentials, for programs (QGIS, GDAL, scripts) that read the APIs and
    cannot fill a form. Each check is a sign-in (recorded, rate-limited); a good one is
    remembered by this application for five minutes under a hash of the header, so
    paging a collection does not hash a password a hundred times. The remembered entry holds
    the account's password hash of the time: a password changed since is a miss."""
    import hashlib
    import time

    auth = req.authorization
    if auth is None or auth.type != "basic" or not auth.username or not auth.password:
        return None
    cache: dict = current_app.extensions.setdefault("estate.basic", {})
    key = hashlib.sha256(f"{auth.username}\0{auth.password}".encode()).digest()
    now = time.monotonic()
    hit = cache.get(key)
    if hit is not None and hit[1] > now:
        account_id, _, stored = hit
        current = accounts.password_hash(connection(), account_id)
        if current == stored:
            account = accounts.get(connection(), account_id)
            if account is not None and account.active:
                return SignedIn(account)
        cache.pop(key, None)
    with state().engine.begin() as conn:
        try:
            account = accounts.sign_in(conn, auth.username, auth.password, req.remote_addr)
        except RateLimited:
            raise  # 429 with Retry-After (estate.web.errors); nothing was tried or recorded
        except AccountError:
            # Caught inside the transaction, so the failed attempt is committed and
            # counts towards the limits, as a failed form sign-in does.
            return None
        stored = accounts.password_hash(conn, account.id)
    if len(cache) > 1000:
        cache.clear()
    cache[key] = (account.id, now + BASIC_CACHE_SECONDS, stored)
    return SignedIn(account)


@login_manager.user_loader
def _load(token: str) -> SignedIn | None:
    """The session the cookie names, if it is still live on the server: one that was
    signed out, or whose account was disabled or had its password changed since, or
    that ran out of time (:mod:`estate.sessions`), is no session at all."""
    found = accounts.signed_in(connection(), token)
    if found is None:
        return None
    account, due = found
    if due:
        with state().engine.begin() as conn:
            sessions.note_seen(conn, token)
    return SignedIn(account, token)
