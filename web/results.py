"""The analyses' results as the web serves them, shared by the API, the OGC API, the
pages and the downloads (so none of them imports another's helpers).

Each result (co-location clusters, disposal candidates) is computed once per data
version, viewer's sharing view and parameters, by whichever worker asks first, and kept
in the database (:mod:`estate.resultstore`) for every worker of ``estate serve``; a
worker asking while another computes waits for it. Each worker then keeps what it read
in memory (:mod:`estate.web.cache`), with what its views derive from it (the located
candidates and their degrees, the clusters' centres), so a page or a view of the map
costs a filter and a sort, not an analysis. ``X-Estate-Result`` says which happened.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from flask import url_for

from estate import resultstore
from estate.web.auth import viewer
from estate.web.cache import caches, computed, note_result
from estate.web.params import Place
from estate.web.state import connection, state, version


def _bodies_key(bodies: list[str] | None) -> tuple[str, ...]:
    """Bodies as the analysis reads them (codes or kinds, case ignored): ``?body=B,a``
    and ``?body=A,b`` are one view, computed once."""
    return tuple(sorted({b.lower() for b in bodies or ()}))


def _shared(kind: str, params: tuple, compute: Callable[[], Any], pack, unpack) -> tuple[str, Any]:
    """The result of ``kind`` for this request's viewer and ``params``: from this
    worker's memory, else the database, else computed here (and stored). Its key too."""
    current = version()
    key = resultstore.result_key(kind, current, viewer().key, params)

    def load() -> Any:
        value, origin = resultstore.fetch_or_compute(
            connection(), key, current, compute, pack, unpack
        )
        note_result(origin)
        return value

    value = caches().shared.get((key,), load)
    note_result("memory")  # kept by this worker (unless load() above said otherwise)
    return key, value


def colocation_result(distance: float, bodies: list[str] | None, place: Place | None = None):
    """Co-location clusters within ``distance`` metres with at least one member of
    ``bodies`` (each with all its partners; every cluster when None), inside ``place``
    when given, as this request's viewer may see them."""
    return _colocation(distance, bodies, place)[1]


def _colocation(
    distance: float, bodies: list[str] | None, place: Place | None = None
) -> tuple[str, Any]:
    from estate.analysis.colocation import colocation
    from estate.analysis.packing import pack_colocation, unpack_colocation

    settings = state().settings
    who = viewer()
    wanted = _bodies_key(bodies)
    within = place.geometry if place else None

    def compute():
        return colocation(
            connection(), distance, settings.nia_per_fte_m2, None, within, who,
            including=list(wanted) or None,
        )  # fmt: skip

    params = (float(distance), ("including", wanted), settings.nia_per_fte_m2, _place_key(place))
    return _shared("colocation", params, compute, pack_colocation, unpack_colocation)


def inside(result, place: Place):
    """The disposal result with only the candidates standing inside ``place``."""
    import dataclasses

    import shapely

    frame = result.candidates
    x, y = frame["x"].to_numpy(dtype=float), frame["y"].to_numpy(dtype=float)
    located = ~(np.isnan(x) | np.isnan(y))
    keep = np.zeros(len(frame), dtype=bool)
    keep[located] = shapely.contains_xy(place.geometry, x[located], y[located])
    return dataclasses.replace(result, candidates=frame[keep].reset_index(drop=True))


def _place_key(place: Place | None) -> tuple:
    return place.key if place else ()


def candidates_result(
    distance: float, min_score: int, bodies: list[str] | None, place: Place | None = None
):
    """Disposal candidates scoring ``min_score`` or more among ``bodies``, inside
    ``place`` when given, with receiving sites within ``distance`` metres, as this
    request's viewer may see them (every asset's score is not kept: see
    :func:`~estate.analysis.packing.without_scores`)."""
    return _candidates(distance, min_score, bodies, place)[1]


