"""Yearly returns: a body's newer register replaces its older one.

The three real ERIC years of the same trusts (2013-14, 2014-15, 2016-17), loaded in order
and out of it; small registers of our own for re-coded assets, partial files, assets
that come back; and the map, the analyses and the exports read through the real
application, which must leave retired assets out.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pandas as pd
from click.testing import CliRunner
from sqlalchemy import Engine, text

from estate import accounts
from estate.analysis.assets import read_assets
from estate.config import Settings
from estate.etl.load.register_dates import date_from_name, register_name
from estate.etl.pipeline import load_file
from estate.web import create_app
from tests.etl.conftest import count
from tests.etl.test_load import write_csv
from tests.web.conftest import PASSWORD, sign_in

YEARS = ("2013_14", "2014_15", "2016_17")


def eric(real: Path, year: str) -> Path:
    return real / f"nhs_eric_hefs_{year}.xls"


def eric_sites(path: Path) -> dict[str, set[str]]:
    """Each trust's site codes as the file lists them, its aggregate rows left out (site
    code AGGRE, or a few with a site's code but the type "AGGREGATE SITE"): read here with
    pandas, not with the loader."""
    frame = pd.read_excel(path, sheet_name="Site Data", header=1, dtype=str, engine="calamine")
    frame = frame[["Organisation Code", "Site Code", "Site Type"]].dropna(subset=["Site Code"])
    frame = frame.apply(lambda column: column.str.strip())
    aggregate = frame["Site Type"].str.upper().str.contains("AGGREGATE", na=False)
    frame = frame[(frame["Site Code"].str.upper() != "AGGRE") & ~aggregate]
    return {org: set(codes) for org, codes in frame.groupby("Organisation Code")["Site Code"]}


def current_sites(db: Engine) -> dict[str, set[str]]:
    with db.connect() as conn:
        rows = conn.execute(
            text("SELECT o.code, a.source_ref FROM assets a JOIN organisations o "
                 "ON o.id = a.organisation_id WHERE a.retired_at IS NULL")
        ).all()  # fmt: skip
    found: dict[str, set[str]] = {}
    for code, ref in rows:
        found.setdefault(code, set()).add(ref)
    return found


def test_three_eric_years_in_order_leave_each_trust_its_2016_17_sites(db: Engine, real: Path):
    results = [load_file(db, eric(real, year), match=False) for year in YEARS]
    assert [r.register.as_at for r in results] == [
        dt.date(2014, 3, 31), dt.date(2015, 3, 31), dt.date(2017, 3, 31),
    ]  # fmt: skip
    assert all(r.register.full for r in results)
    newest = eric_sites(eric(real, "2016_17"))
    assert sum(len(s) for s in newest.values()) == 1041  # 1,213 rows less 172 AGGRE
    held = current_sites(db)
    for trust, sites in newest.items():
        assert held[trust] == sites, trust
    # What was retired is every site of those trusts no longer listed, with its reason.
    listed = {(t, s) for t, sites in newest.items() for s in sites}
    with db.connect() as conn:
        retired = conn.execute(
            text("SELECT o.code, a.source_ref, a.retired_at, a.retired_reason, "
                 "a.retired_batch_id FROM assets a JOIN organisations o "
                 "ON o.id = a.organisation_id WHERE a.retired_at IS NOT NULL")
        ).all()  # fmt: skip
    assert retired
    assert all((code, ref) not in listed for code, ref, *_ in retired)
    by_last = [r for r in retired if r.retired_batch_id == results[-1].batch_id]
    assert by_last and all(r.retired_reason == "not in the 2016-17 register" for r in by_last)
    assert all(r.retired_at == dt.date(2017, 3, 31) for r in by_last)
    assert {r.retired_reason for r in retired} <= {
        "not in the 2014-15 register", "not in the 2016-17 register",
    }  # fmt: skip
    # Never deleted: every site of every year is still there, with its history.
    every = set()
    for year in YEARS:
        every |= {(t, s) for t, sites in eric_sites(eric(real, year)).items() for s in sites}
    assert count(db, "SELECT count(*) FROM assets") == len(every)
    last = results[-1]
    assert sum(c.retired for c in last.changes) == len(by_last)
    assert count(
        db, "SELECT count(*) FROM audit_events WHERE action = 'retire' AND batch_id = :b",
        b=last.batch_id,
    ) == len(by_last)  # fmt: skip
    summary = last.summary()
    assert "a full register" in summary and "as at 2017-03-31" in summary
    assert "retired" in summary
    # The counts are stored on the batch, per body.
    stored = count(
        db, "SELECT sum(retired) FROM register_changes WHERE batch_id = :b", b=last.batch_id
    )
    assert stored == len(by_last)


def test_an_older_year_after_a_newer_one_retires_and_overwrites_nothing(db: Engine, real: Path):
    newer = load_file(db, eric(real, "2016_17"), match=False)
    columns = "o.code, a.source_ref, a.name, a.gia_m2, a.use_raw, a.load_batch_id, a.retired_at"
    snapshot = f"SELECT {columns} FROM assets a JOIN organisations o ON o.id = a.organisation_id"
    with db.connect() as conn:
        before = sorted(conn.execute(text(snapshot)).all())
    older = load_file(db, eric(real, "2013_14"), match=False)
    with db.connect() as conn:
        after = conn.execute(text(snapshot + " WHERE a.load_batch_id = :b"),
                             {"b": newer.batch_id}).all()  # fmt: skip
    assert sorted(after) == before  # nothing the 2016-17 register set was touched
    newest = eric_sites(eric(real, "2016_17"))
    for trust, sites in newest.items():
        assert current_sites(db)[trust] == sites
    # The 2013-14 sites of trusts the 2016-17 register covers are there, retired.
    oldest = eric_sites(eric(real, "2013_14"))
    only_old = {(t, s) for t, sites in oldest.items() if t in newest for s in sites - newest[t]}
    assert only_old
    with db.connect() as conn:
        rows = conn.execute(
            text("SELECT o.code, a.source_ref, a.retired_reason FROM assets a "
                 "JOIN organisations o ON o.id = a.organisation_id WHERE a.load_batch_id = :b "
                 "AND o.code = ANY(:t)"),
            {"b": older.batch_id, "t": list(newest)},
        ).all()  # fmt: skip
    assert {(c, r) for c, r, _ in rows} == only_old
    assert {reason for *_, reason in rows} == {"not in the 2016-17 register"}
    assert older.updated == 0
    assert "older than 2016-17 register held" in older.summary()
    kept = sum(c.kept_newer for c in older.changes)
    both = sum(len(oldest[t] & newest[t]) for t in oldest if t in newest)
    assert kept == both


def council(rows: list[tuple], year: str, folder: Path) -> Path:
    """A council's register of ``year``: (reference, UPRN, name, easting, northing)."""
    header = ["OrganisationLabel", "AssetCode", "UPRN", "PropertyName", "GeoX", "GeoY",
              "TenureType", "BuildingSize"]  # fmt: skip
    body = [["Council Y", ref, uprn, name, str(x), str(y), "Freehold", "120"]
            for ref, uprn, name, x, y in rows]  # fmt: skip
    return write_csv(folder / f"council_y_assets_{year}.csv", header, body)


