"""Publishers' words (issue 15 item 9): short forms and phrases mapped, case folded; words not
recognised counted per field in the summary, the published word kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from estate.etl.pipeline import prepare_file
from estate.vocab import OCCUPANCY, STATUS, TENURE, USE_CLASS
from tests.etl.test_load import LGA, write_csv


@pytest.mark.parametrize(
    ("word", "tenure"),
    [("LH", "leasehold"), ("FH", "freehold"), ("Long Leasehold", "leasehold"),
     ("Leasehold (long)", "leasehold"), ("licence", "licence"), ("LICENSE", "licence"),
     ("Other", "other"), ("PFI", "other"), ("P.F.I.", "other"), ("l/h", "leasehold"),
     ("f/h", "freehold")],
)  # fmt: skip
def test_tenure_short_forms_and_phrases(word: str, tenure: str):
    assert TENURE.map_one(word) == tenure


@pytest.mark.parametrize(
    ("word", "status"),
    [("In disposal process", "in_disposal"), ("UNDER OFFER", "in_disposal"),
     ("Being marketed", "in_disposal"), ("Surplus", "surplus"), ("Declared surplus", "surplus"),
     ("Vacant", "surplus")],
)  # fmt: skip
def test_status_phrases_for_surplus_and_disposal(word: str, status: str):
    assert STATUS.map_one(word) == status


def test_vacant_and_site_types_in_capitals():
    assert OCCUPANCY.map_one("VOID") == "vacant"
    assert USE_CLASS.map_one("FIRE STATION") == "fire_station"
    assert USE_CLASS.map_one("HEALTH CENTRE") == "health_centre"


def test_words_not_recognised_are_counted_per_field_and_kept(tmp_path: Path):
    words = ["Crown", "Peppercorn", "Crown", "LH", "FH", "Heritable"]
    rows = [["Trafford Council", f"A{i}", f"Site {i}", "M32 0TH", "-2.3", "53.4", word, "1"]
            for i, word in enumerate(words)]  # fmt: skip
    prepared = prepare_file(write_csv(tmp_path / "words.csv", LGA, rows))
    records = prepared.records.set_index("source_ref")
    assert records.loc["A3", "tenure"] == "leasehold"
    assert records.loc["A0", "tenure"] is None
    assert records.loc["A0", "tenure_raw"] == "Crown"
    assert (
        "tenure: 2 words not recognised: 'Crown', 'Peppercorn' (on 3 records; kept as published)"
        in prepared.notes
    )
