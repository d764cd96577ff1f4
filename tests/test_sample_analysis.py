"""The analysis on the Trafford sample locality, through the ``estate`` command.

The sample is loaded once for the module (loads commit) and the database emptied
afterwards.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook
from sqlalchemy import Engine, text

from estate.cli import cli
from estate.etl.cli.sample import load_sample
from tests.conftest import empty_register


@pytest.fixture(scope="module")
def sample(engine: Engine) -> Iterator[Engine]:
    load_sample(engine)
    yield engine
    empty_register(engine)


def run(db: Engine, *args: str, ok: bool = True):
    env = {"ESTATE_DATABASE_URL": db.url.render_as_string(hide_password=False)}
    result = CliRunner().invoke(cli, list(args), env=env)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def csv_rows(output: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(output)))


def test_colocation_finds_the_blue_light_and_health_clusters_of_trafford(sample: Engine):
    result = run(sample, "analyse", "colocation", "--format", "csv")
    clusters = [r for r in csv_rows(result.stdout)]
    assert clusters, "Trafford's town centres hold several bodies' buildings"
    first = clusters[0]
    # Sale: the police station, the health centre and the council's Waterside stand together.
    assert set(first["body_kinds"].split(", ")) == {"police", "nhs", "council"}
    assert float(first["saving"]) > 0
    savings = [float(r["saving"]) for r in clusters]
    assert savings == sorted(savings, reverse=True)
    assert all(int(r["bodies"]) >= 2 for r in clusters)


def test_colocation_geojson_gives_each_cluster_an_outline_in_wgs84(sample: Engine):
    result = run(sample, "analyse", "colocation", "--format", "geojson")
    collection = json.loads(result.stdout)
    assert collection["type"] == "FeatureCollection"
    assert collection["features"]
    lon, lat = collection["features"][0]["geometry"]["coordinates"][0][0]
    assert -2.6 < lon < -2.1 and 53.3 < lat < 53.6  # Trafford, not British National Grid


def test_disposal_candidates_a_property_review_would_agree_with(sample: Engine):
    result = run(sample, "analyse", "disposals", "--format", "csv")
    rows = {r["name"]: r for r in csv_rows(result.stdout)}
    station = rows["Sale Police Station [synthetic]"]
    assert "condition D" in station["reasons"]
    assert station["receiving_name"]  # a partner site in Sale with room
    assert float(station["receiving_distance_m"]) <= 2000
    for row in rows.values():
        assert int(row["score"]) >= 3 and row["reasons"]
        if row["kind"] == "fire" and row["receiving_name"]:
            pytest.fail(f"a fire station's crews moved into an office: {row['name']}")
    # Vacant council land alone is not a candidate; a vacant building is.
    assert all(r["reasons"] != "vacant land" for r in rows.values())


def test_a_scenario_from_the_cli_to_the_finance_workbook(sample: Engine, tmp_path: Path):
    run(
        sample,
        "scenario",
        "create",
        "Sale hub",
        "--first-year",
        "2027",
        "--horizon",
        "5",
        "--relocation-cost-per-fte",
        "2500",
        "--sale-cost-share",
        "0.02",
    )
    with sample.connect() as conn:
        station = conn.execute(text(
            "SELECT a.id, o.code, a.source_ref FROM assets a JOIN organisations o "
            "ON o.id = a.organisation_id WHERE a.name = 'Sale Police Station [synthetic]'"
        )).one()  # fmt: skip
    run(
        sample,
        "scenario",
        "add",
        "Sale hub",
        f"{station.code}:{station.source_ref}",
        "--exit",
        "2028-01-01",
        "--receipt",
        "750000",
    )
    shown = run(sample, "scenario", "show", "Sale hub").stdout
    assert "Sale Police Station" in shown and "2027-28" in shown

    ledger = csv_rows(
        run(sample, "export", "savings-schedule", "Sale hub", "--ledger", "--format", "csv").stdout
    )
    receipt = [r for r in ledger if r["kind"] == "receipt"]
    assert receipt == [
        {
            **receipt[0],
            "amount": "750000.0",
            "financial_year": "2027-28",
            "basis": "receipt set in the scenario",
        }
    ]

    book = tmp_path / "sale.xlsx"
    run(sample, "export", "savings-schedule", "Sale hub", "--format", "xlsx", "-o", str(book))
    workbook = CalamineWorkbook.from_path(str(book))
    assert workbook.sheet_names == [
        "disposal schedule",
        "savings (partnership)",
        "savings by body",
        "NPV by body",
        "ledger",
        "assumptions",
    ]
    partnership = workbook.get_sheet_by_name("savings (partnership)").to_python()
    header, first = partnership[0], partnership[1]
    assert header[:3] == ["Financial year", "Body", "Capital receipts"]
    assert first[0] == "2027-28" and first[2] == 750000
    assert partnership[-1][0] == "Total"
    with zipfile.ZipFile(book) as archive:
        sheet = archive.read("xl/worksheets/sheet2.xml").decode()
        styles = archive.read("xl/styles.xml").decode()
    assert 'ySplit="1"' in sheet  # frozen header
    assert "£#,##0;" in styles  # money to the pound, for the partners' meeting

    bad = run(sample, "scenario", "add", "Sale hub", "NOBODY:X", "--exit", "2028-01-01", ok=False)
    assert bad.exit_code == 1 and "no asset 'NOBODY:X'" in bad.output
    run(sample, "scenario", "delete", "Sale hub")


def test_the_register_goes_back_out_in_the_lga_layout(sample: Engine):
    result = run(sample, "export", "register", "TRAFFORD-COUNCIL")
    rows = csv_rows(result.stdout)
    assert len(rows) == 608
    assert list(rows[0])[:5] == [
        "OrganisationLabel",
        "OrganisationURI",
        "EffectiveDate",
        "UPRN",
        "AssetCode",
    ]
    hall = next(r for r in rows if r["PropertyName"] == "Altrincham Town Hall")
    assert hall["CoordinateReferenceSystem"] == "OSGB36" and hall["GeoX"].isdigit()
    assert run(sample, "export", "register", "NOBODY", ok=False).exit_code == 1


def test_text_from_files_cannot_become_a_formula_in_exports(sample: Engine, tmp_path: Path):
    with sample.begin() as conn:
        conn.execute(
            text(
                'UPDATE assets SET name = \'=HYPERLINK("http://x","y")\' '
                "WHERE name = 'Sale Police Station [synthetic]'"
            )
        )
    rows = csv_rows(run(sample, "analyse", "disposals", "--format", "csv").stdout)
    assert any(r["name"] == '\'=HYPERLINK("http://x","y")' for r in rows)
    book = tmp_path / "d.xlsx"
    run(sample, "analyse", "disposals", "--format", "xlsx", "-o", str(book))
    cells = CalamineWorkbook.from_path(str(book)).get_sheet_by_index(0).to_python()
    names = [row[5] for row in cells]
    assert '\'=HYPERLINK("http://x","y")' in names
    with zipfile.ZipFile(book) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode().split("Total")[0]
    with sample.begin() as conn:
        conn.execute(
            text(
                "UPDATE assets SET name = 'Sale Police Station [synthetic]' "
                "WHERE name LIKE '=HYPERLINK%'"
            )
        )


def test_within_a_ward_and_a_bad_area(sample: Engine):
    wards = Path(__file__).parent / "data" / "real" / "trafford_electoral_ward.geojson"
    inside = csv_rows(
        run(
            sample, "analyse", "disposals", "--format", "csv", "--within", f"{wards}:Sale Central"
        ).stdout
    )
    everywhere = csv_rows(run(sample, "analyse", "disposals", "--format", "csv").stdout)
    assert 0 < len(inside) < len(everywhere)
    bad = run(sample, "analyse", "colocation", "--within", f"{wards}:Atlantis", ok=False)
    assert bad.exit_code == 1 and "no feature named 'Atlantis'" in bad.output


def test_clusters_and_candidates_export_as_geopackages(sample: Engine, tmp_path: Path):
    import pyogrio

    clusters = tmp_path / "clusters.gpkg"
    run(sample, "export", "colocation", "--format", "gpkg", "-o", str(clusters))
    info = pyogrio.read_info(clusters)
    assert info["crs"] == "EPSG:27700" and info["geometry_type"] == "Polygon"
    assert info["features"] > 0 and "body_codes" in list(info["fields"])
    candidates = tmp_path / "candidates.gpkg"
    run(sample, "export", "disposals", "--format", "gpkg", "-o", str(candidates))
    frame = pyogrio.read_dataframe(candidates)
    assert len(frame) > 0 and {"score", "reasons", "receiving_note"} <= set(frame.columns)
    assert (frame.geometry.geom_type == "Point").all()
    no_file = run(sample, "export", "colocation", "--format", "gpkg", ok=False)
    assert no_file.exit_code == 1 and "needs -o FILE" in no_file.output


def test_pairs_name_both_sides_of_every_cross_body_pair(sample: Engine):
    rows = csv_rows(run(sample, "analyse", "colocation", "--pairs", "--format", "csv").stdout)
    assert rows
    for row in rows:
        assert row["body"] != row["other_body"]
        assert 0 <= float(row["distance_m"]) <= 250
        assert row["name"] and row["other_name"]
    lines = json.loads(
        run(sample, "analyse", "colocation", "--pairs", "--format", "geojson").stdout
    )
    assert {f["geometry"]["type"] for f in lines["features"]} == {"LineString"}
