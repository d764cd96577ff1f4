"""The recogniser (issue 15 items 1 and 2): columns read as fields by header and by values, the
mapping said, kept and reusable, and a reference for every record that never collides."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, text

from estate.cli import cli
from estate.etl.pipeline import load_file, prepare_file
from estate.etl.recognise import recognise
from estate.etl.recognise.assign import header_evidence
from estate.etl.recognise.content import content_scores, profile_column
from estate.etl.sources.base import RAW_FIELDS
from tests.etl.conftest import count
from tests.etl.test_load import write_csv

DEVON = "devon_somerset_frs_stations.tsv"


def env(db: Engine) -> dict[str, str]:
    return {"ESTATE_DATABASE_URL": db.url.render_as_string(hide_password=False)}


# -- header words --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "header, field",
    [
        ("Bldg_GIA_sqm", "gia_m2"), ("GIA (m²)", "gia_m2"), ("Gross Internal Area", "gia_m2"),
        ("FLOOR_AREA", "gia_m2"), ("SiteArea_ha", "site_area_ha"),
        ("Site area (hectares)", "site_area_ha"), ("SiteArea_m2", "site_area_m2"),
        ("Land Area (sq m)", "site_area_m2"), ("LandOrBuildings", "holding"),
        ("Holding Type", "holding"), ("X (easting)", "x"), ("Y (northing)", "y"),
        ("EASTINGS", "x"), ("lat", "y"), ("Lon", "x"), ("Property Ref", "source_ref"),
        ("AssetID", "source_ref"), ("asset_no", "source_ref"), ("UPRN", "uprn"),
        ("Post_Code", "postcode"), ("POSTCODE", "postcode"), ("Site Name", "name"),
        ("PremisesName", "name"), ("Tenure Type", "tenure"), ("TypeOfTenancy", "tenure"),
        ("Grid Ref", "coordinates"), ("Co-ordinates", "coordinates"),
        ("Lease Expiry Date", "lease_end"), ("Annual Rent (£)", "rent"),
        ("Business Rates", "rates"), ("Backlog Maintenance (£)", "backlog_cost"),
        ("Street Name", "street"), ("Post Town", "town"), ("EPC Rating", "energy_rating"),
        ("Organisation Name", "org_name"), ("Full Address", "address"),
    ],
)  # fmt: skip
def test_a_header_is_read_as_its_field(header: str, field: str):
    evidence = header_evidence(header, RAW_FIELDS, {})
    assert evidence, header
    best = max(evidence, key=lambda f: evidence[f][0])
    assert best == field, (header, evidence)


def test_units_in_a_header_choose_between_areas():
    assert "site_area_ha" not in header_evidence("Site area (m²)", RAW_FIELDS, {})
    assert "gia_m2" not in header_evidence("Floor area (ha)", RAW_FIELDS, {})


# -- values --------------------------------------------------------------------------------
def scores(values: list[str | None]) -> dict[str, tuple[float, str]]:
    series = pd.Series(values, dtype=object)
    return content_scores(profile_column(series, len(series)))


def best_field(values: list[str | None]) -> str:
    found = {f: s for f, (s, _) in scores(values).items() if s > 0}
    return max(found, key=lambda f: found[f])


@pytest.mark.parametrize(
    "values, field, reason",
    [
        (["M33 7DZ", "WA14 1PF", "m41 0AA", "EX39  1PH"], "postcode", "postcodes"),
        (["371679.8", "358123", "412000.5", "299001"], "x", "eastings"),
        (["-2.348", "-2.268", "-1.9812", "0.1251"], "x", "longitudes"),
        (["53.382", "53.458", "51.501", "55.9"], "y", "latitudes"),
        (["371679, 170256", "358123,165000", "412000 ,180000"], "coordinates", "pairs"),
        (["TQ 30000 80000", "ST 5859 7254", "SU1234 5678"], "coordinates", "grid references"),
        (["120 m²", "1,500 sq ft", "c. 300 sqm"], "gia_m2", "areas in square"),
        (["0.5 hectares (1.2 acres)", "2 ha", "1.1 acres"], "site_area_ha", "hectares"),
        (["Freehold", "LEASEHOLD", "freehold", "Leasehold"], "tenure", "tenure words"),
        (["AB-001", "AB-002", "CX-17", "Q9", "ZZ-100"], "source_ref", "unique short codes"),
        (["03", "19", "34", "35", "01"], "source_ref", "unique short codes"),
        (["Bath Fire Station", "Yate Library", "Old Trafford Hub", "Sale Pool"], "name",
         "distinct names"),
    ],
)  # fmt: skip
def test_values_say_what_a_column_holds(values, field, reason):
    assert best_field(values) == field
    assert reason in scores(values)[field][1]


def test_uprns_are_whole_numbers_of_up_to_twelve_digits():
    found = scores(["100012345678", "8577", "24076358", "10001144791", "200001887481"])
    assert found["uprn"][0] > 0
    assert "uprn" not in scores(["1234567890123", "9876543210987", "1111111111111"])


def test_repeated_values_are_a_type_not_a_name_and_a_row_counter_is_no_reference():
    assert scores(["POLICE STATION"] * 8 + ["FIRE STATION"] * 2)["name"][0] < 0
    counter = scores([str(i) for i in range(1, 40)])
    assert counter["source_ref"][0] < 0 and "count the rows" in counter["source_ref"][1]
    assert scores(["North", "South", "East", "West", "North"])["gia_m2"][0] < 0


# -- the assignment ------------------------------------------------------------------------
def test_a_name_column_beats_a_repeated_description_and_the_contest_is_said():
    frame = pd.DataFrame({
        "Description": ["POLICE STATION"] * 6,
        "Station Name": [f"Station {c}" for c in "ABCDEF"],
        "Post Code": ["M1 1AA", "M1 1AB", "M1 1AD", "M1 1AE", "M1 1AF", "M1 1AG"],
    })  # fmt: skip
    found = recognise(frame, RAW_FIELDS, preset={"name": ("Description",)})
    assert found.column_of("name") == "Station Name"
    assert found.column_of("postcode") == "Post Code"
    assert found.column_of("name") != "Description"


def test_of_two_grid_columns_under_no_header_the_left_is_the_easting():
    frame = pd.DataFrame({
        "Site": [f"Depot {c}" for c in "ABCDE"],
        "col_1": ["371679", "358123", "412000", "399001", "385500"],
        "col_2": ["170256", "165000", "180000", "175500", "169000"],
    })  # fmt: skip
    found = recognise(frame, RAW_FIELDS)
    assert (found.column_of("x"), found.column_of("y")) == ("col_1", "col_2")


def test_competing_headers_one_wins_and_the_loser_is_named():
    frame = pd.DataFrame({
        "Ref": ["A1", "A2", "A3", "A4"],
        "Asset Code": ["X-1", "X-2", "X-3", "X-4"],
        "Name": ["Hall", "Depot", "Library", "Pool"],
    })  # fmt: skip
    found = recognise(frame, RAW_FIELDS)
    assert found.column_of("source_ref") in ("Ref", "Asset Code")
    loser = "Ref" if found.column_of("source_ref") == "Asset Code" else "Asset Code"
    assert loser in found.extras
    assert any(line.startswith(f"'{loser}' also fits source_ref") for line in found.contests)


# -- an unfamiliar layout ------------------------------------------------------------------
ODD_HEADER = ["Property Ref", "Site Name", "Bldg_GIA_sqm", "SiteArea_ha", "LandOrBuildings",
              "X (easting)", "Y (northing)", "Tenure", "Post Code", "Notes", "Manager"]  # fmt: skip
ODD_ROWS = [
    ["P-001", "Civic Offices", "1200", "0.5", "Land and buildings", "371679", "170256",
     "Freehold", "BA1 1AA", "", "J Smith"],
    ["P-002", "Depot North", "300", "1.25", "Land only", "358123", "165000", "Leasehold",
     "BA2 2BB", "", "A Jones"],
    ["P-003", "Library", "450.5", "0.1", "Land and buildings", "412000", "180000", "Freehold",
     "BA3 3CC", "", "J Smith"],
]  # fmt: skip


def odd_file(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "acme_property_list.csv", ODD_HEADER, ODD_ROWS)


def test_an_unfamiliar_layout_loads_every_field_right(db: Engine, tmp_path: Path):
    result = load_file(db, odd_file(tmp_path), organisation="ACME", organisation_name="Acme")
    assert (result.inserted, result.rejected) == (3, 0)
    with db.connect() as conn:
        rows = conn.execute(text(
            "SELECT source_ref, name, gia_m2, site_area_m2, holding, tenure, postcode, "
            "round(ST_X(geom)) AS x, round(ST_Y(geom)) AS y, extra FROM assets "
            "ORDER BY source_ref"
        )).mappings().all()  # fmt: skip
    first = rows[0]
    assert (first["source_ref"], first["name"], float(first["gia_m2"])) == (
        "P-001",
        "Civic Offices",
        1200.0,
    )
    assert float(first["site_area_m2"]) == 5000.0  # 0.5 ha
    assert (first["holding"], first["tenure"], first["postcode"]) == (
        "land_and_building",
        "freehold",
        "BA1 1AA",
    )
    assert (float(first["x"]), float(first["y"])) == (371679.0, 170256.0)
    assert first["extra"]["manager"] == "J Smith"
    assert float(rows[1]["site_area_m2"]) == 12500.0
    mapping = result.mapping
    read = {c["column"]: c["field"] for c in mapping["columns"]}
    assert read["Bldg_GIA_sqm"] == "gia_m2" and read["SiteArea_ha"] == "site_area_ha"
    assert read["LandOrBuildings"] == "holding" and read["Property Ref"] == "source_ref"
    assert (read["X (easting)"], read["Y (northing)"]) == ("x", "y")
    assert mapping["empty"] == ["Notes"]
    assert mapping["extra"] == [{"column": "Manager", "key": "manager"}]


def test_a_gis_point_layer_in_no_layout_loads(db: Engine, tmp_path: Path):
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-2.35 + i / 100, 53.4]},
         "properties": {"site_name": f"Hub {i}", "address": f"{i} High Street, Sale",
                        "type": "Community centre", "opening": f"Mon {i}am"}}
        for i in range(1, 6)
    ]  # fmt: skip
    path = tmp_path / "hubs.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    result = load_file(db, path, organisation="TC", organisation_name="Trafford Council")
    assert result.source_format == "recognised"
    assert result.inserted == 5
    assert count(db, "SELECT count(*) FROM assets WHERE geom IS NOT NULL") == 5
    assert count(db, "SELECT count(*) FROM assets WHERE name = 'Hub 3' AND use_class = "
                     "'community_centre' AND extra->>'opening' = 'Mon 3am'") == 1  # fmt: skip
    assert "'site_name' -> name" in result.summary()


def test_a_file_with_nothing_that_tells_records_apart_is_refused_in_words(tmp_path: Path):
    path = write_csv(tmp_path / "figures.csv", ["Year", "Amount"],
                     [["2020", "5"], ["2021", "6"], ["2022", "7"]])  # fmt: skip
    with pytest.raises(Exception, match="none of them holds a name, a reference, a UPRN or an "):
        prepare_file(path)


# -- Devon & Somerset FRS ------------------------------------------------------------------
def test_devon_station_list_loads_with_no_options(db: Engine, real: Path):
    result = load_file(db, real / DEVON)
    assert (result.source_format, result.rows_read, result.inserted) == ("recognised", 85, 85)
    assert count(db, "SELECT count(*) FROM organisations WHERE kind = 'fire'") == 1
    assert count(db, "SELECT count(*) FROM assets WHERE geom IS NULL") == 85
    # The station number (leading zeros kept) is the file's own reference.
    assert count(db, "SELECT count(*) FROM assets WHERE source_ref = '03' "
                     "AND name = 'Appledore'") == 1  # fmt: skip
    assert "85 unlocated" in result.summary()
    assert "'number' -> source_ref" in result.summary()


def test_devon_station_list_loads_under_the_body_named(db: Engine, real: Path, tmp_path: Path):
    from tests.etl.test_load_keeps import lookup

    result = CliRunner().invoke(
        cli, ["load", str(real / DEVON), "--org", "DSFRS",
              "--org-name", "Devon & Somerset Fire and Rescue Service"], env=env(db),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "inserted 85" in result.output
    assert count(db, "SELECT count(*) FROM organisations WHERE code = 'DSFRS' "
                     "AND kind = 'fire'") == 1  # fmt: skip
    assert lookup(tmp_path) is not None


# -- the mapping said, kept and reused -----------------------------------------------------
def test_the_mapping_is_printed_on_a_dry_run_and_kept_for_estate_loads(db: Engine, real: Path):
    dry = CliRunner().invoke(cli, ["load", str(real / DEVON), "--dry-run"], env=env(db))
    assert dry.exit_code == 0, dry.output
    assert "mapping (recognised):" in dry.output
    assert "'postcode' -> postcode (header 'postcode', values are postcodes (100%))" in dry.output
    assert "kept as extra attributes: 'row' as 'row', 'duty' as 'duty'" in dry.output
    assert count(db, "SELECT count(*) FROM assets") == 0
    done = CliRunner().invoke(cli, ["load", str(real / DEVON)], env=env(db))
    assert done.exit_code == 0, done.output
    listed = CliRunner().invoke(cli, ["loads"], env=env(db))
    assert "recognised: 4 fields, 3 extra" in listed.output
    batch = count(db, "SELECT max(id) FROM load_batches WHERE status = 'committed'")
    full = CliRunner().invoke(cli, ["loads", "--mapping", str(batch)], env=env(db))
    assert full.exit_code == 0, full.output
    assert "'number' -> source_ref" in full.output
    with db.connect() as conn:
        stored = conn.execute(text("SELECT mapping FROM load_batches WHERE id = :b"),
                              {"b": batch}).scalar_one()  # fmt: skip
    assert {c["column"]: c["field"] for c in stored["columns"]}["road"] == "street"


def test_write_mapping_round_trip_loads_the_same(db: Engine, tmp_path: Path):
    path = odd_file(tmp_path)
    toml = tmp_path / "acme.toml"
    first = CliRunner().invoke(
        cli, ["load", str(path), "--org", "ACME", "--dry-run", "--write-mapping", str(toml)],
        env=env(db),
    )  # fmt: skip
    assert first.exit_code == 0, first.output
    assert f"mapping written to {toml}" in first.output
    assert 'gia_m2 = "Bldg_GIA_sqm"' in toml.read_text("utf-8")
    by_recogniser = prepare_file(path, organisation="ACME").records
    by_mapping = prepare_file(path, organisation="ACME", mapping=toml).records
    pd.testing.assert_frame_equal(
        by_recogniser.reset_index(drop=True), by_mapping.reset_index(drop=True)
    )
    again = CliRunner().invoke(cli, ["load", str(path), "--mapping", str(toml)], env=env(db))
    assert again.exit_code == 0, again.output
    assert count(db, "SELECT count(*) FROM assets WHERE organisation_id = "
                     "(SELECT id FROM organisations WHERE code = 'ACME')") == 3  # fmt: skip


# -- identity ------------------------------------------------------------------------------
NO_REF_HEADER = ["Site Name", "Address", "Postcode", "Use"]
NO_REF_ROWS = [
    ["Hall", "1 High St", "BA1 1AA", "office"],
    ["Depot", "2 Low Rd", "BA1 1AB", "depot"],
    ["Hall", "5 Other St", "BA1 1AA", "office"],  # same name and postcode, another address
    ["Pool", "3 Mill Ln", "BA1 1AD", "leisure"],
    ["Pool", "3 Mill Ln", "BA1 1AD", "office"],  # same but for its use
]


def test_derived_references_are_stable_with_rows_reordered(db: Engine, tmp_path: Path):
    path = write_csv(tmp_path / "a.csv", NO_REF_HEADER, NO_REF_ROWS)
    first = load_file(db, path, organisation="B1", organisation_name="Body One")
    assert first.inserted == 5
    shuffled = write_csv(tmp_path / "b.csv", NO_REF_HEADER, NO_REF_ROWS[::-1])
    again = load_file(db, shuffled, organisation="B1")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 5)
    assert count(db, "SELECT count(*) FROM assets WHERE source_ref LIKE 'GEN-%' "
                     "AND 'reference_generated' = ANY(quality_flags)") == 5  # fmt: skip


def test_distinct_records_never_share_a_derived_reference(tmp_path: Path):
    rows = NO_REF_ROWS + [["Hall", "1 High St", "BA1 1AA", "office"]]  # an exact repeat
    prepared = prepare_file(write_csv(tmp_path / "a.csv", NO_REF_HEADER, rows),
                            organisation="B1")  # fmt: skip
    records = prepared.records
    assert len(records) == 5 and records["source_ref"].is_unique
    assert prepared.merged[["_row", "into_row"]].values.tolist() == [[7, 2]]


def test_a_repeated_reference_with_other_details_loads_both_and_flags_the_second(tmp_path):
    header = ["Asset Code", "Site Name", "Postcode"]
    rows = [["A1", "Hall", "BA1 1AA"], ["A2", "Depot", "BA1 1AB"], ["A1", "Hall Annex", "BA1 1AA"],
            ["A1", "Hall", "BA1 1AA"]]  # fmt: skip
    prepared = prepare_file(write_csv(tmp_path / "a.csv", header, rows), organisation="B1")
    records = prepared.records.set_index("_row")
    assert records.loc[4, "source_ref"] == "A1~2"
    assert "reference_repeated" in records.loc[4, "quality_flags"]
    assert prepared.warnings["reason"].tolist() == [
        "reference 'A1' is also on row 2 with different details; loaded as A1~2 for a person "
        "to settle"
    ]
    assert prepared.merged[["_row", "into_row"]].values.tolist() == [[5, 2]]
    assert len(prepared.rejections) == 0
