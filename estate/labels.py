"""Plain words for people: each column's heading and each vocabulary code's label, and
how finely each kind of number is shown.

The one place the workbooks (and anything else people read) take their words from.
Exports for programs (``--format csv``, GeoJSON, the API) keep the stable machine
names, which are documented in the README.
"""

from __future__ import annotations

import pandas as pd

from estate.vocab import ALL, BODY_KIND

# Columns whose heading is more than their name read aloud.
HEADINGS = {
    "id": "Asset id",
    "asset_id": "Asset id",
    "other_id": "Other asset id",
    "source_ref": "Reference",
    "uprn": "UPRN",
    "body": "Body",
    "body_name": "Body name",
    "body_codes": "Bodies",
    "org": "Body",
    "kind": "Kind of body",
    "use_class": "Use",
    "gia_m2": "Gross internal area (m²)",
    "nia_m2": "Net internal area (m²)",
    "site_area_m2": "Site area (m²)",
    "spare_m2": "Spare space (m²)",
    "need_m2": "Space needed (m²)",
    "usable_m2": "Usable space (m²)",
    "min_m2": "At least (m²)",
    "max_m2": "At most (m²)",
    "area_m2": "Area (m²)",
    "distance_m": "Distance (m)",
    "radius_m": "Within (m)",
    "occupants_fte": "Occupants (FTE)",
    "capacity_fte": "Capacity (FTE)",
    "x": "Easting",
    "y": "Northing",
    "other_x": "Other easting",
    "other_y": "Other northing",
    "lon": "Longitude",
    "lat": "Latitude",
    "share_pct": "Share (%)",
    "npv": "Net present value (£)",
    "location_method": "Located by",
    "listed_grade": "Listed grade",
}
_UNITS = (("_m2", "m²"), ("_pct", "%"), ("_fte", "FTE"), ("_gbp", "£"), ("_m", "m"))
# Kinds of body: the column is called "kind" where the frame is of bodies.
_VOCABULARIES = {**ALL, "kind": BODY_KIND, "other_kind": BODY_KIND}


def heading(column: object) -> str:
    """The heading people read for a column: ``spare_m2`` -> "Spare space (m²)"."""
    name = str(column)
    if name in HEADINGS:
        return HEADINGS[name]
    for suffix, unit in _UNITS:
        if name.endswith(suffix) and len(name) > len(suffix):
            words = name[: -len(suffix)].replace("_", " ").strip()
            return f"{words[:1].upper()}{words[1:]} ({unit})"
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def decimals(column: object, money: bool = False) -> int | None:
    """How many decimals a number in this column is worth showing (None: as it is).

    Areas to 0.1 m², distances to 0.1 m, shares to 0.1 %, money to the penny.
    """
    name = str(column)
    if money:
        return 2
    if name.endswith(("_m2", "_m", "_pct")) or name in ("x", "y", "other_x", "other_y"):
        return 1
    return None


def label_codes(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with vocabulary codes in its vocabulary columns given as their labels
    ("fire_station" -> "Fire station"); codes outside the vocabulary are kept as they are."""
    out = frame
    for column, vocabulary in _VOCABULARIES.items():
        if column in frame.columns and not pd.api.types.is_numeric_dtype(frame[column]):
            if out is frame:
                out = frame.copy()
            values = frame[column].astype(object)
            out[column] = values.map(vocabulary.words).where(values.isin(vocabulary.words), values)
    return out


def for_people(frame: pd.DataFrame, money: tuple[str, ...] | list[str] = ()) -> pd.DataFrame:
    """A frame ready for a person's spreadsheet: numbers rounded to their unit and codes
    as labels (the headings are given by :func:`heading` as the sheet is written)."""
    out = label_codes(frame)
    for column in out.columns:
        places = decimals(column, column in money)
        if places is not None and pd.api.types.is_float_dtype(out[column]):
            if out is frame:
                out = frame.copy()
            out[column] = out[column].round(places)
    return out
