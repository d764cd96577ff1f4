"""The shared map and its API: a Flask application over the register.

``create_app`` builds the application from the settings (or a given engine, for
tests). Pages and routes live in their blueprints: the map (``estate.web.map``), the JSON
API (``estate.web.api``), OGC API - Features (``estate.web.ogcapi``), the analysis pages
(``estate.web.analysis``) and downloads (``estate.web.downloads``). They call into ``estate/`` for
every query; this package only turns requests into calls and results into responses.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, current_app, g, jsonify, render_template, request
from sqlalchemy import Connection, Engine
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from estate.config import Settings
from estate.errors import EstateError
from estate.mapquery import BadQuery
from estate.mapsummary import data_version
from estate.vocab import BODY_KIND, CONDITION, STATUS, TENURE, USE_CLASS

logger = logging.getLogger(__name__)

# Colours of the four kinds of body (a second body of the same kind takes the next
# shade), chosen to stay apart for colour-blind readers and on a grey boundary map.
KIND_COLOURS = {
    "council": ["#1b7837", "#5aae61", "#00441b", "#a6dba0"],
    "nhs": ["#005eb8", "#41b6e6", "#003087", "#768692"],
    "police": ["#6a3d9a", "#9e79c9", "#3f007d", "#c2a5cf"],
    "fire": ["#d7301f", "#fc8d59", "#990000", "#fdbb84"],
    "other": ["#8c6d31", "#bd9e39", "#636363", "#e7cb94"],
}


class ResponseCache:
    """Responses kept by key (data version, route, arguments), least recently used out.

    Keys carry the register's data version, so a load makes every older entry
    unreachable; they age out as new ones come in. Bounded by total bytes.
    """

    def __init__(self, max_bytes: int = 64 * 1024 * 1024):
        self.max_bytes = max_bytes
        self.size = 0
        self.entries: OrderedDict[tuple, tuple[bytes, str]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple) -> tuple[bytes, str] | None:
        with self.lock:
            hit = self.entries.get(key)
            if hit is not None:
                self.entries.move_to_end(key)
            return hit

    def put(self, key: tuple, body: bytes, mimetype: str) -> None:
        if len(body) > self.max_bytes // 8:
            return
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.size -= len(old[0])
            self.entries[key] = (body, mimetype)
            self.size += len(body)
            while self.size > self.max_bytes and self.entries:
                _, (dropped, _) = self.entries.popitem(last=False)
                self.size -= len(dropped)


MAX_RESULTS = 48


@dataclass
class WebState:
    """What the application keeps between requests: settings, engine, caches."""

    settings: Settings
    engine: Engine
    responses: ResponseCache = field(default_factory=ResponseCache)
    results: OrderedDict[tuple, Any] = field(default_factory=OrderedDict)
    result_lock: threading.Lock = field(default_factory=threading.Lock)
    computing: dict[tuple, threading.Lock] = field(default_factory=dict)
    version_at: float = 0.0
    version: str = ""

    def data_version(self, conn: Connection) -> str:
        """The register's data version, read at most every 200 ms per process (a load
        takes longer than that to commit, and every response after it sees it). A read
        that started before the one last stored is not stored (threads race)."""
        started = time.monotonic()
        if started - self.version_at > 0.2:
            found = data_version(conn)
            with self.result_lock:
                if started > self.version_at:
                    self.version, self.version_at = found, started
        return self.version

    def result(self, key: tuple, compute: Callable[[], Any]) -> Any:
        """An analysis result computed once per data version and arguments: the first
        thread to ask computes it, the others wait for it rather than each reading the
        register again."""
        with self.result_lock:
            if key in self.results:
                return self.results[key]
            lock = self.computing.setdefault(key, threading.Lock())
        with lock:
            with self.result_lock:
                if key in self.results:
                    self.results.move_to_end(key)
                    return self.results[key]
            value = compute()
            with self.result_lock:
                self.results[key] = value
                self.computing.pop(key, None)
                # Least recently used out, one at a time: odd requests (a distance of
                # 250.001 m) cannot flush what everyone uses.
                while len(self.results) > MAX_RESULTS:
                    self.results.popitem(last=False)
        return value


def state() -> WebState:
    return current_app.extensions["estate"]


def connection() -> Connection:
    """The request's database connection (one per request, returned at its end)."""
    if "conn" not in g:
        g.conn = state().engine.connect()
    return g.conn


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


