"""Which assets are the register now: the one definition of a *current* asset.

A body's newer register retires the assets it no longer lists (:mod:`estate.etl.load`):
they are kept, with their history, but the register as people read it (the map and its
summaries, the analyses, the quality report, the exports, the club) is its current
assets only. Every such reading says so through this module, in Core
(:func:`is_current`) or in the SQL text of the hot paths (:data:`CURRENT_SQL`), so the
definition cannot differ between two places; ``tests/test_architecture.py`` checks that
the readings of assets use it. An asset's own page and history still open a retired
asset, and say when and why it was retired.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, FromClause

RETIRED_COLUMN = "retired_at"
"""The asset column whose value makes an asset retired (the date its body's newer
register left it out); NULL is current."""


def is_current(assets: FromClause) -> ColumnElement[bool]:
    """The Core condition that an asset of ``assets`` (the table or an alias) is current."""
    return assets.c[RETIRED_COLUMN].is_(None)


def current_sql(alias: str = "a") -> str:
    """:func:`is_current` as SQL text on the alias ``alias`` of ``assets``."""
    return f"{alias}.{RETIRED_COLUMN} IS NULL"


CURRENT_SQL = current_sql("assets")
"""The condition on the unaliased ``assets`` table."""
