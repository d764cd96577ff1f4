"""How the pages show things to people: the bodies' colours, the filterable words and
the navigation.

Registered on the application by :func:`init_app`, so every template has the same
``nav`` and ``account``, and the plain-word filters of :mod:`estate.web.filters`
(``label``, ``body_name``, ``day``, ``when``, ``change``).
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from estate.vocab import BODY_KIND, CONDITION, STATUS, TENURE, USE_CLASS
from estate.web.auth import current_account

# Colours of the four kinds of body (a second body of the same kind takes the next
# shade), chosen to stay apart for colour-blind readers and on a grey boundary map.
KIND_COLOURS = {
    "council": ["#1b7837", "#5aae61", "#00441b", "#a6dba0"],
    "nhs": ["#005eb8", "#41b6e6", "#003087", "#768692"],
    "police": ["#6a3d9a", "#9e79c9", "#3f007d", "#c2a5cf"],
    "fire": ["#d7301f", "#fc8d59", "#990000", "#fdbb84"],
    "other": ["#8c6d31", "#bd9e39", "#636363", "#e7cb94"],
}

NAV = [
    ("map.index", "Map"),
    ("analysis.colocation", "Co-location"),
    ("analysis.disposals", "Disposals"),
    ("places.radar", "Lease radar"),
    ("scenarios.index", "Scenarios"),
    ("club.index", "Property club"),
    ("analysis.quality", "Data quality"),
    ("downloads.index", "Downloads"),
    ("api.index", "API"),
]


def init_app(app: Flask) -> None:
    """The template filters and globals every page uses."""
    app.context_processor(page_globals)
    # Plain words for codes, bodies, dates and the audit trail: estate.web.filters.
    from estate.web import filters

    app.register_blueprint(filters.bp)


def page_globals() -> dict[str, Any]:
    """What every page's layout needs: the navigation and who is signed in."""
    return {"nav": NAV, "account": current_account()}


def body_styles(bodies: list[dict]) -> list[dict]:
    """Each body with its colour: the kind's colour, the next shade for a second body
    of the same kind."""
    seen: dict[str, int] = {}
    styled = []
    for body in bodies:
        kind = body["kind"] if body["kind"] in KIND_COLOURS else "other"
        shades = KIND_COLOURS[kind]
        colour = shades[seen.get(kind, 0) % len(shades)]
        seen[kind] = seen.get(kind, 0) + 1
        styled.append({**body, "colour": colour, "kind_label": BODY_KIND.words.get(kind, kind)})
    return styled


def vocabularies() -> dict[str, list[tuple[str, str]]]:
    """The filterable fields and their words, for forms and the map's filter panel."""
    return {
        "use": list(USE_CLASS.words.items()),
        "tenure": list(TENURE.words.items()),
        "status": list(STATUS.words.items()),
        "condition": list(CONDITION.words.items()),
    }
