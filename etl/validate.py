"""Row rules shared by every source: raw text in, typed records and rejections out.

A source says where its publisher put things (:class:`etl.sources.base.Extracted`);
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
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from estate import values
from estate.vocab import BODY_KIND, CONDITION, HOLDING, LISTED, OCCUPANCY, STATUS, TENURE, USE_CLASS
from etl import geocode
from etl.load import EXTRA_PREFIX, STAGING_COLUMNS, Prepared
from etl.sources.base import RAW_FIELDS, Extracted, slug

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
        A postcode lookup (``etl.geocode.load_postcode_lookup``), or None.
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
            return pd.Series(None, index=self.index, dtype=object)
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
    plan = plan_file(extracted, context)
    return combine(plan, list(prepare_chunks(extracted, context, plan, rows=None)))


# Fields the whole-file pass reads: who holds each row, and where it is.
WHOLE_FILE_FIELDS = ("org_code", "org_name", "org_kind", "org_uri", "postcode", "address",
                     "x", "y", "crs", "coordinates")  # fmt: skip


@dataclass
class Plan:
    """What validation works out over the whole file before its rows are validated,
    in one go or in chunks: the bodies the rows belong to, and where each row is (a
    point shared by several records anywhere in the file is a probable centroid).

    Attributes
    ----------
    organisations
        The bodies, one row each (code, name, kind, uri), as the file names them.
    org_code
        Each row's body.
    postcode_text, postcode
        Each row's postcode as published (or found in its address), and normalised.
    located
        Each row's point, method, flags and location problem (``etl.geocode.locate``).
    shared
        True where the row's point is shared by another row of the file.
    """

    organisations: pd.DataFrame
    org_code: pd.Series
    postcode_text: pd.Series
    postcode: values.Parsed
    located: pd.DataFrame
    shared: pd.Series


def _raw_fields(raw: pd.DataFrame, fields) -> pd.DataFrame:
    """The named raw fields as Arrow strings, "no value" words as null, text normalised."""
    index = raw.index
    out = pd.DataFrame(index=index)
    for column in fields:
        # Arrow strings from here on: the vectorised steps below run in C++ on them.
        if column in raw.columns:
            out[column] = values.nullify(raw[column].astype("string[pyarrow]"))
        else:  # a field the file does not have: nulls, made by Arrow without a cell each
            empty = pd.arrays.ArrowStringArray(pa.nulls(len(index), pa.string()))
            out[column] = pd.Series(empty, index=index, dtype="string[pyarrow]")
        if column in TEXT_FIELDS:
            out[column] = values.normalise_text(out[column])
    return out


def plan_file(extracted: Extracted, context: Context) -> Plan:
    """The whole-file part of validation (see :class:`Plan`)."""
    raw = _raw_fields(extracted.raw, WHOLE_FILE_FIELDS)
    index = raw.index
    organisations, org_code = _organisations(raw, context)
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
    located = geocode.locate(
        x=raw["x"],
        y=raw["y"],
        crs=raw["crs"],
        coordinates=raw["coordinates"],
        postcode=postcode.value,
        lookup=context.postcodes,
    )
    shared = geocode.flag_shared_points(located["x"], located["y"])
    return Plan(organisations, org_code, postcode_text, postcode, located, shared)


def prepare_chunks(
    extracted: Extracted, context: Context, plan: Plan, rows: int | None
) -> Iterator[Prepared]:
    """The file's rows validated ``rows`` at a time (all at once for None), in file
    order: each chunk's records are final when it is yielded, so a load can write them
    while the next chunk is validated. Together the chunks hold exactly what one pass
    over the whole file would (:func:`combine` makes them one): the whole-file facts
    come from ``plan``, and an asset reference repeated in a later chunk is merged into,
    or rejected against, its first row as within a chunk."""
    total = len(extracted.raw)
    step = rows or max(total, 1)
    earlier = _Earlier(active=step < total)
    for start in range(0, max(total, 1), step):
        part = extracted.raw.iloc[start : start + step]
        yield _prepare_rows(extracted, part, context, plan, earlier, first=start == 0)


def combine(plan: Plan, chunks: list[Prepared]) -> Prepared:
    """The chunks of :func:`prepare_chunks` as one :class:`Prepared`."""
    first = chunks[0]
    rejections = pd.concat([c.rejections for c in chunks], ignore_index=True)
    return Prepared(
        supplied=first.supplied,
        mode=first.mode,
        source_file=first.source_file,
        source_format=first.source_format,
        rows_read=first.rows_read,
        records=pd.concat([c.records for c in chunks]) if len(chunks) > 1 else first.records,
        organisations=plan.organisations,
        rejections=rejections.sort_values(["_row"], kind="stable", ignore_index=True),
        merged=pd.concat([c.merged for c in chunks], ignore_index=True),
        options=first.options,
    )


def _prepare_rows(
    extracted: Extracted,
    part: pd.DataFrame,
    context: Context,
    plan: Plan,
    earlier: _Earlier,
    first: bool,
) -> Prepared:
    """One chunk's rows (``part`` of ``extracted.raw``) validated; the source's own
    exclusions and merges go with the first chunk."""
    extra_columns = [c for c in part.columns if c.startswith(EXTRA_PREFIX)]
    index = part.index
    # The plan read who holds each row and where it is; the address and the postcode as
    # published are read again for the address and a reference made from them.
    fields = [f for f in RAW_FIELDS if f not in WHOLE_FILE_FIELDS or f in ("address", "postcode")]
    raw = _raw_fields(part, fields)
    rows = part["_row"].astype("int64")
    problems = _Problems(index, rows)
    out = pd.DataFrame({"_row": rows}, index=index)

    # Who holds it
    out["org_code"] = plan.org_code.loc[index]

    # Identity and address
    uprn = values.parse_uprn(raw["uprn"])
    out["uprn"] = uprn.text
    out["uprn_number"] = uprn.number
    problems.flag_values(uprn.flag)
    problems.flag("uprn_invalid", uprn.problem.notna())
    out["name"] = raw["name"]
    out["address"] = _address(raw)
    out["town"] = raw["town"]
    postcode_text = plan.postcode_text.loc[index]
    postcode = values.Parsed(
        plan.postcode.value.loc[index], plan.postcode.problem.loc[index],
        plan.postcode.flag.loc[index],
    )  # fmt: skip
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
    located = plan.located.loc[index]
    out["x"] = located["x"]
    out["y"] = located["y"]
    out["location_method"] = located["method"]
    problems.flag_values(located.get("flags"))
    location_problem = located["problem"]
    problems.flag("coordinates_unusable", location_problem.notna())
    if context.area is not None:
        problems.flag("outside_locality", geocode.outside_area(out["x"], out["y"], context.area))
    problems.flag("probable_centroid", plan.shared.loc[index])
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
        out[column] = values.normalise_text(values.nullify(part[column].astype(object)))
    out["extra.location_problem"] = location_problem
    out["extra.postcode_as_published"] = postcode_text.where(postcode.problem.notna(), None)

    out["quality_flags"] = problems.joined_flags()
    rejections = problems.rejected_frame()
    if first:
        rejections = pd.concat([extracted.excluded, rejections], ignore_index=True)

    rejected_rows = set(rejections["_row"].astype("int64"))
    keep = ~out["_row"].isin(rejected_rows)
    records = out.loc[keep]
    # A reference an earlier chunk had first, then one repeated within this chunk.
    records, merged_earlier, rejected_earlier = earlier.resolve(records)
    records, merged, duplicate_rejections = _duplicates(records)
    earlier.remember(records)
    rejections = pd.concat([rejections, rejected_earlier, duplicate_rejections], ignore_index=True)
    merged = pd.concat([merged_earlier, merged]).sort_values("_row", kind="stable")
    merged = pd.concat([extracted.merged if first else None, merged], ignore_index=True)
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
        organisations=plan.organisations,
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
        out = pd.Series(None, index=series.index, dtype=object)
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
    if not dup.any():
        return records, _no_merges(), _no_rejections()
    group = records.loc[dup]
    digest = _digest(group)
    first_row = group.groupby(key, sort=False)["_row"].transform("first")
    first_digest = digest.groupby([group[k] for k in key], sort=False).transform("first")
    later = group["_row"] != first_row
    merged, rejected = _repeats(
        group[later], first_row[later], digest[later] == first_digest[later]
    )
    return records.drop(index=group.index[later]), merged, rejected


def _digest(records: pd.DataFrame) -> pd.Series:
    """A hash of each record's details (all but its row number and flags)."""
    content = [c for c in records.columns if c not in ("_row", "quality_flags")]
    return pd.util.hash_pandas_object(records[content].astype(str), index=False)


