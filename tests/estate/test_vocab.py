"""Publishers' words mapped to the controlled vocabularies, raw words kept apart."""

from __future__ import annotations

import pandas as pd

from estate.vocab import ALL, HOLDING, OCCUPANCY, TENURE, USE_CLASS


def test_tenure_words_in_any_case_map_and_unknown_ones_are_marked():
    raw = pd.Series(["Freehold", "FREEHOLD", " leasehold ", None, "", "Heritable", "Feudal"])
    canonical, unknown = TENURE.map(raw)
    assert canonical.tolist() == [
        "freehold",
        "freehold",
        "leasehold",
        None,
        None,
        "freehold",
        None,
    ]
    assert unknown.tolist() == [False, False, False, False, False, False, True]


def test_trafford_holding_and_tenure_detail_words():
    canonical, unknown = HOLDING.map(pd.Series(["Land", "Land/Buildings", "Buildings"]))
    assert canonical.tolist() == ["land", "land_and_building", "building"]
    assert not unknown.any()
    canonical, _ = OCCUPANCY.map(
        pd.Series(["Vacant", "Owner Occupied", "Leasehold Out", "Leasehold out", "Other"])
    )
    assert canonical.tolist() == ["vacant", "occupied", "let", "let", "other"]


def test_labels_are_accepted_as_words():
    assert USE_CLASS.map_one("Fire station") == "fire_station"
    assert USE_CLASS.map_one("Leisure centre") == "leisure"
    assert USE_CLASS.map_one("no such use") is None


def test_every_synonym_points_at_a_real_word():
    for name, vocabulary in ALL.items():
        bad = {s: w for s, w in vocabulary.synonyms.items() if w not in vocabulary.words}
        assert bad == {}, name


def test_check_sql_quotes_words():
    assert TENURE.check_sql("tenure") == ("tenure IN ('freehold', 'leasehold', 'licence', 'other')")
