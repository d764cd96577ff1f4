"""What each body sees of the others' assets: the partners' protocol, in SQL.

Every read of assets for a person goes through :meth:`Viewer.assets_table`, a Core
subquery with the columns of ``assets`` (rendered as text by :meth:`Viewer.assets_sql`
for the hot paths that run SQL text) where

* a **sensitive** asset (a refuge, a custody suite) of another body keeps only its body,
  use, status and floor area; its point becomes the centre of a square of
  ``cell_m`` metres, and its name, address, UPRN, reference, footprint, costs and
  provenance are gone (its name reads "Sensitive site");
* any other asset of another body shows only the **shared fields** the partnership chose
  (``ESTATE_SHARED_FIELDS``), plus what the map needs to draw it;
* the owner's own assets are whole.

Because the rows are formed in the database, a route cannot leak what it never receives:
the map, the box API, the OGC API, search, summaries, analyses and exports all select
from this subquery. The real point is kept as ``raw_geom`` for one purpose only, to let a
box query use the spatial index (``a.raw_geom && ST_Expand(box, cell)``) before it tests
the generalised point; no route selects it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    Subquery,
    Table,
    Text,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    not_,
    null,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import ARRAY, array

from estate.crs import STORAGE_SRID
from estate.current import is_current
from estate.models import Asset, Need, Offer
from estate.sqltext import to_sql

_ASSETS: Table = Asset.__table__  # type: ignore[assignment]
_CLUB_TABLES: dict[str, Table] = {
    "club_needs": Need.__table__,  # type: ignore[dict-item]
    "club_offers": Offer.__table__,  # type: ignore[dict-item]
}

# Columns of ``assets`` in the order the subquery gives them (after ``id`` and
# ``organisation_id``, which every viewer sees), from the model.
ASSET_COLUMNS = tuple(c.name for c in _ASSETS.columns if c.name not in ("id", "organisation_id"))

# Always shown, whoever owns the asset: what the map needs to place, colour and filter it,
# and whether (and why) its body's newer register retired it.
ALWAYS = ("use_class", "status", "sensitive", "geom", "location_method", "quality_flags",
          "retired_at", "retired_reason")  # fmt: skip

# What a sensitive asset of another body keeps besides :data:`ALWAYS`.
SENSITIVE_KEEPS = ("gia_m2", "nia_m2")

# Fields a partnership may choose to share (``ESTATE_SHARED_FIELDS``).
SHAREABLE = tuple(
    c
    for c in ASSET_COLUMNS
    if c not in ALWAYS and c not in ("record_hash", "edited", "created_at", "updated_at")
)

SENSITIVE_NAME = "Sensitive site"

GENERALISED_FLAG = "generalised"


def _empty(column: str) -> ColumnElement:
    """What a column hidden from a viewer holds: an empty object for the JSON columns
    (written ``jsonb_build_object()``, without braces: the rendered subquery also goes
    through psycopg's ``sql.SQL.format`` in COPY reads, where braces are placeholders),
    NULL for the rest."""
    if column in ("extra", "edited"):
        return func.jsonb_build_object()
    return null()


# A viewer's subqueries are built (and rendered) once: there are a few viewers (one per
# body, the public, the operator), and building the assets one, fifty columns deep, costs
# more than the queries on it.


def _select(viewer: Viewer, table: str) -> Select:
    if table == "assets":
        return viewer.assets_select()
    if table == WITH_RETIRED:
        return viewer.assets_select(with_retired=True)
    return viewer.club_select(table)


WITH_RETIRED = "assets+retired"
"""The subquery key of the assets view that keeps retired assets (an asset's own page)."""


@lru_cache(maxsize=256)
def _subquery(viewer: Viewer, table: str, name: str) -> Subquery:
    return _select(viewer, table).subquery(name)


@lru_cache(maxsize=256)
def _rendered(viewer: Viewer, table: str) -> str:
    return f"({to_sql(_select(viewer, table))})"


@dataclass(frozen=True)
class Viewer:
    """Who is looking: a body (its users), the public, or the operator (sees all).

    ``organisation_id`` None with ``everything`` False is the public read-only view:
    every body's sensitive assets generalised and only the shared fields shown.
    """

    organisation_id: int | None = None
    shared_fields: tuple[str, ...] | None = None
    cell_m: float = 1000.0
    everything: bool = False

    @classmethod
    def operator(cls) -> Viewer:
        """The command line and the server's own jobs: everything, as stored."""
        return cls(everything=True)

    @property
    def key(self) -> tuple:
        """What makes this viewer's answers differ from another's (for caches)."""
        if self.everything:
            return ("all",)
        return (self.organisation_id, self.shared_fields, self.cell_m)

    def _org(self) -> ColumnElement:
        """The viewer's body, to compare with an owner (NULL for the public)."""
        if self.organisation_id is None:
            return null()
        return literal(int(self.organisation_id), Integer)

    def assets_select(self, with_retired: bool = False) -> Select:
        """The SELECT behind :meth:`assets_table`: every column of ``assets`` as this viewer
        may see it, and the stored point as ``raw_geom``; current assets only
        (:mod:`estate.current`) unless ``with_retired``."""
        a = _ASSETS.alias("a")
        if self.everything:
            found = select(*a.c, a.c.geom.label("raw_geom"))
            return found if with_retired else found.where(is_current(a))
        other = a.c.organisation_id.is_distinct_from(self._org())
        hidden = and_(a.c.sensitive, other)
        shared = set(SHAREABLE if self.shared_fields is None else self.shared_fields)
        columns: list[ColumnElement] = [a.c.id, a.c.organisation_id]
        for column in ASSET_COLUMNS:
            stored = a.c[column]
            value: ColumnElement
            if column == "geom":
                value = case((hidden, self.centre(stored)), else_=stored)
            elif column == "name":
                value = case((hidden, literal(SENSITIVE_NAME, Text)), else_=stored)
                if "name" not in shared:
                    value = case((and_(other, not_(a.c.sensitive)), null()), else_=value)
            elif column == "quality_flags":
                # A generalised point is no site's real place: the analyses leave it out
                # as they leave out points shared by several records.
                flags = cast(array([GENERALISED_FLAG, "probable_centroid"]), ARRAY(Text))
                value = case((hidden, flags), else_=stored)
            elif column == "location_method":
                value = case((hidden, literal("generalised", Text)), else_=stored)
            elif column in ALWAYS:
                value = stored
            elif column == "edited":
                value = case((other, _empty(column)), else_=stored)
            elif column in SENSITIVE_KEEPS and column in shared:
                value = stored
            elif column in shared or column in ("created_at", "updated_at"):
                value = case((hidden, _empty(column)), else_=stored)
            else:
                value = case((other, _empty(column)), else_=stored)
            columns.append(
                value if value is stored else type_coerce(value, stored.type).label(column)
            )
        columns.append(a.c.geom.label("raw_geom"))
        seen = select(*columns)
        return seen if with_retired else seen.where(is_current(a))

    def assets_table(self, name: str = "a", with_retired: bool = False) -> Subquery:
        """``assets`` as this viewer may see them: a Core subquery to select from in place
        of the table, with the table's columns (and ``raw_geom``). Current assets only
        unless ``with_retired`` (an asset's own page, which says it was retired)."""
        return _subquery(self, WITH_RETIRED if with_retired else "assets", name)

    def assets_sql(self, with_retired: bool = False) -> str:
        """:meth:`assets_table` as text, for the hot paths that run SQL text
        (``FROM {viewer.assets_sql()} a``)."""
        return _rendered(self, WITH_RETIRED if with_retired else "assets")

    def centre(self, geom: ColumnElement) -> ColumnElement:
        """The centre of the ``cell_m`` square holding the point ``geom``: the only place
        another body is shown of a sensitive site."""
        cell = float(self.cell_m)
        return func.ST_SetSRID(
            func.ST_MakePoint(
                (func.floor(func.ST_X(geom) / cell) + 0.5) * cell,
                (func.floor(func.ST_Y(geom) / cell) + 0.5) * cell,
            ),
            STORAGE_SRID,
        )

    def club_select(self, table: str) -> Select:
        """The SELECT behind :meth:`club_table` (``table`` is ``club_needs`` or
        ``club_offers``)."""
        posts = _CLUB_TABLES[table]
        p = posts.alias("p")
        if self.everything:
            return select(*p.c)
        s = _ASSETS.alias("s")
        hidden = and_(
            p.c.organisation_id.is_distinct_from(self._org()),
            exists().where(s.c.id == p.c.asset_id, s.c.sensitive),
        )
        hide: dict[str, ColumnElement] = {
            "geom": self.centre(p.c.geom),
            "title": literal(SENSITIVE_NAME, Text),
            "notes": null(),
            "asset_id": null(),
        }
        return select(
            *(
                type_coerce(case((hidden, hide[c.name]), else_=c), c.type).label(c.name)
                if c.name in hide
                else c
                for c in p.c
            )
        )

    def club_table(self, table: str, name: str) -> Subquery:
        """``club_needs`` or ``club_offers`` as this viewer may see them, a Core subquery
        to select from in place of the table.

        A post placed at one of its body's assets follows that asset's sharing *now*, not
        when it was posted: while the asset is sensitive, another body sees the post's
        body, use, area, dates and status, its point at the centre of its cell (so match
        distances are measured from there too), its title as "Sensitive site", and no
        notes or asset. Marking the asset sensitive, or no longer, changes every route
        at once, because nothing about it is stored with the post.
        """
        return _subquery(self, table, name)

    def club_sql(self, table: str) -> str:
        """:meth:`club_table` as text, for SQL text (``FROM {viewer.club_sql(t)} f``)."""
        return _rendered(self, table)

    def near_box_sql(self, box_sql: str, alias: str = "a") -> str:
        """An index-using pre-filter for a box query on this subquery: the stored point
        within a cell of the box (the generalised point may sit up to a cell away)."""
        if self.everything:
            return "TRUE"
        # Two index scans: every point in the box, and (on the partial index of sensitive
        # assets) the few whose cell centre might fall in it from outside.
        return (
            f"({alias}.raw_geom && {box_sql} OR ({alias}.sensitive AND {alias}.raw_geom && "
            f"ST_Expand({box_sql}, {float(self.cell_m)})))"
        )

    def sees_exactly(self, organisation_id: int, sensitive: bool) -> bool:
        """Whether this viewer sees an asset of that body whole."""
        return self.everything or not sensitive or organisation_id == self.organisation_id
