"""The ``estate`` command: one Click group, extended by the other layers through entry points.

``etl`` and ``web`` declare their commands (load, quality; serve, ...) in the
``estate.commands`` entry-point group of ``setup.cfg``, the way Flask gathers
``flask.commands``. So this module never imports ``etl`` or ``web``, and each
layer owns its commands.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib.metadata import entry_points
from pathlib import Path

import click
import numpy as np
import pandas as pd
from sqlalchemy import Engine, text

from estate import __version__
from estate.config import Settings
from estate.errors import EstateError

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "estate.commands"


class EstateGroup(click.Group):
    """A Click group that adds the commands other layers register, and turns
    :class:`EstateError` into a one-line message and exit status 1 instead of a traceback."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._plugins_loaded = False

    def _load_plugins(self) -> None:
        if self._plugins_loaded:
            return
        self._plugins_loaded = True
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            if ep.name in self.commands:
                continue
            self.add_command(ep.load(), ep.name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_plugins()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        self._load_plugins()
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except EstateError as exc:
            click.secho(f"error: {exc}", fg="red", err=True)
            ctx.exit(1)


pass_settings = click.make_pass_decorator(Settings)


@click.group(cls=EstateGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="estate")
@click.option("-v", "--verbose", is_flag=True, help="Log what is being done.")
@click.pass_context
def cli(ctx: click.Context, verbose: bool) -> None:
    """estate: the locality-wide public estate terrier.

    Load every public body's land and buildings into one PostGIS register, find
    co-location and disposal candidates, and share one map. Settings come from
    ESTATE_* environment variables (see .env.example); without
    ESTATE_DATABASE_URL, estate runs its own private PostgreSQL under .estate/.
    """
    settings = Settings.from_env()
    logging.basicConfig(
        level=logging.DEBUG if verbose else getattr(logging, settings.log_level, logging.INFO),
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not verbose:
        # Alembic announces every plugin and migration at INFO: keep the CLI's output readable.
        logging.getLogger("alembic").setLevel(logging.WARNING)
    ctx.obj = settings


@cli.group()
def db() -> None:
    """The database: bring it up, stop it, and see its state."""


def _cluster(settings: Settings):
    from estate.localdb import LocalCluster

    return LocalCluster(settings.home)


def _describe(settings: Settings) -> tuple[dict[str, object], bool]:
    """The database's state as label -> value, and whether it is usable."""
    from estate.db import current_revision, database_url, head_revision, make_engine

    info: dict[str, object] = {}
    if settings.database_url:
        info["database"] = "external (ESTATE_DATABASE_URL)"
    else:
        cluster = _cluster(settings)
        info["database"] = "embedded"
        info["cluster"] = str(cluster.data_dir)
        info["initialised"] = cluster.initialised
        running = cluster.running()
        info["running"] = running
        if not running:
            info["url"] = database_url(settings).render_as_string(hide_password=True)
            return info, False
    url = database_url(settings)
    info["url"] = url.render_as_string(hide_password=True)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            info["postgresql"] = conn.execute(text("SHOW server_version")).scalar_one()
            info["postgis"] = conn.execute(
                text("SELECT extversion FROM pg_extension WHERE extname = 'postgis'")
            ).scalar()
        revision = current_revision(engine)
        head = head_revision()
        info["schema"] = f"{revision or 'empty'} (head {head})" + (
            "" if revision == head else ": run `estate db up` to migrate"
        )
        if revision is not None:
            with engine.connect() as conn:
                for table in ("organisations", "assets", "load_batches"):
                    count = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                    info[table] = count
        return info, revision == head
    except Exception as exc:  # noqa: BLE001 - status reports, never crashes
        info["error"] = str(exc).splitlines()[0]
        return info, False
    finally:
        engine.dispose()


def _print_info(info: dict[str, object]) -> None:
    width = max(len(k) for k in info)
    for key, value in info.items():
        click.echo(f"{key:<{width}}  {value}")


@db.command("up")
@pass_settings
def db_up(settings: Settings) -> None:
    """Create (on first use) and start the embedded database, then apply the migrations.

    With ESTATE_DATABASE_URL set, no server is started: the migrations are applied
    to that database.
    """
    from estate.db import ensure_database, upgrade

    url = ensure_database(settings)
    upgrade(url)
    info, ok = _describe(settings)
    _print_info(info)
    if not ok:
        raise EstateError("the database is not ready")


@db.command("down")
@pass_settings
def db_down(settings: Settings) -> None:
    """Stop the embedded database (its data stays under ESTATE_HOME)."""
    if settings.database_url:
        raise EstateError("ESTATE_DATABASE_URL is set: estate does not start or stop that server")
    cluster = _cluster(settings)
    was_running = cluster.running()
    cluster.stop()
    click.echo("stopped" if was_running else "not running")


@db.command("status")
@pass_settings
def db_status(settings: Settings) -> None:
    """Where the database is, whether it is running, its schema and what it holds.

    Exits with status 0 when the database is up and migrated, 1 otherwise.
    """
    info, ok = _describe(settings)
    _print_info(info)
    sys.exit(0 if ok else 1)


@db.command("url")
@click.option("--libpq", is_flag=True, help="A plain libpq URI, for psql and ogr2ogr.")
@pass_settings
def db_url(settings: Settings, libpq: bool) -> None:
    """Print the database URL (SQLAlchemy form; `--libpq` for psql: `psql "$(estate db url
    --libpq)"`)."""
    from estate.db import database_url

    url = database_url(settings)
    if libpq:
        url = url.set(drivername="postgresql")
    click.echo(url.render_as_string(hide_password=False))


# --- shared by the commands that read or write the register ---------------------


@contextmanager
def open_engine(settings: Settings) -> Iterator[Engine]:
    """An engine on the migrated database (the embedded one started if need be),
    disposed afterwards."""
    from estate.db import ensure_database, make_engine, upgrade

    url = ensure_database(settings)
    upgrade(url)
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def print_frame(frame: pd.DataFrame, empty: str, limit: int | None = None) -> None:
    """A frame as a readable table (money and areas rounded), or ``empty`` when none."""
    if frame.empty:
        click.echo(empty)
        return
    shown = frame if limit is None else frame.head(limit)
    # Blanks, not "NaN", where a text cell is empty; numbers keep their format.
    shown = shown.copy()
    for column in shown.columns:
        if not pd.api.types.is_numeric_dtype(shown[column]) or pd.api.types.is_bool_dtype(
            shown[column]
        ):
            values = shown[column].astype(object)
            shown[column] = values.where(values.notna(), "")
    with pd.option_context(
        "display.max_rows",
        1000,
        "display.max_colwidth",
        60,
        "display.width",
        250,
        "display.float_format",
        "{:,.2f}".format,
    ):
        click.echo(shown.to_string(index=False))
    if limit is not None and len(frame) > limit:
        click.echo(f"... {len(frame) - limit} more (use --limit, or --format csv -o FILE)")


def output_option(formats: Sequence[str]):
    """``--format`` and ``-o/--output``, shared by every analyse and export command."""

    def decorate(function):
        function = click.option(
            "-o",
            "--output",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Write to FILE instead of standard output (needed for xlsx and gpkg).",
        )(function)
        return click.option(
            "--format",
            "format_",
            type=click.Choice(formats),
            default=formats[0],
            show_default=True,
            help="table: readable; csv, geojson, xlsx, gpkg: for programs.",
        )(function)

    return decorate


def emit(
    frame: pd.DataFrame,
    format_: str,
    output: Path | None,
    *,
    empty: str,
    geometry: object = None,
    sheets: Sequence[object] | None = None,
    limit: int | None = None,
    table: pd.DataFrame | None = None,
) -> None:
    """Write ``frame`` as asked: a table on screen, CSV, GeoJSON, a workbook or a GeoPackage."""
    from estate.exports import Sheet, geo_frame, write_frame_csv, write_geo, write_xlsx

    if format_ == "table":
        print_frame(frame if table is None else table, empty, limit)
        return
    if format_ in ("xlsx", "gpkg") and output is None:
        raise EstateError(f"--format {format_} needs -o FILE")
    if format_ == "csv":
        if output is None:
            write_frame_csv(frame, sys.stdout)
        else:
            with open(output, "w", newline="", encoding="utf-8") as stream:
                write_frame_csv(frame, stream)
    elif format_ in ("geojson", "gpkg"):
        gdf = geo_frame(frame, geometry)
        driver = "GeoJSON" if format_ == "geojson" else "GPKG"
        if output is None:
            write_geo(gdf, sys.stdout.buffer, driver)
        else:
            if output.exists():
                output.unlink()
            write_geo(gdf, output, driver)
    elif format_ == "xlsx":
        write_xlsx(output, sheets or [Sheet("data", frame)])
    if output is not None:
        click.echo(f"wrote {len(frame)} rows to {output}", err=True)


_within = click.option(
    "--within",
    metavar="AREA",
    help="Only assets inside AREA: a polygon file, FILE:NAME (one named feature, e.g. a "
    "ward), or MINX,MINY,MAXX,MAXY in British National Grid metres.",
)
_bodies = click.option(
    "--bodies",
    metavar="LIST",
    help="Comma-separated organisation codes or body kinds (council, nhs, police, fire).",
)


def _split(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


def _area(spec: str | None):
    if not spec:
        return None
    from estate.areas import read_area

    return read_area(spec)


# --- analyse ----------------------------------------------------------------------


@cli.group()
def analyse() -> None:
    """Find co-location and disposal candidates across the partners' estates."""


@analyse.command("colocation")
@click.option(
    "--distance",
    type=click.FloatRange(min=0, min_open=True),
    metavar="M",
    help="Metres between assets of different bodies [ESTATE_COLOCATION_DISTANCE_M].",
)
@_bodies
@_within
@click.option("--members", is_flag=True, help="List each cluster's members, not the clusters.")
@click.option(
    "--pairs",
    is_flag=True,
    help="List the pairs of different bodies' assets within the distance, nearest first "
    "within each cluster (GeoJSON: a line between the two).",
)
@click.option("--limit", type=int, default=30, show_default=True, help="Rows in the table.")
@output_option(["table", "csv", "geojson", "gpkg", "xlsx"])
@pass_settings
def analyse_colocation(
    settings: Settings,
    distance: float | None,
    bodies: str | None,
    within: str | None,
    members: bool,
    pairs: bool,
    limit: int,
    format_: str,
    output: Path | None,
) -> None:
    """Clusters of assets of two or more bodies close together, ranked by the saving
    they could unlock (the running cost of a member whose occupants fit into the
    others' spare space).

    Unlocated assets and probable centroids are left out. GeoJSON and GeoPackage give
    each cluster's outline (members: their points).
    """
    from estate.analysis.colocation import colocation

    distance = distance or settings.colocation_distance_m
    with open_engine(settings) as engine, engine.connect() as conn:
        result = colocation(conn, distance, settings.nia_per_fte_m2, _split(bodies), _area(within))
    if pairs:
        frame, geometry = result.pair_table(), None
        if format_ in ("geojson", "gpkg"):
            import shapely

            geometry = shapely.linestrings(
                np.stack(
                    [frame[["x", "y"]].to_numpy(), frame[["other_x", "other_y"]].to_numpy()], axis=1
                )
            )
            frame = frame.drop(columns=["other_x", "other_y"])
        table = frame[["cluster", "body", "name", "other_body", "other_name", "distance_m"]]
    elif members:
        frame, geometry = result.members, None
        table = frame[
            [
                "cluster",
                "body",
                "name",
                "use_class",
                "usable_m2",
                "occupants_fte",
                "running_cost",
                "spare_m2",
                "movable",
            ]
        ]
    else:
        frame, geometry = result.clusters, result.hulls()
        if format_ == "gpkg" or format_ == "geojson":
            frame = frame.drop(columns=["x", "y"])
        table = frame[
            [
                "cluster",
                "assets",
                "bodies",
                "body_codes",
                "floor_area_m2",
                "occupants_fte",
                "running_cost",
                "spare_m2",
                "saving",
                "exit_asset_name",
            ]
        ]
    click.echo(
        f"{len(result.clusters)} clusters within {distance:g} m ({len(result.members)} assets)",
        err=True,
    )
    sheets = result.sheets()
    emit(
        frame,
        format_,
        output,
        empty="no co-location clusters",
        geometry=geometry,
        sheets=sheets,
        limit=limit,
        table=table,
    )
    if format_ == "table" and not (members or pairs):
        click.echo(f"\nAssets of each kind with another kind's asset within {distance:g} m:")
        print_frame(result.neighbour_shares(), "none")


@analyse.command("disposals")
@click.option(
    "--distance",
    type=click.FloatRange(min=0, min_open=True),
    metavar="M",
    help="Relocation search distance [ESTATE_RELOCATION_DISTANCE_M].",
)
@click.option(
    "--min-score",
    type=int,
    default=3,
    show_default=True,
    help="Score an asset needs to be a candidate.",
)
@click.option(
    "--lease-window",
    type=int,
    default=24,
    show_default=True,
    metavar="MONTHS",
    help="A lease break or end within this many months counts.",
)
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), help="Date of the review [today].")
@_bodies
@_within
@click.option("--limit", type=int, default=30, show_default=True, help="Rows in the table.")
@output_option(["table", "csv", "geojson", "gpkg", "xlsx"])
@pass_settings
def analyse_disposals(
    settings: Settings,
    distance: float | None,
    min_score: int,
    lease_window: int,
    as_of,
    bodies: str | None,
    within: str | None,
    limit: int,
    format_: str,
    output: Path | None,
) -> None:
    """Assets that could go, each with its score and reasons, and the nearest partner
    site with room for its occupants (or why there is none)."""
    from estate.analysis.disposal import disposal_candidates

    with open_engine(settings) as engine, engine.connect() as conn:
        result = disposal_candidates(
            conn,
            settings.nia_per_fte_m2,
            distance or settings.relocation_distance_m,
            as_of.date() if as_of else None,
            min_score,
            lease_window,
            _split(bodies),
            _area(within),
        )
    frame = result.candidates
    if format_ in ("geojson", "gpkg"):
        frame = frame[frame["x"].notna()]
    click.echo(f"{len(result.candidates)} candidates scoring {min_score} or more", err=True)
    table = frame[
        [
            "id",
            "body",
            "name",
            "score",
            "reasons",
            "receiving_name",
            "receiving_distance_m",
            "receiving_note",
        ]
    ]
    emit(
        frame,
        format_,
        output,
        empty="no disposal candidates",
        limit=limit,
        table=table,
        sheets=result.sheets(),
    )


# --- scenarios --------------------------------------------------------------------


@contextmanager
def _session(settings: Settings) -> Iterator[object]:
    """A session committed on success, rolled back on any error."""
    from sqlalchemy.orm import Session

    with open_engine(settings) as engine, Session(engine) as session, session.begin():
        yield session


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
            type=click.FloatRange(0, 1, max_open=True),
            help="A year, as a fraction: 0.035 [ESTATE_DISCOUNT_RATE].",
        ),
        click.option(
            "--relocation-cost-per-fte",
            type=click.FloatRange(0),
            metavar="GBP",
            help="One-off cost of moving one FTE.",
        ),
        click.option(
            "--refit-cost-per-m2",
            type=click.FloatRange(0),
            metavar="GBP",
            help="One-off refit of each m² the movers need at the receiving site.",
        ),
        click.option(
            "--sale-cost-share",
            type=click.FloatRange(0, 1, max_open=True),
            metavar="SHARE",
            help="Costs of sale as a share of the receipt: 0.02.",
        ),
        click.option(
            "--receiving-cost-per-m2",
            type=click.FloatRange(0),
            metavar="GBP",
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


@cli.group()
def scenario() -> None:
    """Named sets of moves and disposals with their assumptions."""


@scenario.command("create")
@click.argument("name")
@_assumption_options
@pass_settings
def scenario_create(settings: Settings, name: str, **values: object) -> None:
    """Create an empty scenario NAME; assumptions not given take the settings' defaults."""
    from estate.analysis.savings import create_scenario, current_financial_year

    defaults = {
        "first_year": current_financial_year(),
        "horizon_years": settings.horizon_years,
        "discount_rate": settings.discount_rate,
        "nia_per_fte_m2": settings.nia_per_fte_m2,
    }
    with _session(settings) as session:
        create_scenario(session, name, **{**defaults, **_assumptions(values)})
    click.echo(f"created scenario {name!r}")


@scenario.command("set")
@click.argument("name")
@click.option("--rename", metavar="NEW", help="A new name.")
@_assumption_options
@pass_settings
def scenario_set(settings: Settings, name: str, rename: str | None, **values: object) -> None:
    """Change the assumptions (or the name) of scenario NAME."""
    import datetime as dt

    from estate.analysis.savings import get_scenario

    changes = _assumptions(values)
    if rename:
        changes["name"] = rename
    if not changes:
        raise EstateError("nothing to change: give an option (see --help)")
    with _session(settings) as session:
        found = get_scenario(session, name)
        for key, value in changes.items():
            setattr(found, key, value)
        found.updated_at = dt.datetime.now(dt.UTC)
    click.echo(f"updated scenario {name!r}: " + ", ".join(sorted(changes)))


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
    type=click.FloatRange(0),
    metavar="GBP",
    help="Expected receipt [the asset's valuation; none for a leasehold].",
)
@click.option("--fte", type=click.FloatRange(0), help="Occupants moving [the asset's FTE].")
@click.option("--notes")
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
) -> None:
    """Add the exit of ASSET (id, or BODY:REFERENCE) to scenario NAME, or change it."""
    from decimal import Decimal

    from estate.analysis.savings import add_move, find_asset, get_scenario

    with _session(settings) as session:
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
@_bodies
@pass_settings
def scenario_add_candidates(
    settings: Settings, name: str, exit_date, min_score: int, limit: int, bodies: str | None
) -> None:
    """Add the top disposal candidates that have a receiving site (or are vacant) to
    scenario NAME, each moving to its nearest site with room."""
    from estate.analysis.disposal import disposal_candidates
    from estate.analysis.savings import add_candidates, get_scenario

    with _session(settings) as session:
        found = get_scenario(session, name)
        result = disposal_candidates(
            session.connection(),
            float(found.nia_per_fte_m2),  # the scenario's space standard, not the setting's
            settings.relocation_distance_m,
            exit_date.date(),
            min_score,
            bodies=_split(bodies),
        )
        added, skipped = add_candidates(session, found, result.candidates, exit_date.date(), limit)
    click.echo(f"{name}: added {added} moves")
    for reason in skipped:
        click.echo(f"  skipped {reason}")


