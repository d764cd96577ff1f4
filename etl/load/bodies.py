"""A file's bodies joined to the register's: one organisation for one body, whatever the file.

A body's later file may spell its code or name otherwise ("AVON-FRS" then "avon frs",
"Avon Fire & Rescue Service" then "Avon Fire and Rescue Service."). Folded (case, spaces
and punctuation left out, "&" read as "and"), a code or a name the register already holds
is that body: the file's records are written under the register's code, and no second
organisation is made.
"""

from __future__ import annotations

import re

import pandas as pd
from sqlalchemy import Connection, select

from estate.etl.load.prepared import Prepared
from estate.models import Organisation


def fold(text: object) -> str:
    """A code or name with case, spaces and punctuation left out ("&" read as "and")."""
    return re.sub(r"[^a-z0-9]+", "", str(text).lower().replace("&", "and"))


def join_known_bodies(
    conn: Connection, prepared: Prepared, organisation_code: str | None
) -> str | None:
    """Rewrite ``prepared``'s body codes to the register's where a body is already known by
    its folded code or name; returns ``organisation_code`` (``--org``) rewritten likewise."""
    bodies = prepared.organisations
    if not len(bodies):
        return organisation_code
    known = conn.execute(select(Organisation.code, Organisation.name)).all()
    codes = {code for code, _ in known}
    by_code = {fold(code): code for code, _ in known}
    by_name = {fold(name): code for code, name in known if name}
    renamed: dict[str, str] = {}
    for code, name in zip(bodies["code"], bodies["name"], strict=True):
        if code is None or pd.isna(code) or code in codes:
            continue
        found = by_code.get(fold(code)) or (by_name.get(fold(name)) if name else None)
        if found:
            renamed[str(code)] = found
    if not renamed:
        return organisation_code
    prepared.organisations = bodies.assign(code=bodies["code"].replace(renamed)).drop_duplicates(
        "code"
    )
    if len(prepared.records):
        prepared.records["org_code"] = prepared.records["org_code"].replace(renamed)
    if organisation_code is None:
        return None
    return renamed.get(organisation_code, organisation_code)
