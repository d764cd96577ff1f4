"""A walk of every route and every command, as a careless or curious person would make
it: on an empty register and on the sample locality, with odd values in every path
segment, query parameter and form field. Nothing a person can type answers 500 or
prints a traceback; a refusal is a 4xx in words (issue 13 item 4).

The routes come from the application's own URL map and the commands from the CLI's own
tree, so a route or command added later is walked without anyone remembering to."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import quote, urlencode

import click
import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, insert, make_url, text
from werkzeug.routing import Rule

from estate import accounts
from estate.cli import cli
from estate.config import Settings
from estate.db import make_engine, upgrade
from estate.localdb import LocalCluster
from estate.models import Organisation
from estate.web import create_app
from tests.conftest import TEST_DATABASE
from tests.web.conftest import PASSWORD, csrf_token, sign_in

EMPTY_DATABASE = f"{TEST_DATABASE}_empty"
BODY = "WALK-COUNCIL"

# Values a person can put anywhere: numbers out of every range, words no vocabulary
# holds, markup, SQL, control characters, a very long value and nothing at all.
ODD = [
    "",
    "0",
    "-1",
    "99999999999999999999",
    "1e309",
    "NaN",
    "abc",
    "1,2,3",
    "-999,-999,999,999",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%00",
    "\u202e\u0000x",
    "x" * 5000,
]
# Every parameter name any route reads (see ``web/params.py`` and the blueprints).
PARAMETERS = [
    "bbox", "zoom", "limit", "offset", "distance", "min_score", "min_saving", "body",
    "use", "tenure", "status", "condition", "q", "ward", "receiving", "sort", "order",
    "page", "f", "next", "back", "edited", "reason", "choice", "lease_window", "as_of",
    "members", "pairs", "within", "datetime", "properties",
]  # fmt: skip
# Path segments of each converter's kind: what a person could type in the address bar.
SEGMENTS = {
    "int": ["0", "1", "99999999999999999999"],
    "default": ["nope", "TRAFFORD-COUNCIL", "%3Cb%3E", "..%2F..%2Fetc%2Fpasswd", "x" * 300],
}


def _traceback_free(body: str) -> bool:
    return "Traceback (most recent call last)" not in body and 'File "/' not in body


def _urls(rule: Rule) -> list[str]:
    """Concrete URLs for ``rule``: every odd segment in each of its arguments."""
    if not rule.arguments:
        return [rule.rule]
    urls = []
    for argument in sorted(rule.arguments):
        converter = type(rule._converters[argument]).__name__.lower()
        kind = "int" if converter.startswith("integer") else "default"
        for value in SEGMENTS[kind]:
            filled = {a: "1" for a in rule.arguments} | {argument: value}
            path = rule.rule
            for name, segment in filled.items():
                path = re.sub(rf"<(?:[^:>]+:)?{name}>", segment, path)
            urls.append(path)
    return urls


def _odd_queries() -> list[str]:
    """Query strings setting every parameter to each odd value at once."""
    return [urlencode({name: value for name in PARAMETERS}) for value in ODD]


def _gets(app: Flask) -> list[str]:
    return sorted(
        {
            url
            for rule in app.url_map.iter_rules()
            if "GET" in rule.methods and not rule.rule.startswith("/static")
            for url in _urls(rule)
        }
    )


def _posts(app: Flask) -> list[str]:
    """Every form route, signing out last so the rest are walked signed in."""
    urls = {u for rule in app.url_map.iter_rules() if "POST" in rule.methods for u in _urls(rule)}
    return sorted(urls, key=lambda url: (url == "/sign-out", url))


def walk(client: FlaskClient, app: Flask) -> dict[str, int]:
    """GET every route plainly and with each odd query, then POST every form route with
    odd fields (with a valid CSRF token, as a signed-in browser sends); the failures."""
    failures: dict[str, int] = {}
    for url in _gets(app):
        for query in ["", *_odd_queries()]:
            target = f"{url}?{query}" if query else url
            response = client.get(target)
            body = response.get_data(as_text=True)
            if response.status_code >= 500 or not _traceback_free(body):
                failures[f"GET {target[:200]}"] = response.status_code
    token = csrf_token(client, "/account")
    for url in _posts(app):
        for value in ODD:
            fields = {name: value for name in PARAMETERS} | {
                "csrf_token": token,
                "name": value,
                "asset": value,
                "username": value,
                "password": value,
                "new_password": value,
                "file": value,
            }
            response = client.post(url, data=fields)
            if response.status_code >= 500 or not _traceback_free(response.get_data(as_text=True)):
                failures[f"POST {url} {value[:40]!r}"] = response.status_code
    return failures


@pytest.fixture(scope="module")
def empty_engine(cluster: LocalCluster | None, database_url) -> Iterator[Engine]:
    """A second, empty register (migrated, one body and its admin) beside the test
    database, so the walk sees what a new partnership sees on its first day."""
    if cluster is not None:
        cluster.drop_database(EMPTY_DATABASE)
        cluster.ensure_database(EMPTY_DATABASE)
        url = cluster.url(EMPTY_DATABASE)
    else:
        admin = make_engine(database_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{EMPTY_DATABASE}"'))
            conn.execute(text(f'CREATE DATABASE "{EMPTY_DATABASE}"'))
        admin.dispose()
        url = make_url(database_url).set(database=EMPTY_DATABASE)
    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            insert(Organisation.__table__).values(code=BODY, name="Walk Council", kind="council")
        )
        accounts.add(conn, "walker", BODY, "admin", PASSWORD)
    yield engine
    engine.dispose()
    if cluster is not None:
        cluster.drop_database(EMPTY_DATABASE)


@pytest.fixture(scope="module")
def empty_app(empty_engine: Engine) -> Flask:
    url = empty_engine.url.render_as_string(hide_password=False)
    return create_app(Settings(database_url=url), engine=empty_engine)


def _signed_in(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, username).status_code == 302
    return client


def test_every_route_on_an_empty_register_answers_in_words(empty_app: Flask):
    client = _signed_in(empty_app, "walker")
    # The walk reaches the pages a person starts from (and they say the register is empty).
    assert client.get("/colocation").status_code == 200
    assert walk(client, empty_app) == {}


def test_every_route_on_the_sample_answers_in_words(app: Flask, terrier: Engine):
    client = _signed_in(app, "admin")
    assert client.get("/assets/1").status_code == 200
    try:
        assert walk(client, app) == {}
    finally:
        # The walk's failed sign-ins would slow every later sign-in from this address.
        with terrier.begin() as conn:
            conn.execute(text("DELETE FROM sign_in_attempts"))


def test_every_route_signed_out_answers_in_words(app: Flask, anonymous: FlaskClient):
    failures = {}
    for url in _gets(app):
        response = anonymous.get(url)
        if response.status_code >= 500 or not _traceback_free(response.get_data(as_text=True)):
            failures[url] = response.status_code
    assert failures == {}


def _commands(group: click.Group, ctx: click.Context, path: tuple[str, ...] = ()):
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if isinstance(command, click.Group):
            yield from _commands(command, click.Context(command, parent=ctx), (*path, name))
        else:
            yield (*path, name), command


# Commands the walk leaves out, each for its reason: it would run until stopped, or it
# manages the embedded cluster the tests run on.
NOT_WALKED = {("serve",): "runs until stopped", ("db", "down"): "stops the test cluster"}


def _odd_arguments(command: click.Command, value: str) -> list[str]:
    """Arguments for ``command`` with ``value`` for every argument and option."""
    argv: list[str] = []
    for param in command.params:
        if isinstance(param, click.Argument):
            argv.append(value)
        elif isinstance(param, click.Option) and not param.is_flag and param.opts[0] != "--help":
            argv += [param.opts[0], value]
    return argv


COMMAND_ODD = ["", "0", "-1", "99999999999999999999", "nope", "<b>x</b>", "/dev/null", "£1,0,0"]


@pytest.mark.parametrize("database", ["empty", "sample"])
def test_every_command_fails_in_one_line_never_a_traceback(
    database: str, empty_engine: Engine, app: Flask, settings: Settings
):
    url = (
        empty_engine.url.render_as_string(hide_password=False)
        if database == "empty"
        else settings.database_url
    )
    env = {"ESTATE_DATABASE_URL": url}
    runner = CliRunner()
    walked = 0
    failures = {}
    commands = [(p, c) for p, c in _commands(cli, click.Context(cli)) if p not in NOT_WALKED]
    # The demo fills the register, so it goes last: the rest see the register as it was.
    commands.sort(key=lambda item: item[0] == ("demo",))
    for path, command in commands:
        argvs = {tuple(_odd_arguments(command, value)) for value in COMMAND_ODD}
        for arguments in sorted(argvs):
            argv = [*path, *arguments]
            result = runner.invoke(cli, argv, env=env, input="")
            walked += 1
            crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
            if crashed or not _traceback_free(result.output):
                failures[" ".join(quote(a) for a in argv)[:200]] = repr(result.exception)
            elif result.exit_code != 0:
                # A refusal is short: what went wrong, in a line or a usage note.
                assert len(result.output.strip().splitlines()) <= 12, (argv, result.output)
    assert walked > 100
    assert failures == {}
