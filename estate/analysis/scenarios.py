"""Scenarios as stored: create them, add their moves, read the moves back joined to
the assets they rest on, and evaluate them into their schedules.

This is the database side of the scenario work; the arithmetic (the ledger, savings,
NPV, disposal schedule) is :mod:`estate.analysis.savings`, which reads nothing.
Scenarios are written through the ORM (a person edits one scenario at a time: the
checks of :mod:`estate.analysis.scenario_moves` read best as objects); the moves are
read back with one SQL query through the viewer's view of the register (:mod:`estate.sharing`), so a
schedule never shows what its reader may not see. Nothing here commits: the caller
owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection, select, text
from sqlalchemy.orm import Session

from estate.analysis.assets import running_cost_sql, usable_sql
from estate.analysis.capacity import room_ledger, spare_of
from estate.analysis.savings import (
    SCHEDULE_MONEY,
    Assumptions,
    current_financial_year,
    disposal_schedule,
    fy_label,
    ledger,
    npv_by_body,
    savings_schedule,
)
from estate.config import Settings
from estate.errors import ConflictError, EstateError, NotFoundError
from estate.exports import Sheet
from estate.models import Asset, Organisation, Scenario
from estate.record_ids import given_id
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
            SELECT s.name, s.description, s.status, count(m.id) AS moves, s.first_year,
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


def default_assumptions(settings: Settings) -> dict[str, object]:
    """What a new scenario starts from: the settings' documented defaults (relocation
    £2,500 per FTE, refit £350 per m², costs of sale 2%, discount rate 3.5%, 10 years;
    see :class:`estate.config.Settings`) and the current financial year. Shown on the
    new scenario and edited there; never a silent £0."""
    return {
        "first_year": current_financial_year(),
        "horizon_years": settings.horizon_years,
        "discount_rate": settings.discount_rate,
        "nia_per_fte_m2": settings.nia_per_fte_m2,
        "relocation_cost_per_fte": settings.relocation_cost_per_fte,
        "refit_cost_per_m2": settings.refit_cost_per_m2,
        "sale_cost_share": settings.sale_cost_share,
    }


def create_scenario(session: Session, name: str, **assumptions: object) -> Scenario:
    """A new, empty scenario; unset assumptions take the defaults the caller passes
    (:func:`default_assumptions`)."""
    name = scenario_name(name)
    if session.scalar(select(Scenario.id).where(Scenario.name == name)) is not None:
        raise ConflictError(f"a scenario named {name!r} exists already")
    scenario = Scenario(name=name, **{k: v for k, v in assumptions.items() if v is not None})
    session.add(scenario)
    session.flush()
    return scenario


def scenario_name(name: str) -> str:
    """A scenario name as kept: spaces run together and trimmed, 1 to 120 characters."""
    words = " ".join(str(name).split())
    if not words:
        raise EstateError("give the scenario a name")
    if len(words) > 120:
        raise EstateError("a scenario's name is at most 120 characters")
    return words


def ensure_editable(scenario: Scenario) -> None:
    """Refuse any change to an agreed scenario: the partnership signed those figures
    (duplicate it to work on a variant)."""
    if scenario.status == "agreed":
        raise ConflictError(
            f"scenario {scenario.name!r} is agreed and read-only: duplicate it to change it"
        )


def find_asset(session: Session, ref: str) -> Asset:
    """An asset by id (``#123`` or ``123``), or by ``BODY:REFERENCE``."""
    key = ref.lstrip("#")
    if key.isdigit():
        asset = session.scalar(select(Asset).where(Asset.id == given_id(int(key))))
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
           m.notes, m.room_override
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
    room: pd.DataFrame

    def sheets(self) -> list[Sheet]:
        """Every schedule and the assumptions, as the finance workbook's sheets: plain
        headings, money to the pound, a totals row on every schedule, years as 2027-28,
        assumptions as numbers (with how they read beside them), fit to print."""
        from estate.display import show_assumption

        rows = []
        for name, value, meaning in self.assumptions.rows():
            number = value if isinstance(value, int | float) else None
            if name == "first financial year":
                number = self.assumptions.first_year
            rows.append((name, number, show_assumption(name, value), meaning))
        assumptions = pd.DataFrame(rows, columns=["assumption", "value", "as_shown", "meaning"])
        assumptions["value"] = pd.to_numeric(assumptions["value"]).astype(float)
        partnership = self.savings[self.savings["body"] == "PARTNERSHIP"]
        bodies = self.totals[self.totals["body"] != "PARTNERSHIP"]
        return [
            Sheet(
                "disposal schedule",
                self.disposals,
                money=["estimated_receipt", "annual_running_cost"],
                dates=["exit_date", "completion_date"],
                totals=True,
                whole=True,
            ),
            Sheet(
                "savings (partnership)",
                partnership,
                money=SCHEDULE_MONEY,
                totals=True,
                not_summed=["cumulative"],
                whole=True,
            ),
            Sheet(
                "savings by body",
                self.savings[self.savings["body"] != "PARTNERSHIP"],
                money=SCHEDULE_MONEY,
                totals=True,
                not_summed=["cumulative"],
                whole=True,
                total_label="Total (the partnership)",
            ),
            Sheet(
                "NPV by body",
                bodies,
                money=[c for c in self.totals.columns if c != "body"],
                totals=True,
                whole=True,
                total_label="Total (the partnership)",
            ),
            Sheet(
                "ledger",
                self.ledger,
                money=["amount"],
                totals=True,
                whole=True,
                widths={"basis": 60, "asset_name": 40},
            ),
            Sheet(
                "assumptions",
                assumptions,
                widths={"assumption": 36, "as_shown": 20, "meaning": 60},
            ),
        ]


def evaluate(session: Session, name: str, viewer: Viewer | None = None) -> ScenarioResult:
    """Every schedule of the named scenario (sites named as ``viewer`` may see them)."""
    scenario = get_scenario(session, name)
    assumptions = assumptions_of(scenario)
    conn = session.connection()
    moves = read_moves(conn, scenario.id, viewer)
    book = ledger(moves, assumptions)
    savings = savings_schedule(book, assumptions)
    sites = [int(i) for i in moves["receiving_id"].dropna().unique()]
    nia = assumptions.nia_per_fte_m2
    room = room_ledger(moves, nia, spare_of(conn, sites, nia))
    # Years as the schedules write them (2027-28), in the ledger too.
    shown = book.assign(financial_year=[fy_label(y) for y in book["financial_year"]])
    return ScenarioResult(
        scenario,
        assumptions,
        moves,
        shown,
        disposal_schedule(moves, assumptions),
        savings,
        npv_by_body(savings),
        room,
    )
