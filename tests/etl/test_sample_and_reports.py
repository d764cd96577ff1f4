"""The sample locality, the data-quality report and matching across bodies."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import Engine, text

from estate.cli import cli
from estate.etl.pipeline import load_file
from estate.quality import quality_report
from tests.etl.conftest import count


def run(db: Engine, *args: str):
    env = {"ESTATE_DATABASE_URL": db.url.render_as_string(hide_password=False)}
    return CliRunner().invoke(cli, list(args), env=env)


def test_the_demo_loads_all_four_bodies_of_trafford(db: Engine):
    result = run(db, "demo")
    assert result.exit_code == 0, result.output
    with db.connect() as conn:
        kinds = dict(conn.execute(text(
            "SELECT o.kind, count(*) FROM assets a JOIN organisations o "
            "ON o.id = a.organisation_id GROUP BY o.kind"
        )).all())  # fmt: skip
    assert kinds == {"council": 608, "fire": 10, "police": 11, "nhs": 17}
    assert "Data quality by body" in result.output
    # Run again: nothing new.
    again = run(db, "demo")
    assert again.exit_code == 0
    assert "inserted 0, updated 0, unchanged 608" in again.output
    assert count(db, "SELECT count(*) FROM assets") == 646


def test_quality_report_shares_per_body(db: Engine, real: Path):
    load_file(db, real / "trafford_land_and_building_assets.csv")
    with db.connect() as conn:
        frame = quality_report(conn)
    row = frame.set_index("body").loc["TRAFFORD-COUNCIL"]
    assert row["records"] == 608
    assert row["uprn_pct"] == round(100 * 272 / 608, 1)
    assert row["located_pct"] == round(100 * 373 / 608, 1)
    assert row["occupancy_pct"] == 0
    out = run(db, "quality", "--format", "csv")
    assert out.exit_code == 0, out.output
    rows = list(csv.DictReader(io.StringIO(out.output)))
    assert rows[0]["body"] == "TRAFFORD-COUNCIL" and rows[0]["records"] == "608"


def test_the_same_place_in_two_bodies_files_is_matched(db: Engine, tmp_path: Path):
    council = tmp_path / "council.csv"
    council.write_text(
        "OrganisationLabel,AssetCode,PropertyName,UPRN,PostCode,GeoX,GeoY,TenureType\n"
        "Council A,C1,Sale Waterside Offices,100012345678,M33 7ZF,378600,392800,Freehold\n"
        "Council A,C2,Stretford Library,,M32 0LG,379500,396000,Freehold\n"
        "Council A,C3,Depot,,M32 0LG,381000,397000,Freehold\n",
        encoding="utf-8",
    )
    police = tmp_path / "police.csv"
    police.write_text(
        "Organisation code,Asset reference,Site name,UPRN,Easting,Northing,Occupants (FTE)\n"
        "POL,P1,Waterside police desk,100012345678,378610,392805,4\n"
        "POL,P2,Stretford Library police point,,379520,396010,2\n"
        "POL,P3,Depot,,383000,399000,2\n",
        encoding="utf-8",
    )
    load_file(db, council)
    load_file(db, police, format="partnership", organisation_name="Police")
    with db.connect() as conn:
        found = conn.execute(text(
            "SELECT a.source_ref, b.source_ref, m.method FROM asset_matches m "
            "JOIN assets a ON a.id = m.asset_id JOIN assets b ON b.id = m.other_id "
            "ORDER BY 1"
        )).all()  # fmt: skip
    assert found == [("C1", "P1", "uprn"), ("C2", "P2", "proximity_name")]
    out = run(db, "matches")
    assert "Waterside police desk" in out.output
