"""Row rules shared by every source: raw text in, typed records and rejections out.

A source says where its publisher put things (:class:`estate.etl.sources.base.Extracted`);
this module decides what the text means, the same way for every publisher:

* **Rejected** (with file, row, field and a reason a person can act on): a value
  that should be a number, a date or a yes/no and is not; an asset reference that
  appears again in the same file with different details.
* **Loaded and flagged**: a word the vocabulary does not know (kept raw), an
  unusable postcode or UPRN, coordinates that make no point (the record is loaded
  unlocated, never dropped), a point outside the locality, a point shared by several
  records (a probable centroid).
* **Merged**: a row that repeats another row of the file exactly.

Everything is vectorised over the whole file.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from estate import values
from estate.etl import geocode
from estate.etl.load import EXTRA_PREFIX, STAGING_COLUMNS, Prepared
from estate.etl.sources.base import RAW_FIELDS, Extracted, slug
from estate.vocab import BODY_KIND, CONDITION, HOLDING, LISTED, OCCUPANCY, STATUS, TENURE, USE_CLASS

logger = logging.getLogger(__name__)

TEXT_FIELDS = ("source_ref", "name", "address", "street_number", "street", "town", "org_name",
               "org_code", "valuation_basis", "energy_rating")  # fmt: skip
NUMBER_FIELDS = ("gia_m2", "nia_m2", "site_area_m2", "site_area_ha", "workstations",
                 "occupants_fte")  # fmt: skip
MONEY_FIELDS = ("rent", "rates", "fm_cost", "energy_cost", "maintenance_cost", "backlog_cost",
                "valuation")  # fmt: skip
DATE_FIELDS = ("valuation_date", "lease_end", "lease_break", "effective_date")
VOCABULARIES = {
    "tenure": TENURE,
    "occupancy": OCCUPANCY,
    "holding": HOLDING,
    "use": USE_CLASS,
    "status": STATUS,
    "condition": CONDITION,
    "listed_grade": LISTED,
}
# Field names a person reads in a rejection (the publisher's words where there is one).
LABELS = {
    "gia_m2": "gross internal area",
    "nia_m2": "net internal area",
    "site_area_m2": "site area",
    "site_area_ha": "site area",
    "occupants_fte": "occupants (FTE)",
    "fm_cost": "facilities management cost",
    "source_ref": "asset reference",
}


@dataclass
class Context:
    """What the validation needs beyond the file: who it belongs to and where the locality is.

    Attributes
    ----------
    source_file
        The file's name, for messages.
    source_format
        The source format's name.
    organisation
        ``--org CODE``: every row belongs to this body.
    default_kind
        Kind of a body the file names but the register does not know.
    postcodes
        A postcode lookup (``estate.etl.geocode.load_postcode_lookup``), or None.
    area
        The locality (a shapely polygon in the storage CRS, or an ``(xmin, ymin, xmax,
        ymax)`` box) against which points are checked, or None.
    """

    source_file: str
    source_format: str
    organisation: str | None = None
    organisation_name: str | None = None
    default_kind: str = "other"
    postcodes: pd.DataFrame | None = None
    area: Any = None
    options: Mapping[str, Any] | None = None
    mode: str = "register"


# Raw field -> the asset columns it supplies (a load writes only what its file supplies).
SUPPLIES: dict[str, tuple[str, ...]] = {
    "uprn": ("uprn", "uprn_number"),
    "name": ("name",),
    "address": ("address",),
    "street": ("address",),
    "street_number": ("address",),
    "town": ("town",),
    "postcode": ("postcode",),
    "use": ("use_class", "use_raw"),
    "tenure": ("tenure", "tenure_raw"),
    "occupancy": ("occupancy", "occupancy_raw"),
    "holding": ("holding", "holding_raw"),
    "status": ("status",),
    "condition": ("condition",),
    "listed_grade": ("listed_grade",),
    "energy_rating": ("energy_rating",),
    "sensitive": ("sensitive",),
    "x": ("location",),
    "coordinates": ("location",),
    "gia_m2": ("gia_m2",),
    "nia_m2": ("nia_m2",),
    "site_area_m2": ("site_area_m2",),
    "site_area_ha": ("site_area_m2",),
    "workstations": ("workstations",),
    "occupants_fte": ("occupants_fte",),
    "rent": ("rent",),
    "rates": ("rates",),
    "fm_cost": ("fm_cost",),
    "energy_cost": ("energy_cost",),
    "maintenance_cost": ("maintenance_cost",),
    "backlog_cost": ("backlog_cost",),
    "valuation": ("valuation",),
    "valuation_basis": ("valuation_basis",),
    "valuation_date": ("valuation_date",),
    "lease_end": ("lease_end",),
    "lease_break": ("lease_break",),
    "effective_date": ("effective_date",),
}


class _Problems:
    """Collects rejections (row, field, value, reason) and per-row flags, vectorised."""

    def __init__(self, index: pd.Index, rows: pd.Series):
        self.index = index
        self.rows = rows
        self.rejections: list[pd.DataFrame] = []
        self.flags: list[pd.Series] = []

    def reject(self, field: str, raw: pd.Series, problem: pd.Series) -> None:
        bad = problem.notna()
        if bad.any():
            self.rejections.append(
                pd.DataFrame(
                    {
                        "_row": self.rows[bad].to_numpy(),
                        "field": field,
                        "value": raw[bad].astype(object).to_numpy(),
                        "reason": problem[bad].to_numpy(),
                    }
                )
            )

    def flag(self, name: str, mask: pd.Series) -> None:
        mask = mask.fillna(False).astype(bool)
        if mask.any():
            self.flags.append(pd.Series(np.where(mask, name, None), index=self.index))

    def flag_values(self, flags: pd.Series | None) -> None:
        if flags is not None:
            self.flags.append(flags.where(flags.notna() & (flags != ""), None))

    def joined_flags(self) -> pd.Series:
        """Comma-separated flags per row, in the order they were raised (None for none),
        joined column by column in C++."""
        import pyarrow.compute as pc

        if not self.flags:
            return pd.Series([None] * len(self.index), index=self.index, dtype=object)
        columns = [pa.array(flags.reindex(self.index).astype(object), type=pa.string(),
                            from_pandas=True) for flags in self.flags]  # fmt: skip
        joined = columns[0]
        for flags in columns[1:]:  # "a,b" where both, else whichever there is
            joined = pc.coalesce(pc.binary_join_element_wise(joined, flags, ","), joined, flags)
        joined = pd.Series(joined.to_numpy(zero_copy_only=False), index=self.index, dtype=object)
        return joined.where(joined.notna() & (joined != ""), None)

    def rejected_frame(self) -> pd.DataFrame:
        if not self.rejections:
            return pd.DataFrame(columns=["_row", "field", "value", "reason"])
        return pd.concat(self.rejections, ignore_index=True)


def prepare(extracted: Extracted, context: Context) -> Prepared:
    """Turn a source's raw fields into records to load, rejections and merged rows."""
    extra_columns = [c for c in extracted.raw.columns if c.startswith(EXTRA_PREFIX)]
    index = extracted.raw.index
    raw = pd.DataFrame({"_row": extracted.raw["_row"]}, index=index)
    for column in RAW_FIELDS:
        # Arrow strings from here on: the vectorised steps below run in C++ on them.
        if column in extracted.raw.columns:
            raw[column] = values.nullify(extracted.raw[column].astype("string[pyarrow]"))
        else:  # a field the file does not have: nulls, made by Arrow without a cell each
            empty = pd.arrays.ArrowStringArray(pa.nulls(len(index), pa.string()))
            raw[column] = pd.Series(empty, index=index, dtype="string[pyarrow]")
    rows = raw["_row"].astype("int64")
    problems = _Problems(index, rows)
    out = pd.DataFrame({"_row": rows}, index=index)

    for column in TEXT_FIELDS:
        raw[column] = values.normalise_text(raw[column])

    # Who holds it
    organisations, out["org_code"] = _organisations(raw, context)

    # Identity and address
    uprn = values.parse_uprn(raw["uprn"])
    out["uprn"] = uprn.text
    out["uprn_number"] = uprn.number
    problems.flag_values(uprn.flag)
    problems.flag("uprn_invalid", uprn.problem.notna())
    out["name"] = raw["name"]
    out["address"] = _address(raw)
    out["town"] = raw["town"]
    postcode_text = raw["postcode"].where(
        raw["postcode"].notna(), geocode.postcode_from_address(raw["address"])
    )
    postcode = _postcodes(postcode_text)
    troubled = postcode.problem.notna()
    inside = geocode.first_postcode(postcode_text[troubled])
    embedded = troubled & inside.reindex(index).notna()
    if embedded.any():  # a postcode with words around it: take the first one, and say so
        again = geocode.normalise_postcode(inside[embedded[embedded].index])
        postcode.value[embedded] = again.value
        postcode.problem[embedded] = again.problem
        postcode.flag[embedded] = "postcode_in_text"
    out["postcode"] = postcode.value
    problems.flag_values(postcode.flag)
    problems.flag("postcode_invalid", postcode.problem.notna())

    # Words
    for column, vocabulary in VOCABULARIES.items():
        target = "use_class" if column == "use" else column
        canonical, unknown = vocabulary.map(raw[column])
        if column == "holding":
            # "Holding Type" used as an asset class: a use word in the holding column.
            as_use, _ = USE_CLASS.map(raw[column].where(unknown))
            raw["use"] = raw["use"].where(raw["use"].notna() | as_use.isna(), raw[column])
            unknown = unknown & as_use.isna()
        out[target] = canonical
        problems.flag(f"unknown_{target}", unknown)
        if column in ("use", "tenure", "occupancy", "holding"):
            out[f"{'use' if column == 'use' else column}_raw"] = raw[column]
    # Names are read only where the file gives no use.
    guessed = _use_from_name(raw["name"].where(out["use_class"].isna()))
    out["use_class"] = out["use_class"].where(out["use_class"].notna(), guessed)
    problems.flag("use_from_name", guessed.notna())
    out["energy_rating"] = raw["energy_rating"].str.upper().str.slice(0, 3)
    sensitive = values.parse_bool(raw["sensitive"])
    problems.reject("sensitive", raw["sensitive"], sensitive.problem)
    out["sensitive"] = sensitive.value

    # Numbers, money and dates: a value that is not what it should be rejects the row.
    for column in NUMBER_FIELDS:
        parser = values.parse_area if column in ("gia_m2", "nia_m2", "site_area_m2") else None
        if column == "site_area_ha":
            parsed = values.parse_area(raw[column], default_unit="ha")
        elif parser is not None:
            parsed = parser(raw[column])
        else:
            parsed = values.parse_number(raw[column])
        problems.reject(LABELS.get(column, column), raw[column], parsed.problem)
        out[column] = parsed.value
    out["site_area_m2"] = out["site_area_m2"].where(
        out["site_area_m2"].notna(), out.pop("site_area_ha")
    )
    out["workstations"] = _whole(out["workstations"])
    for column in MONEY_FIELDS:
        parsed = values.parse_money(raw[column])
        problems.reject(LABELS.get(column, column.replace("_", " ")), raw[column], parsed.problem)
        out[column] = parsed.value
    out["valuation_basis"] = raw["valuation_basis"]
    for column in DATE_FIELDS:
        parsed = values.parse_date(raw[column])
        problems.reject(column.replace("_", " "), raw[column], parsed.problem)
        out[column] = parsed.value
    for column in ("gia_m2", "nia_m2", "site_area_m2", "occupants_fte", "workstations"):
        negative = (pd.to_numeric(out[column], errors="coerce") < 0).fillna(False).astype(bool)
        problems.reject(
            LABELS.get(column, column),
            raw[column],
            pd.Series(
                np.where(negative, f"{LABELS.get(column, column)} cannot be negative", None),
                index=index,
            ),
        )

    # Where
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
    problems.flag("coordinates_unusable", location_problem.notna())
    if context.area is not None:
        problems.flag("outside_locality", geocode.outside_area(out["x"], out["y"], context.area))
    problems.flag("probable_centroid", geocode.flag_shared_points(out["x"], out["y"]))
    if extracted.geometry is not None:
        import shapely

        shapes = extracted.geometry.reindex(index).to_numpy()
        wkt = pd.Series(shapely.to_wkt(shapes, rounding_precision=2), index=index, dtype=object)
        out["footprint_wkt"] = wkt.where(wkt.notna(), None)

    # Reference: the file's, else the UPRN, else one made from what identifies the place.
    reference = raw["source_ref"]
    missing_ref = reference.isna()
    if missing_ref.any():
        generated = "GEN-" + pd.util.hash_pandas_object(
            raw.loc[missing_ref, ["name", "address", "street", "postcode", "town"]].fillna(""),
            index=False,
        ).map("{:016x}".format)
        reference = reference.where(~missing_ref, out["uprn"].where(out["uprn"].notna(), generated))
        problems.flag("reference_generated", missing_ref)
    out["source_ref"] = reference

    # Extra fields the model has no column for: kept with the asset.
    for column in extra_columns:
        out[column] = values.normalise_text(values.nullify(extracted.raw[column].astype(object)))
    out["extra.location_problem"] = location_problem
    out["extra.postcode_as_published"] = postcode_text.where(postcode.problem.notna(), None)

    out["quality_flags"] = problems.joined_flags()
    rejections = problems.rejected_frame()
    rejections = pd.concat([extracted.excluded, rejections], ignore_index=True)

    rejected_rows = set(rejections["_row"].astype("int64"))
    keep = ~out["_row"].isin(rejected_rows)
    records = out.loc[keep]
    records, merged, duplicate_rejections = _duplicates(records)
    rejections = pd.concat([rejections, duplicate_rejections], ignore_index=True)
    merged = pd.concat([extracted.merged, merged], ignore_index=True)
    records = records.reindex(
        columns=list(STAGING_COLUMNS) + [c for c in records.columns if c.startswith(EXTRA_PREFIX)]
    )
    present = set(extracted.raw.columns)
    if context.postcodes is not None and "postcode" in present:
        present.add("x")  # the postcode places the record: it supplies the location
    supplied = sorted({column for raw_field, columns in SUPPLIES.items() if raw_field in present
                       for column in columns})  # fmt: skip
    return Prepared(
        supplied=supplied,
        mode=context.mode,
        source_file=context.source_file,
        source_format=context.source_format,
        rows_read=extracted.rows_read,
        records=records,
        organisations=organisations,
        rejections=rejections.sort_values(["_row"], kind="stable", ignore_index=True),
        merged=merged,
        options=dict(context.options or {}),
    )


