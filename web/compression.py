"""Gzip for browsers that take it: pages, scripts, styles and JSON shrink several times
(GeoJSON about five), binary downloads hardly at all and are left alone."""

from __future__ import annotations

import gzip

from flask import Flask, Response, request

GZIP_LEVEL = 5
COMPRESSIBLE = ("text/", "application/json", "application/geo+json", "application/javascript",
                "image/svg+xml", "application/vnd.oai.openapi+json")  # fmt: skip


def init_app(app: Flask) -> None:
    """Compress every response that is worth it (:func:`compress`)."""
    app.after_request(compress)


def accepts_gzip() -> bool:
    """Whether the request's client takes a gzipped answer."""
    return "gzip" in request.headers.get("Accept-Encoding", "")


def gzipped(data: bytes) -> bytes:
    """``data`` compressed at the level every response uses."""
    return gzip.compress(data, GZIP_LEVEL)


def compress(response: Response) -> Response:
    """Gzip a text response of more than a packet for a browser that takes it (pages,
    scripts, styles, JSON); binary downloads and cached answers are left as they are."""
    if (
        response.status_code != 200
        or "Content-Encoding" in response.headers
        or not response.mimetype.startswith(COMPRESSIBLE)
        or not accepts_gzip()
    ):
        return response
    response.direct_passthrough = False
    data = response.get_data()
    if len(data) < 1400:
        return response
    response.set_data(gzipped(data))
    response.headers["Content-Encoding"] = "gzip"
    tag, weak = response.get_etag()
    if tag:
        response.set_etag(tag + "-gz", weak=weak)
    response.vary.add("Accept-Encoding")
    return response
