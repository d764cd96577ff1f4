"""One co-location cluster spelled out for its page: its members, who could move where
and why, the saving and its basis, or why there is none.

:mod:`estate.analysis.colocation` ranks clusters by one number, the running cost of the
costliest member whose occupants fit into the spare space of the others. A property club
asks what stands behind that number, and behind a £0: this module answers from the same
result (the members' figures it already holds), with the same rules, so the page never
tells a different story from the list.

The occupants of the member that would close are shared out over the others' spare
space largest first (the fewest moves); the page shows each share.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from estate.analysis.assets import NO_SPACE_USES, TIED_USES
from estate.analysis.colocation import Colocation
from estate.display import show_money, show_number
from estate.labels import label


@dataclass(frozen=True)
class Move:
    """A share of the closing member's occupants going into another member's spare space."""

    to_id: int
    to_name: str
    to_body: str
    area_m2: float
    spare_m2: float


@dataclass
class ClusterPlan:
    """What one cluster could do, in figures and in words."""

    key: int
    cluster: int
    members: pd.DataFrame
    saving: float
    exit_id: int | None
    exit_name: str | None
    need_m2: float
    moves: list[Move] = field(default_factory=list)
    why: str = ""
    basis: str = ""
    reason: str = ""
    """Why there is no saving (empty when there is one)."""
    alternatives: list[str] = field(default_factory=list)
    """Other members whose occupants would fit too, by name."""


def _m2(value: float) -> str:
    return show_number(float(value), 0) + " m²"


def cluster_plan(result: Colocation, key: int, nia_per_fte_m2: float) -> ClusterPlan | None:
    """The plan of the cluster whose lowest member id is ``key`` (None when the result has
    no such cluster)."""
    clusters = result.clusters
    if clusters.empty or "key" not in clusters.columns:
        return None
    hit = clusters[clusters["key"].to_numpy() == int(key)]
    if hit.empty:
        return None
    row = hit.iloc[0]
    number = int(row["cluster"])
    members = result.members[result.members["cluster"].to_numpy() == number].copy()
    members["need_m2"] = members["occupants_fte"].astype(float) * nia_per_fte_m2
    members["spare_m2"] = members["spare_m2"].astype(float).fillna(0.0)
    members = members.sort_values(["running_cost", "id"], ascending=[False, True])
    members = members.reset_index(drop=True)
    saving = float(row["saving"] or 0.0)
    exit_id = None if pd.isna(row["exit_asset_id"]) else int(row["exit_asset_id"])
    plan = ClusterPlan(
        key=int(key),
        cluster=number,
        members=members,
        saving=saving,
        exit_id=exit_id,
        exit_name=None if exit_id is None else str(row["exit_asset_name"] or "(no name)"),
        need_m2=0.0,
    )
    if exit_id is None or saving <= 0:
        plan.reason = no_saving_reason(members)
        return plan
    leaving = members[members["id"].to_numpy() == exit_id].iloc[0]
    plan.need_m2 = float(leaving["need_m2"]) if pd.notna(leaving["need_m2"]) else 0.0
    others = members[members["id"].to_numpy() != exit_id]
    plan.moves = share_out(plan.need_m2, others)
    fte = float(leaving["occupants_fte"]) if pd.notna(leaving["occupants_fte"]) else 0.0
    spare = float(others["spare_m2"].sum())
    plan.why = (
        f"{plan.exit_name} costs the most to run ({show_money(saving)} a year) of the members "
        f"whose occupants fit in the others' spare space: {show_number(fte, 1)} FTE need "
        f"{_m2(plan.need_m2)} at {nia_per_fte_m2:g} m² each, and the others have "
        f"{_m2(spare)} spare."
    )
    plan.basis = (
        f"The saving is {plan.exit_name}'s running cost a year as recorded (rent, rates, "
        "facilities management, energy and maintenance): what stops when it closes. One exit "
        "per cluster is counted; receipts from a sale and the costs of moving are a "
        "scenario's to add."
    )
    plan.alternatives = [
        str(m["name"] or "(no name)")
        for _, m in members.iterrows()
        if bool(m["movable"]) and int(m["id"]) != exit_id
    ]
    return plan


def share_out(need_m2: float, others: pd.DataFrame) -> list[Move]:
    """The need shared over the others' spare space, largest spare first."""
    moves = []
    left = need_m2
    for _, other in others.sort_values(["spare_m2", "id"], ascending=[False, True]).iterrows():
        if left <= 0:
            break
        spare = float(other["spare_m2"])
        if spare <= 0:
            continue
        take = min(spare, left)
        moves.append(
            Move(int(other["id"]), str(other["name"] or "(no name)"), str(other["body"]), take,
                 spare)
        )  # fmt: skip
        left -= take
    if need_m2 == 0 and not moves and not others.empty:
        first = others.iloc[0]
        moves.append(Move(int(first["id"]), str(first["name"] or "(no name)"),
                          str(first["body"]), 0.0, float(first["spare_m2"])))  # fmt: skip
    return moves


def no_saving_reason(members: pd.DataFrame) -> str:
    """Why no member of the cluster could close, in words with the figures
    ("no member's occupants fit in the others' spare space: 713 m² needed, 434 m² the
    others' spare")."""
    use = members["use_class"].astype(object)
    tied = use.isin(TIED_USES | NO_SPACE_USES).to_numpy()
    unknown = (members["need_m2"].isna() | members["running_cost"].isna()).to_numpy() & ~tied
    could = ~tied & ~unknown
    parts = []
    if tied.any():
        uses = sorted({label("use_class", u) for u in use[tied] if isinstance(u, str)})
        what = ", ".join(u.lower() for u in uses) or "no recorded use"
        count = int(tied.sum())
        parts.append(
            f"{count} of the {len(members)} members cannot move out: their services are tied "
            f"to their sites ({what})"
            if count < len(members)
            else f"no member can move out: their services are tied to their sites ({what})"
        )
    if unknown.any():
        names = ", ".join(str(n or "(no name)") for n in members["name"][unknown])
        parts.append(f"occupants or running cost not recorded for {names}")
    if could.any():
        spare = members["spare_m2"].to_numpy(float)
        total = spare.sum()
        need = members["need_m2"].to_numpy(float)
        rows = np.flatnonzero(could)
        best = rows[np.argmin(need[rows])]
        others_spare = total - spare[best]
        parts.append(
            f"no member's occupants fit in the others' spare space: {_m2(need[best])} needed "
            f"at the least ({members['name'].iloc[best] or '(no name)'}), "
            f"{_m2(others_spare)} the others' spare"
        )
    if not parts:
        return "no member could close"
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."
