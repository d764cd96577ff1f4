"""Plain words for people: each column's heading, each vocabulary code's label, each
body's display name, and the words of the audit trail (numbers, dates and times are
shown by :mod:`estate.display`).

The one place the pages, the popups, the command line's tables and the workbooks take
their words from, so that ``fire_station`` reads "Fire station" and ``RY2`` reads
"Bridgewater Community Healthcare NHS Trust" wherever a person reads them. Exports for
programs (``--format csv``, GeoJSON, the API) keep the stable machine names, which are
documented in the README.

>>> label("use_class", "fire_station")
'Fire station'
>>> body_display_name("FRS-E31000040", "Greater Manchester", "fire")
'Greater Manchester Fire and Rescue Service'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

import pandas as pd
from sqlalchemy import Connection, select

from estate.display import ISO_DATE, decimals, missing, show_day, show_money, show_number
from estate.vocab import ALL, BODY_KIND, QUALITY_FLAG, Vocabulary

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
    "body_kinds": "Kinds of body",
    "bodies": "Number of bodies",
    "other_body": "Other body",
    "other_name": "Other asset",
    "receiving_body": "Receiving body",
    "org": "Body",
    "kind": "Kind of body",
    "other_kind": "Other kind of body",
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
    "quality_flags": "Quality flags",
    "exit_asset_name": "Could close",
    "receiving_name": "Could move to",
    "receiving_note": "Note",
    "receiving_distance_m": "Distance to it (m)",
    "receiving_spare_m2": "Its spare space (m²)",
    "exit_asset_id": "Could close (asset id)",
    "with_neighbour": "With a neighbour",
    "uprn_pct": "With UPRN (%)",
    "located_pct": "Located (%)",
    "located_by_postcode_pct": "Located by postcode (%)",
    "floor_area_pct": "With floor area (%)",
    "costs_pct": "With costs (%)",
    "occupancy_pct": "With occupancy (%)",
    "outside_locality": "Outside the locality",
    "stale_dates": "Older than a year",
    "vacant_with_occupants": "Vacant, yet with occupants",
    "fte_without_area": "Occupants, no floor area",
    "newest_date": "Newest record",
    "horizon": "Horizon (years)",
    "horizon_years": "Horizon (years)",
    "relocation_cost_per_fte": "Relocation cost per FTE (£)",
    "refit_cost_per_m2": "Refit cost per m² (£)",
    "sale_cost_share": "Costs of sale (share of receipt)",
    "nia_per_fte_m2": "NIA per FTE (m²)",
    "ref": "Reference",
    "other_ref": "Other reference",
    "name_similarity": "Name similarity",
    "method": "Matched by",
    "move": "Move",
    "receiving_id": "Receiving asset id",
    "room_override": "Kept though the site has no room",
    "as_shown": "As shown",
}
_UNITS = (("_m2", "m²"), ("_pct", "%"), ("_fte", "FTE"), ("_gbp", "£"), ("_m", "m"))


# --- codes and their labels ------------------------------------------------------------

ROLE_LABELS = {"viewer": "Viewer", "editor": "Editor", "club_admin": "Club admin",
               "admin": "Administrator"}  # fmt: skip
MATCH_METHOD_LABELS = {"uprn": "the same UPRN", "proximity_name": "nearness and name"}
# The formats of ``estate load --format`` (estate.etl.sources), as a person names them.
SOURCE_FORMAT_LABELS = {
    "fire-assets": "Fire and rescue assets list",
    "fire-stations": "Home Office fire stations list",
    "nhs-eric": "NHS ERIC return",
    "partnership": "Partnership data return",
    "police": "police.uk stations list",
    "transparency": "Transparency Code assets list",
}
LOAD_STATUS_LABELS = {"running": "Running", "committed": "Loaded", "failed": "Failed",
                      "dry_run": "Trial run (nothing kept)"}  # fmt: skip
# A choice of every body of one kind (the pages' body filter; ``?body=nhs``).
BODY_GROUPS = {
    "council": "Every local authority",
    "nhs": "Every NHS body",
    "police": "Every police force",
    "fire": "Every fire and rescue service",
}
# Rows that stand for more than one body (the savings schedules, the area summaries).
SPECIAL_BODIES = {"PARTNERSHIP": "The partnership", "ALL": "All bodies"}


@cache
def vocabularies() -> dict[str, Mapping[str, str]]:
    """Column name -> {code: label}: every vocabulary a person may meet, by the column
    (or JSON property) that holds its codes. Shipped once to the map and club pages."""
    from estate.club.rules import OFFER_KIND_LABELS, STATUS_LABELS

    words: dict[str, Mapping[str, str]] = {c: v.words for c, v in ALL.items()}
    words.update(
        kind=BODY_KIND.words,
        other_kind=BODY_KIND.words,
        quality_flags=QUALITY_FLAG.words,
        role=ROLE_LABELS,
        method=MATCH_METHOD_LABELS,
        load_status=LOAD_STATUS_LABELS,
        format=SOURCE_FORMAT_LABELS,
        club_status=STATUS_LABELS,
        offer_kind=OFFER_KIND_LABELS,
    )
    return words


def label(column: str, code: object) -> str:
    """The label of ``code`` in the vocabulary of ``column`` ("" for nothing; a code the
    vocabulary does not hold as it is, so nothing a publisher wrote is hidden)."""
    if missing(code):
        return ""
    if isinstance(code, list | tuple):
        return ", ".join(label(column, c) for c in code)
    return vocabularies().get(column, {}).get(str(code), str(code))


def in_sentence(words: str) -> str:
    """A label as it reads inside a sentence: "Park or open space" -> "park or open
    space", but "NHS body" and "A: as new" keep their capitals."""
    if len(words) > 1 and (words[1].isupper() or not words[1].isalpha()):
        return words
    return words[:1].lower() + words[1:]


