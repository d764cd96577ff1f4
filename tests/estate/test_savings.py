"""A small scenario's savings schedule against figures worked by hand.

The scenario: the police leave a freehold office on 1 October 2027 (183 of the 366
days of 2027-28 remain: October to March) and sell it on 15 January 2028 for its £1,000,000
valuation; its 10 FTE move to the council's civic centre. Worked by hand:

* receipt £1,000,000, costs of sale 2% = £20,000, both in 2027-28;
* running cost £120,000 a year: 2027-28 saves 120,000 x 183/366 = £60,000;
* the movers need 10 x 8 = 80 m² at the civic centre's £100/m² (£200,000 over
  2,000 m²): £8,000 a year, 2027-28 pays 8,000 x 183/366 = £4,000 (council);
* one-off: relocation 10 x £2,000 + refit 80 m² x £300 = £44,000 (police);
* partnership net: 2027-28 £992,000; 2028-29 and 2029-30 £112,000 each;
* NPV at 3.5%: 992,000 + 112,000/1.035 + 112,000/1.035² = £1,204,765.76.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from estate.analysis.savings import Assumptions, financial_year, fy_label
from estate.analysis.scenario_moves import add_move
from estate.analysis.scenarios import create_scenario, evaluate
from estate.errors import EstateError
from tests.estate.builders import make_asset, make_organisation


@pytest.fixture
def worked(session: Session):
    police = make_organisation(session, code="POL", kind="police")
    council = make_organisation(session, code="CNL", kind="council")
    office = make_asset(
        session,
        police,
        name="Police office",
        tenure="freehold",
        valuation=Decimal("1000000"),
        rent=Decimal("60000"),
        rates=Decimal("60000"),
        occupants_fte=Decimal("10"),
    )
    civic = make_asset(
        session,
        council,
        name="Civic centre",
        nia_m2=Decimal("2000"),
        occupants_fte=Decimal("100"),
        fm_cost=Decimal("200000"),
    )
    scenario = create_scenario(
        session,
        "worked example",
        first_year=2027,
        horizon_years=3,
        discount_rate=Decimal("0.035"),
        relocation_cost_per_fte=Decimal("2000"),
        refit_cost_per_m2=Decimal("300"),
        sale_cost_share=Decimal("0.02"),
        nia_per_fte_m2=Decimal("8"),
    )
    add_move(
        session,
        scenario,
        office,
        dt.date(2027, 10, 1),
        receiving=civic,
        completion_date=dt.date(2028, 1, 15),
    )
    return evaluate(session, "worked example")


def test_partnership_schedule_matches_the_hand_worked_figures(worked):
    partnership = worked.savings[worked.savings["body"] == "PARTNERSHIP"].set_index(
        "financial_year"
    )
    first = partnership.loc["2027-28"]
    assert first["capital_receipts"] == 1_000_000
    assert first["costs_of_sale"] == -20_000
    assert first["net_receipts"] == 980_000
    assert first["revenue_savings"] == 60_000
    assert first["extra_running_costs"] == -4_000
    assert first["one_off_costs"] == -44_000
    assert first["net"] == 992_000
    assert partnership.loc["2028-29", "net"] == 112_000
    assert partnership.loc["2029-30", "net"] == 112_000
    assert partnership.loc["2029-30", "cumulative"] == 1_216_000
    assert partnership.loc["2028-29", "discount_factor"] == round(1 / 1.035, 6)
    npv = worked.totals.set_index("body").loc["PARTNERSHIP", "npv"]
    assert npv == pytest.approx(1_204_765.76, abs=0.01)


def test_each_body_carries_its_own_figures(worked):
    by_body = worked.savings.set_index(["body", "financial_year"])
    assert by_body.loc[("POL", "2027-28"), "net"] == 980_000 + 60_000 - 44_000
    assert by_body.loc[("CNL", "2027-28"), "extra_running_costs"] == -4_000
    assert by_body.loc[("CNL", "2028-29"), "net"] == -8_000


def test_every_figure_is_traceable_to_its_basis(worked):
    ledger = worked.ledger
    assert set(ledger["kind"]) == {
        "receipt",
        "cost_of_sale",
        "revenue_saving",
        "extra_running_cost",
        "relocation",
        "refit",
    }
    in_2027 = ledger["financial_year"] == "2027-28"
    saving = ledger[(ledger["kind"] == "revenue_saving") & in_2027]
    assert saving["basis"].item() == "running cost £120,000 a year x 183/366 days"
    extra = ledger[(ledger["kind"] == "extra_running_cost") & in_2027]
    assert extra["basis"].item() == (
        "80 m² at £100/m² (receiving site's running cost per m²) x 183/366 days"
    )
    assert ledger["amount"].sum() == pytest.approx(992_000 + 2 * 112_000, abs=0.01)
    row = worked.disposals.iloc[0]
    assert row["estimated_receipt"] == 1_000_000
    assert row["receipt_basis"] == "the asset's valuation"
    assert row["receiving_name"] == "Civic centre"


def test_a_leasehold_exit_brings_no_receipt_and_figures_beyond_the_horizon_are_left_out(
    session: Session,
):
    body = make_organisation(session, kind="nhs")
    leased = make_asset(
        session, body, tenure="leasehold", valuation=Decimal("500000"), rent=Decimal("36500")
    )
    scenario = create_scenario(
        session, "lease", first_year=2026, horizon_years=2, discount_rate=Decimal("0")
    )
    add_move(session, scenario, leased, dt.date(2028, 4, 1))  # after the horizon
    result = evaluate(session, "lease")
    assert result.ledger.empty
    assert result.savings["net"].eq(0).all()
    assert result.disposals.iloc[0]["estimated_receipt"] == 0


def test_financial_years_run_april_to_march():
    assert financial_year(dt.date(2027, 3, 31)) == 2026
    assert financial_year(dt.date(2027, 4, 1)) == 2027
    assert fy_label(2029) == "2029-30"
    assumptions = Assumptions(first_year=2027, horizon_years=10, discount_rate=0.035)
    assert dict((k, v) for k, v, _ in assumptions.rows())["first financial year"] == "2027-28"


def test_moves_are_checked(session: Session):
    body = make_organisation(session)
    asset = make_asset(session, body)
    scenario = create_scenario(
        session, "checks", first_year=2026, horizon_years=10, discount_rate=Decimal("0.035")
    )
    with pytest.raises(EstateError, match="cannot receive its own occupants"):
        add_move(session, scenario, asset, dt.date(2027, 1, 1), receiving=asset)
    with pytest.raises(EstateError, match="cannot complete before the exit date"):
        add_move(session, scenario, asset, dt.date(2027, 1, 1), completion_date=dt.date(2026, 1, 1))
    with pytest.raises(EstateError, match="exists already"):
        create_scenario(
            session, "checks", first_year=2026, horizon_years=10, discount_rate=Decimal("0.035")
        )


def test_candidates_never_overfill_a_receiving_site_and_keep_what_a_person_set(
    session: Session,
):
    import pandas as pd

    from estate.analysis.scenario_moves import add_candidates

    police = make_organisation(session, kind="police")
    council = make_organisation(session, kind="council")
    a = make_asset(session, police, name="Station A", occupants_fte=Decimal("50"))
    b = make_asset(session, police, name="Station B", occupants_fte=Decimal("50"))
    c = make_asset(session, police, name="Station C", occupants_fte=Decimal("10"))
    # 2,000 m² less its own 120 FTE at 10 m²: 800 m² spare.
    hub = make_asset(
        session, council, name="Hub", nia_m2=Decimal("2000"), occupants_fte=Decimal("120")
    )
    scenario = create_scenario(
        session,
        "club",
        first_year=2027,
        horizon_years=5,
        discount_rate=Decimal("0.035"),
        nia_per_fte_m2=Decimal("10"),
    )
    add_move(session, scenario, c, dt.date(2027, 6, 1), receipt=Decimal("123000"))
    candidates = pd.DataFrame({
        "id": [a.id, b.id, c.id], "name": ["Station A", "Station B", "Station C"],
        "score": [5, 4, 3], "reasons": ["r", "r", "r"],
        "occupants_fte": [50.0, 50.0, 10.0],
        "receiving_id": [hub.id, hub.id, hub.id], "receiving_name": ["Hub"] * 3,
        "receiving_spare_m2": [800.0] * 3, "receiving_note": ["nearest site with room"] * 3,
    })  # fmt: skip

    added, skipped = add_candidates(session, scenario, candidates, dt.date(2027, 10, 1), 10)

    # 50 FTE at the scenario's 10 m² need 500 m²: the hub's 800 m² holds one station.
    assert added == 1
    assert skipped == [
        "Station B: Hub has 800 m² spare; 1 move already uses 500 m²; this one needs 500 m²,"
        " and no other site within 2000 m has room",
        "Station C: already in the scenario",
    ]
    result = evaluate(session, "club")
    kept = result.disposals.set_index("name").loc["Station C"]
    assert kept["estimated_receipt"] == 123_000 and kept["receipt_basis"] == (
        "receipt set in the scenario"
    )


def test_a_receiving_site_cannot_also_be_exited(session: Session):
    body = make_organisation(session)
    a = make_asset(session, body, name="A")
    b = make_asset(session, body, name="B")
    scenario = create_scenario(
        session, "chain", first_year=2027, horizon_years=5, discount_rate=Decimal("0.035")
    )
    add_move(session, scenario, a, dt.date(2027, 6, 1), receiving=b)
    with pytest.raises(EstateError, match="receives another move's occupants"):
        add_move(session, scenario, b, dt.date(2027, 6, 1))
    c = make_asset(session, body, name="C")
    add_move(session, scenario, c, dt.date(2027, 6, 1))
    with pytest.raises(EstateError, match="itself exited in this scenario"):
        add_move(
            session, scenario, make_asset(session, body, name="D"), dt.date(2027, 6, 1), receiving=c
        )
