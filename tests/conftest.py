"""Fixtures shared by every test: a real PostGIS database built by the migrations.

The database is the project's own embedded cluster (``.estate/`` in the project
folder), started here if need be, with a throw-away ``estate_test`` database; or
the server named by ``ESTATE_TEST_DATABASE_URL``. A test never skips because the
database is missing: the fixture fails with the reason.

Each test runs inside a transaction rolled back at teardown, so tests see a clean
database and may run in any order.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import URL, Connection, Engine, make_url, text
from sqlalchemy.orm import Session

from estate.config import Settings
from estate.db import make_engine, upgrade
from estate.localdb import LocalCluster

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Another name lets two runs share the cluster without dropping each other's database.
TEST_DATABASE = os.environ.get("ESTATE_TEST_DATABASE_NAME", "estate_test")


@pytest.fixture(scope="session")
def cluster() -> LocalCluster | None:
    """The embedded cluster the tests use (None when ESTATE_TEST_DATABASE_URL is set)."""
    if os.environ.get("ESTATE_TEST_DATABASE_URL"):
        return None
    cluster = LocalCluster(PROJECT_ROOT / ".estate")
    cluster.up()
    return cluster


@pytest.fixture(scope="session")
def database_url(cluster: LocalCluster | None) -> URL:
    """A fresh, empty test database (dropped and re-created once per run)."""
    external = os.environ.get("ESTATE_TEST_DATABASE_URL")
    if external:
        return make_url(external)
    cluster.drop_database(TEST_DATABASE)
    cluster.ensure_database(TEST_DATABASE)
    return cluster.url(TEST_DATABASE)


@pytest.fixture(scope="session")
def engine(database_url: URL) -> Iterator[Engine]:
    """An engine on the test database, migrated to head by Alembic (never create_all)."""
    upgrade(database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def settings(database_url: URL) -> Settings:
    """Settings pointing at the test database."""
    return Settings(database_url=database_url.render_as_string(hide_password=False))


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that is rolled back after the test."""
    with engine.connect() as conn:
        trans = conn.begin()
        try:
            yield conn
        finally:
            if trans.is_active:
                trans.rollback()


@pytest.fixture
def db(engine: Engine) -> Iterator[Engine]:
    """The test database for tests whose work commits (loads, CLI commands), emptied of
    assets, bodies, loads and scenarios after the test."""
    yield engine
    empty_register(engine)


def empty_register(engine: Engine) -> None:
    """Remove every asset, body, load and scenario (for tests whose work commits)."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "TRUNCATE assets, rejections, load_batches, organisations, scenarios, areas, "
                "sign_in_attempts RESTART IDENTITY CASCADE"
            )
        )


@pytest.fixture
def session(connection: Connection) -> Iterator[Session]:
    """An ORM session inside the test's transaction; its commits become savepoints."""
    with Session(bind=connection, join_transaction_mode="create_savepoint") as session:
        yield session
