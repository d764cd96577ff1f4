"""A load never erases a value it did not read: points it cannot better, columns its file
does not carry, and the flags about either, all stay as they were."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine, text

from estate.etl.geocode import load_postcode_lookup
from estate.etl.load.columns import LOAD_MARKS
from estate.etl.load.keeping import FLAG_COLUMNS, KEPT_MARK, POINT_FLAGS
from estate.etl.pipeline import load_file
from estate.etl.validate.fields import SUPPLIES
from tests.etl.conftest import count
from tests.etl.test_load import LGA, write_csv

POSTCODES = ["M33 7DZ", "M41 0NA", "WA14 2EE", "M32 0TL", "M16 0RA"]
WITHOUT_POINTS = [c for c in LGA if c not in ("GeoX", "GeoY")]


def lookup(tmp_path: Path):
    rows = [
        [code, str(377000 + 500 * i), str(393000 + 300 * i)] for i, code in enumerate(POSTCODES)
    ]
    path = write_csv(tmp_path / "lookup.csv", ["postcode", "easting", "northing"], rows)
    return load_postcode_lookup(path)


def register(*, points: bool = True, size: str = "100") -> list[list[str]]:
    """Five sites of Council A with postcodes; with ``points``, empty coordinate cells."""
    rows = []
    for i, code in enumerate(POSTCODES):
        row = ["Council A", f"A{i}", f"Site {i}", code, "", "", "Freehold", size]
        rows.append(row if points else [v for j, v in enumerate(row) if j not in (4, 5)])
    return rows


def points(db: Engine) -> list[tuple]:
    with db.connect() as conn:
        return conn.execute(
            text("SELECT source_ref, ST_AsEWKT(geom), location_method, quality_flags "
                 "FROM assets ORDER BY source_ref")
        ).all()  # fmt: skip


def test_points_placed_from_postcodes_are_kept_by_a_reload_without_the_lookup(
    db: Engine, tmp_path: Path
):
    path = write_csv(tmp_path / "a.csv", LGA, register())
    first = load_file(db, path, postcodes=lookup(tmp_path))
    assert first.inserted == 5
    placed = points(db)
    assert all(p[2] == "postcode" and "location_from_postcode" in p[3] for p in placed)
    again = load_file(db, path)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 5)
    assert again.points_kept == 5 and "keep the point they had" in again.summary()
    assert points(db) == placed
    # ... and a third load, in the same state, compares unchanged again.
    assert load_file(db, path, force=True).unchanged == 5
    assert points(db) == placed


def test_a_file_without_coordinates_keeps_the_points_and_their_flags(db: Engine, tmp_path: Path):
    path = write_csv(tmp_path / "a.csv", WITHOUT_POINTS, register(points=False))
    load_file(db, path, postcodes=lookup(tmp_path))
    placed = points(db)
    assert all(p[1] is not None for p in placed)
    again = load_file(db, path)
    assert (again.updated, again.unchanged) == (0, 5)
    assert points(db) == placed


def test_a_coarser_point_never_replaces_a_finer_one_but_coordinates_do(db: Engine, tmp_path: Path):
    rows = register()
    for row in rows:
        row[4], row[5] = "-2.3", "53.4"  # lon/lat
    rows[1][4], rows[1][5] = "-2.31", "53.41"
    load_file(db, write_csv(tmp_path / "a.csv", LGA, rows))
    before = points(db)
    rows[0][4] = rows[0][5] = ""  # now placed by its postcode only: coarser, kept
    rows[1][4], rows[1][5] = "-2.32", "53.42"  # new coordinates: replace
    result = load_file(db, write_csv(tmp_path / "a.csv", LGA, rows), postcodes=lookup(tmp_path))
    after = points(db)
    assert result.points_kept == 1
    assert after[0][1:3] == before[0][1:3] and after[0][2] == "lonlat"
    assert after[1][1] != before[1][1]
    assert after[2:] == before[2:]


def test_a_point_placed_by_hand_in_the_web_is_kept_without_a_conflict(db: Engine, tmp_path: Path):
    path = write_csv(tmp_path / "a.csv", LGA, register())
    load_file(db, path)
    assert count(db, "SELECT count(*) FROM assets WHERE geom IS NULL") == 5
    mark = json.dumps({"geom": {"by": "editor", "at": "2026-12-01T10:00:00+00:00"}})
    with db.begin() as conn:
        conn.execute(
            text("UPDATE assets SET geom = ST_SetSRID(ST_MakePoint(378000, 394000), 27700), "
                 "location_method = 'manual', edited = CAST(:mark AS jsonb) "
                 "WHERE source_ref = 'A2'"),
            {"mark": mark},
        )  # fmt: skip
    by_hand = points(db)[2]
    for postcodes in (None, lookup(tmp_path)):  # no point at all, then a postcode's centre
        load_file(db, path, postcodes=postcodes, force=True)
        assert points(db)[2] == by_hand
        assert count(db, "SELECT count(*) FROM edit_conflicts") == 0
        assert count(db, "SELECT count(*) FROM assets WHERE edited ? 'geom'") == 1


def test_a_file_without_a_floor_area_column_leaves_floor_areas(db: Engine, tmp_path: Path):
    load_file(db, write_csv(tmp_path / "a.csv", LGA, register(size="250")))
    narrower = [c for c in LGA if c != "BuildingSize"]
    rows = [row[:-1] for row in register(size="")]
    rows[0][2] = "Site 0, renamed"
    result = load_file(db, write_csv(tmp_path / "a.csv", narrower, rows))
    assert (result.updated, result.unchanged) == (1, 4)
    assert count(db, "SELECT count(*) FROM assets WHERE gia_m2 = 250") == 5
    # A column the file does carry is the body's list: its empty cells clear.
    load_file(db, write_csv(tmp_path / "a.csv", LGA, register(size="")))
    assert count(db, "SELECT count(*) FROM assets WHERE gia_m2 IS NULL") == 5


def test_the_flags_about_a_field_the_file_does_not_carry_are_kept(db: Engine, tmp_path: Path):
    header = [*LGA, "UPRN"]
    rows = [[*row, "not a uprn" if i == 0 else ""] for i, row in enumerate(register())]
    load_file(db, write_csv(tmp_path / "a.csv", header, rows))
    assert count(db, "SELECT count(*) FROM assets WHERE 'uprn_invalid' = ANY(quality_flags)") == 1
    result = load_file(db, write_csv(tmp_path / "a.csv", LGA, register()))
    assert result.unchanged == 5
    assert count(db, "SELECT count(*) FROM assets WHERE 'uprn_invalid' = ANY(quality_flags)") == 1


def test_every_flag_names_a_column_a_file_can_supply():
    supplied = {column for columns in SUPPLIES.values() for column in columns} | {"geom"}
    assert set(FLAG_COLUMNS.values()) <= supplied
    assert set(POINT_FLAGS) <= set(FLAG_COLUMNS)
    assert KEPT_MARK in LOAD_MARKS
