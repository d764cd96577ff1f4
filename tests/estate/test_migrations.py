"""The schema as the migrations build it: tables, geometry types, indexes, constraints, no drift."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import URL, Engine, inspect, make_url, text
from sqlalchemy.exc import IntegrityError

from estate.crs import STORAGE_SRID
from estate.db import (
    current_revision,
    downgrade,
    head_revision,
    include_object,
    make_engine,
    upgrade,
)
from estate.models import Asset, Base
from tests.estate.builders import make_asset, make_organisation

MIGRATIONS_DATABASE = "estate_migrations_test"


@pytest.fixture(scope="module")
def empty_database(cluster, database_url: URL) -> Iterator[Engine]:
    """A second, empty database on the same server, for up/down round trips."""
    if cluster is not None:
        cluster.drop_database(MIGRATIONS_DATABASE)
        cluster.ensure_database(MIGRATIONS_DATABASE)
        url = cluster.url(MIGRATIONS_DATABASE)
    else:  # an external server: use a database named beside the test one
        url = make_url(database_url).set(database=MIGRATIONS_DATABASE)
        admin = make_engine(make_url(database_url), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{MIGRATIONS_DATABASE}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{MIGRATIONS_DATABASE}"'))
        admin.dispose()
    engine = make_engine(url)
    yield engine
    engine.dispose()
    if cluster is not None:
        cluster.drop_database(MIGRATIONS_DATABASE)


def _drift(engine: Engine) -> list:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"include_object": include_object, "compare_type": True}
        )
        return compare_metadata(ctx, Base.metadata)


def test_upgrade_head_on_an_empty_database_matches_the_models(empty_database: Engine):
    upgrade(empty_database.url)
    assert current_revision(empty_database) == head_revision()
    assert _drift(empty_database) == []


def test_downgrade_and_upgrade_round_trip(empty_database: Engine):
    upgrade(empty_database.url)
    downgrade(empty_database.url, "base")
    names = set(inspect(empty_database).get_table_names())
    assert not names & {"assets", "organisations", "load_batches", "rejections"}
    assert current_revision(empty_database) is None
    upgrade(empty_database.url)
    names = set(inspect(empty_database).get_table_names())
    assert {"assets", "organisations", "load_batches", "rejections"} <= names
    assert _drift(empty_database) == []


def test_postgis_extension_is_created(connection):
    version = connection.execute(
        text("SELECT extversion FROM pg_extension WHERE extname = 'postgis'")
    ).scalar()
    assert version is not None and version.startswith("3.")


def test_geometry_columns_have_concrete_types_in_british_national_grid(connection):
    rows = connection.execute(
        text(
            "SELECT f_geometry_column, type, srid FROM geometry_columns "
            "WHERE f_table_name = 'assets' ORDER BY 1"
        )
    ).all()
    assert rows == [("footprint", "MULTIPOLYGON", STORAGE_SRID), ("geom", "POINT", STORAGE_SRID)]


def test_geometry_columns_have_gist_indexes(connection):
    rows = connection.execute(
        text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'assets'")
    ).all()
    defs = {name: definition for name, definition in rows}
    assert "USING gist (geom)" in defs["ix_assets_geom"]
    assert "USING gist (footprint)" in defs["ix_assets_footprint"]
    assert "ix_assets_uprn_number" in defs


def test_money_columns_are_exact_numeric(connection):
    types = dict(
        connection.execute(
            text(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_name = 'assets'"
            )
        ).all()
    )
    for column in (
        "rent",
        "rates",
        "fm_cost",
        "energy_cost",
        "maintenance_cost",
        "backlog_cost",
        "valuation",
    ):
        assert types[column] == "numeric", column
    assert types["uprn"] == "text"
    assert types["uprn_number"] == "bigint"


def test_an_unknown_tenure_word_is_refused_by_the_database(session):
    org = make_organisation(session)
    with pytest.raises(IntegrityError, match="ck_assets_tenure"):
        with session.begin_nested():
            make_asset(session, org, tenure="heritable")


def test_a_known_tenure_word_is_accepted(session):
    org = make_organisation(session)
    asset = make_asset(session, org, tenure="freehold", status="surplus", condition="C")
    assert session.get(Asset, asset.id).tenure == "freehold"


def test_source_reference_is_unique_within_an_organisation_only(session):
    first = make_organisation(session, kind="council")
    second = make_organisation(session, kind="police")
    make_asset(session, first, source_ref="A1")
    make_asset(session, second, source_ref="A1")  # another body may use the same reference
    with pytest.raises(IntegrityError, match="uq_assets_organisation_id_source_ref"):
        with session.begin_nested():
            make_asset(session, first, source_ref="A1")


def test_an_unknown_body_kind_is_refused(session):
    with pytest.raises(IntegrityError, match="ck_organisations_kind"):
        with session.begin_nested():
            make_organisation(session, kind="university")


def test_analyze_keeps_statistics_only_for_planned_columns(connection):
    """Descriptive columns carry no statistics (migration 0006); the ones queries filter
    on keep them, so plans over the register stay informed."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parents[2] / "alembic/versions/2026_12_02_0006_assets_statistics.py"
    spec = importlib.util.spec_from_file_location("migration_0006", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    unplanned = module.UNPLANNED
    connection.execute(text("ANALYZE assets"))
    targets = dict(
        connection.execute(
            text(
                "SELECT attname, attstattarget FROM pg_attribute WHERE attrelid ="
                " 'assets'::regclass AND attnum > 0 AND NOT attisdropped"
            )
        ).all()
    )
    assert {name for name, target in targets.items() if target == 0} == set(unplanned)
    for planned in ("geom", "organisation_id", "use_class", "status", "postcode", "uprn_number"):
        assert targets[planned] == -1
    indexes = {
        name
        for (name,) in connection.execute(
            text("SELECT indexname FROM pg_indexes WHERE tablename = 'assets'")
        )
    }
    assert "ix_assets_postcode" not in indexes
    assert {"ix_assets_geom", "ix_assets_uprn_number", "ix_assets_load_batch_id"} <= indexes
