"""A reference for every record: the file's own where it has one, else one derived from content.

A derived reference must name the same record next year, whatever order the file lists
it in, and never two distinct records. It is therefore a digest of what the record is,
not of where it is in the file: its name (else its address), normalised (case, spaces and
punctuation left out), with its place (postcode, else UPRN, else its point to the metre).
Two distinct records deriving the same are told apart by more of their content (address,
town, street number, use); records still alike on all of that are numbered ``~2``,
``~3`` in the order of a digest of everything they hold, so that the numbering, too, does
not depend on the rows' order. Records alike in everything are one record listed twice,
merged later (:mod:`estate.etl.validate.duplicates`).
"""

from __future__ import annotations

import hashlib

import pandas as pd

PREFIX = "GEN-"
"""Derived references start so: a person sees the file gave none."""

DIGITS = 16
"""Hexadecimal digits of a derived reference's digest."""

MORE_CONTENT = ("address", "town", "street_number", "use")
"""What tells apart two records of one name and place, in order."""


def _normalised(text: pd.Series) -> pd.Series:
    """Text folded for identity: lower case, runs of anything but letters and digits one space."""
    folded = text.astype("string").str.lower().str.replace(r"[^a-z0-9]+", " ", regex=True)
    return folded.str.strip().fillna("")


def _digest(keys: pd.Series) -> pd.Series:
    """A stable digest of each key (SHA-1, each distinct key hashed once)."""
    distinct = pd.unique(keys)
    table = {k: hashlib.sha1(k.encode("utf-8")).hexdigest()[:DIGITS] for k in distinct}
    return keys.map(table)


def derive_references(raw: pd.DataFrame, out: pd.DataFrame, missing: pd.Series) -> pd.Series:
    """References for the rows of ``missing`` (rows the file gives none), from content.

    ``raw`` holds the raw fields; ``out`` the record so far (its postcode, UPRN and point,
    normalised). Returns a Series over the missing rows.
    """
    rows = missing[missing].index
    if not len(rows):
        return pd.Series(dtype=object)
    name = _normalised(raw.loc[rows, "name"])
    address = _normalised(out.loc[rows, "address"])
    what = name.where(name != "", "address " + address)
    postcode = out.loc[rows, "postcode"].astype("string").str.replace(" ", "").str.upper()
    uprn = out.loc[rows, "uprn"].astype("string")
    x = pd.to_numeric(out.loc[rows, "x"], errors="coerce").round(0)
    y = pd.to_numeric(out.loc[rows, "y"], errors="coerce").round(0)
    point = "xy " + x.astype("Int64").astype("string") + " " + y.astype("Int64").astype("string")
    place = ("postcode " + postcode).fillna("uprn " + uprn).fillna(point).fillna("")
    key = what + "|" + place
    everything = pd.Series("", index=rows, dtype="string")
    for column in ("name", "address", "street", "street_number", "town", "postcode", "uprn",
                   "use", "tenure", "holding", "gia_m2", "site_area_ha", "x", "y"):  # fmt: skip
        everything = everything + "|" + raw.loc[rows, column].astype("string").fillna("")
    key = _tell_apart(key, everything, raw.loc[rows], out.loc[rows])
    return PREFIX + _digest(key)


def _tell_apart(
    key: pd.Series, everything: pd.Series, raw: pd.DataFrame, out: pd.DataFrame
) -> pd.Series:
    """Keys made distinct for rows that differ in content but share a key: by more content,
    then by an ordinal in the order of their content's digest (never the rows' order)."""
    for column in MORE_CONTENT:
        clash = _clashing(key, everything)
        if not clash.any():
            return key
        source = out[column] if column in out.columns and column != "use" else raw[column]
        extra = _normalised(source[clash])
        key = key.where(~clash, key + "|" + column + " " + extra.reindex(key.index).fillna(""))
    clash = _clashing(key, everything)
    if clash.any():
        frame = pd.DataFrame({"key": key[clash], "content": _digest(everything[clash])})
        variants = frame.drop_duplicates().sort_values(["key", "content"])
        variants["n"] = variants.groupby("key").cumcount() + 1
        numbered = frame.merge(variants, on=["key", "content"], how="left")
        numbered.index = frame.index
        ordinal = numbered["n"].astype(int)
        key = key.where(~clash, key + "~" + ordinal.astype(str).reindex(key.index))
    return key


def _clashing(key: pd.Series, everything: pd.Series) -> pd.Series:
    """Rows whose key another row with different content shares."""
    frame = pd.DataFrame({"key": key, "content": everything})
    return frame.groupby("key")["content"].transform("nunique").gt(1)
