"""The query parameters every blueprint reads, parsed one way: a bad value is a
:class:`~estate.mapquery.BadQuery` (400, in words), never a 500.

The API, the OGC API, the pages and the downloads all take their numbers, boxes and
bodies from here, so no blueprint imports another's private helpers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

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


# The most rows one answer of each list gives (``limit`` above it is served at it, and
# the answer says so): a page of features stays a few megabytes whatever is asked.
ASSETS_CAP = 1000  # /api/assets and every OGC API collection's items
SEARCH_CAP = 100
CLUSTERS_CAP = 2000
CANDIDATES_CAP = 5000


@dataclass(frozen=True)
class Limit:
    """How many rows a list answer gives, and whether that is fewer than were asked for."""

    value: int
    capped: bool

    def members(self) -> dict[str, int | bool]:
        """What the answer says of it: ``{"limit": 1000, "capped": true}``."""
        return {"limit": self.value, "capped": self.capped}


def limit_arg(default: int, cap: int, name: str = "limit") -> Limit:
    """The ``limit`` parameter: a whole number of at least 1, served at ``cap`` when it
    asks for more (as OGC API - Features asks of a server: a limit above the maximum is
    no error). ``default`` when absent."""
    raw = request.args.get(name)
    try:
        wanted = default if raw is None or raw == "" else int(raw)
    except ValueError:
        raise BadQuery(f"{name} must be a whole number, not {raw!r}") from None
    if wanted < 1:
        raise BadQuery(
            f"{name} must be between 1 and {cap} (more is served as {cap}), not {wanted}"
        )
    return Limit(min(wanted, cap), wanted > cap)


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