def _candidates(
    distance: float, min_score: int, bodies: list[str] | None, place: Place | None = None
) -> tuple[str, Any]:
    import datetime as dt

    from estate.analysis.disposal import disposal_candidates
    from estate.analysis.packing import pack_disposals, unpack_disposals, without_scores

    settings = state().settings
    who = viewer()
    wanted = _bodies_key(bodies)
    # Lease breaks and ends are scored against today: tomorrow's result is another one.
    today = dt.date.today()

    def compute():
        result = without_scores(
            disposal_candidates(
                connection(),
                settings.nia_per_fte_m2,
                distance,
                today,
                min_score,
                bodies=list(wanted) or None,
                viewer=who,
            )  # fmt: skip
        )
        # The place narrows the candidates, not where their occupants could go: a site
        # just over the ward's edge still has room for them.
        return inside(result, place) if place else result

    params = (
        float(distance), int(min_score), wanted, settings.nia_per_fte_m2, today.isoformat(),
        _place_key(place),
    )  # fmt: skip
    return _shared("disposals", params, compute, pack_disposals, unpack_disposals)


@dataclass(frozen=True)
class Located:
    """Which rows of a result's frame have a point, with the point in WGS84 degrees,
    worked out once per worker so each view of the map only compares numbers (the rows
    themselves are taken from the result's frame, not copied)."""

    # Positions of the located rows in the frame, and their points.
    rows: np.ndarray
    lon: np.ndarray
    lat: np.ndarray

    def in_box(self, box) -> np.ndarray:
        """Positions (in the frame) of the located rows in a WGS84 box, in frame order
        (every located row when there is no box)."""
        if box is None:
            return self.rows
        inside = (
            (self.lon >= box.west)
            & (self.lon <= box.east)
            & (self.lat >= box.south)
            & (self.lat <= box.north)
        )
        return self.rows[inside]


def _located(frame: pd.DataFrame) -> Located:
    from estate.crs import to_wgs84

    x = frame["x"].to_numpy(dtype=float)
    rows = np.flatnonzero(~np.isnan(x))
    lon, lat = to_wgs84(x[rows], frame["y"].to_numpy(dtype=float)[rows])
    return Located(rows, np.asarray(lon), np.asarray(lat))


def located_clusters(
    distance: float, bodies: list[str] | None, place: Place | None = None
) -> Located:
    """Where the clusters are (every one has a centre), in WGS84."""
    key, result = _colocation(distance, bodies, place)
    return computed(("located", key), lambda: _located(result.clusters))


def located_candidates(
    distance: float, min_score: int, bodies: list[str] | None, place: Place | None = None
) -> Located:
    """Which candidates have a point, and where, in WGS84."""
    key, result = _candidates(distance, min_score, bodies, place)
    return computed(("located", key), lambda: _located(result.candidates))


def radar_result(months: int, distance: float):
    """The lease-event radar for the next ``months`` from today, with partner buildings
    within ``distance`` metres, as this request's viewer may see it: worked out once per
    data version, viewer and day by each worker (under half a second at a region's
    scale, so not stored for every worker)."""
    import datetime as dt

    from estate.analysis.radar import lease_radar

    settings = state().settings
    who = viewer()
    today = dt.date.today()
    key = (version(), "radar", who.key, int(months), float(distance), today.isoformat())
    return computed(
        key,
        lambda: lease_radar(
            connection(), settings.nia_per_fte_m2, distance, months, today, viewer=who
        ),
    )


def scenario_rows() -> list[dict]:
    """Every scenario (name, assumptions, moves) with the link to its schedules."""
    from estate.analysis.scenarios import list_scenarios

    frame = list_scenarios(connection())
    rows = json.loads(frame.to_json(orient="records", date_format="iso", default_handler=str))
    return [{**r, "href": url_for("api.scenario", name=r["name"])} for r in rows]


def scenario_result(name: str):
    """A scenario evaluated for the viewer (assumptions, schedules, totals); an unknown name is
    a 404 (:class:`~estate.errors.NotFoundError`)."""
    from sqlalchemy.orm import Session

    from estate.analysis.scenarios import evaluate

    with Session(bind=connection()) as session:
        return evaluate(session, name, viewer())
