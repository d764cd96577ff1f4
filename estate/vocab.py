"""Controlled words of the terrier, and the synonyms publishers use for them.

Every publisher spells tenure, holding, use and condition its own way
("Freehold", "FREEHOLD", "Leasehold Out", "Land/Buildings"...). The database
keeps one canonical word per concept (enforced by CHECK constraints built from
these tuples) and the raw word beside it, so nothing a publisher wrote is lost
and every partner's records can be compared.

Mapping is vectorised: :meth:`Vocabulary.map` takes a pandas Series and returns
the canonical words and a mask of words it did not know.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

_SPACES = re.compile(r"[\s_\-/.,;:()\[\]]+")


def _key(word: str) -> str:
    """Normalise a word for lookup: lower case, punctuation and runs of space folded
    ("Leasehold (long)" reads as "leasehold long", "P.F.I." as "p f i")."""
    return _SPACES.sub(" ", word.replace("\xa0", " ").strip().lower()).strip()


def _mapped_by_dictionary(
    raw: pd.Series, lookup: dict[str, str]
) -> tuple[pd.Series, pd.Series] | None:
    """:meth:`Vocabulary.map` for a column of text alone (None for anything else): Arrow
    encodes the column as its distinct words and their positions, so each word is folded
    once in Python and the rest is gathers in C++, never a Python call per cell."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        array = pa.array(raw.array if isinstance(raw.dtype, pd.StringDtype) else raw,
                         type=pa.string(), from_pandas=True)  # fmt: skip
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None  # numbers or dates among the words: the general path handles them
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    encoded = pc.dictionary_encode(array)
    words = encoded.dictionary.to_pylist()
    positions = encoded.indices
    canonical = pa.array([lookup.get(_key(word)) for word in words], type=pa.string())
    canonical = canonical.take(positions)
    blank = pa.array([not word.strip() for word in words], type=pa.bool_()).take(positions)
    unknown = pc.and_(
        pc.and_(pc.is_valid(array), pc.is_null(canonical)), pc.invert(pc.fill_null(blank, True))
    )
    return (
        pd.Series(canonical.to_numpy(zero_copy_only=False), index=raw.index, dtype=object),
        pd.Series(
            np.asarray(unknown.to_numpy(zero_copy_only=False), dtype=bool), index=raw.index
        ),  # fmt: skip
    )


@dataclass(frozen=True)
class Vocabulary:
    """A controlled list of words, with labels for people and synonyms for publishers.

    Parameters
    ----------
    name
        What the words describe (used in messages: "unknown tenure 'Heritable'").
    words
        Canonical word -> label shown to people.
    synonyms
        Extra spellings (any case, spaces or punctuation) -> canonical word.
    """

    name: str
    words: dict[str, str]
    synonyms: dict[str, str] = field(default_factory=dict)

    @property
    def codes(self) -> tuple[str, ...]:
        """The canonical words, in order (for CHECK lists, form choices and messages)."""
        return tuple(self.words)

    @property
    def lookup(self) -> dict[str, str]:
        """Every accepted spelling (word, label or synonym, folded by :func:`_key`) -> its word."""
        table = {_key(w): w for w in self.words}
        table.update({_key(label): w for w, label in self.words.items()})
        table.update({_key(s): w for s, w in self.synonyms.items()})
        return table

    def check_sql(self, column: str) -> str:
        """The CHECK constraint expression that keeps ``column`` inside this vocabulary."""
        quoted = ", ".join("'" + w.replace("'", "''") + "'" for w in self.words)
        return f"{column} IN ({quoted})"

    def map_one(self, raw: str | None) -> str | None:
        """The canonical word for one raw word, or None when empty or unknown."""
        if raw is None or not str(raw).strip():
            return None
        return self.lookup.get(_key(str(raw)))

    def map(self, raw: pd.Series) -> tuple[pd.Series, pd.Series]:
        """Map a Series of raw words to canonical words, vectorised.

        Returns
        -------
        canonical, unknown
            ``canonical`` holds the canonical word or None; ``unknown`` is True where
            the raw value was non-empty but matched no word or synonym.
        """
        # Publishers use few distinct words: fold each distinct word once, then look up.
        fast = _mapped_by_dictionary(raw, self.lookup)
        if fast is not None:
            return fast
        present = raw.notna()
        distinct = pd.unique(raw[present].astype(str))
        lookup = self.lookup
        table = {word: lookup.get(_key(word)) for word in distinct}
        words = raw.astype(object).where(present, None)
        canonical = words.map(table, na_action="ignore").astype(object)
        canonical = canonical.where(canonical.notna(), None)
        blank = words.map({word: not word.strip() for word in distinct}, na_action="ignore")
        known = canonical.notna()
        unknown = (present & ~known & ~blank.eq(True)).astype(bool)
        return canonical, unknown


