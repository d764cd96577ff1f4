"""Rows that are not records (issue 15 item 4, in part): a pivot's "<code> Result" subtotals,
"Total", "Subtotal", "Aggregate" and "Grand Total" are set aside and counted, never made
into assets or bodies."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from estate.etl.pipeline import load_file, prepare_file
from tests.etl.conftest import count
from tests.etl.test_load import LGA, write_csv


def pivot(path: Path) -> Path:
    rows = [
        ["Trafford Council", "A1", "Town Hall", "M32 0TH", "-2.30", "53.45", "Freehold", "100"],
        ["Trafford Council", "A2", "Library", "M33 7DZ", "-2.32", "53.42", "Freehold", "50"],
        ["Trafford Council Result", "", "", "", "", "", "", "150"],
        ["Salford Council", "B1", "Depot", "M5 4WT", "-2.28", "53.48", "LH", "70"],
        ["SAL Result", "", "", "", "", "", "", "70"],
        ["Subtotal", "", "", "", "", "", "", "220"],
        ["", "", "Aggregate", "", "", "", "", "220"],
        ["Grand Total", "", "", "", "", "", "", "220"],
    ]
    return write_csv(path, LGA, rows)


def test_pivot_subtotal_rows_are_not_records_and_say_so(tmp_path: Path):
    prepared = prepare_file(pivot(tmp_path / "pivot.csv"))
    assert sorted(prepared.records["source_ref"]) == ["A1", "A2", "B1"]
    assert sorted(prepared.organisations["name"]) == ["Salford Council", "Trafford Council"]
    assert sorted(prepared.rejections["_row"].tolist()) == [4, 6, 7, 8, 9]
    assert "not records: 5 summary rows (totals, subtotals)" in prepared.notes


def test_summary_rows_make_no_assets_or_bodies(db: Engine, tmp_path: Path):
    result = load_file(db, pivot(tmp_path / "pivot.csv"))
    assert (result.inserted, result.rejected) == (3, 5)
    assert "not records: 5 summary rows" in result.summary()
    assert count(db, "SELECT count(*) FROM organisations") == 2
    assert count(db, "SELECT coalesce(max(gia_m2), 0) FROM assets") == 100


def test_a_site_whose_name_ends_in_total_but_is_placed_is_a_record(tmp_path: Path):
    rows = [["Trafford Council", "A1", "Total Fitness Total", "M32 0TH", "-2.3", "53.4",
             "Freehold", "1"]]  # fmt: skip
    prepared = prepare_file(write_csv(tmp_path / "t.csv", LGA, rows))
    assert len(prepared.records) == 1
