"""Answers kept so they are worked out once: responses by data version, route and query
(with ETags), and results (frames, the point index) by data version and arguments.

Every key starts with the register's data version (:func:`~estate.web.state.version`,
read once per request), so a change makes every older entry unreachable without anyone
clearing a cache; old entries age out as new ones come in. Both stores are per process
and bounded; the analyses' results are also kept in the database for every worker
(:mod:`estate.web.results`), and these stores hold what each worker has read of them.

Each response that served an analysis result says where it came from, in
``X-Estate-Result`` (:func:`note_result`): ``computed`` (this request worked it out),
``stored`` (read from the database, worked out by an earlier request of any worker) or
``memory`` (this worker held it, or the whole answer, already).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, current_app, g, request

from estate.web.auth import viewer
from estate.web.compression import accepts_gzip, gzipped
from estate.web.state import connection, version

RESULT_HEADER = "X-Estate-Result"

MAX_RESULTS = 48
# The analyses' results each worker holds (a co-location result of 400k assets is about
# 250 MB in memory); one more is read back from the database in about a second.
MAX_SHARED = 6


class ResponseCache:
    """Responses kept by key (data version, route, arguments), least recently used out.

    Keys carry the register's data version, so a load makes every older entry
    unreachable; they age out as new ones come in. Bounded by total bytes.
    """

    def __init__(self, max_bytes: int = 64 * 1024 * 1024):
        self.max_bytes = max_bytes
        self.size = 0
        self.entries: OrderedDict[tuple, tuple[bytes, str, str | None]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple) -> tuple[bytes, str, str | None] | None:
        """The body, mimetype and result origin (:func:`note_result`) kept under ``key``."""
        with self.lock:
            hit = self.entries.get(key)
            if hit is not None:
                self.entries.move_to_end(key)
            return hit

    def put(self, key: tuple, body: bytes, mimetype: str, origin: str | None = None) -> None:
        if len(body) > self.max_bytes // 8:
            return
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.size -= len(old[0])
            self.entries[key] = (body, mimetype, origin)
            self.size += len(body)
            while self.size > self.max_bytes and self.entries:
                _, (dropped, _, _) = self.entries.popitem(last=False)
                self.size -= len(dropped)


@dataclass
class ResultCache:
    """Results (frames, the point index) by key, least recently used out, bounded by
    their number (``max_entries``)."""

    max_entries: int = MAX_RESULTS
    entries: OrderedDict[tuple, Any] = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    computing: dict[tuple, threading.Lock] = field(default_factory=dict)

    def get(self, key: tuple, compute: Callable[[], Any]) -> Any:
        """The result under ``key``, computed by ``compute`` if there is none: the first
        thread to ask computes it, the others wait for it rather than each reading the
        register again."""
        with self.lock:
            if key in self.entries:
                self.entries.move_to_end(key)  # used: last out
                return self.entries[key]
            lock = self.computing.setdefault(key, threading.Lock())
        with lock:
            with self.lock:
                if key in self.entries:
                    self.entries.move_to_end(key)
                    return self.entries[key]
            value = compute()
            with self.lock:
                self.entries[key] = value
                self.computing.pop(key, None)
                # Least recently used out, one at a time: odd requests (a distance of
                # 250.001 m) cannot flush what everyone uses.
                while len(self.entries) > self.max_entries:
                    self.entries.popitem(last=False)
        return value


@dataclass
class Caches:
    """The application's stores: responses, what answers are built from, and the
    analyses' results read from the database (:mod:`estate.web.results`)."""

    responses: ResponseCache = field(default_factory=ResponseCache)
    results: ResultCache = field(default_factory=ResultCache)
    shared: ResultCache = field(default_factory=lambda: ResultCache(MAX_SHARED))


def init_app(app: Flask) -> None:
    """Give ``app`` empty stores of its own, and the ``X-Estate-Result`` header."""
    app.extensions["estate.cache"] = Caches()
    app.after_request(_result_header)


def caches() -> Caches:
    """The running application's stores."""
    return current_app.extensions["estate.cache"]


def computed(key: tuple, compute: Callable[[], Any]) -> Any:
    """A result computed once per ``key`` (data version and arguments first) in this
    process."""
    return caches().results.get(key, compute)


def organisations() -> list[dict]:
    """Every body with its kind and counts of assets (:func:`estate.mapsummary.organisations`),
    read once per data version by each worker: the counts are a pass over the whole
    register (0.4 s at 400k assets), and every analysis page lists the bodies."""
    from estate import mapsummary

    found = computed((version(), "organisations"), lambda: mapsummary.organisations(connection()))
    return [dict(body) for body in found]


def note_result(origin: str) -> None:
    """Say where this request's analysis result came from (``computed``, ``stored`` or
    ``memory``), for the ``X-Estate-Result`` header; the first said wins, as that is the
    one the request waited for."""
    g.setdefault("estate_result", origin)


def _result_header(response: Response) -> Response:
    origin = g.get("estate_result")
    if origin is not None:
        response.headers[RESULT_HEADER] = origin
    return response


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
    who = viewer().key if per_viewer else ("any",)
    key = (version(), who, request.path, request.query_string, *vary)
    zipped = accepts_gzip()
    # Each encoding its own tag: a cache must not answer a gzip request with plain bytes.
    etag = hashlib.blake2b(repr(key).encode(), digest_size=12).hexdigest() + ("-gz" * zipped)
    if etag in request.if_none_match:
        response = Response(status=304)
    else:
        responses = caches().responses
        hit = responses.get((*key, zipped))
        if hit is None:
            body = build()
            data = body.encode() if isinstance(body, str) else body
            if zipped:
                data = gzipped(data)
            origin = g.get("estate_result")
            responses.put((*key, zipped), data, mimetype, origin)
            hit = (data, mimetype, origin)
        elif hit[2] is not None:
            note_result("memory")
        response = Response(hit[0], mimetype=hit[1])
        if zipped:
            response.headers["Content-Encoding"] = "gzip"
    response.set_etag(etag)
    # Answers depend on who asks: a shared proxy must not keep them.
    response.headers["Cache-Control"] = "private, no-cache"
    response.vary.update(("Accept-Encoding", "Cookie", "Authorization"))
    return response
