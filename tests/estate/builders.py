"""Small builders for test records: a test says only what matters to it."""

from __future__ import annotations

import itertools
from typing import Any

from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy.orm import Session

from estate.crs import STORAGE_SRID
from estate.models import Asset, Organisation

_counter = itertools.count(1)


def make_organisation(
    session: Session, code: str | None = None, kind: str = "council", **fields: Any
) -> Organisation:
    n = next(_counter)
    org = Organisation(
        code=code or f"ORG{n}", name=fields.pop("name", f"Body {n}"), kind=kind, **fields
    )
    session.add(org)
    session.flush()
    return org


def make_asset(
    session: Session,
    organisation: Organisation,
    *,
    x: float | None = 380000.0,
    y: float | None = 395000.0,
    **fields: Any,
) -> Asset:
    n = next(_counter)
    geom = from_shape(Point(x, y), srid=STORAGE_SRID) if x is not None else None
    asset = Asset(
        organisation=organisation,
        source_ref=fields.pop("source_ref", f"REF{n}"),
        name=fields.pop("name", f"Asset {n}"),
        geom=geom,
        location_method=fields.pop("location_method", "bng" if geom is not None else "none"),
        **fields,
    )
    session.add(asset)
    session.flush()
    return asset
