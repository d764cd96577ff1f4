"""What publishers call each raw field: one synonym table, and the header words they are read in.

Kept in one place, so that a header word learnt from one publisher's file helps every
other's. A header is read as words (:func:`header_words`): any case and separators,
CamelCase split (``SiteArea_ha`` is "site area ha"), the reader's ``__2`` suffix for a
repeated name dropped, and the units it names (``(m²)``, ``(ha)``, ``_sqm``) set aside as
a unit, which then helps choose between fields alike but for their unit (a site area in
hectares or in square metres). Common abbreviations are read as the word (``Bldg`` is
"building", ``Ref`` is "reference").

A synonym is a phrase of header words. :func:`header_score` scores a header against a
field: 1 for a header that is exactly one of the field's phrases, less for a header that
holds a phrase among other words (the more other words, the less), 0 otherwise.
Declarations first; the two small functions that read them follow.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

ABBREVIATIONS: dict[str, str] = {
    "bldg": "building", "bldgs": "buildings", "blding": "building", "ref": "reference",
    "refs": "reference", "no": "number", "num": "number", "nbr": "number", "addr": "address",
    "add": "address", "desc": "description", "prop": "property", "props": "property",
    "pcode": "postcode", "pc": "postcode", "zip": "postcode", "st": "street", "rd": "road",
    "lat": "latitude", "lon": "longitude", "lng": "longitude", "long": "longitude",
    "id": "identifier", "ident": "identifier", "org": "organisation", "orgs": "organisation",
    "organization": "organisation", "co": "coordinate", "ord": "ordinate",
    "coord": "coordinate", "coords": "coordinates", "val": "valuation", "qty": "quantity",
    "eastings": "easting", "northings": "northing", "postcodes": "postcode",
    "premise": "premises", "hectare": "ha", "hectares": "ha", "acre": "acres",
}  # fmt: skip
"""A header word as written -> the word it stands for."""

UNIT_WORDS: dict[str, str] = {
    "m2": "m2",
    "m²": "m2",
    "sqm": "m2",
    "sqmetres": "m2",
    "sqmeters": "m2",
    "ha": "ha",
    "acres": "acres",
    "sqft": "sqft",
    "ft2": "sqft",
    "gbp": "gbp",
    "£": "gbp",
}
"""Header words that name a unit -> the unit."""

STOP_WORDS = frozenset({"of", "the", "a", "an", "in", "for", "to", "at", "by", "on"})

PHRASES: dict[str, tuple[str, ...]] = {
    "org_code": ("organisation code", "body code", "trust code", "authority code",
                 "council code", "force", "force identifier", "frs code", "ods code"),
    "org_name": ("organisation", "organisation name", "organisation label", "body",
                 "body name", "council", "authority", "local authority", "trust",
                 "trust name", "owner", "publisher", "fire and rescue service",
                 "police force", "service name"),
    "org_kind": ("body kind", "organisation type", "body type", "sector"),
    "org_uri": ("organisation uri", "organisation url"),
    "source_ref": ("reference", "asset reference", "asset code", "asset identifier",
                   "asset number", "property reference", "property code",
                   "property identifier", "property number", "site reference", "site code",
                   "site identifier", "site number", "building reference",
                   "building identifier", "building code", "unique reference",
                   "unique identifier", "identifier", "code", "station number",
                   "station code", "number", "premises reference", "premises identifier",
                   "unique asset identity", "object identifier", "fid", "gid"),
    "uprn": ("uprn", "unique property reference number", "uprn number"),
    "name": ("name", "site name", "asset name", "property name", "building name",
             "premises name", "name of premises", "station name", "station", "premises",
             "site", "property", "building", "establishment", "facility", "location name",
             "title", "place name"),
    "address": ("address", "full address", "site address", "property address",
                "postal address", "station address", "address line 1", "location address"),
    "street_number": ("street number", "building number", "house number", "door number",
                      "number"),
    "street": ("street", "street name", "road", "road name", "thoroughfare"),
    "town": ("town", "post town", "city", "locality", "village", "town city"),
    "postcode": ("postcode", "post code", "postal code", "station postcode"),
    "use": ("use", "primary use", "current use", "asset type", "property type", "site type",
            "building type", "premises type", "type of premises", "type", "category",
            "asset category", "asset class", "class", "service", "function", "purpose",
            "other detail", "usage", "use class", "description", "asset description",
            "station type"),
    "tenure": ("tenure", "tenure type", "type of tenancy", "tenancy", "ownership",
               "freehold leasehold", "interest", "tenure status"),
    "occupancy": ("occupancy", "occupation", "tenure detail", "occupier", "occupied by"),
    "holding": ("holding", "holding type", "land or buildings", "land or building",
                "land buildings", "land only land and buildings", "asset form",
                "land building"),
    "status": ("status", "asset status", "property status", "operational status",
               "disposal status", "surplus"),
    "condition": ("condition", "condition grade", "condition rating", "condition category"),
    "listed_grade": ("listed grade", "listed", "listing", "listed building grade",
                     "heritage grade"),
    "energy_rating": ("energy rating", "epc", "epc rating", "dec rating", "energy band",
                      "energy performance rating", "epc band"),
    "sensitive": ("sensitive", "sensitivity", "restricted", "confidential"),
    "x": ("x", "easting", "geo x", "x coordinate", "x co ordinate", "map east", "longitude",
          "x easting", "grid easting", "os easting", "point x", "east", "eastings"),
    "y": ("y", "northing", "geo y", "y coordinate", "y co ordinate", "map north", "latitude",
          "y northing", "grid northing", "os northing", "point y", "north"),
    "crs": ("crs", "coordinate reference system", "spatial reference", "srid", "epsg",
            "projection"),
    "coordinates": ("coordinates", "coordinate", "co ordinates", "grid reference",
                    "os grid reference", "grid ref", "location", "map reference",
                    "easting northing", "eastings northings", "geometry", "wkt", "point"),
    "gia_m2": ("gia", "gross internal area", "gross internal floor area", "floor area",
               "building size", "building area", "gross floor area", "gfa",
               "floorspace", "floor space", "internal area", "building gia", "gia m2",
               "size of premises", "gross internal site floor area", "total floor area"),
    "nia_m2": ("nia", "net internal area", "net floor area", "net internal floor area",
               "net lettable area", "nla"),
    "site_area_m2": ("site area m2", "land area m2", "plot area m2"),
    "site_area_ha": ("site area", "land area", "site area ha", "land area ha", "area ha",
                     "hectares", "ha", "plot area", "size of land", "site size",
                     "land size", "site land area", "land area owned", "acreage"),
    "workstations": ("workstations", "desks", "number of desks", "desk count"),
    "occupants_fte": ("occupants", "fte", "staff", "headcount", "occupants fte",
                      "staff fte", "number of staff"),
    "rent": ("rent", "annual rent", "rent paid", "rental", "passing rent", "rent payable"),
    "rates": ("rates", "business rates", "nndr", "rateable value", "rates payable"),
    "fm_cost": ("fm", "fm cost", "facilities management", "facilities management cost",
                "soft fm", "hard fm"),
    "energy_cost": ("energy cost", "energy costs", "energy", "utilities", "utility costs"),
    "maintenance_cost": ("maintenance", "maintenance cost", "maintenance costs",
                         "repairs and maintenance", "planned maintenance"),
    "backlog_cost": ("backlog", "backlog maintenance", "backlog cost",
                     "required maintenance", "required maintenance costs",
                     "maintenance backlog"),
    "valuation": ("valuation", "value", "asset value", "book value", "current value",
                  "market value", "valuation amount", "nbv", "net book value"),
    "valuation_basis": ("valuation basis", "basis of valuation", "basis", "valuation method"),
    "valuation_date": ("valuation date", "date of valuation", "valued on"),
    "lease_end": ("lease end", "lease end date", "lease expiry", "lease expiry date",
                  "expiry date", "lease ends"),
    "lease_break": ("lease break", "break date", "lease break date", "break clause"),
    "effective_date": ("effective date", "as at", "as at date", "date of data", "data date",
                       "snapshot date", "date"),
}  # fmt: skip
"""Raw field -> the phrases publishers head it with (in header words)."""

EXTRA_HEADERS = frozenset({"row", "row number", "line", "serial", "index", "fid"})
"""Headers of a file's own row counter: never its records' identity."""

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SPLIT = re.compile(r"[^a-z0-9²£]+")


def header_words(header: object) -> tuple[tuple[str, ...], str | None]:
    """A header as words (abbreviations read, units and stop words set aside) and its unit.

    >>> header_words("Bldg_GIA_sqm")
    (('building', 'gia'), 'm2')
    >>> header_words("SiteArea_ha")
    (('site', 'area'), 'ha')
    >>> header_words("X (easting)")
    (('x', 'easting'), None)
    """
    text = re.sub(r"__\d+$", "", str(header).replace("\xa0", " "))
    text = _CAMEL.sub(" ", text).lower()
    text = re.sub(r"\bsq\.?\s*(m|metres?|meters?)\b", " sqm ", text)
    text = re.sub(r"\bsq\.?\s*(ft|feet)\b", " sqft ", text)
    text = text.replace("m²", " m2 ").replace("£", " £ ")
    words: list[str] = []
    unit = None
    for word in _SPLIT.split(text):
        if not word:
            continue
        word = ABBREVIATIONS.get(word, word)
        if word in UNIT_WORDS:
            unit = unit or UNIT_WORDS[word]
            continue
        if word in STOP_WORDS:
            continue
        words.append(word)
    return tuple(words), unit


def phrase_words(phrase: str) -> tuple[str, ...]:
    """A synonym phrase as header words (read the same way as a header)."""
    return header_words(phrase)[0]


def _contains(words: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(words[i : i + n] == phrase for i in range(len(words) - n + 1))


def header_score(words: tuple[str, ...], phrases: Iterable[tuple[str, ...]]) -> float:
    """How well a header's words fit one of a field's phrases, 0 to 1.

    1 for the phrase itself; a header holding the phrase among other words scores
    0.45 + 0.45 x the share of its words the phrase covers ("site name" in "site name
    as published": 0.75); nothing else scores.
    """
    best = 0.0
    for phrase in phrases:
        if not phrase:
            continue
        if words == phrase:
            return 1.0
        if len(phrase) < len(words) and _contains(words, phrase):
            best = max(best, 0.45 + 0.45 * len(phrase) / len(words))
    return best


FIELD_PHRASES: dict[str, tuple[tuple[str, ...], ...]] = {
    field: tuple(phrase_words(p) for p in phrases) for field, phrases in PHRASES.items()
}
""":data:`PHRASES` read as header words, once."""