def sentence_labels(column: str, codes: pd.Series) -> pd.Series:
    """A column of codes as their labels read inside a sentence (each distinct code looked
    up once): ``fire_station`` -> "fire station"; nothing as ""."""
    words = {code: in_sentence(label(column, code)) for code in codes.dropna().unique()}
    return codes.astype(object).map(words).astype(object).fillna("")


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


# --- bodies ----------------------------------------------------------------------------

# Words kept in capitals when a name published in capitals is given its cases back.
_CAPITALS = {"NHS", "ICB", "CCG", "PCC", "GP", "UK", "CIC", "PFI", "LIFT", "II", "III"}
_SMALL = {"of", "and", "the", "for", "in", "on", "at", "to", "by"}


def _cased(name: str) -> str:
    words = []
    for i, word in enumerate(name.split()):
        if word.upper() in _CAPITALS:
            words.append(word.upper())
        elif i and word.lower() in _SMALL:
            words.append(word.lower())
        else:
            words.append("-".join(p[:1].upper() + p[1:].lower() for p in word.split("-")))
    return " ".join(words)


def body_display_name(code: str, name: str | None, kind: str | None) -> str:
    """The name a person reads for a body: its published name, given back its cases when
    it was published in capitals (NHS returns), and completed where a publisher gives a
    place alone (the Home Office's fire list says "Greater Manchester" for Greater
    Manchester Fire and Rescue Service). The code when there is no name."""
    words = " ".join(str(name or "").split())
    if not words:
        return SPECIAL_BODIES.get(code, code)
    if words.isupper():
        words = _cased(words)
    lower = words.lower()
    if kind == "fire" and "fire" not in lower:
        words += " Fire and Rescue Service"
    elif kind == "police" and not ("police" in lower or "constabulary" in lower):
        words += " Police"
    return words


