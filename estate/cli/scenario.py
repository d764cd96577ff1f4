"""``estate scenario``: named sets of moves and disposals with their assumptions."""

from __future__ import annotations

import click

from estate.cli.helpers import (
    bodies_option,
    open_engine,
    open_session,
    pass_settings,
    print_frame,
    split_list,
)
from estate.config import Settings
from estate.display import show_assumption
from estate.errors import EstateError
from estate.labels import body_names


class _Money(click.ParamType):
    """An amount as people type it: ``£450,000``, ``450k``, ``£1.2m``
    (:func:`estate.forms.read_money`, the web forms' reader too)."""

    name = "GBP"

    def convert(self, value, param, ctx):
        from estate.forms import FormError, read_money

        if isinstance(value, float):
            return value
        try:
            return read_money(value, param.name.replace("_", " ") if param else "the amount")
        except FormError as exc:
            self.fail(str(exc), param, ctx)


class _Rate(click.ParamType):
    """A rate as ``3.5%``, ``3.5`` or ``0.035`` (:func:`estate.forms.read_rate`)."""

    name = "RATE"

    def convert(self, value, param, ctx):
        from estate.forms import FormError, read_rate

        if isinstance(value, float):
            return value
        try:
            return read_rate(value, param.name.replace("_", " ") if param else "the rate")
        except FormError as exc:
            self.fail(str(exc), param, ctx)


MONEY, RATE = _Money(), _Rate()


