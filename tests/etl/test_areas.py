"""Wards and boundary: loaded whole, replacing those of the same kind, with clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from estate.errors import EstateError
from estate.etl.areas import load_areas

SAMPLE = Path(__file__).resolve().parent.parent.parent / "sample_data" / "trafford"


def square(x: float, name: object, code: object = None) -> dict:
    ring = [[x, 53.4], [x + 0.01, 53.4], [x + 0.01, 53.41], [x, 53.41], [x, 53.4]]
    return {"type": "Feature", "properties": {"name": name, "code": code},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}  # fmt: skip


def write(path: Path, features: list[dict]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def test_wards_load_and_a_new_file_replaces_them(db: Engine, tmp_path: Path):
    assert load_areas(db, SAMPLE / "wards.geojson", "ward") == 21
    with db.connect() as conn:
        names = conn.execute(text("SELECT name, code FROM areas ORDER BY name")).all()
        assert ("Altrincham", "E05015239") in names
        assert conn.execute(text("SELECT bool_and(ST_IsValid(geom)) FROM areas")).scalar()
    assert load_areas(db, write(tmp_path / "w.geojson", [square(-2.3, " North ")]), "ward") == 1
    with db.connect() as conn:
        rows = conn.execute(text("SELECT name, code FROM areas WHERE kind = 'ward'")).all()
    assert rows == [("North", None)]


def test_duplicate_or_missing_names_are_refused_and_nothing_changes(db: Engine, tmp_path: Path):
    load_areas(db, write(tmp_path / "a.geojson", [square(-2.3, "Keep")]), "ward")
    twice = write(tmp_path / "b.geojson", [square(-2.3, "Central"), square(-2.2, "Central ")])
    with pytest.raises(EstateError, match="'Central' appears twice"):
        load_areas(db, twice, "ward")
    unnamed = write(tmp_path / "c.geojson", [square(-2.3, "A"), square(-2.2, None)])
    with pytest.raises(EstateError, match="feature 2 has no name"):
        load_areas(db, unnamed, "ward")
    with db.connect() as conn:
        assert conn.execute(text("SELECT name FROM areas")).scalars().all() == ["Keep"]