BODY_KIND = Vocabulary(
    "body kind",
    {
        "council": "Local authority",
        "nhs": "NHS body",
        "police": "Police",
        "fire": "Fire and rescue",
        "other": "Other public body",
    },
    {
        "local authority": "council",
        "la": "council",
        "borough council": "council",
        "health": "nhs",
        "nhs trust": "nhs",
        "icb": "nhs",
        "ccg": "nhs",
        "police force": "police",
        "constabulary": "police",
        "fire and rescue": "fire",
        "frs": "fire",
        "fire & rescue": "fire",
        # Publishers' words for kinds of body (ONS and NHS ODS organisation types).
        "county council": "council",
        "district council": "council",
        "city council": "council",
        "metropolitan borough council": "council",
        "unitary authority": "council",
        "combined authority": "council",
        "parish council": "council",
        "town council": "council",
        "nhs foundation trust": "nhs",
        "foundation trust": "nhs",
        "hospital trust": "nhs",
        "ambulance trust": "nhs",
        "ambulance service": "nhs",
        "mental health trust": "nhs",
        "community health trust": "nhs",
        "integrated care board": "nhs",
        "clinical commissioning group": "nhs",
        "nhs property services": "nhs",
        "police service": "police",
        "police and crime commissioner": "police",
        "pcc": "police",
        "fire service": "fire",
        "fire and rescue service": "fire",
        "fire authority": "fire",
        "fire and rescue authority": "fire",
    },
)

TENURE = Vocabulary(
    "tenure",
    {
        "freehold": "Freehold",
        "leasehold": "Leasehold",
        "licence": "Licence",
        "other": "Other",
    },
    {
        "fh": "freehold",
        "freehold owned": "freehold",
        "owned": "freehold",
        "heritable": "freehold",
        "lh": "leasehold",
        "long leasehold": "leasehold",
        "leased": "leasehold",
        "lease": "leasehold",
        "leasehold in": "leasehold",
        "rented": "leasehold",
        "license": "licence",
        "licensed": "licence",
        "leasehold long": "leasehold",
        "long lease": "leasehold",
        "short leasehold": "leasehold",
        "leasehold short": "leasehold",
        "short lease": "leasehold",
        "ll": "leasehold",
        "l h": "leasehold",
        "f h": "freehold",
        "lic": "licence",
        "licence in": "licence",
        "license in": "licence",
        "pfi": "other",
        "p f i": "other",
        "private finance initiative": "other",
        "pfi lift": "other",
        "lift": "other",
        "oth": "other",
        "others": "other",
    },
)

OCCUPANCY = Vocabulary(
    "occupancy",
    {
        "occupied": "Owner occupied",
        "let": "Let to others",
        "shared": "Shared with partners",
        "vacant": "Vacant",
        "other": "Other",
    },
    {
        "owner occupied": "occupied",
        "operational": "occupied",
        "in use": "occupied",
        "leasehold out": "let",
        "leased out": "let",
        "let out": "let",
        "tenanted": "let",
        "empty": "vacant",
        "unoccupied": "vacant",
        "void": "vacant",
        "vacant property": "vacant",
        "vacant building": "vacant",
        "leasehold in": "occupied",
    },
)

HOLDING = Vocabulary(
    "holding",
    {
        "land": "Land",
        "building": "Building",
        "land_and_building": "Land and buildings",
    },
    {
        "buildings": "building",
        "land buildings": "land_and_building",
        "land/buildings": "land_and_building",
        "land and buildings": "land_and_building",
        "land & buildings": "land_and_building",
        "site": "land_and_building",
        "property": "land_and_building",
        "land and permament buildings": "land_and_building",
        "land and permanent buildings": "land_and_building",
        "land only": "land",
    },
)

