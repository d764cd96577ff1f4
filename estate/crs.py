"""The one storage CRS and cached coordinate transformers.

Everything is stored in British National Grid (EPSG:27700, metres) so that
distances and areas are plain arithmetic and ``ST_DWithin`` uses indexes
directly. Browsers get WGS84 (EPSG:4326) at the edge.

Accuracy: pyproj's default BNG <-> WGS84 transformation, without the OSTN15
grid file, is a Helmert fit good to a few metres (up to about 5 m). That is
well inside the co-location distance (250 m) but not survey grade; say so
wherever exact boundaries matter.
"""

from __future__ import annotations

from functools import lru_cache

from pyproj import Transformer

STORAGE_SRID = 27700
"""EPSG code of the storage CRS. A constant: migrations bake it into column types."""

WGS84_SRID = 4326

# Great Britain's extent in BNG metres, with a margin: points outside cannot be
# British National Grid coordinates.
BNG_BOUNDS = (0.0, 0.0, 700_000.0, 1_300_000.0)
# WGS84 extent of the UK and its waters (lon_min, lat_min, lon_max, lat_max).
UK_LONLAT_BOUNDS = (-9.0, 49.0, 2.5, 61.5)


@lru_cache(maxsize=16)
def transformer(from_srid: int, to_srid: int) -> Transformer:
    """A cached, thread-safe, lon/lat-ordered transformer between two EPSG codes."""
    return Transformer.from_crs(f"EPSG:{from_srid}", f"EPSG:{to_srid}", always_xy=True)


def to_storage(x, y, from_srid: int = WGS84_SRID):
    """Transform coordinates (scalars or arrays) into the storage CRS."""
    return transformer(from_srid, STORAGE_SRID).transform(x, y)


def to_wgs84(x, y, from_srid: int = STORAGE_SRID):
    """Transform coordinates (scalars or arrays) into WGS84 lon/lat."""
    return transformer(from_srid, WGS84_SRID).transform(x, y)
