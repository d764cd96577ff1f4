"""The row rules in order: a source's raw fields in, records to load and rejections out.

Each step fills its columns of the records and reports to one :class:`Problems
<estate.etl.validate.problems.Problems>`, in a fixed order, so that a row's flags and
rejections always read the same way: who holds it, identity and address, words, the
yes/no, numbers, money and dates, where it is, its reference, the extra fields; then
rejected rows are set aside and repeated references merged or told apart.
"""

from __future__ import annotations

import logging

import pandas as pd
import pyarrow as pa

from estate import values
from estate.etl.load import EXTRA_PREFIX, STAGING_COLUMNS, Prepared
from estate.etl.sources.base import RAW_FIELDS, Extracted
from estate.etl.validate.context import Context
from estate.etl.validate.counts import describe_fields
from estate.etl.validate.duplicates import find_duplicates
from estate.etl.validate.fields import TEXT_FIELDS, supplied_columns
from estate.etl.validate.identity import derive_references
from estate.etl.validate.measures import left_out, parse_measures, warn_cell
from estate.etl.validate.organisations import find_organisations
from estate.etl.validate.places import (
    compose_address,
    describe_unlocated,
    find_postcodes,
    locate_rows,
)
from estate.etl.validate.problems import Problems
from estate.etl.validate.totals import describe_total_rows, find_total_rows
from estate.etl.validate.words import map_words

logger = logging.getLogger(__name__)


