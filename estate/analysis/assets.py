"""The asset rows the analysis works on, read once, with the measures it derives.

Derived measures (and the assumptions behind them, stated once here):

* ``usable_m2``: net internal area, or 80% of gross internal area where only GIA is
  known (the usual net-to-gross ratio of public offices; ERIC returns give GIA only).
* ``need_m2``: the space the occupants need, FTE times the NIA-per-FTE target.
* ``spare_m2``: usable area less that need, never below zero; the whole usable
  area when the asset is vacant; unknown when its occupants are unknown.
* ``can_move``: occupants could move out (the use is not tied to its site; see
  ``TIED_USES``); ``can_receive``: the building could take others' occupants (it has
  floor space others can use, is open to them, is neither surplus nor in disposal
  and is not sensitive; see ``NO_SPACE_USES`` and ``CLOSED_USES``); spare space is
  counted only where it can.
* ``running_cost``: rent, rates, FM, energy and maintenance a year (missing heads as
  nothing; unknown when all are missing).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import shapely
from sqlalchemy import (
    ColumnElement,
    Connection,
    FromClause,
    Numeric,
    func,
    literal,
    select,
    table,
)
from sqlalchemy import column as named_column

from estate.analysis.frames import copy_frame
from estate.clipping import clipped_sql
from estate.models import Organisation
from estate.sharing import Viewer
from estate.sqltext import to_sql

NET_TO_GROSS = 0.8

# Locations too coarse to say what stands next to what.
COARSE_METHODS = ("postcode_district", "none")
CENTROID_FLAG = "probable_centroid"

# Services tied to their site (response times, beds, pupils, pools, vehicle yards,
# heritage): their occupants do not move into a partner's spare office space, though
# the site may still be reviewed.
TIED_USES = frozenset(
    {"hospital", "school", "fire_station", "custody", "care_home", "leisure", "depot", "heritage"}
)
# Sites that cannot take in another body's staff (safeguarding, clinical, custody), or
# whose floor area per head says nothing of room for an office team (a ward, a pool
# hall, a vehicle shed, a museum gallery).
# Fire stations can: police teams share them across the country.
CLOSED_USES = frozenset(
    {"hospital", "school", "care_home", "custody", "leisure", "depot", "heritage"}
)
# Holdings with no floor space to offer anyone.
NO_SPACE_USES = frozenset(
    {"land", "open_space", "allotment", "cemetery", "car_park", "housing", "custody"}
)

# The columns read, by what they are read for: the whole register is read at once by
# COPY, so each analysis reads only what it uses (text is the costly part). Bodies are
# joined in pandas: there are tens of them, not a join per row.
COST_HEADS = ("rent", "rates", "fm_cost", "energy_cost", "maintenance_cost")


def running_cost_sql(alias: str) -> str:
    """SQL for an asset's running cost a year: its heads summed (missing ones as nothing),
    NULL when every head is missing."""
    heads = [f"{alias}.{h}" for h in COST_HEADS]
    total = " + ".join(f"coalesce({h}, 0)" for h in heads)
    return f"CASE WHEN num_nonnulls({', '.join(heads)}) > 0 THEN {total} END"


def usable_area(a: FromClause) -> ColumnElement:
    """The floor area others could use, of the assets (or an alias, or a viewer's
    subquery) ``a``: NIA, else GIA x :data:`NET_TO_GROSS` (numeric, as the columns)."""
    return func.coalesce(a.c.nia_m2, a.c.gia_m2 * literal(Decimal(str(NET_TO_GROSS)), Numeric()))


def usable_sql(alias: str) -> str:
    """:func:`usable_area` as SQL text, for the queries written in text."""
    return to_sql(usable_area(table(alias, named_column("nia_m2"), named_column("gia_m2"))))


_RUNNING_COST = running_cost_sql("a") + " AS running_cost"


def _shown(column: str) -> str:
    """A text column the analysis only shows (names, addresses, references), read cut
    to :data:`~estate.clipping.LIST_TEXT_CHARS`: a name of megabytes would stop Arrow
    reading the register and fill every list of results."""
    return f"{clipped_sql(f'a.{column}')} AS {column}"


COLOCATION = (
    "a.id",
    "a.status",
    "a.sensitive::int AS sensitive",
    "a.organisation_id AS org",
    _shown("name"),
    "ST_X(a.geom) AS x",
    "ST_Y(a.geom) AS y",
    "a.location_method",
    "({centroid} = ANY(a.quality_flags))::int AS probable_centroid",
    "a.use_class",
    "a.occupancy",
    "a.gia_m2",
    "a.nia_m2",
    "a.occupants_fte",
    _RUNNING_COST,
)
SCORING = (
    *COLOCATION,
    _shown("source_ref"),
    _shown("uprn"),
    _shown("address"),
    _shown("postcode"),
    "a.tenure",
    "a.holding",
    "a.condition",
    "a.workstations",
    "a.backlog_cost",
    "a.valuation",
    "a.lease_end",
    "a.lease_break",
)
_SELECT = "SELECT {columns} FROM {assets} a WHERE a.status <> 'disposed'"


_TYPES = {
    "id": pa.int64(),
    "org": pa.int64(),
    "x": pa.float64(),
    "y": pa.float64(),
    "gia_m2": pa.float64(),
    "nia_m2": pa.float64(),
    "workstations": pa.float64(),
    "occupants_fte": pa.float64(),
    "running_cost": pa.float64(),
    "backlog_cost": pa.float64(),
    "valuation": pa.float64(),
    "lease_end": pa.date32(),
    "lease_break": pa.date32(),
    "probable_centroid": pa.int8(),
    "sensitive": pa.int8(),
    **{
        c: pa.dictionary(pa.int32(), pa.string())
        for c in (
            "use_class",
            "occupancy",
            "location_method",
            "status",
            "holding",
            "condition",
            "tenure",
        )
    },
    **{c: pa.string() for c in ("source_ref", "uprn", "name", "address", "town", "postcode")},
}


def read_assets(
    conn: Connection,
    nia_per_fte_m2: float,
    bodies: Sequence[str] | None = None,
    within: shapely.Geometry | None = None,
    columns: Sequence[str] = SCORING,
    viewer: Viewer | None = None,
    where: str = "",
    where_params: dict | None = None,
) -> pd.DataFrame:
    """Every asset not yet disposed, with its body and the derived measures; ``bodies``
    (organisation codes or body kinds) and ``within`` (a polygon in the storage CRS)
    narrow it; ``columns`` says what to read (:data:`COLOCATION`, or :data:`SCORING` for
    everything the disposal scoring and its reports use). ``viewer`` reads the register
    as that body sees it (:mod:`estate.sharing`; other bodies' sensitive sites generalised
    and left out of the spatial analyses); None reads it whole. ``where`` narrows the rows
    read in the database (SQL on ``a``, ``{name}`` placeholders for ``where_params``), for
    an analysis that needs only some (the lease radar)."""
    source = (viewer or Viewer.operator()).assets_sql()
    query = _SELECT.replace("{columns}", ", ".join(columns)).replace("{assets}", source)
    frame = copy_frame(
        conn,
        query + (f" AND ({where})" if where else ""),
        {"centroid": CENTROID_FLAG, **(where_params or {})},
        _TYPES,
        split="id",
    )
    o = Organisation.__table__
    orgs = pd.read_sql(
        select(o.c.id.label("org"), o.c.code.label("body"), o.c.kind, o.c.name.label("body_name"))
        .order_by(o.c.id),
        conn,
    )  # fmt: skip
    # Bodies as categoricals: tens of distinct values over up to millions of rows.
    row = np.searchsorted(orgs["org"].to_numpy(), frame["org"].to_numpy())
    for column in ("body", "kind", "body_name"):
        categories, inverse = np.unique(orgs[column].to_numpy(dtype=str), return_inverse=True)
        frame[column] = pd.Categorical.from_codes(inverse[row], categories=categories)
    frame["probable_centroid"] = frame["probable_centroid"].fillna(0).astype(bool)
    if "sensitive" in frame.columns:
        frame["sensitive"] = frame["sensitive"].fillna(0).astype(bool)
    if bodies:
        frame = frame[of_bodies(frame, bodies)]
    if within is not None:
        inside = shapely.contains_xy(within, frame["x"].to_numpy(), frame["y"].to_numpy())
        frame = frame[inside]
    return derive(frame.reset_index(drop=True), nia_per_fte_m2)


def of_bodies(frame: pd.DataFrame, bodies: Sequence[str]) -> np.ndarray:
    """Rows of the bodies named by organisation code or body kind (case ignored)."""
    wanted = {b.lower() for b in bodies}
    return (frame["body"].str.lower().isin(wanted) | frame["kind"].isin(wanted)).to_numpy()


def derive(frame: pd.DataFrame, nia_per_fte_m2: float) -> pd.DataFrame:
    """Add usable, needed and spare space (see the module's notes)."""
    nia = frame["nia_m2"].to_numpy(dtype=float)
    gia = frame["gia_m2"].to_numpy(dtype=float)
    usable = np.where(np.isnan(nia), gia * NET_TO_GROSS, nia)
    fte = frame["occupants_fte"].to_numpy(dtype=float)
    vacant = (frame["occupancy"] == "vacant").to_numpy() | (fte == 0)
    need = np.where(vacant, 0.0, fte * nia_per_fte_m2)
    spare = np.where(vacant, usable, np.clip(usable - need, 0, None))
    frame["usable_m2"] = usable
    frame["need_m2"] = need
    frame["spare_m2"] = spare
    frame["vacant"] = vacant
    use = frame["use_class"]
    frame["can_move"] = ~use.isin(TIED_USES | NO_SPACE_USES).to_numpy()
    frame["can_receive"] = ~use.isin(NO_SPACE_USES | CLOSED_USES).to_numpy()
    if "status" in frame.columns:  # surplus or in disposal: no room to offer anyone
        frame["can_receive"] &= frame["status"].isin(["operational", "under_used"]).to_numpy()
    if "sensitive" in frame.columns:
        frame["can_receive"] &= ~frame["sensitive"].to_numpy(dtype=bool)
    frame.loc[~frame["can_receive"].to_numpy(), "spare_m2"] = 0.0
    frame["locatable"] = (
        ~np.isnan(frame["x"].to_numpy(dtype=float))
        & ~frame["probable_centroid"].to_numpy()
        & ~frame["location_method"].isin(COARSE_METHODS).to_numpy()
    )
    return frame
