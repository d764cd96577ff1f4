"""Source formats: one adapter a publisher's layout, behind one contract (``base.Source``).

``SOURCES`` is a plain registry of name -> adapter. :func:`detect` picks the
adapter whose headers fit a file best when the user does not say.
"""

from __future__ import annotations

from estate.errors import EstateError
from estate.etl.read import Table
from estate.etl.sources.base import Source, SourceError
from estate.etl.sources.fire import FireAssetsSource, FireStationsSource
from estate.etl.sources.generic import GenericSource
from estate.etl.sources.nhs import EricSource
from estate.etl.sources.partnership import PartnershipSource
from estate.etl.sources.police import PoliceSource
from estate.etl.sources.transparency import TransparencySource

SOURCES: dict[str, Source] = {
    source.name: source
    for source in (
        TransparencySource(),
        EricSource(),
        PoliceSource(),
        FireAssetsSource(),
        FireStationsSource(),
        PartnershipSource(),
    )
}


def get_source(name: str) -> Source:
    """The adapter named by ``--format``; an unknown name is an error listing the formats."""
    if name == GenericSource.name:
        return GenericSource()
    try:
        return SOURCES[name]
    except KeyError:
        raise EstateError(
            f"unknown format {name!r}; the formats are: "
            f"{', '.join(sorted([*SOURCES, GenericSource.name]))}"
        ) from None


def detect(table: Table) -> Source:
    """The preset whose headers fit a table best; else the recogniser alone
    (:class:`GenericSource`), which refuses the table only when nothing in it tells one
    record from another."""
    scored = sorted(((s.score(table), s.name) for s in SOURCES.values()), reverse=True)
    best_score, best = scored[0]
    if best_score > 0:
        return SOURCES[best]
    generic = GenericSource()
    generic.check(table, generic.recognition(table).fields)
    return generic


__all__ = ["SOURCES", "GenericSource", "Source", "SourceError", "detect", "get_source"]
