"""The partners' protocol, route by route: who may open what (a table of role, route and
expected status, sessions ended on the server among the "who"), CSRF on every form, the
sign-in limits, disabled accounts, and the public read-only view."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, text

from estate import accounts, sign_in_limits
from estate.config import Settings
from estate.web import create_app
from tests.web.conftest import (
    COUNCIL,
    PASSWORD,
    POLICE,
    SESSION_COOKIE,
    csrf_token,
    scalar,
    sign_in,
)


@pytest.fixture(scope="module")
def council_asset(terrier: Engine) -> int:
    return scalar(
        terrier,
        "SELECT min(a.id) FROM assets a JOIN organisations o ON o.id = a.organisation_id"
        " WHERE o.code = :c",
        c=COUNCIL,
    )


A = "{asset}"  # the council asset's id, filled in by the test

# (who, method, path, expected status). "anonymous" is nobody signed in; the others are
# tests.web.conftest.ACCOUNTS: the council's four roles and a police viewer and editor.
TABLE = [
    ("anonymous", "GET", "/sign-in", 200),
    ("anonymous", "GET", "/", 302),
    ("anonymous", "GET", "/api/assets?limit=1", 401),
    ("anonymous", "GET", "/api/map?bbox=-2.4,53.4,-2.3,53.45&zoom=12", 401),
    ("anonymous", "GET", "/ogcapi/collections", 401),
    ("anonymous", "GET", f"/assets/{A}", 302),
    ("anonymous", "GET", "/colocation", 302),
    ("anonymous", "GET", "/downloads/disposals.csv", 302),
    ("anonymous", "GET", "/account", 302),
    ("anonymous", "GET", f"/audit/{COUNCIL}", 302),
    ("anonymous", "GET", "/club/", 302),
    ("anonymous", "GET", "/club/api/needs", 401),
    ("viewer", "GET", "/club/", 200),
    ("viewer", "GET", "/club/api/offers", 200),
    ("viewer", "GET", "/club/needs/new", 403),
    ("viewer", "POST", "/club/offers/new", 403),
    ("editor", "GET", "/club/needs/new", 200),
    ("police-editor", "GET", "/club/offers/new", 200),
    ("viewer", "GET", "/", 200),
    ("viewer", "GET", "/api/assets?limit=1", 200),
    ("viewer", "GET", f"/assets/{A}", 200),
    ("viewer", "GET", "/account", 200),
    ("viewer", "GET", f"/assets/{A}/edit", 403),
    ("viewer", "POST", f"/assets/{A}/edit", 403),
    ("viewer", "GET", f"/assets/{A}/history", 200),
    ("viewer", "GET", f"/audit/{COUNCIL}", 200),
    ("viewer", "GET", f"/audit/{COUNCIL}.csv", 200),
    ("viewer", "GET", "/conflicts", 403),
    ("viewer", "POST", "/conflicts/1", 403),
    ("editor", "GET", f"/assets/{A}/edit", 200),
    ("editor", "POST", f"/assets/{A}/edit", 400),  # no reason given: refused, nothing saved
    ("editor", "GET", "/conflicts", 200),
    ("editor", "POST", "/conflicts/999999", 400),  # no such conflict
    ("editor", "GET", f"/audit/{POLICE}", 403),
    ("clubadmin", "GET", f"/assets/{A}/edit", 200),
    ("clubadmin", "GET", f"/audit/{POLICE}", 403),
    ("clubadmin", "GET", f"/assets/{A}/history", 200),
    ("admin", "GET", f"/assets/{A}/edit", 200),
    ("admin", "GET", f"/audit/{POLICE}.csv", 403),
    ("police-viewer", "GET", f"/assets/{A}", 200),
    ("police-viewer", "GET", f"/assets/{A}/history", 403),
    ("police-viewer", "GET", f"/audit/{COUNCIL}", 403),
    ("police-editor", "GET", f"/assets/{A}/edit", 403),
    ("police-editor", "POST", f"/assets/{A}/edit", 403),
    ("police-editor", "GET", f"/audit/{POLICE}", 200),
    # Scenarios: viewers read them; editors, club admins and admins change them.
    ("anonymous", "GET", "/compare?name=a&name=b", 302),
    ("viewer", "GET", "/compare?name=only-one", 400),
    ("viewer", "POST", "/scenarios", 403),
    ("editor", "POST", "/scenarios", 400),  # no name given
    ("viewer", "POST", "/scenario/moves", 403),
    ("police-editor", "POST", "/scenario/moves", 400),  # no scenario chosen
    ("viewer", "POST", "/scenario/999999/rename", 403),
    ("clubadmin", "POST", "/scenario/999999/rename", 404),
    ("viewer", "POST", "/scenario/999999/moves/1", 403),
    ("editor", "POST", "/scenario/999999/moves/1", 404),
    ("viewer", "POST", "/scenario/999999/moves/1/remove", 403),
    ("admin", "POST", "/scenario/999999/moves/1/remove", 404),
    # Issue 17: keeping one's own records, the surplus register, since you last looked,
    # accounts in the browser.
    ("anonymous", "GET", "/assets/new", 302),
    ("viewer", "GET", "/assets/new", 403),
    ("viewer", "POST", "/assets/new", 403),
    ("editor", "GET", "/assets/new", 200),
    ("editor", "POST", "/assets/new", 400),  # no reason, no name: refused, nothing added
    ("police-editor", "GET", f"/assets/new?body={COUNCIL}", 403),
    ("police-editor", "POST", f"/assets/new?body={COUNCIL}", 403),
    ("viewer", "GET", f"/assets/{A}/dispose", 403),
    ("editor", "GET", f"/assets/{A}/dispose", 200),
    ("editor", "POST", f"/assets/{A}/dispose", 400),  # no date, no reason
    ("police-editor", "GET", f"/assets/{A}/dispose", 403),
    ("police-editor", "POST", f"/assets/{A}/dispose", 403),
    ("anonymous", "GET", "/surplus/", 302),
    ("viewer", "GET", "/surplus/", 200),
    ("police-viewer", "GET", "/surplus/?all=1", 200),
    ("viewer", "GET", "/surplus/999999", 404),
    ("viewer", "POST", f"/surplus/assets/{A}", 403),
    ("police-editor", "POST", f"/surplus/assets/{A}", 403),
    ("viewer", "POST", "/surplus/999999/answer", 403),
    ("editor", "POST", "/surplus/999999/answer", 404),
    ("viewer", "POST", "/surplus/999999/close", 403),
    ("editor", "POST", "/surplus/999999/close", 404),
    ("anonymous", "GET", "/updates", 302),
    ("viewer", "GET", "/updates", 200),
    ("police-editor", "GET", "/updates", 200),
    ("anonymous", "GET", "/users", 302),
    ("viewer", "GET", "/users", 403),
    ("editor", "GET", "/users", 403),
    ("clubadmin", "GET", "/users", 403),
    ("admin", "GET", "/users", 200),
    ("editor", "POST", "/users/new", 403),
    ("admin", "POST", "/users/new", 400),  # no username
    ("editor", "POST", "/users/999999", 403),
    ("admin", "POST", "/users/999999", 404),
    ("editor", "POST", "/users/999999/reset", 403),
    ("admin", "POST", "/users/999999/reset", 404),
    ("anonymous", "GET", "/reset/no-such-link", 410),
    ("anonymous", "POST", "/reset/no-such-link", 410),
    # The places: a cluster's page, the nearby list, the lease radar (issue 16).
    ("anonymous", "GET", "/colocation/1", 302),
    ("anonymous", "GET", "/api/clusters/1", 401),
    ("anonymous", "GET", f"/api/assets/{A}/nearby", 401),
    ("anonymous", "GET", f"/assets/{A}/nearby.csv", 302),
    ("anonymous", "GET", "/radar", 302),
    ("anonymous", "GET", "/radar.csv", 302),
    ("anonymous", "GET", "/api/radar", 401),
    ("viewer", "GET", "/colocation/999999999", 404),
    ("viewer", "GET", "/api/clusters/999999999", 404),
    ("viewer", "GET", f"/api/assets/{A}/nearby", 200),
    ("viewer", "GET", f"/assets/{A}/nearby.csv", 200),
    ("viewer", "GET", "/radar", 200),
    ("viewer", "GET", "/radar.csv", 200),
    ("viewer", "GET", "/api/radar", 200),
    ("police-viewer", "GET", f"/api/assets/{A}/nearby?distance=2000", 200),
    ("police-viewer", "GET", "/radar?months=60", 200),
    ("anonymous", "GET", "/map.js", 302),
    ("viewer", "GET", "/map.js", 200),
    # Basemap tiles from a local file: signed in like the map; none set here, so 404.
    ("anonymous", "GET", "/tiles/1/0/0.png", 302),
    ("viewer", "GET", "/tiles/1/0/0.png", 404),
    # Sessions: another browser holding a copy of an editor's session cookie. While the
    # session is live the copy works (the server cannot tell them apart); once the session
    # has ended on the server, for any reason, the copy is signed out.
    ("copy of a live session", "GET", "/", 200),
    ("copy of a live session", "GET", "/api/assets?limit=1", 200),
    ("copy after signing out", "GET", "/", 302),
    ("copy after signing out", "GET", "/api/assets?limit=1", 401),
    ("copy after signing out", "GET", f"/assets/{A}/edit", 302),
    ("copy after signing out", "POST", f"/assets/{A}/edit", 302),
    ("copy after a new password", "GET", "/account", 302),
    ("copy after a new password", "GET", "/club/api/needs", 401),
    ("copy after disabling", "GET", "/", 302),
    ("copy after disabling", "GET", "/ogcapi/collections", 401),
    ("copy idle 31 minutes", "GET", "/", 302),
    ("copy idle 31 minutes", "GET", "/api/assets?limit=1", 401),
    ("copy 12 hours old", "GET", "/account", 302),
]

# How each "copy ..." of TABLE is made: what ends the session after the cookie is copied.
SESSION_ENDINGS: dict[str, Callable[[FlaskClient, Engine, str], None]] = {
    "copy of a live session": lambda browser, engine, username: None,
    "copy after signing out": lambda browser, engine, username: _sign_out(browser),
    "copy after a new password": lambda browser, engine, username: _run(
        engine, accounts.set_password, username, PASSWORD
    ),
    "copy after disabling": lambda browser, engine, username: _run(
        engine, accounts.set_active, username, False
    ),
    "copy idle 31 minutes": lambda browser, engine, username: _age(
        engine, username, "last_seen_at", "31 minutes"
    ),
    "copy 12 hours old": lambda browser, engine, username: _age(
        engine, username, "created_at", "12 hours 1 minute"
    ),
}


def _sign_out(browser: FlaskClient) -> None:
    response = browser.post("/sign-out", data={"csrf_token": csrf_token(browser, "/account")})
    assert response.status_code == 302


def _run(engine: Engine, change: Callable, *args: object) -> None:
    with engine.begin() as conn:
        change(conn, *args)


def _age(engine: Engine, username: str, column: str, interval: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                f"UPDATE sessions s SET {column} = now() - CAST(:i AS interval) FROM users u"
                " WHERE u.id = s.user_id AND u.username = :u"
            ),
            {"i": interval, "u": username},
        )


@pytest.fixture
def session_copy(app: Flask, terrier: Engine) -> Callable[[str], FlaskClient]:
    """A browser holding a copy of a council editor's session cookie, copied before the
    session was ended as ``who`` says (:data:`SESSION_ENDINGS`)."""

    def make(who: str) -> FlaskClient:
        username = "copied-" + who.replace(" ", "-")
        with terrier.begin() as conn:
            if username in {a.username for a in accounts.list_accounts(conn)}:
                accounts.set_active(conn, username, True)  # the row before disabled it
            else:
                accounts.add(conn, username, COUNCIL, "editor", PASSWORD)
        browser = app.test_client()
        assert sign_in(browser, username).status_code == 302
        copy = app.test_client()
        copy.set_cookie(SESSION_COOKIE, browser.get_cookie(SESSION_COOKIE).value)
        SESSION_ENDINGS[who](browser, terrier, username)
        return copy

    return make


def ask(client: FlaskClient, method: str, path: str):
    if method == "GET":
        return client.get(path)
    # A real form post: with the session's CSRF token (taken from a page it can open).
    token = csrf_token(client, "/sign-in")
    return client.post(path, data={"csrf_token": token, "choice": "keep"})


@pytest.mark.parametrize(("who", "method", "path", "expected"), TABLE)
def test_the_role_table(
    client_as: Callable[[str], FlaskClient],
    session_copy: Callable[[str], FlaskClient],
    anonymous: FlaskClient,
    council_asset: int,
    who: str,
    method: str,
    path: str,
    expected: int,
):
    if who == "anonymous":
        client = anonymous
    elif who in SESSION_ENDINGS:
        client = session_copy(who)
    else:
        client = client_as(who)
    response = ask(client, method, path.replace(A, str(council_asset)))
    assert response.status_code == expected, response.get_data(as_text=True)[:300]
    if expected == 302:
        assert "/sign-in?next=" in response.headers["Location"]
    if expected == 401:
        assert response.get_json()["code"] == "Unauthorized"


def test_every_route_of_the_app_is_in_a_table(app: Flask):
    """A new route must appear in this table or in test_routes.ROUTES, so it is tested."""
    from tests.web.test_routes import ROUTES

    def pattern(rule: str) -> re.Pattern:
        rule = re.sub(r"<int:[^>]+>", r"\\d+", rule)
        rule = re.sub(r"<(?:path:)?[^>]+>", r"[^/]+", rule)
        return re.compile(rule.replace(".", r"\.") + "$")

    paths = [url.split("?")[0] for url in ROUTES] + [
        p.split("?")[0].replace(A, "1") for _, _, p, _ in TABLE
    ]
    # POST-only, and the club's pages of one need or offer: tested in test_club.py.
    paths += [
        "/sign-out", "/club/needs/1", "/club/offers/1", "/club/needs/1/status",
        "/club/offers/1/status", "/club/api/needs/1/matches", "/club/api/offers/1/matches",
    ]  # fmt: skip
    missing = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and not any(pattern(rule.rule).match(p) for p in paths)
    ]
    assert missing == []


def test_a_form_post_without_its_csrf_token_is_refused(
    client_as: Callable[[str], FlaskClient], council_asset: int, terrier: Engine
):
    editor = client_as("editor")
    before = scalar(terrier, "SELECT name FROM assets WHERE id = :i", i=council_asset)
    refused = editor.post(
        f"/assets/{council_asset}/edit", data={"name": "Forged", "reason": "no token"}
    )
    assert refused.status_code == 400
    assert "CSRF" in refused.get_data(as_text=True)
    assert scalar(terrier, "SELECT name FROM assets WHERE id = :i", i=council_asset) == before
    assert editor.post("/sign-out").status_code == 400


def test_an_editor_edits_through_the_form_and_the_history_shows_it(
    client_as: Callable[[str], FlaskClient], council_asset: int, terrier: Engine
):
    editor = client_as("editor")
    path = f"/assets/{council_asset}/edit"
    token = csrf_token(editor, path)
    bad = editor.post(path, data={"csrf_token": token, "gia_m2": "lots", "reason": "survey"})
    assert bad.status_code == 400
    assert "&#39;lots&#39; is not an area" in bad.get_data(as_text=True)
    old = scalar(terrier, "SELECT occupants_fte FROM assets WHERE id = :i", i=council_asset)
    new = "37.5" if old != 37.5 else "38"
    done = editor.post(
        path, data={"csrf_token": token, "occupants_fte": new, "reason": "head count <June>"}
    )
    assert done.status_code == 302
    assert float(
        scalar(terrier, "SELECT occupants_fte FROM assets WHERE id = :i", i=council_asset)
    ) == float(new)
    history = editor.get(f"/assets/{council_asset}/history").get_data(as_text=True)
    assert "head count &lt;June&gt;" in history
    assert f"→ {new}" in history
    csv = editor.get(f"/audit/{COUNCIL}.csv").get_data(as_text=True)
    assert "head count <June>" in csv and "occupants_fte" in csv


def test_sign_in_is_slowed_per_username_and_address(app: Flask, terrier: Engine):
    """Five failures are free; then each try waits, doubling (the whole table of the
    limits: tests/estate/test_sign_in_limits.py; over HTTP: tests/web/test_sign_in.py)."""
    with terrier.begin() as conn:
        accounts.add(conn, "often-wrong", COUNCIL, "viewer", PASSWORD)
    client = app.test_client()
    for _ in range(5):
        assert sign_in(client, "often-wrong", "not the password").status_code == 401
    with terrier.begin() as conn:  # and three more, each after waiting its turn
        for _ in range(3):
            sign_in_limits.record_attempt(conn, "often-wrong", "127.0.0.1", False)
    limited = sign_in(client, "often-wrong", PASSWORD)
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 8
    assert "too many failed sign-ins" in limited.get_data(as_text=True)
    # Another account from the same address is not slowed by it.
    assert sign_in(app.test_client(), "viewer").status_code == 302


def test_a_disabled_account_is_signed_out_at_its_next_request(app: Flask, terrier: Engine):
    with terrier.begin() as conn:
        accounts.add(conn, "leaver", POLICE, "viewer", PASSWORD)
    client = app.test_client()
    assert sign_in(client, "leaver").status_code == 302
    assert client.get("/api/bodies").status_code == 200
    with terrier.begin() as conn:
        accounts.set_active(conn, "leaver", False)
    assert client.get("/api/bodies").status_code == 401
    assert sign_in(app.test_client(), "leaver").status_code == 401


def test_a_changed_password_ends_the_other_sessions(app: Flask, terrier: Engine):
    with terrier.begin() as conn:
        accounts.add(conn, "mover", POLICE, "viewer", PASSWORD)
    laptop, phone = app.test_client(), app.test_client()
    assert sign_in(laptop, "mover").status_code == 302
    assert sign_in(phone, "mover").status_code == 302
    with terrier.begin() as conn:
        accounts.set_password(conn, "mover", "a new long password")
    assert laptop.get("/api/bodies").status_code == 401
    assert sign_in(phone, "mover", "a new long password").status_code == 302
    assert phone.get("/api/bodies").status_code == 200


def test_the_session_cookie_is_http_only_and_same_site(app: Flask):
    client = app.test_client()
    response = sign_in(client, "viewer")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    secure = create_app(
        Settings().with_(env="production", secret_key="x" * 40),
        engine=app.extensions["estate"].engine,
    )
    assert secure.config["SESSION_COOKIE_SECURE"] is True


def test_the_public_view_reads_the_map_and_apis_only(terrier: Engine, settings: Settings):
    public = create_app(settings.with_(public_view=True), engine=terrier).test_client()
    assert public.get("/").status_code == 200
    assert public.get("/api/assets?limit=1").status_code == 200
    assert public.get("/ogcapi/collections").status_code == 200
    assert public.get("/assets/1").status_code == 302
    assert public.get("/downloads/disposals.csv").status_code == 302
    assert public.get(f"/audit/{COUNCIL}").status_code == 302


def test_programs_sign_in_with_http_basic(app: Flask):
    client = app.test_client()
    good = client.get("/api/bodies", auth=("viewer", PASSWORD))
    assert good.status_code == 200
    bad = client.get("/ogcapi/collections", auth=("viewer", "wrong"))
    assert bad.status_code == 401
    assert bad.headers["WWW-Authenticate"].startswith("Basic")


def test_failed_http_basic_sign_ins_count_towards_the_limit(app: Flask, terrier: Engine):
    with terrier.begin() as conn:
        accounts.add(conn, "script-wrong", COUNCIL, "viewer", PASSWORD)
    client = app.test_client()
    for _ in range(5):
        assert client.get("/api/bodies", auth=("script-wrong", "guess")).status_code == 401
    assert (
        scalar(terrier, "SELECT count(*) FROM sign_in_attempts WHERE username = 'script-wrong'")
        == 5
    )
    with terrier.begin() as conn:  # three more, each after waiting its turn
        for _ in range(3):
            sign_in_limits.record_attempt(conn, "script-wrong", "127.0.0.1", False)
    # Slowed now, even with the right password: 429, with how long to wait.
    slowed = client.get("/api/bodies", auth=("script-wrong", PASSWORD))
    assert slowed.status_code == 429
    assert 1 <= int(slowed.headers["Retry-After"]) <= 8


def test_answers_for_one_partner_are_not_kept_by_shared_caches(client: FlaskClient):
    response = client.get("/api/assets?limit=1")
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert {"Cookie", "Authorization"} <= set(response.vary)
