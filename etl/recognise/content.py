"""What a column's values say it holds: vectorised detectors over a sample of its cells.

A header can mislead or say nothing ("column_7", "Ref", "Description"); the values seldom
do. Each detector is a share of the sample's cells that look like one thing (postcodes,
UPRNs, eastings, latitudes, one-cell ``E,N`` pairs and OS grid references, areas with
units, money, dates, the vocabularies' tenure and use words, distinct names, code-like
identifiers), computed with pandas' vectorised string methods on at most
:data:`SAMPLE_SIZE` non-empty cells, so that recognising a million-row file costs no more
than a five-thousand-row one.

:func:`content_scores` turns a column's :class:`Profile` into evidence for fields: a score
from 0 to 1 with the reason in words ("values are postcodes (98%)"), and penalties where
the values contradict a field (a "name" whose values repeat is a type, not a name).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from estate.vocab import HOLDING, OCCUPANCY, STATUS, TENURE, USE_CLASS

SAMPLE_SIZE = 5000
"""Non-empty cells of a column read to recognise it."""

CELL_CHARS = 200
"""Characters of a cell read to recognise it (a megabyte of text says no more than its start)."""

MIN_CELLS = 3
"""Fewer cells than this say nothing of what a column holds (one "red" is not a name)."""

POSTCODE = r"[A-Z]{1,2}[0-9][A-Z0-9]?\s*[0-9][A-Z]{2}"
OUTWARD = r"[A-Z]{1,2}[0-9][A-Z0-9]?"
UPRN = r"\d{1,12}(?:\.0+)?"
PAIR = r"\(?\s*\d{5,6}(?:\.\d+)?\s*[,;/ ]\s*\d{5,7}(?:\.\d+)?\s*\)?"
LONLAT_PAIR = r"\(?\s*-?\d{1,2}\.\d+\s*[,; ]\s*-?\d{1,3}\.\d+\s*\)?"
GRID_REF = r"[HNOST][A-HJ-Z]\s*\d{1,5}\s*\d{1,5}"
WKT_POINT = r"(?:SRID=\d+;)?\s*POINT\s*Z?\s*\(.*\)"
AREA_WITH_UNIT = (
    r"(?:c\.?|approx\.?|about|~)?\s*[\d,.]+\s*"
    r"(m2|m²|sq\.?\s*m|sqm|square met(?:re|er)s?|sq\.?\s*ft|sqft|square feet|ft²|"
    r"ha|hectares?|acres?)\b.*"
)
MONEY = r"\s*£\s*[\d,.]+.*|[\d,.]+\s*(?:gbp|pounds)"
DATE = (
    r"\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}|\d{4}-\d{2}-\d{2}(?:[ T].*)?"
    r"|\d{1,2}\s+[A-Za-z]{3,9}\s+\d{4}"
)
HOUSE_NUMBER = r"[1-9]\d{0,3}\s*[A-Za-z]?(?:\s*-\s*\d+)?"
CODE = r"[A-Za-z0-9][A-Za-z0-9/_.:#\-]{0,23}"

VOCABULARY_FIELDS = {
    "tenure": TENURE, "use": USE_CLASS, "holding": HOLDING, "status": STATUS,
    "occupancy": OCCUPANCY,
}  # fmt: skip
NUMERIC_FIELDS = frozenset({
    "gia_m2", "nia_m2", "site_area_m2", "site_area_ha", "workstations", "occupants_fte",
    "rent", "rates", "fm_cost", "energy_cost", "maintenance_cost", "backlog_cost", "valuation",
    "x", "y",
})  # fmt: skip
DATE_FIELDS = frozenset({"valuation_date", "lease_end", "lease_break", "effective_date"})


@dataclass
class Profile:
    """What a column's sampled cells look like: shares (0 to 1) of cells of each kind.

    ``present`` is the share of the table's rows the column fills; ``distinct`` the
    share of distinct values among the sampled cells.
    """

    cells: int
    present: float
    distinct: float = 0.0
    median_length: float = 0.0
    shares: dict[str, float] = field(default_factory=dict)
    area_unit: str | None = None
    counter: bool = False
    """The values are 1, 2, 3 ... in order: the file's own row counter, not an identity."""

    def share(self, kind: str) -> float:
        return self.shares.get(kind, 0.0)


def sample_cells(values: pd.Series, size: int = SAMPLE_SIZE) -> pd.Series:
    """The first ``size`` non-empty cells of a column, as stripped text."""
    present = values[values.notna()]
    if len(present) > size * 4:
        present = present.iloc[: size * 4]
    text = present.astype(str).str.slice(0, CELL_CHARS).str.strip()
    text = text[(text != "") & ~text.str.lower().isin(["nan", "none", "null", "n/a", "-"])]
    return text.iloc[:size]


