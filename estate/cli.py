"""The ``estate`` command: one Click group, extended by the other layers through entry points.

``etl`` and ``web`` declare their commands (load, quality; serve, ...) in the
``estate.commands`` entry-point group of ``setup.cfg``, the way Flask gathers
``flask.commands``. So this module never imports ``etl`` or ``web``, and each
layer owns its commands.
"""

from __future__ import annotations

import logging
import sys
from importlib.metadata import entry_points

import click
from sqlalchemy import text

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


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="estate")


if __name__ == "__main__":
    main()
