"""Web edits through the domain: the loader's validation, the audit trail, and a later
load that disagrees with a person (a conflict, not an overwrite)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from estate import accounts, audit, editing
from estate.etl.pipeline import load_file
from tests.conftest import empty_register

HEADER = "OrganisationLabel,AssetCode,PropertyName,PostCode,GeoX,GeoY,BuildingSize,TenureType"
PASSWORD = "a long test password"


def register(folder: Path, name_a1: str, size_a1: str, name_a2: str, tag: str) -> Path:
    path = folder / f"register-{tag}.csv"
    path.write_text(
        f"{HEADER}\n"
        f"Testshire Council,A1,{name_a1},M33 7ZZ,377000,392000,{size_a1},Freehold\n"
        f"Testshire Council,A2,{name_a2},M33 7ZZ,377100,392100,200,Leasehold\n"
    )
    return path


def load(engine: Engine, path: Path):
    return load_file(
        engine, path, format="transparency", organisation="TEST", organisation_name="Testshire"
    )


@pytest.fixture
def body(engine: Engine, tmp_path: Path):
    empty_register(engine)
    load(engine, register(tmp_path, "Old Hall", "500", "Depot", "first"))
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO organisations (code, name, kind) VALUES ('OTHER', 'Other', 'nhs')")
        )
        editor = accounts.add(conn, "ed", "TEST", "editor", PASSWORD)
        viewer = accounts.add(conn, "vi", "TEST", "viewer", PASSWORD)
        other = accounts.add(conn, "oth", "OTHER", "editor", PASSWORD)
        admin = accounts.add(conn, "boss", "OTHER", "admin", PASSWORD)
        ids = dict(conn.execute(text("SELECT source_ref, id FROM assets")).all())
    yield {"editor": editor, "viewer": viewer, "other": other, "admin": admin, "ids": ids}
    empty_register(engine)


def asset(engine: Engine, asset_id: int) -> dict:
    with engine.connect() as conn:
        return dict(
            conn.execute(
                text(
                    "SELECT name, gia_m2, rent, postcode, status, lease_end, edited,"
                    " ST_X(geom) AS x, location_method FROM assets WHERE id = :id"
                ),
                {"id": asset_id},
            ).mappings().one()
        )  # fmt: skip


def test_an_edit_is_parsed_as_the_loader_parses_and_audited(engine: Engine, body):
    a1 = body["ids"]["A1"]
    form = {
        "name": "  New  Hall ", "gia_m2": "1,200 m²", "rent": "£12,500", "postcode": "m33 7zz",
        "status": "Surplus", "lease_end": "31/03/2030", "easting": "377010", "northing": "392000",
    }  # fmt: skip
    with engine.begin() as conn:
        changes = editing.edit_asset(conn, body["editor"], a1, form, "survey of May")
    row = asset(engine, a1)
    assert row["name"] == "New Hall"
    assert row["gia_m2"] == Decimal("1200.00")
    assert row["rent"] == Decimal("12500.00")
    assert row["status"] == "surplus"
    assert row["lease_end"] == dt.date(2030, 3, 31)
    assert row["x"] == 377010 and row["location_method"] == "manual"
    assert set(row["edited"]) == {"name", "gia_m2", "rent", "status", "lease_end", "geom"}
    assert changes["name"] == ["Old Hall", "New Hall"]
    assert changes["gia_m2"] == [500, 1200]
    assert "postcode" not in changes  # M33 7ZZ already
    with engine.connect() as conn:
        events = audit.events(conn, asset_id=a1)
    edit = [e for e in events if e["action"] == "edit"]
    assert len(edit) == 1
    assert edit[0]["actor"] == "ed" and edit[0]["reason"] == "survey of May"
    assert edit[0]["changes"]["status"] == ["operational", "surplus"]
    # The asset's history begins with the load that created it.
    assert any(e["subject"] == "load" and e["action"] == "insert" for e in events)


def test_bad_values_are_refused_with_the_loaders_words_and_change_nothing(engine, body):
    a1 = body["ids"]["A1"]
    with engine.begin() as conn, pytest.raises(editing.EditError) as refused:
        editing.edit_asset(
            conn, body["editor"], a1, {"gia_m2": "see notes", "name": "X"}, "because"
        )
    assert refused.value.problems == {"gia_m2": "'see notes' is not an area"}
    assert asset(engine, a1)["name"] == "Old Hall"
    with engine.begin() as conn, pytest.raises(editing.EditError, match="is not a known use"):
        editing.edit_asset(conn, body["editor"], a1, {"use_class": "spaceport"}, "because")
    with engine.begin() as conn, pytest.raises(editing.EditError, match="say why"):
        editing.edit_asset(conn, body["editor"], a1, {"name": "X"}, " ")


@pytest.mark.parametrize(
    ("who", "allowed"), [("editor", True), ("viewer", False), ("other", False), ("admin", False)]
)
def test_only_the_bodys_own_editors_may_edit(engine, body, who, allowed):
    a1 = body["ids"]["A1"]
    with engine.begin() as conn:
        if allowed:
            assert editing.edit_asset(conn, body[who], a1, {"name": "Z"}, "r")
        else:
            with pytest.raises(editing.NotAllowed):
                editing.edit_asset(conn, body[who], a1, {"name": "Z"}, "r")


def open_conflicts(engine: Engine) -> list[dict]:
    with engine.connect() as conn:
        return editing.conflicts(conn, organisation_code="TEST")


def test_a_later_load_keeps_the_edit_and_raises_a_conflict_once(engine, body, tmp_path):
    a1, a2 = body["ids"]["A1"], body["ids"]["A2"]
    with engine.begin() as conn:
        editing.edit_asset(conn, body["editor"], a1, {"name": "New Hall", "gia_m2": "600"}, "r")
    # The file still says Old Hall; its size now says 650; A2 is renamed in the file.
    result = load(engine, register(tmp_path, "Old Hall", "650", "Depot North", "second"))
    assert result.conflicts == 2
    assert "disagree with edits made in the web" in result.summary()
    row = asset(engine, a1)
    assert row["name"] == "New Hall" and row["gia_m2"] == Decimal("600.00")
    found = {c["field"]: c for c in open_conflicts(engine)}
    assert set(found) == {"name", "gia_m2"}
    assert found["name"]["web_value"] == "New Hall" and found["name"]["file_value"] == "Old Hall"
    assert found["gia_m2"]["file_value"] == 650
    # The other asset was updated by the load, and the audit trail says what changed.
    with engine.connect() as conn:
        a2_events = audit.events(conn, asset_id=a2)
    load_events = [e for e in a2_events if e["action"] == "load"]
    assert load_events[0]["changes"] == {"name": ["Depot", "Depot North"]}
    assert load_events[0]["reason"].startswith("load of ")
    # Loaded again (another copy of the same values): no second conflict per field.
    load(engine, register(tmp_path, "Old Hall", "650", "Depot North", "third"))
    assert len(open_conflicts(engine)) == 2


def test_conflicts_are_settled_by_keeping_or_taking(engine, body, tmp_path):
    a1 = body["ids"]["A1"]
    with engine.begin() as conn:
        editing.edit_asset(conn, body["editor"], a1, {"name": "New Hall", "gia_m2": "600"}, "r")
    load(engine, register(tmp_path, "Old Hall", "650", "Depot", "second"))
    found = {c["field"]: c for c in open_conflicts(engine)}
    with engine.begin() as conn:
        with pytest.raises(editing.NotAllowed):
            editing.resolve_conflict(conn, body["other"], found["name"]["id"], True, "no")
        editing.resolve_conflict(conn, body["editor"], found["name"]["id"], False, "file wrong")
        editing.resolve_conflict(conn, body["editor"], found["gia_m2"]["id"], True, "file right")
    row = asset(engine, a1)
    assert row["name"] == "New Hall"
    assert row["gia_m2"] == Decimal("650.00")
    assert "gia_m2" not in row["edited"] and "name" in row["edited"]
    assert open_conflicts(engine) == []
    # The overruled file value is not raised again; a new file value is.
    load(engine, register(tmp_path, "Old Hall", "650", "Depot", "third"))
    assert open_conflicts(engine) == []
    load(engine, register(tmp_path, "Older Hall", "650", "Depot", "fourth"))
    assert [c["file_value"] for c in open_conflicts(engine)] == ["Older Hall"]
    with engine.connect() as conn:
        settled = [e for e in audit.events(conn, asset_id=a1) if e["subject"] == "conflict"]
    assert {e["action"] for e in settled} == {"keep web edit", "take file value"}


def test_a_file_that_agrees_with_the_edit_clears_its_mark(engine, body, tmp_path):
    a1 = body["ids"]["A1"]
    with engine.begin() as conn:
        editing.edit_asset(conn, body["editor"], a1, {"name": "New Hall"}, "r")
    result = load(engine, register(tmp_path, "New Hall", "500", "Depot", "second"))
    assert result.conflicts == 0
    assert "name" not in asset(engine, a1)["edited"]


def test_an_open_conflict_ends_when_the_file_comes_round_to_the_edit(engine, body, tmp_path):
    a1 = body["ids"]["A1"]
    with engine.begin() as conn:
        editing.edit_asset(conn, body["editor"], a1, {"name": "New Hall"}, "r")
    load(engine, register(tmp_path, "Old Hall", "500", "Depot", "second"))
    assert [c["field"] for c in open_conflicts(engine)] == ["name"]
    load(engine, register(tmp_path, "New Hall", "500", "Depot", "third"))
    assert open_conflicts(engine) == []
    assert asset(engine, a1)["name"] == "New Hall"


def test_an_edited_uprn_keeps_its_number_through_a_load(engine, body, tmp_path):
    a1 = body["ids"]["A1"]
    with engine.begin() as conn:
        editing.edit_asset(conn, body["editor"], a1, {"uprn": "000100012345"}, "from AddressBase")
    path = tmp_path / "with-uprn.csv"
    path.write_text(
        HEADER + ",UPRN\n"
        "Testshire Council,A1,Old Hall,M33 7ZZ,377000,392000,500,Freehold,999999\n"
        "Testshire Council,A2,Depot,M33 7ZZ,377100,392100,200,Leasehold,\n"
    )
    assert load(engine, path).conflicts == 1
    with engine.connect() as conn:
        uprn, number = conn.execute(
            text("SELECT uprn, uprn_number FROM assets WHERE id = :i"), {"i": a1}
        ).one()
    assert (uprn, number) == ("000100012345", 100012345)
