"""Engine, sessions and migrations, from the settings.

The database is either the one named by ``ESTATE_DATABASE_URL`` (never started
by us) or the embedded cluster under ``ESTATE_HOME``, brought up on demand.
"""

from __future__ import annotations

import logging

from sqlalchemy import URL, Connection, Engine, column, create_engine, func, make_url, select, table
from sqlalchemy.orm import Session, sessionmaker

from estate.bundled import migrations_dir
from estate.config import Settings
from estate.errors import DatabaseError
from estate.localdb import LocalCluster

logger = logging.getLogger(__name__)


def database_url(settings: Settings) -> URL:
    """The URL of the configured database (the embedded cluster's when none is set)."""
    if settings.database_url:
        url = make_url(settings.database_url)
        if url.drivername in ("postgresql", "postgres"):
            url = url.set(drivername="postgresql+psycopg")
        return url
    return LocalCluster(settings.home).url()


def ensure_database(settings: Settings) -> URL:
    """Make the configured database reachable, starting the embedded cluster if that is the one.

    With ``ESTATE_DATABASE_URL`` set, nothing is started: the server is someone else's.
    """
    if not settings.database_url:
        LocalCluster(settings.home).up()
    return database_url(settings)


def make_engine(url: URL | str, **kwargs: object) -> Engine:
    """An engine for ``url``, with pre-ping so a restarted server does not break the pool."""
    return create_engine(url, pool_pre_ping=True, **kwargs)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions on ``engine`` whose objects stay readable after commit, so a command or view
    can use what it has just saved."""
    return sessionmaker(bind=engine, expire_on_commit=False)


# Alembic's own table: not a model, so named here with the one column read.
_ALEMBIC_VERSION = table("alembic_version", column("version_num"))

POSTGIS_TABLES = frozenset({"spatial_ref_sys", "geometry_columns", "geography_columns"})
"""PostGIS's own tables: never ours to migrate."""


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic filter: leave PostGIS's own tables out of autogenerate and drift checks."""
    from geoalchemy2 import alembic_helpers

    if type_ == "table" and name in POSTGIS_TABLES:
        return False
    return alembic_helpers.include_object(obj, name, type_, reflected, compare_to)


def alembic_config(url: URL | str | None = None, connection: Connection | None = None):
    """An Alembic config for the project's migrations, bound to a URL or an open connection."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.set_main_option("path_separator", "os")
    if url is not None:
        rendered = url.render_as_string(hide_password=False) if isinstance(url, URL) else url
        config.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(
    url: URL | str | None = None, revision: str = "head", *, connection: Connection | None = None
) -> None:
    """Apply migrations up to ``revision``."""
    from alembic import command

    command.upgrade(alembic_config(url, connection), revision)


def downgrade(
    url: URL | str | None = None, revision: str = "base", *, connection: Connection | None = None
) -> None:
    """Revert migrations down to ``revision``."""
    from alembic import command

    command.downgrade(alembic_config(url, connection), revision)


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at, or None for an empty database."""
    with engine.connect() as conn:
        exists = conn.execute(select(func.to_regclass(_ALEMBIC_VERSION.name))).scalar()
        if not exists:
            return None
        return conn.execute(select(_ALEMBIC_VERSION.c.version_num)).scalar()


def head_revision() -> str:
    """The newest migration this code ships, to compare with :func:`current_revision`."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def check_connection(engine: Engine) -> str:
    """The server's PostGIS version; a DatabaseError a person understands when unreachable."""
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.postgis_lib_version())).scalar_one()
    except Exception as exc:  # any driver error becomes one clear message
        raise DatabaseError(f"cannot use the database at {engine.url!r}: {exc}") from exc
