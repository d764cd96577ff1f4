"""What a map or API query asks for: a box and a filter of assets, checked here.

Boxes (:class:`Bbox`) and filters (:class:`AssetFilter`) check their values where they
are made, so the web, the OGC API and any other caller refuse the same bad input with
the same words (:class:`BadQuery`, which the web answers with 400).

An :class:`AssetFilter` is the one definition of which assets a filter keeps. Queries
built with SQLAlchemy compose its :meth:`~AssetFilter.clauses`; the map's hand-written
SQL (:mod:`estate.mapfeatures`, :mod:`estate.mapsummary`) takes the same clauses
rendered once as a fragment (:meth:`~AssetFilter.sql`); the in-memory point index
(:mod:`estate.pointindex`) reads the same :meth:`~AssetFilter.wanted` codes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, FromClause, and_, any_, bindparam, or_
from sqlalchemy.dialects import postgresql

from estate.crs import STORAGE_SRID
from estate.errors import EstateError
from estate.models import Asset, Organisation
from estate.vocab import CONDITION, STATUS, TENURE, USE_CLASS, Vocabulary


class BadQuery(EstateError):
    """A query parameter that cannot be right (the web answers 400 with this text)."""


@dataclass(frozen=True)
class Bbox:
    """A box in WGS84 degrees: west, south, east, north (OGC API order)."""

    west: float
    south: float
    east: float
    north: float

    @classmethod
    def parse(cls, raw: str) -> Bbox:
        """``minlon,minlat,maxlon,maxlat``, refused with a reason when it cannot be a box."""
        parts = raw.split(",")
        if len(parts) != 4:
            raise BadQuery(f"bbox needs 4 numbers, minlon,minlat,maxlon,maxlat; got {raw!r}")
        try:
            w, s, e, n = (float(p) for p in parts)
        except ValueError:
            raise BadQuery(f"bbox has a value that is not a number: {raw!r}") from None
        if not all(math.isfinite(v) for v in (w, s, e, n)):
            raise BadQuery(f"bbox values must be finite: {raw!r}")
        if not (-180 <= w <= 180 and -180 <= e <= 180 and -90 <= s <= 90 and -90 <= n <= 90):
            raise BadQuery(f"bbox is outside -180..180 longitude, -90..90 latitude: {raw!r}")
        if w >= e or s >= n:
            raise BadQuery(f"bbox minimum must be below its maximum: {raw!r}")
        return cls(w, s, e, n)

    @property
    def outside_grid(self) -> bool:
        """True when no part of the box lies in British National Grid's area of use."""
        p = self.params()
        return p["w"] >= p["e"] or p["s"] >= p["n"]

    def params(self) -> dict[str, float]:
        """The box's corners as the parameters of :data:`BOX_SQL`."""
        # Clipped to the grid's own area of use: transforming the whole world to
        # British National Grid gives nonsense far outside it.
        return {
            "w": max(self.west, -9.01),
            "s": max(self.south, 49.75),
            "e": min(self.east, 2.01),
            "n": min(self.north, 61.01),
        }


# The box in the storage CRS. Densified first, so its curved edges in BNG are kept.
BOX_SQL = (
    f"ST_Transform(ST_Segmentize(ST_MakeEnvelope(:w, :s, :e, :n, 4326), 0.05), {STORAGE_SRID})"
)


def checked_words(vocab: Vocabulary, values: Sequence[str], what: str) -> tuple[str, ...]:
    """``values`` if each is a code of ``vocab`` or "unknown", else a :class:`BadQuery`
    naming the first stranger and the words allowed."""
    known = set(vocab.codes)
    bad = [v for v in values if v not in known and v != "unknown"]
    if bad:
        raise BadQuery(f"unknown {what} {bad[0]!r}; one of: {', '.join(vocab.codes)}, unknown")
    return tuple(values)


# The names the map's SQL gives the tables it filters: ``assets a JOIN organisations o``
# (``a`` may be the viewer's view of the assets: it has the same columns).
ASSETS = Asset.__table__.alias("a")
ORGANISATIONS = Organisation.__table__.alias("o")

# The filter's fields: (attribute of the filter, asset column, query parameter).
FIELDS = (
    ("uses", "use_class", "use"),
    ("tenures", "tenure", "tenure"),
    ("statuses", "status", "status"),
    ("conditions", "condition", "condition"),
)
FILTERED_COLUMNS = tuple(column for _, column, _ in FIELDS)
VOCABULARIES = {"use": USE_CLASS, "tenure": TENURE, "status": STATUS, "condition": CONDITION}


