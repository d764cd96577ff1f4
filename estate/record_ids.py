"""Record ids given from outside (a URL, a form, a caller), bound so that any whole
number is safe to look up.

Core binds a value with its column's type (``%(id)s::INTEGER``), so an id past the
column's range (``/assets/99999999999999999999``) would fail the cast instead of finding
nothing. These binds are written into the statement as integer literals when it runs
(``literal_execute``): PostgreSQL compares any whole number with the column, uses its
index as for a bound value, and an id no record can have simply matches no row. The
statement itself is still compiled once and cached.
"""

from __future__ import annotations

from sqlalchemy import BindParameter, bindparam


def given_id(value: int | None = None, *, name: str | None = None) -> BindParameter:
    """One id: ``value`` now, or a bind called ``name`` for a statement built once."""
    return bindparam(name, value, literal_execute=True)


def given_ids(name: str) -> BindParameter:
    """A list of ids for ``column.in_(...)``, bound as ``name`` when the statement runs."""
    return bindparam(name, expanding=True, literal_execute=True)
