"""Where each row is: its address, its postcode, and its point.

Publishers write a postcode in its own column, inside the address, or with words around
it; a row is placed by its coordinates, else by its postcode (:mod:`estate.etl.geocode`).
A row that cannot be placed is loaded unlocated and flagged, never dropped.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from estate import postcodes, values
from estate.etl import geocode
from estate.etl.validate.context import Context
from estate.etl.validate.problems import Problems

STANDARD_POSTCODE = f"{postcodes.OUTWARD} {postcodes.INWARD}"


def compose_address(raw: pd.DataFrame) -> pd.Series:
    """The file's address, else one made of number, street and town."""
    parts = raw[["street_number", "street"]].fillna("")
    line = (parts["street_number"] + " " + parts["street"]).str.strip()
    composed = line.where(line != "", None)
    with_town = composed.where(
        raw["town"].isna() | composed.isna(), composed + ", " + raw["town"].fillna("")
    )
    return raw["address"].where(raw["address"].notna(), with_town)


def find_postcodes(raw: pd.DataFrame) -> tuple[pd.Series, values.Parsed]:
    """Each row's postcode as published (its column, else found in its address) and as
    read: a postcode with words around it is taken from them and flagged
    ``postcode_in_text``."""
    index = raw.index
    postcode_text = raw["postcode"].where(
        raw["postcode"].notna(), geocode.postcode_from_address(raw["address"])
    )
    postcode = parse_postcodes(postcode_text)
    troubled = postcode.problem.notna()
    inside = geocode.first_postcode(postcode_text[troubled])
    embedded = troubled & inside.reindex(index).notna()
    if embedded.any():  # a postcode with words around it: take the first one, and say so
        again = geocode.normalise_postcode(inside[embedded[embedded].index])
        postcode.value[embedded] = again.value
        postcode.problem[embedded] = again.problem
        postcode.flag[embedded] = "postcode_in_text"
    return postcode_text, postcode


def parse_postcodes(text: pd.Series) -> values.Parsed:
    """Postcodes already in the standard form ("WA14 1PF") taken as they are, found by
    one regular expression in C++ (most are); the rest normalised, each distinct one once."""
    arrow = text.astype("string[pyarrow]")
    standard = arrow.str.fullmatch(STANDARD_POSTCODE).fillna(False).to_numpy(dtype=bool)
    parsed = by_distinct(text.where(~standard), geocode.normalise_postcode)
    if standard.any():
        parsed.value[standard] = arrow[standard].astype(object)
    return parsed


def by_distinct(series: pd.Series, parser) -> values.Parsed:
    """Run a parser on each distinct value once and spread the results back (postcodes,
    like most publishers' words, repeat)."""
    present = series.notna()
    distinct = pd.Series(pd.unique(series[present].astype(str)), dtype=object)
    parsed = parser(distinct)
    position = series.map(pd.Series(range(len(distinct)), index=distinct.to_numpy()))

    def spread(column: pd.Series | None) -> pd.Series:
        out = pd.Series([None] * len(series), index=series.index, dtype=object)
        if column is None or not present.any():
            return out
        taken = column.to_numpy(dtype=object)[position[present].astype(int).to_numpy()]
        out[present] = taken
        return out.where(out.notna(), None)

    return values.Parsed(spread(parsed.value), spread(parsed.problem), spread(parsed.flag))


def warn_unusable(
    raw: pd.DataFrame, out: pd.DataFrame, location_problem: pd.Series, problems: Problems
) -> None:
    """A warning for each row whose own coordinates were not used, naming the file's
    coordinate column and what became of the row (unlocated, or placed by its postcode)."""
    unusable = location_problem.notna()
    if not unusable.any():
        return
    pair = raw["x"].fillna("") + ", " + raw["y"].fillna("")
    value = raw["coordinates"].where(raw["coordinates"].notna(), pair)
    placed = out["location_method"].fillna("none") != "none"
    ending = pd.Series(np.where(placed, "; placed by its postcode instead",
                                "; loaded without a location"), index=raw.index)  # fmt: skip
    reason = pd.Series(None, index=raw.index, dtype=object)
    reason[unusable] = (location_problem[unusable] + ending[unusable]).astype(object)
    raw_field = "coordinates" if "coordinates" in problems.columns else "x"
    if "x" in problems.columns:
        raw_field = "x"
    problems.warn(raw_field, "coordinates", value.astype(object), reason)


