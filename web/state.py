"""What the application keeps between requests (the settings and the engine), the one
database connection of each request, and the register's data version as the request
reads it.

Kept in ``app.extensions["estate"]`` by :func:`init_app`, never at import, so two
applications (the tests make many) never share an engine.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask, current_app, g
from sqlalchemy import Connection, Engine

from estate.config import Settings
from estate.mapsummary import data_version


@dataclass
class WebState:
    """The application's settings and engine."""

    settings: Settings
    engine: Engine


def init_app(app: Flask, settings: Settings, engine: Engine) -> None:
    """Keep the settings and engine on ``app``; return each request's connection at
    its end."""
    app.extensions["estate"] = WebState(settings, engine)
    app.teardown_appcontext(close_connection)


def state() -> WebState:
    """The running application's state."""
    return current_app.extensions["estate"]


def connection() -> Connection:
    """The request's database connection (one per request, returned at its end)."""
    if "conn" not in g:
        g.conn = state().engine.connect()
    return g.conn


def close_connection(_exc: BaseException | None = None) -> None:
    """Return the request's connection to the pool, if it took one."""
    conn = g.pop("conn", None)
    if conn is not None:
        conn.close()


def version() -> str:
    """The register's data version, read once per request (a query of a fraction of a
    millisecond): every answer cached and every result stored is keyed by it, so a
    change committed by any worker reaches the next request of every worker, and an
    asset just marked sensitive is never served from an answer worked out before."""
    if "data_version" not in g:
        g.data_version = data_version(connection())
    return g.data_version


@contextmanager
def writing() -> Iterator[Connection]:
    """A transaction of its own for a change (committed at the end of the ``with``,
    rolled back on error; the request's reading connection may already be in one).
    The data version is read afresh after it, so nothing this request serves after the
    change was worked out before it."""
    try:
        with state().engine.begin() as conn:
            yield conn
    finally:
        g.pop("data_version", None)
