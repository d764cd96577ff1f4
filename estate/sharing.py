"""What each body sees of the others' assets: the partners' protocol, in SQL.

Every read of assets for a person goes through :meth:`Viewer.assets_sql`, a subquery
with the columns of ``assets`` where

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

from estate.crs import STORAGE_SRID
from estate.models import Need, Offer

# Columns of ``assets`` in the order the subquery gives them.
ASSET_COLUMNS = (
    "source_ref", "uprn", "uprn_number", "name", "address", "town", "postcode",
    "use_class", "use_raw", "tenure", "tenure_raw", "occupancy", "occupancy_raw", "holding",
    "holding_raw", "status", "condition", "listed_grade", "energy_rating", "sensitive",
    "geom", "footprint", "location_method", "quality_flags", "gia_m2", "nia_m2",
    "site_area_m2", "workstations", "occupants_fte", "rent", "rates", "fm_cost",
    "energy_cost", "maintenance_cost", "backlog_cost", "valuation", "valuation_basis",
    "valuation_date", "lease_end", "lease_break", "effective_date", "load_batch_id",
    "source_file", "source_row", "record_hash", "extra", "edited", "created_at", "updated_at",
)  # fmt: skip

# Always shown, whoever owns the asset: what the map needs to place, colour and filter it.
ALWAYS = ("use_class", "status", "sensitive", "geom", "location_method", "quality_flags")

# What a sensitive asset of another body keeps besides :data:`ALWAYS`.
SENSITIVE_KEEPS = ("gia_m2", "nia_m2")

# Fields a partnership may choose to share (``ESTATE_SHARED_FIELDS``).
SHAREABLE = tuple(
    c
    for c in ASSET_COLUMNS
    if c not in ALWAYS and c not in ("record_hash", "edited", "created_at", "updated_at")
)

SENSITIVE_NAME = "Sensitive site"

_CLUB_TABLES = {"club_needs": Need.__table__, "club_offers": Offer.__table__}
GENERALISED_FLAG = "generalised"

# Empty values written without braces: the subquery also goes through psycopg's
# ``sql.SQL.format`` (COPY reads), where braces are placeholders.
_EMPTY = {
    "quality_flags": "ARRAY[]::text[]",
    "extra": "jsonb_build_object()",
    "edited": "jsonb_build_object()",
}


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

    def assets_sql(self) -> str:
        """A subquery to use in place of ``assets`` (``FROM {viewer.assets_sql()} a``)."""
        if self.everything:
            return "(SELECT assets.*, assets.geom AS raw_geom FROM assets)"
        org = "NULL" if self.organisation_id is None else str(int(self.organisation_id))
        other = f"a.organisation_id IS DISTINCT FROM {org}"
        hidden = f"(a.sensitive AND {other})"
        shared = set(SHAREABLE if self.shared_fields is None else self.shared_fields)
        columns = ["a.id", "a.organisation_id"]
        for column in ASSET_COLUMNS:
            if column == "geom":
                value = f"CASE WHEN {hidden} THEN {self.centre_sql('a.geom')} ELSE a.geom END"
            elif column == "name":
                value = f"CASE WHEN {hidden} THEN '{SENSITIVE_NAME}' ELSE a.name END"
                if "name" not in shared:
                    value = f"CASE WHEN {other} AND NOT a.sensitive THEN NULL ELSE {value} END"
            elif column == "quality_flags":
                # A generalised point is no site's real place: the analyses leave it out
                # as they leave out points shared by several records.
                value = (
                    f"CASE WHEN {hidden} THEN ARRAY['{GENERALISED_FLAG}', 'probable_centroid']"
                    " ELSE a.quality_flags END"
                )
            elif column == "location_method":
                value = f"CASE WHEN {hidden} THEN 'generalised' ELSE a.location_method END"
            elif column in ALWAYS:
                value = f"a.{column}"
            else:
                empty = _EMPTY.get(column, "NULL")
                if column == "edited":
                    value = f"CASE WHEN {other} THEN {empty} ELSE a.edited END"
                elif column in SENSITIVE_KEEPS and column in shared:
                    value = f"a.{column}"
                elif column in shared or column in ("created_at", "updated_at"):
                    value = f"CASE WHEN {hidden} THEN {empty} ELSE a.{column} END"
                else:
                    value = f"CASE WHEN {other} THEN {empty} ELSE a.{column} END"
            columns.append(f"{value} AS {column}")
        columns.append("a.geom AS raw_geom")
        return f"(SELECT {', '.join(columns)} FROM assets a)"

    def centre_sql(self, geom: str) -> str:
        """The centre of the ``cell_m`` square holding the point ``geom``: the only place
        another body is shown of a sensitive site."""
        cell = float(self.cell_m)
        return (
            f"ST_SetSRID(ST_MakePoint((floor(ST_X({geom}) / {cell}) + 0.5) * {cell},"
            f" (floor(ST_Y({geom}) / {cell}) + 0.5) * {cell}), {STORAGE_SRID})"
        )

    def club_sql(self, table: str) -> str:
        """``club_needs`` or ``club_offers`` as this viewer may see them, a subquery to use
        in place of the table (``FROM {viewer.club_sql("club_offers")} f``).

        A post placed at one of its body's assets follows that asset's sharing *now*, not
        when it was posted: while the asset is sensitive, another body sees the post's
        body, use, area, dates and status, its point at the centre of its cell (so match
        distances are measured from there too), its title as "Sensitive site", and no
        notes or asset. Marking the asset sensitive, or no longer, changes every route
        at once, because nothing about it is stored with the post.
        """
        columns = [c.name for c in _CLUB_TABLES[table].columns]
        if self.everything:
            return f"(SELECT {', '.join(f'p.{c}' for c in columns)} FROM {table} p)"
        org = "NULL" if self.organisation_id is None else str(int(self.organisation_id))
        hidden = (
            f"(p.organisation_id IS DISTINCT FROM {org} AND EXISTS ("
            "SELECT 1 FROM assets s WHERE s.id = p.asset_id AND s.sensitive))"
        )
        hide = {
            "geom": self.centre_sql("p.geom"),
            "title": f"'{SENSITIVE_NAME}'",
            "notes": "NULL",
            "asset_id": "NULL",
        }
        values = [
            f"CASE WHEN {hidden} THEN {hide[c]} ELSE p.{c} END AS {c}" if c in hide else f"p.{c}"
            for c in columns
        ]
        return f"(SELECT {', '.join(values)} FROM {table} p)"

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
