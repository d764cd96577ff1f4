"""Capacity-true scenarios: a receiving site's room is shared by every move into it, the
use rule is one table, a new scenario starts from the documented defaults, money and
rates read as people type them, and an agreed scenario is read-only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from estate.analysis import scenario_changes
from estate.analysis.capacity import RoomError, sites_with_room
from estate.analysis.scenario_moves import add_move, remove_move
from estate.analysis.scenarios import create_scenario, default_assumptions, evaluate
from estate.analysis.suitability import refusal, rule_rows, suitable
from estate.cli import cli
from estate.config import Settings
from estate.errors import ConflictError
from estate.forms import FormError, read_money, read_rate
from estate.models import AuditEvent, Scenario
from tests.conftest import empty_register
from tests.estate.builders import make_asset, make_organisation

EXIT = dt.date(2027, 10, 1)


def _kara(session: Session):
    """Kara House as the demo has it: 1,012 m² NIA, 72.3 FTE at 8 m² -> 433.6 m² spare;
    three movers of 32.3, 16.7 and 20 FTE (258.4, 133.6 and 160 m²)."""
    council = make_organisation(session, code="TC", kind="council")
    kara = make_asset(session, council, name="Kara House", nia_m2=Decimal("1012"),
                      occupants_fte=Decimal("72.3"), use_class="office")  # fmt: skip
    movers = [
        make_asset(session, council, name=name, occupants_fte=Decimal(fte), use_class=use)
        for name, fte, use in (
            ("Coppice Avenue Library", "32.3", "library"),
            ("Sale Police Station", "16.7", "police_station"),
            ("Sale Health Centre", "20", "health_centre"),
        )
    ]
    scenario = create_scenario(session, "room", **default_assumptions(Settings()))
    return kara, movers, scenario


def test_two_moves_fit_and_the_third_is_refused_with_the_figures(session: Session):
    kara, (library, police, health), scenario = _kara(session)
    add_move(session, scenario, library, EXIT, kara)
    add_move(session, scenario, police, EXIT, kara)
    with pytest.raises(RoomError) as refused:
        add_move(session, scenario, health, EXIT, kara)
    assert str(refused.value) == (
        "Kara House has 434 m² spare; 2 moves already use 392 m²; this one needs 160 m² "
        "(override to keep it anyway)"
    )
    assert len(scenario.moves) == 2
    # Changing a move already in the scenario does not compete with itself.
    add_move(session, scenario, police, dt.date(2027, 11, 1), kara)
    # Taking one out gives its room back: the third then fits.
    assert remove_move(session, scenario, police) is True
    assert remove_move(session, scenario, police) is False
    session.expire(scenario)
    add_move(session, scenario, health, EXIT, kara)
    assert sorted(m.asset_id for m in scenario.moves) == sorted([library.id, health.id])


def test_an_override_keeps_the_move_and_is_flagged_on_the_schedule(session: Session):
    kara, (library, police, health), scenario = _kara(session)
    add_move(session, scenario, library, EXIT, kara)
    add_move(session, scenario, police, EXIT, kara)
    move = add_move(session, scenario, health, EXIT, kara, override=True)
    assert move.room_override is True
    result = evaluate(session, "room")
    flags = result.disposals.set_index("name")["room_override"]
    assert flags.to_dict() == {
        "Coppice Avenue Library": False, "Sale Police Station": False, "Sale Health Centre": True,
    }  # fmt: skip
    room = result.room.set_index("receiving_name").loc["Kara House"]
    assert room["moves"] == 3 and round(room["need_m2"]) == 552
    assert round(room["spare_m2"]) == 434 and bool(room["overfilled"])
    assert bool(room["kept_by_a_person"])


def test_sites_with_room_see_what_earlier_moves_took(session: Session):
    kara, (library, police, health), scenario = _kara(session)

    def offered(mover, need):
        return sites_with_room(session.connection(), scenario.id, mover.id, mover.use_class,
                               need, 8.0, 2000.0)  # fmt: skip

    assert list(offered(health, 160)["name"]) == ["Kara House"]
    add_move(session, scenario, library, EXIT, kara)
    add_move(session, scenario, police, EXIT, kara)
    left = offered(health, 0)
    assert list(left["name"]) == ["Kara House"] and round(left["left_m2"].iloc[0]) == 42
    assert offered(health, 160).empty


def test_the_use_rule_is_one_table():
    assert refusal("office", "town_hall", "Trafford Town Hall") is None
    assert refusal("police_station", "fire_station", "Sale Fire Station") is None
    assert refusal("library", None, "Kara House") is None
    assert "name (Leigh Road Tennis Courts)" in refusal("office", None, "Leigh Road Tennis Courts")
    assert refusal("office", "car_park", "Somewhere") == "a car park cannot take an office's staff"
    for use in ("open_space", "land", "housing", "leisure"):
        assert refusal("library", use, "Somewhere").endswith("cannot take a library's staff")
    assert refusal("office", None, "Some field", "land") is not None
    assert "do not move" in refusal("hospital", "office", "Offices")
    frame = pd.DataFrame({
        "use_class": ["office", None, None, "car_park", "other"],
        "name": ["A", "Kara House", "Leigh Road Tennis Courts", "B",
                 "Crossford Bridge Playing Fields"],
    })  # fmt: skip
    assert list(suitable("library", frame)) == [True, True, False, False, False]
    ((who, where, never),) = rule_rows()
    assert "Police station" in where and "Car park" in never and "Park or open space" in never


def test_a_new_scenario_starts_from_the_documented_defaults(session: Session):
    settings = Settings.from_env({})
    scenario = create_scenario(session, "defaults", **default_assumptions(settings))
    session.flush()
    session.refresh(scenario)
    assert float(scenario.relocation_cost_per_fte) == 2500
    assert float(scenario.refit_cost_per_m2) == 350
    assert float(scenario.sale_cost_share) == 0.02
    assert float(scenario.discount_rate) == 0.035 and scenario.horizon_years == 10
    assert scenario.status == "draft"


def test_money_and_rates_read_as_people_type_them():
    assert read_money("£450,000", "the receipt") == 450_000
    assert read_money("450k", "the receipt") == 450_000
    assert read_money("£1.2m", "the receipt") == 1_200_000
    assert read_money(" 12500 ", "the receipt") == 12_500
    with pytest.raises(FormError, match="such as £450,000"):
        read_money("lots", "the receipt")
    with pytest.raises(FormError, match="cannot be negative"):
        read_money("-5", "the receipt")
    assert read_rate("3.5%", "the rate") == 0.035
    assert read_rate("3.5", "the rate") == 0.035
    assert read_rate("0.035", "the rate") == 0.035
    with pytest.raises(FormError, match="under 100%"):
        read_rate("140%", "the rate")


def test_an_agreed_scenario_is_read_only_with_who_and_when_in_the_trail(session: Session):
    kara, (library, _, _), scenario = _kara(session)
    scenario_changes.set_status(session, scenario, "proposed", "finance")
    scenario_changes.set_status(session, scenario, "agreed", "chair")
    with pytest.raises(ConflictError, match="agreed and read-only"):
        add_move(session, scenario, library, EXIT, kara)
    with pytest.raises(ConflictError, match="agreed and read-only"):
        scenario_changes.rename(session, scenario, "other", "chair")
    with pytest.raises(ConflictError, match="cannot become draft"):
        scenario_changes.set_status(session, scenario, "draft", "chair")
    trail = session.execute(
        select(AuditEvent.actor, AuditEvent.changes, AuditEvent.at)
        .where(AuditEvent.subject == "scenario", AuditEvent.subject_id == scenario.id)
        .order_by(AuditEvent.id)
    ).all()
    assert [(t.actor, t.changes) for t in trail] == [
        ("finance", {"status": ["draft", "proposed"]}),
        ("chair", {"status": ["proposed", "agreed"]}),
    ]
    assert all(t.at is not None for t in trail)
    copy = scenario_changes.duplicate(session, scenario, "room, variant", "chair")
    assert copy.status == "draft" and [m.asset_id for m in copy.moves] == [
        m.asset_id for m in scenario.moves
    ]


def test_a_vacant_record_with_occupants_is_flagged_and_explained(session: Session):
    from estate.analysis.disposal import disposal_candidates
    from estate.quality import quality_report

    body = make_organisation(session, code="QQ")
    make_asset(session, body, name="Abbotsfield Park", occupancy="vacant",
               occupants_fte=Decimal("17.3"), nia_m2=Decimal("300"))  # fmt: skip
    make_asset(session, body, name="No area", occupants_fte=Decimal("4"))
    report = quality_report(session.connection()).set_index("body").loc["QQ"]
    assert report["vacant_with_occupants"] == 1 and report["fte_without_area"] == 1
    found = disposal_candidates(session.connection(), 8.0, 2000.0).candidates
    reasons = found.set_index("name").loc["Abbotsfield Park", "reasons"]
    assert "recorded vacant, yet 17.3 FTE are recorded: check the record" in reasons


@pytest.fixture
def clean(engine: Engine):
    empty_register(engine)
    yield engine
    empty_register(engine)


def test_the_cli_takes_money_as_people_type_it_and_lists_rates_as_percentages(clean: Engine):
    env = {"ESTATE_DATABASE_URL": clean.url.render_as_string(hide_password=False)}
    with Session(clean) as session, session.begin():
        body = make_organisation(session, code="CL")
        make_asset(session, body, source_ref="A1", name="Old office", use_class="office")
    runner = CliRunner()
    made = runner.invoke(cli, ["scenario", "create", "plan"], env=env)
    assert made.exit_code == 0, made.output
    added = runner.invoke(cli, ["scenario", "add", "plan", "CL:A1", "--exit", "2027-10-01",
                                "--receipt", "£450,000"], env=env)  # fmt: skip
    assert added.exit_code == 0, added.output
    with clean.connect() as conn:
        receipt = conn.execute(text("SELECT receipt FROM scenario_moves")).scalar_one()
    assert receipt == Decimal("450000.00")
    listed = runner.invoke(cli, ["scenario", "list"], env=env)
    assert "3.5%" in listed.output and "2%" in listed.output and "0.04" not in listed.output
    bad = runner.invoke(cli, ["scenario", "add", "plan", "CL:A1", "--exit", "2027-10-01",
                              "--receipt", "lots"], env=env)  # fmt: skip
    assert bad.exit_code != 0 and "such as £450,000" in bad.output
    assert "Traceback" not in bad.output
    with Session(clean) as session:
        assert session.scalar(select(Scenario.status)) == "draft"
