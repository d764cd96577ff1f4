"""The web tests' locality: Trafford's sample (all four bodies, wards, boundary), a
scenario, and one hostile record, loaded once for the package; the application
through Flask's test client, and the real server (``estate serve``) over HTTP for the
browser and GDAL.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from estate import accounts
from estate.config import Settings
from estate.etl.cli.sample import load_sample
from estate.etl.pipeline import load_file
from estate.web import create_app
from tests.conftest import PROJECT_ROOT, empty_register

SESSION_COOKIE = "estate_session"

# A record whose text would run as script anywhere it were set as HTML.
HOSTILE_NAME = "<img src=x onerror=alert(1)>"
HOSTILE_BODY = "<script>alert(2)</script> Trust"
HOSTILE_CODE = "HOSTILE"
# A building in Sale town centre, among the other bodies' (an outline, so the map
# draws it as a polygon close in).
SQUARE = [[-2.32, 53.42], [-2.3185, 53.42], [-2.3185, 53.421], [-2.32, 53.421], [-2.32, 53.42]]
SCENARIO = "Web test"

COUNCIL = "TRAFFORD-COUNCIL"
POLICE = "POLICE-GREATER-MANCHESTER"
PASSWORD = "a long test password"
# username: (body, role). The council's four roles, and two police accounts.
ACCOUNTS = {
    "viewer": (COUNCIL, "viewer"),
    "editor": (COUNCIL, "editor"),
    "clubadmin": (COUNCIL, "club_admin"),
    "admin": (COUNCIL, "admin"),
    "police-viewer": (POLICE, "viewer"),
    "police-editor": (POLICE, "editor"),
}


def write_hostile(folder: Path) -> Path:
    """The hostile body's register: a polygon named to run script, and a formula."""
    features = [
        {"type": "Feature", "properties": {"AssetCode": "H1", "PropertyName": HOSTILE_NAME,
         "PostCode": "M33 7ZZ", "TenureType": "Freehold"},
         "geometry": {"type": "Polygon", "coordinates": [SQUARE]}},
        {"type": "Feature", "properties": {"AssetCode": "H2",
         "PropertyName": '=HYPERLINK("http://x")', "PostCode": "M33 7ZZ",
         "TenureType": "Freehold"},
         "geometry": {"type": "Point", "coordinates": [-2.3195, 53.4215]}},
    ]  # fmt: skip
    path = folder / "hostile.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


@pytest.fixture(scope="package")
def terrier(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The test database with the sample locality, a hostile record and a scenario."""
    import datetime as dt

    from estate.analysis.disposal import disposal_candidates
    from estate.analysis.savings import current_financial_year
    from estate.analysis.scenario_moves import add_candidates
    from estate.analysis.scenarios import create_scenario

    empty_register(engine)
    load_sample(engine)
    load_file(
        engine,
        write_hostile(tmp_path_factory.mktemp("hostile")),
        format="transparency",
        organisation=HOSTILE_CODE,
        organisation_name=HOSTILE_BODY,
    )
    with engine.connect() as conn:
        candidates = disposal_candidates(conn, 8.0, 2000.0).candidates
    year = current_financial_year()
    with Session(engine) as session, session.begin():
        scenario = create_scenario(
            session, SCENARIO, first_year=year, horizon_years=10, discount_rate=0.035,
            nia_per_fte_m2=8, sale_cost_share=0.02, relocation_cost_per_fte=2500,
        )  # fmt: skip
        added, _ = add_candidates(session, scenario, candidates, dt.date(year + 1, 10, 1), 5)
        assert added == 5
    with engine.begin() as conn:
        for username, (body, role) in ACCOUNTS.items():
            accounts.add(conn, username, body, role, PASSWORD)
    yield engine
    empty_register(engine)


@pytest.fixture(scope="package")
def app(terrier: Engine, settings: Settings) -> Flask:
    return create_app(settings, engine=terrier)


CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str) -> str:
    """The CSRF token of the form on the page at ``path`` (as a browser would read it)."""
    page = client.get(path)
    found = CSRF_INPUT.search(page.get_data(as_text=True))
    assert found, f"no CSRF token on {path} ({page.status_code})"
    return found.group(1)


def sign_in(client: FlaskClient, username: str, password: str = PASSWORD):
    """Sign in through the form, as a person does; returns the response."""
    token = csrf_token(client, "/sign-in")
    return client.post(
        "/sign-in", data={"username": username, "password": password, "csrf_token": token}
    )


@pytest.fixture(scope="package")
def session_cookie(app: Flask) -> Callable[[str], str]:
    """A signed-in session cookie per account, signed in once for the package (Argon2
    is slow on purpose)."""
    cookies: dict[str, str] = {}

    def cookie(username: str) -> str:
        if username not in cookies:
            client = app.test_client()
            response = sign_in(client, username)
            assert response.status_code == 302, response.get_data(as_text=True)
            cookies[username] = client.get_cookie(SESSION_COOKIE).value
        return cookies[username]

    return cookie


@pytest.fixture
def client_as(app: Flask, session_cookie: Callable[[str], str]) -> Callable[[str], FlaskClient]:
    """A test client signed in as one of :data:`ACCOUNTS`."""

    def make(username: str) -> FlaskClient:
        client = app.test_client()
        client.set_cookie(SESSION_COOKIE, session_cookie(username))
        return client

    return make


@pytest.fixture
def client(client_as: Callable[[str], FlaskClient]) -> FlaskClient:
    """A council viewer: what most partners' staff are."""
    return client_as("viewer")


@pytest.fixture
def anonymous(app: Flask) -> FlaskClient:
    return app.test_client()


def scalar(engine: Engine, sql: str, **params: object):
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="package")
def server(
    terrier: Engine, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """``estate serve`` in its own process on a free port; its base URL."""
    port = free_port()
    env = {**os.environ, "ESTATE_DATABASE_URL": settings.database_url or ""}
    command = [sys.executable, "-m", "estate.cli", "serve", "--port", str(port), "--workers", "2"]
    log_path = tmp_path_factory.mktemp("server") / "serve.log"
    log = open(log_path, "wb")  # open for the server's whole life
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(base + "/sign-in", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = log_path.read_text(errors="replace")
                    raise RuntimeError(f"estate serve did not start:\n{output}") from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="package")
def browser():
    """Debian's Chromium, headless, driven by Playwright (never its own download)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: run scripts/setup.sh (installs chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
