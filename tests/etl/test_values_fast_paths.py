"""The vectorised fast paths of value parsing give what the plain rules give, cell by cell.

Each fast path (Arrow regular expressions, dictionary encoding, integer formatting of
floats) handles the common case in C++ and leaves the rest to the general code; these
tests compare both with a plain Python statement of the rule, over awkward values.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from estate import values
from estate.etl.read.vectors import float_text
from estate.etl.validate.places import parse_postcodes
from estate.vocab import TENURE, USE_CLASS, _key

AWKWARD = [
    "", " ", "  n/a ", "N/A", "Not Applicable", "-", "—", "none", "NULL", "?", "#N/A", "\xa0",
    "\xa0x\xa0", " a  b ", "a\tb", "a\x00b\x07c", "Trafford Town Hall,", "x;", " , ", "a ,; ",
    "  Talbot  Road ", "\u2028line\u2029", "\u3000wide\u3000", "tab\t\tend\r\n", "ok", "Café",
    "Stretford Library", "1 Talbot Road, Stretford", "M33 7NY", "m33 7ny", "M337NY", "M33\xa07NY",
    "WA14 1PF", "M41", "MO1 1AA", "M1 1AO", "SW1A 1AA", "Near M33 7NY here", "X", "freehold",
    "Freehold ", "FREEHOLD", "Leasehold", "leasehold - long", "Library", "offices", "unknown",
]  # fmt: skip
SPACE = "\xa0\u2007\u202f"
WS = "[ \t\n\r\f\v\xa0\u2007\u202f\u2028\u2029\u3000]"


def _series(cells) -> pd.Series:
    return pd.Series(cells + [None], dtype="string[pyarrow]")


def test_nullify_matches_the_rule():
    got = values.nullify(_series(AWKWARD)).tolist()
    for cell, out in zip(AWKWARD + [None], got, strict=True):
        empty = cell is None or cell.strip(" \t\r\n" + SPACE).lower() in values.NULL_WORDS
        assert (out is pd.NA) if empty else (out == cell), cell


def _normalised(cell: str | None) -> str | None:
    if cell is None:
        return None
    text = re.sub(f"[{SPACE}]", " ", cell)
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", text)
    text = re.sub(WS + "+", " ", text).strip().rstrip(",;").strip()
    return text or None


def test_normalise_text_matches_the_rule():
    got = values.normalise_text(_series(AWKWARD)).tolist()
    assert got == [_normalised(cell) for cell in AWKWARD + [None]]
    assert got[AWKWARD.index("Trafford Town Hall,")] == "Trafford Town Hall"


def test_vocabulary_map_is_the_same_for_text_and_for_other_objects():
    """Arrow's dictionary path (text) and the general one (a number among the words)."""
    for vocabulary in (TENURE, USE_CLASS):
        text = pd.Series(AWKWARD + [None], dtype=object)
        canonical, unknown = vocabulary.map(text)
        expected = [None if c is None or not c.strip() else vocabulary.lookup.get(_key(c))
                    for c in AWKWARD + [None]]  # fmt: skip
        assert canonical.tolist() == expected
        blank = [c is None or not c.strip() for c in AWKWARD + [None]]
        assert unknown.tolist() == [
            e is None and not b for e, b in zip(expected, blank, strict=True)
        ]
        mixed_canonical, mixed_unknown = vocabulary.map(
            pd.Series(AWKWARD + [None, 7], dtype=object)
        )
        assert mixed_canonical.tolist()[:-1] == expected
        assert mixed_unknown.tolist() == unknown.tolist() + [True]


def test_postcodes_in_standard_form_pass_and_the_rest_are_normalised():
    cells = ["M33 7NY", "m33 7ny", "M337NY", "M33\xa07NY", "WA14 OPF", "M41", "X", None]
    parsed = parse_postcodes(pd.Series(cells, dtype="string[pyarrow]"))
    assert parsed.value.tolist() == ["M33 7NY", "M33 7NY", "M33 7NY", "M33 7NY", "WA14 0PF",
                                     "M41", None, None]  # fmt: skip
    assert parsed.flag.tolist()[4:6] == ["postcode_corrected", "postcode_outward_only"]
    assert parsed.problem.tolist()[6] == "'X' is not a UK postcode"


@pytest.mark.parametrize("seed", [1, 2])
def test_float_text_writes_what_python_writes(seed: int):
    rng = np.random.default_rng(seed)
    x = np.concatenate([
        rng.normal(0, 1, 20_000) * 10.0 ** rng.integers(-8, 20, 20_000),
        np.round(rng.uniform(-1e6, 1e6, 20_000), 2),
        np.round(rng.uniform(0, 7e5, 20_000), 7),
        rng.integers(-10**6, 10**12, 20_000).astype(float),
        [0.0, -0.0, 1e16, 9999999999999998.0, 1e-4, 9.999e-5, 0.1, 1200.0, 1e22, np.inf,
         -np.inf, np.nan, 0.30000000000000004, 1e13, 9999999999999.99, 5e-324],
    ])  # fmt: skip
    expected = [None if np.isnan(v) else str(v) for v in x.tolist()]
    assert float_text(x).to_pylist() == expected


def test_parse_uprn_recovers_spreadsheet_forms_and_rejects_lost_digits():
    parsed = values.parse_uprn(_series(["100012797623", "100012797623.0", "1.00012797623E+11",
                                        "1E+11", "12a", "0100012797623"]))  # fmt: skip
    assert parsed.number.tolist()[:3] == [100012797623] * 3
    assert parsed.flag.tolist()[1:3] == ["uprn_excel_mangled"] * 2
    assert "lost its digits" in parsed.problem[3]
    assert parsed.problem[4] == "'12a' is not a UPRN (UPRNs are 1 to 12 digits)"
    assert "more than 12 digits" in parsed.problem[5]


def test_nullify_of_objects_gives_none_for_every_kind_of_missing():
    got = values.nullify(pd.Series(["a", None, np.nan, pd.NA, " n/a "], dtype=object))
    assert got.tolist() == ["a", None, None, None, None]