SITES = [
    ("A1", "100012345678", "Town Hall", 378000, 394000),
    ("A2", "", "Victoria Library", 378500, 394500),
    ("A3", "", "Depot", 379000, 395000),
    ("A4", "", "Old Baths", 379500, 395500),
]


def asset_ids(db: Engine) -> dict[str, int]:
    with db.connect() as conn:
        return dict(conn.execute(text("SELECT source_ref, id FROM assets")).all())


def test_a_recoded_asset_keeps_its_id_history_and_web_edit(db: Engine, tmp_path: Path):
    load_file(db, council(SITES, "2021", tmp_path), match=False)
    ids = asset_ids(db)
    mark = json.dumps({"name": {"by": "editor", "at": "2026-12-01T10:00:00+00:00"}})
    with db.begin() as conn:
        conn.execute(
            text("UPDATE assets SET name = 'Town Hall (civic centre)', "
                 "edited = CAST(:mark AS jsonb) WHERE source_ref = 'A1'"),
            {"mark": mark},
        )  # fmt: skip
    recoded = [
        ("T-001", "100012345678", "Town Hall", 378000, 394000),  # same UPRN
        ("L-002", "", "Victoria Library Branch", 378510, 394505),  # 11 m away, like name
        ("A3", "", "Depot", 379000, 395000),
        ("D-004", "", "Leisure Centre", 379505, 395500),  # near, but another name
    ]
    result = load_file(db, council(recoded, "2023", tmp_path), match=False)
    now = asset_ids(db)
    assert now["T-001"] == ids["A1"] and now["L-002"] == ids["A2"]
    assert "A1" not in now and "A2" not in now
    assert now["D-004"] not in ids.values()  # a new asset; the old baths retired
    (change,) = result.changes
    assert (change.recoded, change.added, change.retired) == (2, 1, 1)
    assert "2 asset(s) re-coded" in result.summary()
    with db.connect() as conn:
        town_hall = conn.execute(
            text("SELECT name, retired_at, edited ? 'name' FROM assets WHERE id = :id"),
            {"id": ids["A1"]},
        ).one()
        events = conn.execute(
            text("SELECT asset_id, changes FROM audit_events WHERE action = 'recode' "
                 "ORDER BY asset_id")
        ).all()  # fmt: skip
        retired = conn.execute(
            text("SELECT source_ref, retired_reason FROM assets WHERE retired_at IS NOT NULL")
        ).all()
    assert tuple(town_hall) == ("Town Hall (civic centre)", None, True)  # the edit stays
    assert [(e.asset_id, e.changes["source_ref"]) for e in events] == [
        (ids["A1"], ["A1", "T-001"]), (ids["A2"], ["A2", "L-002"]),
    ]  # fmt: skip
    assert retired == [("A4", "not in the 2023 register")]


