"""Scenarios as stored: create them, add their moves, read the moves back joined to
the assets they rest on, and evaluate them into their schedules.

This is the database side of the scenario work; the arithmetic (the ledger, savings,
NPV, disposal schedule) is :mod:`estate.analysis.savings`, which reads nothing.
Scenarios are written through the ORM (a person edits one scenario at a time: the
checks of :func:`add_move` read best as objects); the moves are read back with one
SQL query through the viewer's view of the register (:mod:`estate.sharing`), so a
schedule never shows what its reader may not see. Nothing here commits: the caller
owns the transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd
from sqlalchemy import Connection, select, text
from sqlalchemy.orm import Session

from estate.analysis.assets import running_cost_sql, usable_sql
from estate.analysis.savings import (
    SCHEDULE_MONEY,
    Assumptions,
    disposal_schedule,
    ledger,
    npv_by_body,
    savings_schedule,
)
from estate.errors import ConflictError, EstateError, NotFoundError
from estate.exports import Sheet
from estate.models import Asset, Organisation, Scenario, ScenarioMove
from estate.sharing import Viewer

# --- scenarios: create, edit, read -------------------------------------------------


def assumptions_of(scenario: Scenario) -> Assumptions:
    """The stored scenario's assumptions as plain numbers (money columns are Decimal in
    the database; the arithmetic works in floats and rounds to pennies at the end)."""
    return Assumptions(
        first_year=scenario.first_year,
        horizon_years=scenario.horizon_years,
        discount_rate=float(scenario.discount_rate),
        relocation_cost_per_fte=float(scenario.relocation_cost_per_fte or 0),
        refit_cost_per_m2=float(scenario.refit_cost_per_m2 or 0),
        sale_cost_share=float(scenario.sale_cost_share or 0),
        receiving_cost_per_m2=(
            None
            if scenario.receiving_cost_per_m2 is None
            else float(scenario.receiving_cost_per_m2)
        ),
        nia_per_fte_m2=float(scenario.nia_per_fte_m2),
    )


def list_scenarios(conn: Connection) -> pd.DataFrame:
    """Every scenario with its number of moves and its assumptions, by name."""
    return pd.read_sql(
        text(
            """
            SELECT s.name, s.description, count(m.id) AS moves, s.first_year,
                   s.horizon_years AS horizon, s.discount_rate::float AS discount_rate,
                   s.relocation_cost_per_fte::float AS relocation_cost_per_fte,
                   s.refit_cost_per_m2::float AS refit_cost_per_m2,
                   s.sale_cost_share::float AS sale_cost_share, s.updated_at::date AS updated
            FROM scenarios s LEFT JOIN scenario_moves m ON m.scenario_id = s.id
            GROUP BY s.id ORDER BY s.name
            """
        ),
        conn,
    )


def get_scenario(session: Session, name: str) -> Scenario:
    """The scenario called ``name``, or a 404-meaning error that says where to look."""
    scenario = session.scalar(select(Scenario).where(Scenario.name == name))
    if scenario is None:
        raise NotFoundError(f"no scenario named {name!r} (see `estate scenario list`)")
    return scenario


def create_scenario(session: Session, name: str, **assumptions: object) -> Scenario:
    """A new, empty scenario; unset assumptions take the defaults the caller passes."""
    if session.scalar(select(Scenario.id).where(Scenario.name == name)) is not None:
        raise ConflictError(f"a scenario named {name!r} exists already")
    scenario = Scenario(name=name, **{k: v for k, v in assumptions.items() if v is not None})
    session.add(scenario)
    session.flush()
    return scenario


def find_asset(session: Session, ref: str) -> Asset:
    """An asset by id (``#123`` or ``123``), or by ``BODY:REFERENCE``."""
    key = ref.lstrip("#")
    if key.isdigit():
        asset = session.get(Asset, int(key))
    elif ":" in ref:
        body, source_ref = ref.split(":", 1)
        asset = session.scalar(
            select(Asset)
            .join(Organisation)
            .where(Organisation.code == body, Asset.source_ref == source_ref)
        )
    else:
        raise EstateError(f"{ref!r}: give an asset id or BODY:REFERENCE")
    if asset is None:
        raise NotFoundError(f"no asset {ref!r}")
    return asset


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
) -> ScenarioMove:
    """Add (or replace) the exit of ``asset`` in ``scenario``.

    Refused: a receiving site that is the asset itself, disposed, or exited in the same
    scenario; an exit of an asset that receives another move's occupants.
    """
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
    scenario.updated_at = dt.datetime.now(dt.UTC)
    session.flush()
    return move


