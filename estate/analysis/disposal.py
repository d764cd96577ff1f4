"""Disposal candidates: assets a body could leave, with reasons, and where their
occupants could go.

Every asset is scored on what a property review looks at, each point with a reason
in words (``"under-used: 21.3 m² per FTE against a target of 8"``):

=====================================  ======  ==========================================
test                                   points  why it matters
=====================================  ======  ==========================================
vacant (occupancy or no occupants)     3       costs with no service from it
vacant land (no buildings)             2       a receipt, but no running cost to save
recorded as under-used or surplus      2       its body already says so
space per FTE over 1.25x / 1.5x target 1 / 2   space paid for and not used (offices etc.)
workstations per FTE over 1.2          1       desks nobody sits at
running cost per m² over 1.25x / 1.5x  1 / 2   against the median of its use class
condition C / D                        1 / 2   money needed to keep it open
backlog over £50 / £200 per m²         1 / 2   the same, from the backlog survey
lease break or end within the window   2       a date when leaving costs nothing
=====================================  ======  ==========================================

An asset scoring ``min_score`` or more is a candidate. Each candidate with occupants
is matched to the nearest receiving site of any partner within the relocation
distance whose spare space holds them (never a site on its way out: vacant, surplus,
in disposal, condition D, a lease ending; an under-used site may receive, since
filling it is the remedy); a candidate with none says why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree
from sqlalchemy import Connection

from estate.analysis.assets import NO_SPACE_USES, TIED_USES, of_bodies, read_assets
from estate.analysis.suitability import suitable
from estate.display import show_days, show_number
from estate.exports import Sheet
from estate.labels import sentence_labels
from estate.sharing import Viewer

LEASE_WINDOW_MONTHS = 24
MIN_SCORE = 3
NEAREST_K = 32
MEDIAN_MIN_ASSETS = 3

CANDIDATE_COLUMNS = [
    "id",
    "body",
    "kind",
    "source_ref",
    "uprn",
    "name",
    "address",
    "postcode",
    "use_class",
    "tenure",
    "status",
    "condition",
    "score",
    "reasons",
    "usable_m2",
    "occupants_fte",
    "need_m2",
    "running_cost",
    "valuation",
    "lease_break",
    "lease_end",
    "receiving_id",
    "receiving_body",
    "receiving_name",
    "receiving_distance_m",
    "receiving_spare_m2",
    "other_fits",
    "receiving_note",
    "x",
    "y",
]


@dataclass
class Disposals:
    """Candidates (highest score first), every asset's score, and the settings used."""

    candidates: pd.DataFrame
    scores: pd.DataFrame
    relocation_distance_m: float
    nia_per_fte_m2: float

    def sheets(self) -> list[Sheet]:
        """The candidates as a workbook sheet, with money and date formats and totals."""
        return [
            Sheet(
                "disposal candidates",
                self.candidates,
                money=["running_cost", "valuation"],
                dates=["lease_break", "lease_end"],
                totals=True,
                whole=True,
            )
        ]


def _money(values: pd.Series) -> pd.Series:
    return pd.Series([f"£{v:,.0f}" for v in values], index=values.index, dtype=object)


def _num(values: pd.Series, digits: int = 1) -> pd.Series:
    return pd.Series([show_number(v, digits) for v in values], index=values.index, dtype=object)