def test_a_partial_file_retires_nothing(db: Engine, tmp_path: Path):
    load_file(db, council(SITES, "2021", tmp_path), match=False)
    path = council(SITES[:1], "2023", tmp_path)
    result = load_file(db, path, match=False, register="partial")
    assert not result.register.full and "--partial" in result.summary()
    assert count(db, "SELECT count(*) FROM assets WHERE retired_at IS NOT NULL") == 0
    assert sum(c.retired for c in result.changes) == 0
    # The same file, as a full register, retires the three it does not list.
    full = load_file(db, path, match=False, register="full", force=True)
    assert sum(c.retired for c in full.changes) == 3


def test_a_retired_asset_listed_again_is_current_again(db: Engine, tmp_path: Path):
    load_file(db, council(SITES, "2021", tmp_path), match=False)
    load_file(db, council(SITES[:3], "2022", tmp_path), match=False)
    assert count(db, "SELECT count(*) FROM assets WHERE retired_at IS NOT NULL") == 1
    again = load_file(db, council(SITES, "2023", tmp_path), match=False)
    assert count(db, "SELECT count(*) FROM assets WHERE retired_at IS NOT NULL") == 0
    assert again.changes[0].unretired == 1
    assert "1 retired asset(s) listed again" in again.summary()
    assert count(db, "SELECT count(*) FROM audit_events WHERE action = 'unretire'") == 1
    assert count(db, "SELECT count(*) FROM assets") == 4


def test_the_as_at_date_comes_from_a_date_column_else_the_file_name_else_today(
    db: Engine, tmp_path: Path
):
    header = ["OrganisationLabel", "AssetCode", "PropertyName", "PostCode", "EffectiveDate",
              "TenureType"]  # fmt: skip
    rows = [["Council Z", "Z1", "Hall", "M33 7DZ", "2022-03-31", "Freehold"],
            ["Council Z", "Z2", "Park", "M41 0NA", "2022-06-30", "Freehold"],
            ["Council Z", "Z3", "Depot", "M32 0TL", "2099-01-01", "Freehold"]]  # fmt: skip
    path = write_csv(tmp_path / "council_z_2019.csv", header, rows)
    dated = load_file(db, path, format="transparency", match=False)
    assert dated.register.as_at == dt.date(2022, 6, 30)
    assert "effective date" in dated.register.as_at_from
    plain = load_file(db, council(SITES, "list", tmp_path), dry_run=True)
    assert plain.register.as_at == dt.date.today()
    assert date_from_name("register_2023.csv")[0] == dt.date(2023, 12, 31)
    assert date_from_name("eric_2016-17.xls")[0] == dt.date(2017, 3, 31)
    assert register_name(dt.date(2017, 3, 31)) == "2016-17"
    with db.connect() as conn:
        batch = conn.execute(
            text("SELECT register, as_at, as_at_from FROM load_batches WHERE id = :b"),
            {"b": dated.batch_id},
        ).one()
    assert batch.register == "full" and batch.as_at == dt.date(2022, 6, 30)


