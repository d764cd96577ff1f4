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
    """The ``body`` parameter: body codes or kinds, comma-separated or the parameter
    repeated (a multiple select sends ``?body=A&body=B``); None: every body."""
    found = [b.strip() for raw in request.args.getlist("body") for b in raw.split(",")]
    found = [b for b in dict.fromkeys(found) if b]
    return found or None


@dataclass(frozen=True)
class Place:
    """Where an analysis is narrowed to: a loaded area or a drawn polygon."""

    label: str
    """What the page says: "Sale Central" or "the drawn area"."""
    geometry: object
    """A shapely geometry in the storage CRS."""
    key: tuple
    """What a stored result's key holds of it: the area's id, or the polygon's WKB digest."""
    args: dict[str, str]
    """The query parameters that name it again, for links."""


def place_arg() -> Place | None:
    """The ``area`` (a loaded area's id or name) or ``polygon`` (GeoJSON or WKT, WGS84)
    parameter as a :class:`Place`; None for neither. An unknown area or a bad polygon is a
    :class:`~estate.mapquery.BadQuery`."""
    import hashlib

    import shapely

    from estate import areas
    from estate.errors import EstateError
    from estate.web.state import connection

    area = request.args.get("area", "").strip()
    polygon = request.args.get("polygon", "").strip()
    if area and polygon:
        raise BadQuery("give an area or a polygon, not both")
    if area:
        found = (
            areas.area_outline(connection(), int(area))
            if area.isdigit()
            else areas.find_area(connection(), area)
        )
        if found is None:
            raise BadQuery(f"no loaded area {area!r}: see /api/areas/ward")
        loaded, outline = found
        return Place(loaded.name, outline, ("area", loaded.id), {"area": str(loaded.id)})
    if polygon:
        try:
            shape = areas.read_drawn(polygon)
        except EstateError as exc:
            raise BadQuery(str(exc)) from None
        digest = hashlib.blake2b(shapely.to_wkb(shape), digest_size=16).hexdigest()
        return Place("the drawn area", shape, ("polygon", digest), {"polygon": polygon})
    return None
