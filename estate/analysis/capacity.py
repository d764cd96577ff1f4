"""Room at receiving sites, shared by every move of a scenario: the ledger of what each
site has spare, what the scenario's moves into it already take, and what is left.

A site's spare space is its usable area less what its own occupants need (the whole
usable area when vacant; unknown when its occupants are unknown), as
:mod:`estate.analysis.assets` derives it, at the scenario's NIA per FTE. Every way a
move is made (``add-candidates``, a move added by hand, the web) asks
:func:`room_for` before a site takes anyone, so two moves are never sent into room for
one. A move that would overfill a site is refused with the figures, unless a person
overrides it; the override is stored on the move and flagged on the schedules
(:func:`room_ledger`).

The checks of the use rule are :mod:`estate.analysis.suitability`'s. Nothing here
commits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Connection, text

from estate.analysis.assets import running_cost_sql, usable_sql
from estate.analysis.suitability import refusal, suitable
from estate.errors import ConflictError
from estate.sharing import Viewer


class RoomError(ConflictError):
    """A move that overfills its receiving site, or that the site's use cannot take;
    the message has the figures."""


# A site's spare space, in SQL over the assets (or a viewer's view) aliased ``r``.
_SPARE = f"""
    CASE WHEN r.occupancy = 'vacant' OR r.occupants_fte = 0 THEN {usable_sql("r")}
         WHEN r.occupants_fte IS NULL THEN NULL
         ELSE greatest({usable_sql("r")} - r.occupants_fte * :nia, 0) END
"""

# What the scenario's other moves take at each site (the move of ``:mover`` left out:
# a move being changed does not compete with itself).
_USED = """
    SELECT m.receiving_asset_id AS site,
           sum(coalesce(m.fte, a.occupants_fte, 0)) * :nia AS used_m2,
           count(*) AS moves
    FROM scenario_moves m JOIN assets a ON a.id = m.asset_id
    WHERE m.scenario_id = :scenario AND m.receiving_asset_id IS NOT NULL
      AND m.asset_id <> :mover
    GROUP BY m.receiving_asset_id
"""


@dataclass(frozen=True)
class Room:
    """One site's room in a scenario, before the move asked about."""

    site_id: int
    name: str
    spare_m2: float | None
    used_m2: float
    moves: int

    @property
    def left_m2(self) -> float | None:
        """Spare space left after the scenario's other moves (None: unknown)."""
        return None if self.spare_m2 is None else max(self.spare_m2 - self.used_m2, 0.0)

    def shortfall(self, need_m2: float) -> str | None:
        """Why a move needing ``need_m2`` does not fit, with the figures; None if it does."""
        if need_m2 <= 0:
            return None
        if self.spare_m2 is None:
            return (
                f"{self.name}'s occupants are not recorded, so its spare space is unknown; "
                f"this move needs {need_m2:,.0f} m²"
            )
        if self.spare_m2 - self.used_m2 + 1e-9 >= need_m2:
            return None
        taken = (
            f"{self.moves} move{'s' if self.moves != 1 else ''} already "
            f"use{'s' if self.moves == 1 else ''} "
            f"{self.used_m2:,.0f} m²; "
            if self.moves
            else ""
        )
        return (
            f"{self.name} has {self.spare_m2:,.0f} m² spare; {taken}"
            f"this one needs {need_m2:,.0f} m²"
        )


def room_for(
    conn: Connection, scenario_id: int, site_id: int, mover_id: int, nia_per_fte_m2: float
) -> Room:
    """The room at ``site_id`` in the scenario, before the move of ``mover_id``."""
    row = (
        conn.execute(
            text(
                f"""
                WITH used AS ({_USED})
                SELECT r.id, r.name, ({_SPARE})::float AS spare_m2,
                       coalesce(u.used_m2, 0)::float AS used_m2, coalesce(u.moves, 0) AS moves
                FROM assets r LEFT JOIN used u ON u.site = r.id WHERE r.id = :site
                """
            ),
            {"nia": nia_per_fte_m2, "scenario": scenario_id, "mover": mover_id, "site": site_id},
        )
        .mappings()
        .one()
    )
    return Room(
        int(row["id"]), row["name"] or f"asset {site_id}", row["spare_m2"], row["used_m2"],
        int(row["moves"]),
    )  # fmt: skip


def check_move(
    conn: Connection,
    scenario_id: int,
    mover: dict,
    site: dict,
    need_m2: float,
    nia_per_fte_m2: float,
) -> str | None:
    """Why ``site`` cannot take ``mover``'s occupants in the scenario (its use, or its room
    after the other moves), with the figures; None when it can. ``mover`` and ``site``
    are mappings with ``id``, ``use_class``, ``name`` and ``holding``."""
    refused = refusal(mover["use_class"], site["use_class"], site["name"], site.get("holding"))
    if refused and need_m2 > 0:
        return f"{site['name']} cannot take them: {refused}"
    room = room_for(conn, scenario_id, site["id"], mover["id"], nia_per_fte_m2)
    return room.shortfall(need_m2)


