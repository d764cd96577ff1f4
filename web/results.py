"""The analyses' results as the web serves them: computed once per data version and
viewer and kept in the app's result cache, shared by the API, the pages and the
downloads (so none of them imports another's helpers)."""

from __future__ import annotations

import json

from flask import url_for

from estate.web.auth import viewer
from estate.web.cache import computed, version
from estate.web.state import connection, state


def colocation_result(distance: float, bodies: list[str] | None):
    """The co-location analysis at this distance for these bodies, as the viewer may see it:
    computed once per data version and kept in the result cache."""
    from estate.analysis.colocation import colocation

    settings = state().settings
    who = viewer()
    key = (version(), "colocation", who.key, distance, tuple(bodies or ()))
    return computed(
        key,
        lambda: colocation(connection(), distance, settings.nia_per_fte_m2, bodies, viewer=who),
    )


def candidates_result(distance: float, min_score: int, bodies: list[str] | None):
    """The disposal candidates at this distance and minimum score for these bodies, as the viewer
    may see them; cached like :func:`colocation_result`."""
    from estate.analysis.disposal import disposal_candidates

    settings = state().settings
    who = viewer()
    key = (version(), "disposals", who.key, distance, min_score, tuple(bodies or ()))
    return computed(
        key,
        lambda: disposal_candidates(
            connection(),
            settings.nia_per_fte_m2,
            distance,
            None,
            min_score,
            bodies=bodies,
            viewer=who,
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
