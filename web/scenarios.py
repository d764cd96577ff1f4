"""Scenarios in the browser: the list (with net and NPV), one scenario's schedules and
its forms, and the comparison of several side by side.

For the bodies' editors and club admins (and admins): create, duplicate, rename and
delete a scenario, edit its assumptions, add exits (from the disposals list, an asset's
page or here), change each exit (dates, receiving site, receipt) and move it draft ->
proposed -> agreed; viewers read. Every change is a POST that redirects to the
scenario's page (POST-redirect-GET), which evaluates the schedules afresh: there is
nothing to refresh by script. The rules are the domain's (:mod:`estate.analysis`): a
route turns a form into one call and its answer into a page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Blueprint, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from estate import display
from estate.analysis import scenario_changes
from estate.analysis.capacity import RoomError, sites_with_room
from estate.analysis.scenario_moves import add_move, need_of, remove_move
from estate.analysis.scenarios import (
    create_scenario,
    default_assumptions,
    evaluate,
    find_asset,
    list_scenarios,
)
from estate.analysis.suitability import rule_rows
from estate.errors import EstateError, NotFoundError
from estate.forms import FormError, read_date, read_id, read_money, read_text
from estate.models import Asset, Scenario
from estate.record_ids import given_id
from estate.web.auth import current_account, requires, viewer
from estate.web.cache import organisations
from estate.web.scenario_pages import (
    DISPOSAL_TABLE,
    NPV_TABLE,
    ROOM_TABLE,
    SAVINGS_TABLE,
    assumption_fields,
    compare_view,
    savings_chart,
)
from estate.web.state import connection, state, writing
from estate.web.tables import table_rows

bp = Blueprint("scenarios", __name__)


def may_edit() -> bool:
    """Editors, club admins and admins change scenarios; viewers read them."""
    account = current_account()
    return account is not None and account.can("editor")


def scenario_choices() -> list[tuple[int, str]]:
    """(id, name) of the scenarios the signed-in person may add exits to (none for a
    viewer; never an agreed one), for the "Add to scenario" forms of other pages."""
    if not may_edit():
        return []
    open_ones = select(Scenario.id, Scenario.name).where(Scenario.status != "agreed")
    rows = connection().execute(open_ones.order_by(Scenario.name))
    return [(int(i), n) for i, n in rows]


@bp.app_context_processor
def _choices() -> dict:
    return {"scenario_choices": scenario_choices, "may_edit_scenarios": may_edit}


@contextmanager
def _changing() -> Iterator[Session]:
    """A session on a transaction of its own, committed when the change is done."""
    with writing() as conn, Session(bind=conn) as session:
        yield session
        session.flush()


def _scenario(session: Session, scenario_id: int) -> Scenario:
    # Any whole number a URL holds is looked up safely (estate.record_ids).
    found = session.scalar(select(Scenario).where(Scenario.id == given_id(scenario_id)))
    if found is None:
        raise NotFoundError(f"there is no scenario {scenario_id}")
    return found


def _page(name: str):
    return redirect(url_for("scenarios.scenario", name=name))


# --- the list -----------------------------------------------------------------------


@bp.get("/scenarios")
def index():
    """Every scenario with its status, net and NPV for the partnership, a form to make a new
    one (from the documented defaults) and a choice of scenarios to compare."""
    frame = list_scenarios(connection())
    rows = []
    with Session(bind=connection()) as session:
        for row in frame.to_dict("records"):
            result = evaluate(session, row["name"], viewer())
            total = result.totals.set_index("body").loc["PARTNERSHIP"]
            rows.append({**row, "net": display.show_money(total["net"]),
                         "npv": display.show_money(total["npv"]),
                         "discount": display.show_percent(row["discount_rate"])})  # fmt: skip
    defaults = default_assumptions(state().settings)
    return render_template(
        "scenarios.html",
        active="scenarios.index",
        scenarios=rows,
        fields=assumption_fields(defaults),
        may_edit=may_edit(),
    )


@bp.post("/scenarios")
@requires("editor")
def create():
    """A new scenario from the assumptions on the form (the defaults unless changed)."""
    name = read_text(request.form.get("name"), "the scenario's name", required=True, limit=120)
    values = {**default_assumptions(state().settings),
              **scenario_changes.read_assumptions(request.form)}  # fmt: skip
    with _changing() as session:
        made = create_scenario(session, name or "", **values)
        scenario_changes.update_assumptions(session, made, {}, current_account())
        made_name = made.name
    return _page(made_name)


# --- one scenario ---------------------------------------------------------------------


@bp.get("/scenarios/<path:name>")
def scenario(name: str):
    """One scenario's schedules (savings by year with a chart, NPV by body, the disposal
    schedule, the room at each receiving site) and, for editors, its forms; ``move``
    opens the form of one exit with the sites that could take its occupants."""
    return _render(name)


def _render(name: str, problem: str | None = None, move_form: dict | None = None,
            status: int = 200):  # fmt: skip
    with Session(bind=connection()) as session:
        result = evaluate(session, name, viewer())
        editing = _move_form(session, result, move_form)
    scenario = result.scenario
    partnership = result.savings[result.savings["body"] == "PARTNERSHIP"]
    editable = may_edit() and scenario.status != "agreed"
    values = {k: getattr(scenario, k) for k in scenario_changes.ASSUMPTIONS}
    return (
        render_template(
            "scenario.html",
            active="scenarios.index",
            scenario=scenario,
            assumptions=[
                (n, display.show_assumption(n, v), m) for n, v, m in result.assumptions.rows()
            ],  # fmt: skip
            fields=assumption_fields(values),
            savings_columns=SAVINGS_TABLE,
            savings=table_rows(partnership, SAVINGS_TABLE),
            disposal_columns=DISPOSAL_TABLE,
            disposals=table_rows(result.disposals, DISPOSAL_TABLE),
            disposal_ids=list(result.disposals["asset_id"]),
            overridden=list(result.disposals["room_override"]),
            npv_columns=NPV_TABLE,
            npv=table_rows(result.totals, NPV_TABLE),
            room_columns=ROOM_TABLE,
            room=table_rows(result.room, ROOM_TABLE),
            overfilled=list(result.room["overfilled"]),
            chart=savings_chart(partnership),
            rule=rule_rows(),
            editable=editable,
            may_edit=may_edit(),
            next_status=scenario_changes.NEXT_STATUS[scenario.status],
            problem=problem,
            editing=editing,
        ),
        status,
    )


def _move_form(session: Session, result, given: dict | None) -> dict | None:
    """The form of one exit: its values (as given back after a refusal, else as stored) and
    the sites with the right use and room after the scenario's other moves."""
    asset_id = (given or {}).get("asset_id") or request.args.get("move", type=int)
    if not asset_id or not may_edit() or result.scenario.status == "agreed":
        return None
    rows = result.disposals[result.disposals["asset_id"] == int(asset_id)]
    if rows.empty:
        return None
    row = rows.iloc[0]
    asset = session.get(Asset, int(asset_id))
    nia = result.assumptions.nia_per_fte_m2
    need = need_of(asset, None if _missing(row["occupants_fte"]) else row["occupants_fte"], nia)
    sites = sites_with_room(session.connection(), result.scenario.id, int(asset_id),
                            asset.use_class, need, nia, state().settings.relocation_distance_m,
                            viewer())  # fmt: skip
    bodies = {b["code"]: b["name"] for b in organisations()}
    options = [(int(s.id), f"{s.name} ({bodies.get(s.body, s.body)}): {s.left_m2:,.0f} m² spare "
                f"after the other moves, {s.distance_m:,.0f} m away")
               for s in sites.itertuples()]  # fmt: skip
    current = None if _missing(row["receiving_id"]) else int(row["receiving_id"])
    if current is not None and current not in {i for i, _ in options}:
        options.insert(0, (current, f"{row['receiving_name']} (chosen now)"))
    receipt = result.moves.set_index("asset_id").loc[int(asset_id), "receipt_set"]
    values = given or {
        "exit_date": row["exit_date"].isoformat(),
        "completion_date": row["completion_date"].isoformat(),
        "receipt": "" if _missing(receipt) else display.show_money(receipt),
        "receiving_id": current,
        "override": bool(row["room_override"]),
    }
    return {"asset_id": int(asset_id), "name": row["name"], "need": f"{need:,.0f}",
            "options": options, "values": values}  # fmt: skip