def test_estate_loads_shows_each_bodys_change(db: Engine, tmp_path: Path, settings: Settings):
    from estate.cli import cli

    load_file(db, council(SITES, "2021", tmp_path), match=False)
    second = load_file(db, council(SITES[:2], "2023", tmp_path), match=False)
    env = {"ESTATE_DATABASE_URL": settings.database_url or ""}
    shown = CliRunner().invoke(cli, ["loads", "--changes", str(second.batch_id)], env=env)
    assert shown.exit_code == 0, shown.output
    heading, row = shown.output.splitlines()[:2]
    assert heading.split()[-9:] == ["Added", "Changed", "Unchanged", "Re-coded", "Retired",
                                    "Back", "Left", "as", "newer"]  # fmt: skip
    cells = row.split("council_y_assets_2023.csv")[1].split()
    # full, as at 31 Dec 2023, before 31 Dec 2021, added 0, changed 0, unchanged 2,
    # re-coded 0, retired 2, back 0, left as newer 0
    assert cells == ["full", "31", "Dec", "2023", "31", "Dec", "2021", "0", "0", "2", "0", "2",
                     "0", "0"]  # fmt: skip
    listed = CliRunner().invoke(cli, ["loads"], env=env)
    assert listed.exit_code == 0, listed.output
    assert "31 Dec 2023" in listed.output and "newest register change" in listed.output


def signed_in_client(db: Engine, settings: Settings):
    """The application, signed in through its form as a viewer of Council Y."""
    app = create_app(dataclasses.replace(settings, public_view=False), engine=db)
    with db.begin() as conn:
        accounts.add(conn, "yearly-viewer", "COUNCIL-Y", "viewer", PASSWORD)
    client = app.test_client()
    assert sign_in(client, "yearly-viewer").status_code == 302
    return client


def test_the_map_analyses_and_exports_leave_retired_assets_out(
    db: Engine, tmp_path: Path, settings: Settings
):
    load_file(db, council(SITES, "2021", tmp_path), match=False)
    load_file(db, council(SITES[:3], "2023", tmp_path), match=False)
    web_client = signed_in_client(db, settings)
    gone = asset_ids(db)["A4"]
    listing = web_client.get("/api/assets?limit=50").get_json()
    assert sorted(f["properties"]["ref"] for f in listing["features"]) == ["A1", "A2", "A3"]
    bbox = "-2.5,53.3,-2.1,53.6"
    box = web_client.get(f"/api/map?bbox={bbox}&zoom=18").get_json()
    assert box["features"] and gone not in {f["id"] for f in box["features"]}
    bodies = web_client.get("/api/bodies").get_json()["bodies"]
    assert [b["assets"] for b in bodies if b["code"] == "COUNCIL-Y"] == [3]
    export = web_client.get("/downloads/register/COUNCIL-Y.csv").get_data(as_text=True)
    assert "Victoria Library" in export and "Old Baths" not in export
    with db.connect() as conn:
        analysed = read_assets(conn, 8.0)
    assert gone not in set(analysed["id"]) and len(analysed) == 3
    quality = web_client.get("/quality").get_data(as_text=True)
    assert "Changes from one register to the next" in quality
    # The retired asset's own page still opens, and says why it is not on the map.
    page = web_client.get(f"/assets/{gone}")
    assert page.status_code == 200
    words = page.get_data(as_text=True)
    assert "Retired on 31 Dec 2023: not in the 2023 register" in words


def test_station_lists_and_partnership_returns_are_partial_unless_told():
    from estate.etl.load import Prepared
    from estate.etl.load.register_dates import decide_register

    def prepared(source_format: str, mode: str = "register", register: str | None = None):
        empty = pd.DataFrame()
        return Prepared(f"x_{source_format}_2023.csv", source_format, 0, empty, empty, empty,
                        empty, mode=mode, register=register)  # fmt: skip

    assert not decide_register(prepared("police")).full
    assert not decide_register(prepared("fire-stations")).full
    assert not decide_register(prepared("partnership", mode="supplement")).full
    assert decide_register(prepared("transparency")).full
    assert decide_register(prepared("nhs-eric")).full
    forced = decide_register(prepared("police", register="full"))
    assert forced.full and forced.register_from == "--full"
    assert forced.as_at == dt.date(2023, 12, 31)
