"""Signing in and out over HTTP: a session ends on the server (a copied cookie stops
working), failed sign-ins slow the address they come from without locking the account
out, and the client's address is read from X-Forwarded-For only behind trusted proxies."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine

from estate import accounts, sign_in_limits
from estate.config import Settings
from estate.web import create_app
from tests.web.conftest import COUNCIL, PASSWORD, SESSION_COOKIE, csrf_token, scalar, sign_in

HOME, ATTACKER, SCRIPT, ELSEWHERE = "192.0.2.10", "203.0.113.66", "203.0.113.67", "198.51.100.7"


@pytest.fixture
def person(terrier: Engine) -> Callable[[str], str]:
    """A new council editor of that name (each test its own, so limits do not mix)."""

    def make(username: str) -> str:
        with terrier.begin() as conn:
            accounts.add(conn, username, COUNCIL, "editor", PASSWORD)
        return username

    return make


def from_address(app: Flask, address: str) -> FlaskClient:
    """A browser whose requests come from ``address``."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def copy_of(app: Flask, client: FlaskClient) -> FlaskClient:
    """Another browser holding a copy of ``client``'s session cookie."""
    thief = app.test_client()
    thief.set_cookie(SESSION_COOKIE, client.get_cookie(SESSION_COOKIE).value)
    return thief


def sign_out(client: FlaskClient):
    return client.post("/sign-out", data={"csrf_token": csrf_token(client, "/account")})


def test_a_cookie_copied_before_signing_out_is_signed_out_after(app: Flask, person):
    browser = app.test_client()
    assert sign_in(browser, person("copied")).status_code == 302
    thief = copy_of(app, browser)
    assert thief.get("/account").status_code == 200  # a live session's copy works...
    assert sign_out(browser).status_code == 302
    # ... until the session is ended on the server: then the copy is no session at all.
    page = thief.get("/account")
    assert page.status_code == 302 and "/sign-in?next=" in page.headers["Location"]
    api = thief.get("/api/assets?limit=1")
    assert api.status_code == 401 and api.get_json()["code"] == "Unauthorized"
    assert browser.get("/account").status_code == 302


def test_the_cookie_names_no_account_and_signing_in_again_ends_the_session_before(
    app: Flask, person, terrier: Engine
):
    browser = app.test_client()
    assert sign_in(browser, person("twice")).status_code == 302
    first = copy_of(app, browser)
    assert sign_in(browser, "twice").status_code == 302
    assert browser.get("/account").status_code == 200
    assert first.get("/account").status_code == 302
    why = scalar(
        terrier,
        "SELECT string_agg(coalesce(s.ended_why, 'live'), ',' ORDER BY s.created_at)"
        " FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = 'twice'",
    )
    assert why == "signed_in_again,live"


def test_the_attackers_address_is_slowed_and_the_user_still_signs_in(
    app: Flask, person, terrier: Engine
):
    """The role table of the limits, over HTTP: an attacker guessing a colleague's
    password from another address cannot lock the colleague out."""
    user = person("target")
    assert sign_in(from_address(app, HOME), user).status_code == 302  # HOME is usual now
    attacker = from_address(app, ATTACKER)
    for _ in range(5):  # free
        assert sign_in(attacker, user, "a guess at the password").status_code == 401
    keep_failing(terrier, user, ATTACKER, 3)
    # The attacker's own address is slowed (8 failures: 8 s), even with the right password...
    slowed = sign_in(attacker, user)
    assert slowed.status_code == 429
    assert 1 <= int(slowed.headers["Retry-After"]) <= 8
    assert "too many failed sign-ins: try again in" in slowed.get_data(as_text=True)
    # ... and the refused try was not another failure.
    count = "SELECT count(*) FROM sign_in_attempts WHERE username = 'target' AND NOT succeeded"
    assert scalar(terrier, count) == 8
    # The user signs in from their usual address, and from another one too.
    assert sign_in(from_address(app, HOME), user).status_code == 302
    assert sign_in(from_address(app, ELSEWHERE), user).status_code == 302


def test_failed_http_basic_sign_ins_are_slowed_with_retry_after(
    app: Flask, person, terrier: Engine
):
    user = person("basic-target")
    script = from_address(app, SCRIPT)
    for _ in range(5):
        assert script.get("/api/bodies", auth=(user, "guess")).status_code == 401
    keep_failing(terrier, user, SCRIPT, 3)
    slowed = script.get("/api/bodies", auth=(user, PASSWORD))
    assert slowed.status_code == 429
    assert 1 <= int(slowed.headers["Retry-After"]) <= 8
    assert slowed.get_json()["code"] == "TooManyRequests"
    assert "try again in" in slowed.get_json()["description"]
    assert from_address(app, HOME).get("/api/bodies", auth=(user, PASSWORD)).status_code == 200


def keep_failing(terrier: Engine, username: str, address: str, times: int) -> None:
    """``times`` more failed sign-ins, recorded now, as an attacker who went on would
    leave them (each real one would have had to wait its turn)."""
    with terrier.begin() as conn:
        for _ in range(times):
            sign_in_limits.record_attempt(conn, username, address, False)


def recorded_address(terrier: Engine, username: str) -> str:
    return scalar(terrier, "SELECT address FROM sign_in_attempts WHERE username = :u", u=username)


def test_x_forwarded_for_is_ignored_without_trusted_proxies(app: Flask, terrier: Engine):
    client = from_address(app, "10.0.0.2")
    client.post(
        "/sign-in",
        data={"username": "nobody-direct", "password": "x", "csrf_token": csrf_token(client,
              "/sign-in")},
        headers={"X-Forwarded-For": "203.0.113.7"},
    )  # fmt: skip
    assert recorded_address(terrier, "nobody-direct") == "10.0.0.2"


def test_behind_a_trusted_proxy_the_clients_address_counts(terrier: Engine, settings: Settings):
    proxied = create_app(settings.with_(trusted_proxies=1), engine=terrier)
    client = from_address(proxied, "10.0.0.2")  # the proxy
    token = csrf_token(client, "/sign-in")
    # The client sent a made-up X-Forwarded-For; the proxy added the address it saw.
    client.post(
        "/sign-in",
        data={"username": "nobody-proxied", "password": "x", "csrf_token": token},
        headers={"X-Forwarded-For": "198.51.100.99, 203.0.113.7"},
    )
    assert recorded_address(terrier, "nobody-proxied") == "203.0.113.7"
