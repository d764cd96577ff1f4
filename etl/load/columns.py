"""The columns a load stages and writes, derived from the :class:`~estate.models.Asset` table.

Both write paths (the staging upsert and a first load's direct COPY) work column by
column, so they need to know which asset columns a file's records can carry, of what
SQL type, and which of them the load forms itself. These lists are read off the model
rather than copied out of it, so that an asset column added to the model is staged and
typed by the loader without anyone remembering to add it here; what stays written out by
hand is only what the model cannot say: which columns the load sets itself, and which
ones arrive in another form (a point as coordinates, a footprint as WKT, flags as text).
"""

from __future__ import annotations

import re

from sqlalchemy import Boolean, Column, DefaultClause
from sqlalchemy.dialects import postgresql

from estate.models import Asset

ASSETS = Asset.metadata.tables[Asset.__tablename__]

SET_BY_LOAD = frozenset({
    "id", "created_at", "updated_at",  # the database's
    "organisation_id",  # looked up from the record's org_code
    "load_batch_id", "source_file", "source_row",  # provenance: the batch, the file, the row
    "extra",  # built from the records' extra.<name> columns
    "record_hash",  # not written: a load compares the rows themselves
    "edited",  # the web's marks of what a person changed
    "retired_at", "retired_reason", "retired_batch_id",  # set by a newer register's load
})  # fmt: skip
"""Asset columns a file's records never carry: the load (or the database) sets them."""

STAGED_AS: dict[str, dict[str, str]] = {
    "geom": {"x": "double precision", "y": "double precision"},
    "footprint": {"footprint_wkt": "text"},
    "quality_flags": {"quality_flags": "text"},
}
"""Asset columns staged in another form, with the staging columns (and their SQL types)
each is made from: a point from its coordinates, a footprint from WKT, the flags from
one comma-separated text (COPY's CSV has no arrays)."""

STAGING_ONLY: dict[str, str] = {"_row": "integer", "org_code": "text"}
"""Staging columns no asset has: the record's row in its file, and its body's code."""

LOAD_MARKS: dict[str, str] = {"point_kept": "boolean NOT NULL DEFAULT false"}
"""Staging columns the load fills in itself, never COPYed: a row whose asset keeps its
point (:mod:`estate.etl.load.keeping`)."""

EXTRA_PREFIX = "extra."
"""Record columns named ``extra.<name>`` are kept in the asset's ``extra`` under ``<name>``."""


def staging_type(column: Column) -> str:
    """The SQL type a staging column takes for an asset column: the column's own type
    without its precision (``numeric``, not ``numeric(14, 2)``), so that the value the file
    gave reaches the upsert as given and is rounded once, by the asset column."""
    compiled = column.type.compile(dialect=postgresql.dialect())
    return re.sub(r"\(.*\)", "", compiled).strip().lower()


def server_default(column: Column) -> object:
    """The value the database gives ``column`` when an insert leaves it out, as Python."""
    default = column.server_default
    assert isinstance(default, DefaultClause) and isinstance(default.arg, str)
    if isinstance(column.type, Boolean):
        return default.arg == "true"
    return default.arg


def _staging_columns() -> dict[str, str]:
    columns = dict(STAGING_ONLY)
    for column in ASSETS.columns:
        if column.name in SET_BY_LOAD:
            continue
        columns.update(STAGED_AS.get(column.name, {column.name: staging_type(column)}))
    return columns


STAGING_COLUMNS: dict[str, str] = _staging_columns()
"""Staging column -> SQL type, in the model's order. Values are cast by COPY; SQL
expressions (:mod:`estate.etl.load.staged`) build the asset's columns from them."""

DEFAULTS: dict[str, object] = {
    column.name: server_default(column)
    for column in ASSETS.columns
    if column.name in STAGING_COLUMNS and column.name not in STAGED_AS
    and column.server_default is not None
}  # fmt: skip
"""What a written column holds where the file gives nothing: the model's server default,
so both write paths store what an insert leaving the column out would (``status``
operational, ``sensitive`` false, ``location_method`` none)."""

PLAIN_COLUMNS: list[str] = [
    name for name in STAGING_COLUMNS
    if name in ASSETS.columns and name not in STAGED_AS and name not in DEFAULTS
]  # fmt: skip
"""Asset columns written straight from the staging column of the same name."""

EDITED_WITH = {"location_method": "geom", "quality_flags": "geom", "uprn_number": "uprn"}
"""Columns that follow another's web edit: a point placed by hand keeps its method and
flags; an edited UPRN keeps its number."""

AUDITED_SKIP = frozenset({"quality_flags", "location_method"})
"""Written columns the audit trail leaves out: they follow from others (the point, the
checks) and would only repeat those changes."""
