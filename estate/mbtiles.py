"""Basemap tiles from a local MBTiles file, for a map with streets and no internet.

An MBTiles file is one SQLite database of map tiles (the MBTiles 1.3 specification:
a ``tiles`` table or view of ``zoom_level, tile_column, tile_row, tile_data`` and a
``metadata`` table of names and values). A council downloads or makes one once (OS
Open Zoomstack, an OpenStreetMap extract, a raster through ``gdal_translate -of
MBTILES``: see the README) and the app serves its tiles itself, so the map needs no
tile server the council network may not reach.

Rows are numbered from the south (TMS), while web maps ask for tiles numbered from
the north (XYZ): :meth:`MBTiles.tile` flips the row. Only raster tiles (PNG, JPEG,
WebP) are served: vector tiles would need a style and a renderer in the page.

The file is opened read-only (``mode=ro`` with ``immutable``), once per thread, so a
file on a read-only share works and a tile costs one indexed lookup.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from estate.errors import ConfigError

# The first bytes of each raster format the page can draw, and its media type.
SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"RIFF", "image/webp"),
)
TILE_SQL = "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?"
FORMATS = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp"}


def media_type(data: bytes) -> str | None:
    """The media type of a raster tile from its first bytes (None: not one the page draws,
    such as a gzipped vector tile)."""
    for signature, kind in SIGNATURES:
        if data.startswith(signature):
            return kind
    return None


@dataclass(frozen=True)
class TileSet:
    """What the file says of itself, for the map: its zooms, bounds and credit."""

    name: str
    format: str
    """The tiles' media type (``image/png``, ``image/jpeg`` or ``image/webp``)."""
    min_zoom: int
    max_zoom: int
    bounds: tuple[float, float, float, float] | None
    """West, south, east, north in WGS84 degrees, when the file says."""
    attribution: str


class MBTiles:
    """A read-only MBTiles file of raster tiles.

    Opening checks the file is one (a readable SQLite database with ``tiles`` and
    ``metadata``) and of raster tiles, and refuses it in one line otherwise
    (:class:`~estate.errors.ConfigError`, naming the setting), so a wrong path is said
    when the app starts, not as a grey map.
    """

    def __init__(self, path: Path, setting: str = "ESTATE_BASEMAP_FILE"):
        self.path = Path(path)
        self.setting = setting
        self._local = threading.local()
        if not self.path.is_file():
            raise ConfigError(f"{setting}: no file at {self.path}")
        try:
            self.info = self._read_info()
        except sqlite3.DatabaseError as exc:
            raise ConfigError(f"{setting}: {self.path} is not an MBTiles file ({exc})") from None

    def _connection(self) -> sqlite3.Connection:
        # One connection per thread: sqlite3's connections are not shared across threads.
        conn = getattr(self._local, "conn", None)
        if conn is None:
            uri = self.path.resolve().as_uri() + "?mode=ro&immutable=1"
            conn = sqlite3.connect(uri, uri=True, check_same_thread=True)
            self._local.conn = conn
        return conn

    def _read_info(self) -> TileSet:
        conn = self._connection()
        meta = dict(conn.execute("SELECT name, value FROM metadata").fetchall())
        zooms = conn.execute("SELECT min(zoom_level), max(zoom_level) FROM tiles").fetchone()
        if zooms[0] is None:
            raise ConfigError(f"{self.setting}: {self.path} holds no tiles")
        declared = str(meta.get("format", "")).lower()
        if declared in ("pbf", "mvt"):
            raise ConfigError(
                f"{self.setting}: {self.path} holds vector tiles; the map draws raster "
                "MBTiles (PNG or JPEG): make one with a tile renderer or gdal_translate"
            )
        kind = FORMATS.get(declared)
        if kind is None:
            sample = conn.execute("SELECT tile_data FROM tiles LIMIT 1").fetchone()[0]
            kind = media_type(bytes(sample))
        if kind is None:
            raise ConfigError(f"{self.setting}: {self.path} holds tiles that are not PNG or JPEG")
        return TileSet(
            name=str(meta.get("name") or self.path.stem),
            format=kind,
            min_zoom=int(meta.get("minzoom") or zooms[0]),
            max_zoom=int(meta.get("maxzoom") or zooms[1]),
            bounds=_bounds(meta.get("bounds")),
            attribution=str(meta.get("attribution") or ""),
        )

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """The tile at zoom ``z``, column ``x`` and row ``y`` counted from the north (as
        Leaflet asks), or None where the file has none."""
        if z < 0 or z > 30 or not (0 <= x < 2**z and 0 <= y < 2**z):
            return None
        row = self._connection().execute(TILE_SQL, (z, x, (2**z - 1) - y)).fetchone()
        return bytes(row[0]) if row else None


def _bounds(raw: object) -> tuple[float, float, float, float] | None:
    """The metadata's ``bounds`` ("w,s,e,n"), or None when missing or not four numbers."""
    try:
        w, s, e, n = (float(v) for v in str(raw).split(","))
    except ValueError:
        return None
    return (w, s, e, n)
