"""What a scenario is worth: the ledger, the savings schedule, the NPV and the disposal
schedule, worked out from the scenario's moves and its assumptions.

Pure arithmetic on pandas frames: nothing here reads or writes the database (a test
in ``tests/test_architecture.py`` keeps it so), so every figure can be checked against
one worked by hand without a register. The moves come from
:func:`estate.analysis.scenarios.read_moves` (one row a move, the asset and receiving
site figures it rests on); :func:`estate.analysis.scenarios.evaluate` joins the two.

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

import numpy as np
import pandas as pd

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
    "room_override",
    "annual_running_cost",
    "notes",
]


def financial_year(day: dt.date) -> int:
    """The financial year (April to March) a date falls in, by the year it starts."""
    return day.year if day.month >= 4 else day.year - 1


def fy_label(year: int) -> str:
    """A financial year as finance teams write it: 2027 is "2027-28"."""
    return f"{year}-{(year + 1) % 100:02d}"


def current_financial_year() -> int:
    """The financial year today falls in (a new scenario's first year by default)."""
    return financial_year(dt.date.today())


# --- assumptions ----------------------------------------------------------------


@dataclass(frozen=True)
class Assumptions:
    """A scenario's assumptions, as plain numbers for the arithmetic.

    Built from a stored scenario by :func:`estate.analysis.scenarios.assumptions_of`;
    built by hand (as the tests do) for figures that were never stored."""

    first_year: int
    horizon_years: int
    discount_rate: float
    relocation_cost_per_fte: float = 0.0
    refit_cost_per_m2: float = 0.0
    sale_cost_share: float = 0.0
    receiving_cost_per_m2: float | None = None
    nia_per_fte_m2: float = 8.0

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
    receipts, costs, net, cumulative, discount factor and present value.

    Worked for every body at once (one frame of body x year), not body by body: a
    region's scenario has tens of bodies, and the page recalculates on every change."""
    a = assumptions
    years = list(range(a.first_year, a.first_year + a.horizon_years))
    bodies = sorted(book["body"].unique()) if not book.empty else []
    index = pd.MultiIndex.from_product([[*bodies, "PARTNERSHIP"], years],
                                       names=["body", "financial_year"])  # fmt: skip
    if book.empty:
        wide = pd.DataFrame(0.0, index=index, columns=list(LEDGER_KINDS))
    else:
        sums = book.groupby(["body", "financial_year", "kind"])["amount"].sum()
        wide = sums.unstack("kind", fill_value=0.0).reindex(columns=list(LEDGER_KINDS),
                                                            fill_value=0.0)  # fmt: skip
        whole = wide.groupby(level="financial_year").sum()
        whole.index = pd.MultiIndex.from_product([["PARTNERSHIP"], whole.index],
                                                 names=["body", "financial_year"])  # fmt: skip
        wide = pd.concat([wide, whole]).reindex(index, fill_value=0.0)
    frame = pd.DataFrame(
        {
            "financial_year": [fy_label(y) for y in years] * (len(bodies) + 1),
            "body": index.get_level_values("body"),
            "capital_receipts": wide["receipt"].to_numpy(),
            "costs_of_sale": wide["cost_of_sale"].to_numpy(),
            "revenue_savings": wide["revenue_saving"].to_numpy(),
            "extra_running_costs": wide["extra_running_cost"].to_numpy(),
            "one_off_costs": (wide["relocation"] + wide["refit"]).to_numpy(),
        }
    )
    frame["net_receipts"] = frame["capital_receipts"] + frame["costs_of_sale"]
    frame["net"] = (
        frame["net_receipts"]
        + frame["revenue_savings"]
        + frame["extra_running_costs"]
        + frame["one_off_costs"]
    )
    frame["cumulative"] = frame["net"].to_numpy().reshape(-1, len(years)).cumsum(axis=1).ravel()
    factors = 1 / (1 + a.discount_rate) ** np.arange(len(years))
    frame["discount_factor"] = np.tile(factors, len(bodies) + 1)
    frame["present_value"] = frame["net"] * frame["discount_factor"]
    out = frame[SCHEDULE_COLUMNS].copy()
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
    # Kept by a person though the receiving site has no room for it (flagged).
    kept = out["room_override"] if "room_override" in out.columns else False
    out["room_override"] = pd.Series(kept, index=out.index).fillna(False).astype(bool)
    return out[DISPOSAL_COLUMNS]
