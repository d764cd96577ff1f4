"""The headers every response carries: a content security policy and ``nosniff``.

Nothing on these pages comes from elsewhere; the policy says so, so that a script
slipped into a record's text could not load or send anything either. The basemap's
host, when one is set, is the one exception, for images.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response

from estate.config import Settings


def init_app(app: Flask, settings: Settings) -> None:
    """Add the headers to every response of ``app``."""
    policy = content_security_policy(settings.tile_url)

    def add_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response

    app.after_request(add_headers)


def content_security_policy(tile_url: str | None) -> str:
    """The policy, with the basemap's host (``{s}`` sub-domains as ``*``) for images."""
    tiles = ""
    if tile_url:
        parts = urlsplit(tile_url.replace("{s}.", "sub-domain."))
        tiles = f" {parts.scheme}://{parts.netloc.replace('sub-domain.', '*.')}"
    return (
        "default-src 'self'; script-src 'self' 'unsafe-inline'; "
        f"style-src 'self' 'unsafe-inline'; img-src 'self' data:{tiles}; "
        "connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'self'"
    )
