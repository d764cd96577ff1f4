"""Loading into PostGIS: every row accounted for, re-runs change nothing, failures leave nothing."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from estate.etl.pipeline import load_file
from tests.etl.conftest import count

TRAFFORD = "trafford_land_and_building_assets.csv"


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


LGA = ["OrganisationLabel", "AssetCode", "PropertyName", "PostCode", "GeoX", "GeoY",
       "TenureType", "BuildingSize"]  # fmt: skip


def test_trafford_register_every_record_accounted_for(db: Engine, real: Path):
    result = load_file(db, real / TRAFFORD)
    assert result.rows_read == 608
    assert (result.inserted, result.updated, result.unchanged, result.merged, result.rejected) == (
        608, 0, 0, 0, 0,
    )  # fmt: skip
    assert count(db, "SELECT count(*) FROM assets") == 608
    assert count(db, "SELECT count(*) FROM assets WHERE geom IS NULL") == 235
    assert count(db, "SELECT count(*) FROM assets WHERE location_method = 'lonlat_swapped'") == 1
    assert count(db, "SELECT count(*) FROM assets WHERE uprn IS NULL") == 336
    assert count(db, "SELECT count(*) FROM assets WHERE "
                     "'postcode_outward_only' = ANY(quality_flags)") == 229  # fmt: skip
    assert count(db, "SELECT count(*) FROM organisations WHERE code = 'TRAFFORD-COUNCIL' "
                     "AND kind = 'council'") == 1  # fmt: skip
    # Provenance: the row a person would find in the file.
    with db.connect() as conn:
        row = conn.execute(
            text("SELECT source_file, source_row, name, tenure, tenure_raw FROM assets "
                 "WHERE source_ref = 'TMBC0001/T0000003'")
        ).one()  # fmt: skip
    assert row == (TRAFFORD, 2, "Altrincham Town Hall", "freehold", "Freehold")


def test_reloading_an_unchanged_file_changes_nothing_and_says_so(db: Engine, real: Path):
    load_file(db, real / TRAFFORD)
    with db.connect() as conn:
        before = conn.execute(text("SELECT max(updated_at), sum(load_batch_id) FROM assets")).one()
    again = load_file(db, real / TRAFFORD)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 608)
    assert "nothing changed" in again.summary()
    with db.connect() as conn:
        after = conn.execute(text("SELECT max(updated_at), sum(load_batch_id) FROM assets")).one()
    assert after == before


def test_a_changed_row_is_updated_and_the_rest_unchanged(db: Engine, tmp_path: Path):
    rows = [["Council A", f"A{i}", f"Site {i}", "M33 7DZ", "-2.32", "53.42", "Freehold", "100"]
            for i in range(5)]  # fmt: skip
    load_file(db, write_csv(tmp_path / "a.csv", LGA, rows))
    rows[2][2] = "Site two, renamed"
    result = load_file(db, write_csv(tmp_path / "a.csv", LGA, rows))
    assert (result.inserted, result.updated, result.unchanged) == (0, 1, 4)
    assert count(db, "SELECT count(*) FROM assets WHERE name = 'Site two, renamed'") == 1


def test_dry_run_writes_nothing(db: Engine, real: Path):
    result = load_file(db, real / TRAFFORD, dry_run=True)
    assert result.inserted == 608 and result.dry_run
    assert "dry run" in result.summary()
    assert count(db, "SELECT count(*) FROM assets") == 0
    assert count(db, "SELECT count(*) FROM organisations") == 0


def test_an_interrupted_load_leaves_the_register_as_it_was(db: Engine, real: Path):
    load_file(db, real / TRAFFORD)
    before = count(db, "SELECT count(*) FROM load_batches")

    def interrupt(stage: str, done: int, total: int) -> None:
        if stage == "upsert":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        load_file(db, real / "avon_frs_land_and_assets.xlsx", organisation="AVON-FRS",
                  progress=interrupt)  # fmt: skip
    assert count(db, "SELECT count(*) FROM assets") == 608
    assert count(db, "SELECT count(*) FROM organisations") == 1
    assert count(db, "SELECT count(*) FROM load_batches") == before + 1
    assert count(db, "SELECT count(*) FROM load_batches WHERE status = 'failed' "
                     "AND options->>'error' = 'KeyboardInterrupt: '") == 1  # fmt: skip


def test_a_bad_number_is_a_field_warning_and_the_record_loads(db: Engine, tmp_path: Path):
    """A bad cell never costs a record (issue 15 item 3): the value stays empty, the text
    as published is kept with the asset, and the warning is stored with its kind."""
    rows = [
        ["Council A", "A1", "Good", "M33 7DZ", "-2.32", "53.42", "Freehold", "100"],
        ["Council A", "A2", "Bad", "M33 7DZ", "-2.32", "53.42", "Freehold", "see notes"],
    ]
    result = load_file(db, write_csv(tmp_path / "bad.csv", LGA, rows))
    assert (result.inserted, result.rejected) == (2, 0)
    assert "inserted 2, updated 0, unchanged 0, merged 0, rejected 0; 1 with field warnings" in (
        result.summary()
    )
    with db.connect() as conn:
        stored = conn.execute(
            text("SELECT source_file, row_number, field, value, reason, kind FROM rejections")
        ).one()
        asset = conn.execute(
            text("SELECT gia_m2, extra->>'gia_m2_as_published', quality_flags FROM assets "
                 "WHERE source_ref = 'A2'")
        ).one()  # fmt: skip
    assert stored == ("bad.csv", 3, "BuildingSize", "see notes",
                      "'see notes' is not an area; loaded without it", "warning")  # fmt: skip
    assert asset == (None, "see notes", ["probable_centroid", "field_warnings"])


def test_duplicate_references_identical_are_merged_different_both_load(db: Engine, tmp_path: Path):
    row = ["Council A", "A1", "Depot", "M33 7DZ", "-2.32", "53.42", "Freehold", "100"]
    different = ["Council A", "A1", "Another depot", "M33 7DZ", "-2.32", "53.42", "Freehold", "9"]
    result = load_file(db, write_csv(tmp_path / "dup.csv", LGA, [row, row, different]))
    assert (result.inserted, result.merged, result.rejected) == (2, 1, 0)
    reasons = result.warnings["reason"].tolist()
    assert reasons == ["reference 'A1' is also on row 2 with different details; loaded as A1~2 "
                       "for a person to settle"]  # fmt: skip
    assert (
        count(
            db,
            "SELECT count(*) FROM assets WHERE source_ref = 'A1~2' AND name = "
            "'Another depot' AND 'reference_repeated' = ANY(quality_flags)",
        )
        == 1
    )


def test_rejections_csv_is_safe_against_formula_injection(db: Engine, tmp_path: Path):
    from click.testing import CliRunner

    from estate.cli import cli

    rows = [["Council A", "A1", "x", "M33 7DZ", "-2.32", "53.42", "Freehold", "=1+2"]]
    result = load_file(db, write_csv(tmp_path / "evil.csv", LGA, rows))
    assert (result.rejected, len(result.warnings)) == (0, 1)
    out = CliRunner().invoke(
        cli, ["problems", str(result.batch_id), "--format", "csv"],
        env={"ESTATE_DATABASE_URL": db.url.render_as_string(hide_password=False)},
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    assert "'=1+2" in out.output
    assert ",=1+2" not in out.output


def test_a_forced_reload_compares_every_row(db: Engine, real: Path):
    load_file(db, real / TRAFFORD)
    again = load_file(db, real / TRAFFORD, force=True)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 608)


def test_a_reload_after_the_register_changed_restores_the_file(db: Engine, real: Path):
    load_file(db, real / TRAFFORD)
    with db.begin() as conn:
        conn.execute(text("UPDATE assets SET name = 'Edited', updated_at = now() "
                          "WHERE source_ref = 'TMBC0003'"))  # fmt: skip
    again = load_file(db, real / TRAFFORD)
    assert (again.updated, again.unchanged) == (1, 607)
    assert count(db, "SELECT count(*) FROM assets WHERE name = 'Claremont Centre'") == 1


def test_a_reload_with_rejections_accounts_for_them_again(db: Engine, tmp_path: Path):
    row = ["Council A", "A1", "Good", "M33 7DZ", "-2.32", "53.42", "Freehold", "100"]
    different = ["Council A", "A1", "Other", "M33 7DZ", "-2.32", "53.42", "Freehold", "9"]
    bad = ["Council A", "A2", "Bad", "M33 7DZ", "-2.32", "53.42", "Freehold", "huge"]
    path = write_csv(tmp_path / "r.csv", LGA, [row, different, bad])
    first = load_file(db, path)
    second = load_file(db, path)
    # The repeated reference with other details loads as A1~2 for a person to settle
    # (a warning), like the bad cell: nothing is rejected, and the reload says both again.
    assert (second.unchanged, second.rejected, second.accounted) == (3, 0, 3)
    assert second.batch_id != first.batch_id
    assert len(second.warnings) == 2 and len(second.rejections) == 0
    assert count(db, "SELECT count(*) FROM rejections WHERE batch_id = :b",
                 b=second.batch_id) == 2  # fmt: skip


def test_a_use_the_file_does_not_give_is_read_from_the_name_and_flagged(db: Engine, tmp_path: Path):
    path = tmp_path / "register.csv"
    path.write_text(
        "OrganisationLabel,AssetCode,PropertyName,PostCode,OtherDetail\n"
        "Council A,A1,Sale Leisure Centre,M33 7ZF,\n"
        "Council A,A2,Library Car Park,M33 7ZF,\n"
        "Council A,A3,Waterside House,M33 7ZF,\n"
        "Council A,A4,Old Mill,M33 7ZF,Depot\n",
        encoding="utf-8",
    )
    load_file(db, path, format="transparency")
    with db.connect() as conn:
        rows = dict(conn.execute(text(
            "SELECT source_ref, coalesce(use_class, '-') || ' ' || "
            "('use_from_name' = ANY(quality_flags))::text FROM assets"
        )).all())  # fmt: skip
    assert rows == {
        "A1": "leisure true",
        "A2": "car_park true",
        "A3": "- false",
        "A4": "depot false",
    }


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("avon_frs_land_and_assets.xlsx", {}),
        ("homeoffice_fire_stations_england.ods", {}),
        ("nhs_eric_hefs_2016_17.xls", {}),
        ("police_uk_neighbourhood_stations.tsv", {}),
    ],
)
def test_a_first_load_copied_straight_in_equals_what_the_upsert_writes(
    db: Engine, real: Path, name: str, options: dict
):
    """A first load COPYs rows straight into the register; re-read through the staging
    upsert, which compares every column it writes, every row must come out unchanged."""
    first = load_file(db, real / name, **options)
    again = load_file(db, real / name, force=True, **options)
    assert first.inserted > 0
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, first.inserted)


def test_polygons_become_footprints_and_reload_unchanged(db: Engine, tmp_path: Path):
    import json

    square = [[-2.32, 53.42], [-2.318, 53.42], [-2.318, 53.421], [-2.32, 53.421], [-2.32, 53.42]]
    features = [
        {"type": "Feature", "properties": {"OrganisationLabel": "Council A", "AssetCode": "P1",
         "PropertyName": "Leisure centre", "PostCode": "M33 7ZF", "TenureType": "Freehold"},
         "geometry": {"type": "Polygon", "coordinates": [square]}},
        {"type": "Feature", "properties": {"OrganisationLabel": "Council A", "AssetCode": "P2",
         "PropertyName": "Car parks", "PostCode": "M33 7ZF", "TenureType": "Freehold"},
         "geometry": {"type": "MultiPolygon", "coordinates": [[square], [[
             [x + 0.01, y] for x, y in square]]]}},
    ]  # fmt: skip
    path = tmp_path / "sites.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    first = load_file(db, path, format="transparency")
    again = load_file(db, path, format="transparency", force=True)
    assert first.inserted == 2
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    with db.connect() as conn:
        shapes = conn.execute(text(
            "SELECT source_ref, GeometryType(footprint), ST_NumGeometries(footprint), "
            "ST_SRID(footprint), ST_Contains(footprint, geom) FROM assets ORDER BY 1"
        )).all()  # fmt: skip
    assert [tuple(r) for r in shapes] == [
        ("P1", "MULTIPOLYGON", 1, 27700, True),
        ("P2", "MULTIPOLYGON", 2, 27700, True),
    ]


def test_points_of_a_gis_file_and_an_empty_geometry_loaded_unlocated(db: Engine, tmp_path: Path):
    """Points give their own coordinates; an empty geometry (or none) places nothing, and
    its record is still loaded, unlocated."""
    import geopandas as gpd
    import shapely

    frame = gpd.GeoDataFrame(
        {"OrganisationLabel": ["Council A"] * 3, "AssetCode": ["G1", "G2", "G3"],
         "PropertyName": ["Depot", "Library", "Office"], "TenureType": ["Freehold"] * 3,
         "BuildingSize": [120.5, 1200.0, None]},
        geometry=[shapely.Point(379500.25, 393000.5), shapely.Point(), None], crs=27700,
    )  # fmt: skip
    path = tmp_path / "sites.gpkg"
    frame.to_file(path, driver="GPKG")
    result = load_file(db, path, format="transparency")
    assert (result.inserted, result.rejected) == (3, 0)
    with db.connect() as conn:
        rows = conn.execute(text(
            "SELECT source_ref, ST_X(geom), ST_Y(geom), location_method, gia_m2 FROM assets"
            " ORDER BY 1"
        )).all()  # fmt: skip
    assert [tuple(r) for r in rows] == [
        ("G1", 379500.25, 393000.5, "bng", 120.5),
        ("G2", None, None, "none", 1200.0),
        ("G3", None, None, "none", None),
    ]


def test_a_feature_without_a_polygon_keeps_the_footprint_it_had(db: Engine, tmp_path: Path):
    """A load never erases what it did not read: a reloaded feature whose geometry is
    missing keeps both its point and its footprint, and the reload changes nothing."""
    import json

    square = [[-2.32, 53.42], [-2.318, 53.42], [-2.318, 53.421], [-2.32, 53.421], [-2.32, 53.42]]

    def write(with_shape: bool) -> Path:
        features = [
            {"type": "Feature", "properties": {"OrganisationLabel": "Council A",
             "AssetCode": code, "PropertyName": f"Site {code}", "TenureType": "Freehold"},
             "geometry": {"type": "Polygon", "coordinates": [[[x + shift, y] for x, y in square]]}
             if with_shape or code == "P1" else None}
            for code, shift in (("P1", 0.0), ("P2", 0.01))
        ]  # fmt: skip
        path = tmp_path / f"sites-{with_shape}.geojson"
        path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
        return path

    def shapes() -> list[tuple]:
        with db.connect() as conn:
            return [tuple(r) for r in conn.execute(text(
                "SELECT source_ref, ST_AsEWKT(footprint), ST_AsEWKT(geom) FROM assets ORDER BY 1"
            ))]  # fmt: skip

    assert load_file(db, write(True), format="transparency").inserted == 2
    before = shapes()
    assert all(footprint and point for _, footprint, point in before)
    again = load_file(db, write(False), format="transparency")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    assert shapes() == before