def _fullmatch(text: pd.Series, pattern: str, case: bool = False) -> float:
    if not len(text):
        return 0.0
    return float(text.str.fullmatch(pattern, case=case).fillna(False).mean())


def profile_column(values: pd.Series, rows: int) -> Profile:
    """Profile one column of a table from its first :data:`SAMPLE_SIZE` non-empty cells."""
    text = sample_cells(values)
    cells = len(text)
    present = float(values.notna().sum()) / rows if rows else 0.0
    if not cells:
        return Profile(cells=0, present=0.0)
    upper = text.str.upper().str.replace(r"\s+", " ", regex=True)
    numbers = pd.to_numeric(text.str.replace(r"[,\s]", "", regex=True), errors="coerce")
    numeric = numbers.notna()
    shares = {
        "postcode": _fullmatch(upper, POSTCODE),
        "outward": _fullmatch(upper, OUTWARD),
        "uprn": _fullmatch(text, UPRN),
        "numeric": float(numeric.mean()),
        "pair": _fullmatch(text, PAIR),
        "lonlat_pair": _fullmatch(text, LONLAT_PAIR),
        "grid_ref": _fullmatch(upper, GRID_REF),
        "wkt": _fullmatch(upper, WKT_POINT),
        "money": _fullmatch(text, MONEY),
        "date": _fullmatch(text, DATE),
        "code": _fullmatch(text, CODE),
        "letters": float(text.str.contains(r"[A-Za-z]{2}").mean()),
        "comma_words": float(text.str.contains(r"\w+.*,\s*\w+.*\w").mean()),
        "decimal": float(text.str.fullmatch(r"-?\d+\.\d+").mean()),
        "leading_zero": float(text.str.fullmatch(r"0\d+").mean()),
        "house_number": float(
            text.str.fullmatch(r"[1-9]\d{0,3}\s*[A-Za-z]?(?:\s*-\s*\d+)?").mean()
        ),
        "mixed_code": float(
            text.str.contains(r"[A-Za-z]").mean() * text.str.contains(r"\d").mean()
        ),
    }
    found = numbers[numeric].to_numpy(dtype=float)
    if len(found):
        share = len(found) / cells
        fractional = float(np.mean(found != np.round(found)))
        shares["easting"] = share * float(np.mean((found >= 1000) & (found <= 700_000)))
        shares["northing"] = share * float(np.mean((found >= 1000) & (found <= 1_300_000)))
        shares["latitude"] = (
            share * float(np.mean((found >= 49.8) & (found <= 60.95))) * (fractional > 0.5)
        )
        shares["longitude"] = (
            share * float(np.mean((found >= -8.7) & (found <= 1.9))) * (fractional > 0.5)
        )
        shares["big_numbers"] = share * float(np.median(np.abs(found)) >= 10_000)
    units = text.str.extract(AREA_WITH_UNIT, flags=2)[0].dropna().str.lower()
    area_unit = None
    if len(units):
        shares["area"] = len(units) / cells
        top = units.str.replace(r"[\s.]", "", regex=True).value_counts().index[0]
        area_unit = "ha" if top.startswith(("ha", "hect", "acre")) else "m2"
    for name, vocabulary in VOCABULARY_FIELDS.items():
        _, unknown = vocabulary.map(text)
        shares[f"vocab_{name}"] = 1.0 - float(unknown.mean())
    counter = False
    if shares["numeric"] == 1.0 and cells >= 3:
        ints = numbers.to_numpy(dtype=float)
        counter = bool(np.all(np.diff(ints) == 1) and ints[0] in (0.0, 1.0))
    return Profile(
        cells=cells,
        present=present,
        distinct=float(text.nunique()) / cells,
        median_length=float(text.str.len().median()),
        shares=shares,
        area_unit=area_unit,
        counter=counter,
    )


def _pct(share: float) -> str:
    return f"{round(100 * share)}%"


