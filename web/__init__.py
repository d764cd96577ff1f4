"""The shared map and its API: a Flask application over the register.

``create_app`` builds the application from the settings (or a given engine, for
tests). Pages and routes live in their blueprints: the map (``estate.web.map``), the JSON
API (``estate.web.api``), OGC API - Features (``estate.web.ogcapi``), the analysis pages
(``estate.web.analysis``), downloads (``estate.web.downloads``), edits and the club. They
call into ``estate/`` for every query; this package only turns requests into calls and
results into responses. What every blueprint shares has a module of its own: the state
and connection (``state``), the caches (``cache``), gzip (``compression``), the headers
(``headers``), errors (``errors``), what pages show (``presentation``), the query
parameters (``params``) and the trusted proxies (``proxies``).
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import Engine

from estate.config import Settings


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

    from estate.web import (
        analysis,
        api,
        auth,
        basemap,
        cache,
        club,
        compression,
        downloads,
        edits,
        errors,
        headers,
        ogcapi,
        places,
        presentation,
        proxies,
        records,
        scenarios,
        state,
        surplus,
        updates,
        users,
    )
    from estate.web import map as map_page

    state.init_app(app, settings, engine)
    proxies.init_app(app, settings)
    cache.init_app(app)
    with app.app_context():
        auth.init_app(app)
    errors.init_app(app)
    # After-request hooks run last registered first: the headers, then gzip.
    compression.init_app(app)
    headers.init_app(app, settings)
    presentation.init_app(app)
    basemap.init_app(app, settings)
    for blueprint in (map_page, basemap, api, ogcapi, analysis, downloads, edits, club):
        app.register_blueprint(blueprint.bp)
    app.register_blueprint(scenarios.bp)
    for blueprint in (records, surplus, updates, users):  # issue 17: the partnership's pages
        app.register_blueprint(blueprint.bp)
    app.register_blueprint(places.bp)
    return app