def _postcodes(text: pd.Series) -> values.Parsed:
    """Postcodes already in the standard form ("WA14 1PF") taken as they are, found by
    one regular expression in C++ (most are); the rest normalised, each distinct one once."""
    arrow = text.astype("string[pyarrow]")
    standard = arrow.str.fullmatch(STANDARD_POSTCODE).fillna(False).to_numpy(dtype=bool)
    parsed = _by_distinct(text.where(~standard), geocode.normalise_postcode)
    if standard.any():
        parsed.value[standard] = arrow[standard].astype(object)
    return parsed


STANDARD_POSTCODE = f"{values.OUTWARD} {values.INWARD}"


def _by_distinct(series: pd.Series, parser) -> values.Parsed:
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


def _whole(series: pd.Series) -> pd.Series:
    number = pd.to_numeric(series, errors="coerce")
    return number.round().astype("Int64")


def _address(raw: pd.DataFrame) -> pd.Series:
    """The file's address, else one made of number, street and town."""
    parts = raw[["street_number", "street"]].fillna("")
    line = (parts["street_number"] + " " + parts["street"]).str.strip()
    composed = line.where(line != "", None)
    with_town = composed.where(
        raw["town"].isna() | composed.isna(), composed + ", " + raw["town"].fillna("")
    )
    return raw["address"].where(raw["address"].notna(), with_town)