def content_scores(p: Profile) -> dict[str, tuple[float, str]]:
    """Evidence for fields from a column's values: field -> (score, reason). A negative
    score is a contradiction (the values cannot be that field), with its reason."""
    if p.cells < MIN_CELLS:
        return {}
    scores: dict[str, tuple[float, str]] = {}

    def give(field_name: str, score: float, reason: str) -> None:
        if score > scores.get(field_name, (-9.0, ""))[0]:
            scores[field_name] = (score, reason)

    postcode, outward = p.share("postcode"), p.share("outward")
    if postcode >= 0.5 or (postcode >= 0.1 and postcode + outward >= 0.6):
        share = postcode + outward
        give("postcode", 0.5 + 0.4 * min(share, 1.0), f"values are postcodes ({_pct(share)})")
    coordinates = max(p.share("pair"), p.share("grid_ref"), p.share("wkt"), p.share("lonlat_pair"))
    if coordinates >= 0.5:
        what = {
            p.share("pair"): "easting,northing pairs in one cell",
            p.share("grid_ref"): "OS grid references",
            p.share("wkt"): "WKT points",
            p.share("lonlat_pair"): "latitude,longitude pairs in one cell",
        }[coordinates]
        give("coordinates", 0.5 + 0.4 * coordinates, f"values are {what} ({_pct(coordinates)})")
    if p.share("longitude") >= 0.9:
        give("x", 0.5, f"values are longitudes in Great Britain ({_pct(p.share('longitude'))})")
    if p.share("latitude") >= 0.9:
        give("y", 0.5, f"values are latitudes in Great Britain ({_pct(p.share('latitude'))})")
    if p.share("big_numbers") and p.share("easting") >= 0.9:
        give("x", 0.45, f"values are eastings in Great Britain ({_pct(p.share('easting'))})")
    if p.share("big_numbers") and p.share("northing") >= 0.9:
        give("y", 0.45, f"values are northings in Great Britain ({_pct(p.share('northing'))})")
    if p.share("area") >= 0.5:
        target = "site_area_ha" if p.area_unit == "ha" else "gia_m2"
        unit = "hectares or acres" if p.area_unit == "ha" else "square metres or feet"
        give(target, 0.5, f"values are areas in {unit} ({_pct(p.share('area'))})")
    uprn = p.share("uprn")
    if uprn >= 0.9 and p.distinct >= 0.8 and p.median_length >= 5 and not p.counter:
        give("uprn", 0.4, f"values are whole numbers of up to 12 digits ({_pct(uprn)})")
    for name in VOCABULARY_FIELDS:
        share = p.share(f"vocab_{name}")
        if share >= 0.5:
            base = 0.3 if name == "use" else 0.4
            give(name, base + 0.4 * share, f"values are {name} words ({_pct(share)})")
    text_like = p.share("letters") >= 0.8 and postcode < 0.5
    if text_like and p.distinct >= 0.8 and 3 <= p.median_length <= 60:
        give("name", 0.4, f"values are distinct names ({_pct(p.distinct)} distinct)")
    if text_like and p.share("comma_words") >= 0.5 and p.median_length >= 12:
        give("address", 0.4, f"values are addresses ({_pct(p.share('comma_words'))})")
    identifier = (
        p.distinct >= 0.95 and p.share("code") >= 0.9 and p.median_length <= 20
        and p.present >= 0.8 and not p.counter and postcode < 0.5 and p.share("decimal") < 0.3
    )  # fmt: skip
    if identifier:
        strong = max(p.share("mixed_code"), p.share("leading_zero"))
        plain = p.share("numeric") >= 0.9 and not p.share("leading_zero")
        # Plain whole numbers may be a count, an easting or a UPRN as well as a code.
        weight = (0.3 if p.median_length < 4 else 0.35) if plain else 0.5 + 0.25 * strong
        give(
            "source_ref", weight,
            f"values are unique short codes ({_pct(p.distinct)} distinct)",
        )  # fmt: skip
    if p.share("house_number") >= 0.8 and not p.counter:  # agreeing with a header, not alone
        give("street_number", 0.3, f"values are house numbers ({_pct(p.share('house_number'))})")
    # Contradictions: what the values cannot be.
    if p.cells >= 5 and p.distinct < 0.5:
        scores["name"] = (-0.5, f"values repeat ({_pct(p.distinct)} distinct): a type, not a name")
    if p.cells >= 5 and p.distinct < 0.8 and "source_ref" not in scores:
        scores["source_ref"] = (-0.3, f"values repeat ({_pct(p.distinct)} distinct)")
    if p.counter:
        scores["source_ref"] = (-0.6, "values count the rows (1, 2, 3 ...)")
    numeric_like = p.share("numeric") + p.share("area") + p.share("money")
    if numeric_like < 0.5:
        for name in NUMERIC_FIELDS:
            if name not in scores:
                scores[name] = (-0.6, f"values are not numbers ({_pct(1 - numeric_like)})")
    if p.share("date") + p.share("numeric") < 0.3:
        for name in DATE_FIELDS:
            scores.setdefault(name, (-0.5, "values are not dates"))
    return scores
