"""ETL fixtures: loads commit, so these tests get an engine on a database emptied after each."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

REAL = Path(__file__).resolve().parents[1] / "data" / "real"


@pytest.fixture
def db(engine: Engine) -> Iterator[Engine]:
    """The test database, emptied of assets, bodies and loads after the test."""
    yield engine
    with engine.begin() as conn:
        conn.execute(
            text(
                "TRUNCATE assets, rejections, load_batches, organisations RESTART IDENTITY CASCADE"
            )
        )


@pytest.fixture
def real() -> Path:
    return REAL


def count(engine: Engine, sql: str, **params) -> int:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()