def infer_kind(names: pd.Series, default: str) -> pd.Series:
    """A body's kind from its name ("... Fire and Rescue" is fire), else ``default``."""
    text = names.fillna("").str.lower()
    kind = pd.Series(default, index=names.index, dtype=object)
    kind[text.str.contains(r"\bnhs\b|trust|health|hospital|\bicb\b|\bccg\b")] = "nhs"
    kind[text.str.contains(r"police|constabulary")] = "police"
    kind[text.str.contains(r"fire")] = "fire"
    kind[
        text.str.contains(r"council|borough|county|district|city of|authority")
        & ~text.str.contains(r"fire|police")
    ] = "council"
    return kind


def _organisations(raw: pd.DataFrame, context: Context) -> tuple[pd.DataFrame, pd.Series]:
    """The bodies the rows belong to: ``--org`` wins, else the file's own columns."""
    index = raw.index
    if context.organisation:
        code = pd.Series(context.organisation, index=index, dtype=object)
        name = pd.Series(
            context.organisation_name or context.organisation, index=index, dtype=object
        )
    else:
        fallback = slug(pd.Series([context.source_file.rsplit(".", 1)[0]])).iloc[0]
        name = raw["org_name"].fillna(raw["org_code"]).fillna(context.organisation_name or fallback)
        code = raw["org_code"].where(raw["org_code"].notna(), slug(name)).astype(object)
    kind_words, _ = BODY_KIND.map(raw["org_kind"])
    distinct = pd.Series(pd.unique(name.astype(str)), dtype=object)
    inferred = infer_kind(distinct, context.default_kind)
    by_name = dict(zip(distinct, inferred, strict=True))
    kind = kind_words.where(kind_words.notna(), name.astype(str).map(by_name))
    organisations = (
        pd.DataFrame({"code": code, "name": name, "kind": kind, "uri": raw["org_uri"]})
        .drop_duplicates("code")
        .reset_index(drop=True)
    )
    return organisations, code


