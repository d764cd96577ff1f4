"""Locations wherever they are (issue 15 item 6): an ``E,N`` pair in one cell, OS grid
references of every precision, a ``lat, lon`` pair, WKT; the grid preferred where a row
gives both and a warning where they disagree; points outside Great Britain never stored;
unlocated records flagged and counted."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine

from estate.britain import in_great_britain
from estate.coordinates import read_coordinate_cells
from estate.crs import STORAGE_SRID, WGS84_SRID, to_storage, transformer
from estate.etl.pipeline import load_file, prepare_file
from estate.gridref import grid_reference_points
from tests.etl.conftest import count

HEADER = ["Organisation", "Asset Code", "Property Name", "Post Code", "Co-ordinates",
          "Tenure Type"]  # fmt: skip


def write(folder: Path, cells: list[str], header: list[str] = HEADER, extra=None) -> Path:
    path = folder / "places.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header + list(extra or []))
        for i, cell in enumerate(cells):
            more = [] if extra is None else list(extra[cell])
            writer.writerow(["Council A", f"A{i}", f"Site {i}", "", cell, "Freehold", *more])
    return path


@pytest.mark.parametrize(
    ("reference", "east", "north", "side"),
    [
        ("TQ 30000 80000", 530000, 180000, 1),  # 10 figures: the point itself
        ("TQ3000080000", 530000, 180000, 1),
        ("TQ 3000 8000", 530005, 180005, 10),  # 8 figures: a 10 m square's centre
        ("SU 123 456", 412350, 145650, 100),  # 6 figures: 100 m
        ("SU1245", 412500, 145500, 1000),  # 4 figures: 1 km
        ("NN 166 712", 216650, 771250, 100),  # Ben Nevis
        ("HU 4000 4000", 440005, 1140005, 10),  # Shetland
        ("sx 9 9", 295000, 95000, 10_000),  # 2 figures, in lower case
    ],
)  # fmt: skip
def test_grid_references_of_each_precision(reference: str, east: int, north: int, side: int):
    found = grid_reference_points(pd.Series([reference])).iloc[0]
    assert (found["x"], found["y"], found["precision_m"]) == (east, north, side)


def test_grid_references_agree_with_pyproj():
    """TQ 30000 80000 is central London: pyproj puts 51.5N 0.13W within a few hundred m."""
    x, y = transformer(WGS84_SRID, STORAGE_SRID).transform(-0.1276, 51.5072)
    found = grid_reference_points(pd.Series(["TQ 30090 80380"])).iloc[0]
    assert abs(found["x"] - x) < 50 and abs(found["y"] - y) < 50


@pytest.mark.parametrize("reference", ["TQ 123 4567", "XX 123 456", "TQ 12345", "TQ", "T 12"])
def test_what_is_no_grid_reference(reference: str):
    assert grid_reference_points(pd.Series([reference])).isna().all(axis=None)


@pytest.mark.parametrize(
    ("cell", "x", "y", "form"),
    [
        ("351234, 112345", 351234, 112345, "pair"),
        ("351234 112345", 351234, 112345, "pair"),
        ("(351234, 112345)", 351234, 112345, "pair"),
        ("[351234;112345]", 351234, 112345, "pair"),
        ("53.4167, -2.3167", -2.3167, 53.4167, "lat_lon"),
        ("-2.3167, 53.4167", -2.3167, 53.4167, "pair"),
        ("POINT (351234 112345)", 351234, 112345, "wkt"),
        ("SRID=4326;POINT(-2.3 53.4)", -2.3, 53.4, "wkt"),
        ("TQ 30000 80000", 530000, 180000, "grid_reference"),
    ],
)  # fmt: skip
def test_one_cell_locations(cell: str, x: float, y: float, form: str):
    found = read_coordinate_cells(pd.Series([cell])).iloc[0]
    assert (found["x"], found["y"], found["form"]) == (pytest.approx(x), pytest.approx(y), form)


def test_a_wkt_point_in_another_crs_is_transformed():
    lon, lat = transformer(3857, WGS84_SRID).transform(-256000, 7050000)
    found = read_coordinate_cells(pd.Series(["SRID=3857;POINT(-256000 7050000)"])).iloc[0]
    assert (found["x"], found["y"], found["system"]) == (
        pytest.approx(lon), pytest.approx(lat), "lonlat",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("lon", "lat", "inside"),
    [(-0.12, 51.5, True), (-1.14, 60.15, True), (-8.57, 57.81, True), (-6.35, 49.93, True),
     (1.32, 51.12, True), (1.85, 50.95, False), (2.35, 48.86, False), (-5.93, 54.6, False),
     (-6.26, 53.35, False), (-2.1, 49.2, False)],
)  # fmt: skip
def test_great_britain_and_not(lon: float, lat: float, inside: bool):
    """London, Lerwick, St Kilda, Scilly, Dover in; Calais, Paris, Belfast, Dublin, Jersey out."""
    x, y = to_storage(lon, lat)
    assert in_great_britain(np.array([x]), np.array([y])).tolist() == [inside]


def test_locations_in_one_cell_load_located(db: Engine, tmp_path: Path):
    cells = [
        "351234, 112345",
        "(351234 112345)",
        "TQ 30000 80000",
        "SU 123 456",
        "53.4167, -2.3167",
        "POINT (351234 112345)",
        "SRID=4326;POINT(-2.3 53.45)",
    ]
    result = load_file(db, write(tmp_path, cells))
    assert (result.inserted, result.rejected) == (7, 0)
    assert count(db, "SELECT count(*) FROM assets WHERE geom IS NULL") == 0
    assert count(db, "SELECT count(*) FROM assets WHERE source_ref = 'A2' "
                     "AND ST_X(geom) = 530000 AND ST_Y(geom) = 180000") == 1  # fmt: skip
    assert count(db, "SELECT count(*) FROM assets WHERE source_ref = 'A4' "
                     "AND location_method = 'lonlat' AND quality_flags = '{}'") == 1  # fmt: skip
    assert "unlocated" not in result.summary()


def test_grid_and_latitude_longitude_disagreeing_warn_per_row(tmp_path: Path):
    """A file with easting/northing columns and a lat/lon cell: the grid is used, and a
    row whose two places lie more than 100 m apart says so."""
    lon, lat = transformer(STORAGE_SRID, WGS84_SRID).transform(383456, 398765)
    extra = {f"{lat:.6f}, {lon:.6f}": ("383456", "398765"),
             f"{lat + 0.01:.6f}, {lon:.6f}": ("383456", "398765")}  # fmt: skip
    path = write(tmp_path, list(extra), extra=extra, header=HEADER + ["Easting", "Northing"])
    prepared = prepare_file(path)
    records = prepared.records.set_index("source_ref")
    assert records["location_method"].tolist() == ["bng", "bng"]
    assert records.loc["A1", "x"] == 383456
    assert "locations_disagree" not in (records.loc["A0", "quality_flags"] or "")
    assert "locations_disagree" in records.loc["A1", "quality_flags"]
    assert prepared.warnings[["_row", "field", "reason"]].values.tolist() == [
        [
            3,
            "Co-ordinates",
            "the grid point and the latitude/longitude are 1,113 m apart; the grid is used",
        ],
    ]


def test_points_outside_great_britain_load_unlocated_and_flagged(db: Engine, tmp_path: Path):
    cells = ["48.8566, 2.3522", "50.95, 1.85", "0, 0", "351234, 112345", "", "somewhere"]
    result = load_file(db, write(tmp_path, cells))
    assert (result.inserted, result.rejected) == (6, 0)
    assert count(db, "SELECT count(*) FROM assets WHERE geom IS NOT NULL") == 1
    assert count(db, "SELECT count(*) FROM assets WHERE "
                     "'outside_great_britain' = ANY(quality_flags)") == 3  # fmt: skip
    assert count(db, "SELECT count(*) FROM assets WHERE 'unlocated' = ANY(quality_flags)") == 5
    assert ("5 unlocated: 3 outside Great Britain, 1 coordinates not usable, "
            "1 no location given") in result.summary()  # fmt: skip
    reasons = dict(zip(result.warnings["_row"], result.warnings["reason"], strict=True))
    assert reasons[2] == ("coordinates 48.8566, 2.3522 are outside Great Britain; loaded "
                          "without a location")  # fmt: skip
    assert reasons[7] == ("the coordinates cell holds no pair of numbers, grid reference or "
                          "WKT point; loaded without a location")  # fmt: skip


def test_unlocated_counted_by_reason_with_a_postcode_lookup(db: Engine, tmp_path: Path):
    lookup = tmp_path / "postcodes.csv"
    lookup.write_text("postcode,easting,northing\nM33 7DZ,378000,392000\n", encoding="utf-8")
    from estate.etl.geocode import load_postcode_lookup

    path = tmp_path / "pc.csv"
    path.write_text(
        "OrganisationLabel,AssetCode,PropertyName,PostCode,TenureType\n"
        "Council A,A1,One,M33 7DZ,Freehold\nCouncil A,A2,Two,ZZ99 9ZZ,Freehold\n"
        "Council A,A3,Three,,Freehold\nCouncil A,A4,Four,not a postcode,Freehold\n",
        encoding="utf-8",
    )
    result = load_file(db, path, postcodes=load_postcode_lookup(lookup))
    assert ("3 unlocated: 1 postcode not in the lookup, 1 postcode not valid, "
            "1 no location given") in result.summary()  # fmt: skip
    assert count(db, "SELECT count(*) FROM assets WHERE 'unlocated' = ANY(quality_flags)") == 3