def body_names(conn: Connection) -> dict[str, str]:
    """Every body's code -> display name (and the rows that stand for several bodies)."""
    from estate.models import Organisation

    rows = conn.execute(select(Organisation.code, Organisation.name, Organisation.kind)).all()
    return {**SPECIAL_BODIES, **{r.code: body_display_name(r.code, r.name, r.kind) for r in rows}}


def name_bodies(codes: object, names: Mapping[str, str]) -> str:
    """Body codes (one, a list, or joined by ", " as ``body_codes`` is) as their names."""
    if missing(codes):
        return ""
    items = codes.split(", ") if isinstance(codes, str) else list(codes)  # type: ignore[call-overload]
    return ", ".join(names.get(str(c), str(c)) for c in items)


# --- the audit trail -------------------------------------------------------------------

EVENT_WORDS = {
    ("asset", "load"): "Changed by a load",
    ("asset", "edit"): "Edited",
    ("load", "insert"): "Added by a load",
    ("asset", "recode"): "Re-coded by a load: the same asset under a new reference",
    ("asset", "retire"): "Retired: not in its body's newer register",
    ("asset", "unretire"): "Back in its body's register",
    ("need", "create"): "Need posted",
    ("need", "status"): "Need moved on",
    ("offer", "create"): "Offer posted",
    ("offer", "status"): "Offer moved on",
    ("user", "add"): "Account added",
    ("user", "enable"): "Account enabled",
    ("user", "disable"): "Account disabled",
    ("user", "role"): "Role changed",
    ("user", "reset link"): "Password reset link made",
    ("user", "password reset"): "Password set through a reset link",
    ("asset", "insert"): "Added in the web",
    ("asset", "dispose"): "Disposal recorded",
    ("surplus", "offer"): "Offered to the partners as surplus",
    ("surplus", "respond"): "Answered a surplus offer",
    ("surplus", "released"): "Released for disposal",
    ("surplus", "agreed"): "Surplus agreed to a partner",
    ("surplus", "withdrawn"): "Surplus offer withdrawn",
    ("conflict", "take file value"): "Conflict settled: the file's value taken",
    ("conflict", "keep web edit"): "Conflict settled: the web edit kept",
}
# Fields of events that are not an asset's form fields.
EVENT_FIELDS = {
    "geom": "Location",
    "location": "Location (easting, northing)",
    "inserted": "Assets added",
    "retired_at": "Retired on",
    "from_asset_id": "From asset",
    "agreed_offer_id": "Agreed on offer",
    "agreed_asset_id": "Agreed on asset",
    "needed_by": "Needed by",
    "disposed_on": "Disposed of on",
    "offered_on": "Offered on",
    "ends_on": "Partners may answer until",
    "working_days": "Working days offered",
    "interested": "Interested",
    "need_text": "The need it would meet",
    "agreed_with": "Agreed with",
    "available_from": "Available from",
    "available_until": "Available until",
    "valuation_basis": "Valuation basis",
    "use_raw": "Use as published",
    "tenure_raw": "Tenure as published",
    "occupancy_raw": "Occupancy as published",
    "holding_raw": "Holding as published",
    "easting": "Easting",
    "northing": "Northing",
}


def event_words(subject: str, action: str) -> str:
    """What an audit event did, in words: ("asset", "edit") -> "Edited"."""
    found = EVENT_WORDS.get((subject, action))
    return found or f"{subject} {action}".replace("_", " ").capitalize()


def field_heading(name: str) -> str:
    """The words for a field of an event or a conflict: the edit form's label where the
    field is on the form ("Occupants (FTE)"), else its heading."""
    from estate.editing import BY_NAME

    found = BY_NAME.get(name)
    return found.label if found else EVENT_FIELDS.get(name) or heading(name)


_POINT = re.compile(r"POINT\s*\(\s*([-\d.eE+]+)\s+([-\d.eE+]+)\s*\)")


