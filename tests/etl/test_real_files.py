"""Every real published file loads, with every row accounted for and exact counts."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from estate.etl.pipeline import load_file, prepare_file
from estate.etl.read import read_table, read_vector
from tests.etl.conftest import count


def test_police_uk_collapses_neighbourhood_rows_to_unique_stations(db: Engine, real: Path):
    result = load_file(db, real / "police_uk_neighbourhood_stations.tsv")
    assert result.source_format == "police"
    assert result.rows_read == 2248
    assert result.inserted == 392  # unique stations by force and name
    assert result.merged == 1823  # the same station listed for another neighbourhood
    assert result.rejected == 33  # rows naming no station
    assert result.accounted == 2248
    assert count(db, "SELECT count(*) FROM organisations WHERE kind = 'police'") == 28
    assert count(db, "SELECT count(*) FROM assets WHERE name LIKE '%,' OR name LIKE '% '") == 0
    assert count(db, "SELECT count(*) FROM assets a JOIN organisations o ON o.id = "
                     "a.organisation_id WHERE o.code = 'POLICE-BEDFORDSHIRE' "
                     "AND a.name = 'Luton Police Station'") == 1  # fmt: skip
    assert set(result.rejections["reason"]) == {"the row names no station"}


def test_avon_fire_asset_list_with_merged_coordinate_header(db: Engine, real: Path):
    result = load_file(db, real / "avon_frs_land_and_assets.xlsx", organisation="AVON-FRS",
                       organisation_name="Avon Fire & Rescue Service")  # fmt: skip
    assert result.source_format == "fire-assets"
    assert result.rows_read == 28
    assert (result.inserted, result.rejected) == (28, 0)
    # Patchway Fire Station is listed twice with different details: both load, the second
    # under a distinct reference, flagged for a person to settle.
    reasons = result.warnings["reason"].tolist()
    assert ("reference 'APUPGR8R6WF67940BU/PATCHWAY-FIRE-STATION' is also on row 17 with "
            "different details; loaded as APUPGR8R6WF67940BU/PATCHWAY-FIRE-STATION~2 for a "
            "person to settle") in reasons  # fmt: skip
    assert count(db, "SELECT count(*) FROM assets WHERE 'reference_repeated' = "
                     "ANY(quality_flags)") == 1  # fmt: skip
    assert count(db, "SELECT count(*) FROM assets WHERE location_method = 'bng'") == 28
    assert count(db, "SELECT count(*) FROM organisations WHERE code = 'AVON-FRS' "
                     "AND kind = 'fire'") == 1  # fmt: skip
    # Float noise in the northing is gone; the easting from the merged header is used.
    assert count(db, "SELECT count(*) FROM assets WHERE name = 'Control Centre, Lansdown' "
                     "AND round(ST_X(geom)::numeric, 1) = 371679.8 "
                     "AND round(ST_Y(geom)::numeric, 1) = 170256.5") == 1  # fmt: skip
    assert count(db, "SELECT count(*) FROM assets WHERE uprn = '8577'") == 1  # 4-digit UPRN kept


def test_home_office_fire_stations(db: Engine, real: Path):
    result = load_file(db, real / "homeoffice_fire_stations_england.ods")
    assert result.source_format == "fire-stations"
    assert (result.rows_read, result.inserted, result.rejected) == (1399, 1399, 0)
    assert count(db, "SELECT count(*) FROM organisations WHERE kind = 'fire'") == 45
    # A sentence instead of coordinates: loaded unlocated, never dropped. The easting
    # missing a digit puts its station at sea, outside Great Britain: unlocated too.
    assert count(db, "SELECT count(*) FROM assets WHERE geom IS NULL") == 26
    assert count(db, "SELECT count(*) FROM assets WHERE "
                     "'coordinates_unusable' = ANY(quality_flags)") == 25  # fmt: skip
    assert count(db, "SELECT count(*) FROM assets WHERE "
                     "'outside_great_britain' = ANY(quality_flags)") == 1  # fmt: skip
    assert "26 unlocated: 1 outside Great Britain, 25 coordinates not usable" in result.summary()
    # Letter O for zero, missing spaces, no-break spaces and newlines are normalised.
    assert count(db, "SELECT count(*) FROM assets WHERE "
                     "'postcode_corrected' = ANY(quality_flags)") == 7  # fmt: skip
    assert count(db, "SELECT count(*) FROM assets WHERE postcode !~ "
                     "'^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}$'") == 0  # fmt: skip
    assert count(db, "SELECT count(*) FROM assets WHERE name = 'Ossett' "
                     "AND postcode = 'WF5 9EE'") == 1  # fmt: skip
    assert count(db, "SELECT count(*) FROM assets WHERE "
                     "'probable_centroid' = ANY(quality_flags)") == 2  # fmt: skip


def test_nhs_eric_excludes_aggregate_rows(db: Engine, real: Path):
    result = load_file(db, real / "nhs_eric_hefs_2016_17.xls")
    assert result.source_format == "nhs-eric"
    assert (result.rows_read, result.inserted, result.rejected) == (1213, 1041, 172)
    assert set(result.rejections["reason"]) == {
        "a trust-wide aggregate row (site code AGGRE), not a site"
    }
    assert count(db, "SELECT count(*) FROM assets WHERE source_ref = 'AGGRE'") == 0
    assert count(db, "SELECT count(*) FROM assets WHERE geom IS NULL") == 1041
    with db.connect() as conn:
        from sqlalchemy import text

        row = conn.execute(text(
            "SELECT use_class, gia_m2, site_area_m2, backlog_cost FROM assets "
            "WHERE source_ref = 'R1A1P'"
        )).one()  # fmt: skip
    assert row == ("hospital", 9009, 30700, 4114345)


def test_trafford_with_boundary_flags_points_outside(db: Engine, real: Path):
    from estate.etl.cli.loading import read_area

    area = read_area(real / "trafford_local_authority_district.geojson")
    result = load_file(db, real / "trafford_land_and_building_assets.csv", area=area)
    assert result.inserted == 608
    assert count(db, "SELECT count(*) FROM assets WHERE "
                     "'outside_locality' = ANY(quality_flags)") == 3  # fmt: skip


@pytest.mark.parametrize(
    ("name", "rows", "columns", "header_row", "sheet"),
    [
        ("trafford_land_and_building_assets.csv", 608, 20, 1, None),
        ("police_uk_neighbourhood_stations.tsv", 2248, 7, 1, None),
        ("avon_frs_land_and_assets.xlsx", 28, 21, 1, "Land and Premises"),
        ("homeoffice_fire_stations_england.ods", 1399, 7, 1, "STATIONS"),
        ("trafford_community_hubs.csv", 6, 9, 1, None),
        ("trafford_electors_by_ward_2020.csv", 21, 3, 1, None),
    ],
)
def test_real_tables_read_as_published(real: Path, name, rows, columns, header_row, sheet):
    table = read_table(real / name)
    assert table.frame.shape == (rows, columns)
    assert table.header_row == header_row
    assert table.sheet == sheet
    assert table.row_numbers[0] == header_row + 1


def test_eric_header_found_below_its_super_header(real: Path):
    table = read_table(real / "nhs_eric_hefs_2016_17.xls", sheet="Site Data")
    assert table.header_row == 2
    assert table.frame.shape == (1213, 126)
    assert table.frame.columns[15] == "Gross internal floor area (m²)"
    assert table.row_numbers[:2] == [3, 4]


@pytest.mark.parametrize(
    ("name", "features", "geometry"),
    [
        ("trafford_local_authority_district.geojson", 1, "Polygon"),
        ("trafford_electoral_ward.geojson", 21, "Polygon"),
        ("trafford_libraries.geojson", 13, "Point"),
        ("trafford_leisure_centres_and_parking_polygons.geojson", 17, "MultiPolygon"),
    ],
)
def test_real_geojson_layers(real: Path, name, features, geometry):
    frame = read_vector(real / name)
    assert len(frame) == features
    assert frame.crs.to_epsg() == 4326
    assert set(frame.geom_type) == {geometry}
    assert frame["_row"].tolist() == list(range(1, features + 1))


def test_trafford_words_mapped_and_raw_kept(real: Path):
    prepared = prepare_file(real / "trafford_land_and_building_assets.csv")
    records = prepared.records
    assert records["tenure"].value_counts(dropna=False).to_dict() == {
        "freehold": 593, "leasehold": 14, None: 1,
    }  # fmt: skip
    assert records["holding"].value_counts().to_dict() == {
        "land": 309, "land_and_building": 174, "building": 125,
    }  # fmt: skip
    assert (records["occupancy_raw"] == "Leasehold out").sum() == 1
    assert (records["occupancy"] == "let").sum() == 123
