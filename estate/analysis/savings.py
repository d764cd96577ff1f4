"""Scenarios and what they are worth: the disposal schedule and the savings schedule.

Every figure of a savings schedule comes from one line of the *ledger*: a move, a
kind of money (receipt, cost of sale, revenue saving, extra running cost,
relocation, refit), a financial year, the body it falls to, the amount and its
basis in words ("running cost £84,000 x 182/366 days"). Schedules are sums of the
ledger, so every total can be traced back to the asset rows and the assumptions.

Conventions (stated on the assumptions sheet of every export):

* Financial years run April to March; ``2027`` means 2027-28.
* Signs are the partnership's: money coming in or not spent is positive, money
  spent negative.
* Capital receipts (the scenario's receipt, else the asset's valuation; none for a
  leasehold exit unless set) fall in the completion year, less costs of sale.
* Revenue savings (the asset's running cost) start on the exit date: the exit year
  saves the share of its days from the exit date to 31 March; later years save all.
* Occupants need FTE x the NIA-per-FTE assumption at the receiving site, which costs
  that area at the scenario's receiving cost per m², else the receiving site's own
  running cost per m² of usable area, pro rata in the same way; that cost falls to
  the receiving site's body.
* One-off costs (relocation per FTE, refit per m² of the space needed) fall to the
  moving body in the exit year.
* The NPV discounts year t of the horizon (t = 0 for the first year) by (1 + r)^t,
  HM Treasury Green Book style; figures beyond the horizon are left out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd
from sqlalchemy import Connection, select, text
from sqlalchemy.orm import Session

from estate.analysis.assets import running_cost_sql, usable_sql
from estate.errors import ConflictError, EstateError, NotFoundError
from estate.exports import Sheet
from estate.models import Asset, Scenario, ScenarioMove
from estate.sharing import Viewer

LEDGER_KINDS = (
    "receipt",
    "cost_of_sale",
    "revenue_saving",
    "extra_running_cost",
    "relocation",
    "refit",
)
SCHEDULE_MONEY = [
    "capital_receipts",
    "costs_of_sale",
    "net_receipts",
    "revenue_savings",
    "extra_running_costs",
    "one_off_costs",
    "net",
    "cumulative",
    "present_value",
]
SCHEDULE_COLUMNS = [
    "financial_year",
    "body",
    *SCHEDULE_MONEY[:-1],
    "discount_factor",
    "present_value",
]
DISPOSAL_COLUMNS = [
    "move",
    "asset_id",
    "body",
    "source_ref",
    "name",
    "address",
    "postcode",
    "uprn",
    "tenure",
    "status",
    "exit_date",
    "completion_date",
    "estimated_receipt",
    "receipt_basis",
    "occupants_fte",
    "need_m2",
    "receiving_id",
    "receiving_body",
    "receiving_name",
    "annual_running_cost",
    "notes",
]


def financial_year(day: dt.date) -> int:
    """The financial year (April to March) a date falls in, by the year it starts."""
    return day.year if day.month >= 4 else day.year - 1


def fy_label(year: int) -> str:
    return f"{year}-{(year + 1) % 100:02d}"


def current_financial_year() -> int:
    return financial_year(dt.date.today())


# --- scenarios: create, edit, read -------------------------------------------------


@dataclass(frozen=True)
class Assumptions:
    """A scenario's assumptions, as plain numbers for the arithmetic."""

    first_year: int
    horizon_years: int
    discount_rate: float
    relocation_cost_per_fte: float = 0.0
    refit_cost_per_m2: float = 0.0
    sale_cost_share: float = 0.0
    receiving_cost_per_m2: float | None = None
    nia_per_fte_m2: float = 8.0

    @classmethod
    def of(cls, scenario: Scenario) -> Assumptions:
        return cls(
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

    def rows(self) -> list[tuple[str, object, str]]:
        """(assumption, value, meaning) for the assumptions sheet."""
        return [
            ("first financial year", fy_label(self.first_year), "April to March"),
            ("horizon (years)", self.horizon_years, "years counted in the schedule and NPV"),
            ("discount rate", self.discount_rate, "a year; HM Treasury Green Book default 3.5%"),
            (
                "relocation cost per FTE (£)",
                self.relocation_cost_per_fte,
                "one-off, moving body, exit year",
            ),
            (
                "refit cost per m² (£)",
                self.refit_cost_per_m2,
                "one-off on the space needed at the receiving site",
            ),
            (
                "costs of sale (share of receipt)",
                self.sale_cost_share,
                "agents, legal; deducted in the completion year",
            ),
            (
                "receiving cost per m² (£ a year)",
                "receiving site's own"
                if self.receiving_cost_per_m2 is None
                else self.receiving_cost_per_m2,
                "extra running cost at the receiving site",
            ),
            ("NIA per FTE (m²)", self.nia_per_fte_m2, "space the moved occupants need"),
        ]


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
    from estate.models import Organisation

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


# --- the ledger and the schedules -----------------------------------------------


def _fy_end(year: int) -> dt.date:
    return dt.date(year + 1, 3, 31)


def _fy_days(year: int) -> int:
    return (_fy_end(year) - dt.date(year, 4, 1)).days + 1


def ledger(moves: pd.DataFrame, assumptions: Assumptions) -> pd.DataFrame:
    """Every figure of the scenario, one row each, with its basis in words.

    Moves are few (tens, at most hundreds); the years of the horizon fewer still, so
    this builds rows directly; the schedules aggregate them with pandas.
    """
    a = assumptions
    last_year = a.first_year + a.horizon_years - 1
    rows: list[dict[str, object]] = []

    def add(move, year: int, body: str, kind: str, amount: float, basis: str) -> None:
        if a.first_year <= year <= last_year and amount != 0:
            rows.append(
                {
                    "move": int(move.move),
                    "asset_id": int(move.asset_id),
                    "asset_name": move.name,
                    "financial_year": year,
                    "body": body,
                    "kind": kind,
                    "amount": round(amount, 2),
                    "basis": basis,
                }
            )

    for move in moves.itertuples(index=False):
        exit_year = financial_year(move.exit_date)
        completion = move.completion_date or move.exit_date
        fte = move.fte_set if not _nan(move.fte_set) else move.occupants_fte
        fte = 0.0 if _nan(fte) else float(fte)
        need = fte * a.nia_per_fte_m2

        receipt, basis = _receipt(move)
        if receipt:
            year = financial_year(completion)
            add(move, year, move.body, "receipt", receipt, basis)
            add(
                move,
                year,
                move.body,
                "cost_of_sale",
                -receipt * a.sale_cost_share,
                f"{a.sale_cost_share:.1%} of {_gbp(receipt)}",
            )

        running = 0.0 if _nan(move.running_cost) else float(move.running_cost)
        rate, rate_basis = _receiving_rate(move, a)
        for year in range(max(exit_year, a.first_year), last_year + 1):
            days, share = _share(move.exit_date, year)
            portion = f" x {days}/{_fy_days(year)} days" if share < 1 else ""
            if running:
                add(
                    move,
                    year,
                    move.body,
                    "revenue_saving",
                    running * share,
                    f"running cost {_gbp(running)} a year{portion}",
                )
            if need and rate and move.receiving_body:
                add(
                    move,
                    year,
                    move.receiving_body,
                    "extra_running_cost",
                    -need * rate * share,
                    f"{need:g} m² at {_gbp(rate)}/m² ({rate_basis}){portion}",
                )
        if fte and a.relocation_cost_per_fte:
            add(
                move,
                exit_year,
                move.body,
                "relocation",
                -fte * a.relocation_cost_per_fte,
                f"{fte:g} FTE x {_gbp(a.relocation_cost_per_fte)}",
            )
        if need and a.refit_cost_per_m2 and not _nan(move.receiving_id):
            add(
                move,
                exit_year,
                move.body,
                "refit",
                -need * a.refit_cost_per_m2,
                f"{need:g} m² x {_gbp(a.refit_cost_per_m2)}",
            )
    columns = [
        "move",
        "asset_id",
        "asset_name",
        "financial_year",
        "body",
        "kind",
        "amount",
        "basis",
    ]
    return pd.DataFrame(rows, columns=columns)


def _nan(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def _gbp(value: float) -> str:
    return f"£{value:,.0f}" if float(value).is_integer() else f"£{value:,.2f}"


def _receipt(move) -> tuple[float, str]:
    if not _nan(move.receipt_set):
        return float(move.receipt_set), "receipt set in the scenario"
    if move.tenure == "leasehold":
        return 0.0, "leasehold: no receipt"
    if not _nan(move.valuation):
        return float(move.valuation), "the asset's valuation"
    return 0.0, "no valuation"


def _receiving_rate(move, a: Assumptions) -> tuple[float, str]:
    if _nan(move.receiving_id):
        return 0.0, ""
    if a.receiving_cost_per_m2 is not None:
        return a.receiving_cost_per_m2, "scenario's receiving cost"
    if (
        not _nan(move.receiving_running_cost)
        and not _nan(move.receiving_usable_m2)
        and move.receiving_usable_m2 > 0
    ):
        return (
            round(move.receiving_running_cost / move.receiving_usable_m2, 2),
            "receiving site's running cost per m²",
        )
    return 0.0, ""


def _share(exit_date: dt.date, year: int) -> tuple[int, float]:
    """Days of financial year ``year`` on or after ``exit_date``, and their share."""
    start = max(dt.date(year, 4, 1), exit_date)
    days = (_fy_end(year) - start).days + 1
    total = _fy_days(year)
    days = min(max(days, 0), total)
    return days, days / total


def savings_schedule(book: pd.DataFrame, assumptions: Assumptions) -> pd.DataFrame:
    """By financial year and body, then ``PARTNERSHIP`` (every body) for each year:
    receipts, costs, net, cumulative, discount factor and present value."""
    a = assumptions
    years = list(range(a.first_year, a.first_year + a.horizon_years))
    bodies = sorted(book["body"].unique()) if not book.empty else []
    wide = book.pivot_table(
        index=["body", "financial_year"],
        columns="kind",
        values="amount",
        aggfunc="sum",
        fill_value=0.0,
    )
    for kind in LEDGER_KINDS:
        if kind not in wide.columns:
            wide[kind] = 0.0
    frames = []
    for body in [*bodies, "PARTNERSHIP"]:
        part = (
            wide.groupby(level="financial_year").sum()
            if body == "PARTNERSHIP"
            else wide.xs(body, level="body")
            if body in wide.index.get_level_values(0)
            else wide.iloc[0:0]
        )
        part = part.reindex(years, fill_value=0.0)
        frame = pd.DataFrame(
            {
                "financial_year": [fy_label(y) for y in years],
                "body": body,
                "capital_receipts": part["receipt"].to_numpy(),
                "costs_of_sale": part["cost_of_sale"].to_numpy(),
                "revenue_savings": part["revenue_saving"].to_numpy(),
                "extra_running_costs": part["extra_running_cost"].to_numpy(),
                "one_off_costs": (part["relocation"] + part["refit"]).to_numpy(),
            }
        )
        frame["net_receipts"] = frame["capital_receipts"] + frame["costs_of_sale"]
        frame["net"] = (
            frame["net_receipts"]
            + frame["revenue_savings"]
            + frame["extra_running_costs"]
            + frame["one_off_costs"]
        )
        frame["cumulative"] = frame["net"].cumsum()
        frame["discount_factor"] = 1 / (1 + a.discount_rate) ** np.arange(len(years))
        frame["present_value"] = frame["net"] * frame["discount_factor"]
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)[SCHEDULE_COLUMNS]
    out[SCHEDULE_MONEY] = out[SCHEDULE_MONEY].round(2)
    out["discount_factor"] = out["discount_factor"].round(6)
    return out


def npv_by_body(schedule: pd.DataFrame) -> pd.DataFrame:
    """Totals over the horizon and the NPV, one row a body and one for the partnership."""
    sums = (
        schedule.groupby("body", sort=False)[
            [
                "net_receipts",
                "revenue_savings",
                "extra_running_costs",
                "one_off_costs",
                "net",
                "present_value",
            ]
        ]
        .sum()
        .round(2)
    )
    return sums.rename(columns={"present_value": "npv"}).reset_index()


def disposal_schedule(moves: pd.DataFrame, assumptions: Assumptions) -> pd.DataFrame:
    """One row a move: the asset, its exit, its estimated receipt and the receiving site."""
    out = moves.copy()
    receipts = [_receipt(m) for m in moves.itertuples(index=False)]
    out["estimated_receipt"] = [r for r, _ in receipts]
    out["receipt_basis"] = [b for _, b in receipts]
    fte = out["fte_set"].where(out["fte_set"].notna(), out["occupants_fte"])
    out["occupants_fte"] = fte
    out["need_m2"] = fte * assumptions.nia_per_fte_m2
    out["completion_date"] = out["completion_date"].where(
        out["completion_date"].notna(), out["exit_date"]
    )
    out["annual_running_cost"] = out["running_cost"]
    out["receiving_id"] = out["receiving_id"].astype("Int64")
    return out[DISPOSAL_COLUMNS]


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
    assumptions = Assumptions.of(scenario)
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