_SITES = f"""
    WITH used AS ({_USED}),
    exited AS (SELECT asset_id FROM scenario_moves WHERE scenario_id = :scenario),
    mover AS (SELECT geom FROM assets WHERE id = :mover)
    SELECT r.id, r.name, o.code AS body, r.use_class, r.holding,
           ST_Distance(r.geom, mover.geom)::float AS distance_m,
           ({_SPARE})::float AS spare_m2, coalesce(u.used_m2, 0)::float AS used_m2,
           coalesce(u.moves, 0) AS moves, ({running_cost_sql("r")})::float AS running_cost
    FROM {{assets}} r
    JOIN organisations o ON o.id = r.organisation_id
    CROSS JOIN mover
    LEFT JOIN used u ON u.site = r.id
    WHERE r.id <> :mover AND r.status IN ('operational', 'under_used')
      AND NOT coalesce(r.sensitive, false)
      AND coalesce(r.occupancy, '') <> 'vacant' AND coalesce(r.condition, '') <> 'D'
      AND NOT coalesce(least(r.lease_break, r.lease_end)
                       BETWEEN current_date AND current_date + interval '24 months', false)
      AND r.id NOT IN (SELECT asset_id FROM exited)
      AND ST_DWithin(r.geom, mover.geom, :distance)
    ORDER BY distance_m, r.id
"""


def sites_with_room(
    conn: Connection,
    scenario_id: int,
    mover_id: int,
    mover_use: str | None,
    need_m2: float,
    nia_per_fte_m2: float,
    distance_m: float,
    viewer: Viewer | None = None,
    limit: int = 50,
) -> pd.DataFrame:
    """The sites within ``distance_m`` of the mover that can take its occupants: the right
    use, not on their way out (as the disposal matching has it: vacant, surplus, in
    disposal, condition D, a lease ending within 24 months), not exited in the
    scenario, and with ``need_m2`` left after the scenario's other moves; nearest
    first, with ``left_m2``."""
    source = (viewer or Viewer.operator()).assets_sql()
    frame = pd.read_sql(
        text(_SITES.replace("{assets}", source)),
        conn,
        params={
            "nia": nia_per_fte_m2,
            "scenario": scenario_id,
            "mover": mover_id,
            "distance": distance_m,
        },
    )
    if frame.empty:
        frame["left_m2"] = pd.Series(dtype=float)
        return frame
    frame["left_m2"] = (frame["spare_m2"] - frame["used_m2"]).clip(lower=0)
    keep = suitable(mover_use, frame) & (frame["left_m2"].fillna(-1) + 1e-9 >= need_m2).to_numpy()
    if need_m2 > 0:
        keep &= frame["spare_m2"].notna().to_numpy() & (frame["left_m2"] > 0).to_numpy()
    return frame[keep].head(limit).reset_index(drop=True)


def room_ledger(moves: pd.DataFrame, nia_per_fte_m2: float, spare: pd.DataFrame) -> pd.DataFrame:
    """Each receiving site of a scenario: its spare space, the moves into it and the
    space they take, what is left, and whether it is overfilled (only by moves a person
    kept: every other move was refused). ``moves`` as :func:`read_moves` gives them;
    ``spare`` has ``receiving_id`` and ``spare_m2``."""
    columns = ["receiving_id", "receiving_name", "spare_m2", "moves", "need_m2", "left_m2",
               "overfilled", "kept_by_a_person"]  # fmt: skip
    into = moves[moves["receiving_id"].notna()]
    if into.empty:
        return pd.DataFrame(columns=columns)
    fte = into["fte_set"].where(into["fte_set"].notna(), into["occupants_fte"]).fillna(0)
    frame = into.assign(need_m2=fte * nia_per_fte_m2)
    grouped = frame.groupby(["receiving_id", "receiving_name"], dropna=False).agg(
        moves=("move", "count"), need_m2=("need_m2", "sum"), kept=("room_override", "any")
    )
    out = grouped.reset_index().merge(spare, on="receiving_id", how="left")
    out["left_m2"] = out["spare_m2"] - out["need_m2"]
    out["overfilled"] = (out["left_m2"] < -1e-9).fillna(False) | (
        out["spare_m2"].isna() & (out["need_m2"] > 0)
    )
    out["kept_by_a_person"] = out["kept"].astype(bool)
    out["receiving_id"] = out["receiving_id"].astype(np.int64)
    return out[columns]


def spare_of(conn: Connection, site_ids: list[int], nia_per_fte_m2: float) -> pd.DataFrame:
    """``receiving_id`` and ``spare_m2`` of the sites (one query, for :func:`room_ledger`)."""
    if not site_ids:
        return pd.DataFrame({"receiving_id": pd.Series(dtype=np.int64), "spare_m2": []})
    frame = pd.read_sql(
        text(
            f"SELECT r.id AS receiving_id, ({_SPARE})::float AS spare_m2 "
            "FROM assets r WHERE r.id = ANY(:ids)"
        ),
        conn,
        params={"ids": [int(i) for i in site_ids], "nia": nia_per_fte_m2},
    )
    frame["receiving_id"] = frame["receiving_id"].astype(np.int64)
    return frame
