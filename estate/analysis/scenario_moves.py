"""A scenario's moves: add, change and remove an exit, and add the top disposal
candidates, each only where its receiving site can take its occupants.

Every way a move is made comes through :func:`add_move`, which asks the shared room
ledger (:mod:`estate.analysis.capacity`) and the use rule
(:mod:`estate.analysis.suitability`) before a receiving site takes anyone: two moves
are never sent into room for one, and a team never into a tennis court. A move that
fails either is refused with the figures, unless ``override`` says a person keeps it
(stored on the move, flagged on the schedules). Nothing here commits.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from estate.analysis.capacity import RoomError, check_move, sites_with_room
from estate.analysis.scenarios import ensure_editable
from estate.errors import EstateError
from estate.models import Asset, Scenario, ScenarioMove


def _facts(asset: Asset) -> dict:
    return {"id": asset.id, "use_class": asset.use_class, "name": asset.name,
            "holding": asset.holding}  # fmt: skip


def need_of(asset: Asset, fte: Decimal | float | None, nia_per_fte_m2: float) -> float:
    """The space the move's occupants need: its FTE (else the asset's) x NIA per FTE."""
    heads = fte if fte is not None else asset.occupants_fte
    return 0.0 if heads is None else float(heads) * nia_per_fte_m2


def add_move(
    session: Session,
    scenario: Scenario,
    asset: Asset,
    exit_date: dt.date,
    receiving: Asset | None = None,
    completion_date: dt.date | None = None,
    receipt: Decimal | None = None,
    fte: Decimal | None = None,
    notes: str | None = None,
    override: bool = False,
) -> ScenarioMove:
    """Add (or replace) the exit of ``asset`` in ``scenario``.

    Refused: a receiving site that is the asset itself, disposed, or exited in the same
    scenario; an exit of an asset that receives another move's occupants; a receiving
    site whose use cannot take the movers or whose spare space, after the scenario's
    other moves into it, is less than they need (unless ``override``: a person keeps
    it, and the move says so); any change to an agreed scenario.
    """
    ensure_editable(scenario)
    if receiving is not None and receiving.id == asset.id:
        raise EstateError("an asset cannot receive its own occupants")
    if receiving is not None:
        if receiving.status == "disposed":
            raise EstateError(f"{receiving.name!r} is disposed: it cannot receive anyone")
        exited = session.scalar(
            select(ScenarioMove.id).where(
                ScenarioMove.scenario_id == scenario.id, ScenarioMove.asset_id == receiving.id
            )
        )
        if exited is not None:
            raise EstateError(
                f"{receiving.name!r} is itself exited in this scenario: it cannot receive anyone"
            )
    receives = session.scalar(
        select(ScenarioMove.id).where(
            ScenarioMove.scenario_id == scenario.id,
            ScenarioMove.receiving_asset_id == asset.id,
        )
    )
    if receives is not None:
        raise EstateError(
            f"{asset.name!r} receives another move's occupants in this scenario: "
            "move them elsewhere first"
        )
    if completion_date is not None and completion_date < exit_date:
        raise EstateError("the sale cannot complete before the exit date")
    overfills = False
    if receiving is not None:
        session.flush()
        nia = float(scenario.nia_per_fte_m2)
        problem = check_move(
            session.connection(), scenario.id, _facts(asset), _facts(receiving),
            need_of(asset, fte, nia), nia,
        )  # fmt: skip
        if problem and not override:
            raise RoomError(problem + " (override to keep it anyway)")
        overfills = problem is not None
    move = session.scalar(
        select(ScenarioMove).where(
            ScenarioMove.scenario_id == scenario.id, ScenarioMove.asset_id == asset.id
        )
    )
    if move is None:
        move = ScenarioMove(scenario=scenario, asset_id=asset.id)
        session.add(move)
    move.exit_date = exit_date
    move.receiving_asset_id = receiving.id if receiving is not None else None
    move.completion_date = completion_date
    move.receipt = receipt
    move.fte = fte
    move.notes = notes
    move.room_override = overfills
    scenario.updated_at = dt.datetime.now(dt.UTC)
    session.flush()
    return move


def remove_move(session: Session, scenario: Scenario, asset: Asset) -> bool:
    """Take the exit of ``asset`` out of the scenario; False when it was not in it."""
    ensure_editable(scenario)
    gone = session.execute(
        delete(ScenarioMove)
        .where(ScenarioMove.scenario_id == scenario.id, ScenarioMove.asset_id == asset.id)
        .returning(ScenarioMove.id)
    ).all()
    scenario.updated_at = dt.datetime.now(dt.UTC)
    return bool(gone)


def add_candidates(
    session: Session,
    scenario: Scenario,
    candidates: pd.DataFrame,
    exit_date: dt.date,
    limit: int,
    distance_m: float = 2000.0,
) -> tuple[int, list[str]]:
    """Add up to ``limit`` disposal candidates (highest score first) that have a receiving
    site or nobody to move; returns (added, reasons for those skipped).

    Each candidate goes to its matched site if that still has room after the moves
    before it (the scenario's own and those added here), else to the nearest other site
    within ``distance_m`` with the right use and room left; one with neither is skipped
    with the figures. Assets already in the scenario are left as a person made them.
    """
    ensure_editable(scenario)
    nia = float(scenario.nia_per_fte_m2)
    in_scenario = {m.asset_id for m in scenario.moves}
    usable = candidates[
        candidates["receiving_id"].notna()
        | (candidates["receiving_note"] == "vacant: nobody to relocate")
    ]
    added, skipped = 0, []
    for row in usable.itertuples(index=False):
        if added >= limit:
            break
        asset = session.get(Asset, int(row.id))
        if asset is None:
            continue
        if asset.id in in_scenario:
            skipped.append(f"{row.name}: already in the scenario")
            continue
        receiving, why = None, None
        need = need_of(asset, None, nia)
        if not pd.isna(row.receiving_id) and need > 0:
            receiving = session.get(Asset, int(row.receiving_id))
            why = check_move(session.connection(), scenario.id, _facts(asset),
                             _facts(receiving), need, nia) if receiving else "gone"  # fmt: skip
            if why is not None:
                others = sites_with_room(
                    session.connection(), scenario.id, asset.id, asset.use_class, need, nia,
                    distance_m, limit=1,
                )  # fmt: skip
                receiving = session.get(Asset, int(others["id"].iloc[0])) if len(others) else None
                if receiving is None:
                    skipped.append(f"{row.name}: {why}, and no other site within "
                                   f"{distance_m:g} m has room")  # fmt: skip
                    continue
        try:
            add_move(session, scenario, asset, exit_date, receiving,
                     notes=f"candidate, score {row.score}: {row.reasons}")  # fmt: skip
        except EstateError as exc:
            skipped.append(f"{row.name}: {exc}")
            continue
        in_scenario.add(asset.id)
        added += 1
    return added, skipped