def score_assets(
    assets: pd.DataFrame,
    nia_per_fte_m2: float,
    as_of: dt.date,
    lease_window_months: int = LEASE_WINDOW_MONTHS,
) -> pd.DataFrame:
    """``score`` and ``reasons`` (``"; "``-separated) for every row of ``assets``, and
    ``leaving``: a sign that the site is on its way out (vacant, recorded surplus or in
    disposal, condition D, a lease break or end within the window). A site on its way
    out receives nobody; an under-used or costly one may: filling it is the remedy."""
    n = len(assets)
    score = np.zeros(n, dtype=int)
    leaving = np.zeros(n, dtype=bool)
    reasons = pd.Series([""] * n, index=assets.index, dtype=object)

    def add(mask: np.ndarray | pd.Series, points: int, text: pd.Series | str) -> None:
        nonlocal score
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        score = score + np.where(mask, points, 0)
        piece = text[mask] if isinstance(text, pd.Series) else text
        joined = reasons[mask].where(reasons[mask] == "", reasons[mask] + "; ")
        reasons[mask] = joined + piece

    fte = assets["occupants_fte"]
    usable = assets["usable_m2"]
    vacant = (
        assets["vacant"].to_numpy() & (usable.fillna(0) > 0).to_numpy()
        | (assets["occupancy"] == "vacant").to_numpy()
    )
    land = (assets["holding"] == "land").to_numpy() & (usable.fillna(0) <= 0).to_numpy()
    # Recorded vacant yet with occupants: taken as vacant, and the reason says so (the
    # quality report counts these records, estate.quality).
    odd = (assets["occupancy"] == "vacant").to_numpy() & (fte.fillna(0) > 0).to_numpy()
    words = "vacant (recorded vacant, yet " + _num(fte) + " FTE are recorded: check the record)"
    add(vacant & ~land, 3, words.where(odd, "vacant"))
    leaving |= vacant
    add(vacant & land, 2, "vacant land")
    recorded = assets["status"].isin(["under_used", "surplus", "in_disposal"]).to_numpy()
    leaving |= assets["status"].isin(["surplus", "in_disposal"]).to_numpy()
    add(recorded, 2, "recorded as " + sentence_labels("status", assets["status"]))

    per_fte = usable / fte.where(fte > 0)
    # Space per head says little of a fire station's appliance bays or a hospital's wards.
    office_like = pd.Series(~vacant & assets["can_move"].to_numpy(), index=assets.index)
    ratio = (per_fte / nia_per_fte_m2).where(office_like)
    text = (
        "under-used: " + _num(per_fte) + " m² per FTE against a target of " + f"{nia_per_fte_m2:g}"
    )
    add((ratio > 1.5).to_numpy(), 2, text)
    add(((ratio > 1.25) & (ratio <= 1.5)).to_numpy(), 1, text)

    desks = (assets["workstations"] / fte.where(fte > 0)).where(office_like)
    add((desks > 1.2).to_numpy(), 1, _num(desks) + " workstations per FTE")

    area = usable.where(usable > 0)
    cost_m2 = assets["running_cost"] / area
    known = cost_m2.notna() & assets["use_class"].notna()
    use = assets["use_class"].astype(object)
    counts = cost_m2.where(known).groupby(use).transform("count")
    median = cost_m2.where(known).groupby(use).transform("median")
    median = median.where(counts >= MEDIAN_MIN_ASSETS)
    rel = cost_m2 / median
    text = (
        "costly: "
        + _money(cost_m2.fillna(0))
        + "/m² a year against a median of "
        + _money(median.fillna(0))
        + " for "
        + ("its use (" + sentence_labels("use_class", use) + ")").where(use.notna(), "its use")
    )
    add((rel > 1.5).to_numpy(), 2, text)
    add(((rel > 1.25) & (rel <= 1.5)).to_numpy(), 1, text)

    add((assets["condition"] == "D").to_numpy(), 2, "condition D")
    leaving |= (assets["condition"] == "D").to_numpy()
    add((assets["condition"] == "C").to_numpy(), 1, "condition C")

    backlog_m2 = assets["backlog_cost"] / area
    text = (
        "backlog "
        + _money(assets["backlog_cost"].fillna(0))
        + " ("
        + _money(backlog_m2.fillna(0))
        + "/m²)"
    )
    add((backlog_m2 > 200).to_numpy(), 2, text)
    add(((backlog_m2 > 50) & (backlog_m2 <= 200)).to_numpy(), 1, text)

    horizon = pd.Timestamp(as_of) + pd.DateOffset(months=lease_window_months)
    today = pd.Timestamp(as_of)
    for column, word in (("lease_break", "lease break"), ("lease_end", "lease end")):
        when = pd.to_datetime(assets[column])
        soon = ((when >= today) & (when <= horizon)).to_numpy().copy()
        if column == "lease_end":
            soon &= ~(
                (pd.to_datetime(assets["lease_break"]) >= today)
                & (pd.to_datetime(assets["lease_break"]) <= horizon)
            ).to_numpy()
        leaving |= soon
        add(
            soon,
            2,
            word + " on " + show_days(when.where(soon)) + f", within {lease_window_months} months",
        )

    return pd.DataFrame(
        {"score": score, "reasons": reasons, "leaving": leaving}, index=assets.index
    )