def _missing(value: object) -> bool:
    return display.missing(value)


@bp.post("/scenario/moves")
@requires("editor")
def add_moves():
    """Add the exits of the assets ticked (``asset_id``, one or more) to the scenario chosen
    (``scenario_id``), each to the nearest site with the right use and room left, on the
    exit date given (else next October)."""
    scenario_id = read_id(request.form.get("scenario_id"), "the scenario")
    if scenario_id is None:
        raise FormError("choose a scenario to add to")
    ids = [read_id(v, "an asset id") for v in request.form.getlist("asset_id")]
    if not ids:
        raise FormError("tick at least one asset to add")
    year = dt.date.today().year + (1 if dt.date.today().month >= 4 else 0)
    exit_date = read_date(request.form.get("exit_date"), "the exit date") or dt.date(year, 10, 1)
    settings = state().settings
    with _changing() as session:
        found = _scenario(session, scenario_id)
        nia = float(found.nia_per_fte_m2)
        for asset_id in ids:
            asset = find_asset(session, str(asset_id))
            if any(m.asset_id == asset.id for m in found.moves):
                continue
            need = need_of(asset, None, nia)
            sites = sites_with_room(
                session.connection(), found.id, asset.id, asset.use_class, need, nia,
                settings.relocation_distance_m, viewer(), 1,
            )  # fmt: skip
            found_site = need > 0 and len(sites)
            site = session.get(Asset, int(sites["id"].iloc[0])) if found_site else None
            add_move(session, found, asset, exit_date, site, notes="added in the browser")
        name = found.name
    return _page(name)