def version() -> str:
    return state().data_version(connection())


def _gzip_ok() -> bool:
    return "gzip" in request.headers.get("Accept-Encoding", "")


def cached(
    mimetype: str,
    build: Callable[[], str | bytes],
    *,
    vary: tuple = (),
    per_viewer: bool = True,
) -> Response:
    """A response built once per data version, route and query string, with an ETag so a
    browser that has it already gets 304 Not Modified; kept gzipped too, for browsers
    (GeoJSON shrinks about five times), so it is compressed once, not per request.
    Answers differ by viewer (what a body may see of the others) unless ``per_viewer``
    is False (a page with nothing of any body's in it)."""
    from estate.web.auth import viewer

    who = viewer().key if per_viewer else ("any",)
    key = (version(), who, request.path, request.query_string, *vary)
    zipped = _gzip_ok()
    # Each encoding its own tag: a cache must not answer a gzip request with plain bytes.
    etag = hashlib.blake2b(repr(key).encode(), digest_size=12).hexdigest() + ("-gz" * zipped)
    if etag in request.if_none_match:
        response = Response(status=304)
    else:
        hit = state().responses.get((*key, zipped))
        if hit is None:
            body = build()
            data = body.encode() if isinstance(body, str) else body
            if zipped:
                data = gzip.compress(data, GZIP_LEVEL)
            state().responses.put((*key, zipped), data, mimetype)
            hit = (data, mimetype)
        response = Response(hit[0], mimetype=hit[1])
        if zipped:
            response.headers["Content-Encoding"] = "gzip"
    response.set_etag(etag)
    # Answers depend on who asks: a shared proxy must not keep them.
    response.headers["Cache-Control"] = "private, no-cache"
    response.vary.update(("Accept-Encoding", "Cookie", "Authorization"))
    return response


GZIP_LEVEL = 5
COMPRESSIBLE = ("text/", "application/json", "application/geo+json", "application/javascript",
                "image/svg+xml", "application/vnd.oai.openapi+json")  # fmt: skip


def compress(response: Response) -> Response:
    """Gzip a text response of more than a packet for a browser that takes it (pages,
    scripts, styles, JSON); binary downloads and cached answers are left as they are."""
    if (
        response.status_code != 200
        or "Content-Encoding" in response.headers
        or not response.mimetype.startswith(COMPRESSIBLE)
        or not _gzip_ok()
    ):
        return response
    response.direct_passthrough = False
    data = response.get_data()
    if len(data) < 1400:
        return response
    response.set_data(gzip.compress(data, GZIP_LEVEL))
    response.headers["Content-Encoding"] = "gzip"
    tag, weak = response.get_etag()
    if tag:
        response.set_etag(tag + "-gz", weak=weak)
    response.vary.add("Accept-Encoding")
    return response


def body_styles(bodies: list[dict]) -> list[dict]:
    """Each body with its colour: the kind's colour, the next shade for a second body
    of the same kind."""
    seen: dict[str, int] = {}
    styled = []
    for body in bodies:
        kind = body["kind"] if body["kind"] in KIND_COLOURS else "other"
        shades = KIND_COLOURS[kind]
        colour = shades[seen.get(kind, 0) % len(shades)]
        seen[kind] = seen.get(kind, 0) + 1
        styled.append({**body, "colour": colour, "kind_label": BODY_KIND.words.get(kind, kind)})
    return styled


def vocabularies() -> dict[str, list[tuple[str, str]]]:
    """The filterable fields and their words, for forms and the map's filter panel."""
    return {
        "use": list(USE_CLASS.words.items()),
        "tenure": list(TENURE.words.items()),
        "status": list(STATUS.words.items()),
        "condition": list(CONDITION.words.items()),
    }


