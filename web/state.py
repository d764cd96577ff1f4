"""What the application keeps between requests (settings, the engine, the register's
data version as last read) and the one database connection of each request.

Kept in ``app.extensions["estate"]`` by :func:`init_app`, never at import, so two
applications (the tests make many) never share an engine.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from flask import Flask, current_app, g
from sqlalchemy import Connection, Engine

from estate.config import Settings
from estate.mapsummary import data_version


@dataclass
class WebState:
    """The application's settings and engine, and the register's data version as last
    read (responses and results are cached under it: :mod:`estate.web.cache`)."""

    settings: Settings
    engine: Engine
    version_at: float = 0.0
    version: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def data_version(self, conn: Connection) -> str:
        """The register's data version, read at most every 200 ms per process (a load
        takes longer than that to commit, and every response after it sees it). A read
        that started before the one last stored is not stored (threads race)."""
        started = time.monotonic()
        if started - self.version_at > 0.2:
            found = data_version(conn)
            with self.lock:
                if started > self.version_at:
                    self.version, self.version_at = found, started
        return self.version


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


@contextmanager
def writing() -> Iterator[Connection]:
    """A transaction of its own for a change (committed at the end of the ``with``,
    rolled back on error; the request's reading connection may already be in one).
    The data version is read afresh after it, so no answer cached before the change
    is served after it."""
    web = state()
    try:
        with web.engine.begin() as conn:
            yield conn
    finally:
        web.version_at = 0.0
