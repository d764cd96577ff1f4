"""Co-location: which assets of different bodies stand together, at the edges."""

from __future__ import annotations

import shapely
from sqlalchemy.orm import Session

from estate.analysis.colocation import colocation
from tests.estate.builders import make_asset, make_organisation

X, Y = 380_000.0, 395_000.0


def clusters_of(session: Session, *orgs, distance: float = 250.0, **kwargs):
    codes = [o.code for o in orgs]
    return colocation(session.connection(), distance, 8.0, bodies=codes, **kwargs)


def test_a_pair_at_249_m_is_a_cluster_and_at_251_m_is_not(session: Session):
    council = make_organisation(session, kind="council")
    police = make_organisation(session, kind="police")
    make_asset(session, council, x=X, y=Y, name="Town hall")
    make_asset(session, police, x=X + 249, y=Y, name="Police station")
    make_asset(session, council, x=X + 10_000, y=Y, name="Depot")
    make_asset(session, police, x=X + 10_251, y=Y, name="Far station")

    result = clusters_of(session, council, police)

    assert len(result.clusters) == 1
    members = set(result.members["name"])
    assert members == {"Town hall", "Police station"}
    assert result.pairs["distance_m"].tolist() == [249.0]


def test_three_bodies_chained_make_one_cluster(session: Session):
    council = make_organisation(session, kind="council")
    police = make_organisation(session, kind="police")
    fire = make_organisation(session, kind="fire")
    make_asset(session, council, x=X, y=Y)
    make_asset(session, police, x=X + 200, y=Y)
    make_asset(session, fire, x=X + 400, y=Y)  # 400 m from the council: joined via police

    result = clusters_of(session, council, police, fire)

    assert len(result.clusters) == 1
    cluster = result.clusters.iloc[0]
    assert cluster["assets"] == 3
    assert cluster["bodies"] == 3
    assert set(cluster["body_kinds"].split(", ")) == {"council", "police", "fire"}


def test_one_bodys_two_assets_count_as_one_body_and_alone_make_no_cluster(session: Session):
    council = make_organisation(session, kind="council")
    police = make_organisation(session, kind="police")
    make_asset(session, council, x=X, y=Y, name="Library")
    make_asset(session, council, x=X + 50, y=Y, name="Library annexe")
    make_asset(session, police, x=X + 100, y=Y, name="Police point")
    make_asset(session, council, x=X + 5000, y=Y, name="Depot")
    make_asset(session, council, x=X + 5050, y=Y, name="Depot store")

    result = clusters_of(session, council, police)

    assert len(result.clusters) == 1
    assert result.clusters.iloc[0]["bodies"] == 2
    assert result.clusters.iloc[0]["assets"] == 3
    assert "Depot" not in set(result.members["name"])


def test_unlocated_assets_and_probable_centroids_are_not_neighbours(session: Session):
    council = make_organisation(session, kind="council")
    police = make_organisation(session, kind="police")
    make_asset(session, council, x=X, y=Y, name="Office")
    make_asset(session, police, x=None, y=None, name="Unlocated station")
    make_asset(
        session,
        police,
        x=X + 20,
        y=Y,
        name="Postcode centroid",
        quality_flags=["probable_centroid"],
    )
    make_asset(session, police, x=X + 30, y=Y, name="District", location_method="postcode_district")

    result = clusters_of(session, council, police)

    assert result.clusters.empty
    assert result.members.empty


def test_clusters_are_ranked_by_the_saving_they_could_unlock(session: Session):
    council = make_organisation(session, kind="council")
    nhs = make_organisation(session, kind="nhs")
    # Cluster A: the clinic's 10 FTE (80 m² at 8 m² each) fit into the office's 420 m² spare.
    make_asset(
        session, council, x=X, y=Y, name="Office A", nia_m2=500, occupants_fte=10, rent=50_000
    )
    make_asset(
        session,
        nhs,
        x=X + 100,
        y=Y,
        name="Clinic A",
        nia_m2=200,
        occupants_fte=10,
        rent=90_000,
        use_class="clinic",
    )
    # Cluster B: costs more to run, but nobody fits anywhere: no saving unlocked.
    make_asset(
        session,
        council,
        x=X + 5000,
        y=Y,
        name="Office B",
        nia_m2=400,
        occupants_fte=50,
        rent=300_000,
    )
    make_asset(
        session,
        nhs,
        x=X + 5100,
        y=Y,
        name="Clinic B",
        nia_m2=300,
        occupants_fte=37,
        rent=200_000,
        use_class="clinic",
    )

    result = clusters_of(session, council, nhs)

    first, second = result.clusters.iloc[0], result.clusters.iloc[1]
    assert first["exit_asset_name"] == "Clinic A"
    assert first["saving"] == 90_000
    assert first["spare_m2"] == 500 - 80 + 200 - 80
    assert second["saving"] == 0
    assert second["running_cost"] == 500_000


def test_within_narrows_to_an_area(session: Session):
    council = make_organisation(session, kind="council")
    police = make_organisation(session, kind="police")
    make_asset(session, council, x=X, y=Y)
    make_asset(session, police, x=X + 100, y=Y)
    make_asset(session, council, x=X + 9000, y=Y)
    make_asset(session, police, x=X + 9100, y=Y)

    result = clusters_of(
        session, council, police, within=shapely.box(X - 10, Y - 10, X + 500, Y + 10)
    )
    assert len(result.clusters) == 1
    assert result.members["x"].max() < X + 500


def test_space_in_a_surplus_building_is_no_room_for_anyone(session: Session):
    council = make_organisation(session, kind="council")
    police = make_organisation(session, kind="police")
    make_asset(
        session,
        council,
        x=X,
        y=Y,
        name="Surplus hall",
        nia_m2=1000,
        occupants_fte=0,
        status="surplus",
        rent=10_000,
    )
    make_asset(
        session, police, x=X + 50, y=Y, name="Station", nia_m2=500, occupants_fte=50, rent=80_000
    )

    cluster = clusters_of(session, council, police).clusters.iloc[0]
    # The hall itself could go (it is empty), but nobody can move into it.
    assert cluster["exit_asset_name"] == "Surplus hall"
    assert cluster["saving"] == 10_000
    assert cluster["spare_m2"] == 100  # only the station's own 500 - 50 x 8


def test_shares_of_each_kind_with_a_neighbour_of_another_kind(session: Session):
    police = make_organisation(session, kind="police")
    fire = make_organisation(session, kind="fire")
    make_asset(session, police, x=X, y=Y, name="Station near a fire station")
    make_asset(session, police, x=X + 20_000, y=Y, name="Station alone")
    make_asset(session, police, x=X + 40_000, y=Y, name="Another alone")
    make_asset(session, fire, x=X + 900, y=Y, name="Fire station")

    shares = clusters_of(session, police, fire, distance=1000).neighbour_shares()

    rows = {(r.kind, r.other_kind): (r.assets, r.with_neighbour, r.share_pct)
            for r in shares.itertuples()}  # fmt: skip
    assert rows == {("police", "fire"): (3, 1, 33.3), ("fire", "police"): (1, 1, 100.0)}
