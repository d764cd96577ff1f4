"""Who holds each row, and what kind of body it is, and how we know.

The body is the file's own (its organisation columns) where it names one; else the one
``--org`` / ``--org-name`` name; else one named from the file name's words, never the
whole file name ("devon_somerset_frs_stations.tsv" is "Devon Somerset FRS"). Its kind is,
in order: the file's own word for it; ``--org-kind``; the body's name ("... Fire and
Rescue" is fire); the records ("Exeter Fire Station" and 53 more like it: a fire
service); the file name's words ("frs", "constabulary", "nhs", "council"); the kind the
file's layout implies (a transparency return is a council's); else ``other``, so that a
transport body or a development corporation is never made a council by default. Whatever
was inferred rather than said is reported in the load's summary with how to override it.
"""

from __future__ import annotations

import re

import pandas as pd

from estate.etl.sources.base import slug
from estate.etl.validate.context import Context
from estate.vocab import BODY_KIND

MOST = 0.5
"""The share of a body's named records that must say its kind ("most names end 'Fire
Station'") for the records to decide it."""

RECORD_SIGNS: tuple[tuple[str, str, str], ...] = (
    ("fire", r"\bfire (?:and rescue )?station$", "names ending 'Fire Station'"),
    ("police", r"\bpolice (?:station|office|hq|headquarters)$", "names ending 'Police Station'"),
    ("nhs", r"\bhospital\b|\bhealth cent(?:re|er)\b|\bnhs\b|\bclinic\b|\binfirmary\b",
     "NHS site names (hospital, health centre, clinic)"),
)  # fmt: skip
"""Kind, what a record's name (case-folded) ends with or holds, and the words for people."""

ODS_CODE = r"R[A-Z0-9]{2}(?:[A-Z0-9]{2})?"
"""An NHS trust's ODS code (RA7) or one of its sites' (RA701): the records of an NHS body."""

FILE_NAME_WORDS: dict[str, str] = {
    "frs": "fire", "fire": "fire", "police": "police", "constabulary": "police",
    "nhs": "nhs", "trust": "nhs", "council": "council",
}  # fmt: skip
"""A word of the file's name -> the kind of body it says published it."""

GENERIC_FILE_WORDS = frozenset(
    "station stations list lists asset assets land and building buildings register data "
    "property properties estate estates site sites of the return returns export final "
    "draft copy new all open transparency locations location v".split()
)
"""Words of a file name that describe the file, not the body (left out of its name)."""

SHORT_WORDS_UPPER = frozenset({"frs", "nhs", "fra", "pcc", "icb", "ccg", "uk"})


def infer_kind(names: pd.Series, default: str | None) -> pd.Series:
    """A body's kind from its name ("... Fire and Rescue" is fire), else ``default``.

    Only words that say a council ("council", "borough", "county", "district", "city of",
    a local, unitary or combined authority) make one: a transport authority or a
    development corporation is ``other`` (or ``default``).
    """
    text = names.fillna("").astype(str).str.lower()
    kind = pd.Series(default, index=names.index, dtype=object)
    kind[text.str.contains(r"\bnhs\b|trust|health|hospital|\bicb\b|\bccg\b|ambulance")] = "nhs"
    kind[text.str.contains(r"police|constabulary")] = "police"
    kind[text.str.contains(r"fire")] = "fire"
    council = r"council|borough|county|district|city of|(?:local|unitary|combined) authority"
    kind[text.str.contains(council) & ~text.str.contains(r"fire|police")] = "council"
    other = text.str.contains(r"transport|development corporation")
    kind[other & ~text.str.contains("council")] = "other"
    return kind


def kind_from_records(names: pd.Series, references: pd.Series) -> tuple[str, str] | None:
    """The kind most of a body's records say (their names, or NHS site codes), and the words
    for people ("from 54 of 56 names ending 'Fire Station'"); None when most say nothing."""
    named = names.dropna().astype(str).str.strip().str.lower()
    if len(named):
        for kind, pattern, words in RECORD_SIGNS:
            count = int(named.str.contains(pattern, regex=True).sum())
            if count > MOST * len(named):
                return kind, f"from {count} of {len(named)} {words}"
    codes = references.dropna().astype(str).str.strip().str.upper()
    if len(codes):
        count = int(codes.str.fullmatch(ODS_CODE).sum())
        if count > MOST * len(codes):
            return "nhs", f"from {count} of {len(codes)} references that are NHS (ODS) codes"
    return None


