"""Core expressions rendered as PostgreSQL text, for the few hot paths that run text.

SQL is written once, as SQLAlchemy Core built on the tables of :mod:`estate.models`.
A few hot paths still run SQL text (the loader's COPY and upsert, the analysis frame
reader's COPY, the map's feature SQL), and they embed pieces the rest of the code
reads through Core: the sharing subqueries of :mod:`estate.sharing` and the measures
of :mod:`estate.analysis.assets`. Rendering those pieces from their Core form, rather
than keeping a second copy in text, means the two can never say different things.
"""

from __future__ import annotations

from sqlalchemy import ClauseElement, Select, type_coerce
from sqlalchemy.dialects import postgresql
from sqlalchemy.types import NullType

# Named parameters: a literal is never written with doubled percent signs, since the
# text is run again through ``text()`` or psycopg's ``sql.SQL``, which do their own.
_DIALECT = postgresql.psycopg.dialect(paramstyle="named")


def to_sql(clause: ClauseElement) -> str:
    """``clause`` as PostgreSQL text, its values written inline.

    A SELECT is rendered as the inner statement of a subquery: its columns exactly as
    selected, without the ``ST_AsEWKB`` GeoAlchemy2 wraps round geometry columns in a
    statement's outermost SELECT (the text is embedded as ``FROM (...) a``, whose
    geometry the outer query works on).
    """
    if isinstance(clause, Select):
        clause = clause.with_only_columns(
            *(type_coerce(c, NullType()).label(c.key) for c in clause.selected_columns),
            maintain_column_froms=True,
        )
    compiled = clause.compile(dialect=_DIALECT, compile_kwargs={"literal_binds": True})
    return str(compiled)
