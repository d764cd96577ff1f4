"""The same place in two bodies' files: matched by UPRN, then by distance and name.

Runs after a load commits (in its own transaction, so a load's speed does not depend
on how much it matches; the load records its batch as pending matching, and the
matching marks it done, see :mod:`estate.etl.pending_matches`), set-based, for the
assets the load wrote against everyone else's: a match needs two different bodies.
Matching is idempotent: a match found before is kept, never duplicated. Proximity
matches leave out coarse points (a postcode district's centre) and probable
centroids, which are near everything and the same as nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    FromClause,
    Numeric,
    Select,
    Table,
    and_,
    any_,
    cast,
    func,
    literal,
    not_,
    select,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.types import Text

from estate.analysis.assets import CENTROID_FLAG, COARSE_METHODS
from estate.current import is_current
from estate.etl.load.batches import mark_matched
from estate.etl.load.prepared import Progress
from estate.etl.register_lock import lock_register_writes
from estate.models import Asset, AssetMatch

MATCH_DISTANCE_M = 30.0
NAME_SIMILARITY = 0.5

_ASSETS: Table = Asset.__table__  # type: ignore[assignment]
_MATCHES: Table = AssetMatch.__table__  # type: ignore[assignment]
# What a match records, in the model's order (its id and time are the database's).
MATCH_COLUMNS = [c.name for c in _MATCHES.columns if c.name not in ("id", "created_at")]


def _pair(a: FromClause, b: FromClause, method: str, similarity: ColumnElement) -> list:
    """A pair of assets as :data:`MATCH_COLUMNS`: smaller id first, how it was found, the
    distance (0.1 m) and the names' similarity (to 3 places)."""
    return [
        func.least(a.c.id, b.c.id),
        func.greatest(a.c.id, b.c.id),
        literal(method, Text),
        func.round(cast(func.ST_Distance(a.c.geom, b.c.geom), Numeric), 1),
        func.round(cast(similarity, Numeric), 3),
    ]


def _by_uprn(batch_id: int) -> Select:
    """The batch's assets and other bodies' assets of the same UPRN."""
    a, b = _ASSETS.alias("a"), _ASSETS.alias("b")
    names = func.similarity(func.coalesce(a.c.name, ""), func.coalesce(b.c.name, ""))
    return (
        select(*_pair(a, b, "uprn", names))
        .join_from(
            a,
            b,
            and_(b.c.uprn_number == a.c.uprn_number, b.c.organisation_id != a.c.organisation_id),
        )
        .where(a.c.load_batch_id == batch_id, a.c.uprn_number.is_not(None))
        .where(is_current(a), is_current(b))
    )


def _by_proximity(batch_id: int) -> Select:
    """The batch's assets and other bodies' assets within :data:`MATCH_DISTANCE_M` of
    similar name, both placed well enough to measure."""
    a, b = _ASSETS.alias("a"), _ASSETS.alias("b")
    names = func.similarity(a.c.name, b.c.name)
    near = and_(
        func.ST_DWithin(a.c.geom, b.c.geom, MATCH_DISTANCE_M),
        b.c.organisation_id != a.c.organisation_id,
    )
    placed = [
        condition
        for x in (a, b)
        for condition in (
            x.c.location_method.not_in(COARSE_METHODS),
            not_(literal(CENTROID_FLAG, Text) == any_(x.c.quality_flags)),
        )
    ]
    return (
        select(*_pair(a, b, "proximity_name", names))
        .join_from(a, b, near)
        .where(
            a.c.load_batch_id == batch_id,
            is_current(a),
            is_current(b),
            a.c.name.is_not(None),
            b.c.name.is_not(None),
            names >= NAME_SIMILARITY,
            *placed,
        )
    )


def _record(conn: Connection, pairs: Select) -> None:
    """Record the pairs found; a pair found before is kept as it was."""
    conn.execute(
        insert(_MATCHES)
        .from_select(MATCH_COLUMNS, pairs)
        .on_conflict_do_nothing(index_elements=["asset_id", "other_id"])
    )


def match_batch(conn: Connection, batch_id: int) -> int:
    """Record matches between the batch's assets and other bodies' assets; returns how many
    new matches were found."""
    count = select(func.count()).select_from(_MATCHES)
    before = conn.execute(count).scalar_one()
    _record(conn, _by_uprn(batch_id))
    _record(conn, _by_proximity(batch_id))
    return conn.execute(count).scalar_one() - before


def match_locked(
    conn: Connection, batch_ids: Sequence[int], progress: Progress | None = None
) -> int:
    """Match the batches' assets in the caller's transaction, holding the register's write
    lock (so no load writes meanwhile), and mark the batches matched; returns how many
    new matches were found. ``progress("match", done, total)`` is called batch by batch."""
    lock_register_writes(conn)
    # The matching's joins are estimated far larger than they are (every asset a
    # candidate for every other), so PostgreSQL compiles them with its JIT: seconds of
    # compiling, in every parallel worker, for a join that runs in a fraction of that.
    # Without the JIT the same plans run; only the compiling goes (at 100k assets the
    # UPRN join took 1.8 s with it and 0.2 s without).
    conn.execute(select(func.set_config("jit", "off", True)))  # SET LOCAL: this transaction
    found = 0
    for done, batch_id in enumerate(batch_ids):
        if progress:
            progress("match", done, len(batch_ids))
        found += match_batch(conn, batch_id)
    mark_matched(conn, batch_ids)
    if progress:
        progress("match", len(batch_ids), len(batch_ids))
    return found


def match_batches(engine: Engine, batch_ids: Iterable[int]) -> int:
    """Match the assets of several loads at once, in one transaction; returns how many
    new matches were found."""
    with engine.begin() as conn:
        return match_locked(conn, list(batch_ids))
