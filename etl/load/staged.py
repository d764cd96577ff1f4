"""SQL expressions over the staging table: an asset column's value from a staged row ``s``,
and the join of staged rows to the assets ``a`` they will write over.

The upsert, the conflicts with web edits and the audit trail are each one set-based
statement over all of a file's staged rows, and all three must form every value exactly
alike (or the audit would record changes the upsert does not make). So they share these
fragments, which are raw SQL because the statements they go into are (see
:mod:`estate.etl.load.upsert`: speed).
"""

from __future__ import annotations

from estate.crs import STORAGE_SRID
from estate.etl.load.columns import DEFAULTS
from estate.etl.load.copying import STAGING_TABLE

STAGED_ASSETS = f"""
    FROM {STAGING_TABLE} s JOIN organisations o ON o.code = s.org_code
    JOIN assets a ON a.organisation_id = o.id AND a.source_ref = s.source_ref
"""
"""``FROM`` the staged rows joined to the assets they update (new assets have none)."""


def value_sql(column: str) -> str:
    """The SQL expression of an asset column from a staging row ``s``."""
    if column == "geom":
        return (
            f"CASE WHEN s.x IS NOT NULL AND s.y IS NOT NULL "
            f"THEN ST_SetSRID(ST_MakePoint(s.x, s.y), {STORAGE_SRID}) END"
        )
    if column == "footprint":
        return (
            f"CASE WHEN s.footprint_wkt IS NOT NULL "
            f"THEN ST_Multi(ST_GeomFromText(s.footprint_wkt, {STORAGE_SRID})) END"
        )
    if column in DEFAULTS:
        default = DEFAULTS[column]
        literal = str(default).lower() if isinstance(default, bool) else f"'{default}'"
        return f"coalesce(s.{column}, {literal})"
    if column == "quality_flags":
        return "coalesce(string_to_array(nullif(s.quality_flags, ''), ','), '{}')"
    return f's."{column}"'


def staged_value(column: str, supplement: bool) -> str:
    """An asset column's value from staging row ``s`` as the upsert would write it over
    the asset ``a`` (web edits aside). A footprint is never cleared by a row without one
    (see :func:`estate.etl.load.upsert.upsert`)."""
    value = value_sql(column)
    if (supplement and column != "location_method") or column == "footprint":
        return f"coalesce({value}, a.{column})"
    return value


def json_value(column_sql: str, column: str) -> str:
    """A column value as JSON for the audit trail and conflicts (points as EWKT text)."""
    if column in ("geom", "footprint"):
        return f"to_jsonb(ST_AsEWKT({column_sql}))"
    return f"to_jsonb({column_sql})"