def _wants_json() -> bool:
    return request.path.startswith(("/api", "/ogcapi", "/club/api")) or (
        request.accept_mimetypes.best == "application/json"
    )


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> Flask:
    """The application. Without an engine, the configured database is made reachable
    (the embedded cluster started if it is the one) and migrated first."""
    settings = settings or Settings.from_env()
    if engine is None:
        from estate.db import ensure_database, make_engine, upgrade

        url = ensure_database(settings)
        upgrade(url)
        engine = make_engine(url, pool_size=8, max_overflow=8)
    app = Flask(__name__)
    app.config.update(SECRET_KEY=settings.secret_key, MAX_CONTENT_LENGTH=2 * 1024 * 1024)
    app.json.sort_keys = False
    app.extensions["estate"] = WebState(settings, engine)

    from estate.web import analysis, api, auth, club, downloads, edits, ogcapi
    from estate.web import map as map_page

    with app.app_context():
        auth.init_app(app)
    app.register_blueprint(map_page.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(ogcapi.bp)
    app.register_blueprint(analysis.bp)
    app.register_blueprint(downloads.bp)
    app.register_blueprint(edits.bp)
    app.register_blueprint(club.bp)

    @app.before_request
    def _no_nul() -> None:
        # PostgreSQL text cannot hold NUL; say so rather than fail in the driver.
        values = [*request.args.values(), *(request.view_args or {}).values()]
        values += [v for _, listed in request.form.lists() for v in listed]
        if any("\x00" in str(v) for v in values):
            raise BadQuery("a parameter holds a NUL character")

    @app.teardown_appcontext
    def _close(_exc: BaseException | None) -> None:
        conn = g.pop("conn", None)
        if conn is not None:
            conn.close()

    @app.errorhandler(EstateError)
    def _estate_error(exc: EstateError):
        # The one mapping of the project's errors to HTTP: each carries its meaning.
        status = getattr(exc, "status", 400)
        if status >= 500:
            logger.warning("%s: %s", type(exc).__name__, exc)
        if _wants_json():
            name = HTTP_STATUS_CODES.get(status, "Bad Request").replace(" ", "")
            return jsonify(code=name, description=str(exc)), status
        return render_template("error.html", code=status, message=str(exc)), status

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if _wants_json():
            return jsonify(code=exc.name.replace(" ", ""), description=exc.description), exc.code
        return render_template("error.html", code=exc.code, message=exc.description), exc.code

    @app.after_request
    def _headers(response: Response) -> Response:
        # Nothing on these pages comes from elsewhere; say so, so that a script slipped
        # into a record's text could not load or send anything either. The basemap's
        # host, when one is set, is the one exception for images.
        tiles = ""
        if settings.tile_url:
            from urllib.parse import urlsplit

            parts = urlsplit(settings.tile_url.replace("{s}.", "sub-domain."))
            tiles = f" {parts.scheme}://{parts.netloc.replace('sub-domain.', '*.')}"
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self' 'unsafe-inline'; "
            f"style-src 'self' 'unsafe-inline'; img-src 'self' data:{tiles}; "
            "connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'self'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return compress(response)

    app.jinja_env.filters["plain"] = plain_value
    app.jinja_env.globals["field_label"] = field_label

    @app.context_processor
    def _globals() -> dict[str, Any]:
        from estate.web.auth import current_account

        return {"nav": NAV, "account": current_account()}

    return app


def plain_value(value: Any) -> str:
    """A value of the audit trail as a person reads it: 37.0 as 37, nothing as a dash."""
    if value is None:
        return "—"
    if isinstance(value, float) and value.is_integer():
        return f"{int(value):,}" if abs(value) >= 10000 else str(int(value))
    if isinstance(value, list):
        return ", ".join(plain_value(v) for v in value)
    return str(value)


def field_label(name: str) -> str:
    """The form's label of an asset field ("Occupants (FTE)" for occupants_fte); other
    fields (the club's) with their underscores read as spaces."""
    from estate.editing import BY_NAME

    special = {"geom": "Location", "location": "Location (easting, northing)"}
    if name in special:
        return special[name]
    found = BY_NAME.get(name)
    return found.label if found else name.replace("_", " ").replace(" m2", " (m²)")


NAV = [
    ("map.index", "Map"),
    ("analysis.colocation", "Co-location"),
    ("analysis.disposals", "Disposals"),
    ("analysis.scenarios", "Scenarios"),
    ("club.index", "Property club"),
    ("analysis.quality", "Data quality"),
    ("downloads.index", "Downloads"),
    ("api.index", "API"),
]