def _repeats(
    later: pd.DataFrame, first_row: pd.Series, same: pd.Series
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows repeating an earlier row's reference: merged into it where their details are
    the same (``same``), rejected where they differ."""
    same = same.to_numpy(dtype=bool)
    first = first_row.to_numpy()
    merged = pd.DataFrame({"_row": later["_row"].to_numpy()[same], "into_row": first[same]}).astype(
        "int64"
    )
    different = later.loc[~same]
    firsts = pd.Series(first[~same], index=different.index).astype(str)
    rejected = pd.DataFrame(
        {
            "_row": different["_row"].to_numpy(),
            "field": LABELS["source_ref"],
            "value": different["source_ref"].to_numpy(),
            "reason": (
                "asset reference '" + different["source_ref"].astype(str)
                + "' is also on row " + firsts + " with different details; row " + firsts
                + " is loaded"
            ).to_numpy(),
        }
    )  # fmt: skip
    return merged, rejected


def _no_merges() -> pd.DataFrame:
    return pd.DataFrame({"_row": pd.Series(dtype="int64"), "into_row": pd.Series(dtype="int64")})


def _no_rejections() -> pd.DataFrame:
    return pd.DataFrame(columns=["_row", "field", "value", "reason"])


class _Earlier:
    """The asset references of the chunks validated so far, each with its first row, so
    that a later chunk's repeat is merged or rejected as it would be in one pass."""

    def __init__(self, active: bool = True) -> None:
        self.active = active
        self.first: dict[str, tuple[int, Any]] = {}  # key -> (chunk, index label)
        self.chunks: list[pd.DataFrame] = []

    @staticmethod
    def _keys(records: pd.DataFrame) -> list[str]:
        return (
            records["org_code"].astype(str) + "\x1f" + records["source_ref"].astype(str)
        ).tolist()

    def resolve(self, records: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """``records`` without the rows whose reference an earlier chunk had first; those
        rows merged (same details) or rejected (different)."""
        if not self.first or records.empty:
            return records, _no_merges(), _no_rejections()
        keys = self._keys(records)
        hit = np.fromiter((key in self.first for key in keys), dtype=bool, count=len(keys))
        if not hit.any():
            return records, _no_merges(), _no_rejections()
        later = records.loc[hit]
        where = pd.DataFrame(
            [self.first[key] for key, h in zip(keys, hit, strict=True) if h],
            columns=["chunk", "label"], index=later.index,
        )  # fmt: skip
        firsts = pd.concat(
            [self.chunks[chunk].loc[group["label"].to_list()].set_axis(group.index)
             for chunk, group in where.groupby("chunk", sort=False)]
        ).loc[later.index]  # fmt: skip
        same = _digest(later).to_numpy() == _digest(firsts).to_numpy()
        merged, rejected = _repeats(later, firsts["_row"], pd.Series(same, index=later.index))
        return records.loc[~hit], merged, rejected

    def remember(self, records: pd.DataFrame) -> None:
        if not self.active or records.empty:
            return
        chunk = len(self.chunks)
        self.chunks.append(records)
        labels = ((chunk, label) for label in records.index)
        self.first.update(zip(self._keys(records), labels, strict=True))


def _use_from_name(names: pd.Series) -> pd.Series:
    """The use a name states ("Sale Leisure Centre" -> leisure), for rows whose file gives
    none; see :data:`estate.vocab.USE_FROM_NAME`. Each distinct name is read once."""
    import re

    from estate.vocab import USE_FROM_NAME

    present = names.dropna()
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
