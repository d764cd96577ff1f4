"""Binary COPY (pgpq) writes exactly what text COPY writes: the same values, typed by the
same columns, so the measured alternative can be switched on without changing a row."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from sqlalchemy import Engine, text

from bench.synth import generate_estate, write
from estate.etl.load import copying
from estate.etl.load.ewkb import point_ewkb
from estate.etl.pipeline import load_file

MAPPING = Path(__file__).resolve().parents[2] / "bench" / "synthetic.toml"
COLUMNS = {
    "name": "text", "workstations": "integer", "uprn_number": "bigint",
    "gia_m2": "numeric(12, 2)", "fte": "numeric", "lease_end": "date", "sensitive": "boolean",
    "extra": "jsonb", "geom": "geometry(POINT, 27700)", "quality_flags": "text[]",
    "ratio": "double precision", "town": "text",
}  # fmt: skip


def _frame() -> pd.DataFrame:
    x = np.array([530000.5, np.nan, 400000.0, 1.0e5])
    return pd.DataFrame({
        "name": ["Town Hall", None, "Café, \"quoted\"\nline", ""],
        "workstations": pd.array([12, None, 0, 7], dtype="Int64"),
        "uprn_number": pd.array([100012345678, None, 1, 2], dtype="Int64"),
        "gia_m2": [2.675, 0.125, None, 1234567.891],
        "fte": [0.1 + 0.2, None, 3.0, 12.5],
        "lease_end": pd.to_datetime(["2030-03-31", None, "1999-12-31", "2024-02-29"]),
        "sensitive": [True, False, None, False],
        "extra": ['{"ward": "Altrincham"}', "{}", None, '{"a": [1, 2]}'],
        "geom": point_ewkb(x, np.array([180000.25, 1.0, np.nan, 2.0e5]), pd.RangeIndex(4)),
        "quality_flags": ["{coordinates_unusable,probable_centroid}", "{}", None, "{unlocated}"],
        "ratio": [0.5, None, 1e-9, -2.0],
        # Text already held by Arrow in pieces, as a GeoPackage's columns are read.
        "town": pd.Series(pd.arrays.ArrowStringArray(
            pa.chunked_array([["Sale", None], ["Hale", "Urmston"]]))),
    })  # fmt: skip


def _copy(conn, table: str, frame: pd.DataFrame, how: str, monkeypatch) -> None:
    monkeypatch.setattr(copying, "COPY_FORMAT", how)
    columns = ", ".join(f'"{n}" {t}' for n, t in COLUMNS.items())
    conn.execute(text(f"CREATE TEMP TABLE {table} (row serial, {columns})"))
    copying.copy_frame(conn, table, frame, list(COLUMNS), None)


def test_binary_copy_writes_what_text_copy_writes(db: Engine, monkeypatch):
    """Equal values row by row (a numeric of no scale may be written with more trailing
    zeros: 12.50 is 12.5), and the same text where the column's type fixes it."""
    with db.begin() as conn:
        _copy(conn, "as_text", _frame(), "text", monkeypatch)
        _copy(conn, "as_binary", _frame(), "binary", monkeypatch)
        assert conn.execute(text("SELECT count(*) FROM as_binary")).scalar_one() == 4
        for one, other in (("as_text", "as_binary"), ("as_binary", "as_text")):
            differ = f"SELECT count(*) FROM (TABLE {one} EXCEPT TABLE {other}) d"
            assert conn.execute(text(differ)).scalar_one() == 0
        fixed = ", ".join(f"t.{n}::text" for n in COLUMNS if n != "fte")
        rows = [f"SELECT {fixed} FROM {t} t ORDER BY row" for t in ("as_text", "as_binary")]
        assert conn.execute(text(rows[0])).all() == conn.execute(text(rows[1])).all()
        rounded = conn.execute(text("SELECT gia_m2::text FROM as_binary ORDER BY row"))
        assert list(rounded.scalars()) == ["2.68", "0.13", None, "1234567.89"]


@pytest.mark.parametrize("first", ["binary", "text"])
def test_a_register_loaded_one_way_is_unchanged_loaded_the_other(
    db: Engine, tmp_path: Path, monkeypatch, first: str
):
    """A first load (COPY straight into the assets) one way, then the same file forced
    through the staging upsert the other way: every row compares unchanged."""
    path = tmp_path / "estate.csv"
    write(generate_estate(400), path)
    monkeypatch.setattr(copying, "COPY_FORMAT", first)
    loaded = load_file(db, path, mapping=MAPPING, match=False)
    assert loaded.inserted == 400
    monkeypatch.setattr(copying, "COPY_FORMAT", "text" if first == "binary" else "binary")
    again = load_file(db, path, mapping=MAPPING, match=False, force=True)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 400)