def _duplicates(records: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The same asset reference twice in one file: merged when identical, else rejected."""
    key = ["org_code", "source_ref"]
    dup = records.duplicated(key, keep=False)
    empty_merged = pd.DataFrame(
        {"_row": pd.Series(dtype="int64"), "into_row": pd.Series(dtype="int64")}
    )
    empty_rejected = pd.DataFrame(columns=["_row", "field", "value", "reason"])
    if not dup.any():
        return records, empty_merged, empty_rejected
    group = records.loc[dup]
    content = [c for c in records.columns if c not in ("_row", "quality_flags")]
    digest = pd.util.hash_pandas_object(group[content].astype(str), index=False)
    first_row = group.groupby(key, sort=False)["_row"].transform("first")
    first_digest = digest.groupby([group[k] for k in key], sort=False).transform("first")
    later = group["_row"] != first_row
    same = later & (digest == first_digest)
    different = later & (digest != first_digest)
    merged = pd.DataFrame(
        {
            "_row": group.loc[same, "_row"].astype("int64"),
            "into_row": first_row[same].astype("int64"),
        }
    )
    rejected = pd.DataFrame(
        {
            "_row": group.loc[different, "_row"].to_numpy(),
            "field": LABELS["source_ref"],
            "value": group.loc[different, "source_ref"].to_numpy(),
            "reason": (
                "asset reference '" + group.loc[different, "source_ref"].astype(str)
                + "' is also on row " + first_row[different].astype(str)
                + " with different details; row " + first_row[different].astype(str)
                + " is loaded"
            ).to_numpy(),
        }
    )  # fmt: skip
    drop = group.index[later]
    return records.drop(index=drop), merged.reset_index(drop=True), rejected


def _use_from_name(names: pd.Series) -> pd.Series:
    """The use a name states ("Sale Leisure Centre" -> leisure), for rows whose file gives
    none; see :data:`estate.vocab.USE_FROM_NAME`. Each distinct name is read once."""
    import re

    from estate.vocab import USE_FROM_NAME

    present = names.dropna()
    if present.empty:
        return pd.Series([None] * len(names), index=names.index, dtype=object)
    distinct = pd.Series(pd.unique(present.astype(str)))
    found = pd.Series(None, index=distinct.index, dtype=object)
    undecided = pd.Series(True, index=distinct.index)
    lowered = distinct.str.lower()
    for words, use in USE_FROM_NAME:
        hit = undecided & lowered.str.contains(rf"\b{re.escape(words)}\b", regex=True)
        found[hit] = use
        undecided &= ~hit
    table = dict(zip(distinct, found, strict=True))
    out = names.astype(object).map(table)
    return out.where(out.notna(), None).astype(object)