@scenario.command("remove")
@click.argument("name")
@click.argument("asset")
@pass_settings
def scenario_remove(settings: Settings, name: str, asset: str) -> None:
    """Take the exit of ASSET out of scenario NAME."""
    from sqlalchemy import delete

    from estate.analysis.savings import find_asset, get_scenario
    from estate.models import ScenarioMove

    with _session(settings) as session:
        found = get_scenario(session, name)
        target = find_asset(session, asset)
        gone = session.execute(
            delete(ScenarioMove).where(
                ScenarioMove.scenario_id == found.id, ScenarioMove.asset_id == target.id
            )
        ).rowcount
    if not gone:
        raise EstateError(f"{asset} is not in scenario {name!r}")
    click.echo(f"{name}: removed {asset}")


@scenario.command("delete")
@click.argument("name")
@pass_settings
def scenario_delete(settings: Settings, name: str) -> None:
    """Delete scenario NAME and its moves."""
    from estate.analysis.savings import get_scenario

    with _session(settings) as session:
        session.delete(get_scenario(session, name))
    click.echo(f"deleted scenario {name!r}")


@scenario.command("list")
@pass_settings
def scenario_list(settings: Settings) -> None:
    """Every scenario with its moves and assumptions."""
    from estate.analysis.savings import list_scenarios

    with open_engine(settings) as engine, engine.connect() as conn:
        frame = list_scenarios(conn).drop(columns=["description"])
    print_frame(frame, "no scenarios (estate scenario create NAME)")


