"""Changing a scenario as a whole: its name, its assumptions, a copy of it, its status
(draft, proposed, agreed) and deleting it, each written to the audit trail.

A partnership agrees a scenario's figures; the trail says who proposed and who agreed
them, and when (:mod:`estate.audit`), and an agreed scenario is read-only
(:func:`estate.analysis.scenarios.ensure_editable`): a variant starts as a duplicate.
The moves are :mod:`estate.analysis.scenario_moves`'. Nothing here commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from estate import audit
from estate.accounts import Account
from estate.analysis.scenarios import create_scenario, ensure_editable, scenario_name
from estate.errors import ConflictError, EstateError
from estate.models import Scenario, ScenarioMove

STATUSES = ("draft", "proposed", "agreed")
# Each status and where it may go next: back to draft from proposed, never from agreed.
NEXT_STATUS = {"draft": ("proposed",), "proposed": ("agreed", "draft"), "agreed": ()}
ASSUMPTIONS = (
    "description",
    "first_year",
    "horizon_years",
    "discount_rate",
    "relocation_cost_per_fte",
    "refit_cost_per_m2",
    "sale_cost_share",
    "receiving_cost_per_m2",
    "nia_per_fte_m2",
)


def _trail(session: Session, actor: Account | str, scenario: Scenario, action: str,
           changes: Mapping[str, object] | None = None) -> None:  # fmt: skip
    audit.record(
        session.connection(),
        actor,
        "scenario",
        action,
        organisation_id=actor.organisation_id if isinstance(actor, Account) else None,
        subject_id=scenario.id,
        changes=changes,
    )


def rename(session: Session, scenario: Scenario, new_name: str, actor: Account | str) -> None:
    """Give the scenario another name (not one another scenario has)."""
    ensure_editable(scenario)
    new_name = scenario_name(new_name)
    if new_name == scenario.name:
        return
    if session.scalar(select(Scenario.id).where(Scenario.name == new_name)) is not None:
        raise ConflictError(f"a scenario named {new_name!r} exists already")
    _trail(session, actor, scenario, "rename", {"name": [scenario.name, new_name]})
    scenario.name = new_name
    scenario.updated_at = dt.datetime.now(dt.UTC)
    session.flush()


def update_assumptions(
    session: Session, scenario: Scenario, values: Mapping[str, object], actor: Account | str
) -> list[str]:
    """Set the assumptions given (names of :data:`ASSUMPTIONS`); returns those changed."""
    ensure_editable(scenario)
    unknown = sorted(set(values) - set(ASSUMPTIONS))
    if unknown:
        raise EstateError(f"not an assumption: {unknown[0]}")
    before = {k: getattr(scenario, k) for k in values}
    changes = audit.diff(before, values)
    for key in changes:
        value = values[key]
        setattr(scenario, key, Decimal(str(value)) if isinstance(value, float) else value)
    if changes:
        _trail(session, actor, scenario, "assumptions", changes)
        scenario.updated_at = dt.datetime.now(dt.UTC)
        session.flush()
    return sorted(changes)


def duplicate(
    session: Session, scenario: Scenario, new_name: str, actor: Account | str
) -> Scenario:
    """A draft copy of the scenario, its assumptions and moves, under ``new_name``
    (an agreed scenario may be copied: that is how a variant of it is made)."""
    copy = create_scenario(session, new_name, **{k: getattr(scenario, k) for k in ASSUMPTIONS})
    for move in scenario.moves:
        session.add(
            ScenarioMove(
                scenario=copy, asset_id=move.asset_id, receiving_asset_id=move.receiving_asset_id,
                exit_date=move.exit_date, completion_date=move.completion_date,
                receipt=move.receipt, fte=move.fte, notes=move.notes,
                room_override=move.room_override,
            )
        )  # fmt: skip
    session.flush()
    _trail(session, actor, copy, "duplicate", {"from": [None, scenario.name]})
    return copy


def delete(session: Session, scenario: Scenario, actor: Account | str) -> None:
    """Delete the scenario and its moves (an agreed one is kept: it is the record)."""
    ensure_editable(scenario)
    _trail(session, actor, scenario, "delete", {"name": [scenario.name, None]})
    session.delete(scenario)
    session.flush()


def set_status(session: Session, scenario: Scenario, status: str, actor: Account | str) -> None:
    """Move the scenario on: draft -> proposed -> agreed (or proposed back to draft)."""
    if status not in STATUSES:
        raise EstateError(f"a scenario is draft, proposed or agreed, not {status!r}")
    if status == scenario.status:
        return
    if status not in NEXT_STATUS[scenario.status]:
        raise ConflictError(
            f"scenario {scenario.name!r} is {scenario.status}: it cannot become {status}"
        )
    _trail(session, actor, scenario, "status", {"status": [scenario.status, status]})
    scenario.status = status
    scenario.updated_at = dt.datetime.now(dt.UTC)
    session.flush()


def read_assumptions(form: Mapping[str, object]) -> dict[str, object]:
    """The assumptions a person typed (a web form, as text): money as people write it
    (``£2,500``), rates as percentages (``3.5%``); a blank receiving cost means the
    receiving site's own. Only the fields present are read."""
    from estate.forms import read_money, read_positive, read_rate, read_text

    readers = {
        "description": lambda v: read_text(v, "the description", limit=500),
        "first_year": lambda v: _year(v),
        "horizon_years": lambda v: _horizon(v),
        "discount_rate": lambda v: read_rate(v, "the discount rate"),
        "relocation_cost_per_fte": lambda v: read_money(v, "the relocation cost per FTE"),
        "refit_cost_per_m2": lambda v: read_money(v, "the refit cost per m²"),
        "sale_cost_share": lambda v: read_rate(v, "the costs of sale"),
        "receiving_cost_per_m2": lambda v: read_money(v, "the receiving cost per m²"),
        "nia_per_fte_m2": lambda v: read_positive(v, "the NIA per FTE (m²)", limit=1000),
    }
    values: dict[str, object] = {}
    for name, read in readers.items():
        if name in form:
            value = read(form[name])
            if value is None and name not in ("description", "receiving_cost_per_m2"):
                continue  # left blank: kept as it is
            values[name] = value
    return values


def _year(value: object) -> int | None:
    from estate.forms import FormError, read_number

    number = read_number(value, "the first financial year")
    if number is None:
        return None
    if not number.is_integer() or not 2000 <= number <= 2100:
        raise FormError(f"the first financial year is a year such as 2027, not {value}")
    return int(number)


def _horizon(value: object) -> int | None:
    from estate.forms import FormError, read_number

    number = read_number(value, "the horizon (years)")
    if number is None:
        return None
    if not number.is_integer() or not 1 <= number <= 60:
        raise FormError(f"the horizon is 1 to 60 whole years, not {value}")
    return int(number)