def change_value(field: str, value: Any, subject: str = "asset") -> str:
    """One value of a change (before or after) as a person reads it: labels for codes,
    money in pounds, dates as dates, a point as its easting and northing, nothing as a
    dash. ``subject`` tells the club's statuses from an asset's."""
    from estate.editing import BY_NAME

    if missing(value) or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if field in ("geom", "footprint") and isinstance(value, str):
        point = _POINT.search(value)
        return f"{show_number(point[1])}, {show_number(point[2])}" if point else "an outline"
    if isinstance(value, list):
        return ", ".join(change_value(field, v, subject) for v in value)
    column = "club_status" if field == "status" and subject in ("need", "offer") else field
    column = "offer_kind" if field == "kind" and subject == "offer" else column
    if column in vocabularies() and isinstance(value, str):
        return label(column, value)
    kind = BY_NAME[field].kind if field in BY_NAME else None
    if isinstance(value, int | float):
        if kind == "money":
            return show_money(value, pence=True)
        if field.endswith("_id"):
            return str(value)
        return show_number(value, 1)
    if kind == "date" or ISO_DATE.match(str(value)):
        return show_day(value)
    return str(value)


# --- frames for people -----------------------------------------------------------------

# Columns holding body codes, one or joined by ", " (``body_codes``).
BODY_COLUMNS = ("body", "other_body", "receiving_body", "body_codes")


def label_codes(frame: pd.DataFrame, names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """``frame`` with vocabulary codes in its vocabulary columns given as their labels
    ("fire_station" -> "Fire station"), and, given ``names``, body codes as bodies'
    names; codes outside the vocabulary are kept as they are."""
    out = frame
    tables: dict[str, Mapping[str, str]] = {c: v.words for c, v in _COLUMN_VOCABULARIES.items()}
    tables.update(method=MATCH_METHOD_LABELS, format=SOURCE_FORMAT_LABELS)
    for column, words in tables.items():
        if column in frame.columns and not pd.api.types.is_numeric_dtype(frame[column]):
            if out is frame:
                out = frame.copy()
            values = frame[column].astype(object)
            out[column] = values.map(words).where(values.isin(words), values)
    for column, vocabulary in _JOINED_VOCABULARIES.items():
        if column in frame.columns and not pd.api.types.is_numeric_dtype(frame[column]):
            if out is frame:
                out = frame.copy()
            out[column] = [_joined_labels(v, vocabulary.words) for v in frame[column]]
    for column in BODY_COLUMNS if names else ():
        if column in frame.columns and not pd.api.types.is_numeric_dtype(frame[column]):
            if out is frame:
                out = frame.copy()
            out[column] = [
                None if missing(v) else name_bodies(v, names or {}) for v in frame[column]
            ]
    return out


# Kinds of body: the column is called "kind" where the frame is of bodies.
_COLUMN_VOCABULARIES: dict[str, Vocabulary] = {
    **ALL,
    "kind": BODY_KIND,
    "other_kind": BODY_KIND,
}


# Columns holding several codes: joined by ", " (kinds) or as a list (flags).
_JOINED_VOCABULARIES: dict[str, Vocabulary] = {
    "body_kinds": BODY_KIND,
    "quality_flags": QUALITY_FLAG,
}


def _joined_labels(value: object, words: Mapping[str, str]) -> object:
    if isinstance(value, str):
        return ", ".join(words.get(v, v) for v in value.split(", "))
    if isinstance(value, list | tuple):
        return ", ".join(words.get(str(v), str(v)) for v in value)
    return value


def for_people(
    frame: pd.DataFrame,
    money: Iterable[str] = (),
    names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """A frame ready for a person's spreadsheet or screen: numbers rounded to their unit,
    codes as labels and (given ``names``) bodies by name; the headings are given by
    :func:`heading` as the sheet or table is written."""
    money = list(money)
    out = label_codes(frame, names)
    for column in out.columns:
        places = decimals(column, column in money)
        if places is not None and pd.api.types.is_float_dtype(out[column]):
            if out is frame:
                out = frame.copy()
            out[column] = out[column].round(places)
    return out