def file_name_words(source_file: str) -> list[str]:
    """The words of a file's name, lower case, its extension left off."""
    stem = source_file.rsplit(".", 1)[0] if "." in source_file else source_file
    return [w for w in re.split(r"[^a-z0-9]+", stem.lower()) if w]


def kind_from_file_name(source_file: str) -> tuple[str, str] | None:
    """The kind a word of the file's name says ("frs": fire), and which word."""
    for word in file_name_words(source_file):
        if word in FILE_NAME_WORDS:
            return FILE_NAME_WORDS[word], f"from the word '{word}' in the file name"
    return None


def name_from_file_name(source_file: str) -> str:
    """A body's name from the file name's words that are not about the file or a year
    ("devon_somerset_frs_stations.tsv" -> "Devon Somerset FRS")."""
    words = [
        w.upper() if w in SHORT_WORDS_UPPER else w.capitalize()
        for w in file_name_words(source_file)
        if w not in GENERIC_FILE_WORDS and not w.isdigit()
    ]
    return " ".join(words) or "Unnamed body"


def find_organisations(
    raw: pd.DataFrame, context: Context
) -> tuple[pd.DataFrame, pd.Series, list[str]]:
    """The bodies the rows belong to, each row's body code, and the summary's lines on what
    was inferred: ``--org`` wins, else the file's own columns, else the file name's words."""
    index = raw.index
    notes: list[str] = []
    if context.organisation:
        code = pd.Series(context.organisation, index=index, dtype=object)
        name = pd.Series(
            context.organisation_name or context.organisation, index=index, dtype=object
        )
    else:
        unnamed = raw["org_name"].isna() & raw["org_code"].isna()
        fallback = context.organisation_name
        if unnamed.any() and not fallback:
            fallback = name_from_file_name(context.source_file)
            notes.append(
                f"body: '{fallback}', named from the file name (the file names no body); "
                "say --org CODE and --org-name NAME to choose"
            )
        name = raw["org_name"].fillna(raw["org_code"]).fillna(fallback)
        code = raw["org_code"].where(raw["org_code"].notna(), slug(name)).astype(object)
    kind_words, _ = BODY_KIND.map(raw["org_kind"])
    kind = kind_words.astype(object)
    if context.organisation_kind:
        kind = kind.where(kind.notna(), context.organisation_kind)
    undecided = kind.isna()
    if undecided.any():
        kind, inferred = _infer_kinds(raw, code, name, undecided, kind, context)
        notes.extend(inferred)
    organisations = (
        pd.DataFrame({"code": code, "name": name, "kind": kind, "uri": raw["org_uri"]})
        .drop_duplicates("code")
        .reset_index(drop=True)
    )
    return organisations, code, notes


NOTED_BODIES = 3
"""Bodies whose inferred kind the summary names one by one; the rest are counted."""


def _infer_kinds(
    raw: pd.DataFrame,
    code: pd.Series,
    name: pd.Series,
    undecided: pd.Series,
    kind: pd.Series,
    context: Context,
) -> tuple[pd.Series, list[str]]:
    """Each undecided body's kind, by the rules of the module's docstring, and a line for
    each saying from what (the first few bodies; the rest counted)."""
    kind = kind.copy()
    lines: list[str] = []
    bodies = pd.unique(code[undecided].astype(str))
    from_file_name = kind_from_file_name(context.source_file)
    for body in bodies:
        rows = undecided & code.astype(str).eq(body)
        body_name = str(name[rows].iloc[0])
        by_name = infer_kind(pd.Series([body_name]), None).iloc[0]
        if isinstance(by_name, str):
            found: tuple[str, str] = (by_name, f"from the body's name '{body_name}'")
        else:
            found = (
                kind_from_records(raw.loc[rows, "name"], raw.loc[rows, "source_ref"])
                or from_file_name
                or (
                    (context.default_kind, f"from the file's layout ({context.source_format})")
                    if context.default_kind != "other"
                    else ("other", "as nothing says otherwise")
                )
            )
        kind[rows] = found[0]
        if len(lines) < NOTED_BODIES:
            lines.append(f"body kind of {body}: {found[0]}, {found[1]}; say --org-kind to choose")
    if len(bodies) > NOTED_BODIES:
        lines.append(f"... and {len(bodies) - NOTED_BODIES} more bodies' kinds inferred likewise")
    return kind, lines