def receiving_sites(
    candidates: pd.DataFrame,
    receivers: pd.DataFrame,
    distance_m: float,
) -> pd.DataFrame:
    """The nearest receiving site within ``distance_m`` whose spare space holds each
    candidate's need, and how many other sites would also do (counted among the
    ``NEAREST_K`` nearest, so at most ``NEAREST_K - 1``).

    A k-d tree query of the ``NEAREST_K`` nearest receivers answers almost every
    candidate at once; the few whose k nearest are all too small but within reach
    are searched again over every receiver in reach.
    """
    out = pd.DataFrame(index=candidates.index)
    out["receiving_index"] = -1
    out["receiving_distance_m"] = np.nan
    out["other_fits"] = 0
    out["largest_spare_m2"] = np.nan
    if candidates.empty or receivers.empty:
        return out
    rxy = np.column_stack([receivers["x"].to_numpy(float), receivers["y"].to_numpy(float)])
    cxy = np.column_stack([candidates["x"].to_numpy(float), candidates["y"].to_numpy(float)])
    spare = receivers["spare_m2"].to_numpy(float)
    rid = receivers["id"].to_numpy()
    need = candidates["need_m2"].to_numpy(float)
    cid = candidates["id"].to_numpy()
    tree = cKDTree(rxy)
    k = min(NEAREST_K, len(receivers))
    # query() leaves out a site at exactly the distance; query_ball_point keeps it.
    reach_m = np.nextafter(distance_m, np.inf)
    dist, idx = tree.query(cxy, k=k, distance_upper_bound=reach_m)
    dist, idx = dist.reshape(len(cxy), k), idx.reshape(len(cxy), k)
    reach = idx < len(receivers)
    safe = np.where(reach, idx, 0)
    fits = reach & (spare[safe] >= need[:, None]) & (rid[safe] != cid[:, None])
    first = np.argmax(fits, axis=1)
    found = fits[np.arange(len(cxy)), first]
    rows = np.arange(len(cxy))
    out["receiving_index"] = np.where(found, safe[rows, first], -1)
    out["receiving_distance_m"] = np.where(found, dist[rows, first], np.nan)
    out["other_fits"] = np.clip(fits.sum(axis=1) - 1, 0, None)
    largest = np.where(reach & (rid[safe] != cid[:, None]), spare[safe], -np.inf).max(axis=1)
    out["largest_spare_m2"] = np.where(np.isfinite(largest), largest, np.nan)

    # Candidates whose k nearest were all in reach but none fitted: search everything in reach.
    again = np.flatnonzero(~found & reach[:, -1])
    for i in again:
        near = np.asarray(tree.query_ball_point(cxy[i], distance_m), dtype=np.intp)
        near = near[rid[near] != cid[i]]
        if not len(near):
            continue
        gaps = np.hypot(*(rxy[near] - cxy[i]).T)
        ok = spare[near] >= need[i]
        out.iloc[i, out.columns.get_loc("largest_spare_m2")] = spare[near].max()
        if ok.any():
            order = np.argsort(np.where(ok, gaps, np.inf), kind="stable")
            out.iloc[i, out.columns.get_loc("receiving_index")] = near[order[0]]
            out.iloc[i, out.columns.get_loc("receiving_distance_m")] = gaps[order[0]]
            out.iloc[i, out.columns.get_loc("other_fits")] = int(ok.sum()) - 1
    return out


def disposal_candidates(
    conn: Connection,
    nia_per_fte_m2: float,
    relocation_distance_m: float,
    as_of: dt.date | None = None,
    min_score: int = MIN_SCORE,
    lease_window_months: int = LEASE_WINDOW_MONTHS,
    bodies: Sequence[str] | None = None,
    within: shapely.Geometry | None = None,
    viewer: Viewer | None = None,
) -> Disposals:
    """Score every asset and match each candidate to a receiving site (see the module),
    on what ``viewer`` may see (everything when None)."""
    assets = read_assets(conn, nia_per_fte_m2, within=within, viewer=viewer)
    return find_candidates(
        assets,
        nia_per_fte_m2,
        relocation_distance_m,
        as_of or dt.date.today(),
        min_score,
        lease_window_months,
        bodies,
    )


