"""Analyses by place and by body, the nearby list, a cluster's plan and the lease radar,
on small registers built for each test (counts checked against SQL where SQL can say)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import shapely
from geoalchemy2.shape import from_shape
from sqlalchemy import text
from sqlalchemy.orm import Session

from estate.analysis.clusterplans import cluster_plan
from estate.analysis.colocation import colocation
from estate.analysis.radar import lease_radar, window_end
from estate.areas import find_area, read_area, read_drawn
from estate.crs import STORAGE_SRID, to_wgs84
from estate.errors import EstateError
from estate.models import Area
from estate.nearby import nearby_assets
from estate.sharing import Viewer
from tests.estate.builders import make_asset, make_organisation

X, Y = 380_000.0, 395_000.0


def add_ward(session: Session, name: str, box: tuple[float, float, float, float]) -> Area:
    area = Area(
        kind="ward",
        name=name,
        geom=from_shape(shapely.MultiPolygon([shapely.box(*box)]), srid=STORAGE_SRID),
    )
    session.add(area)
    session.flush()
    return area


@pytest.fixture
def town(session: Session):
    """Two wards side by side; in the west a council office beside a police station, in
    the east a fire station beside an NHS clinic, and a lone council depot."""
    council = make_organisation(session, kind="council")
    police = make_organisation(session, kind="police")
    fire = make_organisation(session, kind="fire")
    nhs = make_organisation(session, kind="nhs")
    add_ward(session, "West Ward", (X - 1000, Y - 1000, X + 1000, Y + 1000))
    add_ward(session, "East Ward", (X + 1000, Y - 1000, X + 3000, Y + 1000))
    make_asset(session, council, x=X, y=Y, name="Office", use_class="office", nia_m2=1000,
               occupants_fte=50, rent=100_000)  # fmt: skip
    make_asset(session, police, x=X + 100, y=Y, name="Police station", use_class="police_station",
               nia_m2=500, occupants_fte=10, rent=80_000)  # fmt: skip
    make_asset(session, fire, x=X + 2000, y=Y, name="Fire station", use_class="fire_station",
               nia_m2=400, occupants_fte=20, rent=50_000)  # fmt: skip
    make_asset(session, nhs, x=X + 2150, y=Y, name="Clinic", use_class="health_centre",
               nia_m2=300, occupants_fte=30, rent=90_000)  # fmt: skip
    make_asset(session, council, x=X + 2600, y=Y + 500, name="Depot", use_class="depot")
    return {"council": council, "police": police, "fire": fire, "nhs": nhs}


def test_clusters_including_a_body_keep_its_partners(session: Session, town):
    conn = session.connection()
    fire = town["fire"].code
    # Reading the fire service alone there is nobody to pair with.
    assert colocation(conn, 250.0, 8.0, bodies=[fire]).clusters.empty
    result = colocation(conn, 250.0, 8.0, including=[fire])
    assert len(result.clusters) == 1
    assert set(result.members["name"]) == {"Fire station", "Clinic"}
    # Several bodies at once: clusters with a member of either.
    both = colocation(conn, 250.0, 8.0, including=[fire, town["police"].code])
    assert len(both.clusters) == 2
    expected = conn.execute(
        text(
            "SELECT count(DISTINCT a.id) FROM assets a JOIN assets b ON a.id <> b.id"
            " AND a.organisation_id <> b.organisation_id AND ST_DWithin(a.geom, b.geom, 250)"
        )
    ).scalar_one()
    assert len(both.members) == expected == 4
    lowest = both.members.groupby("cluster")["id"].min()
    assert both.clusters.set_index("cluster")["key"].to_dict() == lowest.to_dict()


def test_colocation_within_a_loaded_ward_by_name(session: Session, town):
    conn = session.connection()
    west = read_area("West Ward", conn)
    result = colocation(conn, 250.0, 8.0, within=west)
    inside = conn.execute(
        text(
            "SELECT count(*) FROM assets a JOIN areas w ON ST_Intersects(a.geom, w.geom)"
            " WHERE w.name = 'West Ward' AND a.organisation_id IN (:c, :p)"
        ),
        {"c": town["council"].id, "p": town["police"].id},
    ).scalar_one()
    assert len(result.members) == inside == 2
    assert set(result.members["name"]) == {"Office", "Police station"}
    assert find_area(conn, "west ward") is not None  # case ignored
    with pytest.raises(EstateError, match="no loaded area"):
        read_area("North Ward", conn)


def test_a_drawn_polygon_in_degrees_narrows_to_what_it_holds(session: Session, town):
    conn = session.connection()
    lon, lat = to_wgs84([X + 1900, X + 2300], [Y - 100, Y + 100])
    ring = [
        [lon[0], lat[0]],
        [lon[1], lat[0]],
        [lon[1], lat[1]],
        [lon[0], lat[1]],
        [lon[0], lat[0]],
    ]
    drawn = read_drawn(json.dumps({"type": "Polygon", "coordinates": [ring]}))
    assert set(colocation(conn, 250.0, 8.0, within=drawn).members["name"]) == {
        "Fire station",
        "Clinic",
    }
    wkt = "POLYGON((" + ", ".join(f"{x} {y}" for x, y in ring) + "))"
    assert read_drawn(wkt).equals_exact(drawn, 1e-6)
    for bad, words in [("POINT(1 2)", "polygon"), ("nonsense", "neither"),
                       ("POLYGON((0 0, 500000 0, 0 1, 0 0))", "degrees")]:  # fmt: skip
        with pytest.raises(EstateError, match=words):
            read_drawn(bad)


def test_the_nearby_list_matches_a_direct_query(session: Session, town):
    conn = session.connection()
    office = conn.execute(text("SELECT id FROM assets WHERE name = 'Office'")).scalar_one()
    found = nearby_assets(conn, office, 2200.0, 8.0, Viewer.operator())
    expected = conn.execute(
        text(
            "SELECT b.id, round(ST_Distance(a.geom, b.geom)::numeric, 1)::float FROM assets a"
            " JOIN assets b ON b.organisation_id <> a.organisation_id"
            " AND ST_DWithin(a.geom, b.geom, 2200) WHERE a.id = :id ORDER BY 2, 1"
        ),
        {"id": office},
    ).all()
    assert [tuple(r) for r in found.rows[["id", "distance_m"]].itertuples(index=False)] == [
        tuple(r) for r in expected
    ]
    assert len(expected) == 3  # the police station, the fire station, the clinic
    police = found.rows.iloc[0]
    assert police["name"] == "Police station"
    assert police["spare_m2"] == pytest.approx(500 - 10 * 8)
    # The council's depot is its own: never a partner.
    assert "Depot" not in set(found.rows["name"])


def test_a_sensitive_partner_site_is_left_out_of_another_bodys_nearby_list(session: Session, town):
    conn = session.connection()
    conn.execute(text("UPDATE assets SET sensitive = true WHERE name = 'Police station'"))
    office = conn.execute(text("SELECT id FROM assets WHERE name = 'Office'")).scalar_one()
    station = conn.execute(text("SELECT id FROM assets WHERE name = 'Police station'")).scalar_one()
    council_view = nearby_assets(conn, office, 500.0, 8.0, Viewer(town["council"].id))
    assert station not in set(council_view.rows["id"])
    police_view = nearby_assets(conn, office, 500.0, 8.0, Viewer(town["police"].id))
    assert station in set(police_view.rows["id"])  # its own body sees it whole
    # Seen from the station, by the council: its place is generalised, nothing measured.
    from_station = nearby_assets(conn, station, 500.0, 8.0, Viewer(town["council"].id))
    assert from_station.generalised and from_station.rows.empty
    # By the police, who see it whole: the office next door.
    own = nearby_assets(conn, station, 500.0, 8.0, Viewer(town["police"].id))
    assert own.rows["id"].tolist() == [office]


def test_a_cluster_without_a_saving_says_why_with_the_figures(session: Session):
    council = make_organisation(session, kind="council")
    police = make_organisation(session, kind="police")
    # 89.1 FTE need 713 m²; the station has 434 m² spare.
    make_asset(session, council, x=X, y=Y, name="Big office", use_class="office",
               nia_m2=800, occupants_fte=89.1, rent=200_000)  # fmt: skip
    make_asset(session, police, x=X + 50, y=Y, name="Station", use_class="police_station",
               nia_m2=1000, occupants_fte=70.75, rent=150_000)  # fmt: skip
    result = colocation(session.connection(), 250.0, 8.0)
    assert result.clusters.iloc[0]["saving"] == 0
    key = int(result.clusters.iloc[0]["key"])
    plan = cluster_plan(result, key, 8.0)
    assert plan is not None and plan.moves == []
    assert plan.reason.startswith("No member's occupants fit in the others' spare space")
    assert "566 m² needed" in plan.reason  # the station's 70.75 FTE, the fewest
    assert "87 m² the others' spare" in plan.reason  # 800 - 713.
    assert cluster_plan(result, key + 999, 8.0) is None


def test_a_cluster_with_a_saving_says_who_moves_where(session: Session, town):
    result = colocation(session.connection(), 250.0, 8.0)
    row = result.clusters[result.clusters["exit_asset_name"] == "Office"].iloc[0]
    plan = cluster_plan(result, int(row["key"]), 8.0)
    # 50 FTE need 400 m²; the police station has 500 - 80 = 420 m² spare.
    assert plan.saving == 100_000
    assert [(m.to_name, m.area_m2) for m in plan.moves] == [("Police station", 400.0)]
    assert "Office costs the most to run" in plan.why
    assert plan.alternatives == ["Police station"]
    assert set(plan.members["name"]) == {"Office", "Police station"}


def test_the_radar_takes_a_break_on_the_windows_last_day_and_not_the_day_after(
    session: Session, town
):
    today = dt.date(2026, 12, 3)
    last = window_end(today, 24)
    assert last == dt.date(2028, 12, 3)
    council = town["council"]
    make_asset(session, council, x=X + 200, y=Y, name="In", use_class="office", nia_m2=100,
               occupants_fte=5, rent=30_000, tenure="leasehold", lease_break=last,
               lease_end=last + dt.timedelta(days=730))  # fmt: skip
    make_asset(session, council, x=X + 220, y=Y, name="Out", use_class="office", nia_m2=100,
               occupants_fte=5, rent=30_000, tenure="leasehold",
               lease_break=last + dt.timedelta(days=1))  # fmt: skip
    make_asset(session, council, x=X + 240, y=Y, name="Today", use_class="office", nia_m2=100,
               occupants_fte=0, rent=10_000, tenure="leasehold", lease_end=today)  # fmt: skip
    make_asset(session, council, x=X + 260, y=Y, name="Yesterday", use_class="office",
               nia_m2=100, occupants_fte=5, tenure="leasehold",
               lease_end=today - dt.timedelta(days=1))  # fmt: skip
    radar = lease_radar(session.connection(), 8.0, 2000.0, 24, today)
    events = radar.events.set_index("name")
    assert set(events.index) == {"In", "Today"}
    brk = events.loc["In"]
    assert brk["event"] == "break" and brk["date"] == last
    # 40 m² needed: "Out" 20 m away has 60 m² spare (its own break is after the window),
    # and five more within 2 km would do too: the office, the police and fire stations,
    # the clinic and "Yesterday" (its lease ended before the window).
    assert brk["receiving_name"] == "Out"
    assert brk["other_fits"] == 5
    assert brk["saving_to_end"] == pytest.approx(30_000 * 730 / 365.25, abs=1)
    assert events.loc["Today"]["note"].startswith("nobody to move")
    # One month shorter: the break falls out.
    assert "In" not in set(lease_radar(session.connection(), 8.0, 2000.0, 23, today).events["name"])


def test_the_radar_shows_another_bodys_sensitive_lease_to_nobody_else(session: Session, town):
    police = town["police"]
    today = dt.date(2026, 12, 3)
    make_asset(session, police, x=X + 300, y=Y, name="Refuge", use_class="office", nia_m2=100,
               occupants_fte=3, rent=9_000, tenure="leasehold", sensitive=True,
               lease_break=today + dt.timedelta(days=30))  # fmt: skip
    conn = session.connection()
    assert "Refuge" in set(
        lease_radar(conn, 8.0, 2000.0, 24, today, Viewer(police.id)).events["name"]
    )
    council_view = lease_radar(conn, 8.0, 2000.0, 24, today, Viewer(town["council"].id)).events
    assert "Refuge" not in set(council_view["name"].astype(str))
    assert council_view.empty