UNLOCATED_REASONS = (
    "outside Great Britain", "coordinates not usable", "postcode not in the lookup",
    "postcode but no postcode lookup given", "postcode not valid", "no location given",
)  # fmt: skip
"""Why a record loads unlocated, in the order the summary counts them."""


def locate_rows(
    raw: pd.DataFrame,
    out: pd.DataFrame,
    problems: Problems,
    context: Context,
    geometry: pd.Series | None,
) -> tuple[pd.Series, pd.Series]:
    """Fill ``out``'s point (``x``, ``y``, ``location_method``) and footprint, flagging
    what is doubtful; returns why a row's own coordinates were not used (None where they
    were, or it gave none), and why a row is unlocated (None where it is located; see
    :data:`UNLOCATED_REASONS`)."""
    index = raw.index
    located = geocode.locate(
        x=raw["x"],
        y=raw["y"],
        crs=raw["crs"],
        coordinates=raw["coordinates"],
        postcode=out["postcode"],
        lookup=context.postcodes,
    )
    out["x"] = located["x"]
    out["y"] = located["y"]
    out["location_method"] = located["method"]
    problems.flag_values(located.get("flags"))
    location_problem = located["problem"]
    outside = located["outside"].fillna(False).astype(bool)
    problems.flag("coordinates_unusable", location_problem.notna() & ~outside)
    warn_unusable(raw, out, location_problem, problems)
    disagreement = located["disagreement"]
    if disagreement.notna().any():
        field = "coordinates" if "coordinates" in problems.columns else "x"
        problems.warn(field, "coordinates", raw["coordinates"].astype(object), disagreement)
    unlocated = unlocated_reasons(raw, out, location_problem, outside, context)
    if context.area is not None:
        problems.flag("outside_locality", geocode.outside_area(out["x"], out["y"], context.area))
    problems.flag("probable_centroid", geocode.flag_shared_points(out["x"], out["y"]))
    if geometry is not None:
        import shapely

        shapes = geometry.reindex(index).to_numpy()
        wkt = pd.Series(shapely.to_wkt(shapes, rounding_precision=2), index=index, dtype=object)
        out["footprint_wkt"] = wkt.where(wkt.notna(), None)
    return location_problem, unlocated


def unlocated_reasons(
    raw: pd.DataFrame,
    out: pd.DataFrame,
    location_problem: pd.Series,
    outside: pd.Series,
    context: Context,
) -> pd.Series:
    """Why each unlocated row is so, in the words of :data:`UNLOCATED_REASONS` (None for
    a located row): the first that applies."""
    unlocated = (out["location_method"].fillna("none") == "none").to_numpy(dtype=bool)
    has_postcode = out["postcode"].notna().to_numpy(dtype=bool)
    conditions = [
        outside.to_numpy(dtype=bool),
        location_problem.notna().to_numpy(dtype=bool),
        has_postcode & (context.postcodes is not None),
        has_postcode & (context.postcodes is None),
        raw["postcode"].notna().to_numpy(dtype=bool),
        np.ones(len(raw), dtype=bool),
    ]
    reason = np.select(conditions, list(UNLOCATED_REASONS), default=None)
    return pd.Series(np.where(unlocated, reason, None), index=raw.index, dtype=object)


def describe_unlocated(reasons: pd.Series) -> list[str]:
    """The summary's line on the records that load unlocated ("412 unlocated: 235 no
    location given, 170 postcode not in the lookup, 7 outside Great Britain")."""
    counts = reasons.dropna().value_counts()
    if counts.empty:
        return []
    parts = [f"{int(counts[r])} {r}" for r in UNLOCATED_REASONS if r in counts.index]
    return [f"{int(counts.sum())} unlocated: {', '.join(parts)}"]