@dataclass(frozen=True)
class AssetFilter:
    """Which assets to show: by body (organisation code or kind), use, tenure, status,
    condition (each a list; 'unknown' matches an empty value), and free text."""

    bodies: tuple[str, ...] = ()
    uses: tuple[str, ...] = ()
    tenures: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()

    @classmethod
    def of(cls, args: Mapping[str, str]) -> AssetFilter:
        """From query parameters: ``body``, ``use``, ``tenure``, ``status``, ``condition``,
        each comma-separated."""

        def listed(name: str) -> tuple[str, ...]:
            raw = args.get(name) or ""
            return tuple(v.strip() for v in raw.split(",") if v.strip())

        return cls(
            bodies=listed("body"),
            **{
                attribute: checked_words(VOCABULARIES[param], listed(param), param)
                for attribute, _, param in FIELDS
            },
        )

    def with_bodies(self, *bodies: str) -> AssetFilter:
        """The same filter for other bodies (an OGC collection of one body's assets)."""
        return replace(self, bodies=tuple(bodies))

    def wanted(self) -> dict[str, tuple[tuple[str, ...], bool]]:
        """For each asset column the filter narrows: the codes it keeps, and whether it
        keeps an empty value too ("unknown" asked for)."""
        found = {}
        for attribute, column, _ in FIELDS:
            values: tuple[str, ...] = getattr(self, attribute)
            if values:
                found[column] = (tuple(v for v in values if v != "unknown"), "unknown" in values)
        return found

    def clauses(
        self, assets: FromClause = ASSETS, organisations: FromClause = ORGANISATIONS
    ) -> list[ColumnElement[bool]]:
        """The filter as SQLAlchemy conditions on ``assets`` and ``organisations``, to
        compose into a query that joins the two (``.where(*flt.clauses(...))``)."""
        return _clauses(self._shape(), assets, organisations, self.params())

    def sql(self) -> tuple[str, dict[str, Any]]:
        """The same conditions as a WHERE fragment on ``assets a JOIN organisations o``,
        and its parameters, for the map's hand-written SQL ("TRUE" when it keeps all)."""
        return _fragment(self._shape()), self.params()

    def params(self) -> dict[str, Any]:
        """The values of the conditions' parameters, by name."""
        params: dict[str, Any] = {}
        if self.bodies:
            params["f_bodies"] = list(self.bodies)
        for column, (codes, _) in self.wanted().items():
            params[f"f_{column}"] = list(codes)
        return params

    def _shape(self) -> tuple[bool, tuple[tuple[str, bool], ...]]:
        # What the SQL depends on (not the codes themselves): so it is rendered once.
        wanted = self.wanted()
        return bool(self.bodies), tuple((c, empty) for c, (_, empty) in wanted.items())


def _clauses(
    shape: tuple[bool, tuple[tuple[str, bool], ...]],
    assets: FromClause,
    organisations: FromClause,
    values: Mapping[str, Any] | None,
) -> list[ColumnElement[bool]]:
    """The conditions of a filter of ``shape``, with ``values`` bound (None: named
    parameters only, to render as text)."""

    def param(name: str) -> Any:
        return bindparam(name) if values is None else bindparam(name, values[name])

    bodies, columns = shape
    found: list[ColumnElement[bool]] = []
    if bodies:
        wanted = param("f_bodies")
        found.append(
            or_(organisations.c.code == any_(wanted), organisations.c.kind == any_(wanted))
        )
    for column, empty in columns:
        test = assets.c[column] == any_(param(f"f_{column}"))
        found.append(or_(test, assets.c[column].is_(None)) if empty else test)
    return found


# Rendered with named parameters (``:f_bodies``), as text() takes them.
_DIALECT = postgresql.dialect(paramstyle="named")


@lru_cache(maxsize=256)
def _fragment(shape: tuple[bool, tuple[tuple[str, bool], ...]]) -> str:
    found = _clauses(shape, ASSETS, ORGANISATIONS, None)
    if not found:
        return "TRUE"
    # In brackets: callers add "AND ..." to it, and a lone OR must stay one condition.
    return f"({and_(*found).compile(dialect=_DIALECT)})"
