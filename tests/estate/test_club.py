"""The property club: posting needs and offers, status moves, who may, the audit trail,
and matching at its edges (distance, dates, size, use, bodies, sources)."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from dataclasses import dataclass

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from estate import accounts, club
from estate.accounts import Account
from estate.club import ClubError, NotAllowed
from estate.models import Organisation
from estate.sharing import SENSITIVE_NAME, Viewer
from tests.estate.builders import make_asset, make_organisation

X, Y = 380_000.0, 395_000.0
NEEDED = dt.date(2027, 6, 1)
PASSWORD = "a long enough password"
_names = itertools.count(1)


def user(session: Session, org: Organisation, role: str) -> Account:
    return accounts.add(session.connection(), f"club{next(_names)}", org.code, role, PASSWORD)


@dataclass
class Club:
    session: Session
    police: Organisation
    council: Organisation
    police_editor: Account
    council_editor: Account

    @property
    def conn(self):
        return self.session.connection()

    def need(self, **fields) -> int:
        values = {"title": "Neighbourhood team base", "min_m2": 200, "needed_by": NEEDED,
                  "easting": X, "northing": Y, "radius_m": 2000, **fields}  # fmt: skip
        return club.post_need(self.conn, self.police_editor, **values)

    def offer(self, dx: float = 500.0, **fields) -> int:
        values = {"title": "Second floor", "area_m2": 300, "available_from": NEEDED,
                  "easting": X + dx, "northing": Y, **fields}  # fmt: skip
        account = fields.pop("account", None) or self.council_editor
        values.pop("account", None)
        return club.post_offer(self.conn, account, **values)

    def matches(self, need_id: int) -> list[dict]:
        return club.need_matches(self.conn, need_id, 8.0)


@pytest.fixture
def c(session: Session) -> Club:
    police = make_organisation(session, kind="police")
    council = make_organisation(session, kind="council")
    return Club(session, police, council, user(session, police, "editor"),
                user(session, council, "editor"))  # fmt: skip


def offer_ids(matches: list[dict]) -> list[int]:
    return [m["offer_id"] for m in matches if m["source"] == "offer"]


def events(c: Club, subject: str, subject_id: int) -> list[dict]:
    rows = c.conn.execute(
        text(
            "SELECT actor, action, organisation_id, changes, reason FROM audit_events"
            " WHERE subject = :s AND subject_id = :id ORDER BY id"
        ),
        {"s": subject, "id": subject_id},
    ).mappings()
    return [dict(r) for r in rows]


# --- matching: distance, dates, size, use, bodies ------------------------------------------


def test_an_offer_exactly_at_the_radius_matches_and_half_a_metre_beyond_does_not(c: Club):
    need = c.need(radius_m=2000)
    at = c.offer(dx=2000.0, title="At the edge")
    c.offer(dx=2000.5, title="Just beyond")

    found = c.matches(need)

    assert offer_ids(found) == [at]
    assert found[0]["distance_m"] == 2000.0
    assert found[0]["body"] == c.council.code
    assert found[0]["title"] == "At the edge"
    assert found[0]["need_id"] == need


def test_an_offer_must_be_available_on_the_day_needed(c: Club):
    need = c.need()
    same_day = c.offer(available_from=NEEDED)
    c.offer(available_from=NEEDED + dt.timedelta(days=1))  # a day late
    until_the_day = c.offer(available_from=NEEDED - dt.timedelta(days=30), available_until=NEEDED)
    c.offer(available_from=NEEDED - dt.timedelta(days=30),
            available_until=NEEDED - dt.timedelta(days=1))  # fmt: skip  # gone by then

    assert sorted(offer_ids(c.matches(need))) == sorted([same_day, until_the_day])
    match = next(m for m in c.matches(need) if m["offer_id"] == same_day)
    assert match["available_from"] == NEEDED


def test_an_offer_must_be_big_enough(c: Club):
    need = c.need(min_m2=300)
    exactly = c.offer(area_m2=300)
    c.offer(area_m2=299.99)

    assert offer_ids(c.matches(need)) == [exactly]


def test_uses_match_when_equal_or_either_side_says_none(c: Club):
    office_need = c.need(use_class="office")
    any_need = c.need(use_class=None)
    office = c.offer(use_class="Office", dx=100)  # the label reads as the word
    library = c.offer(use_class="library", dx=200)
    unsaid = c.offer(use_class=None, dx=300)

    assert offer_ids(c.matches(office_need)) == [office, unsaid]
    assert offer_ids(c.matches(any_need)) == [office, library, unsaid]


def test_own_body_and_closed_offers_are_left_out(c: Club):
    need = c.need()
    c.offer(account=c.police_editor, title="Our own")
    talking = c.offer(dx=100)
    club.set_offer_status(c.conn, c.council_editor, talking, "in_discussion")
    withdrawn = c.offer(dx=200)
    club.set_offer_status(c.conn, c.council_editor, withdrawn, "withdrawn")

    assert offer_ids(c.matches(need)) == [talking]


def test_surplus_assets_of_other_bodies_match_by_usable_area(c: Club):
    need = c.need(min_m2=250)
    s = c.session
    surplus = make_asset(s, c.council, x=X + 700, y=Y, name="Old depot offices",
                         status="surplus", nia_m2=300, occupants_fte=0)  # fmt: skip
    by_gia = make_asset(s, c.council, x=X + 900, y=Y, name="Old library",
                        status="in_disposal", gia_m2=400)  # fmt: skip  # 320 m² usable
    make_asset(s, c.council, x=X + 100, y=Y, status="surplus", nia_m2=200)  # too small
    make_asset(s, c.council, x=X + 100, y=Y, status="surplus", nia_m2=900, sensitive=True)
    make_asset(s, c.council, x=X + 100, y=Y, status="disposed", nia_m2=900)
    make_asset(s, c.council, x=X + 2100, y=Y, status="surplus", nia_m2=900)  # too far
    make_asset(s, c.police, x=X + 100, y=Y, status="surplus", nia_m2=900)  # the need's own
    make_asset(s, c.council, x=X + 100, y=Y, status="surplus", nia_m2=900,
               location_method="postcode_district")  # fmt: skip  # placed too roughly

    found = [m for m in c.matches(need) if m["source"] == "surplus"]

    assert [(m["asset_id"], m["area_m2"], m["distance_m"]) for m in found] == [
        (surplus.id, 300.0, 700.0),
        (by_gia.id, 320.0, 900.0),
    ]
    assert found[0]["title"] == "Old depot offices"
    assert found[0]["offer_id"] is None and found[0]["available_from"] is None


def test_spare_space_is_the_analysis_measure(c: Club):
    need = c.need(min_m2=500)
    s = c.session
    # 1,000 m² for 50 FTE at 8 m² each: 600 m² spare.
    hub = make_asset(s, c.council, x=X + 400, y=Y, name="Civic hub", nia_m2=1000,
                     occupants_fte=50, use_class="office")  # fmt: skip
    empty = make_asset(s, c.council, x=X + 800, y=Y, name="Empty offices", nia_m2=520,
                       occupancy="vacant", use_class="office")  # fmt: skip
    make_asset(s, c.council, x=X + 100, y=Y, nia_m2=1000, occupants_fte=70)  # 440 spare
    make_asset(s, c.council, x=X + 100, y=Y, nia_m2=5000, occupants_fte=10,
               use_class="hospital")  # fmt: skip  # cannot take others in
    make_asset(s, c.council, x=X + 100, y=Y, nia_m2=5000, occupants_fte=10, sensitive=True)
    make_asset(s, c.council, x=X + 100, y=Y, nia_m2=5000)  # occupants unknown
    make_asset(s, c.police, x=X + 100, y=Y, nia_m2=5000, occupants_fte=10)  # own body

    found = [m for m in c.matches(need) if m["source"] == "spare"]

    assert [(m["asset_id"], m["area_m2"], m["distance_m"]) for m in found] == [
        (hub.id, 600.0, 400.0),
        (empty.id, 520.0, 800.0),
    ]
    assert found[0]["title"] == "Civic hub"


def test_matches_are_ordered_by_source_then_distance_and_an_offered_asset_counts_once(c: Club):
    need = c.need(min_m2=100)
    s = c.session
    spare = make_asset(s, c.council, x=X + 50, y=Y, nia_m2=400, occupants_fte=10)
    surplus = make_asset(s, c.council, x=X + 60, y=Y, status="surplus", nia_m2=400)
    offered = make_asset(s, c.council, x=X + 70, y=Y, status="surplus", nia_m2=400,
                         name="Offered hall")  # fmt: skip
    far_offer = c.offer(dx=1500)
    near_offer = c.offer(asset_id=offered.id, area_m2=None, title="The hall")

    found = c.matches(need)

    assert [(m["source"], m["offer_id"] or m["asset_id"]) for m in found] == [
        ("offer", near_offer),
        ("offer", far_offer),
        ("surplus", surplus.id),
        ("spare", spare.id),
    ]
    # The offer took the asset's point and usable area.
    assert found[0]["distance_m"] == 70.0 and found[0]["area_m2"] == 400.0


def test_the_offer_side_finds_the_needs_it_could_meet(c: Club):
    near = c.need(title="Near", radius_m=1000)
    c.need(title="Radius too short", radius_m=400)
    c.need(title="Too big", min_m2=5000)
    closed = c.need(title="Withdrawn")
    club.set_need_status(c.conn, c.police_editor, closed, "withdrawn")
    offer = c.offer(dx=500)

    found = club.offer_matches(c.conn, offer)

    assert [(m["need_id"], m["distance_m"], m["body"]) for m in found] == [
        (near, 500.0, c.police.code)
    ]
    assert club.offer_match_counts(c.conn, [offer]) == {offer: 1}
    counts = club.need_match_counts(c.conn, 8.0, [near, closed])
    assert counts[near] == {"offer": 1, "surplus": 0, "spare": 0, "total": 1}


# --- posting ------------------------------------------------------------------------------


def test_a_need_defaults_its_radius_to_the_relocation_distance(c: Club):
    need = club.post_need(c.conn, c.police_editor, title="Base", min_m2="150", max_m2="",
                          needed_by="2027-06-01", easting=str(X), northing=str(Y),
                          default_radius_m=1500)  # fmt: skip
    found = club.get_need(c.conn, need)
    assert found["radius_m"] == 1500.0
    assert found["min_m2"] == 150.0 and found["max_m2"] is None
    assert found["needed_by"] == NEEDED and found["status"] == "open"
    assert found["body"] == c.police.code
    assert (found["easting"], found["northing"]) == (X, Y)
    assert -2.4 < found["lon"] < -2.2 and 53.3 < found["lat"] < 53.5
    assert found["created_by"] == c.police_editor.username


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": "  "}, "give a title"),
        ({"min_m2": 0}, "the minimum area (m²) must be more than 0, not 0"),
        ({"min_m2": "lots"}, "the minimum area (m²) must be a number, not 'lots'"),
        ({"min_m2": 300, "max_m2": 200},
         "the maximum area (200 m²) is less than the minimum (300 m²)"),
        ({"radius_m": -5}, "the radius (m) must be more than 0, not -5"),
        ({"needed_by": "next June"},
         "the date the space is needed by must be a date as YYYY-MM-DD, not 'next June'"),
        ({"needed_by": None}, "give the date the space is needed by (YYYY-MM-DD)"),
        ({"use_class": "spaceport"}, "unknown use 'spaceport': one of office,"),
        ({"easting": None, "northing": None},
         "say where: an easting and northing, a longitude and latitude, or one of"),
        ({"easting": X, "northing": None}, "give both the easting and the northing"),
        ({"easting": -3, "northing": Y}, "easting -3 and northing 395000 are not British"),
        ({"easting": None, "northing": None, "lon": 10.0, "lat": 53.0},
         "longitude 10, latitude 53 is not in the United Kingdom"),
    ],
)  # fmt: skip
def test_a_need_is_refused_with_a_reason(c: Club, fields: dict, message: str):
    with pytest.raises(ClubError) as refused:
        c.need(**fields)
    assert str(refused.value).startswith(message)


def test_a_need_may_be_placed_by_lon_lat_or_at_one_of_its_bodys_assets(c: Club):
    station = make_asset(c.session, c.police, x=X + 10, y=Y + 20)
    theirs = make_asset(c.session, c.council, x=X, y=Y)
    at_station = c.need(easting=None, northing=None, asset_id=station.id)
    by_lonlat = c.need(easting=None, northing=None, lon=-2.3, lat=53.42)

    assert club.get_need(c.conn, at_station)["easting"] == X + 10
    found = club.get_need(c.conn, by_lonlat)
    assert found["lon"] == pytest.approx(-2.3, abs=1e-6)
    with pytest.raises(ClubError, match=f"asset {theirs.id} is not one of {c.police.code}'s"):
        c.need(asset_id=theirs.id)


def test_an_offer_of_an_asset_takes_its_point_and_usable_area(c: Club):
    hall = make_asset(c.session, c.council, x=X + 5, y=Y + 5, gia_m2=500)
    offer = club.post_offer(c.conn, c.council_editor, title="The hall", kind="site",
                            asset_id=str(hall.id), available_from="2027-01-01")  # fmt: skip
    found = club.get_offer(c.conn, offer)
    assert found["area_m2"] == 400.0  # 80% of GIA
    assert (found["easting"], found["northing"]) == (X + 5, Y + 5)
    assert found["kind"] == "site" and found["asset_id"] == hall.id
    assert found["asset_name"] == hall.name


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"area_m2": None}, "give the area (m²) offered"),
        ({"area_m2": -1}, "the area (m²) must be more than 0, not -1"),
        ({"kind": "castle"}, "an offer is of space or of a site, not 'castle'"),
        ({"available_from": "2027-06-01", "available_until": "2027-05-31"},
         "the offer ends (2027-05-31) before it starts (2027-06-01)"),
        ({"title": None}, "give a title"),
    ],
)  # fmt: skip
def test_an_offer_is_refused_with_a_reason(c: Club, fields: dict, message: str):
    with pytest.raises(ClubError) as refused:
        c.offer(**fields)
    assert str(refused.value) == message


def test_an_offer_defaults_to_available_today(c: Club):
    offer = club.post_offer(c.conn, c.council_editor, title="Desk space", area_m2=50,
                            easting=X, northing=Y, today=dt.date(2027, 3, 1))  # fmt: skip
    assert club.get_offer(c.conn, offer)["available_from"] == dt.date(2027, 3, 1)


# --- who may ------------------------------------------------------------------------------


def test_a_viewer_cannot_post(c: Club):
    viewer = user(c.session, c.police, "viewer")
    with pytest.raises(NotAllowed, match="a viewer cannot post needs: it needs the editor role"):
        club.post_need(c.conn, viewer, title="x", min_m2=1, needed_by=NEEDED, easting=X,
                       northing=Y)  # fmt: skip


def test_an_editor_posts_only_for_their_body_and_a_club_admin_for_any(c: Club):
    with pytest.raises(NotAllowed) as refused:
        c.need(body=c.council.code)
    assert str(refused.value) == (
        f"only a club admin can post needs for another body; you post for {c.police.code}"
    )
    admin = user(c.session, c.police, "club_admin")
    need = club.post_need(c.conn, admin, title="For the council", min_m2=10, needed_by=NEEDED,
                          easting=X, northing=Y, body=c.council.code.lower())  # fmt: skip
    assert club.get_need(c.conn, need)["body"] == c.council.code


def test_another_bodys_editor_cannot_change_a_need_and_a_club_admin_can(c: Club):
    need = c.need()
    with pytest.raises(NotAllowed) as refused:
        club.set_need_status(c.conn, c.council_editor, need, "withdrawn")
    assert str(refused.value) == (
        f"only an editor of {c.police.code} or a club admin can change need {need}"
    )
    offer = c.offer()
    with pytest.raises(NotAllowed):
        club.set_offer_status(c.conn, c.police_editor, offer, "withdrawn")
    with pytest.raises(NotAllowed):  # a viewer of the same body
        club.set_need_status(c.conn, user(c.session, c.police, "viewer"), need, "withdrawn")

    admin = user(c.session, c.council, "club_admin")
    club.set_need_status(c.conn, admin, need, "in_discussion")
    assert club.get_need(c.conn, need)["status"] == "in_discussion"


# --- status moves ---------------------------------------------------------------------------


def test_a_need_goes_open_to_discussion_to_agreed_naming_the_offer(c: Club):
    need = c.need()
    offer = c.offer()
    club.set_need_status(c.conn, c.police_editor, need, "in discussion")
    club.set_need_status(c.conn, c.police_editor, need, "agreed", agreed_offer_id=str(offer),
                         reason="signed heads of terms")  # fmt: skip
    found = club.get_need(c.conn, need)
    assert (found["status"], found["agreed_offer_id"]) == ("agreed", offer)
    # The offer is taken up with it, and says so in its body's trail.
    assert club.get_offer(c.conn, offer)["status"] == "agreed"
    taken = events(c, "offer", offer)[-1]
    assert taken["changes"] == {"status": ["open", "agreed"]}
    assert taken["reason"].startswith(f"need {need} of ")


@pytest.mark.parametrize(
    ("moves", "message"),
    [
        (["agreed"], "need {id} is open: it cannot be agreed; "
                     "it can go into discussion or be withdrawn"),
        (["in_discussion", "open"], "need {id} is in discussion: it cannot be reopened; "
                                    "it can be agreed or be withdrawn"),
        (["in_discussion", "agreed", "withdrawn"],
         "need {id} is agreed, which is final: it cannot be withdrawn"),
        (["withdrawn", "in_discussion"],
         "need {id} is withdrawn, which is final: it cannot go into discussion"),
        (["in_discussion", "in_discussion"], "need {id} is already in discussion"),
        (["closed"], "unknown status 'closed': one of open, in discussion, agreed, withdrawn"),
    ],
)  # fmt: skip
def test_status_moves_outside_the_rules_are_refused(c: Club, moves: list[str], message: str):
    need = c.need()
    *allowed, refused = moves
    for status in allowed:
        club.set_need_status(c.conn, c.police_editor, need, status)
    with pytest.raises(ClubError) as raised:
        club.set_need_status(c.conn, c.police_editor, need, refused)
    assert str(raised.value) == message.format(id=need)


def test_an_offer_follows_the_same_moves(c: Club):
    offer = c.offer()
    club.set_offer_status(c.conn, c.council_editor, offer, "withdrawn")
    with pytest.raises(ClubError) as raised:
        club.set_offer_status(c.conn, c.council_editor, offer, "open")
    assert str(raised.value) == f"offer {offer} is withdrawn, which is final: it cannot be reopened"


def test_only_agreeing_names_what_was_agreed_and_it_must_be_another_bodys_live_offer(c: Club):
    need = c.need()
    ours = c.offer(account=c.police_editor)
    with pytest.raises(ClubError, match="only agreeing a need names the offer or asset agreed"):
        club.set_need_status(c.conn, c.police_editor, need, "in_discussion", agreed_offer_id=ours)
    club.set_need_status(c.conn, c.police_editor, need, "in_discussion")
    with pytest.raises(ClubError, match=f"offer {ours} is {c.police.code}'s own"):
        club.set_need_status(c.conn, c.police_editor, need, "agreed", agreed_offer_id=ours)
    with pytest.raises(club.NotFound, match="there is no offer 999999"):
        club.set_need_status(c.conn, c.police_editor, need, "agreed", agreed_offer_id=999999)
    with pytest.raises(club.NotFound, match="there is no need 999999"):
        club.set_need_status(c.conn, c.police_editor, 999999, "agreed")


# --- the audit trail ------------------------------------------------------------------------


def test_every_post_and_status_change_is_an_audit_event_with_before_and_after(c: Club):
    need = c.need(title="Base", min_m2=150, use_class="office")
    hall = make_asset(c.session, c.council, x=X, y=Y, nia_m2=300)
    offer = c.offer(asset_id=hall.id, area_m2=None)
    club.set_need_status(c.conn, c.police_editor, need, "in_discussion", reason="viewing")
    club.set_offer_status(c.conn, c.council_editor, offer, "in_discussion", reason="talks")
    club.set_need_status(c.conn, c.police_editor, need, "agreed", agreed_offer_id=offer)

    created, discussed, agreed = events(c, "need", need)
    assert created["action"] == "create" and created["actor"] == c.police_editor.username
    assert created["organisation_id"] == c.police.id
    assert created["changes"]["title"] == [None, "Base"]
    assert created["changes"]["min_m2"] == [None, 150]
    assert created["changes"]["use_class"] == [None, "office"]
    assert created["changes"]["needed_by"] == [None, "2027-06-01"]
    assert created["changes"]["status"] == [None, "open"]
    assert discussed["action"] == "status" and discussed["reason"] == "viewing"
    assert discussed["changes"] == {"status": ["open", "in_discussion"]}
    assert agreed["changes"] == {
        "status": ["in_discussion", "agreed"],
        "agreed_offer_id": [None, offer],
        "agreed_asset_id": [None, hall.id],  # the offer's asset
    }

    offer_created, offer_discussed, offer_agreed = events(c, "offer", offer)
    assert offer_created["changes"]["area_m2"] == [None, 300]
    assert offer_created["changes"]["asset_id"] == [None, hall.id]
    assert offer_created["organisation_id"] == c.council.id
    assert offer_discussed["changes"] == {"status": ["open", "in_discussion"]}
    assert offer_discussed["reason"] == "talks"
    assert offer_agreed["changes"] == {"status": ["in_discussion", "agreed"]}
    assert offer_agreed["actor"] == c.police_editor.username


def test_a_refused_change_writes_no_event(c: Club):
    need = c.need()
    with pytest.raises(ClubError):
        club.set_need_status(c.conn, c.police_editor, need, "agreed")
    assert [e["action"] for e in events(c, "need", need)] == ["create"]


# --- lists and the map ------------------------------------------------------------------------


def test_lists_filter_by_status_and_body(c: Club):
    first = c.need(needed_by=NEEDED)
    second = c.need(needed_by=NEEDED - dt.timedelta(days=10))
    club.set_need_status(c.conn, c.police_editor, first, "withdrawn")
    offer = c.offer()

    assert [n["id"] for n in club.list_needs(c.conn, body=c.police.code)] == [second, first]
    assert [n["id"] for n in club.list_needs(c.conn, "open", c.police.code)] == [second]
    assert [n["id"] for n in club.list_needs(c.conn, club.LIVE, c.council.code)] == []
    assert [o["id"] for o in club.list_offers(c.conn, "open", c.council.code.lower())] == [offer]
    with pytest.raises(ClubError, match="unknown status 'shut'"):
        club.list_needs(c.conn, "shut")


def test_geojson_of_needs_offers_and_match_lines_is_wgs84(c: Club):
    need = c.need(radius_m=1000)
    offer = c.offer(dx=300)
    make_asset(c.session, c.council, x=X, y=Y + 400, status="surplus", nia_m2=900)

    needs = json.loads(club.needs_geojson(c.conn, body=c.police.code))
    (feature,) = needs["features"]
    lon, lat = feature["geometry"]["coordinates"]
    assert -2.4 < lon < -2.2 and 53.3 < lat < 53.5
    assert feature["properties"]["radius_m"] == 1000.0
    assert feature["properties"]["needed_by"] == "2027-06-01"

    offers = json.loads(club.offers_geojson(c.conn, body=c.council.code))
    assert [f["properties"]["id"] for f in offers["features"]] == [offer]

    lines = json.loads(club.need_matches_geojson(c.conn, need, 8.0))["features"]
    assert [f["properties"]["kind"] for f in lines] == ["need", "match", "match"]
    assert [f["geometry"]["type"] for f in lines] == ["Point", "LineString", "LineString"]
    assert lines[1]["properties"]["offer_id"] == offer
    assert lines[1]["properties"]["distance_m"] == 300.0
    assert lines[2]["properties"]["source"] == "surplus"
    assert lines[1]["geometry"]["coordinates"][0] == feature["geometry"]["coordinates"]

    reverse = json.loads(club.offer_matches_geojson(c.conn, offer))["features"]
    assert [f["properties"]["kind"] for f in reverse] == ["offer", "match"]
    assert reverse[1]["properties"]["need_id"] == need


def test_matches_show_other_bodies_assets_only_as_the_partnership_shares_them(c: Club):
    from estate.sharing import Viewer

    need = c.need(min_m2=100)
    surplus = make_asset(c.session, c.council, x=X + 10, y=Y, status="surplus", nia_m2=400,
                         name="Not for partners")  # fmt: skip
    make_asset(c.session, c.council, x=X + 20, y=Y, nia_m2=900, occupants_fte=10)
    police_eyes = Viewer(organisation_id=c.police.id, shared_fields=("nia_m2",))

    found = club.need_matches(c.conn, need, 8.0, police_eyes)

    # The name is not shared; the occupants are not either, so no spare space is known.
    assert [(m["source"], m["asset_id"], m["title"]) for m in found] == [
        ("surplus", surplus.id, None)
    ]
    assert [m["source"] for m in c.matches(need)] == ["surplus", "spare"]


def test_a_post_on_a_sensitive_site_reaches_other_bodies_generalised(c: Club):
    """Posted before or after the site is marked sensitive, another body reads the post at
    the centre of the site's cell with no title or notes; its own body reads it whole."""
    custody = make_asset(c.session, c.police, x=X + 333, y=Y + 444, gia_m2=900)
    before = club.post_offer(
        c.conn, c.police_editor, title="Spare cells", asset_id=custody.id, notes="wing B"
    )
    need_before = c.need(easting=None, northing=None, asset_id=custody.id, title="Custody")
    council = Viewer(c.council.id, None, 1000.0)
    police = Viewer(c.police.id, None, 1000.0)

    def seen(viewer: Viewer, offer: int, need: int) -> tuple:
        o = club.get_offer(c.conn, offer, viewer)
        n = club.get_need(c.conn, need, viewer)
        return (o["title"], o["notes"], o["asset_id"], round(o["easting"]), round(o["northing"]),
                n["title"], round(n["easting"]), round(n["northing"]))  # fmt: skip

    whole = ("Spare cells", "wing B", custody.id, X + 333, Y + 444, "Custody", X + 333, Y + 444)
    assert seen(council, before, need_before) == whole
    c.conn.execute(text("UPDATE assets SET sensitive = true WHERE id = :id"), {"id": custody.id})
    after = club.post_offer(c.conn, c.police_editor, title="More cells", asset_id=custody.id)
    need_after = c.need(easting=None, northing=None, asset_id=custody.id, title="Custody")
    cell = (SENSITIVE_NAME, None, None, 380_500, 395_500, SENSITIVE_NAME, 380_500, 395_500)
    assert seen(council, before, need_before) == cell
    assert seen(council, after, need_after) == cell
    assert seen(police, before, need_before) == whole
    listed = {o["id"]: o["title"] for o in club.list_offers(c.conn, viewer=council)}
    assert listed[before] == listed[after] == SENSITIVE_NAME
    assert all(f["properties"]["title"] == SENSITIVE_NAME
               for f in json.loads(club.offers_geojson(c.conn, viewer=council))["features"]
               if f["properties"]["id"] in (before, after))  # fmt: skip
    # Unmarked, it is whole again on every read at once.
    c.conn.execute(text("UPDATE assets SET sensitive = false WHERE id = :id"), {"id": custody.id})
    assert seen(council, before, need_before) == whole


def test_a_need_cannot_be_agreed_on_another_bodys_sensitive_site(c: Club):
    refuge = make_asset(c.session, c.council, x=X, y=Y, gia_m2=300, sensitive=True)
    need = c.need()
    club.set_need_status(c.conn, c.police_editor, need, "in discussion")
    with pytest.raises(club.NotFound, match=f"there is no asset {refuge.id} that the club"):
        club.set_need_status(c.conn, c.police_editor, need, "agreed", agreed_asset_id=refuge.id)
