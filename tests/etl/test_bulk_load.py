"""A large first load rebuilds the register's secondary indexes and foreign keys once,
instead of row by row; afterwards the schema is exactly as the migrations left it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from bench.synth import generate_estate, write
from estate.etl.load import BULK_MIN_ROWS
from estate.etl.pipeline import load_file

MAPPING = Path(__file__).resolve().parents[2] / "bench" / "synthetic.toml"

_SCHEMA = """
    SELECT 'index', indexname, indexdef FROM pg_indexes WHERE tablename = 'assets'
    UNION ALL
    SELECT 'constraint', conname, pg_get_constraintdef(oid) FROM pg_constraint
    WHERE conrelid = 'assets'::regclass
    ORDER BY 1, 2
"""


def schema(engine: Engine) -> list[tuple[str, str, str]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(_SCHEMA))]


@pytest.fixture(scope="module")
def big_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("bulk") / "estate.csv"
    write(generate_estate(BULK_MIN_ROWS + 5_000, seed=7), path)
    return path


def test_a_bulk_first_load_leaves_every_index_and_key_as_it_was(db: Engine, big_file: Path):
    before = schema(db)
    assert any(kind == "index" and "gist" in definition for kind, _, definition in before)
    result = load_file(db, big_file, mapping=MAPPING, match=False)
    assert result.inserted == BULK_MIN_ROWS + 5_000
    assert schema(db) == before
    with db.connect() as conn:
        plan = "\n".join(r[0] for r in conn.execute(text(
            "EXPLAIN SELECT id FROM assets WHERE ST_DWithin(geom, "
            "ST_SetSRID(ST_MakePoint(400000, 400000), 27700), 100)"
        )))  # fmt: skip
        orphans = conn.execute(text(
            "SELECT count(*) FROM assets a LEFT JOIN organisations o "
            "ON o.id = a.organisation_id WHERE o.id IS NULL"
        )).scalar_one()  # fmt: skip
    assert "ix_assets_geom" in plan
    assert orphans == 0


def test_an_interrupted_bulk_load_rolls_back_the_drops_too(db: Engine, big_file: Path):
    before = schema(db)

    def interrupt(stage: str, done: int, total: int) -> None:
        # Ctrl-C once the rows are in and the indexes are rebuilt, before the commit.
        if stage == "upsert" and done == total and total:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        load_file(db, big_file, mapping=MAPPING, match=False, progress=interrupt)
    assert schema(db) == before
    with db.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM assets")).scalar_one() == 0
        status = conn.execute(text("SELECT status FROM load_batches")).scalars().all()
    assert status == ["failed"]
