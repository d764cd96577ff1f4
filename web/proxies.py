"""Where a request comes from, when proxies stand in front of the app.

Behind a load balancer or nginx every request arrives from the proxy's address, so the
sign-in limits (:mod:`estate.sign_in_limits`) would count every client's failures as
one address's. Werkzeug's ``ProxyFix`` reads the client's address from the
``X-Forwarded-For`` the proxies write (and the scheme from ``X-Forwarded-Proto``), but
only as many entries back as ``ESTATE_TRUSTED_PROXIES`` says proxies stand there: an
entry further back is whatever the client chose to send. With no proxies configured
the headers are ignored, for the same reason.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from estate.config import Settings


def init_app(app: Flask, settings: Settings) -> None:
    """Trust the forwarding headers of ``settings.trusted_proxies`` proxies (none: no
    header is trusted)."""
    proxies = settings.trusted_proxies
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