@scenario.command("show")
@click.argument("name")
@pass_settings
def scenario_show(settings: Settings, name: str) -> None:
    """Scenario NAME: its assumptions, moves, savings by year for the partnership, NPV."""
    from estate.analysis.savings import evaluate

    with _session(settings) as session:
        result = evaluate(session, name)
        description = result.scenario.description
    click.echo(f"scenario {name}" + (f": {description}" if description else ""))
    for label, value, _ in result.assumptions.rows():
        click.echo(f"  {label}: {value}")
    click.echo("")
    print_frame(
        result.disposals[
            ["asset_id", "body", "name", "exit_date", "estimated_receipt", "receiving_name"]
        ],
        "no moves yet (estate scenario add)",
    )
    click.echo("")
    partnership = result.savings[result.savings["body"] == "PARTNERSHIP"].drop(columns=["body"])
    partnership["discount_factor"] = partnership["discount_factor"].map("{:.4f}".format)
    print_frame(partnership, "")
    click.echo("")
    print_frame(result.totals, "")


# --- export -----------------------------------------------------------------------


@cli.group()
def export() -> None:
    """Schedules and registers as CSV, XLSX, GeoJSON or GeoPackage."""


@export.command("disposal-schedule")
@click.argument("name")
@output_option(["table", "csv", "xlsx", "geojson", "gpkg"])
@pass_settings
def export_disposal_schedule(
    settings: Settings, name: str, format_: str, output: Path | None
) -> None:
    """The disposal schedule of scenario NAME (xlsx: every schedule and the assumptions)."""
    from estate.analysis.savings import evaluate

    with _session(settings) as session:
        result = evaluate(session, name)
        frame = result.disposals
        if format_ in ("geojson", "gpkg"):
            points = pd.read_sql(
                text(
                    "SELECT id AS asset_id, ST_X(geom) AS x, ST_Y(geom) AS y FROM assets "
                    "WHERE id = ANY(:ids) AND geom IS NOT NULL"
                ),
                session.connection(),
                params={"ids": [int(i) for i in frame["asset_id"]]},
            )
            frame = frame.merge(points, on="asset_id")
    emit(frame, format_, output, empty="no moves in this scenario", sheets=result.sheets())


