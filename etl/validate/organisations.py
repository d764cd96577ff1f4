"""Who holds each row: the body ``--org`` names, else the one the file's own columns name.

Each body's kind is the file's own word for it, else read from its name ("... Fire and
Rescue" is a fire service), else the context's default, so that a file naming a body the
register does not know yet loads without a hand-made list of bodies.
"""

from __future__ import annotations

import pandas as pd

from estate.etl.sources.base import slug
from estate.etl.validate.context import Context
from estate.vocab import BODY_KIND


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


def find_organisations(raw: pd.DataFrame, context: Context) -> tuple[pd.DataFrame, pd.Series]:
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
