"""What the scenario pages show: their tables' columns, the assumptions' form fields,
the chart's data and the comparison of several scenarios, with its chart drawn as an
SVG on the server (it works offline, prints, and needs no script).

Plain functions of evaluated scenarios (:class:`estate.analysis.scenarios.
ScenarioResult`); the routes are :mod:`estate.web.scenarios`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pandas as pd

from estate import display
from estate.labels import SPECIAL_BODIES, body_names
from estate.web.state import connection
from estate.web.tables import Column

SAVINGS_TABLE = [
    Column("financial_year", "Year"),
    Column("capital_receipts", "Capital receipts", "money"),
    Column("costs_of_sale", "Costs of sale", "money"),
    Column("revenue_savings", "Revenue savings", "money"),
    Column("extra_running_costs", "Extra running costs", "money"),
    Column("one_off_costs", "One-off costs", "money"),
    Column("net", "Net", "money"),
    Column("cumulative", "Cumulative", "money"),
    Column("present_value", "Present value", "money"),
]
DISPOSAL_TABLE = [
    Column("name", "Asset"),
    Column("body", "Body", "body"),
    Column("exit_date", "Exit", "day"),
    Column("completion_date", "Completion", "day"),
    Column("estimated_receipt", "Receipt", "money"),
    Column("annual_running_cost", "Running cost a year", "money"),
    Column("occupants_fte", "Occupants (FTE)", "number"),
    Column("need_m2", "Space needed (m²)", "area"),
    Column("receiving_name", "Moving to"),
]
NPV_TABLE = [
    Column("body", "Body", "body"),
    Column("net_receipts", "Net receipts", "money"),
    Column("revenue_savings", "Revenue savings", "money"),
    Column("extra_running_costs", "Extra running costs", "money"),
    Column("one_off_costs", "One-off costs", "money"),
    Column("net", "Net", "money"),
    Column("npv", "NPV", "money"),
]
ROOM_TABLE = [
    Column("receiving_name", "Receiving site"),
    Column("spare_m2", "Spare space (m²)", "area"),
    Column("moves", "Moves into it", "number"),
    Column("need_m2", "Space they need (m²)", "area"),
    Column("left_m2", "Left (m²)", "area"),
]

# The assumptions' fields: (name, label, kind); money and rates are typed as people
# type them and shown so (£2,500; 3.5%).
ASSUMPTION_FIELDS = [
    ("description", "Description", "text"),
    ("first_year", "First financial year (2027 = 2027-28)", "year"),
    ("horizon_years", "Horizon (years)", "year"),
    ("discount_rate", "Discount rate", "rate"),
    ("relocation_cost_per_fte", "Relocation cost per FTE", "money"),
    ("refit_cost_per_m2", "Refit cost per m²", "money"),
    ("sale_cost_share", "Costs of sale (share of receipt)", "rate"),
    ("receiving_cost_per_m2", "Receiving cost per m² a year (blank: the site's own)", "money"),
    ("nia_per_fte_m2", "Space per FTE (m²)", "number"),
]


def assumption_fields(values: Mapping[str, object]) -> list[dict]:
    """The assumption fields with their values as a person reads and types them."""
    fields = []
    for name, words, kind in ASSUMPTION_FIELDS:
        value = values.get(name)
        if display.missing(value):
            shown = ""
        elif kind == "money":
            shown = display.show_money(float(value), pence=True)  # type: ignore[arg-type]
        elif kind == "rate":
            shown = display.show_percent(value)
        elif kind == "number":
            shown = display.show_number(value, 2)
        else:
            shown = str(value)
        fields.append({"name": name, "label": words, "value": shown})
    return fields


def savings_chart(partnership: pd.DataFrame) -> dict:
    """The scenario chart's data (drawn by ``js/scenario.js``): by year, the net receipts,
    the net revenue savings, the one-off costs and the cumulative net, in whole pounds."""
    return {
        "years": list(partnership["financial_year"]),
        "receipts": [round(float(v)) for v in partnership["net_receipts"]],
        "savings": [
            round(float(s + e))
            for s, e in zip(
                partnership["revenue_savings"], partnership["extra_running_costs"], strict=True
            )
        ],
        "costs": [round(float(v)) for v in partnership["one_off_costs"]],
        "cumulative": [round(float(v)) for v in partnership["cumulative"]],
    }


COLOURS = ["#1b7837", "#005eb8", "#d7301f", "#6a3d9a", "#8c6d31", "#41b6e6", "#fc8d59", "#636363"]
BY_YEAR = [
    ("capital_receipts", "Capital receipts"),
    ("revenue_savings", "Revenue savings"),
    ("one_off_costs", "One-off costs"),
    ("net", "Net"),
]


def _body(code: str, names: Mapping[str, str]) -> str:
    return SPECIAL_BODIES.get(code) or names.get(code, code)


def compare_view(results: Sequence) -> dict:
    """What the compare page shows of two or more evaluated scenarios: net and NPV by body
    and for the partnership, the by-year figures of each, and the chart."""
    names = body_names(connection())
    scenarios = [r.scenario.name for r in results]
    bodies: list[str] = []
    for r in results:
        bodies += [b for b in r.totals["body"] if b not in bodies and b != "PARTNERSHIP"]
    bodies.append("PARTNERSHIP")
    totals = []
    for body in bodies:
        cells = []
        for r in results:
            row = r.totals[r.totals["body"] == body]
            net = float(row["net"].iloc[0]) if len(row) else 0.0
            npv = float(row["npv"].iloc[0]) if len(row) else 0.0
            cells += [display.show_money(net), display.show_money(npv)]
        totals.append({"body": _body(body, names), "cells": cells,
                       "partnership": body == "PARTNERSHIP"})  # fmt: skip
    years: list[str] = []
    for r in results:
        years += [y for y in r.savings["financial_year"].unique() if y not in years]
    years.sort()
    by_year = []
    for field, words in BY_YEAR:
        rows = []
        for year in years:
            cells = []
            for r in results:
                part = r.savings[(r.savings["body"] == "PARTNERSHIP")
                                 & (r.savings["financial_year"] == year)]  # fmt: skip
                cells.append(display.show_money(float(part[field].sum())) if len(part) else "")
            rows.append({"year": year, "cells": cells})
        by_year.append({"words": words, "rows": rows})
    return {"scenarios": scenarios, "totals": totals, "by_year": by_year,
            "chart": cumulative_chart(results, years)}  # fmt: skip


def _nice_step(span: float) -> float:
    """A round tick step (1, 2 or 5 times a power of ten) giving about four ticks."""
    if span <= 0:
        return 1.0
    raw = span / 4
    power = 10 ** math.floor(math.log10(raw))
    return next(f * power for f in (1, 2, 5, 10) if f * power >= raw)


def cumulative_chart(results: Sequence, years: list[str], width: int = 720,
                     height: int = 300) -> dict:  # fmt: skip
    """An SVG line chart of each scenario's cumulative net by year for the partnership:
    the points of each line, the axis ticks and their labels, in the SVG's own units."""
    left, right, top, bottom = 90, 20, 20, 40
    series = []
    for r in results:
        part = r.savings[r.savings["body"] == "PARTNERSHIP"].set_index("financial_year")
        series.append([float(part["cumulative"].get(y, float("nan"))) for y in years])
    values = [v for s in series for v in s if v == v] or [0.0]
    step = _nice_step(max(0.0, *values) - min(0.0, *values))
    low = math.floor(min(0.0, *values) / step) * step
    high = max(math.ceil(max(0.0, *values) / step) * step, low + step)
    span_x = max(len(years) - 1, 1)

    def x(i: int) -> float:
        return round(left + (width - left - right) * i / span_x, 1)

    def y(v: float) -> float:
        return round(top + (height - top - bottom) * (high - v) / (high - low), 1)

    lines = []
    for n, (r, s) in enumerate(zip(results, series, strict=True)):
        points = " ".join(f"{x(i)},{y(v)}" for i, v in enumerate(s) if v == v)
        lines.append({"name": r.scenario.name, "points": points,
                      "colour": COLOURS[n % len(COLOURS)]})  # fmt: skip
    ticks = [low + step * k for k in range(round((high - low) / step) + 1)]
    return {
        "width": width, "height": height, "left": left, "right": width - right,
        "top": top, "bottom": height - bottom, "zero": y(0.0), "lines": lines,
        "y_ticks": [{"y": y(t), "label": display.show_money(t)} for t in ticks],
        "x_ticks": [{"x": x(i), "label": year} for i, year in enumerate(years)],
    }  # fmt: skip