def add_candidates(
    session: Session,
    scenario: Scenario,
    candidates: pd.DataFrame,
    exit_date: dt.date,
    limit: int,
) -> tuple[int, list[str]]:
    """Add up to ``limit`` disposal candidates (highest score first) that have a receiving
    site or nobody to move, each to its site; returns (added, reasons for those skipped).

    Candidates are matched to sites one by one in the analysis; here each site's spare
    space is used up as moves are added (moves already in the scenario count too), so
    two candidates are never sent into room for one. Assets already in the scenario are
    left as they are, with whatever receipt, dates and notes a person gave them.
    """
    nia = float(scenario.nia_per_fte_m2)
    existing = pd.read_sql(
        text(
            "SELECT m.asset_id, m.receiving_asset_id, coalesce(m.fte, a.occupants_fte, 0) AS fte "
            "FROM scenario_moves m JOIN assets a ON a.id = m.asset_id "
            "WHERE m.scenario_id = :s"
        ),
        session.connection(),
        params={"s": scenario.id},
    )
    exited = {int(i) for i in existing["asset_id"]}
    receiving_sites = {int(i) for i in existing["receiving_asset_id"].dropna()}
    used = (existing.dropna(subset=["receiving_asset_id"])
            .assign(need=lambda f: f["fte"].astype(float) * nia)
            .groupby("receiving_asset_id")["need"].sum().to_dict())  # fmt: skip
    usable = candidates[
        candidates["receiving_id"].notna()
        | (candidates["receiving_note"] == "vacant: nobody to relocate")
    ]
    added, skipped = 0, []
    for row in usable.itertuples(index=False):
        if added >= limit:
            break
        asset_id = int(row.id)
        if asset_id in exited:
            skipped.append(f"{row.name}: already in the scenario")
            continue
        if asset_id in receiving_sites:
            skipped.append(f"{row.name}: receives another move's occupants")
            continue
        receiving = None
        if not pd.isna(row.receiving_id):
            site = int(row.receiving_id)
            need = 0.0 if pd.isna(row.occupants_fte) else float(row.occupants_fte) * nia
            room = float(row.receiving_spare_m2) - used.get(site, 0.0)
            if site in exited:
                skipped.append(f"{row.name}: {row.receiving_name} is exited in this scenario")
                continue
            if need > room:
                skipped.append(f"{row.name}: {row.receiving_name} has no room left for "
                               f"{need:g} m² after the moves before it")  # fmt: skip
                continue
            used[site] = used.get(site, 0.0) + need
            receiving_sites.add(site)
            receiving = session.get(Asset, site)
        add_move(session, scenario, session.get(Asset, asset_id), exit_date, receiving,
                 notes=f"candidate, score {row.score}: {row.reasons}")  # fmt: skip
        exited.add(asset_id)
        added += 1
    return added, skipped


# --- the moves, joined to their assets ------------------------------------------