@export.command("savings-schedule")
@click.argument("name")
@click.option("--ledger", is_flag=True, help="Every figure with its basis, not the sums.")
@output_option(["table", "csv", "xlsx"])
@pass_settings
def export_savings_schedule(
    settings: Settings, name: str, ledger: bool, format_: str, output: Path | None
) -> None:
    """The savings schedule of scenario NAME by financial year and body, with the
    partnership's total and NPV (xlsx: every schedule and the assumptions)."""
    from estate.analysis.savings import evaluate

    with _session(settings) as session:
        result = evaluate(session, name)
    frame = result.ledger if ledger else result.savings
    emit(frame, format_, output, empty="no figures", sheets=result.sheets())


# Clusters and candidates export straight from their analysis (GeoJSON, GeoPackage, CSV,
# XLSX), under both names: the same command object, not a copy.
export.add_command(analyse_colocation, "colocation")
export.add_command(analyse_disposals, "disposals")


@export.command("register")
@click.argument("body")
@output_option(["csv", "xlsx"])
@pass_settings
def export_register(settings: Settings, body: str, format_: str, output: Path | None) -> None:
    """BODY's register in the Local Government Transparency Code layout (LGA schema)."""
    from estate.exports import write_xlsx
    from estate.registers import lga_register_sheet, stream_lga_register

    with open_engine(settings) as engine, engine.connect() as conn:
        if format_ == "csv":
            if output is None:
                count = stream_lga_register(conn, body, sys.stdout)
            else:
                with open(output, "w", newline="", encoding="utf-8") as stream:
                    count = stream_lga_register(conn, body, stream)
        else:
            if output is None:
                raise EstateError("--format xlsx needs -o FILE")
            sheet, count = lga_register_sheet(conn, body)
            write_xlsx(output, [sheet])
    click.echo(f"{count} assets of {body}", err=True)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="estate")


if __name__ == "__main__":
    main()
