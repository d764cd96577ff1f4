"""Disposal candidates: scores with reasons, and receiving sites within reach."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy.orm import Session

from estate.analysis.disposal import disposal_candidates
from tests.estate.builders import make_asset, make_organisation

X, Y = 380_000.0, 395_000.0
AS_OF = dt.date(2027, 1, 1)


def candidates_of(session: Session, *orgs, **kwargs):
    return disposal_candidates(
        session.connection(), 8.0, 2000.0, AS_OF, bodies=[o.code for o in orgs], **kwargs
    ).candidates.set_index("name")


def old_station(session: Session, police) -> None:
    """A police office in condition D at (X, Y): 20 FTE, needing 160 m² elsewhere."""
    make_asset(session, police, x=X, y=Y, name="Old station", nia_m2=600, occupants_fte=20,
               condition="D", use_class="office")  # fmt: skip


def test_scores_come_with_reasons_a_person_can_read(session: Session):
    police = make_organisation(session, kind="police")
    make_asset(
        session,
        police,
        name="Old station",
        nia_m2=600,
        occupants_fte=20,
        workstations=30,
        condition="D",
        backlog_cost=150_000,
        tenure="leasehold",
        lease_break=dt.date(2028, 3, 31),
        use_class="office",
    )
    make_asset(
        session,
        police,
        name="Busy office",
        nia_m2=160,
        occupants_fte=20,
        condition="B",
        use_class="office",
    )

    found = candidates_of(session, police)

    assert "Busy office" not in found.index
    row = found.loc["Old station"]
    reasons = row["reasons"].split("; ")
    assert reasons == [
        "under-used: 30 m² per FTE against a target of 8",
        "1.5 workstations per FTE",
        "condition D",
        "backlog £150,000 (£250/m²)",
        "lease break on 31 Mar 2028, within 24 months",
    ]
    assert row["score"] == 2 + 1 + 2 + 2 + 2


def test_the_nearest_partner_site_with_room_receives(session: Session):
    council = make_organisation(session, kind="council")
    police = make_organisation(session, kind="police")
    old_station(session, police)  # needs 160 m²
    make_asset(
        session, council, x=X + 300, y=Y, name="Too small", nia_m2=200, occupants_fte=10
    )  # 120 m² spare
    make_asset(
        session, council, x=X + 900, y=Y, name="Civic centre", nia_m2=2000, occupants_fte=100
    )  # 1,200 m² spare
    make_asset(
        session, council, x=X + 1500, y=Y, name="Further hub", nia_m2=2000, occupants_fte=100
    )

    row = candidates_of(session, police).loc["Old station"]

    assert row["receiving_name"] == "Civic centre"
    assert row["receiving_distance_m"] == 900
    assert row["other_fits"] == 1
    assert row["receiving_note"] == "nearest site with room"


def test_a_candidate_with_no_room_within_reach_says_why(session: Session):
    council = make_organisation(session, kind="council")
    police = make_organisation(session, kind="police")
    old_station(session, police)
    make_asset(session, council, x=X + 300, y=Y, name="Too small", nia_m2=200, occupants_fte=10)
    make_asset(
        session, council, x=X + 2001, y=Y, name="Out of reach", nia_m2=5000, occupants_fte=10
    )

    row = candidates_of(session, police).loc["Old station"]

    assert pd.isna(row["receiving_name"])
    assert row["receiving_note"] == "no site within 2 km has 160 m² spare (largest: 120 m²)"


def test_vacant_and_tied_sites_need_no_receiving_office(session: Session):
    fire = make_organisation(session, kind="fire")
    make_asset(session, fire, name="Empty house", occupancy="vacant", gia_m2=100, condition="C")
    make_asset(
        session,
        fire,
        name="Station",
        use_class="fire_station",
        nia_m2=900,
        occupants_fte=20,
        condition="D",
        backlog_cost=300_000,
    )

    found = candidates_of(session, fire)

    assert found.loc["Empty house", "reasons"] == "vacant; condition C"
    assert found.loc["Empty house", "receiving_note"] == "vacant: nobody to relocate"
    # A fire station's floor area per firefighter is no sign of under-use.
    assert "under-used" not in found.loc["Station", "reasons"]
    assert found.loc["Station", "receiving_note"] == "service tied to its site (fire station)"


def test_another_bodys_candidate_never_receives_even_when_only_one_body_is_asked_for(
    session: Session,
):
    police = make_organisation(session, kind="police")
    council = make_organisation(session, kind="council")
    old_station(session, police)
    make_asset(
        session,
        council,
        x=X + 100,
        y=Y,
        name="Empty office",
        nia_m2=1000,
        occupants_fte=0,
        use_class="office",
    )  # vacant: itself a candidate
    make_asset(
        session, council, x=X + 900, y=Y, name="Civic centre", nia_m2=2000, occupants_fte=100
    )

    everyone = candidates_of(session, police, council)
    police_only = candidates_of(session, police)

    assert "Empty office" in everyone.index
    assert everyone.loc["Old station", "receiving_name"] == "Civic centre"
    assert police_only.loc["Old station", "receiving_name"] == "Civic centre"


def test_a_site_at_exactly_the_relocation_distance_is_in_reach(session: Session):
    police = make_organisation(session, kind="police")
    council = make_organisation(session, kind="council")
    old_station(session, police)
    make_asset(
        session, council, x=X + 1200, y=Y + 1600, name="Hub at 2 km", nia_m2=2000, occupants_fte=10
    )  # 1200-1600-2000: exactly 2,000 m

    row = candidates_of(session, police).loc["Old station"]
    assert row["receiving_name"] == "Hub at 2 km" and row["receiving_distance_m"] == 2000


def test_schools_surplus_and_sensitive_sites_receive_nobody(session: Session):
    police = make_organisation(session, kind="police")
    council = make_organisation(session, kind="council")
    old_station(session, police)
    make_asset(
        session,
        council,
        x=X + 100,
        y=Y,
        name="School",
        nia_m2=5000,
        occupants_fte=60,
        use_class="school",
    )
    make_asset(
        session,
        council,
        x=X + 200,
        y=Y,
        name="Surplus offices",
        nia_m2=3000,
        occupants_fte=10,
        status="surplus",
    )
    make_asset(
        session,
        council,
        x=X + 300,
        y=Y,
        name="Refuge",
        nia_m2=3000,
        occupants_fte=10,
        sensitive=True,
    )
    make_asset(
        session, council, x=X + 1500, y=Y, name="Civic centre", nia_m2=2000, occupants_fte=100
    )

    row = candidates_of(session, police).loc["Old station"]
    assert row["receiving_name"] == "Civic centre"