def prepare(extracted: Extracted, context: Context) -> Prepared:
    """Turn a source's raw fields into records to load, rejections and merged rows."""
    extra_columns = [c for c in extracted.raw.columns if c.startswith(EXTRA_PREFIX)]
    index = extracted.raw.index
    raw = pd.DataFrame({"_row": extracted.raw["_row"]}, index=index)
    not_given: dict[str, int] = {}
    for column in RAW_FIELDS:
        # Arrow strings from here on: the vectorised steps below run in C++ on them.
        if column in extracted.raw.columns:
            raw[column], not_given[column] = values.nullify_counting(
                extracted.raw[column].astype("string[pyarrow]")
            )
        else:  # a field the file does not have: nulls, made by Arrow without a cell each
            empty = pd.arrays.ArrowStringArray(pa.nulls(len(index), pa.string()))
            raw[column] = pd.Series(empty, index=index, dtype="string[pyarrow]")
    rows = raw["_row"].astype("int64")
    problems = Problems(index, rows, context.columns)
    out = pd.DataFrame({"_row": rows}, index=index)

    for column in TEXT_FIELDS:
        raw[column] = values.normalise_text(raw[column])

    # Rows that add up the others name no site, and no body either.
    totals = find_total_rows(raw)
    notes = describe_total_rows(totals)

    # Who holds it (worked out from the rows that are records)
    in_totals = raw["_row"].isin(totals["_row"]) if len(totals) else None
    bodies_raw = (
        raw
        if in_totals is None
        else raw.assign(
            name=raw["name"].where(~in_totals), source_ref=raw["source_ref"].where(~in_totals)
        )
    )
    organisations, out["org_code"], body_notes = find_organisations(bodies_raw, context)
    notes = body_notes + notes
    if len(totals):
        bodies = out.loc[~out["_row"].isin(totals["_row"]), "org_code"]
        organisations = organisations[organisations["code"].isin(bodies)].reset_index(drop=True)

    # Identity and address
    uprn = values.parse_uprn(raw["uprn"])
    out["uprn"] = uprn.text
    out["uprn_number"] = uprn.number
    problems.flag_values(uprn.flag)
    problems.flag("uprn_invalid", uprn.problem.notna())
    out["name"] = raw["name"]
    out["address"] = compose_address(raw)
    out["town"] = raw["town"]
    postcode_text, postcode = find_postcodes(raw)
    out["postcode"] = postcode.value
    problems.flag_values(postcode.flag)
    problems.flag("postcode_invalid", postcode.problem.notna())

    # Words, the energy rating and the yes/no
    unmapped: dict[str, int] = {}
    notes += map_words(raw, out, problems, unmapped)
    out["energy_rating"] = raw["energy_rating"].str.upper().str.slice(0, 3)
    sensitive = values.parse_bool(raw["sensitive"])
    warn_cell("sensitive", "sensitive", raw["sensitive"], [left_out(sensitive.problem)], out,
              problems)  # fmt: skip
    out["sensitive"] = sensitive.value

    # Numbers, money and dates: a value that is not what it should be is left out, warned of.
    parse_measures(raw, out, problems)

    # Where
    location_problem, unlocated = locate_rows(raw, out, problems, context, extracted.geometry)
    present = set(extracted.raw.columns)
    if context.postcodes is not None and "postcode" in present:
        present.add("x")  # the postcode places the record: it supplies the location
    # A file that gives no location leaves the register's points as they are: its records
    # are not called unlocated (the assets may well be placed).
    locating = bool(present & {"x", "coordinates"})
    if locating:
        problems.flag("unlocated", unlocated.notna(), first=True)

    # Reference: the file's, else one derived from what the record is (stable, distinct).
    reference = raw["source_ref"].astype(object)
    missing_ref = reference.isna()
    if missing_ref.any():
        derived = derive_references(raw, out, missing_ref)
        reference = reference.where(~missing_ref, derived.reindex(reference.index))
        problems.flag("reference_generated", missing_ref)
    out["source_ref"] = reference

    # Extra fields the model has no column for: kept with the asset.
    for column in extra_columns:
        out[column] = values.normalise_text(values.nullify(extracted.raw[column].astype(object)))
    out["extra.location_problem"] = location_problem
    out["extra.postcode_as_published"] = postcode_text.where(postcode.problem.notna(), None)

    problems.flag("field_warnings", out["_row"].isin(problems.warned_frame()["_row"]))
    out["quality_flags"] = problems.joined_flags()
    rejections = problems.rejected_frame()
    rejections = pd.concat([extracted.excluded, totals, rejections], ignore_index=True)

    rejected_rows = set(rejections["_row"].astype("int64"))
    keep = ~out["_row"].isin(rejected_rows)
    records = out.loc[keep]
    records, merged, repeated = find_duplicates(records)
    warnings = collect_warnings(problems, context, set(rejections["_row"].astype("int64")))
    if len(repeated):
        warnings = pd.concat([warnings, repeated], ignore_index=True).sort_values(
            ["_row"], kind="stable", ignore_index=True
        )
    notes += describe_fields(not_given, unmapped, warnings, context.columns)
    if locating and context.mode != "supplement":
        notes += describe_unlocated(unlocated.reindex(records.index))
    elif not locating:
        # Nothing in the file places its records: say so, and how to place them by
        # postcode (a reload keeps the points its assets already have).
        notes += unlocated_note(out, raw, context)
    merged = pd.concat([extracted.merged, merged], ignore_index=True)
    records = records.reindex(
        columns=list(STAGING_COLUMNS) + [c for c in records.columns if c.startswith(EXTRA_PREFIX)]
    )
    return Prepared(
        supplied=supplied_columns(present),
        mode=context.mode,
        source_file=context.source_file,
        source_format=context.source_format,
        rows_read=extracted.rows_read,
        records=records,
        organisations=organisations,
        rejections=rejections.sort_values(["_row"], kind="stable", ignore_index=True).assign(
            kind="rejection"
        ),
        merged=merged,
        options=dict(context.options or {}),
        warnings=warnings.assign(kind="warning"),
        notes=notes,
    )


def unlocated_note(out: pd.DataFrame, raw: pd.DataFrame, context: Context) -> list[str]:
    """The summary's line on records no point places (they load unlocated), and how to
    place them where their postcodes could."""
    unlocated = int(out["location_method"].isna().sum() + (out["location_method"] == "none").sum())
    if not unlocated or context.mode == "supplement":
        return []
    line = f"{unlocated} unlocated (no coordinates that place them)"
    if context.postcodes is None and raw["postcode"].notna().any():
        line += "; give --postcodes FILE, a postcode lookup, to place them by their postcodes"
    return [line]


def collect_warnings(problems: Problems, context: Context, rejected: set[int]) -> pd.DataFrame:
    """The reader's warnings, then the rows' own, by row: the rows' only for records that
    load (a rejected row's reason is its rejection; what it would have lost is moot)."""
    from_file = pd.DataFrame(
        [(w.row, w.field, w.value, w.reason) for w in context.file_warnings],
        columns=["_row", "field", "value", "reason"],
    )
    from_rows = problems.warned_frame()
    from_rows = from_rows[~from_rows["_row"].astype("int64").isin(rejected)]
    frames = [frame for frame in (from_file, from_rows) if len(frame)]
    if not frames:
        return problems.warned_frame()
    warnings = pd.concat(frames, ignore_index=True)
    return warnings.sort_values(["_row"], kind="stable", ignore_index=True)
