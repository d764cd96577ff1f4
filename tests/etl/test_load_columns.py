"""The loader's column lists are read off the Asset model; these tests fail when the model,
the migrated schema and validation stop agreeing with them, instead of a load failing (or
silently writing nothing) later."""

from __future__ import annotations

from sqlalchemy import Connection, text

from estate.etl.load.columns import (
    ASSETS,
    AUDITED_SKIP,
    DEFAULTS,
    EDITED_WITH,
    PLAIN_COLUMNS,
    SET_BY_LOAD,
    STAGED_AS,
    STAGING_COLUMNS,
    STAGING_ONLY,
)
from estate.etl.load.copying import STAGING_TABLE, create_staging
from estate.etl.validate.fields import SUPPLIES


def test_every_column_the_loader_names_is_an_asset_column():
    """A column renamed or dropped in the model must not leave the loader naming it."""
    named = set(SET_BY_LOAD) | set(STAGED_AS) | set(AUDITED_SKIP) | set(DEFAULTS)
    named |= set(EDITED_WITH) | set(EDITED_WITH.values())
    assert named - set(ASSETS.columns.keys()) == set()


def test_every_asset_column_is_staged_or_set_by_the_load():
    staged_as = {c for columns in STAGED_AS.values() for c in columns}
    for column in ASSETS.columns:
        if column.name in SET_BY_LOAD:
            assert column.name not in STAGING_COLUMNS
        elif column.name in STAGED_AS:
            assert set(STAGED_AS[column.name]) <= set(STAGING_COLUMNS)
        else:
            assert column.name in STAGING_COLUMNS
    others = set(STAGING_COLUMNS) - set(ASSETS.columns.keys()) - staged_as
    assert others == set(STAGING_ONLY)


def test_validation_can_supply_every_column_a_load_writes_from_a_file():
    """An asset column added to the model is staged by every load; unless validation
    learns which field supplies it (``SUPPLIES``), no load ever writes it. The key is
    always there, and the location method comes with the location."""
    supplied = {column for columns in SUPPLIES.values() for column in columns}
    from_files = set(PLAIN_COLUMNS) | set(DEFAULTS)
    assert from_files - supplied - {"source_ref", "location_method"} == set()


def test_the_staging_table_has_the_migrated_assets_types(connection: Connection):
    """The staging types come from the model; the assets table from the migrations. COPY
    casts into the staging types, so they must be the table's (precision aside)."""
    create_staging(connection, ["extra.note"])
    types = """
        SELECT column_name, data_type FROM information_schema.columns
        WHERE table_name = :t
          AND table_schema IN ('public', pg_my_temp_schema()::regnamespace::text)
        ORDER BY ordinal_position
    """
    staging = dict(connection.execute(text(types), {"t": STAGING_TABLE}).all())
    assets = dict(connection.execute(text(types), {"t": "assets"}).all())
    assert list(staging) == [*STAGING_COLUMNS, "extra.note"]
    same_name = [c for c in STAGING_COLUMNS if c in assets and c not in STAGED_AS]
    assert same_name
    assert {c: staging[c] for c in same_name} == {c: assets[c] for c in same_name}