USE_CLASS = Vocabulary(
    "use",
    {
        "office": "Office",
        "depot": "Depot",
        "library": "Library",
        "leisure": "Leisure centre",
        "community_centre": "Community centre",
        "school": "School",
        "children_centre": "Children's centre",
        "care_home": "Care home",
        "health_centre": "Health centre",
        "hospital": "Hospital",
        "clinic": "Clinic",
        "ambulance_station": "Ambulance station",
        "fire_station": "Fire station",
        "police_station": "Police station",
        "custody": "Custody suite",
        "town_hall": "Town hall",
        "car_park": "Car park",
        "housing": "Housing",
        "commercial": "Commercial or investment",
        "heritage": "Museum or heritage",
        "cemetery": "Cemetery or crematorium",
        "open_space": "Park or open space",
        "allotment": "Allotment",
        "land": "Land",
        "training": "Training centre",
        "workshop": "Workshop or stores",
        "other": "Other",
    },
    {
        "offices": "office",
        "admin": "office",
        "administration": "office",
        "headquarters": "office",
        "hq": "office",
        "civic centre": "office",
        "stores": "workshop",
        "libraries": "library",
        "leisure centre": "leisure",
        "sports centre": "leisure",
        "swimming pool": "leisure",
        "community": "community_centre",
        "community hub": "community_centre",
        "hub": "community_centre",
        "youth centre": "community_centre",
        "academy": "school",
        "primary school": "school",
        "secondary school": "school",
        "childrens centre": "children_centre",
        "children's centre": "children_centre",
        "residential home": "care_home",
        "gp surgery": "health_centre",
        "surgery": "health_centre",
        "health centre": "health_centre",
        "medical centre": "health_centre",
        "community hospital": "hospital",
        "general acute hospital": "hospital",
        "acute": "hospital",
        "mental health": "hospital",
        "community services": "clinic",
        "ambulance": "ambulance_station",
        "fire station": "fire_station",
        "fire": "fire_station",
        "police station": "police_station",
        "police": "police_station",
        "custody suite": "custody",
        "town hall": "town_hall",
        "car park": "car_park",
        "parking": "car_park",
        "houses": "housing",
        "dwellings": "housing",
        "retail": "commercial",
        "shop": "commercial",
        "shops": "commercial",
        "industrial": "commercial",
        "investment": "commercial",
        "museum": "heritage",
        "memorial": "heritage",
        "crematorium": "cemetery",
        "parks": "open_space",
        "park": "open_space",
        "playing fields": "open_space",
        "managed allotments": "allotment",
        "allotments": "allotment",
        "vacant land": "land",
        "training": "training",
        "training centre": "training",
        "control centre": "office",
        "offices (technical fire safety)": "office",
        "store workshop": "workshop",
        "workshops": "workshop",
        "house": "housing",
        "specialist hospital (acute only)": "hospital",
        "mixed service hospital": "hospital",
        "mental health (including specialist services)": "hospital",
        "mental health and learning disabilities": "hospital",
        "learning disabilities": "hospital",
        "community hospital (with inpatient beds)": "hospital",
        "other inpatient": "hospital",
        "police enquiry office": "police_station",
        "front counter": "police_station",
        "station": "police_station",
    },
)

CONDITION = Vocabulary(
    "condition",
    {
        "A": "A: as new",
        "B": "B: sound, minor deterioration",
        "C": "C: operational, major repair needed",
        "D": "D: unsafe or near failure",
    },
    {
        "a as new": "A",
        "as new": "A",
        "good": "B",
        "sound": "B",
        "b(c)": "C",
        "fair": "C",
        "poor": "C",
        "bad": "D",
        "unsafe": "D",
        "d(c)": "D",
    },
)

STATUS = Vocabulary(
    "status",
    {
        "operational": "Operational",
        "under_used": "Under-used",
        "surplus": "Surplus",
        "in_disposal": "In disposal",
        "disposed": "Disposed",
    },
    {
        "in use": "operational",
        "occupied": "operational",
        "active": "operational",
        "underused": "under_used",
        "under utilised": "under_used",
        "underutilised": "under_used",
        "surplus to requirements": "surplus",
        "vacant": "surplus",
        "for sale": "in_disposal",
        "surplus for sale": "in_disposal",
        "on the market": "in_disposal",
        "disposal": "in_disposal",
        # Publishers' phrases for a site on its way out (issue 15 item 9).
        "in disposal process": "in_disposal",
        "disposal process": "in_disposal",
        "in disposal": "in_disposal",
        "under offer": "in_disposal",
        "being marketed": "in_disposal",
        "marketed": "in_disposal",
        "held for disposal": "in_disposal",
        "held for sale": "in_disposal",
        "awaiting disposal": "in_disposal",
        "declared surplus": "surplus",
        "surplus declared": "surplus",
        "surplus asset": "surplus",
        "vacant surplus": "surplus",
        "vacant and surplus": "surplus",
        "empty": "surplus",
        "sold": "disposed",
    },
)