_MOVES = f"""
    SELECT m.id AS move, m.asset_id, o.code AS body, a.source_ref, a.name, a.address,
           a.postcode, a.uprn, a.tenure, a.status, m.exit_date, m.completion_date,
           m.receipt AS receipt_set, a.valuation, m.fte AS fte_set, a.occupants_fte,
           {running_cost_sql("a")} AS running_cost,
           m.receiving_asset_id AS receiving_id, ro.code AS receiving_body,
           r.name AS receiving_name,
           {running_cost_sql("r")} AS receiving_running_cost,
           {usable_sql("r")} AS receiving_usable_m2,
           m.notes
    FROM scenario_moves m
    JOIN {{assets}} a ON a.id = m.asset_id
    JOIN organisations o ON o.id = a.organisation_id
    LEFT JOIN {{assets}} r ON r.id = m.receiving_asset_id
    LEFT JOIN organisations ro ON ro.id = r.organisation_id
    WHERE m.scenario_id = :scenario
    ORDER BY m.exit_date, m.id
"""

_NUMERIC = (
    "receipt_set",
    "valuation",
    "fte_set",
    "occupants_fte",
    "running_cost",
    "receiving_running_cost",
    "receiving_usable_m2",
)


def read_moves(conn: Connection, scenario_id: int, viewer: Viewer | None = None) -> pd.DataFrame:
    """The scenario's moves with the asset (and receiving site) figures they rest on.

    Everything is read as ``viewer`` may see it (:mod:`estate.sharing`): a sensitive site
    of another body reads "Sensitive site", and where the partnership shares only some
    fields, another body's figures it does not share are missing here too (the
    schedules then take them as nothing, as they do any missing figure)."""
    source = (viewer or Viewer.operator()).assets_sql()
    moves = pd.read_sql(
        text(_MOVES.replace("{assets}", source)), conn, params={"scenario": scenario_id}
    )
    for column in _NUMERIC:
        moves[column] = pd.to_numeric(moves[column]).astype(float)
    for column in ("exit_date", "completion_date"):
        stamps = pd.to_datetime(moves[column])
        moves[column] = pd.Series(
            [None if pd.isna(v) else v.date() for v in stamps], index=moves.index, dtype=object
        )
    return moves


# --- evaluation: the stored moves through the arithmetic ----------------------


@dataclass
class ScenarioResult:
    """A scenario's schedules, computed together so they agree."""

    scenario: Scenario
    assumptions: Assumptions
    moves: pd.DataFrame
    ledger: pd.DataFrame
    disposals: pd.DataFrame
    savings: pd.DataFrame
    totals: pd.DataFrame

    def sheets(self) -> list[Sheet]:
        """Every schedule and the assumptions, as the finance workbook's sheets."""
        assumptions = pd.DataFrame(
            self.assumptions.rows(), columns=["assumption", "value", "meaning"]
        )
        assumptions["value"] = assumptions["value"].astype(str)
        partnership = self.savings[self.savings["body"] == "PARTNERSHIP"]
        return [
            Sheet(
                "disposal schedule",
                self.disposals,
                money=["estimated_receipt", "annual_running_cost"],
                dates=["exit_date", "completion_date"],
                totals=True,
            ),
            Sheet(
                "savings (partnership)",
                partnership,
                money=SCHEDULE_MONEY,
                totals=True,
                not_summed=["cumulative"],
            ),
            Sheet(
                "savings by body",
                self.savings[self.savings["body"] != "PARTNERSHIP"],
                money=SCHEDULE_MONEY,
            ),
            Sheet(
                "NPV by body", self.totals, money=[c for c in self.totals.columns if c != "body"]
            ),
            Sheet(
                "ledger",
                self.ledger,
                money=["amount"],
                totals=True,
                widths={"basis": 60, "asset_name": 40},
            ),
            Sheet("assumptions", assumptions, widths={"assumption": 36, "meaning": 60}),
        ]


def evaluate(session: Session, name: str, viewer: Viewer | None = None) -> ScenarioResult:
    """Every schedule of the named scenario (sites named as ``viewer`` may see them)."""
    scenario = get_scenario(session, name)
    assumptions = assumptions_of(scenario)
    moves = read_moves(session.connection(), scenario.id, viewer)
    book = ledger(moves, assumptions)
    savings = savings_schedule(book, assumptions)
    return ScenarioResult(
        scenario,
        assumptions,
        moves,
        book,
        disposal_schedule(moves, assumptions),
        savings,
        npv_by_body(savings),
    )