def _assumption_options(function):
    options = [
        click.option("--description", help="What the scenario is for."),
        click.option(
            "--first-year",
            type=int,
            metavar="YEAR",
            help="First financial year, by the year it starts (2027 = 2027-28) [the current one].",
        ),
        click.option(
            "--horizon",
            type=click.IntRange(1, 60),
            metavar="YEARS",
            help="Years in the schedule and NPV [ESTATE_HORIZON_YEARS].",
        ),
        click.option(
            "--discount-rate",
            type=RATE,
            help="A year: 3.5% (or 0.035) [ESTATE_DISCOUNT_RATE].",
        ),
        click.option(
            "--relocation-cost-per-fte",
            type=MONEY,
            help="One-off cost of moving one FTE: £2,500 [ESTATE_RELOCATION_COST_PER_FTE].",
        ),
        click.option(
            "--refit-cost-per-m2",
            type=MONEY,
            help="One-off refit of each m² the movers need at the receiving site: £350 "
            "[ESTATE_REFIT_COST_PER_M2].",
        ),
        click.option(
            "--sale-cost-share",
            type=RATE,
            metavar="SHARE",
            help="Costs of sale as a share of the receipt: 2% [ESTATE_SALE_COST_SHARE].",
        ),
        click.option(
            "--receiving-cost-per-m2",
            type=MONEY,
            help="Extra running cost a year of each m² taken at the receiving site "
            "[the receiving site's own cost per m²].",
        ),
        click.option(
            "--nia-per-fte",
            type=click.FloatRange(0, min_open=True),
            metavar="M2",
            help="Space each moved FTE needs [ESTATE_NIA_PER_FTE_M2].",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _assumptions(values: dict[str, object]) -> dict[str, object]:
    names = {"horizon": "horizon_years", "nia_per_fte": "nia_per_fte_m2"}
    return {names.get(k, k): v for k, v in values.items() if v is not None}


@click.group()
def scenario() -> None:
    """Named sets of moves and disposals with their assumptions."""


@scenario.command("create")
@click.argument("name")
@_assumption_options
@pass_settings
def scenario_create(settings: Settings, name: str, **values: object) -> None:
    """Create an empty scenario NAME; assumptions not given take the settings' defaults."""
    from estate.analysis.scenarios import create_scenario, default_assumptions

    defaults = default_assumptions(settings)
    with open_session(settings) as session:
        create_scenario(session, name, **{**defaults, **_assumptions(values)})
    click.echo(f"created scenario {name!r}")


@scenario.command("set")
@click.argument("name")
@click.option("--rename", metavar="NEW", help="A new name.")
@_assumption_options
@pass_settings
def scenario_set(settings: Settings, name: str, rename: str | None, **values: object) -> None:
    """Change the assumptions (or the name) of scenario NAME."""
    from estate.analysis import scenario_changes
    from estate.analysis.scenarios import get_scenario

    changes = _assumptions(values)
    if not changes and not rename:
        raise EstateError("nothing to change: give an option (see --help)")
    with open_session(settings) as session:
        found = get_scenario(session, name)
        scenario_changes.update_assumptions(session, found, changes, "cli")
        if rename:
            scenario_changes.rename(session, found, rename, "cli")
    changed = sorted([*changes, *(["name"] if rename else [])])
    click.echo(f"updated scenario {name!r}: " + ", ".join(changed))


@scenario.command("add")
@click.argument("name")
@click.argument("asset")
@click.option(
    "--exit",
    "exit_date",
    type=click.DateTime(["%Y-%m-%d"]),
    required=True,
    help="Date the body leaves the asset.",
)
@click.option(
    "--to",
    "receiving",
    metavar="ASSET",
    help="Receiving site for its occupants (id or BODY:REFERENCE).",
)
@click.option(
    "--completion",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Date the sale completes [the exit date].",
)
@click.option(
    "--receipt",
    type=MONEY,
    help="Expected receipt, as £450,000 or 450k [the asset's valuation; none for a leasehold].",
)
@click.option("--fte", type=click.FloatRange(0), help="Occupants moving [the asset's FTE].")
@click.option("--notes")
@click.option(
    "--override",
    is_flag=True,
    help="Keep the move even though the receiving site has no room for it (flagged).",
)
@pass_settings
def scenario_add(
    settings: Settings,
    name: str,
    asset: str,
    exit_date,
    receiving: str | None,
    completion,
    receipt: float | None,
    fte: float | None,
    notes: str | None,
    override: bool,
) -> None:
    """Add the exit of ASSET (id, or BODY:REFERENCE) to scenario NAME, or change it.
    A receiving site must be able to take the movers (its use, and its spare space after
    the scenario's other moves into it); --override keeps a move that overfills it."""
    from decimal import Decimal

    from estate.analysis.scenario_moves import add_move
    from estate.analysis.scenarios import find_asset, get_scenario

    with open_session(settings) as session:
        found = get_scenario(session, name)
        target = find_asset(session, asset)
        add_move(
            session,
            found,
            target,
            exit_date.date(),
            find_asset(session, receiving) if receiving else None,
            completion.date() if completion else None,
            Decimal(str(receipt)) if receipt is not None else None,
            Decimal(str(fte)) if fte is not None else None,
            notes,
            override,
        )
        label = target.name
    click.echo(f"{name}: exit of {label!r} on {exit_date.date()}")


@scenario.command("add-candidates")
@click.argument("name")
@click.option(
    "--exit",
    "exit_date",
    type=click.DateTime(["%Y-%m-%d"]),
    required=True,
    help="Exit date for every move added.",
)
@click.option("--min-score", type=int, default=3, show_default=True)
@click.option(
    "--limit",
    type=int,
    default=10,
    show_default=True,
    help="At most this many, highest score first.",
)
@bodies_option
@pass_settings
def scenario_add_candidates(
    settings: Settings, name: str, exit_date, min_score: int, limit: int, bodies: str | None
) -> None:
    """Add the top disposal candidates that have a receiving site (or are vacant) to
    scenario NAME, each moving to its nearest site with room."""
    from estate.analysis.disposal import disposal_candidates
    from estate.analysis.scenario_moves import add_candidates
    from estate.analysis.scenarios import get_scenario

    with open_session(settings) as session:
        found = get_scenario(session, name)
        result = disposal_candidates(
            session.connection(),
            float(found.nia_per_fte_m2),  # the scenario's space standard, not the setting's
            settings.relocation_distance_m,
            exit_date.date(),
            min_score,
            bodies=split_list(bodies),
        )
        added, skipped = add_candidates(
            session, found, result.candidates, exit_date.date(), limit,
            settings.relocation_distance_m,
        )  # fmt: skip
    click.echo(f"{name}: added {added} moves")
    for reason in skipped:
        click.echo(f"  skipped {reason}")


@scenario.command("remove")
@click.argument("name")
@click.argument("asset")
@pass_settings
def scenario_remove(settings: Settings, name: str, asset: str) -> None:
    """Take the exit of ASSET out of scenario NAME."""
    from estate.analysis.scenario_moves import remove_move
    from estate.analysis.scenarios import find_asset, get_scenario

    with open_session(settings) as session:
        found = get_scenario(session, name)
        gone = remove_move(session, found, find_asset(session, asset))
    if not gone:
        raise EstateError(f"{asset} is not in scenario {name!r}")
    click.echo(f"{name}: removed {asset}")


@scenario.command("delete")
@click.argument("name")
@pass_settings
def scenario_delete(settings: Settings, name: str) -> None:
    """Delete scenario NAME and its moves."""
    from estate.analysis import scenario_changes
    from estate.analysis.scenarios import get_scenario

    with open_session(settings) as session:
        scenario_changes.delete(session, get_scenario(session, name), "cli")
    click.echo(f"deleted scenario {name!r}")


@scenario.command("status")
@click.argument("name")
@click.argument("status", type=click.Choice(["draft", "proposed", "agreed"]))
@pass_settings
def scenario_status(settings: Settings, name: str, status: str) -> None:
    """Move scenario NAME on: draft, proposed, agreed (an agreed scenario is read-only)."""
    from estate.analysis import scenario_changes
    from estate.analysis.scenarios import get_scenario

    with open_session(settings) as session:
        scenario_changes.set_status(session, get_scenario(session, name), status, "cli")
    click.echo(f"scenario {name!r} is {status}")


@scenario.command("list")
@pass_settings
def scenario_list(settings: Settings) -> None:
    """Every scenario with its moves and assumptions."""
    from estate.analysis.scenarios import list_scenarios
    from estate.display import show_percent

    with open_engine(settings) as engine, engine.connect() as conn:
        frame = list_scenarios(conn).drop(columns=["description"])
    for column in ("discount_rate", "sale_cost_share"):  # rates as people read them
        frame[column] = [show_percent(v) for v in frame[column]]
    print_frame(frame, "no scenarios (estate scenario create NAME)")


@scenario.command("show")
@click.argument("name")
@pass_settings
def scenario_show(settings: Settings, name: str) -> None:
    """Scenario NAME: its assumptions, moves, savings by year for the partnership, NPV."""
    from estate.analysis.scenarios import evaluate

    with open_session(settings) as session:
        result = evaluate(session, name)
        description = result.scenario.description
        names = body_names(session.connection())  # type: ignore[attr-defined]
    click.echo(f"scenario {name}" + (f": {description}" if description else ""))
    for label, value, _ in result.assumptions.rows():
        click.echo(f"  {label}: {show_assumption(label, value)}")
    click.echo("")
    print_frame(
        result.disposals[
            ["asset_id", "body", "name", "exit_date", "estimated_receipt", "receiving_name"]
        ],
        "no moves yet (estate scenario add)",
        names=names,
    )
    click.echo("")
    partnership = result.savings[result.savings["body"] == "PARTNERSHIP"].drop(columns=["body"])
    partnership["discount_factor"] = partnership["discount_factor"].map("{:.4f}".format)
    print_frame(partnership, "")
    click.echo("")
    print_frame(result.totals, "", names=names)