LISTED = Vocabulary(
    "listed grade",
    {"I": "Grade I", "II*": "Grade II*", "II": "Grade II", "local": "Locally listed"},
    {
        "grade i": "I",
        "grade ii*": "II*",
        "grade ii": "II",
        "1": "I",
        "2*": "II*",
        "2": "II",
        "locally listed": "local",
    },
)

LOCATION_METHOD = Vocabulary(
    "location method",
    {
        "bng": "Easting and northing",
        "lonlat": "Longitude and latitude",
        "lonlat_swapped": "Latitude and longitude, swapped in the file",
        "polygon": "Centre of the published polygon",
        "postcode": "Postcode centroid",
        "postcode_district": "Postcode district centroid (coarse)",
        "matched": "Taken from a matched record",
        "manual": "Placed by hand",
        "none": "Unlocated",
    },
)

ALL = {
    "body_kind": BODY_KIND,
    "tenure": TENURE,
    "occupancy": OCCUPANCY,
    "holding": HOLDING,
    "use_class": USE_CLASS,
    "condition": CONDITION,
    "status": STATUS,
    "listed_grade": LISTED,
    "location_method": LOCATION_METHOD,
}
"""Column name -> vocabulary; the migrations build CHECK constraints from this."""


# Not stored under a CHECK constraint (a load may add a flag without a migration), but
# shown to people: the words for the flags a load sets on a record (``quality_flags``).
QUALITY_FLAG = Vocabulary(
    "quality flag",
    {
        "uprn_invalid": "UPRN not valid",
        "uprn_excel_mangled": "UPRN recovered from a spreadsheet's rounding",
        "postcode_invalid": "Postcode not valid",
        "postcode_in_text": "Postcode found in the address",
        "postcode_outward_only": "Only the first half of the postcode",
        "postcode_corrected": "Postcode corrected",
        "use_from_name": "Use read from the name",
        "coordinates_unusable": "Coordinates unusable",
        "outside_locality": "Outside the locality",
        "probable_centroid": "Probably a shared point (a postcode or a town centre)",
        "reference_generated": "No reference in the file: one was made",
        "reference_repeated": "Its reference is on another row with different details: "
        "loaded under a distinct one for a person to settle",
        "location_from_postcode": "Placed at its postcode",
        "latlon_swapped": "Latitude and longitude were swapped in the file",
        "location_coarse": "Placed only roughly (postcode district)",
        "generalised": "Shown only as a square (a sensitive site)",
        **{
            f"unknown_{column}": f"{v.name[:1].upper()}{v.name[1:]} not recognised"
            for column, v in ALL.items()
        },
    },
)


# Words in an asset's name that say its use, for registers that publish no use (most of
# Trafford's). Checked in this order, so "Library Car Park" is a car park and "Sale
# Health Centre" a health centre; whole words only, case ignored.
USE_FROM_NAME: tuple[tuple[str, str], ...] = (
    ("car park", "car_park"),
    ("allotment", "allotment"),
    ("cemetery", "cemetery"),
    ("crematorium", "cemetery"),
    ("police station", "police_station"),
    ("fire station", "fire_station"),
    ("ambulance station", "ambulance_station"),
    ("custody", "custody"),
    ("hospital", "hospital"),
    ("health centre", "health_centre"),
    ("medical centre", "health_centre"),
    ("clinic", "clinic"),
    ("care home", "care_home"),
    ("children's centre", "children_centre"),
    ("childrens centre", "children_centre"),
    ("primary school", "school"),
    ("high school", "school"),
    ("school", "school"),
    ("academy", "school"),
    ("leisure centre", "leisure"),
    ("sports centre", "leisure"),
    ("swimming pool", "leisure"),
    ("baths", "leisure"),
    ("library", "library"),
    ("community centre", "community_centre"),
    ("community hub", "community_centre"),
    ("town hall", "town_hall"),
    ("depot", "depot"),
    ("museum", "heritage"),
    ("offices", "office"),
    ("office", "office"),
    ("house", None),  # "X House" says nothing: stop before "park" and the rest
    ("playing fields", "open_space"),
    ("park", "open_space"),
    ("gardens", "open_space"),
    ("land at", "land"),
    ("land adj", "land"),
)
