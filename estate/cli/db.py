"""``estate db``: bring the database up, stop it, and see its state."""

from __future__ import annotations

import sys

import click
from sqlalchemy import column, func, select, table

from estate.cli.helpers import pass_settings
from estate.config import Settings
from estate.errors import EstateError

# PostgreSQL's catalogue of installed extensions, with the columns read.
_EXTENSIONS = table("pg_extension", column("extname"), column("extversion"))


@click.group()
def db() -> None:
    """The database: bring it up, stop it, and see its state."""


def _cluster(settings: Settings):
    from estate.localdb import LocalCluster

    return LocalCluster(settings.home)


def _describe(settings: Settings) -> tuple[dict[str, object], bool]:
    """The database's state as label -> value, and whether it is usable."""
    from estate.db import current_revision, database_url, head_revision, make_engine
    from estate.models import Asset, LoadBatch, Organisation

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
            # current_setting() is what SHOW reads.
            info["postgresql"] = conn.execute(
                select(func.current_setting("server_version"))
            ).scalar_one()
            info["postgis"] = conn.execute(
                select(_EXTENSIONS.c.extversion).where(_EXTENSIONS.c.extname == "postgis")
            ).scalar()
        revision = current_revision(engine)
        head = head_revision()
        info["schema"] = f"{revision or 'empty'} (head {head})" + (
            "" if revision == head else ": run `estate db up` to migrate"
        )
        if revision is not None:
            with engine.connect() as conn:
                for counted in (Organisation, Asset, LoadBatch):
                    name = counted.__tablename__
                    info[name] = conn.execute(
                        select(func.count()).select_from(counted.__table__)
                    ).scalar_one()
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
