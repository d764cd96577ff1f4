"""Source formats: one adapter a publisher's layout, behind one contract (``base.Source``).

``SOURCES`` is a plain registry of name -> adapter. :func:`detect` picks the
adapter whose headers fit a file best when the user does not say.
"""

from __future__ import annotations

from estate.errors import EstateError
from estate.etl.read import Table
from estate.etl.sources.base import Source, SourceError
from estate.etl.sources.fire import FireAssetsSource, FireStationsSource
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
    try:
        return SOURCES[name]
    except KeyError:
        raise EstateError(
            f"unknown format {name!r}; the formats are: {', '.join(sorted(SOURCES))}"
        ) from None


def detect(table: Table) -> Source:
    """The adapter that fits a table's headers best, or an error listing what was tried."""
    scored = sorted(((s.score(table), s.name) for s in SOURCES.values()), reverse=True)
    best_score, best = scored[0]
    if best_score <= 0:
        raise SourceError(
            f"{table.source}: cannot tell what kind of file this is from its columns "
            f"({', '.join(' '.join(str(c).split()) for c in table.columns_raw[:12])}); "
            "name the format with --format "
            f"({', '.join(sorted(SOURCES))}) or describe the columns in a --mapping file"
        )
    return SOURCES[best]


__all__ = ["SOURCES", "Source", "SourceError", "detect", "get_source"]
