"""The query parameters every blueprint reads, parsed one way: a bad value is a
:class:`~estate.mapquery.BadQuery` (400, in words), never a 500.

The API, the OGC API, the pages and the downloads all take their numbers, boxes and
bodies from here, so no blueprint imports another's private helpers.
"""

from __future__ import annotations

import math

import numpy as np
from flask import request

from estate.mapquery import BadQuery, Bbox


def int_arg(name: str, default: int, low: int, high: int) -> int:
    """A whole number from the query, within ``low``..``high`` (``default`` when absent)."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadQuery(f"{name} must be a whole number, not {raw!r}") from None
    if not low <= value <= high:
        raise BadQuery(f"{name} must be between {low} and {high}, not {value}")
    return value


def float_arg(name: str, default: float | None, low: float, high: float) -> float | None:
    """A finite number from the query, within ``low``..``high``."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise BadQuery(f"{name} must be a number, not {raw!r}") from None
    if not (math.isfinite(value) and low <= value <= high):
        raise BadQuery(f"{name} must be between {low:g} and {high:g}, not {raw}")
    return value


def bbox_arg(required: bool = False) -> Bbox | None:
    """The ``bbox`` parameter (WGS84 west,south,east,north)."""
    raw = request.args.get("bbox")
    if not raw:
        if required:
            raise BadQuery("bbox is required: minlon,minlat,maxlon,maxlat")
        return None
    return Bbox.parse(raw)


def bodies_arg() -> list[str] | None:
    """The ``body`` parameter: body codes, comma-separated (None: every body)."""
    raw = request.args.get("body")
    return [b.strip() for b in raw.split(",") if b.strip()] if raw else None


def in_box(x: np.ndarray, y: np.ndarray, box: Bbox | None) -> np.ndarray:
    """Which BNG points fall in a WGS84 box (all when there is none)."""
    if box is None:
        return np.ones(len(x), dtype=bool)
    from estate.crs import to_wgs84

    lon, lat = to_wgs84(x, y)
    return (lon >= box.west) & (lon <= box.east) & (lat >= box.south) & (lat <= box.north)
