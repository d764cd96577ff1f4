"""The lease-event radar: every partner's lease breaks and ends in the next N months,
each with what the partnership could do instead.

A lease break is the one day a body can leave a building without paying to the end of
the term; a lease end is the day it must renew or go. Across bodies nobody sees these
dates together, so a police team renews a lease next door to a council office with room
for it. Here each event in the window (from ``as_of`` to ``as_of`` plus ``months``
calendar months, both days included) gets:

* the nearest building within the relocation distance whose spare space holds the
  occupants, and how many others would also do, found as the disposal candidates'
  receiving sites are (:func:`estate.analysis.disposal.receiving_sites`; a site on its
  way out, its own lease ending in the window included, receives nobody);
* the saving of leaving: the running cost a year, and for a break the running cost from
  the break to the lease's end (what staying would still cost).

Events come from what the viewer may see (:mod:`estate.sharing`): another body's lease
dates appear only where the partnership shares them, and another body's sensitive site
never, nor is it offered as a place to go.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import BigInteger, Connection, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY

from estate.analysis.assets import CLOSED_USES, COLOCATION, NO_SPACE_USES, read_assets
from estate.analysis.disposal import receiving_sites
from estate.clipping import clipped
from estate.display import show_number
from estate.sharing import Viewer

WINDOW_MONTHS = 24
# What the radar reads of every row it reads: no names (text is the costly part of a read
# at a region's scale); the few it shows are read after, by id (:func:`_named`).
RADAR_READ = (
    *(c for c in COLOCATION if not c.endswith(" AS name")),
    "a.tenure",
    "a.condition",
    "a.lease_break",
    "a.lease_end",
)
# The rows worth reading: a lease event in the window, or a building that could take
# others in (see :func:`on_the_way_out` and :func:`estate.analysis.assets.derive`, which
# decide in full on what is read). At a region's scale this halves the read.
RADAR_ROWS = (
    "a.lease_break BETWEEN {start} AND {until} OR a.lease_end BETWEEN {start} AND {until}"
    " OR (a.geom IS NOT NULL AND NOT a.sensitive AND a.status IN ('operational', 'under_used')"
    " AND coalesce(a.use_class, '') NOT IN ({closed})"
    " AND a.occupancy IS DISTINCT FROM 'vacant' AND a.condition IS DISTINCT FROM 'D')"
)

EVENT_COLUMNS = [
    "id",
    "body",
    "name",
    "use_class",
    "tenure",
    "event",
    "date",
    "days_away",
    "lease_end",
    "occupants_fte",
    "need_m2",
    "running_cost",
    "saving_to_end",
    "receiving_id",
    "receiving_body",
    "receiving_name",
    "receiving_distance_m",
    "receiving_spare_m2",
    "other_fits",
    "note",
    "x",
    "y",
]


@dataclass(frozen=True)
class Radar:
    """The events in the window, soonest first, and the window itself."""

    events: pd.DataFrame
    as_of: dt.date
    until: dt.date
    months: int
    relocation_distance_m: float


def window_end(as_of: dt.date, months: int) -> dt.date:
    """The last day of the window: ``as_of`` plus ``months`` calendar months (the 31st
    of a month without one is its last day, as ``pandas.DateOffset`` does)."""
    return (pd.Timestamp(as_of) + pd.DateOffset(months=months)).date()


def on_the_way_out(assets: pd.DataFrame, as_of: dt.date, until: dt.date) -> np.ndarray:
    """Sites that receive nobody, as the disposal scoring marks them: vacant, recorded
    surplus or in disposal, condition D, or a lease break or end in the window."""
    out = assets["vacant"].to_numpy(dtype=bool) | (assets["occupancy"] == "vacant").to_numpy()
    out |= assets["status"].isin(["surplus", "in_disposal"]).to_numpy()
    out |= (assets["condition"] == "D").to_numpy()
    for column in ("lease_break", "lease_end"):
        when = pd.to_datetime(assets[column])
        out |= ((when >= pd.Timestamp(as_of)) & (when <= pd.Timestamp(until))).to_numpy()
    return out


def lease_radar(
    conn: Connection,
    nia_per_fte_m2: float,
    relocation_distance_m: float,
    months: int = WINDOW_MONTHS,
    as_of: dt.date | None = None,
    viewer: Viewer | None = None,
) -> Radar:
    """The radar over the register as ``viewer`` sees it (everything when None)."""
    as_of = as_of or dt.date.today()
    closed = ", ".join(f"'{u}'" for u in sorted(NO_SPACE_USES | CLOSED_USES))
    assets = read_assets(
        conn,
        nia_per_fte_m2,
        columns=RADAR_READ,
        viewer=viewer,
        where=RADAR_ROWS.replace("{closed}", closed),
        where_params={"start": as_of, "until": window_end(as_of, months)},
    )
    assets["name"] = pd.Series(None, index=assets.index, dtype=object)
    radar = find_events(assets, relocation_distance_m, months, as_of)
    return _named(conn, radar, viewer or Viewer.operator())


def _named(conn: Connection, radar: Radar, viewer: Viewer) -> Radar:
    """The radar with the names of its events' assets and of where they could go, read
    by id as ``viewer`` sees them (cut as every list cuts them)."""
    events = radar.events
    ids = {int(i) for i in events["id"]} | {int(i) for i in events["receiving_id"].dropna()}
    if not ids:
        return radar
    a = viewer.assets_table("a")
    # One array parameter, not thousands of literals: the planner takes it to the index.
    wanted = bindparam("ids", sorted(ids), type_=ARRAY(BigInteger))
    names = dict(conn.execute(select(a.c.id, a.c.name).where(a.c.id == any_(wanted))).all())
    named = {i: clipped(n) for i, n in names.items()}
    events = events.assign(
        name=[named.get(int(i)) for i in events["id"]],
        receiving_name=[None if pd.isna(i) else named.get(int(i)) for i in events["receiving_id"]],
    )
    return dataclasses.replace(radar, events=events)


def find_events(
    assets: pd.DataFrame, relocation_distance_m: float, months: int, as_of: dt.date
) -> Radar:
    """The radar on a frame of :func:`~estate.analysis.assets.read_assets` rows."""
    until = window_end(as_of, months)
    start, stop = pd.Timestamp(as_of), pd.Timestamp(until)
    pieces = []
    for column, word in (("lease_break", "break"), ("lease_end", "end")):
        when = pd.to_datetime(assets[column])
        inside = ((when >= start) & (when <= stop)).to_numpy()
        if inside.any():
            rows = assets.iloc[np.flatnonzero(inside)]
            pieces.append(rows.assign(event=word, date=when.to_numpy()[inside]))
    if not pieces:
        return Radar(pd.DataFrame(columns=EVENT_COLUMNS), as_of, until, months,
                     relocation_distance_m)  # fmt: skip
    events = pd.concat(pieces, ignore_index=True)

    receivers = assets[
        ~on_the_way_out(assets, as_of, until)
        & assets["locatable"].to_numpy()
        & (assets["spare_m2"].fillna(0) > 0).to_numpy()
    ].reset_index(drop=True)
    searchable = (events["locatable"] & events["need_m2"].gt(0) & events["can_move"]).to_numpy()
    match = receiving_sites(events[searchable], receivers, relocation_distance_m)
    events = _with_matches(events, receivers, match, relocation_distance_m)

    end = pd.to_datetime(events["lease_end"])
    years = (end - pd.to_datetime(events["date"])).dt.days / 365.25
    events["saving_to_end"] = np.where(
        (events["event"] == "break").to_numpy() & (years > 0).to_numpy(),
        (events["running_cost"] * years).round(0),
        np.nan,
    )
    events["days_away"] = (pd.to_datetime(events["date"]) - start).dt.days
    events["date"] = pd.to_datetime(events["date"]).dt.date
    events = events.sort_values(["date", "body", "id"], kind="mergesort")
    return Radar(events[EVENT_COLUMNS].reset_index(drop=True), as_of, until, months,
                 relocation_distance_m)  # fmt: skip


def _whole(values: pd.Series) -> pd.Series:
    """Numbers as whole-number text (an empty series stays text, as ``map`` would not)."""
    return pd.Series([show_number(v, 0) for v in values], index=values.index, dtype=object)


def _with_matches(
    events: pd.DataFrame, receivers: pd.DataFrame, match: pd.DataFrame, distance_m: float
) -> pd.DataFrame:
    """The events with their receiving site's columns and a note in words."""
    # Whole columns at once (a .loc assignment per column costs more than the search).
    n = len(events)
    at = np.full(n, -1, dtype=np.int64)
    rows = events.index.get_indexer(match.index)
    at[rows] = match["receiving_index"].to_numpy()
    found = at >= 0
    chosen = receivers.iloc[at[found]]

    def spread(values: np.ndarray, blank: Any, dtype: Any) -> np.ndarray:
        out = np.full(n, blank, dtype=dtype)
        out[found] = values
        return out

    events["receiving_id"] = pd.arrays.IntegerArray(
        spread(chosen["id"].to_numpy(dtype=np.int64), 0, np.int64), ~found
    )
    events["receiving_body"] = spread(chosen["body"].astype(object).to_numpy(), None, object)
    events["receiving_name"] = spread(chosen["name"].to_numpy(dtype=object), None, object)
    events["receiving_spare_m2"] = spread(chosen["spare_m2"].round(0).to_numpy(), np.nan, float)
    distance = np.full(n, np.nan)
    distance[rows] = match["receiving_distance_m"].to_numpy()
    events["receiving_distance_m"] = np.where(found, np.round(distance, 0), np.nan)
    fits = np.zeros(n, dtype=np.int64)
    fits[rows] = match["other_fits"].to_numpy()
    searched = np.zeros(n, dtype=bool)
    searched[rows] = True
    events["other_fits"] = pd.arrays.IntegerArray(np.where(found, fits, 0), ~found)
    ok = events.index[found]
    missed = events.index[searched & ~found]
    largest = pd.Series(np.nan, index=events.index)
    largest.iloc[rows] = match["largest_spare_m2"].to_numpy()
    largest = largest[missed]

    km = f"{distance_m / 1000:g} km"
    notes = pd.Series("", index=events.index, dtype=object)
    need = events["need_m2"]
    notes[ok] = "room for its occupants (" + _whole(need[ok]) + " m²) in a building within " + km
    notes[missed] = np.where(
        largest.isna(),
        f"no building with spare space within {km}",
        "no building within "
        + km
        + " has "
        + _whole(need[missed])
        + " m² spare (largest: "
        + _whole(largest.fillna(0))
        + " m²)",
    )
    nobody = (need.fillna(-1) == 0).to_numpy()
    notes[nobody] = "nobody to move: leaving saves its running cost"
    notes[need.isna().to_numpy()] = "occupants not recorded: cannot size a move"
    tied = ~events["can_move"].to_numpy() & ~nobody
    notes[tied] = "service tied to its site: renew, or move it with its site"
    unlocated = ~events["locatable"].to_numpy() & ~nobody & ~tied & need.notna().to_numpy()
    notes[unlocated] = "no reliable location: cannot search nearby"
    events["note"] = notes
    return events
