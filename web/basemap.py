"""The map's basemap: tiles served by the app from a local MBTiles file, or a tile URL.

A council network often reaches no tile server, so a basemap can be one file the app
serves itself (``ESTATE_BASEMAP_FILE``, read by :mod:`estate.mbtiles`): the page asks
``/tiles/{z}/{x}/{y}.png`` of this app, like any XYZ server. Otherwise the map takes
``ESTATE_TILE_URL`` as before, or no basemap at all (the boundary and wards).

Tiles never change while the app runs (the file is opened read-only and immutable), so
they are sent with a long ``Cache-Control`` and an ETag: a panned map asks each tile once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask import Blueprint, Flask, Response, abort, request, url_for

from estate.config import Settings
from estate.mbtiles import MBTiles
from estate.web.state import state

bp = Blueprint("basemap", __name__)

# A day: long enough that panning back asks nothing, short enough that a new file is
# seen by the next morning's visit.
TILE_MAX_AGE = 86_400


@dataclass(frozen=True)
class Basemap:
    """What the map page draws under the estate: a URL template for Leaflet, its credit
    and zooms (None: no basemap, the boundary and wards only)."""

    url: str
    attribution: str
    min_zoom: int = 0
    max_zoom: int = 19
    max_native_zoom: int | None = None


def init_app(app: Flask, settings: Settings) -> None:
    """Open the basemap file, when one is set, as the app starts (a wrong path is one
    line then, not a grey map later)."""
    ext = app.extensions.setdefault("estate_basemap", {})
    ext["file"] = MBTiles(settings.basemap_file) if settings.basemap_file else None


def tile_file() -> MBTiles | None:
    """The open basemap file of this app (None when none is set)."""
    from flask import current_app

    return current_app.extensions.get("estate_basemap", {}).get("file")


def basemap() -> Basemap | None:
    """The basemap the settings give: the local file, else the tile URL, else none."""
    settings = state().settings
    local = tile_file()
    if local is not None:
        info = local.info
        template = url_for("basemap.tile", z=0, x=0, y=0).replace("/0/0/0.png", "/{z}/{x}/{y}.png")
        return Basemap(
            url=template,
            attribution=settings.tile_attribution or info.attribution or info.name,
            min_zoom=info.min_zoom,
            max_zoom=19,
            # Past the file's last zoom Leaflet stretches its tiles rather than asking
            # for tiles that are not there.
            max_native_zoom=info.max_zoom,
        )
    if settings.tile_url:
        return Basemap(url=settings.tile_url, attribution=settings.tile_attribution or "basemap")
    return None


@bp.get("/tiles/<int:z>/<int:x>/<int:y>.png")
def tile(z: int, x: int, y: int):
    """One tile of the local basemap file (404 where it has none, or no file is set).
    Named ``.png`` whatever the file holds: the media type says what it is."""
    local = tile_file()
    if local is None:
        abort(404, description="no basemap file is set (ESTATE_BASEMAP_FILE)")
    data = local.tile(z, x, y)
    if data is None:
        abort(404, description=f"no tile {z}/{x}/{y} in the basemap file")
    etag = hashlib.blake2b(data, digest_size=12).hexdigest()
    if etag in request.if_none_match:
        response = Response(status=304)
    else:
        response = Response(data, mimetype=local.info.format)
    response.set_etag(etag)
    response.headers["Cache-Control"] = f"private, max-age={TILE_MAX_AGE}"
    return response
