"""Where Great Britain is: an outline coarse enough to be small, close enough to tell.

British National Grid covers Great Britain, but its rectangle (and the longitude and
latitude box around the UK) also covers the sea, Northern Ireland, the Channel Islands
and the north of France: a point in Calais converts to "grid" numbers inside the
rectangle. The outline here follows the coast some kilometres out and runs down the
middle of the Strait of Dover and the North Channel, so that every point of Great
Britain's land (its islands from Scilly to Shetland and St Kilda) is inside it and
Ireland, France and the Channel Islands are outside. The Isle of Man, on the grid and
between the coasts, is inside. It is a test of "could this be in Great Britain", not a
coastline: a point a few kilometres out to sea passes.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from estate.crs import STORAGE_SRID, WGS84_SRID, transformer

OUTLINE_LONLAT: tuple[tuple[float, float], ...] = (
    (-6.7, 49.75), (-4.5, 49.85), (-2.3, 50.3), (-1.3, 50.45), (0.2, 50.6), (1.0, 50.82),
    (1.45, 51.0), (1.75, 51.3), (2.0, 52.0), (1.9, 52.6), (1.5, 53.1), (0.5, 53.8),
    (0.0, 54.5), (-1.0, 55.2), (-1.3, 56.0), (-1.5, 57.0), (-1.4, 57.8), (-2.0, 58.8),
    (-0.5, 59.6), (-0.3, 60.95), (-1.5, 61.0), (-2.4, 60.4), (-3.3, 59.5), (-5.5, 59.3),
    (-6.5, 59.3), (-9.0, 58.2), (-8.0, 56.5), (-6.6, 55.5), (-5.95, 55.2), (-5.3, 54.75),
    (-5.0, 54.4), (-5.0, 53.9), (-5.3, 53.5), (-5.8, 52.0), (-6.0, 51.4), (-7.0, 50.2),
)  # fmt: skip
"""The outline's corners, longitude and latitude, clockwise from south-west of Scilly."""


@lru_cache(maxsize=1)
def outline():
    """The outline as a prepared shapely polygon in the storage CRS."""
    import shapely

    lon, lat = np.array(OUTLINE_LONLAT).T
    x, y = transformer(WGS84_SRID, STORAGE_SRID).transform(lon, lat)
    polygon = shapely.Polygon(np.column_stack([x, y]))
    shapely.prepare(polygon)
    return polygon


def in_great_britain(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """True where the point (storage CRS metres) may lie in Great Britain; False where it
    cannot, or is missing."""
    import shapely

    x = np.asarray(x, dtype="float64")
    y = np.asarray(y, dtype="float64")
    present = ~(np.isnan(x) | np.isnan(y))
    inside = np.zeros(len(x), dtype=bool)
    if present.any():
        inside[present] = shapely.contains_xy(outline(), x[present], y[present])
    return inside