def find_candidates(
    assets: pd.DataFrame,
    nia_per_fte_m2: float,
    relocation_distance_m: float,
    as_of: dt.date,
    min_score: int = MIN_SCORE,
    lease_window_months: int = LEASE_WINDOW_MONTHS,
    bodies: Sequence[str] | None = None,
) -> Disposals:
    """The scoring and matching on a frame of :func:`read_assets` rows. Receiving sites
    come from every body; ``bodies`` narrows only the candidates."""
    scores = score_assets(assets, nia_per_fte_m2, as_of, lease_window_months)
    frame = assets.join(scores)
    is_candidate = (frame["score"] >= min_score).to_numpy().copy()
    if bodies:
        is_candidate &= of_bodies(frame, bodies)
    candidates = frame[is_candidate].copy()

    # A site on its way out is no receiving site, whichever bodies are asked for; spare
    # space is already nil where a site cannot receive (see read_assets' derive).
    # Every mover the matching sizes is office-like staff (estate.analysis.suitability).
    receivers = frame[
        ~frame["leaving"].to_numpy()
        & suitable(None, frame)
        & frame["locatable"].to_numpy()
        & (frame["spare_m2"].fillna(0) > 0).to_numpy()
    ].reset_index(drop=True)
    searchable = (
        candidates["locatable"] & candidates["need_m2"].gt(0) & candidates["can_move"]
    ).to_numpy()
    match = receiving_sites(candidates[searchable], receivers, relocation_distance_m)

    got = match["receiving_index"].to_numpy()
    candidates["receiving_id"] = pd.Series(pd.NA, index=candidates.index, dtype="Int64")
    for column in ("receiving_body", "receiving_name", "receiving_note"):
        candidates[column] = pd.Series(None, index=candidates.index, dtype=object)
    candidates["receiving_distance_m"] = np.nan
    candidates["receiving_spare_m2"] = np.nan
    candidates["other_fits"] = pd.Series(pd.NA, index=candidates.index, dtype="Int64")
    ok = match.index[got >= 0]
    chosen = receivers.iloc[got[got >= 0]]
    candidates.loc[ok, "receiving_id"] = chosen["id"].to_numpy()
    candidates.loc[ok, "receiving_body"] = chosen["body"].to_numpy()
    candidates.loc[ok, "receiving_name"] = chosen["name"].to_numpy()
    candidates.loc[ok, "receiving_spare_m2"] = chosen["spare_m2"].round(1).to_numpy()
    candidates.loc[match.index, "receiving_distance_m"] = (
        match["receiving_distance_m"].round(0).to_numpy()
    )
    candidates.loc[match.index, "other_fits"] = match["other_fits"].to_numpy()

    km = f"{relocation_distance_m / 1000:g} km"
    notes = candidates["receiving_note"]
    notes[ok] = "nearest site with room"
    missed = match.index[got < 0]
    largest = match.loc[missed, "largest_spare_m2"]
    notes[missed] = np.where(
        largest.isna(),
        f"no partner site with spare space within {km}",
        "no site within "
        + km
        + " has "
        + _num(candidates.loc[missed, "need_m2"], 0)
        + " m² spare (largest: "
        + _num(largest.fillna(0), 0)
        + " m²)",
    )
    nobody = (candidates["need_m2"].fillna(-1) == 0).to_numpy()
    notes[nobody] = "vacant: nobody to relocate"
    unknown = candidates["need_m2"].isna().to_numpy()
    notes[unknown] = "occupants unknown: cannot size a move"
    unlocated = (~candidates["locatable"].to_numpy()) & ~nobody & ~unknown
    notes[unlocated] = "no reliable location: cannot search nearby"
    bare = candidates["use_class"].isin(NO_SPACE_USES - TIED_USES).to_numpy() & ~nobody
    tied = ~candidates["can_move"].to_numpy() & ~nobody & ~bare
    uses = sentence_labels("use_class", candidates["use_class"])
    notes[bare] = "no building to move out of (" + uses[bare] + ")"
    notes[tied] = "service tied to its site (" + uses[tied] + ")"
    candidates["receiving_note"] = notes

    candidates = candidates.sort_values(
        ["score", "running_cost", "id"],
        ascending=[False, False, True],
        na_position="last",
        kind="mergesort",
    )
    return Disposals(
        candidates[CANDIDATE_COLUMNS].reset_index(drop=True),
        frame[["id", "body", "score", "reasons"]],
        relocation_distance_m,
        nia_per_fte_m2,
    )