@bp.post("/scenario/<int:scenario_id>/moves/<int:asset_id>")
@requires("editor")
def change_move(scenario_id: int, asset_id: int):
    """Change one exit: its dates, receiving site, receipt, and whether a person keeps it
    though the site has no room. A refusal shows the page again with the figures."""
    form = {
        "asset_id": asset_id,
        "exit_date": request.form.get("exit_date", ""),
        "completion_date": request.form.get("completion_date", ""),
        "receipt": request.form.get("receipt", ""),
        "receiving_id": read_id(request.form.get("receiving_id"), "the receiving site"),
        "override": request.form.get("override") == "yes",
    }
    name = None
    try:
        with _changing() as session:
            found = _scenario(session, scenario_id)
            name = found.name
            move = next((m for m in found.moves if m.asset_id == asset_id), None)
            if move is None:
                raise NotFoundError(f"asset {asset_id} is not in scenario {found.name!r}")
            receipt = read_money(form["receipt"], "the receipt")
            add_move(
                session, found, find_asset(session, str(asset_id)),
                read_date(form["exit_date"], "the exit date", required=True),
                find_asset(session, str(form["receiving_id"])) if form["receiving_id"] else None,
                read_date(form["completion_date"], "the completion date"),
                None if receipt is None else _pounds(receipt), move.fte, move.notes,
                override=bool(form["override"]),
            )  # fmt: skip
    except (RoomError, FormError) as exc:
        if name is None:
            raise
        return _render(name, str(exc), form, exc.status)
    return _page(name)


def _pounds(value: float):
    from decimal import Decimal

    return Decimal(str(round(value, 2)))


@bp.post("/scenario/<int:scenario_id>/moves/<int:asset_id>/remove")
@requires("editor")
def drop_move(scenario_id: int, asset_id: int):
    """Take one exit out of the scenario."""
    with _changing() as session:
        found = _scenario(session, scenario_id)
        remove_move(session, found, find_asset(session, str(asset_id)))
        name = found.name
    return _page(name)


@bp.post("/scenario/<int:scenario_id>/<action>")
@requires("editor")
def change(scenario_id: int, action: str):
    """Rename, duplicate, delete, set the assumptions or move the status on."""
    account = current_account()
    with _changing() as session:
        found = _scenario(session, scenario_id)
        name = found.name
        if action == "assumptions":
            scenario_changes.update_assumptions(
                session, found, scenario_changes.read_assumptions(request.form), account
            )
        elif action == "rename":
            scenario_changes.rename(session, found, request.form.get("name", ""), account)
            name = found.name
        elif action == "duplicate":
            name = scenario_changes.duplicate(
                session, found, request.form.get("name", ""), account
            ).name
        elif action == "status":
            scenario_changes.set_status(session, found, request.form.get("status", ""), account)
        elif action == "delete":
            scenario_changes.delete(session, found, account)
            name = ""
        else:
            raise NotFoundError(f"there is no scenario action {action!r}")
    return redirect(url_for("scenarios.index")) if not name else _page(name)


# --- comparing ----------------------------------------------------------------------


@bp.get("/compare")
def compare():
    """Two or more scenarios side by side: net and NPV by body and for the partnership,
    receipts, revenue savings and one-off costs by year, and a chart of the cumulative net."""
    names = [n for n in request.args.getlist("name") if n.strip()]
    if len(names) < 2:
        raise EstateError("tick two or more scenarios to compare")
    if len(names) > 8:
        raise EstateError("compare at most 8 scenarios at once")
    with Session(bind=connection()) as session:
        results = [evaluate(session, n, viewer()) for n in dict.fromkeys(names)]
    return render_template("compare.html", active="scenarios.index", **compare_view(results))
