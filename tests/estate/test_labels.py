"""Plain words for people (estate.labels, estate.display): codes as labels, bodies by their
names, numbers to their unit, dates and times as a person reads them, the audit trail in
words; and every code a person can meet has its words."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from estate import display, labels
from estate.etl.sources import SOURCES
from estate.models import CLUB_STATUSES, LOAD_STATUSES, OFFER_KINDS, ROLES
from estate.vocab import ALL


def test_a_code_reads_as_its_label_and_an_unknown_one_as_it_is():
    assert labels.label("use_class", "fire_station") == "Fire station"
    assert labels.label("use_class", "open_space") == "Park or open space"
    assert labels.label("status", "operational") == "Operational"
    assert labels.label("location_method", "bng") == "Easting and northing"
    assert labels.label("kind", "council") == "Local authority"
    assert labels.label("quality_flags", ["probable_centroid", "unknown_use_class"]) == (
        "Probably a shared point (a postcode or a town centre), Use not recognised"
    )
    assert labels.label("use_class", "Sports hall") == "Sports hall"  # a publisher's word
    assert labels.label("use_class", None) == "" and labels.label("use_class", float("nan")) == ""


def test_every_code_a_person_meets_has_its_words():
    table = labels.vocabularies()
    for column, vocabulary in ALL.items():
        assert table[column] == vocabulary.words
    assert set(table["role"]) == set(ROLES)
    assert set(table["club_status"]) == set(CLUB_STATUSES)
    assert set(table["offer_kind"]) == set(OFFER_KINDS)
    assert set(table["load_status"]) == set(LOAD_STATUSES)
    assert set(table["format"]) == set(SOURCES), "a source format without a name for people"
    for words in table.values():
        assert all(label and "_" not in label for label in words.values())


def test_labels_inside_a_sentence_keep_their_capitals_where_they_matter():
    assert labels.in_sentence("Park or open space") == "park or open space"
    assert labels.in_sentence("NHS body") == "NHS body"
    assert labels.in_sentence("A: as new") == "A: as new"
    codes = pd.Series(["fire_station", None, "library"])
    assert list(labels.sentence_labels("use_class", codes)) == ["fire station", "", "library"]


@pytest.mark.parametrize(
    ("code", "name", "kind", "shown"),
    [
        ("FRS-E31000040", "Greater Manchester", "fire",
         "Greater Manchester Fire and Rescue Service"),
        ("FRS-X", "Avon Fire & Rescue Service", "fire", "Avon Fire & Rescue Service"),
        ("RY2", "BRIDGEWATER COMMUNITY HEALTHCARE NHS TRUST", "nhs",
         "Bridgewater Community Healthcare NHS Trust"),
        ("RM2", "UNIVERSITY HOSPITAL OF SOUTH MANCHESTER NHS FOUNDATION TRUST", "nhs",
         "University Hospital of South Manchester NHS Foundation Trust"),
        ("POLICE-X", "Greater Manchester Police", "police", "Greater Manchester Police"),
        ("POLICE-Y", "Cheshire", "police", "Cheshire Police"),
        ("TRAFFORD-COUNCIL", "Trafford Council", "council", "Trafford Council"),
        ("NONAME", None, "other", "NONAME"),
        ("PARTNERSHIP", None, None, "The partnership"),
        ("H", "<script>alert(2)</script> Trust", "nhs", "<script>alert(2)</script> Trust"),
    ],
)  # fmt: skip
def test_a_body_reads_as_its_display_name(code, name, kind, shown):
    assert labels.body_display_name(code, name, kind) == shown


def test_body_codes_in_a_list_read_as_names():
    names = {"RY2": "Bridgewater", "X": "Ex"}
    assert labels.name_bodies("RY2, X, Y", names) == "Bridgewater, Ex, Y"
    assert labels.name_bodies(["X"], names) == "Ex"
    assert labels.name_bodies(None, names) == ""


def test_a_frame_for_people_has_labels_names_and_rounded_numbers():
    frame = pd.DataFrame(
        {
            "body": ["RY2", None],
            "body_codes": ["RY2, X", "X"],
            "body_kinds": ["nhs, council", "council"],
            "use_class": ["fire_station", "Sports hall"],
            "spare_m2": [5624.2999, 1.04],
        }
    )
    out = labels.for_people(frame, names={"RY2": "Bridgewater", "X": "Ex"})
    assert out["body"][0] == "Bridgewater" and pd.isna(out["body"][1])
    assert list(out["body_codes"]) == ["Bridgewater, Ex", "Ex"]
    assert list(out["body_kinds"]) == ["NHS body, Local authority", "Local authority"]
    assert list(out["use_class"]) == ["Fire station", "Sports hall"]
    assert list(out["spare_m2"]) == [5624.3, 1.0]
    assert frame["body"][0] == "RY2"  # the caller's frame is left as it was
    assert labels.for_people(frame)["body"][0] == "RY2"  # without names: the codes


def test_numbers_money_dates_and_times_as_a_person_reads_them():
    assert display.show_number(5622.0) == "5,622"
    assert display.show_number(37.66) == "37.7"
    assert display.show_number(None) == ""
    assert display.show_money(1234.56) == "£1,235"
    assert display.show_money(1234.56, pence=True) == "£1,234.56"
    assert display.show_money(221000.0, pence=True) == "£221,000"
    assert display.show_money(-20) == "-£20"
    assert display.show_day("2034-05-07") == "7 May 2034"
    assert display.show_day(dt.date(2026, 3, 31)) == "31 Mar 2026"
    # Times stored in UTC are shown in the partners' time, without seconds or offset.
    assert display.show_when("2026-12-03T11:31:07.123456+00:00") == "3 Dec 2026, 11:31"
    assert display.show_when(dt.datetime(2026, 7, 3, 11, 31, tzinfo=dt.UTC)) == "3 Jul 2026, 12:31"
    assert display.show_when(pd.Timestamp("2026-07-03 11:31", tz="UTC")) == "3 Jul 2026, 12:31"
    assert display.show_when("not a time") == "not a time"
    assert list(display.show_days(pd.Series(pd.to_datetime(["2028-03-31", None])))) == [
        "31 Mar 2028",
        "",
    ]
    assert display.show_assumption("discount rate", 0.035) == "3.5%"
    assert display.show_assumption("relocation cost per FTE (£)", 2500.0) == "£2,500"


def test_a_screen_cell_shows_each_kind_of_value():
    assert display.show_cell(2323505.89, "running_cost") == "£2,323,506"
    assert display.show_cell(5624.29, "spare_m2") == "5,624.3"
    assert display.show_cell(17613.0, "floor_area_m2") == "17,613"
    assert display.show_cell(12345, "asset_id") == "12345"
    assert display.show_cell(0.035, "discount_rate") == "3.5%"
    assert display.show_cell(True, "movable") == "yes"
    assert display.show_cell(None, "name") == ""
    assert display.show_cell("2026-12-03 11:44", "started") == "3 Dec 2026, 11:44"


def test_the_audit_trail_in_words():
    assert labels.event_words("asset", "edit") == "Edited"
    assert labels.event_words("load", "insert") == "Added by a load"
    assert labels.event_words("asset", "new_thing") == "Asset new thing"
    assert labels.field_heading("occupants_fte") == "Occupants (FTE)"
    assert labels.field_heading("valuation_basis") == "Valuation basis"
    assert labels.field_heading("geom") == "Location"
    assert labels.change_value("rent", 25877.08) == "£25,877.08"
    assert labels.change_value("condition", "B") == "B: sound, minor deterioration"
    assert labels.change_value("use_class", "open_space") == "Park or open space"
    assert labels.change_value("status", "in_discussion", "need") == "in discussion"
    assert labels.change_value("status", "under_used") == "Under-used"
    assert labels.change_value("lease_end", "2034-05-07") == "7 May 2034"
    assert labels.change_value("geom", "SRID=27700;POINT(376680.5 387960)") == "376,680.5, 387,960"
    assert labels.change_value("location", [376680.5, 387960.0]) == "376,680.5, 387,960"
    assert labels.change_value("sensitive", True) == "yes"
    assert labels.change_value("agreed_offer_id", 12345) == "12345"
    assert labels.change_value("nia_m2", None) == "—"
