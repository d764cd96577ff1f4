"""ETL fixtures: the real published files, and a counting helper."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text

REAL = Path(__file__).resolve().parents[1] / "data" / "real"


@pytest.fixture
def real() -> Path:
    return REAL


def count(engine: Engine, sql: str, **params) -> int:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()
