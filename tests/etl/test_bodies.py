"""Whose file it is (issue 15 item 7): the file's columns, else --org/--org-kind, else inferred
and said so; a body's later file joins it rather than making a second organisation."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from estate.cli import cli
from estate.etl.pipeline import load_file, prepare_file
from estate.etl.validate.organisations import (
    infer_kind,
    kind_from_file_name,
    name_from_file_name,
)
from tests.etl.conftest import count
from tests.etl.test_load import LGA, write_csv

DEVON = "devon_somerset_frs_stations.tsv"

DEVON_MAPPING = """
description = "Devon & Somerset FRS station list"
[columns]
name = "name"
source_ref = "number"
street = "road"
postcode = "postcode"
"""

STATION_HEADER = ["Station", "Postcode"]


def stations(path: Path, names: list[str]) -> Path:
    return write_csv(path, STATION_HEADER, [[n, "EX1 1AA"] for n in names])


def station_mapping(tmp_path: Path) -> Path:
    path = tmp_path / "stations.toml"
    path.write_text('[columns]\nname = "Station"\npostcode = "Postcode"\n', encoding="utf-8")
    return path


def test_kind_from_body_names_transport_and_development_bodies_are_other():
    names = ["Avon Fire and Rescue Service", "Transport for Greater Manchester",
             "Ebbsfleet Development Corporation", "Trafford Council", "Thames Valley Police",
             "South Western Ambulance Service", "West Midlands Combined Authority",
             "Highways Authority"]  # fmt: skip
    kinds = infer_kind(__import__("pandas").Series(names), "other").tolist()
    assert kinds == ["fire", "other", "other", "council", "police", "nhs", "council", "other"]


def test_file_name_words_name_the_body_never_the_whole_file():
    assert name_from_file_name(DEVON) == "Devon Somerset FRS"
    assert kind_from_file_name(DEVON) == ("fire", "from the word 'frs' in the file name")
    assert kind_from_file_name("cheshire_constabulary_estate_2023.csv")[0] == "police"
    assert kind_from_file_name("assets_2023.csv") is None


def test_most_names_ending_fire_station_make_a_fire_service_and_say_so(tmp_path: Path):
    names = [f"Town {i} Fire Station" for i in range(54)] + ["Training Centre", "Workshop"]
    prepared = prepare_file(stations(tmp_path / "assets.csv", names),
                            mapping=station_mapping(tmp_path))  # fmt: skip
    assert prepared.organisations[["name", "kind"]].to_dict("records") == [
        {"name": "Unnamed body", "kind": "fire"}
    ]
    assert (
        "body kind of UNNAMED-BODY: fire, from 54 of 56 names ending 'Fire Station'; "
        "say --org-kind to choose"
    ) in prepared.notes


def test_police_station_names_and_ods_codes_say_their_kind(tmp_path: Path):
    police = prepare_file(stations(tmp_path / "sites.csv", ["Exeter Police Station"] * 3),
                          mapping=station_mapping(tmp_path))  # fmt: skip
    assert police.organisations["kind"].tolist() == ["police"]
    path = write_csv(tmp_path / "sites.csv", ["Site code", "Site"],
                     [["RA701", "Main Building"], ["RA702", "Annexe"]])  # fmt: skip
    mapping = tmp_path / "codes.toml"
    mapping.write_text('[columns]\nsource_ref = "Site code"\nname = "Site"\n', encoding="utf-8")
    nhs = prepare_file(path, mapping=mapping)
    assert nhs.organisations["kind"].tolist() == ["nhs"]
    assert any("2 of 2 references that are NHS (ODS) codes" in n for n in nhs.notes)


def test_nothing_says_the_kind_other_not_council(tmp_path: Path):
    prepared = prepare_file(stations(tmp_path / "sites.csv", ["Depot", "Yard"]),
                            mapping=station_mapping(tmp_path))  # fmt: skip
    assert prepared.organisations["kind"].tolist() == ["other"]


def test_org_kind_chooses_and_the_file_kind_column_wins(tmp_path: Path):
    names = [f"Town {i} Fire Station" for i in range(5)]
    chosen = prepare_file(stations(tmp_path / "s.csv", names), mapping=station_mapping(tmp_path),
                          organisation="TFL", organisation_name="Transport for London",
                          organisation_kind="other")  # fmt: skip
    assert chosen.organisations[["code", "name", "kind"]].to_dict("records") == [
        {"code": "TFL", "name": "Transport for London", "kind": "other"}
    ]
    assert not [n for n in chosen.notes if n.startswith("body kind")]


def test_the_devon_station_list_names_its_body_from_the_file_name(real: Path, tmp_path: Path):
    mapping = tmp_path / "devon.toml"
    mapping.write_text(DEVON_MAPPING, encoding="utf-8")
    prepared = prepare_file(real / DEVON, mapping=mapping)
    assert len(prepared.records) == 85
    assert prepared.organisations[["code", "name", "kind"]].to_dict("records") == [
        {"code": "DEVON-SOMERSET-FRS", "name": "Devon Somerset FRS", "kind": "fire"}
    ]
    assert any(n.startswith("body: 'Devon Somerset FRS', named from the file name")
               for n in prepared.notes)  # fmt: skip
    assert any("fire, from the word 'frs' in the file name" in n for n in prepared.notes)


def test_the_devon_station_list_loads_with_org_and_org_kind(db: Engine, real: Path,
                                                            tmp_path: Path):  # fmt: skip
    mapping = tmp_path / "devon.toml"
    mapping.write_text(DEVON_MAPPING, encoding="utf-8")
    env = {"ESTATE_DATABASE_URL": db.url.render_as_string(hide_password=False)}
    result = CliRunner().invoke(
        cli,
        ["load", str(real / DEVON), "--mapping", str(mapping), "--org", "DSFRS",
         "--org-name", "Devon and Somerset Fire and Rescue Service", "--org-kind", "FRS"],
        env=env,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "inserted 85" in result.output
    assert count(db, "SELECT count(*) FROM organisations WHERE code = 'DSFRS' AND kind = 'fire'")
    assert count(db, "SELECT count(*) FROM assets") == 85


def test_an_unknown_org_kind_is_refused_with_the_kinds(db: Engine, tmp_path: Path):
    path = stations(tmp_path / "s.csv", ["A"])
    env = {"ESTATE_DATABASE_URL": db.url.render_as_string(hide_password=False)}
    result = CliRunner().invoke(cli, ["load", str(path), "--org-kind", "quango"], env=env)
    assert result.exit_code == 2
    assert "unknown body kind 'quango'; kinds are: council, nhs, police, fire, other" in (
        result.output
    )


@pytest.mark.parametrize(
    "later", ["avon fire & rescue service.", "AVON-FRS"], ids=["by name", "by code"]
)
def test_a_later_file_of_a_known_body_joins_it(db: Engine, tmp_path: Path, later: str):
    first = write_csv(tmp_path / "a.csv", LGA,
                      [["Avon Fire and Rescue Service", "A1", "Bristol Fire Station", "BS1 1AA",
                        "-2.59", "51.45", "Freehold", "100"]])  # fmt: skip
    load_file(db, first, organisation="AVON-FRS", organisation_name="Avon Fire and Rescue Service")
    second = write_csv(tmp_path / "b.csv", LGA,
                       [[later, "A2", "Bath Fire Station", "BA1 1AA", "-2.36", "51.38",
                         "Freehold", "90"]])  # fmt: skip
    result = load_file(db, second)
    assert result.inserted == 1
    assert result.organisations_added == []
    assert count(db, "SELECT count(*) FROM organisations") == 1
    assert count(db, "SELECT count(DISTINCT organisation_id) FROM assets") == 1
